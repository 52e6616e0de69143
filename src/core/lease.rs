//! At-least-once consumption: leases with fencing tokens (see [`Lease`]).
//!
//! `claim` moves items from the set into a lease that expires unless acked or extended,
//! counting a delivery and handing out a fresh fencing token; an expired lease goes
//! back to the set (or to the dead letters after the maximum deliveries). Every later
//! step — `ack`, `extend`, `retry`, `release` — takes effect only while its token is
//! still the item's current one, so a consumer that lost its lease can change nothing.
//! The lease clock is the server's (`TIME` in the scripts). The state lives in
//! companion keys of the set's hash slot ([`companion_key`]).

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::command::{redis_index, Arg};
use super::error::{Error, Result};
use super::keys::companion_key;
use super::operation::{Either, Exchange, Operation, Step};
use super::original_lock::{LockAware, TimedCall};
use super::reply::{Decoder, Reply};
use super::script::{Call, Script};
use super::serializer::Serializer;
use super::set::{Kind, Reader, SetCore};

/// The prelude every lease script starts with, kept once in the binary.
const COMMON: &str = include_str!("scripts/lease/common.lua");

macro_rules! lease_script {
    ($file:literal) => {
        LazyLock::new(|| {
            Script::new(COMMON.to_owned() + include_str!(concat!("scripts/lease/", $file)))
        })
    };
}

static CLAIM: LazyLock<Script> = lease_script!("claim.lua");
static ACK: LazyLock<Script> = lease_script!("ack.lua");
static EXTEND: LazyLock<Script> = lease_script!("extend.lua");
static RETRY: LazyLock<Script> = lease_script!("retry.lua");
static BURY: LazyLock<Script> = lease_script!("bury.lua");
static RECOVER: LazyLock<Script> = lease_script!("recover.lua");
static DEAD: LazyLock<Script> = lease_script!("dead.lua");
static REQUEUE_DEAD: LazyLock<Script> = lease_script!("requeue_dead.lua");
static PURGE_DEAD: LazyLock<Script> = lease_script!("purge_dead.lua");
static STATS: LazyLock<Script> = lease_script!("stats.lua");
static IN_FLIGHT: LazyLock<Script> = lease_script!("in_flight.lua");

/// The companion keys of a set's leases, in the order every lease script takes them.
const COMPANIONS: [&str; 8] = [
    "leases",
    "lease-records",
    "deliveries",
    "fence",
    "dead",
    "dead-records",
    "wake",
    "waiting",
];

/// How many expired leases one `claim` returns to the set before it claims.
const RECOVER_PER_CLAIM: usize = 100;
/// How many expired leases one round trip of `recover()` handles.
const RECOVER_PER_CALL: usize = 1000;
/// The most dead letters `dead_letters()` lists.
pub const MAX_DEAD_LISTED: usize = 10_000;

/// A claimed item: yours to work on until `deadline`, by the server's clock.
///
/// Hand it back with `ack` when done, `retry` on failure, `release` to give it up, or
/// `extend` to keep it longer; each works only while `token` is the item's current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease<T> {
    /// The item.
    pub item: T,
    /// The fencing token: it grows with every claim of the set, so a later holder of
    /// the same item always has a greater one.
    pub token: u64,
    /// How many times the item has been claimed, this time included.
    pub deliveries: u32,
    /// The score the item had in the set (it goes back with it).
    pub score: f64,
    /// When the lease expires, by the server's clock (`extend` moves it).
    pub deadline: SystemTime,
    member: Vec<u8>,
}

fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn to_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().min(u128::from(u64::MAX)) as u64)
}

impl<T> Lease<T> {
    /// [`deadline`](Self::deadline) in milliseconds since the UNIX epoch.
    pub fn deadline_ms(&self) -> u64 {
        to_ms(self.deadline)
    }

    /// The member as stored in Redis (the serialized item).
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// Records the deadline an `extend` gave.
    pub fn set_deadline_ms(&mut self, deadline_ms: u64) {
        self.deadline = from_ms(deadline_ms);
    }

    /// The same lease with the item converted (e.g. into a JS value).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Lease<U> {
        Lease {
            item: f(self.item),
            token: self.token,
            deliveries: self.deliveries,
            score: self.score,
            deadline: self.deadline,
            member: self.member,
        }
    }

    /// A lease as a driver rebuilt it from its parts (the member and token are what
    /// `ack` and friends use).
    pub fn from_parts(
        item: T,
        member: Vec<u8>,
        token: u64,
        deliveries: u32,
        deadline_ms: u64,
        score: f64,
    ) -> Self {
        Lease {
            item,
            token,
            deliveries,
            score,
            deadline: from_ms(deadline_ms),
            member,
        }
    }
}

