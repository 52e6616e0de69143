//! Batch producers: many items in one `ZADD` per chunk, with its conditions.

use super::command::{Arg, Command};
use super::error::Result;
use super::operation::{Operation, Step};
use super::reply::{Decoder, Reply};
use super::serializer::{Dumps, Serializer};
use super::set::SetCore;

/// Members per `ZADD`: big enough that a batch costs few round trips, small enough that
/// one command never holds the server long.
pub const ADD_MANY_CHUNK: usize = 5000;

/// Which members a batch `ZADD` may touch (Redis's `NX`, `XX`, `GT`, `LT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddCondition {
    /// Only add new members; never update a score (`NX`).
    OnlyNew,
    /// Only update members already there; never add (`XX`).
    OnlyExisting,
    /// Add new members, and update a score only to a greater one (`GT`).
    Greater,
    /// Add new members, and update a score only to a lesser one (`LT`).
    Less,
}

/// How a batch add behaves.
///
/// ```
/// use redset::core::{AddCondition, AddOptions};
/// let only_new = AddOptions { condition: Some(AddCondition::OnlyNew), ..AddOptions::default() };
/// assert!(!only_new.count_changed);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddOptions {
    /// Which members may be added or updated (default: any).
    pub condition: Option<AddCondition>,
    /// Count the members whose score changed too, not only the added ones (`CH`).
    pub count_changed: bool,
}

impl AddOptions {
    fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        flags.extend(self.condition.map(|c| match c {
            AddCondition::OnlyNew => "NX",
            AddCondition::OnlyExisting => "XX",
            AddCondition::Greater => "GT",
            AddCondition::Less => "LT",
        }));
        if self.count_changed {
            flags.push("CH");
        }
        flags
    }
}

/// The operation of [`SetCore::add_many`]: its chunks sent one after another, their
/// counts summed.
pub struct AddMany {
    chunks: std::vec::IntoIter<Command>,
    total: u64,
}

impl Operation for AddMany {
    type Output = u64;

    fn start(&mut self) -> Result<Step<u64>> {
        Ok(match self.chunks.next() {
            Some(cmd) => Step::Send(cmd),
            None => Step::Done(self.total),
        })
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<u64>> {
        self.total += Decoder { command: "ZADD" }.count(reply)?;
        self.start()
    }

    /// A chunk sent again sets the same scores again.
    fn repeatable(&self) -> bool {
        true
    }
}

impl<S: Serializer> SetCore<S> {
    /// Adds many items, each with its explicit score or else the one `add` would give
    /// it, in one `ZADD` per [`ADD_MANY_CHUNK`] members; gives how many were added (or,
    /// with `count_changed`, added or changed). Every item is serialized and scored
    /// first: a NaN score or a serializer error rejects the whole batch before anything
    /// is sent. Each chunk is atomic; a batch of several chunks is not.
    pub fn add_many<'a, Q: ?Sized + 'a>(
        &self,
        items: impl IntoIterator<Item = (&'a Q, Option<f64>)>,
        options: AddOptions,
        now: f64,
    ) -> Result<AddMany>
    where
        S: Dumps<Q>,
    {
        let mut members = Vec::new();
        for (item, score) in items {
            let score = self.resolve_score(item, score, now)?;
            members.push((score, self.member(item)?));
        }
        let flags = options.flags();
        let chunks: Vec<Command> = members
            .chunks(ADD_MANY_CHUNK)
            .map(|chunk| {
                let head = flags
                    .iter()
                    .fold(Command::new("ZADD").arg(self.name()), |cmd, flag| {
                        cmd.arg(*flag)
                    });
                chunk.iter().fold(head, |cmd, (score, member)| {
                    cmd.arg(*score).arg(Arg(member.clone()))
                })
            })
            .collect();
        Ok(AddMany {
            chunks: chunks.into_iter(),
            total: 0,
        })
    }
}
