//! The records of the lease capability that users hold: leases, dead letters, leases
//! in flight as operators see them, and what a retry or a sweep did.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

pub(crate) fn to_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().min(u128::from(u64::MAX)) as u64)
}

/// A claimed item: yours to work on until `deadline`, by the server's clock.
///
/// Hand it back with `ack` when done, `retry` on failure, `release` to give it up, or
/// `extend` to keep it longer; each works only while `token` is the item's current one.
///
/// ```
/// let lease = redset::Lease::from_parts("job-1", b"job-1".to_vec(), 7, 1, 30_000, 0.0);
/// assert_eq!((lease.token, lease.deadline_ms()), (7, 30_000));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Lease<T> {
    /// The item.
    pub item: T,
    /// The fencing token: it grows with every claim of the set, so a later holder of
    /// the same item always has a greater one.
    pub token: u64,
    /// How many times the item has been claimed, this time included.
    pub deliveries: u32,
    /// The score the item had in the set (it goes back with it).
    pub score: f64,
    /// When the lease expires, by the server's clock (`extend` moves it).
    pub deadline: SystemTime,
    pub(crate) member: Vec<u8>,
}

impl<T> Lease<T> {
    /// [`deadline`](Self::deadline) in milliseconds since the UNIX epoch.
    pub fn deadline_ms(&self) -> u64 {
        to_ms(self.deadline)
    }

    /// The member as stored in Redis (the serialized item).
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// Records the deadline an `extend` gave.
    pub fn set_deadline_ms(&mut self, deadline_ms: u64) {
        self.deadline = from_ms(deadline_ms);
    }

    /// The same lease with the item converted (e.g. into a JS value).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Lease<U> {
        Lease {
            item: f(self.item),
            token: self.token,
            deliveries: self.deliveries,
            score: self.score,
            deadline: self.deadline,
            member: self.member,
        }
    }

    /// A lease as a driver rebuilt it from its parts (the member and token are what
    /// `ack` and friends use).
    pub fn from_parts(
        item: T,
        member: Vec<u8>,
        token: u64,
        deliveries: u32,
        deadline_ms: u64,
        score: f64,
    ) -> Self {
        Lease {
            item,
            token,
            deliveries,
            score,
            deadline: from_ms(deadline_ms),
            member,
        }
    }
}

/// What `retry` did with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// Back in the set; it can be claimed again from this time (server clock, ms).
    Requeued {
        /// When it can be claimed again, ms since the UNIX epoch.
        at_ms: u64,
    },
    /// Its deliveries reached the maximum: it is in the dead letters.
    Dead,
}

/// What the expired-lease sweep did (serialized as `{ requeued, dead }`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recovered {
    /// Items returned to the set.
    pub requeued: u64,
    /// Items moved to the dead letters (their deliveries reached the maximum).
    pub dead: u64,
}

/// An item in the dead letters.
///
/// ```
/// let letter = redset::DeadLetter::from_member(b"job-1".to_vec());
/// assert_eq!((letter.member(), letter.item), (&b"job-1"[..], None));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// Why it is there.
    pub reason: String,
    /// How many times it was delivered.
    pub deliveries: u32,
    /// When it was buried (server clock).
    pub time: SystemTime,
    /// The score it had in the set (it goes back with it on requeue).
    pub score: f64,
    pub(crate) member: Vec<u8>,
}

impl DeadLetter<()> {
    /// A dead letter known only by its member, e.g. to requeue it.
    pub fn from_member(member: Vec<u8>) -> Self {
        DeadLetter {
            item: None,
            reason: String::new(),
            deliveries: 0,
            time: UNIX_EPOCH,
            score: 0.0,
            member,
        }
    }
}

impl<T> DeadLetter<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// The same dead letter with the item converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> DeadLetter<U> {
        DeadLetter {
            item: self.item.map(f),
            reason: self.reason,
            deliveries: self.deliveries,
            time: self.time,
            score: self.score,
            member: self.member,
        }
    }
}

/// A lease in flight, as `in_flight_items` lists it for operators: whoever holds it,
/// or a retry waiting out its delay.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// The holder's fencing token; `None` for a retry waiting out its delay, which
    /// nobody holds (it goes back to the set at `deadline`).
    pub token: Option<u64>,
    /// How many times the item has been claimed.
    pub deliveries: u32,
    /// The score it had in the set (it goes back with it).
    pub score: f64,
    /// When the lease expires, or the retry delay ends (server clock).
    pub deadline: SystemTime,
    /// How long until then, by the server's clock when it was listed; zero once past
    /// (an expired lease goes back at the next claim or `recover()`).
    pub time_left: Duration,
    pub(crate) member: Vec<u8>,
}

impl<T> InFlight<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }

    /// The same lease with the item converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> InFlight<U> {
        InFlight {
            item: self.item.map(f),
            token: self.token,
            deliveries: self.deliveries,
            score: self.score,
            deadline: self.deadline,
            time_left: self.time_left,
            member: self.member,
        }
    }
}
