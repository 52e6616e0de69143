//! The async worker (feature `tokio`): the Rust counterpart of the Node `process()` and
//! of BullMQ's `Worker`, crash-safe through leases.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use futures_util::future::try_join_all;
use tokio::sync::watch;
use tracing::Instrument;

use super::aio::Async;
use super::{unix_now, RedisSet};
use crate::core::{BoxError, Lease, RateLimited, Result, Serializer};

/// How [`process`](RedisSet::process) runs.
///
/// ```
/// use std::time::Duration;
/// let options = redset::WorkerOptions { concurrency: 4, ..Default::default() };
/// assert_eq!(options.lease, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Handlers running at once (default 1).
    pub concurrency: usize,
    /// Each item's lease, extended every third of it while its handler runs (default
    /// 30 s).
    pub lease: Duration,
    /// After shutdown, how long running handlers may finish before they are cancelled
    /// and their items released (default 30 s).
    pub shutdown_timeout: Duration,
    /// How often a waiting worker notices shutdown (default 1 s).
    pub poll: Duration,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 1,
            lease: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
            poll: Duration::from_secs(1),
        }
    }
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Processed {
    /// Items whose handler succeeded, acked.
    pub acked: u64,
    /// Items whose handler failed, retried with the backoff (or buried after the
    /// maximum deliveries).
    pub retried: u64,
    /// Items released: their handler was still running at the shutdown deadline, or
    /// (acks claim the next item in the same round trip) they were claimed just as
    /// the shutdown began, before their handler started.
    pub released: u64,
    /// Items whose handler met an outside rate limit ([`RateLimited`]): given back
    /// uncounted, the set held for the time it asked.
    pub rate_limited: u64,
}

impl std::ops::AddAssign for Processed {
    fn add_assign(&mut self, other: Processed) {
        self.acked += other.acked;
        self.retried += other.retried;
        self.released += other.released;
        self.rate_limited += other.rate_limited;
    }
}