/// The delay before a retried item can be claimed again: exponential with jitter and a
/// cap, as BullMQ's and Sidekiq's. The `n`-th delivery's retry waits
/// `min(cap, base × 2^(n−1))`, drawn uniformly from the upper half of that.
///
/// ```
/// use std::time::Duration;
/// use redset::core::Backoff;
/// let backoff = Backoff::default();
/// assert_eq!((backoff.base, backoff.cap), (Duration::from_secs(1), Duration::from_secs(300)));
/// let third = backoff.delay(3, 42);
/// assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first delivery (default 1 s).
    pub base: Duration,
    /// The longest delay (default 5 minutes).
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay after the `deliveries`-th delivery failed; `seed` draws the jitter.
    pub fn delay(&self, deliveries: u32, seed: u64) -> Duration {
        let doublings = deliveries.saturating_sub(1).min(31);
        let full = self
            .base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap);
        // In µs, so that millisecond steps (the lock's waits) keep their jitter.
        let full_us = full.as_micros().min(u128::from(u64::MAX)) as u64;
        let half = full_us / 2;
        Duration::from_micros(half + splitmix64(seed) % (full_us - half + 1))
    }
}

/// A well-mixed number from `seed`, for jitter.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A set's lease settings: the maximum deliveries and the backoff of `retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeasePolicy {
    /// After this many deliveries a failed or expired item goes to the dead letters
    /// (default 5).
    pub max_deliveries: u32,
    /// The delay of `retry` without an explicit one.
    pub backoff: Backoff,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy {
            max_deliveries: 5,
            backoff: Backoff::default(),
        }
    }
}

/// What `retry` did with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// Back in the set; it can be claimed again from this time (server clock, ms).
    Requeued {
        /// When it can be claimed again, ms since the UNIX epoch.
        at_ms: u64,
    },
    /// Its deliveries reached the maximum: it is in the dead letters.
    Dead,
}

/// What the expired-lease sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Items returned to the set.
    pub requeued: u64,
    /// Items moved to the dead letters (their deliveries reached the maximum).
    pub dead: u64,
}

/// An item in the dead letters.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// Why it is there.
    pub reason: String,
    /// How many times it was delivered.
    pub deliveries: u32,
    /// When it was buried (server clock).
    pub time: SystemTime,
    /// The score it had in the set (it goes back with it on requeue).
    pub score: f64,
    member: Vec<u8>,
}

impl DeadLetter<()> {
    /// A dead letter known only by its member, e.g. to requeue it.
    pub fn from_member(member: Vec<u8>) -> Self {
        DeadLetter {
            item: None,
            reason: String::new(),
            deliveries: 0,
            time: UNIX_EPOCH,
            score: 0.0,
            member,
        }
    }
}

impl<T> DeadLetter<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// The same dead letter with the item converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> DeadLetter<U> {
        DeadLetter {
            item: self.item.map(f),
            reason: self.reason,
            deliveries: self.deliveries,
            time: self.time,
            score: self.score,
            member: self.member,
        }
    }
}

/// A lease in flight, as [`in_flight_items`](SetCore::in_flight_items) lists it for
/// operators: whoever holds it, or a retry waiting out its delay.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// The holder's fencing token; `None` for a retry waiting out its delay, which
    /// nobody holds (it goes back to the set at `deadline`).
    pub token: Option<u64>,
    /// How many times the item has been claimed.
    pub deliveries: u32,
    /// The score it had in the set (it goes back with it).
    pub score: f64,
    /// When the lease expires, or the retry delay ends (server clock).
    pub deadline: SystemTime,
    /// How long until then, by the server's clock when it was listed; zero once past
    /// (an expired lease goes back at the next claim or `recover()`).
    pub time_left: Duration,
    member: Vec<u8>,
}

impl<T> InFlight<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// The same lease with the item converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> InFlight<U> {
        InFlight {
            item: self.item.map(f),
            token: self.token,
            deliveries: self.deliveries,
            score: self.score,
            deadline: self.deadline,
            time_left: self.time_left,
            member: self.member,
        }
    }
}

/// A set's counts in one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Items in the set, eligible or not (`len()`).
    pub waiting: u64,
    /// Items eligible now (all of them but for a scheduled set).
    pub due: u64,
    /// Leased items, including retries waiting out their delay.
    pub in_flight: u64,
    /// Items in the dead letters.
    pub dead: u64,
    /// How long the oldest eligible item has waited (time-ordered kinds: now minus its
    /// score, by the server's clock); `None` for a priority set or when none is due.
    pub oldest_due_age: Option<Duration>,
}

