//! Items in and out of a set, as `stats --watch` and the dashboard count them: out is
//! what consumers claimed; in, what entered the set — items added, and items back from
//! a lease (retried, released, expired) or from the dead letters.

use redset::core::Counters;

/// Items that ever entered a set that counts, by its server-side counters.
pub fn entered(counters: &Counters) -> u64 {
    counters.added + counters.retried + counters.released + counters.recovered + counters.requeued
}
