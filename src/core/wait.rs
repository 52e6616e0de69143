//! Consumers that wait instead of poll by hand: `pop_wait`, `take_wait`, `claim_wait`.
//!
//! A waiting operation tries its operation; when nothing is eligible it waits and tries
//! again, until the timeout. How it waits is the set's [`Waiting`]:
//!
//! - [`Waiting::Blocking`] (a driver with a connection of its own for waits): it blocks
//!   in Redis with `BZPOPMIN`. A priority or FIFO set's pop or take blocks on the set
//!   itself, so any writer's `ZADD` (the Python original's too) wakes it at once.
//!   A scheduled set, and every claim, blocks on the set's wake-up companion key
//!   ([`WAKE`]), where every script that can make an item eligible sooner (an add that
//!   changes the set's head, a retry, a release, a requeue, expired leases coming back)
//!   writes a marker in the same atomic script; it blocks for at most the time until the
//!   next item is due or the next lease expires (as a probe script saw them), the
//!   caller's timeout, and [`BLOCK_CAP`], so that what other writers add is still seen
//!   within the cap. Idle, that is two commands a second.
//! - [`Waiting::Polling`] (a shared connection): it sleeps between tries (a
//!   [`Step::Sleep`]): a scheduled set until its next item is due (one probe command),
//!   at most [`SCHEDULED_CAP`]; the other kinds from [`FIRST_POLL`], doubling to
//!   [`POLL_CAP`]. Idle, about two commands a second too, but an item added meanwhile
//!   waits for the next poll.

use std::time::Duration;

use super::clock::{server_time, time_command, Clock};
use super::command::{redis_index, Command};
use super::error::{Error, Result};
use super::keys::companion_key;
use super::operation::{Exchange, Operation, Step};
use super::reply::{Decoder, Reply};
use super::script::{Call, Script};
use super::set::{Kind, SetCore};

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
/// The suffix of the wake-up companion key (see [`companion_key`]).
pub const WAKE: &str = "wake";
/// The suffix of the companion key that says, for a minute, that a consumer waits on
/// the wake-up key: writers write the marker only while it exists.
pub const WAITING: &str = "waiting";
/// How often a blocking wait probes at least, renewing [`WAITING`], in seconds.
const PROBE_EVERY: f64 = 30.0;
/// The shortest block: a timeout of 0 would block for ever.
const BLOCK_FLOOR: f64 = 0.002;
/// How late a server may time out a blocked command (its clock tick at the default
/// `hz` of 10), in seconds: a wait sleeps the last stretch before it must act instead.
const BLOCK_SLACK: f64 = 0.1;

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

/// The probe of a blocking wait: the score of the set's head and the ms until the
/// earliest lease deadline (server clock).
static WAIT_PROBE: std::sync::LazyLock<Script> =
    std::sync::LazyLock::new(|| Script::new(include_str!("scripts/wait_probe.lua")));

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

/// What a blocking wait blocks on.
enum BlockOn<D> {
    /// `BZPOPMIN` on the set itself (a priority or FIFO set's pop or take; `BZMPOP`
    /// for a take of more than one): what it pops is the result, `decode` makes the
    /// members the output.
    Set {
        key: Vec<u8>,
        count: usize,
        decode: D,
    },
    /// `BZPOPMIN` on the wake-up marker, then try again; `leases` is the set's leases
    /// key, whose deadlines a claim also wakes for.
    Marker {
        set: Vec<u8>,
        wake: Vec<u8>,
        leases: Vec<u8>,
        waiting: Vec<u8>,
        claims: bool,
    },
}

/// When something may next become eligible, as a blocking wait's probe saw it.
#[derive(Debug, Clone, Copy)]
struct Next {
    /// When the probe saw it (by the caller's clock).
    at: f64,
    /// The set's lowest score (by the set's clock), if any.
    head: Option<f64>,
    /// When the earliest lease expires (by the caller's clock), if any.
    lease: Option<f64>,
}