fn int(d: &Decoder<'_>, reply: Reply) -> Result<u64> {
    d.count(reply)
}

/// The set `name`'s key and its lease companions, in script order.
pub(super) fn lease_keys_of(name: &str) -> std::sync::Arc<[Vec<u8>]> {
    std::iter::once(name.as_bytes().to_vec())
        .chain(
            COMPANIONS
                .iter()
                .map(|suffix| companion_key(name, suffix).into_bytes()),
        )
        .collect()
}

impl<S: Serializer> SetCore<S> {
    /// The companion keys of this set's leases, in script order, after the set's key.
    fn lease_keys(&self) -> Vec<Vec<u8>> {
        self.lease_keys.to_vec()
    }

    /// What `clear()` deletes: the set and every companion but the fencing counter.
    pub(crate) fn clear_keys(&self) -> Vec<Vec<u8>> {
        let mut keys = self.lease_keys();
        keys.remove(1 + COMPANIONS.iter().position(|c| *c == "fence").unwrap_or(3));
        keys.push(self.dedup_key());
        keys
    }

    /// The companion keys this set uses, by role (`leases`, `lease-records`,
    /// `deliveries`, `fence`, `dead`, `dead-records`).
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// assert_eq!(set.companion_keys()[0], ("leases", "{jobs}:leases".to_string()));
    /// ```
    pub fn companion_keys(&self) -> Vec<(&'static str, String)> {
        COMPANIONS
            .iter()
            .map(|suffix| (*suffix, companion_key(self.name(), suffix)))
            .collect()
    }

    /// "+inf", or "now" for a scheduled set: the highest score that is eligible.
    fn due_by(&self, now: f64) -> Vec<u8> {
        match self.kind() {
            Kind::Scheduled => Arg::from(now).0,
            _ => b"+inf".to_vec(),
        }
    }

