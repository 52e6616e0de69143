//! Consumers that wait instead of poll by hand: `pop_wait`, `take_wait`, `claim_wait`.
//!
//! A waiting operation tries its operation; when nothing is eligible it waits and tries
//! again, until the timeout. How it waits is the set's [`Waiting`], one strategy per
//! file behind the one [`Wait`] type:
//!
//! - [`Waiting::Blocking`] (a driver with a connection of its own for waits): it blocks
//!   in Redis with `BZPOPMIN`. A priority or FIFO set's pop or take blocks on the set
//!   itself, so any writer's `ZADD` (the Python original's too) wakes it at once.
//!   A scheduled set, and every claim, blocks on the set's wake-up companion key
//!   ([`WAKE`](super::schema::WAKE)), where every script that can make an item
//!   eligible sooner (an add that changes the set's head, a retry, a release, a
//!   requeue, expired leases coming back) writes a marker in the same atomic script; it
//!   blocks for at most the time until the next item is due or the next lease expires
//!   (as a probe script saw them), the caller's timeout, and [`BLOCK_CAP`], so that
//!   what other writers add is still seen within the cap. Idle, that is two commands a
//!   second.
//! - [`Waiting::Polling`] (a shared connection): it sleeps between tries (a
//!   [`Step::Sleep`]): a scheduled set until its next item is due (one probe command),
//!   at most [`SCHEDULED_CAP`]; the other kinds from [`FIRST_POLL`], doubling to
//!   [`POLL_CAP`]. Idle, about two commands a second too, but an item added meanwhile
//!   waits for the next poll.
//!
//! A try's output is `Some(found)` or `None` for "nothing eligible"; at the timeout
//! the wait gives what its caller says "nothing" is (`Empty` for a pop, an empty list
//! for a take or a claim).

mod blocking;
mod polling;
mod probe;

use std::sync::Arc;
use std::time::Duration;

use super::clock::{server_time, time_command, Clock};
use super::kind::Kind;
use super::operation::{Operation, Pending, Step};
use super::protocol::{Error, Reply, Result};
use super::schema::{Keys, SET};

use blocking::{BlockOn, Blocking, Popped};
use polling::Polling;
#[cfg(test)]
pub(crate) use probe::scripts;

/// The first sleep of a priority or FIFO set's polling wait.
pub const FIRST_POLL: Duration = Duration::from_millis(100);
/// The longest sleep of a priority or FIFO set's polling wait.
pub const POLL_CAP: Duration = Duration::from_millis(800);
/// The longest sleep of a scheduled set's polling wait: an item added by another writer
/// (the Python original, say) that falls due sooner is seen within it.
pub const SCHEDULED_CAP: Duration = Duration::from_secs(1);
/// The longest one blocking command of a wait blocks: what a writer that writes no
/// wake-up marker (the Python original) adds is seen within it, and no command
/// outlasts a client's reply timeout of a few seconds.
pub const BLOCK_CAP: Duration = Duration::from_secs(1);

/// A sleep of `seconds`: none for a negative or NaN time, the longest there is past
/// what a [`Duration`] holds; never a panic (nor the module's code for one).
fn sleep_for(seconds: f64) -> Pending {
    Step::Sleep(Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX))
}

/// How a waiting operation waits when nothing is eligible.
///
/// ```
/// use redset::core::{Kind, SetCore, Waiting};
/// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_waiting(Waiting::Blocking);
/// assert_eq!(set.waiting(), Waiting::Blocking);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Waiting {
    /// Sleep between tries: for a connection that other commands share, which a
    /// blocking command would hold up.
    #[default]
    Polling,
    /// Block in Redis (`BZPOPMIN`) until an item or a wake-up marker comes: for a
    /// connection of the wait's own. An item is seen as soon as it is added.
    Blocking,
}

/// The wait's sense of time: the caller's clock, the server's offset from it, and the
/// deadline.
pub(crate) struct Times {
    /// The caller's clock's time, which the deadline is on.
    now: f64,
    /// Server time minus the caller's, under the server's clock (else 0): what is due
    /// is decided at `now + offset`.
    offset: f64,
    deadline: f64,
}

impl Times {
    /// "Now" by the set's clock.
    fn due_now(&self) -> f64 {
        self.now + self.offset
    }

