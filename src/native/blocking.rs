//! The synchronous driver over any `redis::ConnectionLike`.

use redis::ConnectionLike;

use super::{
    retry_once, settle, to_cmd, unix_now, Reconnecting, RedisSet, Scheduled, ScheduledKind,
    SetKind, Sorted, TimeSorted,
};
use crate::core::{
    too_many_steps, Dumps, Entry, Operation, Result, Serializer, Step, Utf8, MAX_STEPS,
};

/// A blocking transport: the connection a synchronous set sends its commands on.
#[derive(Debug)]
pub struct Blocking<C>(pub C);

/// A priority set on a synchronous connection: lowest score first, default score 0.
pub type SortedSet<C, S = Utf8> = RedisSet<Sorted, Blocking<C>, S>;
/// A FIFO set on a synchronous connection: the default score is the time of `add`.
pub type TimeSortedSet<C, S = Utf8> = RedisSet<TimeSorted, Blocking<C>, S>;
/// A time-ordered set that hands out only items whose score (UNIX seconds) has come.
pub type ScheduledSet<C, S = Utf8> = RedisSet<Scheduled, Blocking<C>, S>;

impl<K: SetKind, C: ConnectionLike> RedisSet<K, Blocking<C>, Utf8> {
    /// A set of `String`s stored at the Redis key `name`.
    ///
    /// ```no_run
    /// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
    /// let jobs = redset::SortedSet::new(client.get_connection().unwrap(), "jobs");
    /// ```
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_transport(Blocking(conn), name).blocking_waits()
    }
}

impl<K: SetKind> RedisSet<K, Blocking<Reconnecting>, Utf8> {
    /// A set of `String`s stored at `name`, on a connection made from `client` that
    /// reconnects after a failure (a server restart, a dropped socket). A step that is
    /// safe to repeat (reads, `add`, `discard`, `clear`, the lease operations) is sent
    /// once more on the new connection; a `pop` or `take` whose connection failed is
    /// not repeated, and fails with [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
    ///
    /// ```no_run
    /// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
    /// let mut jobs = redset::SortedSet::from_client(client, "jobs");
    /// jobs.add("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn from_client(client: redis::Client, name: impl Into<String>) -> Self {
        Self::with_transport(Blocking(Reconnecting::new(client)), name).blocking_waits()
    }
}

#[cfg(feature = "cluster")]
impl<K: SetKind> RedisSet<K, Blocking<Reconnecting<redis::cluster::ClusterClient>>, Utf8> {
    /// A set of `String`s stored at `name` on Redis Cluster, on a cluster connection
    /// made from `client` that is made anew after a connection failure, so that it reads
    /// the slot map again and finds a promoted replica after a failover (a cluster
    /// connection kept from before can go on dialling the dead master). The same rule
    /// as [`from_client`](RedisSet::from_client) for what is sent again.
    ///
    /// ```no_run
    /// let nodes = vec!["redis://127.0.0.1:7000/", "redis://127.0.0.1:7001/"];
    /// let client = redis::cluster::ClusterClient::new(nodes).unwrap();
    /// let mut jobs = redset::SortedSet::from_cluster(client, "jobs");
    /// jobs.add("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn from_cluster(client: redis::cluster::ClusterClient, name: impl Into<String>) -> Self {
        Self::with_transport(Blocking(Reconnecting::new(client)), name).blocking_waits()
    }
}

impl<K, C, S: Serializer> RedisSet<K, Blocking<C>, S> {
    /// A synchronous set's connection is its own: its waits block in Redis.
    fn blocking_waits(mut self) -> Self {
        self.core = self.core.with_waiting(crate::core::Waiting::Blocking);
        self
    }
}

// `len` and `is_empty` talk to Redis, so both return `Result`; clippy expects `bool`.
#[allow(clippy::len_without_is_empty)]
impl<K, C: ConnectionLike, S: Serializer> RedisSet<K, Blocking<C>, S> {
    /// The connection, for other commands.
    pub fn connection(&mut self) -> &mut C {
        &mut self.transport.0
    }

    /// Gives the connection back.
    pub fn into_connection(self) -> C {
        self.transport.0
    }

