//! The drive loop's decisions, shared by the synchronous and the tokio driver: which
//! command goes out, whether a failed one goes once more, what a reply or a failure
//! means to the operation, when to sleep, and the bound on steps. The two drivers only
//! add the I/O (a blocking send or an awaited one, a thread sleep or a timer).

use std::time::Duration;

use redis::{RedisResult, Value};

use super::convert::{classify, repeat_after};
use super::unix_now;
use crate::core::{too_many_steps, Command, Error, Operation, Reply, Result, Step, MAX_STEPS};

/// What the driver does next.
pub(crate) enum Next<T> {
    /// Send this command, in the transport's own form (bytes for the sync driver, a
    /// `redis::Cmd` for the tokio one).
    Send(Command),
    /// Send these commands in one round trip and [`Drive::reply`] with their replies
    /// as one array (see [`pipelined`]).
    Pipeline(Vec<Command>),
    /// Sleep this long, then [`Drive::resume`].
    Sleep(Duration),
    /// [`Drive::resume`] at once: the operation wants the time.
    Now,
    /// The operation's result.
    Done(T),
}

/// The replies of a pipeline as one reply, as [`Step::Pipeline`] wants it: the
/// connection gives each error reply as an element (`Value::ServerError`), and fails as
/// a whole only when the connection does.
pub(crate) fn pipelined(replies: RedisResult<Vec<Value>>) -> RedisResult<Value> {
    replies.map(Value::Array)
}

/// `err` as the failure of an operation whose command `repeated` (if any) was sent once
/// more after its connection failed: an error reply then is [`Error::OutcomeUnknown`].
pub(crate) fn after_repeat(repeated: Option<&str>, err: Error) -> Error {
    match (repeated, err) {
        (Some(command), err @ Error::Server { .. }) => Error::OutcomeUnknown {
            command: command.to_owned(),
            source: Box::new(err),
        },
        (_, err) => err,
    }
}

/// An operation being driven, with the steps it has taken.
pub(crate) struct Drive<O> {
    op: O,
    steps: usize,
    /// The command that was sent once more after its connection failed: its first try
    /// may have taken effect, so until the operation succeeds its outcome is unknown.
    repeated: Option<String>,
}

impl<O: Operation> Drive<O> {
    /// Starts `op`: its first step.
    pub fn start(mut op: O) -> Result<(Self, Next<O::Output>)> {
        let step = op.start()?;
        let mut drive = Drive {
            op,
            steps: 0,
            repeated: None,
        };
        let next = drive.next(step)?;
        Ok((drive, next))
    }

    /// Whether the command `command`, whose sending gave `sent`, should go once more: it
    /// failed on the connection and is safe to repeat (a connection that reconnects
    /// carries the repeat). A repeat is remembered: see [`reply`](Self::reply).
    pub fn repeats(&mut self, sent: &RedisResult<Value>, command: &str) -> bool {
        let repeats = repeat_after(sent, self.op.repeatable());
        if repeats && self.repeated.is_none() {
            self.repeated = Some(command.to_owned());
        }
        repeats
    }

    /// The outcome of sending `command`: a reply (or error reply) for the operation, or
    /// a connection failure for the caller.
    ///
    /// Once a command went again because its connection failed, its first try may have
    /// taken effect (an ack the server did, whose reply the connection lost): an error
    /// reply after that (the repeat answered `LOADING` by the restarted server, `BUSY`,
    /// `READONLY` after a failover) says nothing about the first try, so the operation
    /// fails with [`Error::OutcomeUnknown`], not as if it had not happened.
    pub fn reply(&mut self, sent: RedisResult<Value>, command: &str) -> Result<Next<O::Output>> {
        let reply = classify(sent, command, self.op.repeatable())?;
        let step = self.op.feed(reply).map_err(|err| self.unknown(err))?;
        self.next(step)
    }

    /// `err` as the operation's failure (see [`after_repeat`]).
    fn unknown(&self, err: Error) -> Error {
        after_repeat(self.repeated.as_deref(), err)
    }

    /// Goes on with `reply` as the answer to the command (or commands) of `next` (the
    /// first step), which was sent already: a prepared command's reply that did not
    /// finish the operation (see [`prepared`](super::prepared)).
    pub fn answered(&mut self, next: Next<O::Output>, reply: Reply) -> Result<Next<O::Output>> {
        match next {
            Next::Send(_) | Next::Pipeline(_) => {
                let step = self.op.feed(reply)?;
                self.next(step)
            }
            _ => Err(Error::protocol(
                "prepared",
                "the operation's first step is not the command sent",
            )),
        }
    }

    /// Goes on after a sleep or when the time is wanted, with this machine's clock.
    pub fn resume(&mut self) -> Result<Next<O::Output>> {
        let step = self.op.resume(unix_now())?;
        self.next(step)
    }

    fn next(&mut self, step: Step<O::Output>) -> Result<Next<O::Output>> {
        if let Step::Done(output) = step {
            return Ok(Next::Done(output));
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(too_many_steps());
        }
        Ok(match step {
            Step::Send(cmd) => Next::Send(cmd),
            Step::Pipeline(cmds) => Next::Pipeline(cmds),
            Step::Sleep(wait) => Next::Sleep(wait),
            Step::Now => Next::Now,
            Step::Done(output) => Next::Done(output),
        })
    }
}
