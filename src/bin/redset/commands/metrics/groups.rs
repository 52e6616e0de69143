//! The per-group gauges, when asked for (`--groups N`): a grouped set's waiting,
//! in-flight and dead items for each of its first N groups (as `redset groups` lists
//! them: those with waiting items first), read in a second round trip per set. Off by
//! default, and capped, because a set may have as many groups as tenants: each group is
//! a series of its own in Prometheus.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use redset::GroupStats;

/// The labels of a per-group series: the set and the group ("" is the default group).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct GroupLabels {
    /// The set's name.
    pub set: String,
    /// The group's name.
    pub group: String,
}

/// Waiting, in flight and dead, by set and group.
#[derive(Default)]
pub struct GroupGauges {
    waiting: Family<GroupLabels, Gauge>,
    in_flight: Family<GroupLabels, Gauge>,
    dead: Family<GroupLabels, Gauge>,
}

fn items(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl GroupGauges {
    /// Records the groups read of `set`.
    pub fn observe(&self, set: &str, groups: &[GroupStats]) {
        for group in groups {
            let labels = GroupLabels {
                set: set.to_owned(),
                group: group.group.clone(),
            };
            self.waiting
                .get_or_create(&labels)
                .set(items(group.waiting));
            self.in_flight
                .get_or_create(&labels)
                .set(items(group.in_flight));
            self.dead.get_or_create(&labels).set(items(group.dead));
        }
    }

    /// Adds the gauges to `registry` (whose prefix is `redset`).
    pub fn register(self, registry: &mut Registry) {
        let count = Unit::Other("items".into());
        registry.register_with_unit(
            "group_waiting",
            "A group's items in the set",
            count.clone(),
            self.waiting,
        );
        registry.register_with_unit(
            "group_in_flight",
            "A group's leased items (what its in-flight limit counts)",
            count.clone(),
            self.in_flight,
        );
        registry.register_with_unit("group_dead", "A group's dead letters", count, self.dead);
    }
}
