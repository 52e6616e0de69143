//! Set semantics: which commands each operation sends and what their replies mean.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::clock::{Clock, Clocked};
use super::command::{redis_index, Arg, Command};
use super::error::{BoxError, Error, Result};
use super::keys::companion_key;
use super::lease::LeasePolicy;
use super::operation::{Either, Exchange, Operation, Step};
use super::original_lock::{original_lock_key, LockAware, OriginalLock, DEFAULT_LOCK_TIMEOUT};
use super::replication::Replication;
use super::reply::{Decoder, Reply};
use super::script::{Call, ADD, CLEAR};
use super::serializer::{Dumps, Serializer};
use super::wait::{Waiting, WAITING, WAKE};

/// The three kinds of set, which differ only in scoring and eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Priority order; the default score is 0.
    Sorted,
    /// FIFO: the default score is the time of `add`.
    TimeSorted,
    /// Like `TimeSorted`, but only items whose score is at most "now" are eligible.
    Scheduled,
}

impl Kind {
    /// The type name users see (`SortedSet`, …).
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Sorted => "SortedSet",
            Kind::TimeSorted => "TimeSortedSet",
            Kind::Scheduled => "ScheduledSet",
        }
    }
}

/// A scorer: gives an item its score when `add` is called without one.
pub type Scorer<T> = Arc<dyn Fn(&T) -> f64 + Send + Sync>;

/// Called for each popped or peeked member that fails to deserialize.
pub type UndecodableHook = Arc<dyn Fn(&Undecodable<'_>) + Send + Sync>;

/// A member that the serializer could not load.
#[derive(Debug)]
pub struct Undecodable<'a> {
    /// The set's name.
    pub set: &'a str,
    /// The member's raw bytes.
    pub raw: &'a [u8],
    /// What the serializer said.
    pub error: &'a BoxError,
}

impl Undecodable<'_> {
    /// The raw bytes for a log line: escaped and cut to 64 bytes.
    pub fn raw_preview(&self) -> String {
        const LIMIT: usize = 64;
        let shown = String::from_utf8_lossy(&self.raw[..self.raw.len().min(LIMIT)]);
        if self.raw.len() > LIMIT {
            format!("{shown:?}… ({} bytes)", self.raw.len())
        } else {
            format!("{shown:?}")
        }
    }
}

fn log_undecodable(failure: &Undecodable<'_>) {
    tracing::warn!(
        set = failure.set,
        raw = %failure.raw_preview(),
        error = %failure.error,
        "removed an item that failed to deserialize"
    );
}

/// Everything a set is, without a connection: name, kind, serializer, scorer.
///
/// Each method returns an [`Operation`] that a driver runs. "Now" (UNIX seconds) is
/// always an argument: the core reads no clock.
///
/// ```
/// use redset::core::{Kind, Operation, Reply, SetCore, Step};
/// use redset::Utf8;
/// let set = SetCore::new("jobs", Kind::Sorted, Utf8);
/// let mut peek = set.peek(0, 0.0);
/// let Step::Send(cmd) = peek.start().unwrap() else { unreachable!() };
/// assert_eq!(format!("{cmd:?}"), r#"["ZRANGE", "jobs", "0", "0"]"#);
/// let reply = Reply::Array(vec![Reply::bulk("a")]);
/// assert!(matches!(peek.feed(reply).unwrap(), Step::Done(Some(item)) if item == "a"));
/// ```
pub struct SetCore<S: Serializer> {
    kind: Kind,
    reader: Reader<S>,
    scorer: Option<Scorer<S::Item>>,
    original_lock: Option<OriginalLock>,
    lease_policy: LeasePolicy,
    clock: Clock,
    waiting: Waiting,
    /// The deduplication window of adds (see the `dedup` module).
    pub(super) dedup: Option<Duration>,
    /// What writes wait for (see the `replication` module).
    pub(super) replication: Option<Replication>,
    /// The set's key and its lease companions, in script order: made once, as every
    /// lease call sends them.
    pub(super) lease_keys: Arc<[Vec<u8>]>,
}

/// What turns popped members into items: shared (cheaply cloned) with each operation,
/// so operations own their state and can outlive a borrow of the set.
pub(crate) struct Reader<S> {
    name: Arc<str>,
    serializer: Arc<S>,
    on_undecodable: UndecodableHook,
}

impl<S> Clone for Reader<S> {
    fn clone(&self) -> Self {
        Reader {
            name: self.name.clone(),
            serializer: self.serializer.clone(),
            on_undecodable: self.on_undecodable.clone(),
        }
    }
}

