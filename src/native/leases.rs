//! Leases on the native driver: the core's lease operations, carried over a blocking or
//! an async connection. See [`crate::core::Lease`] for what they mean.

use std::time::Duration;

use super::blocking::Blocking;
use super::{unix_now, RedisSet};
use crate::core::{
    Backoff, DeadLetter, InFlight, Lease, LeasePolicy, Recovered, Result, Retried, Serializer,
    Stats,
};

impl<K, T, S: Serializer> RedisSet<K, T, S> {
    /// After this many deliveries a failed or expired item goes to the dead letters
    /// instead of back to the set (default 5).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// let jobs = redset::SortedSet::new(conn, "jobs").max_deliveries(3);
    /// ```
    pub fn max_deliveries(mut self, max: u32) -> Self {
        let policy = LeasePolicy {
            max_deliveries: max,
            ..self.core.lease_policy()
        };
        self.core = self.core.with_lease_policy(policy);
        self
    }

    /// The delays of [`retry`](RedisSet::retry): exponential with jitter and a cap
    /// (default 1 s doubling to 5 minutes).
    ///
    /// ```no_run
    /// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
    /// use std::time::Duration;
    /// let jobs = redset::SortedSet::new(conn, "jobs").backoff(redset::Backoff {
    ///     base: Duration::from_millis(200),
    ///     cap: Duration::from_secs(60),
    /// });
    /// ```
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        let policy = LeasePolicy {
            backoff,
            ..self.core.lease_policy()
        };
        self.core = self.core.with_lease_policy(policy);
        self
    }
}

impl<K, C: redis::ConnectionLike, S: Serializer> RedisSet<K, Blocking<C>, S> {
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
    pub fn claim(&mut self, count: usize, lease: Duration) -> Result<Vec<Lease<S::Item>>> {
        Self::run(
            &mut self.transport.0,
            self.core.claim(count, lease, unix_now()),
        )
    }

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
    pub fn ack_and_claim(
        &mut self,
        done: &[Lease<S::Item>],
        count: usize,
        lease: Duration,
    ) -> Result<Vec<Lease<S::Item>>> {
        Self::run(
            &mut self.transport.0,
            self.core.ack_and_claim(done, count, lease, unix_now()),
        )
    }

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
    pub fn ack(&mut self, lease: &Lease<S::Item>) -> Result<()> {
        Self::run(
            &mut self.transport.0,
            self.core.ack(std::slice::from_ref(lease)),
        )
    }

    /// Acks many leases in one round trip. Those still held are acked; if any is not,
    /// the result is [`Error::LeaseLost`](crate::Error::LeaseLost) naming their tokens.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let batch = jobs.claim(100, std::time::Duration::from_secs(30))?;
    /// jobs.ack_many(&batch)?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn ack_many(&mut self, leases: &[Lease<S::Item>]) -> Result<()> {
        Self::run(&mut self.transport.0, self.core.ack(leases))
    }

    /// Keeps a held lease for `by` from now (server clock), updating its deadline.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// # let mut lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
    /// jobs.extend(&mut lease, std::time::Duration::from_secs(30))?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn extend(&mut self, lease: &mut Lease<S::Item>, by: Duration) -> Result<()> {
        let deadline = Self::run(&mut self.transport.0, self.core.extend(lease, by))?;
        lease.set_deadline_ms(deadline);
        Ok(())
    }

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
    pub fn retry(
        &mut self,
        lease: &Lease<S::Item>,
        delay: impl Into<Option<Duration>>,
    ) -> Result<Retried> {
        self.retry_with(lease, delay.into(), "")
    }

    /// [`retry`](Self::retry) with an explicit delay and the reason the dead letters
    /// record if this was the last delivery (empty: a default reason).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
    /// jobs.retry_with(&lease, Some(std::time::Duration::from_secs(5)), "upstream 503")?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn retry_with(
        &mut self,
        lease: &Lease<S::Item>,
        delay: Option<Duration>,
        reason: &str,
    ) -> Result<Retried> {
        Self::run(&mut self.transport.0, self.core.retry(lease, delay, reason))
    }

    /// Gives the item back at once, as if this delivery had not happened (for a
    /// consumer shutting down).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// # let lease = jobs.claim(1, std::time::Duration::from_secs(30))?.remove(0);
    /// jobs.release(&lease)?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn release(&mut self, lease: &Lease<S::Item>) -> Result<()> {
        Self::run(&mut self.transport.0, self.core.release(lease)).map(drop)
    }

    /// Returns every expired lease to the set (or to the dead letters after the
    /// maximum deliveries) now, rather than at the next claim.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let swept = jobs.recover()?;
    /// println!("{} back in the set, {} dead", swept.requeued, swept.dead);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn recover(&mut self) -> Result<Recovered> {
        Self::run(&mut self.transport.0, self.core.recover())
    }

    /// How many items are leased (or waiting out a retry's delay).
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// println!("{} waiting, {} in flight", jobs.len()?, jobs.in_flight()?);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn in_flight(&mut self) -> Result<u64> {
        Self::run(&mut self.transport.0, self.core.in_flight())
    }

    /// The dead letters, oldest first: item (if it deserializes), reason, deliveries,
    /// time.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// for dead in jobs.dead_letters()? { println!("{:?}: {}", dead.item, dead.reason); }
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn dead_letters(&mut self) -> Result<Vec<DeadLetter<S::Item>>> {
        Self::run(&mut self.transport.0, self.core.dead_letters())
    }

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
    pub fn in_flight_items(&mut self, limit: usize) -> Result<Vec<InFlight<S::Item>>> {
        Self::run(&mut self.transport.0, self.core.in_flight_items(limit))
    }

    /// Puts dead letters back into the set; gives how many were still dead.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let dead = jobs.dead_letters()?;
    /// jobs.requeue_dead(&dead)?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn requeue_dead(&mut self, letters: &[DeadLetter<S::Item>]) -> Result<u64> {
        Self::run(&mut self.transport.0, self.core.requeue_dead(letters))
    }

    /// Deletes every dead letter; gives how many there were.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// jobs.purge_dead()?;
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn purge_dead(&mut self) -> Result<u64> {
        Self::run(&mut self.transport.0, self.core.purge_dead())
    }

    /// Waiting, due, in flight, dead, and the oldest due item's age, in one round trip.
    ///
    /// ```no_run
    /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
    /// let stats = jobs.stats()?;
    /// println!("{} due, {} in flight, {} dead", stats.due, stats.in_flight, stats.dead);
    /// # Ok::<(), redset::Error>(())
    /// ```
    pub fn stats(&mut self) -> Result<Stats> {
        Self::run(&mut self.transport.0, self.core.stats(unix_now()))
    }
}