enum Phase<O> {
    /// Under the server's clock, first its time.
    Timing,
    Trying(O),
    /// A polling wait's probe for the next due score was sent.
    Probing,
    /// A blocking wait's probe script is in flight.
    ProbingNext(Exchange<fn(Reply) -> Result<Probed>>),
    /// A blocking command (this one) is in flight.
    Blocked(&'static str),
    Sleeping,
}

/// The operation behind `pop_wait`, `take_wait` and `claim_wait`: `make(now)` builds
/// one try; `D` turns the members a blocking pop took into the output.
pub(crate) struct Wait<O: Operation, M, D> {
    make: M,
    phase: Phase<O>,
    /// The set's key, for a scheduled set's polling probe; `None` for the other kinds.
    probe: Option<Vec<u8>>,
    /// What a blocking wait blocks on; `None` for a polling wait.
    block: Option<BlockOn<D>>,
    /// The caller's clock's time, which the deadline is on.
    now: f64,
    /// Server time minus the caller's, under the server's clock (else 0): what is due
    /// is decided at `now + offset`.
    offset: f64,
    deadline: f64,
    polls: u32,
    /// A scheduled set's next due score, as the last polling probe saw it, and when.
    hint: Option<(f64, f64)>,
    /// What a blocking wait's last probe saw; `None` once a wake-up may have changed it.
    next: Option<Next>,
    /// A block on the set itself timed out: block again rather than try (it just saw
    /// the set empty), unless the deadline has come.
    reblock: bool,
    /// Tries in a row that should have found something and did not.
    quick: u32,
}

/// How long a probe's answer that the next item is far off is trusted: the try every
/// [`SCHEDULED_CAP`] still pops what falls due meanwhile; the probe only lets the wait
/// wake before the cap.
const PROBE_TRUSTED: f64 = 3.0;

/// What a wait needs of its set, besides the try it makes.
pub(crate) struct WaitSpec<D> {
    pub kind: Kind,
    pub key: String,
    pub clock: Clock,
    pub waiting: Waiting,
    /// Whether the tries are claims (which wake for lease deadlines, and never block on
    /// the set itself: what `BZPOPMIN` takes would hold no lease).
    pub claims: bool,
    /// How many items a try takes at most.
    pub count: usize,
    pub decode: D,
}

impl<O, M, D> Wait<O, M, D>
where
    O: Operation,
    O::Output: Outcome,
    M: FnMut(f64) -> O,
    D: FnMut(Vec<Vec<u8>>) -> O::Output,
{
    /// `make(now)` builds one try at "now" by the set's clock: with the server's, the
    /// wait first asks for its time, and tries at the caller's time plus the offset.
    pub fn new(spec: WaitSpec<D>, timeout: Duration, now: f64, mut make: M) -> Self {
        let phase = match spec.clock {
            Clock::Client => Phase::Trying(make(now)),
            Clock::Server => Phase::Timing,
        };
        let block = match spec.waiting {
            Waiting::Polling => None,
            Waiting::Blocking if spec.kind == Kind::Scheduled || spec.claims => {
                Some(BlockOn::Marker {
                    set: spec.key.as_bytes().to_vec(),
                    wake: companion_key(&spec.key, WAKE).into_bytes(),
                    leases: companion_key(&spec.key, "leases").into_bytes(),
                    waiting: companion_key(&spec.key, WAITING).into_bytes(),
                    claims: spec.claims,
                })
            }
            Waiting::Blocking => Some(BlockOn::Set {
                key: spec.key.as_bytes().to_vec(),
                count: spec.count,
                decode: spec.decode,
            }),
        };
        Wait {
            make,
            phase,
            probe: (spec.kind == Kind::Scheduled).then(|| spec.key.into_bytes()),
            block,
            now,
            offset: 0.0,
            deadline: now + timeout.as_secs_f64(),
            polls: 0,
            hint: None,
            next: None,
            reblock: false,
            quick: 0,
        }
    }

    /// "Now" by the set's clock.
    fn due_now(&self) -> f64 {
        self.now + self.offset
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
        if self.block.is_some() {
            return self.block_or_probe(false);
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

    /// A blocking wait found nothing: block, or first probe when what it knew of the
    /// next due item and lease may be stale.
    /// `fresh`: the probe has just answered, so it is not asked again before a try.
    fn block_or_probe(&mut self, fresh: bool) -> Result<Step<O::Output>> {
        let (now, due_now) = (self.now, self.due_now());
        // Only a scheduled set's head has a time; any other set's head is eligible now.
        let scheduled = self.probe.is_some();
        let Some(block) = &self.block else {
            return Err(Error::protocol("wait", "not a blocking wait"));
        };
        // Seconds until the wait must act: its deadline, the next due item, the next
        // lease deadline.
        let mut until = self.deadline - now;
        if let BlockOn::Marker {
            set,
            leases,
            waiting,
            claims,
            ..
        } = block
        {
            // What the probe saw has passed, or a wake-up said it changed, or it is
            // time to say again that a consumer waits: ask again.
            let stale = self.next.is_none_or(|next| {
                next.head.is_some_and(|due| !scheduled || due <= due_now)
                    || (*claims && next.lease.is_some_and(|at| at <= now))
                    || now - next.at > PROBE_EVERY
            });
            if stale && !fresh {
                let keys = vec![set.clone(), leases.clone(), waiting.clone()];
                let decode = decode_probe as fn(Reply) -> Result<Probed>;
                let mut probe = Exchange::new(Call::script(&WAIT_PROBE, keys, Vec::new()), decode);
                let Step::Send(cmd) = probe.start()? else {
                    return Err(Error::protocol("wait", "the probe sent nothing"));
                };
                self.phase = Phase::ProbingNext(probe);
                return Ok(Step::Send(cmd));
            }
            if let Some(next) = self.next {
                if let Some(due) = next.head {
                    until = until.min(if scheduled { due - due_now } else { 0.0 });
                }
                if let (true, Some(at)) = (*claims, next.lease) {
                    until = until.min(at - now);
                }
            }
        }
        // A server times blocked commands out on its clock tick (`hz`: 100 ms by
        // default), so the last stretch before a time to act is slept on the caller's
        // clock, exactly.
        if until <= BLOCK_SLACK {
            // Something should be eligible now, yet the last try found nothing (another
            // consumer was quicker, or the original's lock): try again at once, then
            // after 1 ms, doubling to 64 ms, rather than spin.
            let mut sleep = until.max(0.0);
            if until <= 0.0 {
                if self.quick > 0 {
                    sleep = 0.001 * f64::from(1u32 << (self.quick - 1).min(6));
                }
                self.quick += 1;
            }
            self.phase = Phase::Sleeping;
            return Ok(Step::Sleep(Duration::from_secs_f64(sleep)));
        }
        self.quick = 0;
        let seconds = block_seconds((until - BLOCK_SLACK).min(BLOCK_CAP.as_secs_f64()));
        let cmd = match block {
            // BZMPOP timeout numkeys key MIN COUNT n: up to n at once (Redis 7.0).
            BlockOn::Set { key, count, .. } if *count > 1 => Command::new("BZMPOP")
                .arg(seconds.as_str())
                .arg("1")
                .arg(key.as_slice())
                .arg("MIN")
                .arg("COUNT")
                .arg(redis_index(*count)),
            BlockOn::Set { key, .. } | BlockOn::Marker { wake: key, .. } => {
                Command::new("BZPOPMIN")
                    .arg(key.as_slice())
                    .arg(seconds.as_str())
            }
        };
        self.phase = Phase::Blocked(if cmd.name() == "BZMPOP" {
            "BZMPOP"
        } else {
            "BZPOPMIN"
        });
        Ok(Step::Send(cmd))
    }

    /// The reply to `BZPOPMIN` / `BZMPOP`: items (blocking on the set), a wake-up, or
    /// nothing by the timeout; then the time, to try again.
    fn unblocked(&mut self, command: &'static str, reply: Reply) -> Result<Step<O::Output>> {
        let decoder = Decoder { command };
        let popped = match decoder.ok(reply)? {
            Reply::Nil | Reply::Bool(false) => None,
            Reply::Array(parts) if parts.is_empty() => None,
            // BZPOPMIN: [key, member, score].
            Reply::Array(parts) if parts.len() == 3 => {
                let member = parts.into_iter().nth(1).unwrap_or(Reply::Nil);
                Some(vec![decoder.member(member)?])
            }
            // BZMPOP: [key, member/score pairs].
            Reply::Array(parts) if parts.len() == 2 => {
                let pairs = parts.into_iter().nth(1).unwrap_or(Reply::Nil);
                let pairs = Decoder { command: "BZMPOP" }.pairs(pairs)?;
                Some(pairs.into_iter().map(|(member, _)| member).collect())
            }
            other => {
                return Err(Error::protocol(
                    "BZPOPMIN",
                    format!("expected nil or what was popped, got {}", other.kind()),
                ))
            }
        };
        match (&mut self.block, popped) {
            (Some(BlockOn::Set { decode, .. }), Some(members)) => {
                let output = decode(members);
                if !output.is_nothing() {
                    return Ok(Step::Done(output));
                }
            }
            // A wake-up: what the probe saw may have changed.
            (Some(BlockOn::Marker { .. }), Some(_)) => self.next = None,
            (Some(BlockOn::Set { .. }), None) => self.reblock = true,
            _ => {}
        }
        // Zero: only the time is wanted, to go on.
        self.phase = Phase::Sleeping;
        Ok(Step::Sleep(Duration::ZERO))
    }

    fn advance(&mut self, step: Result<Step<O::Output>>) -> Result<Step<O::Output>> {
        match step {
            Ok(Step::Done(output)) => self.tried(Ok(output)),
            Ok(other) => Ok(other),
            Err(err) => self.tried(Err(err)),
        }
    }
}

/// A blocking command's timeout in seconds: never 0, which would block for ever.
fn block_seconds(seconds: f64) -> String {
    format!("{:.3}", seconds.max(BLOCK_FLOOR))
}

/// What the probe answers: the head's score, and the seconds until the earliest lease
/// deadline (by the server's clock, so relative).
type Probed = (Option<f64>, Option<f64>);

/// The wait probe's reply: `[head score or nil, ms until the earliest lease or nil]`.
fn decode_probe(reply: Reply) -> Result<Probed> {
    let decoder = Decoder { command: "EVALSHA" };
    let parts = decoder.array(reply)?;
    let [head, lease] = <[Reply; 2]>::try_from(parts)
        .map_err(|_| Error::protocol("EVALSHA", "the wait probe's reply has the wrong length"))?;
    // Lua's false is a nil in RESP2 and a boolean in RESP3.
    let absent = |r: &Reply| matches!(r, Reply::Nil | Reply::Bool(false));
    let head = if absent(&head) {
        None
    } else {
        Some(decoder.score(head)?)
    };
    let lease_in = if absent(&lease) {
        None
    } else {
        Some(decoder.integer(lease)? as f64 / 1000.0)
    };
    Ok((head, lease_in))
}

impl<O, M, D> Operation for Wait<O, M, D>
where
    O: Operation,
    O::Output: Outcome,
    M: FnMut(f64) -> O,
    D: FnMut(Vec<Vec<u8>>) -> O::Output,
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
            Phase::Timing => {
                self.offset = server_time(reply)? - self.now;
                let now = self.due_now();
                self.phase = Phase::Trying((self.make)(now));
                self.start()
            }
            Phase::Trying(op) => {
                let step = op.feed(reply);
                self.advance(step)
            }
            Phase::Probing => {
                let next = Decoder { command: "ZRANGE" }
                    .pairs(reply)?
                    .first()
                    .map(|(_, score)| *score);
                self.hint = next.map(|due| (due, self.now));
                Ok(self.sleep(next))
            }
            Phase::ProbingNext(probe) => match probe.feed(reply)? {
                Step::Done((head, lease_in)) => {
                    // The lease's time is relative: make it the caller's clock's.
                    self.next = Some(Next {
                        at: self.now,
                        head,
                        lease: lease_in.map(|seconds| self.now + seconds),
                    });
                    self.block_or_probe(true)
                }
                Step::Send(cmd) => Ok(Step::Send(cmd)),
                Step::Sleep(_) => Err(Error::protocol("wait", "the probe slept")),
            },
            Phase::Blocked(command) => {
                let command = *command;
                self.unblocked(command, reply)
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
                if std::mem::take(&mut self.reblock) && self.deadline - now >= 0.001 {
                    return self.block_or_probe(false);
                }
                let now = self.due_now();
                self.phase = Phase::Trying((self.make)(now));
                self.start()
            }
            _ => Err(Error::protocol("wait", "resumed while waiting for a reply")),
        }
    }