    fn lease_call<T>(
        &self,
        script: &'static Script,
        args: Vec<Vec<u8>>,
        decode: impl FnOnce(&Decoder<'_>, Reply) -> Result<T>,
    ) -> impl Operation<Output = T> {
        Exchange::new(
            Call::script(script, self.lease_keys(), args),
            move |reply| decode(&Decoder { command: "EVALSHA" }, reply),
        )
    }

    fn lease_lost(&self, tokens: Vec<u64>) -> Error {
        Error::LeaseLost {
            set: self.name().to_owned(),
            tokens,
        }
    }

    /// Claims up to `count` eligible items for `lease`: see [`Lease`].
    /// Expired leases (a bounded number) go back to the set first. An item that fails
    /// to deserialize goes to the dead letters with the reason, not to the caller.
    pub fn claim(
        &self,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        self.claim_after(Acks::default(), count, lease, now)
    }

    /// Acks `done` and claims up to `count` more, in one round trip: a worker's "done,
    /// next please" (BullMQ's worker fetches its next job the same way). If any of
    /// `done` is no longer held, the others are still acked, nothing is claimed, and
    /// the result is [`Error::LeaseLost`] naming the tokens not acked. While the
    /// original's lock holds a scheduled set, nothing is acked either; a
    /// [`LockTimeout`](Error::LockTimeout) means nothing changed.
    ///
    /// With [`with_replication`](Self::with_replication), the ack waits for the
    /// replicas before anything is claimed: two round trips, as `ack` then `claim`.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut claim = set.claim(1, std::time::Duration::from_secs(30), 0.0);
    /// claim.start().unwrap();
    /// let reply = |parts: &[&str]| Reply::Array(parts.iter().map(|p| Reply::Bulk(p.as_bytes().to_vec())).collect());
    /// let Step::Done(done) = claim.feed(reply(&["0", "0", "a", "1", "1", "1000", "0"])).unwrap() else { panic!() };
    /// let mut next = set.ack_and_claim(&done, 1, std::time::Duration::from_secs(30), 0.0);
    /// let Step::Send(cmd) = next.start().unwrap() else { panic!() };
    /// // The claim's five arguments, then the (member, token) pairs to ack.
    /// assert!(format!("{cmd:?}").ends_with(r#""+inf", "a", "1"]"#));
    /// let Step::Done(leases) = next.feed(reply(&["0", "0", "b", "2", "1", "1000", "1"])).unwrap() else { panic!() };
    /// assert_eq!((leases[0].item.as_str(), leases[0].token), ("b", 2));
    /// ```
    pub fn ack_and_claim<T>(
        &self,
        done: &[Lease<T>],
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        if self.replication().is_some() && !done.is_empty() {
            return Either::Right(Then {
                first: Some(self.ack(done)),
                second: self.claim(count, lease, now),
            });
        }
        Either::Left(self.claim_after(Acks::of(done), count, lease, now))
    }

    fn claim_after(
        &self,
        acks: Acks,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        let core = self.clone();
        self.at(now, self.due_by_time(), move |now| {
            core.claim_at(acks, count, lease, now)
        })
    }

    fn claim_at(
        &self,
        acks: Acks,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        let reader = self.reader();
        let bury_keys = self.lease_keys();
        let mut args = vec![
            Arg::from(redis_index(count)).0,
            Arg::from(duration_ms(lease)).0,
            Arg::from(self.lease_policy().max_deliveries as usize).0,
            Arg::from(RECOVER_PER_CLAIM).0,
            self.due_by(now),
        ];
        args.extend(acks.args);
        let call = TimedCall {
            script: &CLAIM,
            keys: self.lease_keys(),
            args,
            now_arg: (self.kind() == Kind::Scheduled).then_some(4),
        };
        let lock = (self.kind() == Kind::Scheduled)
            .then(|| self.original_lock())
            .flatten();
        let (set, tokens) = (self.name().to_owned(), acks.tokens);
        let claim = LockAware::new(self.shared_name(), call, lock, now, move |reply| {
            decode_claim(reply, &set, &tokens)
        });
        Claim {
            stage: ClaimStage::Claiming(claim),
            reader,
            bury_keys,
        }
    }

    /// Acks leases: each whose token is still current is removed for good. If any is
    /// not (it expired and was claimed again, or was acked already), the others are
    /// still acked and the result is [`Error::LeaseLost`] naming the tokens not acked.
    pub fn ack<T>(&self, leases: &[Lease<T>]) -> impl Operation<Output = ()> {
        let Acks { args, tokens } = Acks::of(leases);
        if args.is_empty() {
            return Either::Left(Exchange::new(Call::Known(Reply::Nil), |_| Ok(())));
        }
        let set = self.name().to_owned();
        Either::Right(
            self.replicated(self.lease_call(&ACK, args, move |d, reply| {
                let numbers = d.integers(reply)?;
                let Some((_, positions)) = numbers.split_first() else {
                    return Err(Error::protocol("EVALSHA", "an empty ack reply"));
                };
                match lost_tokens(positions, &tokens) {
                    lost if lost.is_empty() => Ok(()),
                    lost => Err(Error::LeaseLost { set, tokens: lost }),
                }
            })),
        )
    }

    /// Extends a current lease to `by` from now (server clock); gives the new deadline
    /// in ms. [`Error::LeaseLost`] if the lease is not current.
    pub fn extend<T>(&self, lease: &Lease<T>, by: Duration) -> impl Operation<Output = u64> {
        let lost = self.lease_lost(vec![lease.token]);
        let args = vec![
            lease.member.clone(),
            lease.token.to_string().into_bytes(),
            Arg::from(duration_ms(by)).0,
        ];
        self.lease_call(&EXTEND, args, move |d, reply| match int(d, reply)? {
            0 => Err(lost),
            deadline => Ok(deadline),
        })
    }

    /// Gives a current lease's item back for another try: to the dead letters (with
    /// `reason`) if its deliveries reached the maximum, else back into the set, where
    /// it can be claimed after `delay` (default: the backoff policy's delay for its
    /// delivery count). A scheduled set takes it back with the score now + delay.
    pub fn retry<T>(
        &self,
        lease: &Lease<T>,
        delay: Option<Duration>,
        reason: &str,
    ) -> impl Operation<Output = Retried> {
        let delay = delay.unwrap_or_else(|| {
            self.lease_policy()
                .backoff
                .delay(lease.deliveries, lease.token ^ lease.deadline_ms())
        });
        let mode = match self.kind() {
            Kind::Scheduled => "retry-at",
            _ => "retry",
        };
        self.retry_call(lease, delay, mode, reason)
    }

    /// Gives a current lease's item back at once, with its score, as if this delivery
    /// had not happened (it is not counted). For a consumer shutting down.
    pub fn release<T>(&self, lease: &Lease<T>) -> impl Operation<Output = Retried> {
        self.retry_call(lease, Duration::ZERO, "release", "")
    }

    fn retry_call<T>(
        &self,
        lease: &Lease<T>,
        delay: Duration,
        mode: &str,
        reason: &str,
    ) -> impl Operation<Output = Retried> {
        let lost = self.lease_lost(vec![lease.token]);
        let reason = if reason.is_empty() {
            format!("retried after {} deliveries", lease.deliveries)
        } else {
            reason.to_owned()
        };
        let args = vec![
            lease.member.clone(),
            lease.token.to_string().into_bytes(),
            Arg::from(duration_ms(delay)).0,
            Arg::from(self.lease_policy().max_deliveries as usize).0,
            Arg::from(mode).0,
            Arg::from(reason.as_str()).0,
        ];
        self.replicated(self.lease_call(&RETRY, args, move |d, reply| {
            match d.integers(reply)?.as_slice() {
                [0, _] => Err(lost),
                [1 | 2, at] => Ok(Retried::Requeued {
                    at_ms: u64::try_from(*at).unwrap_or(0),
                }),
                [3, _] => Ok(Retried::Dead),
                _ => Err(Error::protocol("EVALSHA", "unexpected retry reply")),
            }
        }))
    }

    /// The expired-lease sweep on its own, for operators: every expired lease goes back
    /// to the set, or to the dead letters once its deliveries reached the maximum.
    pub fn recover(&self) -> impl Operation<Output = Recovered> {
        Recover {
            call: Call::script(&RECOVER, self.lease_keys(), self.recover_args()),
            keys: self.lease_keys(),
            args: self.recover_args(),
            total: Recovered::default(),
        }
    }

    fn recover_args(&self) -> Vec<Vec<u8>> {
        vec![
            Arg::from(RECOVER_PER_CALL).0,
            Arg::from(self.lease_policy().max_deliveries as usize).0,
        ]
    }

    /// `ZCARD` of the leases: how many items are in flight (leased, or waiting out a
    /// retry's delay).
    pub fn in_flight(&self) -> impl Operation<Output = u64> {
        let key = companion_key(self.name(), COMPANIONS[0]);
        self.command(super::command::Command::new("ZCARD").arg(key.as_str()), int)
    }

    /// The leases in flight, earliest deadline first (at most `limit`): each item with
    /// its holder's token, deliveries, deadline and time left, for operators.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut list = set.in_flight_items(10);
    /// list.start().unwrap();
    /// let reply = Reply::Array(["1000", "a", "31000", "7 1 0"].map(Reply::bulk).to_vec());
    /// let Step::Done(leases) = list.feed(reply).unwrap() else { panic!() };
    /// assert_eq!(leases[0].item.as_deref(), Some("a"));
    /// assert_eq!((leases[0].token, leases[0].time_left.as_secs()), (Some(7), 30));
    /// ```
    pub fn in_flight_items(&self, limit: usize) -> impl Operation<Output = Vec<InFlight<S::Item>>> {
        let reader = self.reader();
        let args = vec![Arg::from(redis_index(limit)).0];
        self.lease_call(&IN_FLIGHT, args, move |d, reply| {
            let mut parts = d.array(reply)?.into_iter();
            let now = d.count(parts.next().unwrap_or(Reply::Nil))?;
            let mut out = Vec::with_capacity(parts.len() / 3);
            while let (Some(member), Some(deadline), Some(record)) =
                (parts.next(), parts.next(), parts.next())
            {
                let member = d.member(member)?;
                let deadline = d.score(deadline)?.max(0.0) as u64;
                let record = d.member(record)?;
                let (token, deliveries, score) = LeaseRecord::parse(&record);
                out.push(InFlight {
                    item: reader.loads(&member).ok(),
                    token: (token != 0).then_some(token),
                    deliveries,
                    score,
                    deadline: from_ms(deadline),
                    time_left: Duration::from_millis(deadline.saturating_sub(now)),
                    member,
                });
            }
            Ok(out)
        })
    }

    /// The dead letters, oldest first (at most [`MAX_DEAD_LISTED`]).
    pub fn dead_letters(&self) -> impl Operation<Output = Vec<DeadLetter<S::Item>>> {
        let reader = self.reader();
        let args = vec![Arg::from(MAX_DEAD_LISTED).0];
        self.lease_call(&DEAD, args, move |d, reply| {
            let flat = d.members(reply)?;
            let mut out = Vec::with_capacity(flat.len() / 2);
            let mut it = flat.into_iter();
            while let (Some(member), Some(record)) = (it.next(), it.next()) {
                let info = DeadRecord::parse(&record);
                out.push(DeadLetter {
                    item: reader.loads(&member).ok(),
                    reason: info.reason,
                    deliveries: info.deliveries,
                    time: from_ms(info.time),
                    score: info.score,
                    member,
                });
            }
            Ok(out)
        })
    }

    /// Puts dead letters back into the set with the score they had, their deliveries
    /// counted afresh; gives how many were still there.
    pub fn requeue_dead<T>(&self, letters: &[DeadLetter<T>]) -> impl Operation<Output = u64> {
        let args = letters.iter().map(|l| l.member.clone()).collect();
        self.lease_call(&REQUEUE_DEAD, args, int)
    }

    /// Deletes every dead letter; gives how many there were.
    pub fn purge_dead(&self) -> impl Operation<Output = u64> {
        self.lease_call(&PURGE_DEAD, Vec::new(), int)
    }

    /// Waiting, due, in flight, dead and the oldest due item's age, in one round trip.
    pub fn stats(&self, now: f64) -> impl Operation<Output = Stats> {
        let core = self.clone();
        self.at(now, self.due_by_time(), move |now| core.stats_at(now))
    }

    fn stats_at(&self, now: f64) -> impl Operation<Output = Stats> {
        let kind = self.kind();
        self.lease_call(&STATS, vec![self.due_by(now)], move |d, reply| {
            let Reply::Array(parts) = d.ok(reply)? else {
                return Err(Error::protocol("EVALSHA", "stats reply is not an array"));
            };
            let [waiting, due, in_flight, dead, oldest, server_ms] = <[Reply; 6]>::try_from(parts)
                .map_err(|_| Error::protocol("EVALSHA", "stats reply of the wrong length"))?;
            let server_ms = d.count(server_ms)?;
            // Lua's false is a nil in RESP2 and a boolean in RESP3.
            let oldest = match oldest {
                Reply::Bool(false) => None,
                other => d.optional_score(other)?,
            };
            let oldest_due_age = match (kind, oldest) {
                (Kind::Sorted, _) | (_, None) => None,
                (_, Some(score)) => Some(
                    Duration::try_from_secs_f64(server_ms as f64 / 1000.0 - score)
                        .unwrap_or_default(),
                ),
            };
            Ok(Stats {
                waiting: d.count(waiting)?,
                due: d.count(due)?,
                in_flight: d.count(in_flight)?,
                dead: d.count(dead)?,
                oldest_due_age,
            })
        })
    }
}

/// A lease time or delay in ms, at most 2^52 (about 140 000 years): the scripts add it
/// to the server's time as a Lua double, which stays exact below 2^53.
fn duration_ms(d: Duration) -> usize {
    const MAX_MS: u128 = 1 << 52;
    d.as_millis().min(MAX_MS).min(usize::MAX as u128) as usize
}

/// A dead letter's record as `bury` writes it: "deliveries time score reason".
#[derive(Default)]
struct DeadRecord {
    deliveries: u32,
    time: u64,
    score: f64,
    reason: String,
}

impl DeadRecord {
    /// A record that does not parse gives zeros and an empty reason: listing the dead
    /// letters never fails on one of them.
    fn parse(record: &[u8]) -> Self {
        let text = String::from_utf8_lossy(record);
        let mut parts = text.splitn(4, ' ');
        let (Some(deliveries), Some(time), Some(score)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return DeadRecord::default();
        };
        DeadRecord {
            deliveries: deliveries.parse().unwrap_or(0),
            time: time.parse().unwrap_or(0),
            score: score.parse().unwrap_or(f64::NAN), // "inf" and "-inf" included
            reason: parts.next().unwrap_or_default().to_owned(),
        }
    }
}

/// A lease record as the claim script writes it: "token deliveries score".
struct LeaseRecord;

impl LeaseRecord {
    /// Token, deliveries and score; zeros (and a NaN score) for a record that does
    /// not parse, so that listing never fails on one.
    fn parse(record: &[u8]) -> (u64, u32, f64) {
        let text = String::from_utf8_lossy(record);
        let mut parts = text.splitn(3, ' ');
        let mut next = || parts.next().unwrap_or_default();
        let token = next().parse().unwrap_or(0);
        let deliveries = next().parse().unwrap_or(0);
        let score = next().parse().unwrap_or(f64::NAN);
        (token, deliveries, score)
    }
}

/// One claimed member before its item is loaded.
struct Claimed {
    member: Vec<u8>,
    token: u64,
    deliveries: u32,
    deadline_ms: u64,
    score: f64,
}

/// What an ack sends: (member, token) pairs, and the tokens in the same order.
#[derive(Default)]
struct Acks {
    args: Vec<Vec<u8>>,
    tokens: Vec<u64>,
}

impl Acks {
    fn of<T>(leases: &[Lease<T>]) -> Self {
        let mut acks = Acks::default();
        for lease in leases {
            acks.args.push(lease.member.clone());
            acks.args.push(lease.token.to_string().into_bytes());
            acks.tokens.push(lease.token);
        }
        acks
    }
}

/// The tokens at the (1-based) positions a script reported as not acked.
fn lost_tokens(positions: &[i64], tokens: &[u64]) -> Vec<u64> {
    positions
        .iter()
        .filter_map(|&p| {
            tokens
                .get(usize::try_from(p).ok()?.checked_sub(1)?)
                .copied()
        })
        .collect()
}

/// The claim script's reply: the leases, or `{"lost", positions…}` when an ack sent
/// with the claim was no longer held (then nothing was claimed).
fn decode_claim(reply: Reply, set: &str, acked: &[u64]) -> Result<Vec<Claimed>> {
    let d = Decoder { command: "EVALSHA" };
    let Reply::Array(mut parts) = d.ok(reply)? else {
        return Err(Error::protocol("EVALSHA", "claim reply is not an array"));
    };
    if matches!(parts.first(), Some(Reply::Bulk(word)) if word == b"lost") {
        let positions = d.integers(Reply::Array(parts.split_off(1)))?;
        return Err(Error::LeaseLost {
            set: set.to_owned(),
            tokens: lost_tokens(&positions, acked),
        });
    }
    if parts.len() < 2 || (parts.len() - 2) % 5 != 0 {
        return Err(Error::protocol(
            "EVALSHA",
            "claim reply of the wrong length",
        ));
    }
    let mut out = Vec::with_capacity((parts.len() - 2) / 5);
    let mut it = parts.into_iter().skip(2);
    while let (Some(member), Some(token), Some(count), Some(deadline), Some(score)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    {
        out.push(Claimed {
            member: d.member(member)?,
            token: d.count(token)?,
            deliveries: u32::try_from(d.count(count)?).unwrap_or(u32::MAX),
            deadline_ms: d.count(deadline)?,
            score: d.score(score)?,
        });
    }
    Ok(out)
}

/// `first` (an ack), then `second`: for `ack_and_claim` when the ack must wait for
/// replicas before anything is claimed.
struct Then<A, B> {
    first: Option<A>,
    second: B,
}

impl<A: Operation<Output = ()>, B: Operation> Then<A, B> {
    fn after_first(&mut self, step: Result<Step<()>>) -> Result<Step<B::Output>> {
        match step? {
            Step::Done(()) => {
                self.first = None;
                self.second.start()
            }
            Step::Send(command) => Ok(Step::Send(command)),
            Step::Sleep(duration) => Ok(Step::Sleep(duration)),
        }
    }
}

impl<A: Operation<Output = ()>, B: Operation> Operation for Then<A, B> {
    type Output = B::Output;

    fn start(&mut self) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.start();
                self.after_first(step)
            }
            None => self.second.start(),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.feed(reply);
                self.after_first(step)
            }
            None => self.second.feed(reply),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.resume(now);
                self.after_first(step)
            }
            None => self.second.resume(now),
        }
    }

    fn repeatable(&self) -> bool {
        self.first
            .as_ref()
            .map_or_else(|| self.second.repeatable(), Operation::repeatable)
    }
}

