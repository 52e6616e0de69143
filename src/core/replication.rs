//! Writes acknowledged by replicas, opt in: after a write, `WAIT replicas timeout`.
//!
//! Redis replication is asynchronous: a write the master acknowledged can be lost if
//! the master fails before a replica has it. With a [`Replication`] set, `add`,
//! `add_many`, `ack`, `retry` and `release` wait for that many replicas to acknowledge
//! the write (up to the timeout) and fail with [`Error::NotReplicated`] when fewer did:
//! the write took effect on the master, and is safe to repeat.

use std::time::Duration;

use super::operation::{Operation, Step};
use super::protocol::{Command, Decoder, Error, Reply, Result};

/// How many replicas must acknowledge a write, and how long to wait for them.
///
/// ```
/// use std::time::Duration;
/// use redset::core::{Kind, Replication, SetCore};
/// let wait = Replication { replicas: 1, timeout: Duration::from_millis(100) };
/// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_replication(Some(wait));
/// assert_eq!(set.replication(), Some(wait));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replication {
    /// Replicas that must acknowledge the write.
    pub replicas: u32,
    /// How long to wait for them (0 would wait for ever in Redis: at least 1 ms is sent).
    pub timeout: Duration,
}

impl Replication {
    /// `WAIT replicas timeout`, routed by `route`: made once, not in each write's
    /// [`Replicated`] (issue 20's size target).
    #[inline(never)]
    fn command(self, route: &[u8]) -> Command {
        let ms = self.timeout.as_millis().clamp(1, i64::MAX as u128);
        Command::new("WAIT")
            .arg(u64::from(self.replicas))
            .arg(ms as u64)
            .routed_by(route)
    }
}

/// A write followed, when the set asks for it, by `WAIT` (see [`Replication`]).
pub struct Replicated<O: Operation> {
    op: O,
    wait: Option<Replication>,
    /// The set's key, which routes `WAIT` to the set's node on a cluster client that
    /// routes by key.
    route: Vec<u8>,
    written: Option<O::Output>,
}

impl<O: Operation> Replicated<O> {
    /// `op`, then `WAIT` if `wait` asks for it, routed by the set's key `route`.
    pub(crate) fn new(op: O, wait: Option<Replication>, route: &[u8]) -> Self {
        Replicated {
            op,
            wait,
            route: route.to_vec(),
            written: None,
        }
    }

    fn after(&mut self, step: Result<Step<O::Output>>) -> Result<Step<O::Output>> {
        match (step?, self.wait) {
            (Step::Done(output), Some(wait)) => {
                self.written = Some(output);
                Ok(Step::Send(wait.command(&self.route)))
            }
            (step, _) => Ok(step),
        }
    }
}

impl<O: Operation> Operation for Replicated<O> {
    type Output = O::Output;

    fn start(&mut self) -> Result<Step<O::Output>> {
        let step = self.op.start();
        self.after(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<O::Output>> {
        let Some(written) = self.written.take() else {
            let step = self.op.feed(reply);
            return self.after(step);
        };
        let acked = Decoder { command: "WAIT" }.count(reply)?;
        let wanted = u64::from(self.wait.map_or(0, |w| w.replicas));
        if acked < wanted {
            return Err(Error::NotReplicated { acked, wanted });
        }
        Ok(Step::Done(written))
    }

    fn resume(&mut self, now: f64) -> Result<Step<O::Output>> {
        let step = self.op.resume(now);
        self.after(step)
    }

    /// `WAIT` only waits: as the write before it.
    fn repeatable(&self) -> bool {
        self.written.is_some() || self.op.repeatable()
    }
}
