//! The synchronous transport: a set on any `redis::ConnectionLike` (a `Connection`, a
//! cluster connection, a [`Reconnecting`] one), driven by a blocking loop.

use redis::ConnectionLike;

use super::drive::{pipelined, Drive, Next};
use super::{Reconnecting, RedisSet, Scheduled, SetKind, Sorted, TimeSorted};
use crate::core::{Operation, Result, Serializer, Utf8};

/// The synchronous transport: the connection a synchronous set sends its commands on,
/// which is its own (so its waits block in Redis on it).
#[derive(Debug)]
pub struct Synchronous<C>(pub C);

/// The synchronous transport's former name: "blocking" now means only Redis's
/// blocking commands (`BZPOPMIN`), which waits use.
#[deprecated(note = "renamed `Synchronous`")]
pub type Blocking<C> = Synchronous<C>;

/// A priority set on a synchronous connection: lowest score first, default score 0.
pub type SortedSet<C, S = Utf8> = RedisSet<Sorted, Synchronous<C>, S>;
/// A FIFO set on a synchronous connection: the default score is the time of `add`.
pub type TimeSortedSet<C, S = Utf8> = RedisSet<TimeSorted, Synchronous<C>, S>;
/// A time-ordered set that hands out only items whose score (UNIX seconds) has come.
pub type ScheduledSet<C, S = Utf8> = RedisSet<Scheduled, Synchronous<C>, S>;

impl<C: ConnectionLike> Synchronous<C> {
    /// Runs `op` to its end on this connection.
    pub(crate) fn run<O: Operation>(&mut self, op: O) -> Result<O::Output> {
        let (mut drive, mut next) = Drive::start(op)?;
        loop {
            next = match next {
                Next::Done(output) => return Ok(output),
                Next::Send(cmd, name) => {
                    let mut sent = self.0.req_command(&cmd);
                    if drive.repeats(&sent, &name) {
                        sent = self.0.req_command(&cmd);
                    }
                    drive.reply(sent, &name)?
                }
                Next::Pipeline(pipe, name) => {
                    let packed = pipe.get_packed_pipeline();
                    let mut sent = pipelined(self.0.req_packed_commands(&packed, 0, pipe.len()));
                    if drive.repeats(&sent, &name) {
                        sent = pipelined(self.0.req_packed_commands(&packed, 0, pipe.len()));
                    }
                    drive.reply(sent, &name)?
                }
                Next::Sleep(wait) => {
                    std::thread::sleep(wait);
                    drive.resume()?
                }
                Next::Now => drive.resume()?,
            }
        }
    }

    /// Runs a wait: a synchronous set's connection is its own, so as any operation.
    pub(crate) fn run_wait<O: Operation>(&mut self, op: O) -> Result<O::Output> {
        self.run(op)
    }
}

impl<K: SetKind, C: ConnectionLike> RedisSet<K, Synchronous<C>, Utf8> {
    /// A set of `String`s stored at the Redis key `name`.
    ///
    /// ```no_run
    /// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
    /// let jobs = redset::SortedSet::new(client.get_connection().unwrap(), "jobs");
    /// ```
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_transport(Synchronous(conn), name).blocking_waits()
    }
}

impl<K: SetKind> RedisSet<K, Synchronous<Reconnecting>, Utf8> {
    /// A set of `String`s stored at `name`, on a connection made from `client` that
    /// reconnects after a failure (a server restart, a dropped socket). A step that is
    /// safe to repeat (reads, `add`, `discard`, `clear`, the lease operations) is sent
    /// once more on the new connection; a `pop` or `take` whose connection failed is
    /// not repeated, and fails with [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown),
    /// as does a repeat answered with an error reply (a restarted server `LOADING`).
    ///
    /// ```no_run
    /// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
    /// let mut jobs = redset::SortedSet::from_client(client, "jobs");
    /// jobs.add("job-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn from_client(client: redis::Client, name: impl Into<String>) -> Self {
        Self::with_transport(Synchronous(Reconnecting::new(client)), name).blocking_waits()
    }
}

#[cfg(feature = "cluster")]
impl<K: SetKind> RedisSet<K, Synchronous<Reconnecting<redis::cluster::ClusterClient>>, Utf8> {
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
        Self::with_transport(Synchronous(Reconnecting::new(client)), name).blocking_waits()
    }
}

impl<K, C, S: Serializer> RedisSet<K, Synchronous<C>, S> {
    /// A synchronous set's connection is its own: its waits block in Redis.
    fn blocking_waits(mut self) -> Self {
        self.core = self.core.with_waiting(crate::core::Waiting::Blocking);
        self
    }

    /// The connection, for other commands.
    pub fn connection(&mut self) -> &mut C {
        &mut self.transport.0
    }

    /// Gives the connection back.
    pub fn into_connection(self) -> C {
        self.transport.0
    }
}
