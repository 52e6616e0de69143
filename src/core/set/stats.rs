//! The counts of a set (see the `stats` module).

use super::SetCore;
use crate::core::operation::Operation;
use crate::core::serializer::Serializer;
use crate::core::stats::{self, GroupStats, Stats};

impl<S: Serializer> SetCore<S> {
    /// Waiting, due, in flight, dead, the oldest due item's age, whether the set is
    /// paused or held, and the maximum deliveries its consumers' last claim applied, in
    /// one round trip.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::TimeSorted, redset::Utf8);
    /// let mut stats = set.stats(0.0);
    /// stats.start().unwrap();
    /// let reply = Reply::Array([3, 3, 1, 0].map(Reply::Int).into_iter()
    ///     .chain([Reply::bulk("10"), Reply::Int(12_500), Reply::Array(vec![]), Reply::Int(0), Reply::Nil, Reply::bulk("5")])
    ///     .collect());
    /// let Step::Done(stats) = stats.feed(reply).unwrap() else { panic!() };
    /// assert_eq!((stats.waiting, stats.in_flight), (3, 1));
    /// assert_eq!(stats.oldest_due_age.unwrap().as_millis(), 2500);
    /// assert_eq!(stats.counters, None); // the set never counted
    /// assert!(!stats.paused);
    /// assert_eq!(stats.max_deliveries, Some(5)); // as the last claim kept it
    /// ```
    pub fn stats(&self, now: f64) -> impl Operation<Output = Stats> {
        stats::stats(self.target.clone(), self.clock, self.script_options(), now)
    }

    /// `ZCARD` of the leases: how many items are in flight (leased, or waiting out a
    /// retry's delay).
    pub fn in_flight(&self) -> impl Operation<Output = u64> {
        stats::in_flight(&self.target)
    }

    /// The counts of the groups named (waiting, in flight, dead), in that order; a
    /// group with nothing has zeros.
    ///
    /// ```
    /// use redset::core::{Groups, Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_groups(Some(Groups::default()));
    /// let mut read = set.group_stats(&["tenant-a"]);
    /// read.start().unwrap();
    /// let reply = Reply::Array(vec![Reply::bulk("tenant-a"), Reply::Int(3), Reply::Int(1), Reply::Int(0)]);
    /// let Step::Done(groups) = read.feed(reply).unwrap() else { panic!() };
    /// assert_eq!((groups[0].waiting, groups[0].in_flight), (3, 1));
    /// ```
    pub fn group_stats(&self, groups: &[&str]) -> impl Operation<Output = Vec<GroupStats>> {
        stats::group_stats(&self.target, self.script_options(), groups)
    }

    /// The counts of up to `limit` groups that have waiting, in-flight or dead items:
    /// those with waiting items first, then the others by name.
    pub fn groups_stats(&self, limit: usize) -> impl Operation<Output = Vec<GroupStats>> {
        stats::groups(&self.target, self.script_options(), limit)
    }
}
