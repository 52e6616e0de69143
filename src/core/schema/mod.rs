//! Every key a set uses and the order of every script's `KEYS`: the one place that
//! names a key (BullMQ keeps its queue's keys in one file the same way).
//!
//! A set lives at the Redis key that is its name, readable by the original Python
//! redset. Everything else is a companion key in the set's own Redis Cluster hash slot
//! ([`companion_key`]), so every script that touches a set is Cluster-safe without the
//! user choosing a hash tag. A script's `KEYS` are listed below by role, in order; each
//! `.lua` file's header lists the same roles (a test compares them).

mod companions;
mod slot;

use std::sync::Arc;

pub use companions::{companion_of, COMPANIONS};
pub use slot::{companion_key, hash_slot};

/// The role of the set's own key (the original's `ZSET`) in a script's `KEYS`.
pub const SET: &str = "set";
/// zset: member → lease deadline, ms by the server's clock.
pub const LEASES: &str = "leases";
/// hash: member → "token deliveries score" of its lease (token 0: a retry waiting out
/// its delay, held by nobody), then " group" for an item of a grouped set.
pub const LEASE_RECORDS: &str = "lease-records";
/// hash: member → how many times it was claimed, for an item back in the set after a
/// delivery, until it is claimed again.
pub const DELIVERIES: &str = "deliveries";
/// The counter that fencing tokens come from (never deleted: tokens keep growing).
pub const FENCE: &str = "fence";
/// zset: member → when it was buried, ms (the dead letters).
pub const DEAD: &str = "dead";
/// hash: member → "deliveries time score reason" of a dead letter.
pub const DEAD_RECORDS: &str = "dead-records";
/// zset: one marker that wakes a consumer blocked on it (see `Waiting::Blocking`).
pub const WAKE: &str = "wake";
/// string with an expiry: a consumer waits on the wake-up marker, so writers write it.
pub const WAITING: &str = "waiting";
/// zset: member → until when an add of it is skipped (the deduplication window).
pub const DEDUP: &str = "dedup";
/// hash: field → how many items the scripts added, claimed, acked, retried,
/// released, dead-lettered, recovered and requeued, when the set counts (`metrics`).
pub const COUNTERS: &str = "counters";
/// hash: the set's flow control — "paused" (while paused), "tat" (the set's rate
/// limit: its theoretical arrival time, ms by the server's clock), "hold" (until when,
/// ms, the set hands out nothing: `rate_limited`).
pub const FLOW: &str = "flow";
/// zset, all scores 0, read by `ZRANGEBYLEX`: one entry per waiting item of a grouped
/// set, `group prefix ‖ sortable score ‖ member`, so a group's head is one lookup.
pub const GROUP_INDEX: &str = "group-index";
/// hash: member → its group, while the item is waiting or dead (a lease carries its
/// group in its record).
pub const GROUP_OF: &str = "group-of";
/// list: the groups whose turn may come now, in round-robin order (a turn moves the
/// first to the back).
pub const GROUPS_READY: &str = "groups-ready";
/// zset: group → when its rate limit lets it go again, ms by the server's clock.
pub const GROUPS_HELD: &str = "groups-held";
/// zset: group → its head's score, for a scheduled set's groups with nothing due yet.
pub const GROUPS_LATER: &str = "groups-later";
/// hash: group → how many of its items are leased (its in-flight count), plus 2^32
/// while the group has a place (in line, held or later) or 2^33 while it waits at its
/// in-flight limit, so that one `HINCRBY` counts a lease and says where the group is.
pub const GROUP_IN_FLIGHT: &str = "group-in-flight";
/// hash: group → its rate limit's theoretical arrival time, ms.
pub const GROUP_RATE: &str = "group-rate";
/// hash: group → how many of its items are in the dead letters.
pub const GROUP_DEAD: &str = "group-dead";
/// The role of the original Python redset's lock (`name__lock`, not a companion: it
/// is the original's own key, in another slot), appended last by a call that honours it.
pub const ORIGINAL_LOCK: &str = "original-lock";

