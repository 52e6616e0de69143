//! Leases for JS: the core's lease operations in slots, like every other operation.
//! Dead letters and stats cross the boundary through serde-wasm-bindgen; lease records,
//! on the hot path of every claim and ack, by hand (see `LeaseFields`).

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::convert::{count_arg, ms, whole_number};
use super::WasmSet;
use crate::core::{Counters, DeadLetter, InFlight, Lease, Operation, Retried, Stats};

/// A lease as JS sees it: `{ item, token, deliveries, deadline (ms), score, member }`.
/// `member` (the stored bytes) and `token` are what `ack` and friends use.
///
/// Converted by hand, not through serde-wasm-bindgen like the other records: a lease
/// crosses the boundary twice per item consumed (out of `claim`, back into `ack`), and
/// serde-wasm-bindgen makes a JS string of every field name on every call. Measured in
/// Node with an `execute` that answers at once, `claim(1)` went from 12.0 to 8.3 µs a
/// call and `ack` from 11.5 to 7.6 µs.
struct LeaseFields {
    item: JsValue,
    token: JsValue,
    deliveries: JsValue,
    deadline: JsValue,
    score: JsValue,
    member: JsValue,
}

thread_local! {
    /// The field names as JS strings, made once.
    static FIELDS: LeaseFields = LeaseFields {
        item: "item".into(),
        token: "token".into(),
        deliveries: "deliveries".into(),
        deadline: "deadline".into(),
        score: "score".into(),
        member: "member".into(),
    };
}

#[wasm_bindgen]
extern "C" {
    /// A plain object being filled in as a lease record: plain property writes, which
    /// cannot throw on a fresh object (`Reflect.set` goes through an exception guard).
    #[wasm_bindgen(extends = js_sys::Object)]
    type LeaseObject;
    #[wasm_bindgen(method, setter = item)]
    fn set_item(this: &LeaseObject, value: &JsValue);
    #[wasm_bindgen(method, setter = token)]
    fn set_token(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = deliveries)]
    fn set_deliveries(this: &LeaseObject, value: u32);
    #[wasm_bindgen(method, setter = deadline)]
    fn set_deadline(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = score)]
    fn set_score(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = member)]
    fn set_member(this: &LeaseObject, value: js_sys::Uint8Array);
}

/// A lease as a plain JS object.
fn lease_record(lease: Lease<JsValue>) -> JsValue {
    let object: LeaseObject = js_sys::Object::new().unchecked_into();
    object.set_item(&lease.item);
    object.set_token(lease.token as f64);
    object.set_deliveries(lease.deliveries);
    object.set_deadline(lease.deadline_ms() as f64);
    object.set_score(lease.score);
    object.set_member(js_sys::Uint8Array::from(lease.member()));
    object.into()
}

/// A lease record from JS (one `claim` gave), checked field by field: a `TypeError`
/// naming `what` and the field for anything else.
pub(super) fn lease_from_js(value: &JsValue, what: &str) -> Result<Lease<JsValue>, JsValue> {
    if !value.is_object() {
        return Err(type_error(what, "a lease record (from claim) is expected"));
    }
    FIELDS.with(|f| {
        let get = |key: &JsValue| {
            js_sys::Reflect::get(value, key).map_err(|e| type_error(what, &format!("{e:?}")))
        };
        let number = |key: &JsValue, name: &str, max: f64| {
            let n = get(key)?
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= max);
            n.ok_or_else(|| {
                type_error(
                    what,
                    &format!("`{name}` must be a whole number up to {max}"),
                )
            })
        };
        let token = number(&f.token, "token", MAX_SAFE_INTEGER)?;
        let deliveries = number(&f.deliveries, "deliveries", f64::from(u32::MAX))?;
        let deadline = get(&f.deadline)?
            .as_f64()
            .ok_or_else(|| type_error(what, "`deadline` must be a number"))?;
        let score = get(&f.score)?
            .as_f64()
            .ok_or_else(|| type_error(what, "`score` must be a number"))?;
        let member = member_bytes(get(&f.member)?)
            .ok_or_else(|| type_error(what, "`member` must be a Uint8Array"))?;
        Ok(Lease::from_parts(
            get(&f.item)?,
            member,
            token as u64,
            deliveries as u32,
            deadline.max(0.0) as u64,
            score,
        ))
    })
}

/// A lease's `member`: a Uint8Array (a Buffer is one), or an array of byte values.
fn member_bytes(value: JsValue) -> Option<Vec<u8>> {
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Some(bytes.to_vec());
    }
    let array = value.dyn_ref::<js_sys::Array>()?;
    array
        .iter()
        .map(|b| {
            b.as_f64()
                .filter(|b| b.fract() == 0.0 && (0.0..=255.0).contains(b))
                .map(|b| b as u8)
        })
        .collect()
}

/// The leases of an array of lease records.
fn leases_from_js(value: &JsValue, what: &str) -> Result<Vec<Lease<JsValue>>, JsValue> {
    let array = value
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| type_error(what, "an array of lease records is expected"))?;
    array
        .iter()
        .map(|lease| lease_from_js(&lease, what))
        .collect()
}

