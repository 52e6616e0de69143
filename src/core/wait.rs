//! Consumers that wait instead of poll by hand: `pop_wait`, `take_wait`, `claim_wait`.
//!
//! A waiting operation tries its operation; when nothing is eligible it sleeps (a
//! [`Step::Sleep`], so every driver waits the same way, without a blocking command
//! that would hold a shared connection) and tries again, until the timeout. A
//! scheduled set sleeps until its next item is due (one probe command), at most
//! [`SCHEDULED_CAP`]; the other kinds poll from [`FIRST_POLL`], doubling to
//! [`POLL_CAP`]. Idle, a waiting consumer sends about two commands a second.

use std::time::Duration;

use super::clock::{server_time, time_command, Clock};
use super::command::Command;
use super::error::{Error, Result};
use super::operation::{Operation, Step};
use super::reply::{Decoder, Reply};
use super::set::Kind;

/// The first sleep of a priority or FIFO set's wait.
pub const FIRST_POLL: Duration = Duration::from_millis(100);
/// The longest sleep of a priority or FIFO set's wait.
pub const POLL_CAP: Duration = Duration::from_millis(800);
/// The longest sleep of a scheduled set's wait: an item added by another writer (the
/// Python original, say) that falls due sooner is seen within it.
pub const SCHEDULED_CAP: Duration = Duration::from_secs(1);

/// What a waiting operation waits for: its inner operation's output, or "nothing".
pub(crate) trait Outcome: Sized {
    /// Whether this output means "nothing was eligible" (try again later).
    fn is_nothing(&self) -> bool;
}

impl<T> Outcome for Vec<T> {
    fn is_nothing(&self) -> bool {
        self.is_empty()
    }
}

/// A pop's output: "nothing" is its `Empty` error; `None` (an undecodable item was
/// removed) is something.
impl<T> Outcome for Option<T> {
    fn is_nothing(&self) -> bool {
        false
    }
}

enum Phase<O> {
    /// Under the server's clock, first its time.
    Timing,
    Trying(O),
    /// The probe for the next due score was sent.
    Probing,
    Sleeping,
}

/// The operation behind `pop_wait`, `take_wait` and `claim_wait`: `make(now)` builds
/// one try.
pub(crate) struct Wait<O: Operation, M> {
    make: M,
    phase: Phase<O>,
    /// The set's key, for a scheduled set's probe; `None` for the other kinds.
    probe: Option<Vec<u8>>,
    /// The caller's clock's time, which the deadline is on.
    now: f64,
    /// Server time minus the caller's, under the server's clock (else 0): what is due
    /// is decided at `now + offset`.
    offset: f64,
    deadline: f64,
    polls: u32,
    /// A scheduled set's next due score, as the last probe saw it, and when.
    hint: Option<(f64, f64)>,
}

/// How long a probe's answer that the next item is far off is trusted: the try every
/// [`SCHEDULED_CAP`] still pops what falls due meanwhile; the probe only lets the wait
/// wake before the cap.
const PROBE_TRUSTED: f64 = 3.0;

impl<O, M> Wait<O, M>
where
    O: Operation,
    O::Output: Outcome,
    M: FnMut(f64) -> O,
{
    /// `make(now)` builds one try at "now" by the set's clock: with the server's, the
    /// wait first asks for its time, and tries at the caller's time plus the offset.
    pub fn new(
        kind: Kind,
        key: &str,
        clock: Clock,
        timeout: Duration,
        now: f64,
        mut make: M,
    ) -> Self {
        let phase = match clock {
            Clock::Client => Phase::Trying(make(now)),
            Clock::Server => Phase::Timing,
        };
        Wait {
            make,
            phase,
            probe: (kind == Kind::Scheduled).then(|| key.as_bytes().to_vec()),
            now,
            offset: 0.0,
            deadline: now + timeout.as_secs_f64(),
            polls: 0,
            hint: None,
        }
    }

    /// The inner try finished with `result`: done, or wait and try again.
    fn tried(&mut self, result: Result<O::Output>) -> Result<Step<O::Output>> {
        let nothing = match result {
            Ok(output) if !output.is_nothing() => return Ok(Step::Done(output)),
            Err(err) if !err.is_empty() => return Err(err),
            nothing => nothing,
        };
        // Less than a millisecond left is no time to wait.
        if self.deadline - self.now < 0.001 {
            return nothing.map(Step::Done);
        }
        let cap = SCHEDULED_CAP.as_secs_f64();
        match (&self.probe, self.hint) {
            // The next item is still far off and the probe saying so is recent.
            (Some(_), Some((due, at)))
                if due - self.due_now() > cap && self.now - at < PROBE_TRUSTED =>
            {
                Ok(self.sleep(Some(due)))
            }
            (Some(key), _) => {
                self.phase = Phase::Probing;
                Ok(Step::Send(
                    Command::new("ZRANGE")
                        .arg(key.as_slice())
                        .arg("0")
                        .arg("0")
                        .arg("WITHSCORES"),
                ))
            }
            (None, _) => Ok(self.sleep(None)),
        }
    }

    /// Sleeps until the next try: until `next_due` (a scheduled set's next score), or
    /// by the polling schedule; never past the deadline.
    fn sleep(&mut self, next_due: Option<f64>) -> Step<O::Output> {
        let left = self.deadline - self.now;
        let wanted = match next_due {
            Some(due) => (due - self.due_now())
                .max(0.001)
                .min(SCHEDULED_CAP.as_secs_f64()),
            None if self.probe.is_some() => SCHEDULED_CAP.as_secs_f64(),
            None => {
                let poll = FIRST_POLL.as_secs_f64() * f64::from(1u32 << self.polls.min(10));
                self.polls += 1;
                poll.min(POLL_CAP.as_secs_f64())
            }
        };
        self.phase = Phase::Sleeping;
        Step::Sleep(Duration::from_secs_f64(wanted.min(left).max(0.0)))
    }

    /// "Now" by the set's clock.
    fn due_now(&self) -> f64 {
        self.now + self.offset
    }

    fn advance(&mut self, step: Result<Step<O::Output>>) -> Result<Step<O::Output>> {
        match step {
            Ok(Step::Done(output)) => self.tried(Ok(output)),
            Ok(other) => Ok(other),
            Err(err) => self.tried(Err(err)),
        }
    }
}

