//! Flow control on the native driver (see the core's `flow` module): the settings —
//! rate limits and fair groups — and pause, resume, the workers' escape hatch, grouped
//! adds and per-group counts, each method written once for both transports.

use super::prepared::Kept;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::kind::{Grouped, Scored, Unscored};
use super::methods::methods;
use super::RedisSet;
use crate::core::{Dumps, GroupStats, Groups, Lease, Operation, RateLimit, Serializer};

impl<K, T, S: Serializer> RedisSet<K, T, S> {
    /// Pops and takes honour pause and the limits too: they run the flow script
    /// instead of the original's single commands (`ZPOPMIN`), so the Python original's
    /// consumers and redset's pops are no longer alike on this set. A rate limit or
    /// groups turn it on by themselves; claims honour pause whatever this says.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let mut jobs = redset::SortedSet::new(conn, "jobs").flow_control(true);
    /// jobs.pause()?;
    /// assert!(jobs.pop().unwrap_err().is_empty()); // paused: nothing is handed out
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn flow_control(self, pops_too: bool) -> Self {
        self.reconfigure(|core| core.with_flow_control(pops_too))
    }

    /// At most `limit`'s items handed out (claimed or popped) per period, across every
    /// consumer of the set, in every runtime: checked in the scripts by the server's
    /// clock (a GCRA with the limit's burst; see [`RateLimit`]). A claim takes what the
    /// limit allows; a waiting consumer sleeps until the next item is allowed. Give
    /// every client of the set the same limit.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// use std::time::Duration;
    /// let limit = redset::RateLimit::with_burst(200, Duration::from_secs(1), 10)?;
    /// let jobs = redset::SortedSet::new(conn, "jobs").rate_limit(limit);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn rate_limit(self, limit: RateLimit) -> Self {
        self.reconfigure(|core| core.with_rate_limit(Some(limit)))
    }

    /// Fair groups: claims (and pops) go round-robin over the groups that have
    /// eligible items, in score order within each group, so one group's flood does not
    /// delay the others. An item's group is given with
    /// [`add_to_group`](RedisSet::add_to_group), or by [`group_by`](RedisSet::group_by);
    /// otherwise it is the default group `""`.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let mut jobs = redset::SortedSet::new(conn, "jobs").grouped();
    /// jobs.add_to_group("tenant-a", "resize-1")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn grouped(self) -> Self {
        let groups = self.core.groups().unwrap_or_default();
        self.with_groups(groups)
    }

    /// At most `limit` items of one group in flight (leased) at once; makes the set
    /// grouped.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs").group_concurrency(2);
    /// ```
    pub fn group_concurrency(self, limit: u32) -> Self {
        let groups = self.core.groups().unwrap_or_default();
        self.with_groups(Groups {
            concurrency: Some(limit),
            ..groups
        })
    }

    /// Each group's own rate limit; makes the set grouped.
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let per_tenant = redset::RateLimit::new(10, std::time::Duration::from_secs(1))?;
    /// let jobs = redset::SortedSet::new(conn, "jobs").group_rate_limit(per_tenant);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn group_rate_limit(self, limit: RateLimit) -> Self {
        let groups = self.core.groups().unwrap_or_default();
        self.with_groups(Groups {
            rate: Some(limit),
            ..groups
        })
    }

    fn with_groups(self, groups: Groups) -> Self {
        self.reconfigure(|core| core.with_groups(Some(groups)))
    }

    /// The same set with a grouper, as the kind `K2` that records it.
    fn with_grouper<K2>(
        self,
        grouper: impl Fn(&S::Item) -> String + Send + Sync + 'static,
    ) -> RedisSet<K2, T, S> {
        RedisSet {
            transport: self.transport,
            core: self
                .core
                .with_grouper(Arc::new(move |item| Some(grouper(item)))),
            kept: Kept::default(),
            kind: PhantomData,
        }
    }
}

