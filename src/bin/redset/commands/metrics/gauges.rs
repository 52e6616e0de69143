//! The gauges of one scrape, one series per set: what `stats()` reads, in one round
//! trip per set — the counts, and whether the set is paused or held.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use redset::Stats;

use super::SetLabels;
use crate::commands::stats::oldest_due_age;
use crate::kind::KnownKind;

/// Waiting, due, in flight, dead, the oldest due item's age, paused and held, by set.
#[derive(Default)]
pub struct Gauges {
    waiting: Family<SetLabels, Gauge>,
    due: Family<SetLabels, Gauge>,
    in_flight: Family<SetLabels, Gauge>,
    dead: Family<SetLabels, Gauge>,
    oldest_due_age: Family<SetLabels, Gauge<f64, AtomicU64>>,
    paused: Family<SetLabels, Gauge>,
    held: Family<SetLabels, Gauge<f64, AtomicU64>>,
}

fn items(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Gauges {
    /// Records one set's counts. A sorted set has no oldest due age (its scores are
    /// priorities, not times), so it gets no such series.
    pub fn observe(&self, set: &SetLabels, kind: &KnownKind, stats: &Stats) {
        self.waiting.get_or_create(set).set(items(stats.waiting));
        self.due.get_or_create(set).set(items(stats.due));
        self.in_flight
            .get_or_create(set)
            .set(items(stats.in_flight));
        self.dead.get_or_create(set).set(items(stats.dead));
        if let Some(age) = oldest_due_age(kind, stats) {
            self.oldest_due_age
                .get_or_create(set)
                .set(age.as_secs_f64());
        }
        self.paused.get_or_create(set).set(i64::from(stats.paused));
        self.held
            .get_or_create(set)
            .set(stats.held_for.unwrap_or_default().as_secs_f64());
    }

    /// Adds the gauges to `registry` (whose prefix is `redset`).
    pub fn register(self, registry: &mut Registry) {
        let count = Unit::Other("items".into());
        registry.register_with_unit(
            "waiting",
            "Items in the set, due or not",
            count.clone(),
            self.waiting,
        );
        registry.register_with_unit(
            "due",
            "Items that can be taken now (in a scheduled set, those whose time has come)",
            count.clone(),
            self.due,
        );
        registry.register_with_unit(
            "in_flight",
            "Leased items, and retried items waiting out their delay",
            count.clone(),
            self.in_flight,
        );
        registry.register_with_unit("dead", "Dead letters", count, self.dead);
        registry.register_with_unit(
            "oldest_due_age",
            "How long the oldest due item has waited (time-ordered sets; 0 when none is due)",
            Unit::Seconds,
            self.oldest_due_age,
        );
        registry.register(
            "paused",
            "Whether the set is paused (1): no consumer is handed an item until it is resumed",
            self.paused,
        );
        registry.register_with_unit(
            "held",
            "How long a handler's rate limit (rate_limited) still holds the set, handing out nothing (0 when none does)",
            Unit::Seconds,
            self.held,
        );
    }
}
