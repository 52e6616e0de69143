//! Waiting consumers on the native driver: see the core's `wait` module. They sleep
//! between tries (a thread sleep, or a tokio timer), so they need no connection of
//! their own and hold no shared connection while waiting.

use std::time::Duration;

use super::blocking::Blocking;
use super::{unix_now, RedisSet};
use crate::core::{Lease, Result, Serializer};

impl<K, C: redis::ConnectionLike, S: Serializer + 'static> RedisSet<K, Blocking<C>, S> {
    /// Pops the next eligible item, waiting up to `timeout` for one to exist;
    /// [`Error::Empty`](crate::Error::Empty) at the timeout. A scheduled set wakes when
    /// its next item falls due; idle, it sends about two commands a second.
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

#[cfg(feature = "tokio")]
impl<K, C, S> RedisSet<K, super::aio::Async<C>, S>
where
    C: redis::aio::ConnectionLike + Clone,
    S: Serializer + 'static,
{
    /// Pops the next eligible item, waiting up to `timeout`; see
    /// [`SortedSet::pop_wait`](crate::SortedSet::pop_wait).
    pub async fn pop_wait(&self, timeout: Duration) -> Result<Option<S::Item>> {
        self.run(self.core.pop_wait(timeout, unix_now())).await
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one.
    pub async fn take_wait(&self, count: usize, timeout: Duration) -> Result<Vec<S::Item>> {
        self.run(self.core.take_wait(count, timeout, unix_now()))
            .await
    }

    /// Claims up to `count` eligible items for `lease`, waiting up to `timeout`.
    pub async fn claim_wait(
        &self,
        count: usize,
        lease: Duration,
        timeout: Duration,
    ) -> Result<Vec<Lease<S::Item>>> {
        self.run(self.core.claim_wait(count, lease, timeout, unix_now()))
            .await
    }
}