    /// Seconds until the deadline.
    fn left(&self) -> f64 {
        self.deadline - self.now
    }
}

/// What a wait needs of its set, besides the try it makes.
pub(crate) struct WaitSpec<D, N> {
    pub kind: Kind,
    pub keys: Arc<Keys>,
    pub clock: Clock,
    pub waiting: Waiting,
    /// Whether the tries are claims (which wake for lease deadlines, and never block on
    /// the set itself: what `BZPOPMIN` takes would hold no lease).
    pub claims: bool,
    /// How many items a try takes at most.
    pub count: usize,
    /// The output from the members a blocking pop on the set took (`None` if they all
    /// failed to deserialize: wait on).
    pub decode: D,
    /// The output when nothing came by the deadline.
    pub nothing: N,
    /// The set's options word (the probe reads its limits).
    pub options: Vec<u8>,
    /// Whether the set's pops honour flow control: then they wait on the wake-up marker
    /// too (what `BZPOPMIN` on the set would take bypasses the limits), and polling
    /// waits probe for when the limits let the next item go.
    pub flow: bool,
}

/// How the wait waits: one type whatever the wait's output, so that its code is made
/// once (issue 20's size target).
enum Strategy {
    Polling(Polling),
    Blocking(Blocking),
}

impl Strategy {
    fn new<D, N>(spec: WaitSpec<D, N>) -> (Self, D, N) {
        let scheduled = spec.kind.due_by_time();
        let strategy = match spec.waiting {
            Waiting::Polling if spec.flow => {
                Strategy::Polling(Polling::probing(spec.keys, spec.options, scheduled))
            }
            Waiting::Polling => {
                let key = scheduled.then(|| spec.keys.get(SET).to_vec());
                Strategy::Polling(Polling::new(key))
            }
            Waiting::Blocking => {
                let on = if scheduled || spec.claims || spec.flow {
                    BlockOn::Marker {
                        claims: spec.claims,
                    }
                } else {
                    BlockOn::Set { count: spec.count }
                };
                Strategy::Blocking(Blocking::new(spec.keys, spec.options, on, scheduled))
            }
        };
        (strategy, spec.decode, spec.nothing)
    }

    /// A try found nothing: probe, block or sleep.
    fn idle(&mut self, times: &Times) -> Result<Pending> {
        match self {
            Strategy::Polling(polling) => polling.idle(times),
            Strategy::Blocking(blocking) => blocking.idle(times, false),
        }
    }

    /// A reply while waiting: what a block on the set popped, or the next step.
    fn feed(&mut self, reply: Reply, times: &Times) -> Result<Popped> {
        match self {
            Strategy::Polling(polling) => polling.feed(reply, times).map(Err),
            Strategy::Blocking(blocking) => blocking.feed(reply, times),
        }
    }

    /// After a sleep: block again rather than try, if a block on the set timed out and
    /// there is time left.
    fn reblock(&mut self, times: &Times) -> Option<Result<Pending>> {
        match self {
            Strategy::Blocking(blocking) => {
                (blocking.reblocks() && times.left() >= 0.001).then(|| blocking.idle(times, false))
            }
            Strategy::Polling(_) => None,
        }
    }

    fn repeatable(&self) -> bool {
        match self {
            Strategy::Blocking(blocking) => blocking.repeatable(),
            Strategy::Polling(_) => true,
        }
    }
}

enum Phase<O> {
    /// Under the server's clock, first its time.
    Timing,
    Trying(O),
    /// Nothing was found: the strategy probes, blocks or sleeps.
    Waiting,
}

/// The operation behind `pop_wait`, `take_wait` and `claim_wait`: `make(now)` builds
/// one try at "now" by the set's clock.
pub(crate) struct Wait<O, M, D, N> {
    make: M,
    /// The output from the members a blocking pop on the set took.
    decode: D,
    nothing: Option<N>,
    phase: Phase<O>,
    strategy: Strategy,
    times: Times,
}

