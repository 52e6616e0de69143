//! A set without a connection: what it is (name, kind, serializer, scorer) and its
//! settings for every capability, and every operation on it as an [`Operation`].
//!
//! This is the top of the core: it holds each capability's settings and hands each
//! operation to the capability that builds it (the document's operations are here, in
//! one file per group; leases in `lease`, waits in `wait`, counts in `stats`). No
//! capability imports it back.

mod add;
mod add_many;
mod clear;
mod leases;
mod pop;
mod read;
mod stats;
mod waits;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::clock::{Clock, Clocked};
use super::kind::Kind;
use super::lease::{LeasePolicy, Leases};
use super::operation::Operation;
use super::original_lock::{OriginalLock, DEFAULT_LOCK_TIMEOUT};
use super::protocol::{Error, Result};
use super::replication::{Replicated, Replication};
use super::schema::{Keys, ORIGINAL_LOCK, SET};
use super::serializer::{Dumps, Serializer};
use super::target::{log_undecodable, Target, UndecodableHook};
use super::wait::Waiting;

pub use add::ADD;
pub use add_many::{AddCondition, AddMany, AddOptions, ADD_MANY_CHUNK};
pub use clear::CLEAR;
pub use pop::POP_DUE;
pub use pop::TAKE_CHUNK;
pub use read::Entry;

/// The set's own scripts with their `KEYS` by role, for the tests of every script's
/// header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static super::protocol::Script, Vec<&'static str>)> {
    use super::schema::{ADD_KEYS, CLEAR_KEYS, ORIGINAL_LOCK, POP_DUE_KEYS};
    vec![
        (&*ADD, ADD_KEYS.to_vec()),
        (&*CLEAR, CLEAR_KEYS.to_vec()),
        (&*POP_DUE, [POP_DUE_KEYS, &[ORIGINAL_LOCK]].concat()),
    ]
}

/// A scorer: gives an item its score when `add` is called without one.
pub type Scorer<T> = Arc<dyn Fn(&T) -> f64 + Send + Sync>;

/// Everything a set is, without a connection: name, kind, serializer, scorer, and the
/// settings of each capability.
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
    target: Target<S>,
    scorer: Option<Scorer<S::Item>>,
    original_lock: Option<OriginalLock>,
    lease_policy: LeasePolicy,
    clock: Clock,
    waiting: Waiting,
    /// The deduplication window of adds (see the `dedup` module).
    dedup: Option<Duration>,
    /// What writes wait for (see the `replication` module).
    replication: Option<Replication>,
    /// Whether the scripts count what they do (see [`with_metrics`](Self::with_metrics)).
    metrics: bool,
}

impl<S: Serializer> SetCore<S> {
    /// A set of the given kind, stored at the Redis key `name`.
    ///
    /// A scheduled set honours the original Python redset's lock by default (see
    /// [`with_original_lock`](Self::with_original_lock)).
    pub fn new(name: impl Into<String>, kind: Kind, serializer: S) -> Self {
        let name: Arc<str> = Arc::from(name.into());
        let keys = Arc::new(Keys::new(&name));
        let original_lock = kind
            .due_by_time()
            .then(|| OriginalLock::new(keys.get(ORIGINAL_LOCK).to_vec(), DEFAULT_LOCK_TIMEOUT));
        SetCore {
            target: Target {
                name,
                kind,
                keys,
                serializer: Arc::new(serializer),
                on_undecodable: Arc::new(log_undecodable),
            },
            original_lock,
            scorer: None,
            lease_policy: LeasePolicy::default(),
            clock: Clock::Client,
            waiting: Waiting::Polling,
            dedup: None,
            replication: None,
            metrics: false,
        }
    }

    /// The set's name, which is also its Redis key.
    pub fn name(&self) -> &str {
        &self.target.name
    }

    /// The set's kind.
    pub fn kind(&self) -> Kind {
        self.target.kind
    }

    /// Replaces the scorer used by `add` without an explicit score.
    pub fn with_scorer(mut self, scorer: Scorer<S::Item>) -> Self {
        self.scorer = Some(scorer);
        self
    }

