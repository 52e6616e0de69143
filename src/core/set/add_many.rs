//! `add_many`: batch producers, many items in one `ZADD` per chunk, with its
//! conditions.

use super::add::ADD;
use super::SetCore;
use crate::core::clock::{server_time, time_command, Clock};
use crate::core::dedup::window_arg;
use crate::core::operation::{Call, Exchange, Operation, Step};
use crate::core::protocol::{Arg, Decoder, Reply, Result};
use crate::core::replication::Replicated;
use crate::core::serializer::{Dumps, Serializer};

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
/// counts summed. Under the server's clock, items scored by the clock first wait for
/// its `TIME`.
pub struct AddMany {
    keys: Vec<Vec<u8>>,
    /// The script's arguments before the flags: the set's options, the dedup window.
    head: [Vec<u8>; 2],
    flags: Vec<&'static str>,
    members: Vec<Member>,
    /// "Now" for the members scored by the clock; `None` until the server says it.
    now: Option<f64>,
    sent: usize,
    /// The chunk in flight.
    chunk: Option<Chunk>,
    total: u64,
}

/// A member to add: its score (`None` for "now"), its bytes, and its group in a grouped
/// set.
type Member = (Option<f64>, Vec<u8>, Option<Vec<u8>>);

/// One chunk's call: how many its `ZADD`s counted.
type Chunk = Exchange<fn(Reply) -> Result<u64>>;

fn counted(reply: Reply) -> Result<u64> {
    Decoder { command: "EVALSHA" }.count(reply)
}

impl AddMany {
    fn next_chunk(&mut self) -> Result<Step<u64>> {
        let Some(now) = self.now else {
            return Ok(Step::Send(time_command()));
        };
        let end = (self.sent + ADD_MANY_CHUNK).min(self.members.len());
        if self.sent == end {
            return Ok(Step::Done(self.total));
        }
        let mut args = self.head.to_vec();
        args.push(self.flags.len().to_string().into_bytes());
        args.extend(self.flags.iter().map(|flag| flag.as_bytes().to_vec()));
        for (score, member, group) in &self.members[self.sent..end] {
            args.push(Arg::from(score.unwrap_or(now)).0);
            args.push(member.clone());
            args.extend(group.clone());
        }
        self.sent = end;
        let decode: fn(Reply) -> Result<u64> = counted;
        let chunk = Exchange::new(Call::script(&ADD, self.keys.clone(), args), decode);
        let step = self.chunk.insert(chunk).start()?;
        self.after_chunk(step)
    }

    fn after_chunk(&mut self, step: Step<u64>) -> Result<Step<u64>> {
        match step.done() {
            Ok(count) => {
                self.total += count;
                self.next_chunk()
            }
            Err(pending) => Ok(pending),
        }
    }
}

impl Operation for AddMany {
    type Output = u64;

    fn start(&mut self) -> Result<Step<u64>> {
        self.next_chunk()
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<u64>> {
        let Some(chunk) = &mut self.chunk else {
            self.now = Some(server_time(reply)?);
            return self.next_chunk();
        };
        let step = chunk.feed(reply)?;
        self.after_chunk(step)
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
    ) -> Result<Replicated<AddMany>>
    where
        S: Dumps<Q>,
    {
        let mut members = Vec::new();
        let mut by_clock = false;
        for (item, score) in items {
            let resolved = self.resolve_score(item, score, now)?;
            let is_now = self.score_is_now(score);
            by_clock |= is_now;
            let group = self.group_of(item, None)?;
            members.push(((!is_now).then_some(resolved), self.member(item)?, group));
        }
        let ask = by_clock && self.clock() == Clock::Server;
        Ok(self.replicated(AddMany {
            keys: self.add_keys(),
            head: [self.script_options(), window_arg(self.dedup)],
            chunk: None,
            flags: options.flags(),
            members,
            now: (!ask).then_some(now),
            sent: 0,
            total: 0,
        }))
    }
}