    pub(super) fn run<O: Operation>(conn: &mut C, mut op: O) -> Result<O::Output> {
        let mut step = op.start()?;
        for _ in 0..MAX_STEPS {
            step = match step {
                Step::Done(output) => return Ok(output),
                Step::Send(cmd) => {
                    let name = cmd.name().to_owned();
                    let cmd = to_cmd(cmd);
                    let mut reply = conn.req_command(&cmd);
                    if retry_once(&reply, op.repeatable()) {
                        reply = conn.req_command(&cmd);
                    }
                    op.feed(settle(reply, &name, op.repeatable())?)?
                }
                Step::Sleep(wait) => {
                    if !wait.is_zero() {
                        std::thread::sleep(wait);
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
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let score = jobs.add("job-1")?; // or &String::from("job-1")
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn add<Q: ?Sized>(&mut self, item: &Q) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        Self::run(
            &mut self.transport.0,
            self.core.add(item, None, unix_now())?,
        )
    }

    /// Adds the item (or updates its score) with this score, 0 included; returns it.
    /// A NaN score is rejected with [`Error::InvalidInput`](crate::Error::InvalidInput).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// assert_eq!(jobs.add_with_score("urgent", -1.0)?, -1.0);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn add_with_score<Q: ?Sized>(&mut self, item: &Q, score: f64) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        Self::run(
            &mut self.transport.0,
            self.core.add(item, Some(score), unix_now())?,
        )
    }

    /// Atomically removes and returns the next eligible item.
    ///
    /// [`Error::Empty`](crate::Error::Empty) if there is none; `Ok(None)` if the removed
    /// item failed to deserialize (it is logged).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// match jobs.pop() {
    ///     Ok(Some(job)) => println!("working on {job}"),
    ///     Ok(None) => println!("dropped an unreadable item"),
    ///     Err(e) if e.is_empty() => println!("nothing to do"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn pop(&mut self) -> Result<Option<S::Item>> {
        Self::run(&mut self.transport.0, self.core.pop(unix_now()))
    }

    /// Atomically removes and returns at most `count` eligible items, in score order, in
    /// one round trip. Items that fail to deserialize are logged and left out.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// for job in jobs.take(100)? { println!("{job}"); }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn take(&mut self, count: usize) -> Result<Vec<S::Item>> {
        Self::run(&mut self.transport.0, self.core.take(count, unix_now()))
    }

    /// The next eligible item, without removing it.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let next = jobs.peek()?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn peek(&mut self) -> Result<Option<S::Item>> {
        self.peek_at(0)
    }

    /// The eligible item at `position` (0 is the next), without removing it;
    /// [`Error::Empty`](crate::Error::Empty) if there is none.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let third = jobs.peek_at(2)?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn peek_at(&mut self, position: usize) -> Result<Option<S::Item>> {
        Self::run(&mut self.transport.0, self.core.peek(position, unix_now()))
    }

    /// Up to `count` eligible items from `position` on, with their scores, without
    /// removing them: what the next pops would hand out (an item that fails to
    /// deserialize has `item: None`).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// for entry in jobs.peek_items(0, 10)? {
    ///     println!("{:?} at {}", entry.item, entry.score);
    /// }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn peek_items(&mut self, position: usize, count: usize) -> Result<Vec<Entry<S::Item>>> {
        Self::run(
            &mut self.transport.0,
            self.core.peek_items(position, count, unix_now()),
        )
    }

    /// The score of the next eligible item, or `None`.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// if let Some(score) = jobs.peek_score()? { println!("next at {score}"); }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn peek_score(&mut self) -> Result<Option<f64>> {
        Self::run(&mut self.transport.0, self.core.peek_score(unix_now()))
    }

    /// The item's score, or `None` if it is not in the set.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let score = jobs.score("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn score<Q: ?Sized>(&mut self, item: &Q) -> Result<Option<f64>>
    where
        S: Dumps<Q>,
    {
        Self::run(&mut self.transport.0, self.core.score(item)?)
    }

    /// Whether the item is in the set (due or not).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let queued = jobs.contains("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn contains<Q: ?Sized>(&mut self, item: &Q) -> Result<bool>
    where
        S: Dumps<Q>,
    {
        Self::run(&mut self.transport.0, self.core.contains(item)?)
    }

    /// How many items the set holds (due or not).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// println!("{} queued", jobs.len()?);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn len(&mut self) -> Result<u64> {
        Self::run(&mut self.transport.0, self.core.len())
    }

    /// Whether the set holds no item at all.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// if jobs.is_empty()? { println!("idle"); }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn is_empty(&mut self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Deletes the set; true if it existed.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// jobs.clear()?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn clear(&mut self) -> Result<bool> {
        Self::run(&mut self.transport.0, self.core.clear())
    }

    /// Removes the item; true if it was there.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let removed = jobs.discard("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn discard<Q: ?Sized>(&mut self, item: &Q) -> Result<bool>
    where
        S: Dumps<Q>,
    {
        Self::run(&mut self.transport.0, self.core.discard(item)?)
    }
}

impl<K: ScheduledKind, C: ConnectionLike, S: Serializer> RedisSet<K, Blocking<C>, S> {
    /// How many items are due now (`len` counts all of them).
    ///
    /// ```no_run
    /// # let mut retries = redset::ScheduledSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "retries");
    /// println!("{} of {} retries are due", retries.available()?, retries.len()?);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn available(&mut self) -> Result<u64> {
        Self::run(&mut self.transport.0, self.core.available(unix_now()))
    }
}
