//! The async worker (feature `tokio`): the Rust counterpart of the Node `process()` and
//! of BullMQ's `Worker`, crash-safe through leases.

use std::collections::VecDeque;
use std::fmt::Display;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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
/// // Up to 8 × 4 claimed leases held not yet started, while handlers are quick.
/// assert_eq!(options.prefetch, None);
/// let one_at_a_time = redset::WorkerOptions { prefetch: Some(0), ..options };
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
    /// At most how many claimed leases the worker holds not yet started (`None`: 8 ×
    /// `concurrency`; `Some(0)`: none), as RabbitMQ's prefetch or SQS's
    /// batch receive bound it. Each loop holds its share, claims it with the ack of
    /// the jobs it finished (one round trip for several jobs, their acks deferred to
    /// it), and extends it with the same heartbeat as running leases; an empty-handed
    /// loop takes from a sibling's before it claims. It prefetches
    /// only while its recent handler time times its share stays under 1% of the
    /// lease, so slow handlers hold nothing others could run; a claim that comes back
    /// short while leases are held asks whether the set is paused, and if so gives
    /// them back at once. At shutdown held leases are released (counted in
    /// [`Processed::released`]); a killed worker's come back when they expire.
    pub prefetch: Option<usize>,
}

impl WorkerOptions {
    /// Each loop's share of `prefetch`.
    fn shares(&self) -> impl Iterator<Item = usize> {
        let loops = self.concurrency.max(1);
        let prefetch = self.prefetch.unwrap_or(8 * loops);
        (0..loops).map(move |i| prefetch / loops + usize::from(i < prefetch % loops))
    }
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            concurrency: 1,
            lease: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            prefetch: None,
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
    /// they were claimed but not started (prefetched, or claimed with the last ack)
    /// when the shutdown began or the set was paused.
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
        let held: Vec<Held<S::Item>> = options.shares().map(Held::new).collect();
        let loops = try_join_all(
            (0..held.len())
                .map(|me| self.work(&handler, options, &held, me, stop.clone(), kill.clone())),
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

    /// One worker loop (`held[me]` its hands): claim, handle, settle, until stopped. It
    /// holds up to its share of claimed leases beyond the one it runs (while its
    /// handlers are quick, see [`WorkerOptions::prefetch`]), takes from a sibling's
    /// when its hands are empty, and acks what it finished with its next claim.
    async fn work<F, Fut, E>(
        &self,
        handler: &F,
        options: WorkerOptions,
        held: &[Held<S::Item>],
        me: usize,
        stop: watch::Receiver<bool>,
        mut kill: watch::Receiver<bool>,
    ) -> Result<Processed>
    where
        F: Fn(S::Item) -> Fut,
        Fut: Future<Output = std::result::Result<(), E>>,
        E: Display + 'static,
    {
        let mut done = Processed::default();
        let mut hands = Hands::new(held, me, options.lease);
        // One heartbeat for every lease the loop holds: running, held, or finished.
        let mut beat = tokio::time::interval(options.lease / 3);
        beat.tick().await; // the first tick is at once
        while !*stop.borrow() {
            let Some(lease) = hands.next() else {
                let wanted = hands.wanted();
                let claimed = self.settle(&mut hands.finished, wanted, options, &mut done);
                let claimed = claimed.await?;
                hands.hold(claimed);
                continue;
            };
            // The handler gets the item; the lease keeps what settling it needs.
            let mut item = None;
            let mut running: Lease<()> = lease.map(|it| item = Some(it));
            let Some(item) = item else { continue };
            // The handler runs inside the job's span, so what it traces nests under it.
            let span = tracing::info_span!(
                target: "redset",
                "redset.job",
                redset.set = self.core.name(),
                redset.operation = "process",
                redset.token = i64::try_from(running.token).unwrap_or(i64::MAX),
                redset.deliveries = i64::from(running.deliveries),
                redset.items = 1,
                redset.outcome = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                error.message = tracing::field::Empty,
            );
            let started = Instant::now();
            let job = handler(item).instrument(span.clone());
            tokio::pin!(job);
            let outcome = loop {
                tokio::select! {
                    outcome = &mut job => break Some(outcome),
                    _ = beat.tick() => {
                        self.extend_held(&mut running, &mut hands, options.lease).await?;
                    }
                    _ = kill.changed() => break None,
                }
            };
            hands.handled(started.elapsed());
            let settled = match outcome {
                Some(Ok(())) => {
                    hands.finished.push((running, span));
                    let holding = hands.held();
                    if holding > hands.low || *stop.borrow() || hands.helping(holding) {
                        continue;
                    }
                    let count = hands.wanted().saturating_sub(holding);
                    let claimed = self.settle(&mut hands.finished, count, options, &mut done);
                    let claimed = claimed.await?;
                    let short = claimed.len() < count && hands.any_held();
                    hands.hold(claimed);
                    if short && self.transport.run(self.core.is_paused()).await? {
                        // Paused: what the worker holds but has not started goes back now.
                        done.released += self.release_all(hands.take_all()).await?;
                    }
                    continue;
                }
                Some(Err(e)) => {
                    span.record("otel.status_code", "ERROR");
                    span.record("error.message", tracing::field::display(&e));
                    match rate_limited(&e) {
                        Some(limited) => self
                            .transport
                            .run(self.core.rate_limited(&running, limited.retry_after))
                            .await
                            .map(|_| done.rate_limited += 1)
                            .map(|()| "rate_limited"),
                        None => self
                            .transport
                            .run(self.core.retry(&running, None, &e.to_string()))
                            .await
                            .map(|_| done.retried += 1)
                            .map(|()| "retried"),
                    }
                }
                None => self
                    .transport
                    .run(self.core.release(&running))
                    .await
                    .map(|_| done.released += 1)
                    .map(|()| "released"),
            };
            span.record(
                "redset.outcome",
                match &settled {
                    Ok(outcome) => outcome,
                    Err(e) => super::trace::outcome(e),
                },
            );
            match settled {
                Err(e) if !e.is_lease_lost() => return Err(e),
                _ => {}
            }
        }
        // Stopped: ack what finished, and give back what was claimed but not started.
        self.settle(&mut hands.finished, 0, options, &mut done)
            .await?;
        done.released += self.release_all(hands.take_own()).await?;
        Ok(done)
    }

    /// Acks `finished` and claims up to `count` more in one round trip (with nothing to
    /// ack, a claim that waits; with nothing to claim, an ack). Each job's span gets its
    /// outcome; a lease lost meanwhile fails only its own job.
    async fn settle(
        &self,
        finished: &mut Vec<(Lease<()>, tracing::Span)>,
        count: usize,
        options: WorkerOptions,
        done: &mut Processed,
    ) -> Result<Vec<Lease<S::Item>>> {
        let jobs = std::mem::take(finished);
        let leases: Vec<Lease<()>> = jobs.iter().map(|(lease, _)| lease.clone()).collect();
        let now = unix_now();
        let settled = match (leases.is_empty(), count) {
            (true, 0) => return Ok(Vec::new()),
            (true, _) => {
                let claim = self
                    .core
                    .claim_wait(count, options.lease, options.poll, now);
                return self.transport.run_wait(claim).await;
            }
            (false, 0) => self
                .transport
                .run(self.core.ack(&leases))
                .await
                .map(|()| Vec::new()),
            (false, _) => {
                let claim = self.core.ack_and_claim(&leases, count, options.lease, now);
                self.transport.run(claim).await
            }
        };
        let (claimed, lost) = match settled {
            Ok(claimed) => (claimed, Vec::new()),
            Err(crate::Error::LeaseLost { tokens, .. }) => (Vec::new(), tokens),
            Err(e) => return Err(e),
        };
        for (lease, span) in jobs {
            let outcome = if lost.contains(&lease.token) {
                "lease_lost"
            } else {
                done.acked += 1;
                "acked"
            };
            span.record("redset.outcome", outcome);
        }
        Ok(claimed)
    }

    /// Extends the running lease and every lease the loop holds; drops held ones that
    /// another worker has now (they expired).
    async fn extend_held(
        &self,
        running: &mut Lease<()>,
        hands: &mut Hands<'_, S::Item>,
        by: Duration,
    ) -> Result<()> {
        self.extend_one(running, by).await?;
        for (lease, _) in &mut hands.finished {
            self.extend_one(lease, by).await?;
        }
        let mut kept = Vec::new();
        for mut lease in hands.take_own() {
            if self.extend_one(&mut lease, by).await? {
                kept.push(lease);
            }
        }
        hands.hold_first(kept);
        Ok(())
    }

    /// Extends one lease; false if it is no longer held.
    async fn extend_one<T>(&self, lease: &mut Lease<T>, by: Duration) -> Result<bool> {
        match self.transport.run(self.core.extend(lease, by)).await {
            Ok(deadline) => lease.set_deadline_ms(deadline),
            Err(e) if e.is_lease_lost() => return Ok(false),
            Err(e) => return Err(e),
        }
        Ok(true)
    }

    /// Gives leases back at once, uncounted; how many were still held.
    async fn release_all(&self, leases: Vec<Lease<S::Item>>) -> Result<u64> {
        let mut released = 0;
        for lease in leases {
            match self.transport.run(self.core.release(&lease)).await {
                Ok(_) => released += 1,
                Err(e) if e.is_lease_lost() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }
}

/// One loop's claimed-but-not-started leases, and its share of the prefetch.
struct Held<T> {
    leases: Mutex<VecDeque<Lease<T>>>,
    share: usize,
}

impl<T> Held<T> {
    fn new(share: usize) -> Self {
        Held {
            leases: Mutex::new(VecDeque::new()),
            share,
        }
    }

    /// Never held across an await; a poisoned lock still holds the leases.
    fn lock(&self) -> MutexGuard<'_, VecDeque<Lease<T>>> {
        self.leases.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one worker loop holds besides the job it runs, and how much it wants to hold.
struct Hands<'a, T> {
    /// Every loop's held leases; this loop's are `all[me]`.
    all: &'a [Held<T>],
    me: usize,
    /// Handled, waiting to be acked with the next claim (each with its job's span).
    finished: Vec<(Lease<()>, tracing::Span)>,
    /// Settle once this loop holds this many or fewer, so a claim that comes back
    /// short while leases are held can tell a pause.
    low: usize,
    /// The lease; prefetching stops once `share` recent handler times pass 1% of it.
    lease: Duration,
    /// Moving average of handler times (seconds); none until one has run.
    recent: Option<f64>,
}

impl<'a, T> Hands<'a, T> {
    fn new(all: &'a [Held<T>], me: usize, lease: Duration) -> Self {
        Hands {
            all,
            me,
            finished: Vec::new(),
            low: all[me].share / 4,
            lease,
            recent: None,
        }
    }

    /// The next lease to run: this loop's first, else the last a sibling holds, so no
    /// job waits in one loop's hands while another loop idles.
    fn next(&self) -> Option<Lease<T>> {
        if let Some(lease) = self.all[self.me].lock().pop_front() {
            return Some(lease);
        }
        let richest = self.all.iter().max_by_key(|held| held.lock().len())?;
        richest.lock().pop_back()
    }

    fn held(&self) -> usize {
        self.all[self.me].lock().len()
    }

    /// Empty-handed while a sibling holds plenty: help it first, the acks kept for one
    /// settle (at most a share's worth), as the sibling's own batch would be.
    fn helping(&self, holding: usize) -> bool {
        holding == 0
            && self.finished.len() <= self.all[self.me].share
            && self.all.iter().any(|held| held.lock().len() > self.low)
    }

    fn any_held(&self) -> bool {
        self.all.iter().any(|held| !held.lock().is_empty())
    }

    fn hold(&self, leases: Vec<Lease<T>>) {
        self.all[self.me].lock().extend(leases);
    }

    /// Puts leases back at the front, in order.
    fn hold_first(&self, leases: Vec<Lease<T>>) {
        let mut held = self.all[self.me].lock();
        for lease in leases.into_iter().rev() {
            held.push_front(lease);
        }
    }

    fn take_own(&self) -> Vec<Lease<T>> {
        self.all[self.me].lock().drain(..).collect()
    }

    fn take_all(&self) -> Vec<Lease<T>> {
        let all = self.all.iter();
        all.flat_map(|held| held.lock().drain(..).collect::<Vec<_>>())
            .collect()
    }

    fn handled(&mut self, took: Duration) {
        let took = took.as_secs_f64();
        self.recent = Some(match self.recent {
            Some(recent) => recent + RECENT_WEIGHT * (took - recent),
            None => took,
        });
    }

    /// One to run, plus the share while handlers are quick against the lease.
    fn wanted(&self) -> usize {
        let share = self.all[self.me].share;
        let hold = self.lease.as_secs_f64() * HOLD_SHARE_OF_LEASE;
        let quick = self
            .recent
            .is_some_and(|recent| recent * share as f64 <= hold);
        1 + if quick { share } else { 0 }
    }
}

/// Weight of the latest handler time in the moving average that decides prefetching.
const RECENT_WEIGHT: f64 = 0.2;
/// Prefetch only while a share of held jobs runs in under this fraction of the lease.
const HOLD_SHARE_OF_LEASE: f64 = 0.01;

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
