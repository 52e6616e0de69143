//! Flow control of a set (see the `flow` module): its settings, pause and resume, the
//! workers' escape hatch, and the group an item goes to.

use std::time::Duration;

use super::SetCore;
use crate::core::flow::{self, group_arg, Grouper, Groups, RateLimit};
use crate::core::lease::{Lease, Retried};
use crate::core::operation::Operation;
use crate::core::protocol::{Error, Result};
use crate::core::serializer::{Dumps, Serializer};

impl<S: Serializer> SetCore<S> {
    /// Whether pops and takes honour pause and the limits: they then run the flow
    /// script instead of the original's single commands (`ZPOPMIN`). A rate limit or
    /// groups turn it on by themselves. Claims honour pause whatever this says.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_flow_control(true);
    /// assert!(set.flow_control());
    /// ```
    pub fn with_flow_control(mut self, pops_too: bool) -> Self {
        self.flow.pops = pops_too;
        self
    }

    /// Whether pops and takes honour pause and the limits.
    pub fn flow_control(&self) -> bool {
        self.flow.on_pops()
    }

    /// At most the limit's items handed out (claimed or popped) per period across every
    /// consumer of the set, by the server's clock (see [`RateLimit`]); `None`: no limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, RateLimit, SetCore};
    /// let limit = RateLimit::new(200, Duration::from_secs(1))?;
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_rate_limit(Some(limit));
    /// assert_eq!(set.rate_limit(), Some(limit));
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn with_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.flow.rate = limit;
        self
    }

    /// The set's rate limit, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.flow.rate
    }

    /// Fair groups: claims and pops go round-robin over the groups with eligible items,
    /// each group within its limits (`None`: the set is not grouped). An item's group is
    /// given at add ([`add_in_group`](Self::add_in_group)) or by the grouper, else it is
    /// the default group `""`.
    pub fn with_groups(mut self, groups: Option<Groups>) -> Self {
        self.flow.groups = groups;
        self
    }

    /// The set's group limits, if it is grouped.
    pub fn groups(&self) -> Option<Groups> {
        self.flow.groups
    }

    /// Gives each added item its group (like a scorer its score), and makes the set
    /// grouped if it was not.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8)
    ///     .with_grouper(Arc::new(|job: &String| job.split(':').next().map(str::to_owned)));
    /// assert!(set.groups().is_some());
    /// ```
    pub fn with_grouper(mut self, grouper: Grouper<S::Item>) -> Self {
        self.flow.groups.get_or_insert_with(Groups::default);
        self.grouper = Some(grouper);
        self
    }

    /// The group an added item goes to: `group` if given, else the grouper's, else the
    /// default group; `None` for a set that is not grouped. A group given to a set that
    /// is not grouped is an error, not dropped.
    pub(super) fn group_of<Q: ?Sized>(
        &self,
        item: &Q,
        group: Option<&str>,
    ) -> Result<Option<Vec<u8>>>
    where
        S: Dumps<Q>,
    {
        if self.flow.groups.is_none() {
            return match group {
                None => Ok(None),
                Some(group) => Err(Error::InvalidInput(format!(
                    "{self} is not grouped, so an item cannot go to the group {group:?}: give it groups first"
                ))),
            };
        }
        let named = match (group, &self.grouper) {
            (Some(group), _) => group.to_owned(),
            (None, Some(grouper)) => self
                .target
                .serializer
                .group_ref(item, &**grouper)
                .ok_or_else(|| {
                    Error::InvalidInput(format!("the grouper of {self} gave no group for an item"))
                })?,
            (None, None) => String::new(),
        };
        group_arg(self.name(), &named).map(Some)
    }

    /// Pauses the set: from the next claim on, every consumer gets nothing (and waiting
    /// ones stay blocked) until [`resume`](Self::resume); producers go on adding. Pops
    /// and takes honour it on a set with [flow control](Self::with_flow_control).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let Step::Send(cmd) = set.pause().start().unwrap() else { panic!() };
    /// assert_eq!(format!("{cmd:?}"), r#"["HSET", "{jobs}:flow", "paused", "1"]"#);
    /// ```
    pub fn pause(&self) -> impl Operation<Output = ()> {
        flow::pause(&self.target.keys)
    }

    /// Resumes a paused set, waking consumers that wait (through the wake-up marker).
    pub fn resume(&self) -> impl Operation<Output = ()> {
        flow::resume(&self.target.keys)
    }

    /// Whether the set is paused.
    pub fn is_paused(&self) -> impl Operation<Output = bool> {
        flow::is_paused(&self.target.keys)
    }

    /// A handler met an outside rate limit (an HTTP 429): the lease's item goes back to
    /// the set at once, this delivery not counted (as [`release`](Self::release)), and
    /// the whole set hands out nothing for `retry_after` (by the server's clock).
    /// [`Error::LeaseLost`](crate::Error::LeaseLost) if the lease is no longer held.
    pub fn rate_limited<T>(
        &self,
        lease: &Lease<T>,
        retry_after: Duration,
    ) -> impl Operation<Output = Retried> {
        self.leases().rate_limited(lease, retry_after)
    }
}