    /// A try as its operation; a probe is a read; a blocking pop on the set is not
    /// repeatable (it removes an item), one on the wake-up marker is.
    fn repeatable(&self) -> bool {
        match &self.phase {
            Phase::Trying(op) => op.repeatable(),
            Phase::Blocked(_) => !matches!(self.block, Some(BlockOn::Set { .. })),
            _ => true,
        }
    }
}

impl<S: super::serializer::Serializer + 'static> SetCore<S> {
    fn wait_spec<T>(&self, claims: bool, count: usize, decode: T) -> WaitSpec<T> {
        WaitSpec {
            kind: self.kind(),
            key: self.name().to_owned(),
            clock: self.clock(),
            waiting: self.waiting(),
            claims,
            count,
            decode,
        }
    }

    /// Pops the next eligible item, waiting up to `timeout` for one; at the timeout the
    /// same [`Error::Empty`] as `pop`. How it waits is the set's [`Waiting`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step, Waiting};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_waiting(Waiting::Blocking);
    /// let mut wait = set.pop_wait(Duration::from_secs(5), 0.0);
    /// wait.start().unwrap(); // ZPOPMIN: nothing there
    /// let Step::Send(block) = wait.feed(Reply::Array(vec![])).unwrap() else { panic!() };
    /// assert_eq!(format!("{block:?}"), r#"["BZPOPMIN", "jobs", "1.000"]"#);
    /// let popped = Reply::Array(vec![Reply::bulk("jobs"), Reply::bulk("a"), Reply::bulk("1")]);
    /// assert!(matches!(wait.feed(popped).unwrap(), Step::Done(Some(item)) if item == "a"));
    /// ```
    pub fn pop_wait(
        &self,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Option<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        let reader = self.reader();
        let spec = self.wait_spec(false, 1, move |raw: Vec<Vec<u8>>| {
            raw.into_iter().next().and_then(|raw| reader.load(raw))
        });
        Wait::new(spec, timeout, now, move |now| core.pop(now))
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one; at
    /// the timeout an empty list. A blocking wait on a priority or FIFO set blocks with
    /// `BZMPOP` (Redis 7.0 or later; `BZPOPMIN` for one item).
    pub fn take_wait(
        &self,
        count: usize,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        let reader = self.reader();
        let spec = self.wait_spec(false, count, move |raw: Vec<Vec<u8>>| {
            raw.into_iter().filter_map(|raw| reader.load(raw)).collect()
        });
        // Nothing to take: no wait either.
        let timeout = if count == 0 { Duration::ZERO } else { timeout };
        Wait::new(spec, timeout, now, move |now| core.take(count, now))
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
        let spec = self.wait_spec(true, count, |_| Vec::new());
        let timeout = if count == 0 { Duration::ZERO } else { timeout };
        Wait::new(spec, timeout, now, move |now| core.claim(count, lease, now))
    }
}
