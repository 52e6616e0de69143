//! The native driver: carries the core's commands over the `redis` crate.
//!
//! It knows nothing of set semantics: it turns [`Command`]s into `redis::Cmd`s,
//! `redis::Value`s and errors into [`Reply`]s, and reads the clock for "now".

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::{ErrorKind, RedisError, Value};

use crate::core::{Command, Error, Kind, Reply, Serializer, SetCore, Undecodable, Utf8};

#[cfg(feature = "tokio")]
pub mod aio;
mod batch;
pub(crate) mod blocking;
mod leases;
mod reconnect;
pub mod testing;
mod wait;
#[cfg(feature = "tokio")]
mod worker;

pub use wait::Consume;
#[cfg(feature = "tokio")]
pub use worker::{Processed, WorkerOptions};

pub use reconnect::{Connect, Reconnecting};

/// Marks which of the three set kinds a [`RedisSet`] is.
pub trait SetKind {
    /// The kind the core implements.
    const KIND: Kind;
}

/// Marker for [`SortedSet`](crate::SortedSet): priority order, default score 0.
#[derive(Debug)]
pub enum Sorted {}
/// Marker for [`TimeSortedSet`](crate::TimeSortedSet): FIFO by time of `add`.
#[derive(Debug)]
pub enum TimeSorted {}
/// Marker for [`ScheduledSet`](crate::ScheduledSet): only due items are handed out.
#[derive(Debug)]
pub enum Scheduled {}

impl SetKind for Sorted {
    const KIND: Kind = Kind::Sorted;
}
impl SetKind for TimeSorted {
    const KIND: Kind = Kind::TimeSorted;
}
impl SetKind for Scheduled {
    const KIND: Kind = Kind::Scheduled;
}

/// Marks a set of kind `K` that has a scorer: what [`scorer`](RedisSet::scorer) gives.
/// Its serializer can no longer change, since the scorer is typed for its items, so
/// `.scorer(f).serializer(s)` does not compile (rather than dropping the scorer):
///
/// ```compile_fail
/// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
/// let set = redset::SortedSet::new(conn, "words")
///     .scorer(|w: &String| w.len() as f64)
///     .serializer(redset::Text::<u32>::new()); // error: no `serializer` once scored
/// ```
#[derive(Debug)]
pub struct Scored<K>(PhantomData<fn() -> K>);

impl<K: SetKind> SetKind for Scored<K> {
    const KIND: Kind = K::KIND;
}

/// The scheduled kinds, with or without a scorer: what `available()` and the other
/// methods of scheduled sets alone are implemented for, so that no builder chain loses
/// them.
///
/// ```no_run
/// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
/// let mut retries = redset::ScheduledSet::new(conn, "retries").scorer(|_: &String| 3600.0);
/// let due = retries.available()?;
/// # Ok::<(), redset::Error>(())
/// ```
pub trait ScheduledKind: SetKind {}
impl ScheduledKind for Scheduled {}
impl ScheduledKind for Scored<Scheduled> {}

/// The kinds without a scorer yet, whose serializer and scorer may still be chosen.
pub trait Unscored: SetKind + sealed::Sealed {}
impl Unscored for Sorted {}
impl Unscored for TimeSorted {}
impl Unscored for Scheduled {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Sorted {}
    impl Sealed for super::TimeSorted {}
    impl Sealed for super::Scheduled {}
}

/// A set on a Redis connection: `K` is its kind, `T` the transport (a blocking
/// connection or an async one), `S` its serializer.
///
/// Use it through its aliases: [`SortedSet`](crate::SortedSet),
/// [`TimeSortedSet`](crate::TimeSortedSet), [`ScheduledSet`](crate::ScheduledSet), and
/// their async twins in `redset::aio`.
pub struct RedisSet<K, T, S: Serializer = Utf8> {
    transport: T,
    core: SetCore<S>,
    kind: PhantomData<fn() -> K>,
}

