//! Leases for JS: claims, acks, extensions, retries, releases, the expired-lease sweep,
//! dead letters and the in-flight listing, each the core's operation in a slot like any
//! other. Lease records, on the hot path of every claim and ack, cross the boundary by
//! hand (`record`); the rarer listings through serde-wasm-bindgen (`listing`).

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::errors::refused;
use super::params;
use super::results::{self, record, records};
use super::WasmSet;
use crate::core::{DeadLetter, Lease, Operation, Retried};

mod listing;
pub(crate) mod record;

use listing::{DeadRecord, DeadRef, InFlightRecord};
use record::{lease_from_js, lease_records, leases_from_js, one_or_many, set_deadline};

#[derive(Serialize)]
struct RetriedRecord {
    /// "requeued" or "dead".
    outcome: &'static str,
    /// When it can be claimed again (ms since the epoch, server clock); null if dead.
    at: Option<f64>,
}

impl From<Retried> for RetriedRecord {
    fn from(outcome: Retried) -> Self {
        match outcome {
            Retried::Requeued { at_ms } => RetriedRecord {
                outcome: "requeued",
                at: Some(at_ms as f64),
            },
            Retried::Dead => RetriedRecord {
                outcome: "dead",
                at: None,
            },
        }
    }
}

/// `retry`'s second argument as an object: `{ delay?, reason? }`.
#[derive(Deserialize, Default)]
struct RetryOptions {
    delay: Option<f64>,
    reason: Option<String>,
}

impl RetryOptions {
    /// A delay in ms, or `{ delay, reason }`; undefined or null: the backoff's delay.
    fn from_js(value: &JsValue) -> Result<Self, JsValue> {
        const WHAT: &str = "retry(options)";
        if value.is_undefined() || value.is_null() {
            Ok(Self::default())
        } else if let Some(delay) = value.as_f64() {
            Ok(RetryOptions {
                delay: Some(delay),
                reason: None,
            })
        } else if value.is_object() {
            serde_wasm_bindgen::from_value(value.clone()).map_err(|e| refused(WHAT, e))
        } else {
            Err(params::type_error(
                WHAT,
                "a delay in ms or { delay, reason }",
                value,
            ))
        }
    }
}

#[wasm_bindgen]
impl WasmSet {
    /// Claims up to `count` eligible items for `leaseMs`; outputs lease records.
    pub fn claim(
        &self,
        id: u32,
        count: &JsValue,
        lease_ms: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let count = params::count(count, "claim(count)")?;
        let lease = params::ms(lease_ms, "claim(leaseMs)")?;
        self.begin(id, self.core.claim(count, lease, now).map(lease_records))
    }

    /// Acks `done` (a lease record or an array of them) and claims up to `count` more
    /// for `leaseMs`, in one round trip; outputs lease records, or throws LeaseLost (then
    /// nothing was claimed).
    #[wasm_bindgen(js_name = ackAndClaim)]
    pub fn ack_and_claim(
        &self,
        id: u32,
        done: &JsValue,
        count: &JsValue,
        lease_ms: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let done = one_or_many(done, "ackAndClaim(leases)")?;
        let count = params::count(count, "ackAndClaim(count)")?;
        let lease = params::ms(lease_ms, "ackAndClaim(leaseMs)")?;
        let op = self.core.ack_and_claim(&done, count, lease, now);
        self.begin(id, op.map(lease_records))
    }

    /// Acks a lease record; outputs undefined, or throws LeaseLost.
    pub fn ack(&self, id: u32, lease: &JsValue) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(lease, "ack(lease)")?;
        self.ack_leases(id, &[lease])
    }

    /// Acks the lease records in `leases` (an array) in one round trip; outputs
    /// undefined, or throws LeaseLost naming the tokens not acked.
    #[wasm_bindgen(js_name = ackMany)]
    pub fn ack_many(&self, id: u32, leases: &JsValue) -> Result<JsValue, JsValue> {
        let leases = leases_from_js(leases, "ackMany(leases)")?;
        self.ack_leases(id, &leases)
    }

    /// Extends a lease by `byMs` from now; outputs the new deadline (ms) and writes it
    /// to the record's `deadline`.
    pub fn extend(&self, id: u32, lease: JsValue, by_ms: &JsValue) -> Result<JsValue, JsValue> {
        let held = lease_from_js(&lease, "extend(lease)")?;
        let by = params::ms(by_ms, "extend(byMs)")?;
        self.begin(
            id,
            self.core.extend(&held, by).map(move |at| {
                let at = at as f64;
                set_deadline(&lease, at);
                JsValue::from(at)
            }),
        )
    }

    /// Retries a lease after `options` (a delay in ms, or `{ delay, reason }`; no delay:
    /// the backoff's); outputs `{ outcome: "requeued" | "dead", at }`.
    pub fn retry(&self, id: u32, lease: &JsValue, options: &JsValue) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(lease, "retry(lease)")?;
        let options = RetryOptions::from_js(options)?;
        let delay = options
            .delay
            .map(|d| params::duration(d, 1000.0, "retry(options).delay"))
            .transpose()?;
        let reason = options.reason.unwrap_or_default();
        let op = self.core.retry(&lease, delay, &reason);
        self.begin(id, op.map(|r| record(&RetriedRecord::from(r))))
    }

    /// Gives a lease's item back at once, the delivery not counted.
    pub fn release(&self, id: u32, lease: &JsValue) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(lease, "release(lease)")?;
        self.begin(id, self.core.release(&lease).map(|_| JsValue::UNDEFINED))
    }

    /// The expired-lease sweep; outputs `{ requeued, dead }`.
    pub fn recover(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.recover().map(|r| record(&r)))
    }

    /// How many items are in flight.
    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.in_flight().map(results::count))
    }

    /// The leases in flight, earliest deadline first (at most `limit`, default 100).
    #[wasm_bindgen(js_name = inFlightItems)]
    pub fn in_flight_items(&self, id: u32, limit: &JsValue) -> Result<JsValue, JsValue> {
        let limit = params::position(limit, "inFlightItems(limit)", 100)?;
        self.begin(
            id,
            self.core
                .in_flight_items(limit)
                .map(records::<InFlightRecord, _>),
        )
    }

    /// The dead letters, oldest first.
    #[wasm_bindgen(js_name = deadLetters)]
    pub fn dead_letters(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.dead_letters().map(records::<DeadRecord, _>))
    }

    /// Puts dead letters (records from `deadLetters`) back into the set; outputs how
    /// many were still dead.
    #[wasm_bindgen(js_name = requeueDead)]
    pub fn requeue_dead(&self, id: u32, letters: JsValue) -> Result<JsValue, JsValue> {
        let letters: Vec<DeadLetter<()>> = serde_wasm_bindgen::from_value::<Vec<DeadRef>>(letters)
            .map_err(|e| refused("requeueDead(letters)", e))?
            .into_iter()
            .map(DeadRef::letter)
            .collect();
        self.begin(id, self.core.requeue_dead(&letters).map(results::count))
    }

    /// Deletes every dead letter; outputs how many there were.
    #[wasm_bindgen(js_name = purgeDead)]
    pub fn purge_dead(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.purge_dead().map(results::count))
    }
}

impl WasmSet {
    fn ack_leases(&self, id: u32, leases: &[Lease<JsValue>]) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.ack(leases).map(|()| JsValue::UNDEFINED))
    }
}
