//! The JSON shapes the API gives of a set's figures, items, leases, groups and dead
//! letters (documented in `src/dashboard/api.js`), the same as the Node host's: times
//! in ms since the epoch, durations in ms under names that say so, items as text, and
//! a dead letter's exact member in base64 (`id`), which is how the page names the
//! letters it asks to requeue.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use redset::core::{Counters, Kind};
use redset::{DeadLetter, Entry, GroupStats, InFlight, Stats};
use serde::{Serialize, Serializer};

/// The kind as the API names it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Sorted => "sorted",
        Kind::TimeSorted => "time",
        Kind::Scheduled => "scheduled",
    }
}

/// A time as ms since the UNIX epoch (0 before it).
pub fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// An item as text: every serializer's bytes shown as UTF-8 (invalid bytes replaced).
pub fn item_text(member: &[u8]) -> String {
    String::from_utf8_lossy(member).into_owned()
}

/// A dead letter's id: its member in base64.
pub fn member_id(member: &[u8]) -> String {
    BASE64.encode(member)
}

/// A score as JSON holds it: a number, or `"+inf"` / `"-inf"` (Redis allows both).
fn score<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() {
        serializer.serialize_f64(*value)
    } else if *value > 0.0 {
        serializer.serialize_str("+inf")
    } else {
        serializer.serialize_str("-inf")
    }
}

/// `stats()` as the API gives it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsView {
    waiting: u64,
    due: u64,
    in_flight: u64,
    dead: u64,
    oldest_due_age_ms: Option<f64>,
    counters: Option<Counters>,
    paused: bool,
    held_for_ms: Option<f64>,
}

impl From<&Stats> for StatsView {
    fn from(stats: &Stats) -> Self {
        StatsView {
            waiting: stats.waiting,
            due: stats.due,
            in_flight: stats.in_flight,
            dead: stats.dead,
            oldest_due_age_ms: stats.oldest_due_age.map(ms),
            counters: stats.counters,
            paused: stats.paused,
            held_for_ms: stats.held_for.map(ms),
        }
    }
}

/// A group's figures: `group` "" is the default group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    group: String,
    waiting: u64,
    in_flight: u64,
    dead: u64,
}

impl From<&GroupStats> for GroupView {
    fn from(group: &GroupStats) -> Self {
        GroupView {
            group: group.group.clone(),
            waiting: group.waiting,
            in_flight: group.in_flight,
            dead: group.dead,
        }
    }
}

/// An item waiting in the set.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    item: String,
    #[serde(serialize_with = "score")]
    score: f64,
}

impl From<&Entry<Vec<u8>>> for EntryView {
    fn from(entry: &Entry<Vec<u8>>) -> Self {
        EntryView {
            item: item_text(entry.member()),
            score: entry.score,
        }
    }
}

/// A lease in flight: `token` null for a retry waiting out its delay.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaseView {
    item: String,
    token: Option<u64>,
    deliveries: u32,
    #[serde(serialize_with = "score")]
    score: f64,
    deadline: u64,
    time_left_ms: f64,
}

impl From<&InFlight<Vec<u8>>> for LeaseView {
    fn from(lease: &InFlight<Vec<u8>>) -> Self {
        LeaseView {
            item: item_text(lease.member()),
            token: lease.token,
            deliveries: lease.deliveries,
            score: lease.score,
            deadline: epoch_ms(lease.deadline),
            time_left_ms: ms(lease.time_left),
        }
    }
}

/// A dead letter, named by its `id`.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetterView {
    id: String,
    item: String,
    reason: String,
    deliveries: u32,
    time: u64,
    #[serde(serialize_with = "score")]
    score: f64,
}

impl From<&DeadLetter<Vec<u8>>> for DeadLetterView {
    fn from(letter: &DeadLetter<Vec<u8>>) -> Self {
        DeadLetterView {
            id: member_id(letter.member()),
            item: item_text(letter.member()),
            reason: letter.reason.clone(),
            deliveries: letter.deliveries,
            time: epoch_ms(letter.time),
            score: letter.score,
        }
    }
}

impl DeadLetterView {
    /// Whether its item or reason holds `lowercase` (given in lower case).
    pub fn matches(&self, lowercase: &str) -> bool {
        self.item.to_lowercase().contains(lowercase)
            || self.reason.to_lowercase().contains(lowercase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_ids_read_as_the_node_host_writes_them() {
        let entry = |score| {
            serde_json::to_value(EntryView {
                item: "a".into(),
                score,
            })
            .unwrap()["score"]
                .clone()
        };
        assert_eq!(entry(1.5), serde_json::json!(1.5));
        assert_eq!(entry(f64::INFINITY), serde_json::json!("+inf"));
        assert_eq!(entry(f64::NEG_INFINITY), serde_json::json!("-inf"));
        assert_eq!(member_id(b"job-3"), "am9iLTM=");
        assert_eq!(item_text(&[b'a', 0xff]), "a\u{fffd}");
    }
}
