//! Waiting consumers on the native driver: see the core's `wait` module. A sync set
//! owns its connection, so its waits block in Redis on it (`BZPOPMIN` on the set or on
//! its wake-up key). An async set's connection is shared, so its waits block on
//! connections of their own when it has them ([`waits_on`](RedisSet::waits_on)) and
//! otherwise sleep between tries (a tokio timer), holding no shared connection. The
//! waits are written once for both transports; `consume` is an `Iterator` on one and a
//! `Stream` on the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::methods::methods;
use super::{RedisSet, Synchronous};
use crate::core::{Lease, Result, Serializer};

methods! {
    impl[K] for SortedSet {
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
        fn pop_wait(timeout: Duration) -> Option<S::Item> where [S: 'static]
            = run_wait |core, now| Ok(core.pop_wait(timeout, now));

        /// Takes up to `count` eligible items, waiting up to `timeout` for at least one;
        /// an empty list at the timeout.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let batch = jobs.take_wait(100, std::time::Duration::from_secs(5))?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn take_wait(count: usize, timeout: Duration) -> Vec<S::Item> where [S: 'static]
            = run_wait |core, now| Ok(core.take_wait(count, timeout, now));

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
        fn claim_wait(count: usize, lease: Duration, timeout: Duration) -> Vec<Lease<S::Item>>
            where [S: 'static]
            = run_wait |core, now| Ok(core.claim_wait(count, lease, timeout, now));
    }
}

/// The iterator of [`consume`](RedisSet::consume).
pub struct Consume<'a, K, C, S: Serializer> {
    set: &'a mut RedisSet<K, Synchronous<C>, S>,
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

impl<K, C: redis::ConnectionLike, S: Serializer + 'static> RedisSet<K, Synchronous<C>, S> {
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