impl<K, C, S> RedisSet<K, Async<C>, S>
where
    C: redis::aio::ConnectionLike + Clone,
    S: Serializer + 'static,
{
    /// Runs `handler` on items as they become eligible, on leases: acks when it returns
    /// `Ok`, retries with the backoff when it returns `Err` (its message is the dead
    /// letter's reason after the maximum deliveries), and extends the lease every third
    /// of it while it runs. An `Err` that is a [`RateLimited`] (or a boxed error holding
    /// one) gives the item back uncounted and holds the whole set for its `retry_after`
    /// (see [`rate_limited`](RedisSet::rate_limited)). The worker honours the set's
    /// pause, rate limits and groups: its claims are the set's. When `shutdown` completes it stops claiming, lets running
    /// handlers finish for up to `shutdown_timeout`, then cancels them and releases
    /// their items. A failing call (a wrong key type, a lost connection) stops the
    /// worker with that error; the leases it held come back when they expire.
    ///
    /// ```no_run
    /// # async fn demo(jobs: redset::aio::SortedSet<redis::aio::ConnectionManager>) -> redset::Result<()> {
    /// let options = redset::WorkerOptions { concurrency: 4, ..Default::default() };
    /// // Any future: a signal, a channel, a timer.
    /// let shutdown = tokio::time::sleep(std::time::Duration::from_secs(60));
    /// let done = jobs
    ///     .process(|job: String| async move { println!("{job}"); Ok::<(), String>(()) }, options, shutdown)
    ///     .await?;
    /// println!("{} acked", done.acked);
    /// # Ok(()) }
    /// ```
    pub async fn process<F, Fut, E>(
        &self,
        handler: F,
        options: WorkerOptions,
        shutdown: impl Future<Output = ()>,
    ) -> Result<Processed>
    where
        F: Fn(S::Item) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: Display + 'static,
    {
        let (stop_tx, stop) = watch::channel(false);
        let (kill_tx, kill) = watch::channel(false);
        let loops = try_join_all(
            (0..options.concurrency.max(1))
                .map(|_| self.work(&handler, options, stop.clone(), kill.clone())),
        );
        tokio::pin!(loops);
        tokio::select! {
            done = &mut loops => return done.map(sum),
            () = shutdown => {}
        }
        let _ = stop_tx.send(true);
        match tokio::time::timeout(options.shutdown_timeout, &mut loops).await {
            Ok(done) => done.map(sum),
            Err(_) => {
                let _ = kill_tx.send(true);
                loops.await.map(sum)
            }
        }
    }

    /// One worker loop: claim, handle, settle, until stopped.
    async fn work<F, Fut, E>(
        &self,
        handler: &F,
        options: WorkerOptions,
        stop: watch::Receiver<bool>,
        mut kill: watch::Receiver<bool>,
    ) -> Result<Processed>
    where
        F: Fn(S::Item) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: Display + 'static,
    {
        let mut done = Processed::default();
        // The next lease, when the ack of the last one claimed it in the same round trip.
        let mut next: Option<Lease<S::Item>> = None;
        while !*stop.borrow() {
            let lease = match next.take() {
                Some(lease) => lease,
                None => {
                    let claim = self
                        .core
                        .claim_wait(1, options.lease, options.poll, unix_now());
                    let Some(lease) = self.transport.run_wait(claim).await?.pop() else {
                        continue;
                    };
                    lease
                }
            };
            // The handler gets the item; the lease keeps what settling it needs.
            let mut item = None;
            let mut held: Lease<()> = lease.map(|it| item = Some(it));
            let Some(item) = item else { continue };
            // The handler runs inside the job's span, so what it traces nests under it.
            let span = tracing::info_span!(
                target: "redset",
                "redset.job",
                redset.set = self.core.name(),
                redset.operation = "process",
                redset.token = i64::try_from(held.token).unwrap_or(i64::MAX),
                redset.deliveries = i64::from(held.deliveries),
                redset.items = 1,
                redset.outcome = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                error.message = tracing::field::Empty,
            );
            let job = handler(item).instrument(span.clone());
            tokio::pin!(job);
            let mut beat = tokio::time::interval(options.lease / 3);
            beat.tick().await; // the first tick is at once
            let outcome = loop {
                tokio::select! {
                    outcome = &mut job => break Some(outcome),
                    _ = beat.tick() => {
                        match self.transport.run(self.core.extend(&held, options.lease)).await {
                            Ok(deadline) => held.set_deadline_ms(deadline),
                            Err(e) if e.is_lease_lost() => {}
                            Err(e) => return Err(e),
                        }
                    }
                    _ = kill.changed() => break None,
                }
            };
            let settling = match &outcome {
                Some(Ok(())) => "acked",
                Some(Err(e)) => {
                    span.record("otel.status_code", "ERROR");
                    span.record("error.message", tracing::field::display(e));
                    "retried"
                }
                None => "released",
            };
            let settled = match outcome {
                Some(Ok(())) if !*stop.borrow() => {
                    let acked = std::slice::from_ref(&held);
                    let claim = self.core.ack_and_claim(acked, 1, options.lease, unix_now());
                    self.transport.run(claim).await.map(|mut leases| {
                        done.acked += 1;
                        next = leases.pop();
                    })
                }
                Some(Ok(())) => self
                    .transport
                    .run(self.core.ack(std::slice::from_ref(&held)))
                    .await
                    .map(|()| done.acked += 1),
                Some(Err(e)) => match rate_limited(&e) {
                    Some(limited) => self
                        .transport
                        .run(self.core.rate_limited(&held, limited.retry_after))
                        .await
                        .map(|_| done.rate_limited += 1),
                    None => self
                        .transport
                        .run(self.core.retry(&held, None, &e.to_string()))
                        .await
                        .map(|_| done.retried += 1),
                },
                None => self
                    .transport
                    .run(self.core.release(&held))
                    .await
                    .map(|_| done.released += 1),
            };
            span.record(
                "redset.outcome",
                match &settled {
                    Ok(()) => settling,
                    Err(e) => super::trace::outcome(e),
                },
            );
            match settled {
                Err(e) if !e.is_lease_lost() => return Err(e),
                _ => {}
            }
        }
        // Claimed with the last ack, but stopped before its turn: back at once.
        if let Some(lease) = next {
            match self.transport.run(self.core.release(&lease)).await {
                Ok(_) => done.released += 1,
                Err(e) if e.is_lease_lost() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// The [`RateLimited`] a handler's error is, or holds (boxed).
fn rate_limited<E: 'static>(error: &E) -> Option<RateLimited> {
    let any: &dyn std::any::Any = error;
    if let Some(limited) = any.downcast_ref::<RateLimited>() {
        return Some(*limited);
    }
    let boxed = any.downcast_ref::<BoxError>()?;
    boxed.downcast_ref::<RateLimited>().copied()
}

fn sum(parts: Vec<Processed>) -> Processed {
    let mut total = Processed::default();
    for part in parts {
        total += part;
    }
    total
}
