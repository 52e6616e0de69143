//! Whose clock says "now": the client's (the default, as in the original) or the Redis
//! server's.
//!
//! "Now" decides the default score of a time-ordered `add`, which items of a scheduled
//! set are due, and how long a wait sleeps. With [`Clock::Server`] every operation that
//! needs it first asks the server (`TIME`) and builds itself with that answer, so
//! producers and consumers whose clocks disagree still agree on what is due. Leases
//! always use the server's clock, whichever is chosen.

use super::operation::{Operation, Step};
use super::protocol::{Command, Decoder, Error, Reply, Result};

/// Whose clock decides "now" for a set.
///
/// ```
/// use redset::core::{Clock, Kind, Operation, SetCore, Step};
/// let set = SetCore::new("retries", Kind::Scheduled, redset::Utf8).with_clock(Clock::Server);
/// let mut pop = set.pop(0.0);
/// let Step::Send(cmd) = pop.start().unwrap() else { unreachable!() };
/// assert_eq!(format!("{cmd:?}"), r#"["TIME"]"#); // the server says when "now" is
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    /// The caller's clock (what the driver passes as `now`), as the original does.
    #[default]
    Client,
    /// The Redis server's clock (`TIME`): one more command per operation that needs it.
    Server,
}

/// An operation built with "now": at once with the caller's time, or, under
/// [`Clock::Server`], once the server has said what time it is.
pub(crate) struct Clocked<O, M> {
    make: Option<M>,
    op: Option<O>,
    /// The caller's "now", to learn how far the server's clock is from it.
    client_now: f64,
    /// Server time minus client time, once known: added to the times `resume` brings.
    offset: f64,
}

impl<O: Operation, M: FnOnce(f64) -> O> Clocked<O, M> {
    /// The operation `make(now)`, by `clock`; `needs_now` says whether "now" matters to
    /// it at all (a priority set's pop does not ask the server for the time).
    pub fn new(clock: Clock, needs_now: bool, now: f64, make: M) -> Self {
        let (op, make) = if clock == Clock::Server && needs_now {
            (None, Some(make))
        } else {
            (Some(make(now)), None)
        };
        Clocked {
            make,
            op,
            client_now: now,
            offset: 0.0,
        }
    }

    fn running(&mut self) -> Result<&mut O> {
        self.op
            .as_mut()
            .ok_or_else(|| Error::protocol("TIME", "the operation has not started"))
    }
}

/// Server time, in UNIX seconds, from a `TIME` reply: seconds and microseconds.
pub(crate) fn server_time(reply: Reply) -> Result<f64> {
    let decoder = Decoder { command: "TIME" };
    let parts = decoder.array(reply)?;
    let [seconds, micros] = <[Reply; 2]>::try_from(parts)
        .map_err(|_| Error::protocol("TIME", "expected seconds and microseconds"))?;
    let (seconds, micros) = (decoder.integer(seconds)?, decoder.integer(micros)?);
    Ok(seconds as f64 + micros as f64 / 1e6)
}

/// The command that asks the server for its time.
pub(crate) fn time_command() -> Command {
    Command::new("TIME")
}

impl<O: Operation, M: FnOnce(f64) -> O> Operation for Clocked<O, M> {
    type Output = O::Output;

    fn start(&mut self) -> Result<Step<O::Output>> {
        match &mut self.op {
            Some(op) => op.start(),
            None => Ok(Step::Send(time_command())),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<O::Output>> {
        if let Some(op) = &mut self.op {
            return op.feed(reply);
        }
        let make = self
            .make
            .take()
            .ok_or_else(|| Error::protocol("TIME", "a reply after the operation failed"))?;
        let now = server_time(reply)?;
        self.offset = now - self.client_now;
        self.op.insert(make(now)).start()
    }

    fn resume(&mut self, now: f64) -> Result<Step<O::Output>> {
        let now = now + self.offset;
        self.running()?.resume(now)
    }

    /// Asking for the time is a read; after that, as the operation.
    fn repeatable(&self) -> bool {
        self.op.as_ref().is_none_or(Operation::repeatable)
    }
}
