//! The contract between the core and a driver, and the pieces operations are made of.
//!
//! An operation is a state machine: [`Operation::start`] gives the first [`Step`], and
//! each reply, sleep or time the driver hands back gives the next, until
//! [`Step::Done`]. The pieces here combine them: [`Exchange`] (one request and the
//! decoding of its reply, with the one `EVALSHA` → `EVAL` fallback every script call
//! goes through), [`Map`], [`Either`] and [`Then`].

mod call;
mod either;
mod exchange;
mod map;
mod then;

use std::time::Duration;

use super::protocol::{Command, Error, Reply, Result};

pub(crate) use call::Call;
pub(crate) use either::Either;
pub(crate) use exchange::Exchange;
pub use map::Map;
pub(crate) use then::Then;

/// What an operation wants next.
#[derive(Debug)]
pub enum Step<T> {
    /// Send this command and [`feed`](Operation::feed) its reply back.
    Send(Command),
    /// Send these commands in this order in one round trip (pipelined, not
    /// transactional: other clients' commands may run between them) and
    /// [`feed`](Operation::feed) back one [`Reply::Array`] of their replies, in the same
    /// order, an error reply as an element: an `add` sends its `ZADD` with a check of
    /// whether a consumer waits for a wake-up.
    Pipeline(Vec<Command>),
    /// Wait this long, then call [`resume`](Operation::resume) with the clock's time.
    Sleep(Duration),
    /// Call [`resume`](Operation::resume) with the clock's time now, without sleeping:
    /// the operation needs to know what time it is (a wait, after a blocking command
    /// returned).
    Now,
    /// The operation is finished with this result.
    Done(T),
}

/// A step that does not finish an operation, of one type whatever the operation's
/// output: the parts of operations that never give the output themselves (the
/// original's lock, a wait's strategy) return it, so that their code is made once, not
/// once per output type (issue 20's size target).
pub(crate) type Pending = Step<std::convert::Infallible>;

impl Pending {
    /// The same step, in an operation of any output.
    pub(crate) fn widen<T>(self) -> Step<T> {
        self.map(|never| match never {})
    }
}

impl<T> Step<T> {
    /// The same step, with a finished operation's output converted.
    ///
    /// ```
    /// use redset::core::Step;
    /// assert!(matches!(Step::Done(2).map(|n| n * 2), Step::Done(4)));
    /// ```
    #[inline(never)]
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Step<U> {
        match self.done() {
            Ok(output) => Step::Done(f(output)),
            Err(pending) => pending,
        }
    }

    /// A finished step's output, or the step to pass on (as a step of any output type)
    /// while the operation is still under way: how an operation made of others hands
    /// their steps through.
    ///
    /// ```
    /// use redset::core::Step;
    /// assert_eq!(Step::Done(3).done::<()>().ok(), Some(3));
    /// assert!(matches!(Step::<u8>::Now.done::<String>(), Err(Step::Now)));
    /// ```
    #[inline(never)]
    pub fn done<U>(self) -> std::result::Result<T, Step<U>> {
        match self {
            Step::Done(output) => Ok(output),
            Step::Send(cmd) => Err(Step::Send(cmd)),
            Step::Pipeline(cmds) => Err(Step::Pipeline(cmds)),
            Step::Sleep(wait) => Err(Step::Sleep(wait)),
            Step::Now => Err(Step::Now),
        }
    }
}

/// One redset operation as a state machine: commands out, replies in, no I/O.
///
/// A driver calls [`start`](Operation::start), sends each [`Step::Send`] command (or
/// [`Step::Pipeline`] of commands) and feeds the reply back, sleeps on [`Step::Sleep`] and reads the clock on [`Step::Now`]
/// and then calls [`resume`](Operation::resume), until [`Step::Done`]. No operation
/// takes more than [`MAX_STEPS`] steps.
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

    /// Continues after a [`Step::Sleep`] or [`Step::Now`]; `now` is the clock's time
    /// (UNIX seconds). Operations that never ask for it refuse it.
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
        Map::new(self, f)
    }
}

/// A boxed operation is an operation: what drivers that keep operations of many types
/// side by side hold.
impl<O: Operation + ?Sized> Operation for Box<O> {
    type Output = O::Output;

    fn start(&mut self) -> Result<Step<O::Output>> {
        (**self).start()
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<O::Output>> {
        (**self).feed(reply)
    }

    fn repeatable(&self) -> bool {
        (**self).repeatable()
    }

    fn resume(&mut self, now: f64) -> Result<Step<O::Output>> {
        (**self).resume(now)
    }
}

/// The most steps (commands sent, sleeps and reads of the clock) any operation takes.
/// Most take one or two (a script call that falls back to `EVAL`); a scheduled pop
/// waiting out the original's lock, or a `pop_wait`, takes more (a day's wait, polling
/// at its cap, up to about 350 000). Drivers bound their loops with it.
pub const MAX_STEPS: usize = 1 << 20;

/// A driver's error when an operation is still not done after [`MAX_STEPS`].
pub fn too_many_steps() -> Error {
    Error::protocol(
        "operation",
        "not finished after the maximum number of steps",
    )
}
