//! The synchronous transport: a set on any `redis::ConnectionLike` (a `Connection`, a
//! cluster connection, a [`Reconnecting`] one), driven by a blocking loop.

use redis::ConnectionLike;

use super::convert::{pipeline_name, repeat_after};
use super::drive::{pipelined, Drive, Next};
use super::prepared::{self, AddRequest, Finished, Prepare, Request};
use super::{Reconnecting, RedisSet, Scheduled, SetKind, Sorted, TimeSorted};
use crate::core::{Dumps, Operation, Result, Serializer, SetCore, Utf8};

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
        let (drive, next) = Drive::start(op)?;
        self.drive(drive, next)
    }

    /// Runs the prepared operation of `request` (see [`prepared`](super::prepared)):
    /// its command sent (once more after a failed connection where it is repeatable)
    /// and its reply decoded, or the operation made and run where it must run.
    pub(crate) fn run_prepared<S: Serializer, O: Operation>(
        &mut self,
        mut request: Request<'_, S, O::Output, impl FnOnce(&SetCore<S>, f64) -> Result<O>>,
    ) -> Result<O::Output> {
        let ((core, _), which, now) = (request.set, request.which, request.now);
        let Some(prepared) = request.prepare() else {
            return self.run((request.make)(core, now)?);
        };
        let once;
        let packed = match &prepared {
            Prepare::Kept(carried) => &carried.packed,
            Prepare::Once(command) => {
                once = command.to_resp();
                &once
            }
        };
        let mut sent = self.0.req_packed_command(packed);
        let repeated = prepared::repeats(which, &sent);
        if repeated {
            sent = self.0.req_packed_command(packed);
        }
        match prepared::finish(&request, prepared.command(), sent, repeated)? {
            Finished::Done(output) => Ok(output),
            Finished::Run(reply) => {
                let (mut drive, next) = Drive::start((request.make)(core, now)?)?;
                let next = drive.answered(next, reply)?;
                self.drive(drive, next)
            }
        }
    }

    /// Runs `add(item, score)` at `now` prepared where the core says it is its `ZADD` and
    /// a check alone (see [`prepared`](super::prepared)): both written in one buffer and
    /// their replies decoded, with no operation made unless a consumer waits (then the
    /// add runs at the score used, with those replies as the answer to its first step,
    /// and writes the wake-up marker).
    pub(crate) fn run_add<S: Serializer + Dumps<Q>, Q: ?Sized>(
        &mut self,
        request: AddRequest<'_, S, Q>,
    ) -> Result<f64> {
        let (core, kept) = request.set;
        let add = match request.prepare()? {
            Ok(add) => add,
            Err(op) => return self.run(op),
        };
        let mut packed = add.zadd.to_resp();
        packed.extend_from_slice(&kept.add_check(core).packed);
        let mut sent = pipelined(self.0.req_packed_commands(&packed, 0, 2));
        let repeated = repeat_after(&sent, true);
        if repeated {
            sent = pipelined(self.0.req_packed_commands(&packed, 0, 2));
        }
        if let Some(replies) = prepared::added(core, sent, repeated)? {
            let (mut drive, next) = Drive::start(request.woken(&add)?)?;
            let next = drive.answered(next, replies)?;
            self.drive(drive, next)?;
        }
        Ok(add.score)
    }

    /// Carries `drive`'s commands from `next` on, to its result.
    fn drive<O: Operation>(
        &mut self,
        mut drive: Drive<O>,
        mut next: Next<O::Output>,
    ) -> Result<O::Output> {
        loop {
            next = match next {
                Next::Done(output) => return Ok(output),
                Next::Send(cmd) => {
                    // Written as bytes once: a `redis::Cmd` would be one more copy of
                    // every argument before the connection encodes it.
                    let packed = cmd.to_resp();
                    let mut sent = self.0.req_packed_command(&packed);
                    if drive.repeats(&sent, cmd.name()) {
                        sent = self.0.req_packed_command(&packed);
                    }
                    drive.reply(sent, cmd.name())?
                }
                Next::Pipeline(cmds) => {
                    let mut packed = Vec::new();
                    cmds.iter().for_each(|cmd| cmd.write_resp(&mut packed));
                    let name = pipeline_name(&cmds);
                    let mut sent = pipelined(self.0.req_packed_commands(&packed, 0, cmds.len()));
                    if drive.repeats(&sent, name) {
                        sent = pipelined(self.0.req_packed_commands(&packed, 0, cmds.len()));
                    }
                    drive.reply(sent, name)?
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
    fn blocking_waits(self) -> Self {
        self.reconfigure(|core| core.with_waiting(crate::core::Waiting::Blocking))
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