impl<K: Unscored, T, S: Serializer> RedisSet<K, T, S> {
    /// Gives each item its group when `add` is not told one (like a scorer its score),
    /// and makes the set grouped. After the serializer and the scorer, which it
    /// fixes (the type system enforces the order: see [`Grouped`]).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let mut jobs = redset::SortedSet::new(conn, "jobs")
    ///     .group_by(|job: &String| job.split(':').next().unwrap_or("").to_owned());
    /// jobs.add("tenant-a:resize-1")?; // in the group "tenant-a"
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn group_by(
        self,
        grouper: impl Fn(&S::Item) -> String + Send + Sync + 'static,
    ) -> RedisSet<Grouped<K>, T, S> {
        self.with_grouper(grouper)
    }
}

impl<K: Unscored, T, S: Serializer> RedisSet<Scored<K>, T, S> {
    /// [`group_by`](RedisSet::group_by) on a set with a scorer.
    pub fn group_by(
        self,
        grouper: impl Fn(&S::Item) -> String + Send + Sync + 'static,
    ) -> RedisSet<Grouped<Scored<K>>, T, S> {
        self.with_grouper(grouper)
    }
}

methods! {
    impl[K] for SortedSet {
        /// Pauses the set: from the next claim on, every consumer of the set (in every
        /// process and runtime) gets nothing, and waiting ones stay blocked, until
        /// [`resume`](Self::resume); producers go on adding. Pops and takes honour it
        /// on a set with [`flow_control`](RedisSet::flow_control).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// jobs.pause()?;
        /// assert!(jobs.is_paused()? && jobs.stats()?.paused);
        /// jobs.resume()?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn pause() -> ()
            = run |core, _now| Ok(core.pause());

        /// Resumes a paused set; consumers waiting on it wake at once (the resume writes
        /// their wake-up marker).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// jobs.resume()?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn resume() -> ()
            = run |core, _now| Ok(core.resume());

        /// Whether the set is paused.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// if jobs.is_paused()? { println!("paused"); }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn is_paused() -> bool
            = run |core, _now| Ok(core.is_paused());

        /// The work met an outside rate limit (an HTTP 429): the item goes back at once
        /// without counting a delivery, and the whole set hands out nothing for
        /// `retry_after`, by the server's clock.
        /// [`LeaseLost`](crate::Error::LeaseLost) if the lease is no longer held.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// jobs.rate_limited(&lease, std::time::Duration::from_secs(2))?; // "Retry-After: 2"
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn rate_limited(lease: &Lease<S::Item>, retry_after: Duration) -> ()
            = run |core, _now| Ok(core.rate_limited(lease, retry_after).map(drop));

        /// Adds the item (or updates its score and group) in `group`, with the scorer's
        /// score, on a grouped set; [`InvalidInput`](crate::Error::InvalidInput) on a set
        /// that is not grouped.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs").grouped();
        /// jobs.add_to_group("tenant-a", "resize-1")?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add_to_group[Q: ?Sized](group: &str, item: &Q) -> f64 where [S: Dumps<Q>]
            = run |core, now| core.add_in_group(item, None, Some(group), now);

        /// [`add_to_group`](Self::add_to_group) with this score.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs").grouped();
        /// jobs.add_to_group_with_score("tenant-a", "urgent", -1.0)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add_to_group_with_score[Q: ?Sized](group: &str, item: &Q, score: f64) -> f64
            where [S: Dumps<Q>]
            = run |core, now| core.add_in_group(item, Some(score), Some(group), now);

        /// A group's counts: waiting, in flight, dead (zeros for a group with nothing).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs").grouped();
        /// let tenant = jobs.group_stats("tenant-a")?;
        /// println!("{} waiting, {} in flight, {} dead", tenant.waiting, tenant.in_flight, tenant.dead);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn group_stats(group: &str) -> GroupStats
            = run |core, _now| {
                let named = group.to_owned();
                Ok(core.group_stats(&[group]).map(move |found| {
                    found.into_iter().next().unwrap_or(GroupStats {
                        group: named.clone(),
                        waiting: 0,
                        in_flight: 0,
                        dead: 0,
                    })
                }))
            };

        /// The counts of up to `limit` groups with waiting, in-flight or dead items:
        /// those with waiting items first, then the others by name.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs").grouped();
        /// for group in jobs.groups(100)? {
        ///     println!("{:?}: {} waiting, {} in flight", group.group, group.waiting, group.in_flight);
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn groups(limit: usize) -> Vec<GroupStats>
            = run |core, _now| Ok(core.groups_stats(limit));
    }
}
