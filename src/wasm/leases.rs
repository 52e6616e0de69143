//! Leases for JS: the core's lease operations in slots, like every other operation.
//! Lease records, dead letters and stats cross the boundary through serde-wasm-bindgen.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::convert::{count_arg, ms};
use super::WasmSet;
use crate::core::{DeadLetter, Lease, Operation, Retried, Stats};

/// A lease as JS sees it: `{ item, token, deliveries, deadline (ms), score, member }`.
/// `member` (the stored bytes) and `token` are what `ack` and friends use.
#[derive(Serialize, Deserialize)]
struct LeaseRecord {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    item: JsValue,
    token: u64,
    deliveries: u32,
    deadline: f64,
    score: f64,
    #[serde(with = "serde_bytes")]
    member: Vec<u8>,
}

impl From<Lease<JsValue>> for LeaseRecord {
    fn from(lease: Lease<JsValue>) -> Self {
        LeaseRecord {
            token: lease.token,
            deliveries: lease.deliveries,
            deadline: lease.deadline_ms() as f64,
            score: lease.score,
            member: lease.member().to_vec(),
            item: lease.item,
        }
    }
}

impl LeaseRecord {
    fn lease(self) -> Lease<JsValue> {
        Lease::from_parts(
            self.item,
            self.member,
            self.token,
            self.deliveries,
            self.deadline.max(0.0) as u64,
            self.score,
        )
    }
}

/// A dead letter as JS sees it: `{ item (null if undecodable), reason, deliveries,
/// time (ms), score, member }`.
#[derive(Serialize, Deserialize)]
struct DeadRecord {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    item: JsValue,
    reason: String,
    deliveries: u32,
    time: f64,
    score: f64,
    #[serde(with = "serde_bytes")]
    member: Vec<u8>,
}

/// A letter to requeue: only its member matters.
#[derive(Deserialize)]
struct DeadRef {
    #[serde(with = "serde_bytes")]
    member: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsRecord {
    waiting: u64,
    due: u64,
    in_flight: u64,
    dead: u64,
    /// ms, or null.
    oldest_due_age: Option<f64>,
}

#[derive(Serialize)]
struct RecoveredRecord {
    requeued: u64,
    dead: u64,
}

#[derive(Serialize)]
struct RetriedRecord {
    /// "requeued" or "dead".
    outcome: &'static str,
    /// When it can be claimed again (ms since the epoch, server clock); null if dead.
    at: Option<f64>,
}

fn record<T: Serialize>(value: &T) -> JsValue {
    // Plain records of numbers, strings, bytes and preserved JS values: serializing
    // them cannot fail, but a failure would still be a value, not a panic.
    value
        .serialize(
            &serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false),
        )
        .unwrap_or_else(JsValue::from)
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js_sys::TypeError::new(&format!("{what}: {e}")).into())
}

#[wasm_bindgen]
impl WasmSet {
    /// Claims up to `count` eligible items for `leaseMs`; outputs lease records.
    pub fn claim(&self, id: u32, count: f64, lease_ms: f64, now: f64) -> Result<JsValue, JsValue> {
        let count = count_arg(count, "claim(count)")?;
        let lease = ms(lease_ms, "claim(lease)")?;
        self.begin(id, self.core.claim(count, lease, now).map(lease_records))
    }

    /// Acks the lease records in `leases` (an array); outputs undefined, or throws
    /// LeaseLost naming the tokens not acked.
    pub fn ack(&self, id: u32, leases: JsValue) -> Result<JsValue, JsValue> {
        let leases: Vec<Lease<JsValue>> = from_js::<Vec<LeaseRecord>>(leases, "ack(leases)")?
            .into_iter()
            .map(LeaseRecord::lease)
            .collect();
        self.begin(id, self.core.ack(&leases).map(|()| JsValue::UNDEFINED))
    }

    /// Extends a lease by `byMs` from now; outputs the new deadline (ms).
    pub fn extend(&self, id: u32, lease: JsValue, by_ms: f64) -> Result<JsValue, JsValue> {
        let lease = from_js::<LeaseRecord>(lease, "extend(lease)")?.lease();
        let by = ms(by_ms, "extend(by)")?;
        self.begin(
            id,
            self.core
                .extend(&lease, by)
                .map(|at| JsValue::from(at as f64)),
        )
    }