enum ClaimStage<C, T> {
    Claiming(C),
    /// Undecodable items are being buried; then these leases are handed out.
    Burying(Exchange<fn(Reply) -> Result<u64>>, Vec<Lease<T>>),
    Finished,
}

/// `claim`: the claim script (waiting out the original's lock for a scheduled set),
/// then, if any item failed to deserialize, the script that buries those.
struct Claim<C, S: Serializer> {
    stage: ClaimStage<C, S::Item>,
    reader: Reader<S>,
    bury_keys: Vec<Vec<u8>>,
}

fn buried_count(reply: Reply) -> Result<u64> {
    Decoder { command: "EVALSHA" }.count(reply)
}

impl<C, S> Claim<C, S>
where
    C: Operation<Output = Vec<Claimed>>,
    S: Serializer,
{
    fn claimed(&mut self, claimed: Vec<Claimed>) -> Result<Step<Vec<Lease<S::Item>>>> {
        let mut leases = Vec::with_capacity(claimed.len());
        let mut buried = Vec::new();
        for c in claimed {
            match self.reader.loads(&c.member) {
                Ok(item) => leases.push(Lease {
                    item,
                    token: c.token,
                    deliveries: c.deliveries,
                    score: c.score,
                    deadline: from_ms(c.deadline_ms),
                    member: c.member,
                }),
                Err(error) => {
                    buried.push(c.member);
                    buried.push(c.token.to_string().into_bytes());
                    buried.push(format!("undecodable: {error}").into_bytes());
                }
            }
        }
        if buried.is_empty() {
            self.stage = ClaimStage::Finished;
            return Ok(Step::Done(leases));
        }
        let decode: fn(Reply) -> Result<u64> = buried_count;
        let mut bury = Exchange::new(Call::script(&BURY, self.bury_keys.clone(), buried), decode);
        let step = bury.start()?;
        self.stage = ClaimStage::Burying(bury, leases);
        match step {
            Step::Send(cmd) => Ok(Step::Send(cmd)),
            _ => Err(Error::protocol("EVALSHA", "bury sent nothing")),
        }
    }

    fn advance(&mut self, step: Result<Step<Vec<Claimed>>>) -> Result<Step<Vec<Lease<S::Item>>>> {
        match step? {
            Step::Send(cmd) => Ok(Step::Send(cmd)),
            Step::Sleep(wait) => Ok(Step::Sleep(wait)),
            Step::Done(claimed) => self.claimed(claimed),
        }
    }

    fn buried(&mut self, step: Result<Step<u64>>) -> Result<Step<Vec<Lease<S::Item>>>> {
        match step? {
            Step::Send(cmd) => Ok(Step::Send(cmd)),
            Step::Sleep(wait) => Ok(Step::Sleep(wait)),
            Step::Done(_) => match std::mem::replace(&mut self.stage, ClaimStage::Finished) {
                ClaimStage::Burying(_, leases) => Ok(Step::Done(leases)),
                _ => Err(Error::protocol("EVALSHA", "buried outside a claim")),
            },
        }
    }
}

