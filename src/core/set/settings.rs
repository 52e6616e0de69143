//! A set's settings for each capability: the builder methods of [`SetCore`] and what
//! they set (flow control's are in `flow`).

use std::time::Duration;

use super::{Scorer, SetCore};
use crate::core::clock::Clock;
use crate::core::lease::LeasePolicy;
use crate::core::original_lock::{OriginalLock, DEFAULT_LOCK_TIMEOUT};
use crate::core::replication::Replication;
use crate::core::schema::ORIGINAL_LOCK;
use crate::core::serializer::Serializer;
use crate::core::target::UndecodableHook;
use crate::core::wait::Waiting;

impl<S: Serializer> SetCore<S> {
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
    /// [`Error::LockTimeout`](crate::Error::LockTimeout) (the original's `lock_timeout`; default 10 s). Zero
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
    /// replicas to acknowledge them, or fail with [`Error::NotReplicated`](crate::Error::NotReplicated); `None` (the
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
    /// assert_eq!(cmd.args()[3 + 19], b"m"); // after the script, the key count and KEYS
    /// ```
    pub fn with_metrics(mut self, counting: bool) -> Self {
        self.metrics = counting;
        self
    }

    /// Whether the scripts count what they do on this set.
    pub fn metrics(&self) -> bool {
        self.metrics
    }
}
