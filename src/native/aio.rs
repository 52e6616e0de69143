//! The async driver (feature `tokio`) over any `redis::aio::ConnectionLike + Clone`,
//! such as `MultiplexedConnection` or `ConnectionManager`.
//!
//! Methods take `&self`: each call clones the connection handle, which for the
//! multiplexed connection types is cheap and lets many tasks share one set.
//!
//! ```no_run
//! # async fn demo() -> redset::Result<()> {
//! let client = redis::Client::open("redis://127.0.0.1/").unwrap();
//! let conn = client.get_multiplexed_async_connection().await.unwrap();
//! let jobs = redset::aio::SortedSet::new(conn, "jobs");
//! jobs.add("job-1").await?;
//! let job = jobs.pop().await?;
//! # Ok(()) }
//! ```

use redis::aio::ConnectionLike;

use super::{
    retry_once, settle, to_cmd, unix_now, RedisSet, Scheduled, SetKind, Sorted, TimeSorted,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;

use crate::core::{
    too_many_steps, Dumps, Entry, Error, Operation, Result, Serializer, Step, Utf8, Waiting,
    BLOCK_CAP, MAX_STEPS,
};

/// An async transport: a cloneable handle to an async connection, and the connections
/// of their own that waits block on, when the set has them (see
/// [`waits_on`](RedisSet::waits_on)).
#[derive(Debug, Clone)]
pub struct Async<C>(pub C, pub(crate) Option<Arc<WaitConnections>>);

/// Connections for blocking waits, made from a client and kept for reuse: one per wait
/// in flight, so that no wait holds up another, nor any other command.
pub(crate) struct WaitConnections {
    client: redis::Client,
    idle: Mutex<Vec<MultiplexedConnection>>,
}

impl std::fmt::Debug for WaitConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitConnections").finish_non_exhaustive()
    }
}

impl WaitConnections {
    /// An idle connection, or a new one whose reply timeout outlasts a block.
    async fn take(&self) -> Result<MultiplexedConnection> {
        if let Some(conn) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(conn);
        }
        let config = AsyncConnectionConfig::new()
            .set_response_timeout(Some(BLOCK_CAP + Duration::from_secs(5)));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| Error::Connection(Box::new(err)))
    }

    fn give_back(&self, conn: MultiplexedConnection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

/// A priority set on an async connection.
pub type SortedSet<C, S = Utf8> = RedisSet<Sorted, Async<C>, S>;
/// A FIFO set on an async connection.
pub type TimeSortedSet<C, S = Utf8> = RedisSet<TimeSorted, Async<C>, S>;
/// A scheduled set on an async connection.
pub type ScheduledSet<C, S = Utf8> = RedisSet<Scheduled, Async<C>, S>;

impl<K: SetKind, C: ConnectionLike + Clone> RedisSet<K, Async<C>, Utf8> {
    /// A set of `String`s stored at the Redis key `name`.
    ///
    /// ```no_run
    /// # async fn demo(conn: redis::aio::MultiplexedConnection) {
    /// let retries = redset::aio::ScheduledSet::new(conn, "retries");
    /// # }
    /// ```
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_transport(Async(conn, None), name)
    }
}

// `len` and `is_empty` talk to Redis, so both return `Result`; clippy expects `bool`.
#[allow(clippy::len_without_is_empty)]
impl<K, C: ConnectionLike + Clone, S: Serializer> RedisSet<K, Async<C>, S> {
    /// A handle to the connection, for other commands.
    pub fn connection(&self) -> C {
        self.transport.0.clone()
    }

    /// Waits (`pop_wait`, `take_wait`, `claim_wait`, and `consume` and `process`
    /// through them) block in Redis until an item comes, instead of polling, on
    /// connections of their own made from `client`: one per wait in flight, kept for
    /// the next. A blocking command on the set's shared connection would hold up every
    /// other command behind it, so without this the waits poll.
    ///
    /// ```no_run
    /// # async fn demo() -> redset::Result<()> {
    /// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
    /// let conn = client.get_multiplexed_async_connection().await.unwrap();
    /// let jobs = redset::aio::SortedSet::new(conn, "jobs").waits_on(client);
    /// let job = jobs.pop_wait(std::time::Duration::from_secs(30)).await?; // wakes on an add
    /// # Ok(()) }
    /// ```
    pub fn waits_on(mut self, client: redis::Client) -> Self {
        self.transport.1 = Some(Arc::new(WaitConnections {
            client,
            idle: Mutex::new(Vec::new()),
        }));
        self.core = self.core.with_waiting(Waiting::Blocking);
        self
    }

    pub(super) async fn run<O: Operation>(&self, op: O) -> Result<O::Output> {
        let mut conn = self.transport.0.clone();
        Self::run_on(&mut conn, op).await
    }