/// 2^53 - 1: the greatest whole number a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn type_error(what: &str, message: &str) -> JsValue {
    js_sys::TypeError::new(&format!("{what}: {message}")).into()
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

/// A lease in flight as JS sees it: `{ item (null if undecodable), token (null for a
/// retry waiting out its delay), deliveries, score, deadline (ms), timeLeft (ms),
/// member }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InFlightRecord {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    item: JsValue,
    token: Option<f64>,
    deliveries: u32,
    score: f64,
    deadline: f64,
    time_left: f64,
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
    /// What the scripts counted, or null if the set never counted.
    counters: Option<Counters>,
    /// Whether the set is paused.
    paused: bool,
    /// How long (ms) a handler's rateLimited still holds the set, or null.
    held_for: Option<f64>,
}

#[derive(Serialize)]
struct RetriedRecord {
    /// "requeued" or "dead".
    outcome: &'static str,
    /// When it can be claimed again (ms since the epoch, server clock); null if dead.
    at: Option<f64>,
}

pub(super) fn record<T: Serialize>(value: &T) -> JsValue {
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

    /// Acks the lease records in `leases` (an array) and claims up to `count` more for
    /// `leaseMs`, in one round trip; outputs lease records, or throws LeaseLost (then
    /// nothing was claimed).
    #[wasm_bindgen(js_name = ackAndClaim)]
    pub fn ack_and_claim(
        &self,
        id: u32,
        leases: JsValue,
        count: f64,
        lease_ms: f64,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let done = leases_from_js(&leases, "ackAndClaim(leases)")?;
        let count = count_arg(count, "ackAndClaim(count)")?;
        let lease = ms(lease_ms, "ackAndClaim(leaseMs)")?;
        let op = self.core.ack_and_claim(&done, count, lease, now);
        self.begin(id, op.map(lease_records))
    }

    /// Acks the lease records in `leases` (an array); outputs undefined, or throws
    /// LeaseLost naming the tokens not acked.
    pub fn ack(&self, id: u32, leases: JsValue) -> Result<JsValue, JsValue> {
        let leases = leases_from_js(&leases, "ack(leases)")?;
        self.begin(id, self.core.ack(&leases).map(|()| JsValue::UNDEFINED))
    }

    /// Extends a lease by `byMs` from now; outputs the new deadline (ms).
    pub fn extend(&self, id: u32, lease: JsValue, by_ms: f64) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(&lease, "extend(lease)")?;
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
        let lease = lease_from_js(&lease, "retry(lease)")?;
        let delay = delay_ms.map(|d| ms(d, "retry(delay)")).transpose()?;
        let op = self
            .core
            .retry(&lease, delay, reason.as_deref().unwrap_or(""));
        self.begin(id, op.map(retried))
    }

    /// Gives a lease's item back at once, the delivery not counted.
    pub fn release(&self, id: u32, lease: JsValue) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(&lease, "release(lease)")?;
        self.begin(id, self.core.release(&lease).map(|_| JsValue::UNDEFINED))
    }

    /// The expired-lease sweep; outputs `{ requeued, dead }`.
    pub fn recover(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.recover().map(|r| record(&r)))
    }

    /// How many items are in flight.
    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.in_flight().map(|n| JsValue::from(n as f64)))
    }

    /// The leases in flight, earliest deadline first (at most `limit`).
    #[wasm_bindgen(js_name = inFlightItems)]
    pub fn in_flight_items(&self, id: u32, limit: f64) -> Result<JsValue, JsValue> {
        let limit = whole_number(limit, "inFlightItems(limit)")?;
        self.begin(
            id,
            self.core.in_flight_items(limit).map(|leases| {
                let records: Vec<InFlightRecord> =
                    leases.into_iter().map(in_flight_record).collect();
                record(&records)
            }),
        )
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
    leases
        .into_iter()
        .map(lease_record)
        .collect::<js_sys::Array>()
        .into()
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
        time: epoch_ms(letter.time),
        score: letter.score,
    }
}

fn in_flight_record(lease: InFlight<JsValue>) -> InFlightRecord {
    InFlightRecord {
        member: lease.member().to_vec(),
        item: lease.item.clone().unwrap_or(JsValue::NULL),
        token: lease.token.map(|t| t as f64),
        deliveries: lease.deliveries,
        score: lease.score,
        deadline: epoch_ms(lease.deadline),
        time_left: lease.time_left.as_secs_f64() * 1000.0,
    }
}

/// A time as ms since the UNIX epoch (0 before it).
fn epoch_ms(time: std::time::SystemTime) -> f64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}

fn stats_record(stats: Stats) -> StatsRecord {
    StatsRecord {
        waiting: stats.waiting,
        due: stats.due,
        in_flight: stats.in_flight,
        dead: stats.dead,
        oldest_due_age: stats.oldest_due_age.map(|d| d.as_secs_f64() * 1000.0),
        counters: stats.counters,
        paused: stats.paused,
        held_for: stats.held_for.map(|d| d.as_secs_f64() * 1000.0),
    }
}