impl<S: Serializer> Reader<S> {
    /// The item, or what the serializer said (no report: the caller decides).
    pub(crate) fn loads(&self, raw: &[u8]) -> std::result::Result<S::Item, BoxError> {
        self.serializer.loads(raw)
    }

    pub(crate) fn load(&self, raw: Vec<u8>) -> Option<S::Item> {
        match self.serializer.loads(&raw) {
            Ok(item) => Some(item),
            Err(error) => {
                (self.on_undecodable)(&Undecodable {
                    set: &self.name,
                    raw: &raw,
                    error: &error,
                });
                None
            }
        }
    }

    fn empty(&self, position: usize) -> Error {
        Error::Empty {
            set: self.name.to_string(),
            position,
        }
    }
}

impl<S: Serializer> SetCore<S> {
    /// A set of the given kind, stored at the Redis key `name`.
    ///
    /// A scheduled set honours the original Python redset's lock by default (see
    /// [`with_original_lock`](Self::with_original_lock)).
    pub fn new(name: impl Into<String>, kind: Kind, serializer: S) -> Self {
        let name: Arc<str> = Arc::from(name.into());
        let lease_keys = super::lease::lease_keys_of(&name);
        SetCore {
            kind,
            original_lock: (kind == Kind::Scheduled).then(|| {
                OriginalLock::new(original_lock_key(&name).into_bytes(), DEFAULT_LOCK_TIMEOUT)
            }),
            reader: Reader {
                name,
                serializer: Arc::new(serializer),
                on_undecodable: Arc::new(log_undecodable),
            },
            scorer: None,
            lease_policy: LeasePolicy::default(),
            clock: Clock::Client,
            waiting: Waiting::Polling,
            dedup: None,
            replication: None,
            lease_keys,
        }
    }

    /// The set's name, which is also its Redis key.
    pub fn name(&self) -> &str {
        &self.reader.name
    }

    /// The set's kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Replaces the scorer used by `add` without an explicit score.
    pub fn with_scorer(mut self, scorer: Scorer<S::Item>) -> Self {
        self.scorer = Some(scorer);
        self
    }

    /// Replaces what happens to members that fail to deserialize (default: a
    /// `tracing` warning naming the set and showing the raw bytes).
    pub fn with_undecodable_hook(mut self, hook: UndecodableHook) -> Self {
        self.reader.on_undecodable = hook;
        self
    }

    /// Whether a scheduled set's pop and take honour the original Python redset's lock
    /// (`name__lock`): on by default, so that consumers of the original can share the
    /// set without an item being handed out twice. Turn it off on Redis Cluster, where
    /// that key lives in another hash slot (the original does not support Cluster).
    /// Other kinds pop with one atomic `ZPOPMIN`, as the original does with `MULTI`,
    /// and never need it.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("retries", Kind::Scheduled, redset::Utf8);
    /// assert!(set.honours_original_lock());
    /// assert!(!set.with_original_lock(false).honours_original_lock());
    /// ```
    pub fn with_original_lock(mut self, honoured: bool) -> Self {
        let timeout = self
            .original_lock
            .as_ref()
            .map_or(DEFAULT_LOCK_TIMEOUT, |lock| lock.timeout);
        self.original_lock = (honoured && self.kind == Kind::Scheduled)
            .then(|| OriginalLock::new(original_lock_key(self.name()).into_bytes(), timeout));
        self
    }

