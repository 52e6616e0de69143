//! Waiting consumers on the native driver: see the core's `wait` module. A sync set
//! owns its connection, so its waits block in Redis on it (`BZPOPMIN` on the set or on
//! its wake-up key). An async set's connection is shared, so its waits block on
//! connections of their own when it has them ([`waits_on`](RedisSet::waits_on)) and
//! otherwise sleep between tries (a tokio timer), holding no shared connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::blocking::Blocking;
use super::{unix_now, RedisSet};
use crate::core::{Lease, Result, Serializer};

impl<K, C: redis::ConnectionLike, S: Serializer + 'static> RedisSet<K, Blocking<C>, S> {
    /// Pops the next eligible item, waiting up to `timeout` for one to exist;
    /// [`Error::Empty`](crate::Error::Empty) at the timeout. It blocks in Redis on this
    /// set's connection and wakes as soon as an item is added (a scheduled set also
    /// when its next item falls due); idle, it sends one or two commands a second. A
    /// read timeout on the connection must exceed a second, the longest block.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// match jobs.pop_wait(std::time::Duration::from_secs(5)) {
    ///     Ok(job) => println!("{job:?}"),
    ///     Err(e) if e.is_empty() => println!("nothing for 5 s"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn pop_wait(&mut self, timeout: Duration) -> Result<Option<S::Item>> {
        Self::run(
            &mut self.transport.0,
            self.core.pop_wait(timeout, unix_now()),
        )
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one;
    /// an empty list at the timeout.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let batch = jobs.take_wait(100, std::time::Duration::from_secs(5))?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn take_wait(&mut self, count: usize, timeout: Duration) -> Result<Vec<S::Item>> {
        Self::run(
            &mut self.transport.0,
            self.core.take_wait(count, timeout, unix_now()),
        )
    }

    /// Claims up to `count` eligible items for `lease`, waiting up to `timeout` for at
    /// least one; an empty list at the timeout.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// use std::time::Duration;
    /// for lease in jobs.claim_wait(10, Duration::from_secs(30), Duration::from_secs(5))? {
    ///     jobs.ack(&lease)?;
    /// }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn claim_wait(
        &mut self,
        count: usize,
        lease: Duration,
        timeout: Duration,
    ) -> Result<Vec<Lease<S::Item>>> {
        Self::run(
            &mut self.transport.0,
            self.core.claim_wait(count, lease, timeout, unix_now()),
        )
    }
}

/// The iterator of [`consume`](RedisSet::consume).
pub struct Consume<'a, K, C, S: Serializer> {
    set: &'a mut RedisSet<K, Blocking<C>, S>,
    stop: &'a AtomicBool,
    poll: Duration,
}

impl<K, C: redis::ConnectionLike, S: Serializer + 'static> Iterator for Consume<'_, K, C, S> {
    type Item = Result<S::Item>;

    /// The next item as it becomes eligible; `None` once `stop` is set. An item that
    /// fails to deserialize is skipped (reported to the undecodable hook).
    fn next(&mut self) -> Option<Result<S::Item>> {
        while !self.stop.load(Ordering::Relaxed) {
            match self.set.pop_wait(self.poll) {
                Ok(Some(item)) => return Some(Ok(item)),
                Ok(None) => {}
                Err(e) if e.is_empty() => {}
                Err(e) => return Some(Err(e)),
            }
        }
        None
    }
}

impl<K, C: redis::ConnectionLike, S: Serializer + 'static> RedisSet<K, Blocking<C>, S> {
    /// The items as they become eligible (at-most-once, as `pop`), until `stop` is
    /// set: it is checked at least every second.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// use std::sync::atomic::AtomicBool;
    /// let stop = AtomicBool::new(false); // set it from a signal handler or another thread
    /// for job in jobs.consume(&stop) {
    ///     println!("{}", job?);
    /// }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn consume<'a>(&'a mut self, stop: &'a AtomicBool) -> Consume<'a, K, C, S> {
        Consume {
            set: self,
            stop,
            poll: Duration::from_secs(1),
        }
    }
}

#[cfg(feature = "tokio")]
impl<K, C, S> RedisSet<K, super::aio::Async<C>, S>
where
    C: redis::aio::ConnectionLike + Clone,
    S: Serializer + 'static,
{
    /// Pops the next eligible item, waiting up to `timeout`; see
    /// [`SortedSet::pop_wait`](crate::SortedSet::pop_wait).
    pub async fn pop_wait(&self, timeout: Duration) -> Result<Option<S::Item>> {
        self.run_wait(self.core.pop_wait(timeout, unix_now())).await
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one.
    pub async fn take_wait(&self, count: usize, timeout: Duration) -> Result<Vec<S::Item>> {
        self.run_wait(self.core.take_wait(count, timeout, unix_now()))
            .await
    }

    /// Claims up to `count` eligible items for `lease`, waiting up to `timeout`.
    pub async fn claim_wait(
        &self,
        count: usize,
        lease: Duration,
        timeout: Duration,
    ) -> Result<Vec<Lease<S::Item>>> {
        self.run_wait(self.core.claim_wait(count, lease, timeout, unix_now()))
            .await
    }
}

#[cfg(feature = "tokio")]
impl<K, C, S> RedisSet<K, super::aio::Async<C>, S>
where
    C: redis::aio::ConnectionLike + Clone,
    S: Serializer + 'static,
{
    /// The items as they become eligible (at-most-once, as `pop`), as a
    /// `futures::Stream` that ends once `stop` completes: it is checked between waits,
    /// at least every second, so a pop in flight is never cancelled halfway. An item
    /// that fails to deserialize is skipped (reported to the undecodable hook).
    ///
    /// ```no_run
    /// # async fn demo(jobs: redset::aio::SortedSet<redis::aio::MultiplexedConnection>) -> redset::Result<()> {
    /// use futures_util::StreamExt;
    /// let stop = tokio::time::sleep(std::time::Duration::from_secs(60)); // or a signal
    /// let mut jobs = std::pin::pin!(jobs.consume(stop));
    /// while let Some(job) = jobs.next().await {
    ///     println!("{}", job?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn consume<'a>(
        &'a self,
        stop: impl std::future::Future<Output = ()> + 'a,
    ) -> impl futures_util::Stream<Item = Result<S::Item>> + 'a {
        use futures_util::FutureExt;
        let state = (Box::pin(stop), false);
        futures_util::stream::unfold(state, move |(mut stop, mut stopped)| async move {
            loop {
                stopped = stopped || stop.as_mut().now_or_never().is_some();
                if stopped {
                    return None;
                }
                match self.pop_wait(Duration::from_secs(1)).await {
                    Ok(Some(item)) => return Some((Ok(item), (stop, stopped))),
                    Ok(None) => {}
                    Err(e) if e.is_empty() => {}
                    Err(e) => return Some((Err(e), (stop, stopped))),
                }
            }
        })
    }
}