    /// Retries a lease after `delayMs` (undefined: the backoff's delay); outputs
    /// `{ outcome: "requeued" | "dead", at }`.
    pub fn retry(
        &self,
        id: u32,
        lease: JsValue,
        delay_ms: Option<f64>,
        reason: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let lease = from_js::<LeaseRecord>(lease, "retry(lease)")?.lease();
        let delay = delay_ms.map(|d| ms(d, "retry(delay)")).transpose()?;
        let op = self
            .core
            .retry(&lease, delay, reason.as_deref().unwrap_or(""));
        self.begin(id, op.map(retried))
    }

    /// Gives a lease's item back at once, the delivery not counted.
    pub fn release(&self, id: u32, lease: JsValue) -> Result<JsValue, JsValue> {
        let lease = from_js::<LeaseRecord>(lease, "release(lease)")?.lease();
        self.begin(id, self.core.release(&lease).map(|_| JsValue::UNDEFINED))
    }

    /// The expired-lease sweep; outputs `{ requeued, dead }`.
    pub fn recover(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(
            id,
            self.core.recover().map(|r| {
                record(&RecoveredRecord {
                    requeued: r.requeued,
                    dead: r.dead,
                })
            }),
        )
    }

    /// How many items are in flight.
    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.in_flight().map(|n| JsValue::from(n as f64)))
    }

    /// The dead letters, oldest first.
    #[wasm_bindgen(js_name = deadLetters)]
    pub fn dead_letters(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(
            id,
            self.core.dead_letters().map(|letters| {
                let records: Vec<DeadRecord> = letters.into_iter().map(dead_record).collect();
                record(&records)
            }),
        )
    }

    /// Puts dead letters (records from `deadLetters`) back into the set; outputs how
    /// many were still dead.
    #[wasm_bindgen(js_name = requeueDead)]
    pub fn requeue_dead(&self, id: u32, letters: JsValue) -> Result<JsValue, JsValue> {
        let letters: Vec<DeadLetter<()>> =
            from_js::<Vec<DeadRef>>(letters, "requeueDead(letters)")?
                .into_iter()
                .map(|l| DeadLetter::from_member(l.member))
                .collect();
        self.begin(
            id,
            self.core
                .requeue_dead(&letters)
                .map(|n| JsValue::from(n as f64)),
        )
    }

    /// Deletes every dead letter; outputs how many there were.
    #[wasm_bindgen(js_name = purgeDead)]
    pub fn purge_dead(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.purge_dead().map(|n| JsValue::from(n as f64)))
    }

    /// `{ waiting, due, inFlight, dead, oldestDueAge (ms or null) }`.
    pub fn stats(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.stats(now).map(|s| record(&stats_record(s))))
    }
}

/// Leases as the JS lease records.
pub(super) fn lease_records(leases: Vec<Lease<JsValue>>) -> JsValue {
    let records: Vec<LeaseRecord> = leases.into_iter().map(LeaseRecord::from).collect();
    record(&records)
}

fn retried(outcome: Retried) -> JsValue {
    record(&match outcome {
        Retried::Requeued { at_ms } => RetriedRecord {
            outcome: "requeued",
            at: Some(at_ms as f64),
        },
        Retried::Dead => RetriedRecord {
            outcome: "dead",
            at: None,
        },
    })
}

fn dead_record(letter: DeadLetter<JsValue>) -> DeadRecord {
    DeadRecord {
        member: letter.member().to_vec(),
        item: letter.item.clone().unwrap_or(JsValue::NULL),
        reason: letter.reason,
        deliveries: letter.deliveries,
        time: letter
            .time
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64),
        score: letter.score,
    }
}

fn stats_record(stats: Stats) -> StatsRecord {
    StatsRecord {
        waiting: stats.waiting,
        due: stats.due,
        in_flight: stats.in_flight,
        dead: stats.dead,
        oldest_due_age: stats.oldest_due_age.map(|d| d.as_secs_f64() * 1000.0),
    }
}
