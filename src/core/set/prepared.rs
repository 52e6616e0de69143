//! Prepared operations: those whose command is the same on every call on a set —
//! `pop` and `take(n)` by `ZPOPMIN`, `peek` of a set whose items are all eligible,
//! `len` — given once, with the decoder of their reply that the operation itself uses.
//! A driver for which stepping an operation costs more than carrying a command (the wasm
//! binding, where each crossing and each JS value made from wasm counts) keeps the
//! command and hands over only replies; the set's semantics stay here.

use super::SetCore;
use crate::core::protocol::{Command, Decoder, Reply, Result};
use crate::core::serializer::Serializer;

/// An operation that may be prepared (see [`SetCore::prepared`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prepared {
    /// [`SetCore::pop`].
    Pop,
    /// [`SetCore::take`] of this many.
    Take(usize),
    /// [`SetCore::peek`] at this position.
    Peek(usize),
    /// [`SetCore::len`].
    Len,
}

/// What a prepared operation gives for its reply.
#[derive(Debug, PartialEq)]
pub enum PreparedOutput<T> {
    /// A pop's or a peek's item (`None`: it failed to deserialize, and was reported).
    Item(Option<T>),
    /// A take's items.
    Items(Vec<T>),
    /// A count.
    Count(u64),
}

impl<S: Serializer> SetCore<S> {
    /// The command of `which` when it is one command that is the same on every call on
    /// this set; `None` when the operation must run (a scheduled or flow-controlled
    /// set's pop and peek, which depend on the time or run a script; writes that wait
    /// for replicas; a take of nothing or of more than one chunk).
    ///
    /// ```
    /// use redset::core::{Kind, Prepared, PreparedOutput, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let pop = set.prepared(Prepared::Pop).unwrap();
    /// assert_eq!(format!("{pop:?}"), r#"["ZPOPMIN", "jobs", "1"]"#);
    /// let reply = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1")]);
    /// assert_eq!(set.prepared_output(Prepared::Pop, reply).unwrap(), PreparedOutput::Item(Some("a".into())));
    /// assert!(SetCore::new("jobs", Kind::Scheduled, redset::Utf8).prepared(Prepared::Pop).is_none());
    /// ```
    pub fn prepared(&self, which: Prepared) -> Option<Command> {
        let removes_by_zpopmin = !self.pops_by_script() && self.replication.is_none();
        let peeks_by_rank = !self.kind().due_by_time();
        match which {
            Prepared::Pop if removes_by_zpopmin => Some(self.zpopmin(1)),
            Prepared::Take(count)
                if removes_by_zpopmin && (1..=super::TAKE_CHUNK).contains(&count) =>
            {
                Some(self.zpopmin(count))
            }
            Prepared::Peek(position) if peeks_by_rank => Some(self.range(position, 1, false, 0.0)),
            Prepared::Len => Some(self.len_command()),
            _ => None,
        }
    }

    /// The output of prepared `which` for the reply to its command: what the operation
    /// gives, by the operation's own decoder (so the same errors: `Empty` for a pop or
    /// peek of nothing, server errors for error replies).
    pub fn prepared_output(
        &self,
        which: Prepared,
        reply: Reply,
    ) -> Result<PreparedOutput<S::Item>> {
        let target = &self.target;
        Ok(match which {
            Prepared::Pop => {
                let raw = Self::popped(false, reply)?.into_iter().next();
                PreparedOutput::Item(Self::pop_output(target, raw)?)
            }
            Prepared::Take(_) => {
                PreparedOutput::Items(Self::take_output(target, Self::popped(false, reply)?))
            }
            Prepared::Peek(position) => {
                let decoder = Decoder { command: "ZRANGE" };
                PreparedOutput::Item(Self::peek_output(target, position, &decoder, reply)?)
            }
            Prepared::Len => PreparedOutput::Count(Decoder { command: "ZCARD" }.count(reply)?),
        })
    }
}