impl<T, O, M, D, N> Wait<O, M, D, N>
where
    O: Operation<Output = Option<T>>,
    M: FnMut(f64) -> O,
    D: FnMut(Vec<Vec<u8>>) -> Option<T>,
    N: FnOnce() -> Result<T>,
{
    /// With the server's clock, the wait first asks for its time, and tries at the
    /// caller's time plus the offset.
    pub fn new(spec: WaitSpec<D, N>, timeout: Duration, now: f64, mut make: M) -> Self {
        let phase = match spec.clock {
            Clock::Client => Phase::Trying(make(now)),
            Clock::Server => Phase::Timing,
        };
        let (strategy, decode, nothing) = Strategy::new(spec);
        Wait {
            make,
            decode,
            nothing: Some(nothing),
            phase,
            strategy,
            times: Times {
                now,
                offset: 0.0,
                deadline: now + timeout.as_secs_f64(),
            },
        }
    }

    /// A try finished: done when it found something, else wait and try again.
    fn tried(&mut self, step: Result<Step<Option<T>>>) -> Result<Step<T>> {
        match step?.done() {
            Ok(Some(found)) => Ok(Step::Done(found)),
            Ok(None) => {
                // Less than a millisecond left is no time to wait.
                if self.times.left() < 0.001 {
                    return self.give_up();
                }
                self.phase = Phase::Waiting;
                self.strategy.idle(&self.times).map(Pending::widen)
            }
            Err(pending) => Ok(pending),
        }
    }

    fn give_up(&mut self) -> Result<Step<T>> {
        let nothing = self
            .nothing
            .take()
            .ok_or_else(|| Error::protocol("wait", "finished twice"))?;
        nothing().map(Step::Done)
    }

    fn try_at(&mut self, now: f64) -> Result<Step<T>> {
        let mut op = (self.make)(now);
        let step = op.start();
        self.phase = Phase::Trying(op);
        self.tried(step)
    }
}

impl<T, O, M, D, N> Operation for Wait<O, M, D, N>
where
    O: Operation<Output = Option<T>>,
    M: FnMut(f64) -> O,
    D: FnMut(Vec<Vec<u8>>) -> Option<T>,
    N: FnOnce() -> Result<T>,
{
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        match &mut self.phase {
            Phase::Timing => Ok(Step::Send(time_command())),
            Phase::Trying(op) => {
                let step = op.start();
                self.tried(step)
            }
            Phase::Waiting => Err(Error::protocol("wait", "started twice")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        match &mut self.phase {
            Phase::Timing => {
                self.times.offset = server_time(reply)? - self.times.now;
                self.try_at(self.times.due_now())
            }
            Phase::Trying(op) => {
                let step = op.feed(reply);
                self.tried(step)
            }
            Phase::Waiting => match self.strategy.feed(reply, &self.times)? {
                // Members that all failed to deserialize: try again.
                Ok(members) => Ok((self.decode)(members).map_or(Step::Now, Step::Done)),
                Err(pending) => Ok(pending.widen()),
            },
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<T>> {
        match &mut self.phase {
            Phase::Trying(op) => {
                let step = op.resume(now);
                self.tried(step)
            }
            Phase::Waiting => {
                self.times.now = now;
                if let Some(blocked) = self.strategy.reblock(&self.times) {
                    return blocked.map(Pending::widen);
                }
                self.try_at(self.times.due_now())
            }
            Phase::Timing => Err(Error::protocol("wait", "resumed while waiting for a reply")),
        }
    }

    /// A try as its operation; the rest as the strategy says.
    fn repeatable(&self) -> bool {
        match &self.phase {
            Phase::Trying(op) => op.repeatable(),
            Phase::Waiting => self.strategy.repeatable(),
            Phase::Timing => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_saturate_rather_than_panic() {
        let slept = |seconds: f64| match sleep_for(seconds) {
            Step::Sleep(sleep) => sleep,
            _ => unreachable!("sleep_for gives a sleep"),
        };
        assert_eq!(slept(0.25), Duration::from_millis(250));
        assert_eq!(slept(0.0), Duration::ZERO);
        assert_eq!(slept(-1.0), Duration::ZERO);
        assert_eq!(slept(f64::NAN), Duration::ZERO);
        assert_eq!(slept(f64::NEG_INFINITY), Duration::ZERO);
        assert_eq!(slept(1e300), Duration::MAX);
        assert_eq!(slept(f64::INFINITY), Duration::MAX);
    }
}
