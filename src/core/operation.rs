//! The contract between the core and a driver.

use super::command::Command;
use super::error::{Error, Result};
use super::reply::Reply;
use super::script::{Call, Outcome};

/// What an operation wants next.
#[derive(Debug)]
pub enum Step<T> {
    /// Send this command and [`feed`](Operation::feed) its reply back.
    Send(Command),
    /// The operation is finished with this result.
    Done(T),
}

/// One redset operation as a state machine: commands out, replies in, no I/O.
///
/// A driver calls [`start`](Operation::start), sends each [`Step::Send`] command and
/// feeds the reply back until [`Step::Done`]. No operation takes more than
/// [`MAX_ROUND_TRIPS`] round trips.
///
/// ```
/// use redset::core::{Kind, Operation, Reply, SetCore, Step};
/// use redset::Utf8;
/// let set = SetCore::new("jobs", Kind::Sorted, Utf8);
/// let mut len = set.len();
/// let Step::Send(cmd) = len.start().unwrap() else { unreachable!() };
/// assert_eq!(format!("{cmd:?}"), r#"["ZCARD", "jobs"]"#);
/// assert!(matches!(len.feed(Reply::Int(3)).unwrap(), Step::Done(3)));
/// ```
pub trait Operation {
    /// What the operation returns.
    type Output;
    /// The first step: usually a command to send.
    fn start(&mut self) -> Result<Step<Self::Output>>;
    /// Hands over the reply to the last command sent.
    fn feed(&mut self, reply: Reply) -> Result<Step<Self::Output>>;

    /// Converts the result when the operation is done (e.g. into a JS value).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut len = set.len().map(|n| n * 2);
    /// len.start().unwrap();
    /// assert!(matches!(len.feed(Reply::Int(3)).unwrap(), Step::Done(6)));
    /// ```
    fn map<U, F: FnMut(Self::Output) -> U>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
    {
        Map { op: self, f }
    }
}

/// An operation whose result is converted by a function: see [`Operation::map`].
#[derive(Debug)]
pub struct Map<O, F> {
    op: O,
    f: F,
}

impl<O: Operation, U, F: FnMut(O::Output) -> U> Map<O, F> {
    fn convert(&mut self, step: Step<O::Output>) -> Step<U> {
        match step {
            Step::Send(cmd) => Step::Send(cmd),
            Step::Done(output) => Step::Done((self.f)(output)),
        }
    }
}

impl<O: Operation, U, F: FnMut(O::Output) -> U> Operation for Map<O, F> {
    type Output = U;

    fn start(&mut self) -> Result<Step<U>> {
        let step = self.op.start()?;
        Ok(self.convert(step))
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<U>> {
        let step = self.op.feed(reply)?;
        Ok(self.convert(step))
    }
}

/// The most round trips any operation takes (a script call that falls back to `EVAL`
/// takes two). Drivers bound their loops with it.
pub const MAX_ROUND_TRIPS: usize = 4;

/// A driver's error when an operation is still not done after [`MAX_ROUND_TRIPS`].
pub fn too_many_round_trips() -> Error {
    Error::protocol(
        "operation",
        "not finished after the maximum number of round trips",
    )
}

/// A [`Call`] and the decoder of its final reply.
pub(crate) struct Exchange<F> {
    call: Call,
    decode: Option<F>,
}

impl<F> Exchange<F> {
    pub fn new(call: Call, decode: F) -> Self {
        Exchange {
            call,
            decode: Some(decode),
        }
    }
}

impl<T, F: FnOnce(Reply) -> Result<T>> Exchange<F> {
    fn finish(&mut self, reply: Reply) -> Result<Step<T>> {
        let decode = self.decode.take().ok_or_else(|| {
            Error::protocol(self.call.name(), "reply fed to a finished operation")
        })?;
        decode(reply).map(Step::Done)
    }
}

impl<T, F: FnOnce(Reply) -> Result<T>> Operation for Exchange<F> {
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        match (&self.call, self.call.command()) {
            (Call::Known(reply), _) => {
                let reply = reply.clone();
                self.finish(reply)
            }
            (_, Some(cmd)) => Ok(Step::Send(cmd)),
            (_, None) => Err(Error::protocol(self.call.name(), "nothing to send")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        match self.call.on_reply(reply) {
            Outcome::Resend => self.start(),
            Outcome::Reply(reply) => self.finish(reply),
        }
    }
}