impl<C, S> Operation for Claim<C, S>
where
    C: Operation<Output = Vec<Claimed>>,
    S: Serializer,
{
    type Output = Vec<Lease<S::Item>>;

    fn start(&mut self) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            ClaimStage::Claiming(op) => {
                let step = op.start();
                self.advance(step)
            }
            _ => Err(Error::protocol("EVALSHA", "claim started twice")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            ClaimStage::Claiming(op) => {
                let step = op.feed(reply);
                self.advance(step)
            }
            ClaimStage::Burying(op, _) => {
                let step = op.feed(reply);
                self.buried(step)
            }
            ClaimStage::Finished => Err(Error::protocol(
                "EVALSHA",
                "reply fed to a finished operation",
            )),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            ClaimStage::Claiming(op) => {
                let step = op.resume(now);
                self.advance(step)
            }
            _ => Err(Error::protocol("EVALSHA", "resumed without having slept")),
        }
    }

    /// A claim whose reply was lost leaves leases nobody holds: they expire and come
    /// back, so claiming again loses nothing. Burying again finds nothing twice.
    fn repeatable(&self) -> bool {
        true
    }
}

/// `recover()`: the sweep, repeated while a round trip filled its limit.
struct Recover {
    call: Call,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
    total: Recovered,
}

impl Operation for Recover {
    type Output = Recovered;