    /// How long a scheduled pop waits for the original's lock before it fails with
    /// [`Error::LockTimeout`] (the original's `lock_timeout`; default 10 s). Zero
    /// means one try.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("retries", Kind::Scheduled, redset::Utf8)
    ///     .with_lock_timeout(Duration::from_millis(250));
    /// assert_eq!(set.lock_timeout(), Some(Duration::from_millis(250)));
    /// ```
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        if let Some(lock) = &mut self.original_lock {
            lock.timeout = timeout;
        }
        self
    }

    /// Sets the maximum deliveries and the retry backoff of this set's leases.
    ///
    /// ```
    /// use redset::core::{Kind, LeasePolicy, SetCore};
    /// let policy = LeasePolicy { max_deliveries: 3, ..LeasePolicy::default() };
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_lease_policy(policy);
    /// assert_eq!(set.lease_policy().max_deliveries, 3);
    /// ```
    pub fn with_lease_policy(mut self, policy: LeasePolicy) -> Self {
        self.lease_policy = policy;
        self
    }

    /// The lease settings: maximum deliveries and retry backoff.
    pub fn lease_policy(&self) -> LeasePolicy {
        self.lease_policy
    }

    /// Chooses whose clock says "now" (see [`Clock`]); the default is the client's.
    ///
    /// ```
    /// use redset::core::{Clock, Kind, SetCore};
    /// let set = SetCore::new("retries", Kind::Scheduled, redset::Utf8).with_clock(Clock::Server);
    /// assert_eq!(set.clock(), Clock::Server);
    /// ```
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Whose clock says "now" for this set.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Chooses how `pop_wait`, `take_wait` and `claim_wait` wait (see [`Waiting`]): a
    /// driver that gives waits a connection of their own chooses blocking.
    pub fn with_waiting(mut self, waiting: Waiting) -> Self {
        self.waiting = waiting;
        self
    }

    /// How this set's waits wait.
    pub fn waiting(&self) -> Waiting {
        self.waiting
    }

    /// `make(now)` with "now" by this set's clock: the caller's `now`, or the server's
    /// time when the set runs on it and `needs_now`.
    pub(crate) fn at<O: Operation, M: FnOnce(f64) -> O>(
        &self,
        now: f64,
        needs_now: bool,
        make: M,
    ) -> Clocked<O, M> {
        Clocked::new(self.clock, needs_now, now, make)
    }

    /// Whether "now" decides what is eligible: only in a scheduled set.
    pub(crate) fn due_by_time(&self) -> bool {
        self.kind == Kind::Scheduled
    }

    pub(crate) fn reader(&self) -> Reader<S> {
        self.reader.clone()
    }

    pub(crate) fn shared_name(&self) -> Arc<str> {
        self.reader.name.clone()
    }

    pub(crate) fn original_lock(&self) -> Option<&OriginalLock> {
        self.original_lock.as_ref()
    }

    /// Whether pops honour the original's lock (see
    /// [`with_original_lock`](Self::with_original_lock)).
    pub fn honours_original_lock(&self) -> bool {
        self.original_lock.is_some()
    }

    /// How long pops wait for the original's lock, when they honour it.
    pub fn lock_timeout(&self) -> Option<Duration> {
        self.original_lock.as_ref().map(|lock| lock.timeout)
    }

    /// Swaps the serializer. The scorer, typed for the old items, is dropped.
    pub fn with_serializer<S2: Serializer>(self, serializer: S2) -> SetCore<S2> {
        SetCore {
            original_lock: self.original_lock,
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            lease_keys: self.lease_keys,
            kind: self.kind,
            reader: Reader {
                name: self.reader.name,
                serializer: Arc::new(serializer),
                on_undecodable: self.reader.on_undecodable,
            },
            scorer: None,
        }
    }

    fn key(&self) -> Arg {
        Arg::from(self.name())
    }

    pub(super) fn member<Q: ?Sized>(&self, item: &Q) -> Result<Vec<u8>>
    where
        S: Dumps<Q>,
    {
        self.reader
            .serializer
            .dumps_ref(item)
            .map_err(Error::Serializer)
    }

    pub(super) fn command<T>(
        &self,
        cmd: Command,
        decode: impl FnOnce(&Decoder<'_>, Reply) -> Result<T>,
    ) -> Exchange<impl FnOnce(Reply) -> Result<T>> {
        let name = cmd.name().to_owned();
        Exchange::new(Call::Command(cmd), move |reply| {
            decode(&Decoder { command: &name }, reply)
        })
    }

    /// The score `add` uses: the explicit one (0 included), else the scorer's, else
    /// "now" for time-ordered kinds, else 0. NaN is rejected; ±inf are valid.
    pub fn resolve_score<Q: ?Sized>(&self, item: &Q, score: Option<f64>, now: f64) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        let (score, source) = match (score, &self.scorer, self.kind) {
            (Some(score), _, _) => (score, "score"),
            (None, Some(scorer), _) => (
                self.reader.serializer.score_ref(item, &**scorer),
                "scorer's score",
            ),
            (None, None, Kind::Sorted) => (0.0, "default score"),
            (None, None, Kind::TimeSorted | Kind::Scheduled) => (now, "clock's time"),
        };
        if score.is_nan() {
            return Err(Error::InvalidInput(format!(
                "the {source} for an item of {:?} is NaN",
                self.name()
            )));
        }
        Ok(score)
    }

    /// Adds the item or updates its score (a `ZADD`, in the [`ADD`] script, which
    /// also wakes a consumer waiting on the set when the item comes first); yields the
    /// score used. Serializer errors and NaN scores fail here, before anything is sent.
    pub fn add<Q: ?Sized>(
        &self,
        item: &Q,
        score: Option<f64>,
        now: f64,
    ) -> Result<impl Operation<Output = f64>>
    where
        S: Dumps<Q>,
    {
        let by_clock = self.score_is_now(score);
        let score = self.resolve_score(item, score, now)?;
        let (member, core) = (self.member(item)?, self.clone());
        let write = self.at(now, by_clock, move |now| {
            let score = if by_clock { now } else { score };
            let args = vec![core.dedup_arg(), b"0".to_vec(), Arg::from(score).0, member];
            Exchange::new(Call::script(&ADD, core.add_keys(), args), move |reply| {
                Decoder { command: "EVALSHA" }.integer(reply).map(|_| score)
            })
        });
        Ok(self.replicated(write))
    }

    /// The keys of the [`ADD`] script: the set, its wake-up marker, the key that says
    /// a consumer waits on the marker, and the deduplication window.
    pub(super) fn add_keys(&self) -> Vec<Vec<u8>> {
        vec![
            self.name().as_bytes().to_vec(),
            companion_key(self.name(), WAKE).into_bytes(),
            companion_key(self.name(), WAITING).into_bytes(),
            self.dedup_key(),
        ]
    }

    /// Whether `add` with this explicit score (or none) scores by the clock.
    pub(super) fn score_is_now(&self, score: Option<f64>) -> bool {
        score.is_none() && self.scorer.is_none() && self.kind != Kind::Sorted
    }

    /// Removes up to `count` eligible members, lowest score first, atomically:
    /// `ZPOPMIN`, or for a scheduled set the [`POP_DUE`](super::POP_DUE) script (which
    /// waits out the original's lock when it honours it). `decode` reads the reply.
    fn removal<T, F: FnOnce(Reply) -> Result<T>>(
        &self,
        count: usize,
        now: f64,
        decode: F,
    ) -> impl Operation<Output = T> {
        match (count, self.kind) {
            (0, _) => Either::Left(Exchange::new(Call::Known(Reply::Array(Vec::new())), decode)),
            (_, Kind::Scheduled) => Either::Right(LockAware::pop_due(
                self.reader.name.clone(),
                self.original_lock.as_ref(),
                count,
                now,
                decode,
            )),
            _ => Either::Left(
                Exchange::new(
                    Call::Command(
                        Command::new("ZPOPMIN")
                            .arg(self.key())
                            .arg(redis_index(count)),
                    ),
                    decode,
                )
                .once(),
            ),
        }
    }

    /// The members in the reply to a [`removal`](Self::removal).
    fn popped(kind: Kind, reply: Reply) -> Result<Vec<Vec<u8>>> {
        match kind {
            Kind::Scheduled => Decoder { command: "EVALSHA" }.members(reply),
            _ => Ok(Decoder { command: "ZPOPMIN" }
                .pairs(reply)?
                .into_iter()
                .map(|(member, _)| member)
                .collect()),
        }
    }

    /// Atomically removes and returns the lowest-scored eligible item.
    ///
    /// [`Error::Empty`] when there is none; `Ok(None)` when the removed member failed to
    /// deserialize (it is reported to the undecodable hook).
    pub fn pop(&self, now: f64) -> impl Operation<Output = Option<S::Item>> {
        let (kind, reader, core) = (self.kind, self.reader.clone(), self.clone());
        self.at(now, self.due_by_time(), move |now| {
            core.removal(1, now, move |reply| {
                let raw = Self::popped(kind, reply)?.into_iter().next();
                Ok(reader.load(raw.ok_or_else(|| reader.empty(0))?))
            })
        })
    }

    /// Removes and returns at most `count` eligible items in score order; members that
    /// fail to deserialize are reported and left out. Up to [`TAKE_CHUNK`] items are
    /// one atomic removal; a bigger take is several, one after another, so that no
    /// single command runs long enough to outlast a client's timeout and a failure can
    /// lose at most the chunk in flight.
    pub fn take(&self, count: usize, now: f64) -> impl Operation<Output = Vec<S::Item>> {
        let core = self.clone();
        self.at(now, self.due_by_time(), move |now| TakeChunks {
            left: count,
            taken: Vec::new(),
            current: Some(core.take_chunk(count.min(TAKE_CHUNK), now)),
            make: move |n| core.take_chunk(n, now),
        })
    }

    /// One atomic removal of up to `count` items: the items, and how many members
    /// came out (undecodable ones included).
    fn take_chunk(&self, count: usize, now: f64) -> impl Operation<Output = (Vec<S::Item>, usize)> {
        let (kind, reader) = (self.kind, self.reader.clone());
        self.removal(count, now, move |reply| {
            let members = Self::popped(kind, reply)?;
            let removed = members.len();
            let items = members
                .into_iter()
                .filter_map(|raw| reader.load(raw))
                .collect();
            Ok((items, removed))
        })
    }

    /// The eligible members from `position` on, without removing them; with scores.
    /// Positions past what Redis parses (`i64::MAX`) are clamped to it: nothing is there
    /// either way, and the answer stays "empty" rather than "out of range".
    fn range(&self, position: usize, count: usize, with_scores: bool, now: f64) -> Command {
        let end = redis_index(position.saturating_add(count.saturating_sub(1)));
        let (position, count) = (redis_index(position), redis_index(count));
        let cmd = match self.kind {
            Kind::Scheduled => Command::new("ZRANGEBYSCORE")
                .arg(self.key())
                .arg("-inf")
                .arg(now),
            _ => Command::new("ZRANGE")
                .arg(self.key())
                .arg(position)
                .arg(end),
        };
        let cmd = if with_scores {
            cmd.arg("WITHSCORES")
        } else {
            cmd
        };
        match self.kind {
            Kind::Scheduled => cmd.arg("LIMIT").arg(position).arg(count),
            _ => cmd,
        }
    }

    /// The eligible item at `position` (0 = next), without removing it.
    ///
    /// [`Error::Empty`] when there is none; `Ok(None)` when it fails to deserialize.
    pub fn peek(&self, position: usize, now: f64) -> impl Operation<Output = Option<S::Item>> {
        let (reader, core) = (self.reader.clone(), self.clone());
        self.at(now, self.due_by_time(), move |now| {
            core.command(core.range(position, 1, false, now), move |d, reply| {
                let raw = d.members(reply)?.into_iter().next();
                Ok(reader.load(raw.ok_or_else(|| reader.empty(position))?))
            })
        })
    }

    /// Up to `count` eligible items from `position` on, in order, with their scores,
    /// without removing them: what the next pops would hand out. An item that fails to
    /// deserialize is listed with `item: None` (and its member).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut peek = set.peek_items(0, 2, 0.0);
    /// let Step::Send(cmd) = peek.start().unwrap() else { unreachable!() };
    /// assert_eq!(format!("{cmd:?}"), r#"["ZRANGE", "jobs", "0", "1", "WITHSCORES"]"#);
    /// let reply = Reply::Array(["a", "1", "b", "2"].map(Reply::bulk).to_vec());
    /// let Step::Done(entries) = peek.feed(reply).unwrap() else { panic!() };
    /// assert_eq!((entries[1].item.as_deref(), entries[1].score), (Some("b"), 2.0));
    /// ```
    pub fn peek_items(
        &self,
        position: usize,
        count: usize,
        now: f64,
    ) -> impl Operation<Output = Vec<Entry<S::Item>>> {
        let (reader, core) = (self.reader.clone(), self.clone());
        self.at(now, self.due_by_time(), move |now| {
            let call = match count {
                0 => Call::Known(Reply::Array(Vec::new())),
                _ => Call::Command(core.range(position, count, true, now)),
            };
            Exchange::new(call, move |reply| {
                let pairs = Decoder { command: "ZRANGE" }.pairs(reply)?;
                Ok(pairs
                    .into_iter()
                    .map(|(member, score)| Entry {
                        item: reader.loads(&member).ok(),
                        score,
                        member,
                    })
                    .collect())
            })
        })
    }

    /// The score of the next eligible item, if any.
    pub fn peek_score(&self, now: f64) -> impl Operation<Output = Option<f64>> {
        let core = self.clone();
        self.at(now, self.due_by_time(), move |now| {
            core.command(core.range(0, 1, true, now), |d, reply| {
                Ok(d.pairs(reply)?.into_iter().next().map(|(_, score)| score))
            })
        })
    }

    /// `ZSCORE`: the item's score, or `None` if it is not in the set.
    pub fn score<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = Option<f64>>>
    where
        S: Dumps<Q>,
    {
        let cmd = Command::new("ZSCORE")
            .arg(self.key())
            .arg(self.member(item)?);
        Ok(self.command(cmd, |d, reply| d.optional_score(reply)))
    }

    /// Whether the item is in the set (eligible or not).
    pub fn contains<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = bool>>
    where
        S: Dumps<Q>,
    {
        Ok(self.score(item)?.map(|score| score.is_some()))
    }

    /// `ZCARD`: how many items, eligible or not.
    pub fn len(&self) -> impl Operation<Output = u64> {
        self.command(Command::new("ZCARD").arg(self.key()), |d, reply| {
            d.count(reply)
        })
    }

    /// `ZCOUNT -inf now`: how many items are due at `now`.
    pub fn available(&self, now: f64) -> impl Operation<Output = u64> {
        let core = self.clone();
        self.at(now, true, move |now| {
            let cmd = Command::new("ZCOUNT").arg(core.key()).arg("-inf").arg(now);
            core.command(cmd, |d, reply| d.count(reply))
        })
    }

    /// Empties the set: deletes it with its leases, delivery counts and dead letters
    /// (not its fencing-token counter), in one script; true if the set existed. As the
    /// original's `DEL`, it deletes a key of another type too.
    pub fn clear(&self) -> impl Operation<Output = bool> {
        let keys = self.clear_keys();
        Exchange::new(Call::script(&CLEAR, keys, Vec::new()), |reply| {
            Decoder { command: "EVALSHA" }.flag(reply)
        })
    }

    /// `ZREM`: removes the item; true if it was there.
    pub fn discard<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = bool>>
    where
        S: Dumps<Q>,
    {
        let cmd = Command::new("ZREM").arg(self.key()).arg(self.member(item)?);
        Ok(self.command(cmd, |d, reply| d.flag(reply)))
    }
}

