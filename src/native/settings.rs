//! A set's settings, on any transport: serializer and scorer (in that order), the
//! report of undecodable items, the original's lock, the clock, deduplication,
//! replication, and the lease policy.

use super::prepared::Kept;
use std::marker::PhantomData;
use std::sync::Arc;

use super::kind::{Scored, Unscored};
use super::RedisSet;
use crate::core::{Backoff, LeasePolicy, Serializer, SetCore, Undecodable};

impl<K: Unscored, T, S: Serializer> RedisSet<K, T, S> {
    /// Sets how items are stored, changing the item type. Only before
    /// [`scorer`](Self::scorer), which is typed for the items it scores (the type
    /// system enforces it: see [`Scored`]).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Task { id: u64 }
    /// let tasks = redset::SortedSet::new(conn, "tasks").serializer(redset::Json::<Task>::new());
    /// ```
    pub fn serializer<S2: Serializer>(self, serializer: S2) -> RedisSet<K, T, S2> {
        RedisSet {
            transport: self.transport,
            core: self.core.with_serializer(serializer),
            kept: Kept::default(),
            kind: PhantomData,
        }
    }

    /// Sets the scorer that `add` uses when it gets no explicit score.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let by_length = redset::SortedSet::new(conn, "words").scorer(|w: &String| w.len() as f64);
    /// ```
    pub fn scorer(
        self,
        scorer: impl Fn(&S::Item) -> f64 + Send + Sync + 'static,
    ) -> RedisSet<Scored<K>, T, S> {
        RedisSet {
            transport: self.transport,
            core: self.core.with_scorer(Arc::new(scorer)),
            kept: Kept::default(),
            kind: PhantomData,
        }
    }
}

impl<K, T, S: Serializer> RedisSet<K, T, S> {
    /// Replaces the report of items that fail to deserialize (by default a `tracing`
    /// warning with the set's name and the raw bytes).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs")
    ///     .on_undecodable(|bad| eprintln!("{}: bad item {}", bad.set, bad.raw_preview()));
    /// ```
    pub fn on_undecodable(self, hook: impl Fn(&Undecodable<'_>) + Send + Sync + 'static) -> Self {
        self.reconfigure(|core| core.with_undecodable_hook(Arc::new(hook)))
    }

    /// Whether this scheduled set's `pop` and `take` honour the original Python
    /// redset's lock (`name__lock`), so that consumers of the original can share the
    /// set without an item being handed out twice. On by default; turn it off on Redis
    /// Cluster, where that key lives in another hash slot. No effect on other kinds.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let retries = redset::ScheduledSet::new(conn, "retries").original_lock(false);
    /// ```
    pub fn original_lock(self, honoured: bool) -> Self {
        self.reconfigure(|core| core.with_original_lock(honoured))
    }

    /// How long a scheduled `pop`/`take` waits for the original's lock before failing
    /// with [`Error::LockTimeout`](crate::Error::LockTimeout) (the original's
    /// `lock_timeout`; default 10 s). Zero means one try.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let retries = redset::ScheduledSet::new(conn, "retries")
    ///     .lock_timeout(std::time::Duration::from_secs(1));
    /// ```
    pub fn lock_timeout(self, timeout: std::time::Duration) -> Self {
        self.reconfigure(|core| core.with_lock_timeout(timeout))
    }

    /// Whose clock says "now": the default score of a time-ordered `add`, which
    /// items of a scheduled set are due, how long a wait sleeps. The default is this
    /// machine's clock, as in the original; [`Clock::Server`](crate::Clock::Server) asks
    /// Redis (`TIME`, one more command per operation that needs it), so producers and
    /// consumers whose clocks disagree still agree on what is due.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let retries = redset::ScheduledSet::new(conn, "retries").clock(redset::Clock::Server);
    /// ```
    pub fn clock(self, clock: crate::core::Clock) -> Self {
        self.reconfigure(|core| core.with_clock(clock))
    }

    /// Idempotent producers: `add` and `add_many` skip an item added within the last
    /// `window`, even one consumed meanwhile, so a producer that retries an add whose
    /// reply it lost (a dropped connection, a restart) does not deliver the item twice.
    /// The window lives in the companion key `{name}:dedup`, by the server's clock.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs")
    ///     .dedup_window(std::time::Duration::from_secs(300));
    /// ```
    pub fn dedup_window(self, window: std::time::Duration) -> Self {
        self.reconfigure(|core| core.with_dedup_window(Some(window)))
    }

    /// The scripts count what they do on this set — items added, claimed, acked,
    /// retried, released, dead-lettered, recovered, requeued — in the companion hash
    /// `{name}:counters`, on the server: exact across every process and runtime that
    /// counts, kept with the data, read by [`stats`](RedisSet::stats) (and `redset
    /// metrics`). Pops and takes, single commands, are not counted.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let mut jobs = redset::SortedSet::new(conn, "jobs").metrics(true);
    /// jobs.add("job-1")?;
    /// assert_eq!(jobs.stats()?.counters.unwrap().added, 1);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn metrics(self, counting: bool) -> Self {
        self.reconfigure(|core| core.with_metrics(counting))
    }

    /// Writes (`add`, `add_many`, `ack`, `retry`, `release`) wait until `replicas`
    /// replicas acknowledge them (`WAIT`, up to `timeout`), else fail with
    /// [`Error::NotReplicated`](crate::Error::NotReplicated): the write took effect on
    /// the master, but a failover now could lose it (Redis replicates asynchronously).
    /// Safe to repeat. On Redis Cluster the `redis` crate sends `WAIT` to every master
    /// and takes the least count.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs")
    ///     .wait_for_replicas(1, std::time::Duration::from_millis(100));
    /// ```
    pub fn wait_for_replicas(self, replicas: u32, timeout: std::time::Duration) -> Self {
        let wait = crate::core::Replication { replicas, timeout };
        self.reconfigure(|core| core.with_replication(Some(wait)))
    }

    /// After this many deliveries a failed or expired item goes to the dead letters
    /// instead of back to the set (default 5).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs").max_deliveries(3);
    /// ```
    pub fn max_deliveries(self, max: u32) -> Self {
        let policy = LeasePolicy {
            max_deliveries: max,
            ..self.core.lease_policy()
        };
        self.reconfigure(|core| core.with_lease_policy(policy))
    }

    /// The delays of [`retry`](RedisSet::retry): exponential with jitter and a cap
    /// (default 1 s doubling to 5 minutes).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// use std::time::Duration;
    /// let jobs = redset::SortedSet::new(conn, "jobs").backoff(redset::Backoff {
    ///     base: Duration::from_millis(200),
    ///     cap: Duration::from_secs(60),
    /// });
    /// ```
    pub fn backoff(self, backoff: Backoff) -> Self {
        let policy = LeasePolicy {
            backoff,
            ..self.core.lease_policy()
        };
        self.reconfigure(|core| core.with_lease_policy(policy))
    }

    /// The set's name: the Redis key where it is stored.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// assert_eq!(redset::SortedSet::new(conn, "jobs").name(), "jobs");
    /// ```
    pub fn name(&self) -> &str {
        self.core.name()
    }

    /// The sans-IO core behind this set.
    pub fn core(&self) -> &SetCore<S> {
        &self.core
    }
}
