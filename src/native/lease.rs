//! Leases on the native driver, written once for both transports: see
//! [`crate::core::Lease`] for what they mean.

use std::time::Duration;

use super::methods::methods;
use crate::core::{DeadLetter, InFlight, Lease, Operation, Recovered, Retried};

methods! {
    impl[K] for SortedSet {
        /// Claims up to `count` eligible items, each leased for `lease` (server clock):
        /// at-least-once consumption. Ack each when done; one not acked, retried or
        /// extended before its deadline goes back to the set for another consumer.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// use std::time::Duration;
        /// for lease in jobs.claim(10, Duration::from_secs(30))? {
        ///     println!("working on {} (delivery {})", lease.item, lease.deliveries);
        ///     jobs.ack(&lease)?;
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn claim(count: usize, lease: Duration) -> Vec<Lease<S::Item>>
            = run |core, now| Ok(core.claim(count, lease, now));

        /// Acks `done` and claims up to `count` more in one round trip: a worker's "done,
        /// next please". If any of `done` is no longer held, the others are acked, nothing
        /// is claimed, and the error is [`LeaseLost`](crate::Error::LeaseLost).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// use std::time::Duration;
        /// let mut leases = jobs.claim(1, Duration::from_secs(30))?;
        /// while !leases.is_empty() {
        ///     println!("working on {}", leases[0].item);
        ///     leases = jobs.ack_and_claim(&leases, 1, Duration::from_secs(30))?;
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn ack_and_claim(
            done: &[Lease<S::Item>],
            count: usize,
            lease: Duration,
        ) -> Vec<Lease<S::Item>>
            = run |core, now| Ok(core.ack_and_claim(done, count, lease, now));

        /// Done with the item: removes it for good if the lease is still held, else
        /// [`Error::LeaseLost`](crate::Error::LeaseLost) and nothing changes.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// match jobs.ack(&lease) {
        ///     Err(e) if e.is_lease_lost() => println!("too late: someone else has it now"),
        ///     other => other?,
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn ack(lease: &Lease<S::Item>) -> ()
            = run |core, _now| Ok(core.ack(std::slice::from_ref(lease)));

        /// Acks many leases in one round trip. Those still held are acked; if any is not,
        /// the result is [`Error::LeaseLost`](crate::Error::LeaseLost) naming their tokens.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let batch = jobs.claim(100, std::time::Duration::from_secs(30))?;
        /// jobs.ack_many(&batch)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn ack_many(leases: &[Lease<S::Item>]) -> ()
            = run |core, _now| Ok(core.ack(leases));

        /// Keeps a held lease for `by` from now (server clock), updating its deadline.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let mut lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// jobs.extend(&mut lease, std::time::Duration::from_secs(30))?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn extend(lease: &mut Lease<S::Item>, by: Duration) -> ()
            = run |core, _now| {
                let extended = core.extend(&*lease, by);
                Ok(extended.map(move |deadline| lease.set_deadline_ms(deadline)))
            };

        /// The work failed: the item goes back to the set after `delay` (`None`: the
        /// backoff's delay for its delivery count), or to the dead letters once its
        /// deliveries reached the maximum.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// if let redset::Retried::Dead = jobs.retry(&lease, None)? { println!("gave up on it"); }
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// jobs.retry(&lease, std::time::Duration::from_secs(5))?; // or Some(…)
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn retry(lease: &Lease<S::Item>, delay: impl Into<Option<Duration>>) -> Retried
            = run |core, _now| Ok(core.retry(lease, delay.into(), ""));

        /// [`retry`](Self::retry) with an explicit delay and the reason the dead letters
        /// record if this was the last delivery (empty: a default reason).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// jobs.retry_with(&lease, Some(std::time::Duration::from_secs(5)), "upstream 503")?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn retry_with(lease: &Lease<S::Item>, delay: Option<Duration>, reason: &str) -> Retried
            = run |core, _now| Ok(core.retry(lease, delay, reason));

        /// Gives the item back at once, as if this delivery had not happened (for a
        /// consumer shutting down).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
        /// jobs.release(&lease)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn release(lease: &Lease<S::Item>) -> ()
            = run |core, _now| Ok(core.release(lease).map(drop));

        /// Returns every expired lease to the set (or to the dead letters after the
        /// maximum deliveries) now, rather than at the next claim.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let swept = jobs.recover()?;
        /// println!("{} back in the set, {} dead", swept.requeued, swept.dead);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn recover() -> Recovered
            = run |core, _now| Ok(core.recover());

        /// The leases in flight, earliest deadline first (at most `limit`): item, holder's
        /// token (`None` for a retry waiting out its delay), deliveries, deadline and time
        /// left, for operators.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// for lease in jobs.in_flight_items(100)? {
        ///     println!("{:?}: delivery {}, {:?} left", lease.item, lease.deliveries, lease.time_left);
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn in_flight_items(limit: usize) -> Vec<InFlight<S::Item>>
            = run |core, _now| Ok(core.in_flight_items(limit));

        /// The dead letters, oldest first: item (if it deserializes), reason, deliveries,
        /// time.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// for dead in jobs.dead_letters()? { println!("{:?}: {}", dead.item, dead.reason); }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn dead_letters() -> Vec<DeadLetter<S::Item>>
            = run |core, _now| Ok(core.dead_letters());

        /// Puts dead letters back into the set; gives how many were still dead.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let dead = jobs.dead_letters()?;
        /// jobs.requeue_dead(&dead)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn requeue_dead(letters: &[DeadLetter<S::Item>]) -> u64
            = run |core, _now| Ok(core.requeue_dead(letters));

        /// Deletes every dead letter; gives how many there were.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// jobs.purge_dead()?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn purge_dead() -> u64
            = run |core, _now| Ok(core.purge_dead());
    }
}