impl<O, M> Operation for Wait<O, M>
where
    O: Operation,
    O::Output: Outcome,
    M: FnMut(f64) -> O,
{
    type Output = O::Output;

    fn start(&mut self) -> Result<Step<O::Output>> {
        match &mut self.phase {
            Phase::Timing => Ok(Step::Send(time_command())),
            Phase::Trying(op) => {
                let step = op.start();
                self.advance(step)
            }
            _ => Err(Error::protocol("wait", "started twice")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<O::Output>> {
        match &mut self.phase {
            Phase::Trying(op) => {
                let step = op.feed(reply);
                self.advance(step)
            }
            Phase::Timing => {
                self.offset = server_time(reply)? - self.now;
                let now = self.due_now();
                self.phase = Phase::Trying((self.make)(now));
                self.start()
            }
            Phase::Probing => {
                let next = Decoder { command: "ZRANGE" }
                    .pairs(reply)?
                    .first()
                    .map(|(_, score)| *score);
                self.hint = next.map(|due| (due, self.now));
                Ok(self.sleep(next))
            }
            Phase::Sleeping => Err(Error::protocol("wait", "a reply while sleeping")),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<O::Output>> {
        match &mut self.phase {
            Phase::Trying(op) => {
                let step = op.resume(now);
                self.advance(step)
            }
            Phase::Sleeping => {
                self.now = now;
                let now = self.due_now();
                self.phase = Phase::Trying((self.make)(now));
                self.start()
            }
            Phase::Probing | Phase::Timing => {
                Err(Error::protocol("wait", "resumed while waiting for a reply"))
            }
        }
    }

    fn repeatable(&self) -> bool {
        match &self.phase {
            Phase::Trying(op) => op.repeatable(),
            _ => true,
        }
    }
}

impl<S: super::serializer::Serializer + 'static> super::set::SetCore<S> {
    /// Pops the next eligible item, waiting up to `timeout` for one; at the timeout the
    /// same [`Error::Empty`] as `pop`. It tries, and sleeps between tries: a scheduled
    /// set until its next item is due (at most [`SCHEDULED_CAP`]), other kinds polling
    /// from [`FIRST_POLL`] to [`POLL_CAP`].
    pub fn pop_wait(
        &self,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Option<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        Wait::new(
            self.kind(),
            self.name(),
            self.clock(),
            timeout,
            now,
            move |now| core.pop(now),
        )
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one; at
    /// the timeout an empty list.
    pub fn take_wait(
        &self,
        count: usize,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        Wait::new(
            self.kind(),
            self.name(),
            self.clock(),
            timeout,
            now,
            move |now| core.take(count, now),
        )
    }

    /// Claims up to `count` eligible items for `lease`, waiting up to `timeout` for at
    /// least one (expired leases coming back count); at the timeout an empty list.
    pub fn claim_wait(
        &self,
        count: usize,
        lease: Duration,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<super::lease::Lease<S::Item>>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        Wait::new(
            self.kind(),
            self.name(),
            self.clock(),
            timeout,
            now,
            move |now| core.claim(count, lease, now),
        )
    }
}
