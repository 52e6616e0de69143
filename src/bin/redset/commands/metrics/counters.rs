//! The server-side counters of a set that counts (`.metrics(true)` / `{ metrics: true }`
//! in its producers and consumers): totals the scripts keep in `{name}:counters`, read
//! with the gauges in the same round trip. A set that never counted has none.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::{Registry, Unit};
use redset::core::Counters;

use super::SetLabels;

/// Each counter: its name (before `_items_total`), its help, its value.
type Field = (&'static str, &'static str, fn(&Counters) -> u64);

const FIELDS: [Field; 8] = [
    ("added", "Items added (new members)", |c| c.added),
    ("claimed", "Items claimed (deliveries)", |c| c.claimed),
    ("acked", "Leases acked", |c| c.acked),
    (
        "retried",
        "Leases retried (back to the set after a delay)",
        |c| c.retried,
    ),
    ("released", "Leases released (given back uncounted)", |c| {
        c.released
    }),
    ("dead_lettered", "Items moved to the dead letters", |c| {
        c.dead
    }),
    (
        "recovered",
        "Expired leases that went back to the set",
        |c| c.recovered,
    ),
    ("requeued", "Dead letters put back into the set", |c| {
        c.requeued
    }),
];

/// One family per counter, by set.
pub struct CounterSeries {
    families: Vec<Family<SetLabels, Counter>>,
}

impl Default for CounterSeries {
    fn default() -> Self {
        CounterSeries {
            families: FIELDS.iter().map(|_| Family::default()).collect(),
        }
    }
}

impl CounterSeries {
    /// Records one set's counters.
    pub fn observe(&self, set: &SetLabels, counters: &Counters) {
        for ((_, _, value), family) in FIELDS.iter().zip(&self.families) {
            family.get_or_create(set).inc_by(value(counters));
        }
    }

    /// Adds the counters to `registry` (whose prefix is `redset`).
    pub fn register(self, registry: &mut Registry) {
        for ((name, help, _), family) in FIELDS.iter().zip(self.families) {
            let help = format!("{help}, counted by the server since the set first counted");
            registry.register_with_unit(*name, help, Unit::Other("items".into()), family);
        }
    }
}