    /// Replaces what happens to members that fail to deserialize (default: a
    /// `tracing` warning naming the set and showing the raw bytes).
    pub fn with_undecodable_hook(mut self, hook: UndecodableHook) -> Self {
        self.target.on_undecodable = hook;
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
        let timeout = self.lock_timeout().unwrap_or(DEFAULT_LOCK_TIMEOUT);
        let key = self.target.keys.get(ORIGINAL_LOCK).to_vec();
        self.original_lock =
            (honoured && self.kind().due_by_time()).then(|| OriginalLock::new(key, timeout));
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

    /// Whether pops honour the original's lock (see
    /// [`with_original_lock`](Self::with_original_lock)).
    pub fn honours_original_lock(&self) -> bool {
        self.original_lock.is_some()
    }

    /// How long pops wait for the original's lock, when they honour it.
    pub fn lock_timeout(&self) -> Option<Duration> {
        self.original_lock.as_ref().map(|lock| lock.timeout)
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

    /// Adds skip any member added within the last `window` (`None`: no window, the
    /// default), even if it was consumed meanwhile. `add` still gives the score it
    /// would have used; `add_many` counts only what it added. See the `dedup` module.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8)
    ///     .with_dedup_window(Some(Duration::from_secs(300)));
    /// assert_eq!(set.dedup_window(), Some(Duration::from_secs(300)));
    /// ```
    pub fn with_dedup_window(mut self, window: Option<Duration>) -> Self {
        self.dedup = window.filter(|w| !w.is_zero());
        self
    }

    /// The deduplication window of adds, if any.
    pub fn dedup_window(&self) -> Option<Duration> {
        self.dedup
    }

    /// Writes (`add`, `add_many`, `ack`, `retry`, `release`) wait for `replication`'s
    /// replicas to acknowledge them, or fail with [`Error::NotReplicated`]; `None` (the
    /// default) does not wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, Replication, SetCore};
    /// let wait = Replication { replicas: 1, timeout: Duration::from_millis(100) };
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_replication(Some(wait));
    /// assert_eq!(set.replication(), Some(wait));
    /// ```
    pub fn with_replication(mut self, replication: Option<Replication>) -> Self {
        self.replication = replication;
        self
    }

    /// What writes wait for, if anything.
    pub fn replication(&self) -> Option<Replication> {
        self.replication
    }

    /// Whether the scripts count what they do on this set — items added, claimed,
    /// acked, retried, released, dead-lettered, recovered and requeued — in the
    /// companion hash [`COUNTERS`](crate::core::COUNTERS), on the server, so the counts
    /// are exact across every process and runtime that counts, and kept with the data.
    /// `stats()` reads them. Pops and takes (single commands) are not counted.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_metrics(true);
    /// let mut ack = set.recover();
    /// let Step::Send(cmd) = ack.start().unwrap() else { panic!() };
    /// assert_eq!(cmd.args()[3 + 10], b"m"); // after the script, the key count and KEYS
    /// ```
    pub fn with_metrics(mut self, counting: bool) -> Self {
        self.metrics = counting;
        self
    }

    /// Whether the scripts count what they do on this set.
    pub fn metrics(&self) -> bool {
        self.metrics
    }

    /// `ARGV[1]` of the lease and add scripts: the set's options, a word of letters
    /// ("m": count).
    fn script_options(&self) -> Vec<u8> {
        if self.metrics {
            b"m".to_vec()
        } else {
            Vec::new()
        }
    }

    /// The companion keys this set uses, by role (`leases`, `lease-records`,
    /// `deliveries`, `fence`, `dead`, `dead-records`, `wake`, `waiting`, `dedup`): all in
    /// the set's Cluster slot.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// assert_eq!(set.companion_keys()[0], ("leases", "{jobs}:leases".to_string()));
    /// ```
    pub fn companion_keys(&self) -> Vec<(&'static str, String)> {
        self.target.keys.companions()
    }

    /// Swaps the serializer. The scorer, typed for the old items, is dropped.
    pub fn with_serializer<S2: Serializer>(self, serializer: S2) -> SetCore<S2> {
        SetCore {
            target: Target {
                name: self.target.name,
                kind: self.target.kind,
                keys: self.target.keys,
                serializer: Arc::new(serializer),
                on_undecodable: self.target.on_undecodable,
            },
            scorer: None,
            original_lock: self.original_lock,
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            metrics: self.metrics,
        }
    }

    /// `make(now)` with "now" by this set's clock: the caller's `now`, or the server's
    /// time when the set runs on it and `needs_now`.
    fn at<O: Operation, M: FnOnce(f64) -> O>(
        &self,
        now: f64,
        needs_now: bool,
        make: M,
    ) -> Clocked<O, M> {
        Clocked::new(self.clock, needs_now, now, make)
    }

    /// `op`, then `WAIT` if the set asks for replicas.
    fn replicated<O: Operation>(&self, op: O) -> Replicated<O> {
        Replicated::new(op, self.replication, self.target.keys.get(SET))
    }

    /// What the lease operations need of this set.
    fn leases(&self) -> Leases<S> {
        Leases {
            target: self.target.clone(),
            policy: self.lease_policy,
            lock: self.original_lock.clone(),
            replication: self.replication,
            clock: self.clock,
            options: self.script_options(),
        }
    }

    /// The member an item is stored as.
    fn member<Q: ?Sized>(&self, item: &Q) -> Result<Vec<u8>>
    where
        S: Dumps<Q>,
    {
        self.target
            .serializer
            .dumps_ref(item)
            .map_err(Error::Serializer)
    }
}

/// A cheap copy: the serializer, scorer and hooks are shared.
impl<S: Serializer> Clone for SetCore<S> {
    fn clone(&self) -> Self {
        SetCore {
            target: self.target.clone(),
            scorer: self.scorer.clone(),
            original_lock: self.original_lock.clone(),
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            metrics: self.metrics,
        }
    }
}

impl<S: Serializer> fmt::Display for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.kind().type_name(), self.name())
    }
}

impl<S: Serializer> fmt::Debug for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(self.kind().type_name())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}
