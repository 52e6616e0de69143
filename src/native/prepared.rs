//! Prepared operations on the native driver (see the core's
//! [`Prepared`](crate::core::Prepared)): `pop`, `take(n)`, `peek`, `len`, `contains`
//! and `score`, where the operation is one command and its reply; and `add`, where it
//! is its `ZADD` and a check (see the core's [`PreparedAdd`](crate::core::PreparedAdd)).
//! The command the core gives is sent and its reply decoded by the operation's own
//! decoder, with no operation stepped; where the command is the same on every call, the
//! set keeps it, encoded for both transports. An operation the core cannot prepare on
//! the set runs as usual, and so does one whose reply does not finish it (a scheduled
//! pop told the original's lock is held, or `NOSCRIPT`), with that reply as the answer
//! to its first command.
//!
//! Stepping an operation cost more on the client than the command's own encoding and
//! decoding (issue 20: a sync pop spent about a fifth of its client time building,
//! cloning and dropping the operation's parts).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use redis::{RedisResult, Value};

use super::convert::{bulk_strings, classify, repeat_after};
use super::drive::after_repeat;
use crate::core::{
    Command, Dumps, Error, Operation, Prepared, PreparedAdd, PreparedOutput, Reply, Result,
    Serializer, SetCore,
};

/// At most this many kept commands per set (a take or peek of many sizes: the oldest
/// goes first).
const KEPT: usize = 16;

/// A prepared command, encoded once for each transport.
pub(crate) struct Carried {
    /// As the core gave it (its name is for errors).
    pub command: Command,
    /// As the sync driver sends it.
    pub packed: Vec<u8>,
    /// As the tokio driver sends it.
    #[cfg(feature = "tokio")]
    pub cmd: redis::Cmd,
}

impl Carried {
    fn new(command: Command) -> Self {
        Carried {
            packed: command.to_resp(),
            #[cfg(feature = "tokio")]
            cmd: super::convert::to_cmd(&command),
            command,
        }
    }
}

/// The commands a set keeps for its prepared operations, and the check of its prepared
/// adds. A set whose settings change starts with none.
#[derive(Default)]
pub(crate) struct Kept {
    /// By operation, the oldest first.
    commands: Mutex<Vec<(Prepared, Arc<Carried>)>>,
    /// The check of the set's prepared adds, made at the first.
    add_check: OnceLock<Carried>,
}

/// A prepared operation's command: kept by the set, or made for this call alone (a
/// scheduled pop's carries the time), then encoded only as its transport sends it.
pub(crate) enum Prepare {
    Kept(Arc<Carried>),
    Once(Command),
}

impl Prepare {
    /// The command as the core gave it.
    pub fn command(&self) -> &Command {
        match self {
            Prepare::Kept(carried) => &carried.command,
            Prepare::Once(command) => command,
        }
    }
}

impl Kept {
    /// The command of `which` on `core` at `now`, kept when it never changes; `None`
    /// when the operation must run.
    pub fn get<S: Serializer>(
        &self,
        core: &SetCore<S>,
        which: Prepared,
        now: f64,
    ) -> Option<Prepare> {
        let fixed = core.prepared_is_fixed(which);
        if !fixed {
            return core.prepared(which, now).map(Prepare::Once);
        }
        let mut kept = self.commands.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, carried)) = kept.iter().find(|(kept, _)| *kept == which) {
            return Some(Prepare::Kept(carried.clone()));
        }
        let carried = Arc::new(Carried::new(core.prepared(which, now)?));
        if kept.len() == KEPT {
            kept.remove(0);
        }
        kept.push((which, carried.clone()));
        Some(Prepare::Kept(carried))
    }
}

impl Kept {
    /// The check that goes with a prepared add's `ZADD`, the same on every call.
    pub fn add_check<S: Serializer>(&self, core: &SetCore<S>) -> &Carried {
        self.add_check
            .get_or_init(|| Carried::new(core.prepared_add_check()))
    }
}

/// An add as a method hands it to its transport's `run_add`: the set's core and kept
/// commands, the item, its score if given, and the time.
pub(crate) struct AddRequest<'a, S: Serializer, Q: ?Sized> {
    pub set: (&'a SetCore<S>, &'a Kept),
    pub item: &'a Q,
    pub score: Option<f64>,
    pub now: f64,
}