/// An item waiting in the set, as [`SetCore::peek_items`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// Its score.
    pub score: f64,
    member: Vec<u8>,
}

impl<T> Entry<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }
}

/// The most items one atomic removal takes: a bigger `take` is several.
pub const TAKE_CHUNK: usize = 10_000;

/// A `take` in chunks of at most [`TAKE_CHUNK`], until the count is reached or a chunk
/// comes out short (nothing more is eligible).
struct TakeChunks<T, O, M> {
    left: usize,
    taken: Vec<T>,
    current: Option<O>,
    make: M,
}

impl<T, O, M> TakeChunks<T, O, M>
where
    O: Operation<Output = (Vec<T>, usize)>,
    M: FnMut(usize) -> O,
{
    fn advance(&mut self, step: Result<Step<(Vec<T>, usize)>>) -> Result<Step<Vec<T>>> {
        match step? {
            Step::Send(cmd) => Ok(Step::Send(cmd)),
            Step::Sleep(wait) => Ok(Step::Sleep(wait)),
            Step::Done((items, removed)) => {
                let asked = self.left.min(TAKE_CHUNK);
                self.taken.extend(items);
                self.left -= removed.min(asked);
                if removed < asked || self.left == 0 {
                    self.current = None;
                    return Ok(Step::Done(std::mem::take(&mut self.taken)));
                }
                let mut next = (self.make)(self.left.min(TAKE_CHUNK));
                let step = next.start();
                self.current = Some(next);
                self.advance(step)
            }
        }
    }

    fn current(&mut self) -> Result<&mut O> {
        self.current
            .as_mut()
            .ok_or_else(|| Error::protocol("take", "fed a finished operation"))
    }
}

impl<T, O, M> Operation for TakeChunks<T, O, M>
where
    O: Operation<Output = (Vec<T>, usize)>,
    M: FnMut(usize) -> O,
{
    type Output = Vec<T>;

    fn start(&mut self) -> Result<Step<Vec<T>>> {
        let step = self.current()?.start();
        self.advance(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Vec<T>>> {
        let step = self.current()?.feed(reply);
        self.advance(step)
    }

    fn resume(&mut self, now: f64) -> Result<Step<Vec<T>>> {
        let step = self.current()?.resume(now);
        self.advance(step)
    }
}

/// A cheap copy: the serializer, scorer and hooks are shared.
impl<S: Serializer> Clone for SetCore<S> {
    fn clone(&self) -> Self {
        SetCore {
            kind: self.kind,
            reader: self.reader.clone(),
            scorer: self.scorer.clone(),
            original_lock: self.original_lock.clone(),
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            lease_keys: self.lease_keys.clone(),
        }
    }
}

impl<S: Serializer> fmt::Display for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.kind.type_name(), self.name())
    }
}

impl<S: Serializer> fmt::Debug for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(self.kind.type_name())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}
