//! Batch producers on the native driver: see [`crate::core::AddOptions`].

use super::blocking::Blocking;
use super::{unix_now, RedisSet};
use crate::core::{AddOptions, Dumps, Result, Serializer};

impl<K, C: redis::ConnectionLike, S: Serializer> RedisSet<K, Blocking<C>, S> {
    /// Adds many items with the scores `add` would give them, one round trip per 5000;
    /// gives how many were new. A NaN score or a serializer error rejects the whole
    /// batch before anything is sent.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let added = jobs.add_many(["a", "b", "c"])?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn add_many<'a, Q: ?Sized + 'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a Q>,
    ) -> Result<u64>
    where
        S: Dumps<Q>,
    {
        self.add_many_with(
            items.into_iter().map(|item| (item, None)),
            AddOptions::default(),
        )
    }

    /// [`add_many`](Self::add_many) with an explicit score per item (`None`: the
    /// scorer's) and the `ZADD` condition: only new, only existing, greater, less, and
    /// whether to count changed scores too.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// use redset::core::{AddCondition, AddOptions};
    /// let only_new = AddOptions { condition: Some(AddCondition::OnlyNew), ..AddOptions::default() };
    /// jobs.add_many_with([("a", Some(1.0)), ("b", None)], only_new)?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn add_many_with<'a, Q: ?Sized + 'a>(
        &mut self,
        items: impl IntoIterator<Item = (&'a Q, Option<f64>)>,
        options: AddOptions,
    ) -> Result<u64>
    where
        S: Dumps<Q>,
    {
        let op = self.core.add_many(items, options, unix_now())?;
        Self::run(&mut self.transport.0, op)
    }
}

#[cfg(feature = "tokio")]
impl<K, C: redis::aio::ConnectionLike + Clone, S: Serializer> RedisSet<K, super::aio::Async<C>, S> {
    /// Adds many items with the scores `add` would give them; see
    /// [`SortedSet::add_many`](crate::SortedSet::add_many).
    pub async fn add_many<'a, Q: ?Sized + 'a>(
        &self,
        items: impl IntoIterator<Item = &'a Q>,
    ) -> Result<u64>
    where
        S: Dumps<Q>,
    {
        self.add_many_with(
            items.into_iter().map(|item| (item, None)),
            AddOptions::default(),
        )
        .await
    }

    /// Adds many items with explicit scores and a `ZADD` condition; see
    /// [`SortedSet::add_many_with`](crate::SortedSet::add_many_with).
    pub async fn add_many_with<'a, Q: ?Sized + 'a>(
        &self,
        items: impl IntoIterator<Item = (&'a Q, Option<f64>)>,
        options: AddOptions,
    ) -> Result<u64>
    where
        S: Dumps<Q>,
    {
        let op = self.core.add_many(items, options, unix_now())?;
        self.run(op).await
    }
}