impl<S: Serializer + Dumps<Q>, Q: ?Sized> AddRequest<'_, S, Q> {
    /// The add prepared, or as the operation to run where it must run.
    pub fn prepare(
        &self,
    ) -> Result<std::result::Result<PreparedAdd, impl Operation<Output = f64>>> {
        let core = self.set.0;
        Ok(match core.prepared_add(self.item, self.score, self.now)? {
            Some(add) => Ok(add),
            None => Err(core.add(self.item, self.score, self.now)?),
        })
    }

    /// The add at the score of `add`, to run with the replies to the prepared commands
    /// as the answer to its first step, where a consumer waits.
    pub fn woken(&self, add: &PreparedAdd) -> Result<impl Operation<Output = f64>> {
        self.set.0.add(self.item, Some(add.score), self.now)
    }
}

/// What the replies to a prepared add's `ZADD` and check (`sent`; `repeated`: sent once
/// more after their connection failed) come to, by the rules of the drive loop: `None`
/// when the add is done, else the replies to feed to the add, which writes the wake-up
/// marker (see the core's `prepared_added`).
pub(crate) fn added<S: Serializer>(
    core: &SetCore<S>,
    sent: RedisResult<Value>,
    repeated: bool,
) -> Result<Option<Reply>> {
    let reply = classify(sent, "ZADD", true)?;
    core.prepared_added(reply)
        .map_err(|err| after_repeat(repeated.then_some("ZADD"), err))
}

/// A prepared operation as a method hands it to its transport's `run_prepared`: the
/// set's core and kept commands, which operation at `now`, how its result is picked from
/// the core's output, and how the operation is made where it must run.
pub(crate) struct Request<'a, S: Serializer, T, M> {
    pub set: (&'a SetCore<S>, &'a Kept),
    pub which: Prepared,
    /// The command made for this call's item, for an operation that takes one.
    pub given: Option<Command>,
    pub now: f64,
    pub output: fn(PreparedOutput<S::Item>) -> Option<T>,
    pub make: M,
}

impl<S: Serializer, T, M> Request<'_, S, T, M> {
    /// The command to send: the one made for this call's item, else the set's (kept
    /// where it never changes); `None` when the operation must run.
    pub fn prepare(&mut self) -> Option<Prepare> {
        let ((core, kept), which, now) = (self.set, self.which, self.now);
        match self.given.take() {
            Some(command) => Some(Prepare::Once(command)),
            None => kept.get(core, which, now),
        }
    }
}

/// What a prepared command's reply comes to.
pub(crate) enum Finished<T> {
    /// The method's result.
    Done(T),
    /// The operation must run, with this reply as the answer to its first command.
    Run(Reply),
}

/// The outcome of `which`, whose `command` was sent (`repeated`: once more after
/// its connection failed) and gave `sent`, by the rules of the drive loop: a failed pop
/// is `OutcomeUnknown`, an error reply after a repeat too.
pub(crate) fn finish<S: Serializer, T, M>(
    request: &Request<'_, S, T, M>,
    command: &Command,
    sent: RedisResult<Value>,
    repeated: bool,
) -> Result<Finished<T>> {
    let (core, which) = (request.set.0, request.which);
    let name = command.name();
    let repeated = repeated.then_some(name);
    let done = |out| {
        (request.output)(out)
            .map(Finished::Done)
            .ok_or_else(|| Error::protocol(name, "a prepared operation's output of another kind"))
    };
    if let (Prepared::Take(_), Ok(Value::Array(values))) = (which, &sent) {
        // A flat array of bulk strings (RESP2's pairs, a scheduled take's members): the
        // members read where they lie, not moved into a `Reply` first (on the tokio
        // driver, 6% of a take(100)'s client instructions and 2–3% of its time; issue 20).
        if let Some(bulks) = bulk_strings(values) {
            return match core.prepared_items_in(&bulks) {
                Ok(items) => done(PreparedOutput::Items(items)),
                Err(err) => Err(after_repeat(repeated, err)),
            };
        }
    }
    let reply = classify(sent, name, which.repeatable())?;
    match core.prepared_output(which, reply) {
        Ok(PreparedOutput::Unprepared(reply)) => Ok(Finished::Run(reply)),
        Ok(out) => done(out),
        Err(err) => Err(after_repeat(repeated, err)),
    }
}

/// Whether `which`'s command, which gave `sent`, goes once more.
pub(crate) fn repeats(which: Prepared, sent: &RedisResult<Value>) -> bool {
    repeat_after(sent, which.repeatable())
}
