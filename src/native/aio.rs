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

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::AsyncConnectionConfig;

use super::convert::{pipeline_name, repeat_after, to_cmd};
use super::drive::{pipelined, Drive, Next};
use super::prepared::{self, AddRequest, Finished, Prepare, Request};
use super::{RedisSet, Scheduled, SetKind, Sorted, TimeSorted};
use crate::core::{Dumps, Error, Operation, Result, Serializer, SetCore, Utf8, Waiting, BLOCK_CAP};

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
        self.reconfigure(|core| core.with_waiting(Waiting::Blocking))
    }
}

impl<C: ConnectionLike + Clone> Async<C> {
    /// Runs `op` to its end on a clone of the shared connection.
    pub(crate) async fn run<O: Operation>(&self, op: O) -> Result<O::Output> {
        run_on(&mut self.0.clone(), op).await
    }

    /// Runs the prepared operation of `request` as the sync driver's
    /// [`run_prepared`](super::Synchronous::run_prepared) does.
    ///
    /// Where the operation itself runs instead, its future is boxed here and in
    /// [`run_add`](Self::run_add): inline, its state made every call's future several
    /// KB (an add's 4.4 KB, 1.6 KB boxed), copied as each call's future is built.
    pub(crate) async fn run_prepared<S: Serializer, O: Operation>(
        &self,
        mut request: Request<'_, S, O::Output, impl FnOnce(&SetCore<S>, f64) -> Result<O>>,
    ) -> Result<O::Output> {
        let ((core, _), which, now) = (request.set, request.which, request.now);
        let Some(prepared) = request.prepare() else {
            return Box::pin(self.run((request.make)(core, now)?)).await;
        };
        let once;
        let cmd = match &prepared {
            Prepare::Kept(carried) => &carried.cmd,
            Prepare::Once(command) => {
                once = to_cmd(command);
                &once
            }
        };
        let mut conn = self.0.clone();
        let mut sent = conn.req_packed_command(cmd).await;
        let repeated = prepared::repeats(which, &sent);
        if repeated {
            sent = conn.req_packed_command(cmd).await;
        }
        match prepared::finish(&request, prepared.command(), sent, repeated)? {
            Finished::Done(output) => Ok(output),
            Finished::Run(reply) => {
                let (mut drive, next) = Drive::start((request.make)(core, now)?)?;
                let next = drive.answered(next, reply)?;
                Box::pin(drive_on(&mut conn, drive, next)).await
            }
        }
    }

    /// Runs `add(item, score)` at `now` as the sync driver's
    /// [`run_add`](super::Synchronous::run_add) does.
    pub(crate) async fn run_add<S: Serializer + Dumps<Q>, Q: ?Sized>(
        &self,
        request: AddRequest<'_, S, Q>,
    ) -> Result<f64> {
        let (core, kept) = request.set;
        let add = match request.prepare()? {
            Ok(add) => add,
            Err(op) => return Box::pin(self.run(op)).await,
        };
        let mut pipe = redis::Pipeline::with_capacity(2);
        pipe.add_command(to_cmd(&add.zadd))
            .add_command(kept.add_check(core).cmd.clone());
        let mut conn = self.0.clone();
        let mut sent = pipelined(conn.req_packed_commands(&pipe, 0, 2).await);
        let repeated = repeat_after(&sent, true);
        if repeated {
            sent = pipelined(conn.req_packed_commands(&pipe, 0, 2).await);
        }
        if let Some(replies) = prepared::added(core, sent, repeated)? {
            let (mut drive, next) = Drive::start(request.woken(&add)?)?;
            let next = drive.answered(next, replies)?;
            Box::pin(drive_on(&mut conn, drive, next)).await?;
        }
        Ok(add.score)
    }

    /// Runs a wait: on a connection of its own when the set has them, else as any
    /// operation.
    pub(crate) async fn run_wait<O: Operation>(&self, op: O) -> Result<O::Output> {
        let Some(waits) = &self.1 else {
            return self.run(op).await;
        };
        let mut conn = waits.take().await?;
        let result = run_on(&mut conn, op).await;
        // A connection that failed is dropped, not kept.
        if !matches!(
            result,
            Err(Error::Connection(_) | Error::OutcomeUnknown { .. })
        ) {
            waits.give_back(conn);
        }
        result
    }
}

async fn run_on<O: Operation>(conn: &mut impl ConnectionLike, op: O) -> Result<O::Output> {
    let (drive, next) = Drive::start(op)?;
    drive_on(conn, drive, next).await
}

/// Carries `drive`'s commands from `next` on, to its result.
async fn drive_on<O: Operation>(
    conn: &mut impl ConnectionLike,
    mut drive: Drive<O>,
    mut next: Next<O::Output>,
) -> Result<O::Output> {
    loop {
        next = match next {
            Next::Done(output) => return Ok(output),
            Next::Send(command) => {
                let cmd = to_cmd(&command);
                let mut sent = conn.req_packed_command(&cmd).await;
                if drive.repeats(&sent, command.name()) {
                    sent = conn.req_packed_command(&cmd).await;
                }
                drive.reply(sent, command.name())?
            }
            Next::Pipeline(commands) => {
                let mut pipe = redis::Pipeline::with_capacity(commands.len());
                for cmd in &commands {
                    pipe.add_command(to_cmd(cmd));
                }
                let name = pipeline_name(&commands);
                let mut sent = pipelined(conn.req_packed_commands(&pipe, 0, pipe.len()).await);
                if drive.repeats(&sent, name) {
                    sent = pipelined(conn.req_packed_commands(&pipe, 0, pipe.len()).await);
                }
                drive.reply(sent, name)?
            }
            Next::Sleep(wait) => {
                tokio::time::sleep(wait).await;
                drive.resume()?
            }
            Next::Now => drive.resume()?,
        }
    }
}