    /// Runs a wait: on a connection of its own when the set has them, else as any
    /// operation.
    pub(super) async fn run_wait<O: Operation>(&self, op: O) -> Result<O::Output> {
        let Some(waits) = &self.transport.1 else {
            return self.run(op).await;
        };
        let mut conn = waits.take().await?;
        let result = Self::run_on(&mut conn, op).await;
        // A connection that failed is dropped, not kept.
        if !matches!(
            result,
            Err(Error::Connection(_) | Error::OutcomeUnknown { .. })
        ) {
            waits.give_back(conn);
        }
        result
    }

    async fn run_on<O: Operation>(conn: &mut impl ConnectionLike, mut op: O) -> Result<O::Output> {
        let mut step = op.start()?;
        for _ in 0..MAX_STEPS {
            step = match step {
                Step::Done(output) => return Ok(output),
                Step::Send(cmd) => {
                    let name = cmd.name().to_owned();
                    let cmd = to_cmd(cmd);
                    let mut reply = conn.req_packed_command(&cmd).await;
                    if retry_once(&reply, op.repeatable()) {
                        reply = conn.req_packed_command(&cmd).await;
                    }
                    op.feed(settle(reply, &name, op.repeatable())?)?
                }
                Step::Sleep(wait) => {
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    op.resume(unix_now())?
                }
            }
        }
        match step {
            Step::Done(output) => Ok(output),
            _ => Err(too_many_steps()),
        }
    }

    /// Adds the item (or updates its score) with the scorer's score; returns it.
    /// See [`SortedSet::add`](crate::SortedSet::add).
    pub async fn add<Q: ?Sized>(&self, item: &Q) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        self.run(self.core.add(item, None, unix_now())?).await
    }

    /// Adds the item with this score, 0 included; returns it. NaN is rejected.
    pub async fn add_with_score<Q: ?Sized>(&self, item: &Q, score: f64) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        self.run(self.core.add(item, Some(score), unix_now())?)
            .await
    }

    /// Atomically removes and returns the next eligible item; `Ok(None)` if it failed
    /// to deserialize, [`Error::Empty`](crate::Error::Empty) if there is none.
    pub async fn pop(&self) -> Result<Option<S::Item>> {
        self.run(self.core.pop(unix_now())).await
    }

    /// Atomically removes and returns at most `count` eligible items in one round trip.
    pub async fn take(&self, count: usize) -> Result<Vec<S::Item>> {
        self.run(self.core.take(count, unix_now())).await
    }

    /// The next eligible item, without removing it.
    pub async fn peek(&self) -> Result<Option<S::Item>> {
        self.peek_at(0).await
    }

    /// The eligible item at `position`, without removing it.
    pub async fn peek_at(&self, position: usize) -> Result<Option<S::Item>> {
        self.run(self.core.peek(position, unix_now())).await
    }

    /// Up to `count` eligible items from `position` on, with their scores, not removed.
    /// See [`SortedSet::peek_items`](crate::SortedSet::peek_items).
    pub async fn peek_items(&self, position: usize, count: usize) -> Result<Vec<Entry<S::Item>>> {
        self.run(self.core.peek_items(position, count, unix_now()))
            .await
    }

    /// The score of the next eligible item, or `None`.
    pub async fn peek_score(&self) -> Result<Option<f64>> {
        self.run(self.core.peek_score(unix_now())).await
    }

    /// The item's score, or `None` if it is not in the set.
    pub async fn score<Q: ?Sized>(&self, item: &Q) -> Result<Option<f64>>
    where
        S: Dumps<Q>,
    {
        self.run(self.core.score(item)?).await
    }

    /// Whether the item is in the set (due or not).
    pub async fn contains<Q: ?Sized>(&self, item: &Q) -> Result<bool>
    where
        S: Dumps<Q>,
    {
        self.run(self.core.contains(item)?).await
    }

    /// How many items the set holds (due or not).
    pub async fn len(&self) -> Result<u64> {
        self.run(self.core.len()).await
    }

    /// Whether the set holds no item at all.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// Deletes the set; true if it existed.
    pub async fn clear(&self) -> Result<bool> {
        self.run(self.core.clear()).await
    }

    /// Removes the item; true if it was there.
    pub async fn discard<Q: ?Sized>(&self, item: &Q) -> Result<bool>
    where
        S: Dumps<Q>,
    {
        self.run(self.core.discard(item)?).await
    }
}

impl<K: super::ScheduledKind, C: ConnectionLike + Clone, S: Serializer> RedisSet<K, Async<C>, S> {
    /// How many items are due now (`len` counts all of them).
    pub async fn available(&self) -> Result<u64> {
        self.run(self.core.available(unix_now())).await
    }
}
