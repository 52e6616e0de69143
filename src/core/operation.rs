//! The contract between the core and a driver.

use std::time::Duration;

use super::command::Command;
use super::error::{Error, Result};
use super::reply::Reply;
use super::script::{Call, Outcome};

/// What an operation wants next.
#[derive(Debug)]
pub enum Step<T> {
    /// Send this command and [`feed`](Operation::feed) its reply back.
    Send(Command),
    /// Wait this long, then call [`resume`](Operation::resume) with the clock's time.
    /// Only an operation that must let another client finish first asks for it (a
    /// scheduled pop while the original Python redset holds its lock).
    Sleep(Duration),
    /// The operation is finished with this result.
    Done(T),
}

/// One redset operation as a state machine: commands out, replies in, no I/O.
///
/// A driver calls [`start`](Operation::start), sends each [`Step::Send`] command and
/// feeds the reply back, sleeps on [`Step::Sleep`] and then calls
/// [`resume`](Operation::resume), until [`Step::Done`]. No operation takes more than
/// [`MAX_STEPS`] steps.
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
    /// Whether a driver may send a step's command again after a connection failure left
    /// its outcome unknown: true for reads, for `ZADD`/`ZREM`/`DEL`, and for the lease
    /// operations (fenced, so a repeat changes nothing twice); false for the
    /// at-most-once `pop` and `take`, whose repeat could remove a second item.
    fn repeatable(&self) -> bool {
        false
    }

    /// Continues after a [`Step::Sleep`]; `now` is the clock's time (UNIX seconds).
    /// Operations that never sleep refuse it.
    fn resume(&mut self, now: f64) -> Result<Step<Self::Output>> {
        let _ = now;
        Err(Error::protocol("operation", "resumed without having slept"))
    }

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
            Step::Sleep(wait) => Step::Sleep(wait),
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

    fn resume(&mut self, now: f64) -> Result<Step<U>> {
        let step = self.op.resume(now)?;
        Ok(self.convert(step))
    }

    fn repeatable(&self) -> bool {
        self.op.repeatable()
    }
}

/// The most steps (commands sent plus sleeps) any operation takes. Most take one or
/// two (a script call that falls back to `EVAL`); a scheduled pop waiting out the
/// original's lock, or a `pop_wait`, takes more (a day's wait, polling at its cap, up to
/// about 350 000). Drivers bound their loops with it.
pub const MAX_STEPS: usize = 1 << 20;

/// A driver's error when an operation is still not done after [`MAX_STEPS`].
pub fn too_many_steps() -> Error {
    Error::protocol(
        "operation",
        "not finished after the maximum number of steps",
    )
}

/// A [`Call`] and the decoder of its final reply.
pub(crate) struct Exchange<F> {
    call: Call,
    decode: Option<F>,
    repeatable: bool,
}

impl<F> Exchange<F> {
    /// An exchange whose command may be sent again (see [`Operation::repeatable`]).
    pub fn new(call: Call, decode: F) -> Self {
        Exchange {
            call,
            decode: Some(decode),
            repeatable: true,
        }
    }

    /// The same, for a command that must not be sent twice (a pop).
    pub fn once(mut self) -> Self {
        self.repeatable = false;
        self
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
        match &self.call {
            Call::Known(reply) => {
                let reply = reply.clone();
                self.finish(reply)
            }
            call => call.send(),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        match self.call.on_reply(reply) {
            Outcome::Resend => self.start(),
            Outcome::Reply(reply) => self.finish(reply),
        }
    }

    fn repeatable(&self) -> bool {
        self.repeatable
    }
}

/// One of two operations with the same output, so that a method can pick its
/// operation at run time without boxing (a scheduled pop or a `ZPOPMIN`).
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<T, A: Operation<Output = T>, B: Operation<Output = T>> Operation for Either<A, B> {
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.start(),
            Either::Right(op) => op.start(),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.feed(reply),
            Either::Right(op) => op.feed(reply),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.resume(now),
            Either::Right(op) => op.resume(now),
        }
    }

    fn repeatable(&self) -> bool {
        match self {
            Either::Left(op) => op.repeatable(),
            Either::Right(op) => op.repeatable(),
        }
    }
}