impl<K: SetKind, T> RedisSet<K, T, Utf8> {
    fn with_transport(transport: T, name: impl Into<String>) -> Self {
        RedisSet {
            transport,
            core: SetCore::new(name, K::KIND, Utf8),
            kind: PhantomData,
        }
    }
}

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
    pub fn on_undecodable(
        mut self,
        hook: impl Fn(&Undecodable<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.core = self.core.with_undecodable_hook(Arc::new(hook));
        self
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
    pub fn original_lock(mut self, honoured: bool) -> Self {
        self.core = self.core.with_original_lock(honoured);
        self
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
    pub fn lock_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.core = self.core.with_lock_timeout(timeout);
        self
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
    pub fn clock(mut self, clock: crate::core::Clock) -> Self {
        self.core = self.core.with_clock(clock);
        self
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
    pub fn dedup_window(mut self, window: std::time::Duration) -> Self {
        self.core = self.core.with_dedup_window(Some(window));
        self
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
    pub fn wait_for_replicas(mut self, replicas: u32, timeout: std::time::Duration) -> Self {
        let wait = crate::core::Replication { replicas, timeout };
        self.core = self.core.with_replication(Some(wait));
        self
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

impl<K, T, S: Serializer> fmt::Display for RedisSet<K, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.core, f)
    }
}

impl<K, T, S: Serializer> fmt::Debug for RedisSet<K, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.core, f)
    }
}

/// Seconds since the UNIX epoch: "now" for time-ordered and scheduled sets.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

pub(crate) fn to_cmd(command: Command) -> redis::Cmd {
    let mut args = command.into_args().into_iter();
    let name = String::from_utf8(args.next().unwrap_or_default()).unwrap_or_default();
    let mut cmd = redis::cmd(&name);
    for arg in args {
        cmd.arg(arg);
    }
    cmd
}

/// Whether a step's command should go once more: it is repeatable and its connection
/// failed (a connection that reconnects, such as [`Reconnecting`] or a
/// `ConnectionManager`, then carries the repeat).
pub(crate) fn retry_once(result: &redis::RedisResult<Value>, repeatable: bool) -> bool {
    repeatable && matches!(result, Err(err) if !is_error_reply(err))
}

/// The step's reply, an error reply, or its failure: a connection failure after a
/// command that must not be repeated (a pop) may have taken effect, so unless the
/// connection was refused outright it is [`Error::OutcomeUnknown`].
pub(crate) fn settle(
    result: redis::RedisResult<Value>,
    command: &str,
    repeatable: bool,
) -> Result<Reply, Error> {
    match result {
        Err(err) if !is_error_reply(&err) && !repeatable && !err.is_connection_refusal() => {
            Err(Error::OutcomeUnknown {
                command: command.to_owned(),
                source: Box::new(err),
            })
        }
        other => to_reply(other),
    }
}

/// A reply, or an error reply, from what the `redis` crate returned. Connection
/// failures stay errors.
pub(crate) fn to_reply(result: redis::RedisResult<Value>) -> Result<Reply, Error> {
    match result {
        Ok(value) => Ok(value_to_reply(value)),
        Err(err) if is_error_reply(&err) => Ok(error_reply(&err)),
        Err(err) => Err(Error::Connection(Box::new(err))),
    }
}

fn is_error_reply(err: &RedisError) -> bool {
    matches!(err.kind(), ErrorKind::Server(_) | ErrorKind::Extension) && err.code().is_some()
}

fn error_reply(err: &RedisError) -> Reply {
    let code = err.code().unwrap_or("ERR");
    Reply::Error {
        code: code.to_owned(),
        message: match err.detail() {
            Some(detail) => format!("{code} {detail}"),
            None => code.to_owned(),
        },
    }
}

/// A `redis` crate reply as the core's, for callers that drive the core themselves.
///
/// ```
/// use redset::core::Reply;
/// assert_eq!(Reply::from(redis::Value::Int(3)), Reply::Int(3));
/// ```
impl From<Value> for Reply {
    fn from(value: Value) -> Self {
        value_to_reply(value)
    }
}

fn value_to_reply(value: Value) -> Reply {
    match value {
        Value::Nil => Reply::Nil,
        Value::Int(n) => Reply::Int(n),
        Value::BulkString(bytes) => Reply::Bulk(bytes),
        Value::SimpleString(s) => Reply::Status(s),
        Value::Okay => Reply::Status("OK".to_owned()),
        Value::Double(d) => Reply::Double(d),
        Value::Boolean(b) => Reply::Bool(b),
        Value::VerbatimString { text, .. } => Reply::Bulk(text.into_bytes()),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            Reply::Array(items.into_iter().map(value_to_reply).collect())
        }
        Value::Map(pairs) => Reply::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (value_to_reply(k), value_to_reply(v)))
                .collect(),
        ),
        Value::Attribute { data, .. } => value_to_reply(*data),
        Value::ServerError(err) => error_reply(&RedisError::from(err)),
        // Big numbers and shapes added later: nothing redset sends is answered with them,
        // so the core rejects them as a protocol error.
        #[allow(unreachable_patterns)]
        other => Reply::Other(format!("{other:?}")),
    }
}