#[cfg(feature = "tokio")]
mod aio {
    use std::time::Duration;

    use super::super::aio::Async;
    use super::super::{unix_now, RedisSet};
    use crate::core::{DeadLetter, InFlight, Lease, Recovered, Result, Retried, Serializer, Stats};

    /// The same lease operations as the blocking sets, `async` on `&self`: see
    /// [`SortedSet::claim`](crate::SortedSet::claim) and the methods after it.
    impl<K, C: redis::aio::ConnectionLike + Clone, S: Serializer> RedisSet<K, Async<C>, S> {
        /// Claims up to `count` eligible items, each leased for `lease`.
        pub async fn claim(&self, count: usize, lease: Duration) -> Result<Vec<Lease<S::Item>>> {
            self.run(self.core.claim(count, lease, unix_now())).await
        }

        /// Acks `done` and claims up to `count` more in one round trip.
        pub async fn ack_and_claim(
            &self,
            done: &[Lease<S::Item>],
            count: usize,
            lease: Duration,
        ) -> Result<Vec<Lease<S::Item>>> {
            self.run(self.core.ack_and_claim(done, count, lease, unix_now()))
                .await
        }

        /// Removes a held lease's item for good; `LeaseLost` if not held.
        pub async fn ack(&self, lease: &Lease<S::Item>) -> Result<()> {
            self.run(self.core.ack(std::slice::from_ref(lease))).await
        }

        /// Acks many leases in one round trip; `LeaseLost` names those not held.
        pub async fn ack_many(&self, leases: &[Lease<S::Item>]) -> Result<()> {
            self.run(self.core.ack(leases)).await
        }

        /// Keeps a held lease for `by` from now, updating its deadline.
        pub async fn extend(&self, lease: &mut Lease<S::Item>, by: Duration) -> Result<()> {
            let deadline = self.run(self.core.extend(lease, by)).await?;
            lease.set_deadline_ms(deadline);
            Ok(())
        }

        /// Back to the set after `delay` (`None`: the backoff's), or to the dead letters.
        pub async fn retry(
            &self,
            lease: &Lease<S::Item>,
            delay: impl Into<Option<Duration>>,
        ) -> Result<Retried> {
            self.retry_with(lease, delay.into(), "").await
        }

        /// [`retry`](Self::retry) with an explicit delay and reason.
        pub async fn retry_with(
            &self,
            lease: &Lease<S::Item>,
            delay: Option<Duration>,
            reason: &str,
        ) -> Result<Retried> {
            self.run(self.core.retry(lease, delay, reason)).await
        }

        /// Gives the item back at once, the delivery not counted.
        pub async fn release(&self, lease: &Lease<S::Item>) -> Result<()> {
            self.run(self.core.release(lease)).await.map(drop)
        }

        /// The expired-lease sweep now.
        pub async fn recover(&self) -> Result<Recovered> {
            self.run(self.core.recover()).await
        }

        /// How many items are leased (or waiting out a retry's delay).
        pub async fn in_flight(&self) -> Result<u64> {
            self.run(self.core.in_flight()).await
        }

        /// The dead letters, oldest first.
        pub async fn dead_letters(&self) -> Result<Vec<DeadLetter<S::Item>>> {
            self.run(self.core.dead_letters()).await
        }

        /// Puts dead letters back into the set.
        pub async fn requeue_dead(&self, letters: &[DeadLetter<S::Item>]) -> Result<u64> {
            self.run(self.core.requeue_dead(letters)).await
        }

        /// The leases in flight, earliest deadline first (at most `limit`).
        pub async fn in_flight_items(&self, limit: usize) -> Result<Vec<InFlight<S::Item>>> {
            self.run(self.core.in_flight_items(limit)).await
        }

        /// Deletes every dead letter.
        pub async fn purge_dead(&self) -> Result<u64> {
            self.run(self.core.purge_dead()).await
        }

        /// Waiting, due, in flight, dead and the oldest due item's age.
        pub async fn stats(&self) -> Result<Stats> {
            self.run(self.core.stats(unix_now())).await
        }
    }
}