/// A grouped set's keys, in this order (see `scripts/flow/groups.lua`).
pub const GROUP_KEYS: &[&str] = &[
    GROUP_INDEX,
    GROUP_OF,
    GROUPS_READY,
    GROUPS_HELD,
    GROUPS_LATER,
    GROUP_IN_FLIGHT,
    GROUP_RATE,
    GROUP_DEAD,
];
/// The flow-control keys: the flow hash, then [`GROUP_KEYS`]; after the other keys of
/// the scripts that use them (lease scripts, a grouped set's adds).
pub const FLOW_KEYS: &[&str] = &joined::<9>(&[FLOW], GROUP_KEYS);
/// `KEYS` of the add script (`add`, each chunk of `add_many`); a grouped set's adds
/// send [`FLOW_KEYS`] after them.
pub const ADD_KEYS: &[&str] = &[SET, WAKE, WAITING, DEDUP, COUNTERS];
/// `KEYS` of the counted add of one member (a set that counts and needs nothing else of
/// the add script).
pub const ADD_COUNTED_KEYS: &[&str] = &[SET, COUNTERS, WAITING];
/// `KEYS` of the scheduled pop script, before the original's lock when honoured.
pub const POP_DUE_KEYS: &[&str] = &[SET];
/// `KEYS` of `clear()`: the set and every companion but the fencing counter (tokens
/// keep growing, so a stale holder's token never matches a new lease), the counters
/// (they count for ever, as a Prometheus counter does) and the flow-control hash (a
/// paused set stays paused, a rate limit keeps its state).
pub const CLEAR_KEYS: &[&str] = &joined::<17>(
    &[
        SET,
        LEASES,
        LEASE_RECORDS,
        DELIVERIES,
        DEAD,
        DEAD_RECORDS,
        WAKE,
        WAITING,
        DEDUP,
    ],
    GROUP_KEYS,
);
/// `KEYS` of every lease script (claim, ack, extend, retry, bury, recover, dead,
/// requeue_dead, purge_dead, stats, in_flight) and of a flow-controlled set's pop: the
/// lease keys, then [`FLOW_KEYS`]; the claim and pop scripts take the original's lock
/// after them when honoured.
pub const LEASE_KEYS: &[&str] = &joined::<19>(
    &[
        SET,
        LEASES,
        LEASE_RECORDS,
        DELIVERIES,
        FENCE,
        DEAD,
        DEAD_RECORDS,
        WAKE,
        WAITING,
        COUNTERS,
    ],
    FLOW_KEYS,
);
/// `KEYS` of a wait's probe.
pub const PROBE_KEYS: &[&str] = &[
    SET,
    LEASES,
    WAITING,
    FLOW,
    GROUPS_READY,
    GROUPS_HELD,
    GROUPS_LATER,
];
/// `KEYS` of `resume()`: the flow hash, and the wake-up marker it writes for waiting
/// consumers.
pub const RESUME_KEYS: &[&str] = &[FLOW, WAKE, WAITING];

/// The key of the original's lock for the set `name`: `name + "__lock"`.
///
/// It is not in the set's Cluster hash slot (the original does not support Cluster),
/// so the lock is honoured only on a single Redis.
///
/// ```
/// assert_eq!(redset::core::original_lock_key("jobs"), "jobs__lock");
/// ```
pub fn original_lock_key(name: &str) -> String {
    format!("{name}__lock")
}

/// A set's keys, made once (they go out with every script call).
#[derive(Debug)]
pub(crate) struct Keys {
    /// Each role and its key, the set's own first.
    by_role: Vec<(&'static str, Vec<u8>)>,
    /// The lease scripts' `KEYS`, the most used list.
    lease: Arc<[Vec<u8>]>,
}

/// Every role: the lease scripts', the dedup window's, and the original's lock last.
const ROLES: &[&str] = &joined::<21>(&joined::<20>(LEASE_KEYS, &[DEDUP]), &[ORIGINAL_LOCK]);

/// `a` then `b`, as one array of `N` (a compile error unless `N` is their length): so
/// that each list of keys is written once.
const fn joined<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N, "joined: N is not the length");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < a.len() { a[i] } else { b[i - a.len()] };
        i += 1;
    }
    out
}

impl Keys {
    /// The keys of the set `name`.
    pub fn new(name: &str) -> Self {
        let by_role: Vec<(&'static str, Vec<u8>)> = ROLES
            .iter()
            .map(|&role| {
                let key = match role {
                    SET => name.to_owned(),
                    ORIGINAL_LOCK => original_lock_key(name),
                    suffix => companion_key(name, suffix),
                };
                (role, key.into_bytes())
            })
            .collect();
        let mut keys = Keys {
            by_role,
            lease: Arc::from(Vec::new()),
        };
        keys.lease = keys.list(LEASE_KEYS).into();
        keys
    }

    /// The key of `role` (one of this module's constants).
    pub fn get(&self, role: &str) -> &[u8] {
        self.by_role
            .iter()
            .find(|(known, _)| *known == role)
            .map_or(&[][..], |(_, key)| key.as_slice())
    }

    /// The keys of `roles`, in order: a script's `KEYS`.
    pub fn list(&self, roles: &[&str]) -> Vec<Vec<u8>> {
        roles.iter().map(|role| self.get(role).to_vec()).collect()
    }

    /// The lease scripts' `KEYS` ([`LEASE_KEYS`]).
    pub fn lease(&self) -> Vec<Vec<u8>> {
        self.lease.to_vec()
    }

    /// Every companion of the set, by role, for operators (the set's own key and the
    /// original's lock left out).
    pub fn companions(&self) -> Vec<(&'static str, String)> {
        self.by_role
            .iter()
            .filter(|(role, _)| *role != SET && *role != ORIGINAL_LOCK)
            .map(|(role, key)| (*role, String::from_utf8_lossy(key).into_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_the_sets_or_in_its_slot_but_the_originals_lock() {
        for name in ["jobs", "{t}jobs", "a}b", ""] {
            let keys = Keys::new(name);
            assert_eq!(keys.get(SET), name.as_bytes());
            assert_eq!(keys.get(ORIGINAL_LOCK), format!("{name}__lock").as_bytes());
            for (role, key) in keys.companions() {
                assert_eq!(
                    hash_slot(key.as_bytes()),
                    hash_slot(name.as_bytes()),
                    "{role}"
                );
            }
        }
        assert_eq!(Keys::new("jobs").get(LEASES), b"{jobs}:leases");
        assert_eq!(Keys::new("jobs").lease().len(), LEASE_KEYS.len());
    }
}
