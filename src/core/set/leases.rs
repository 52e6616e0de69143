//! The lease operations of a set (see the `lease` module for what they mean).

use std::time::Duration;

use super::SetCore;
use crate::core::lease::{DeadLetter, InFlight, Lease, Recovered, Retried};
use crate::core::operation::Operation;
use crate::core::serializer::Serializer;

impl<S: Serializer> SetCore<S> {
    /// Claims up to `count` eligible items for `lease`: see [`Lease`].
    /// Expired leases (a bounded number) go back to the set first. An item that fails
    /// to deserialize goes to the dead letters with the reason, not to the caller.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut claim = set.claim(1, std::time::Duration::from_secs(30), 0.0);
    /// let Step::Send(cmd) = claim.start().unwrap() else { panic!() };
    /// assert!(format!("{cmd:?}").ends_with(r#""1", "30000", "5", "100", "+inf"]"#));
    /// ```
    pub fn claim(
        &self,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        self.leases().claim(count, lease, now)
    }

    /// Acks `done` and claims up to `count` more, in one round trip: a worker's "done,
    /// next please" (BullMQ's worker fetches its next job the same way). If any of
    /// `done` is no longer held, the others are still acked, nothing is claimed, and
    /// the result is [`Error::LeaseLost`](crate::Error::LeaseLost) naming the tokens
    /// not acked. While the original's lock holds a scheduled set, nothing is acked
    /// either; a [`LockTimeout`](crate::Error::LockTimeout) means nothing changed.
    ///
    /// With [`with_replication`](Self::with_replication), the ack waits for the
    /// replicas before anything is claimed: two round trips, as `ack` then `claim`.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut claim = set.claim(1, std::time::Duration::from_secs(30), 0.0);
    /// claim.start().unwrap();
    /// let reply = |parts: &[&str]| Reply::Array(parts.iter().map(|p| Reply::Bulk(p.as_bytes().to_vec())).collect());
    /// let Step::Done(done) = claim.feed(reply(&["0", "0", "a", "1", "1", "1000", "0"])).unwrap() else { panic!() };
    /// let mut next = set.ack_and_claim(&done, 1, std::time::Duration::from_secs(30), 0.0);
    /// let Step::Send(cmd) = next.start().unwrap() else { panic!() };
    /// // The claim's five arguments, then the (member, token) pairs to ack.
    /// assert!(format!("{cmd:?}").ends_with(r#""+inf", "a", "1"]"#));
    /// let Step::Done(leases) = next.feed(reply(&["0", "0", "b", "2", "1", "1000", "1"])).unwrap() else { panic!() };
    /// assert_eq!((leases[0].item.as_str(), leases[0].token), ("b", 2));
    /// ```
    pub fn ack_and_claim<T>(
        &self,
        done: &[Lease<T>],
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        self.leases().ack_and_claim(done, count, lease, now)
    }

    /// Acks leases: each whose token is still current is removed for good. If any is
    /// not (it expired and was claimed again, or was acked already), the others are
    /// still acked and the result is [`Error::LeaseLost`](crate::Error::LeaseLost)
    /// naming the tokens not acked.
    pub fn ack<T>(&self, leases: &[Lease<T>]) -> impl Operation<Output = ()> {
        self.leases().ack(leases)
    }

    /// Extends a current lease to `by` from now (server clock); gives the new deadline
    /// in ms. [`Error::LeaseLost`](crate::Error::LeaseLost) if the lease is not current.
    pub fn extend<T>(&self, lease: &Lease<T>, by: Duration) -> impl Operation<Output = u64> {
        self.leases().extend(lease, by)
    }

    /// Gives a current lease's item back for another try: to the dead letters (with
    /// `reason`) if its deliveries reached the maximum, else back into the set, where
    /// it can be claimed after `delay` (default: the backoff policy's delay for its
    /// delivery count). A scheduled set takes it back with the score now + delay.
    pub fn retry<T>(
        &self,
        lease: &Lease<T>,
        delay: Option<Duration>,
        reason: &str,
    ) -> impl Operation<Output = Retried> {
        self.leases().retry(lease, delay, reason)
    }

    /// Gives a current lease's item back at once, with its score, as if this delivery
    /// had not happened (it is not counted). For a consumer shutting down.
    pub fn release<T>(&self, lease: &Lease<T>) -> impl Operation<Output = Retried> {
        self.leases().release(lease)
    }

    /// The expired-lease sweep on its own, for operators: every expired lease goes back
    /// to the set, or to the dead letters once its deliveries reached the maximum.
    pub fn recover(&self) -> impl Operation<Output = Recovered> {
        self.leases().recover()
    }

    /// The leases in flight, earliest deadline first (at most `limit`): each item with
    /// its holder's token, deliveries, deadline and time left, for operators.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut list = set.in_flight_items(10);
    /// list.start().unwrap();
    /// let reply = Reply::Array(["1000", "a", "31000", "7 1 0"].map(Reply::bulk).to_vec());
    /// let Step::Done(leases) = list.feed(reply).unwrap() else { panic!() };
    /// assert_eq!(leases[0].item.as_deref(), Some("a"));
    /// assert_eq!((leases[0].token, leases[0].time_left.as_secs()), (Some(7), 30));
    /// ```
    pub fn in_flight_items(&self, limit: usize) -> impl Operation<Output = Vec<InFlight<S::Item>>> {
        self.leases().in_flight_items(limit)
    }

    /// The dead letters, oldest first (at most
    /// [`MAX_DEAD_LISTED`](crate::core::MAX_DEAD_LISTED)).
    pub fn dead_letters(&self) -> impl Operation<Output = Vec<DeadLetter<S::Item>>> {
        self.leases().dead_letters()
    }

    /// Puts dead letters back into the set with the score they had, their deliveries
    /// counted afresh; gives how many were still there.
    pub fn requeue_dead<T>(&self, letters: &[DeadLetter<T>]) -> impl Operation<Output = u64> {
        self.leases().requeue_dead(letters)
    }

    /// Deletes every dead letter; gives how many there were.
    pub fn purge_dead(&self) -> impl Operation<Output = u64> {
        self.leases().purge_dead()
    }
}