    fn start(&mut self) -> Result<Step<Recovered>> {
        self.call.send()
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Recovered>> {
        let reply = match self.call.on_reply(reply) {
            super::script::Outcome::Resend => return self.start(),
            super::script::Outcome::Reply(reply) => reply,
        };
        let d = Decoder { command: "EVALSHA" };
        let [requeued, dead] = <[u64; 2]>::try_from(
            d.integers(reply)?
                .into_iter()
                .map(|n| u64::try_from(n).unwrap_or(0))
                .collect::<Vec<_>>(),
        )
        .map_err(|_| Error::protocol("EVALSHA", "recover reply of the wrong length"))?;
        self.total.requeued += requeued;
        self.total.dead += dead;
        // A full round means more may be expired: sweep again, within the step bound.
        if (requeued + dead) as usize >= RECOVER_PER_CALL {
            self.call = Call::script(&RECOVER, self.keys.clone(), self.args.clone());
            return self.start();
        }
        Ok(Step::Done(self.total))
    }

    fn repeatable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_in_the_upper_half() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        for deliveries in 1..70 {
            let full =
                Duration::from_millis(100 << (deliveries - 1).min(20)).min(Duration::from_secs(1));
            for seed in 0..20 {
                let d = backoff.delay(deliveries, seed);
                assert!(d >= full / 2 && d <= full, "{deliveries} {seed} {d:?}");
            }
        }
        let zero = Backoff {
            base: Duration::ZERO,
            cap: Duration::ZERO,
        };
        assert_eq!(zero.delay(3, 1), Duration::ZERO);
    }

    #[test]
    fn every_lease_script_has_the_common_prelude_and_its_body() {
        for script in [
            &CLAIM,
            &ACK,
            &EXTEND,
            &RETRY,
            &BURY,
            &RECOVER,
            &DEAD,
            &REQUEUE_DEAD,
            &PURGE_DEAD,
            &STATS,
            &IN_FLIGHT,
        ] {
            assert!(script
                .source()
                .starts_with("-- Shared by every lease script"));
            assert!(script.source().len() > COMMON.len());
        }
    }
}
