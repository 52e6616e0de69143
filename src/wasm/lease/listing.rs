//! Operator listings of lease state for JS, through serde-wasm-bindgen: the dead
//! letters (`deadLetters`, and the references `requeueDead` takes back) and the leases
//! in flight (`inFlightItems`).

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::core::{DeadLetter, InFlight};

/// A dead letter as JS sees it: `{ item (null if undecodable), reason, deliveries,
/// time (ms), score, member }`.
#[derive(Serialize)]
pub(crate) struct DeadRecord {
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
pub(crate) struct InFlightRecord {
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
pub(crate) struct DeadRef {
    #[serde(with = "serde_bytes")]
    member: Vec<u8>,
}

impl From<DeadLetter<JsValue>> for DeadRecord {
    fn from(letter: DeadLetter<JsValue>) -> Self {
        DeadRecord {
            member: letter.member().to_vec(),
            item: letter.item.clone().unwrap_or(JsValue::NULL),
            reason: letter.reason,
            deliveries: letter.deliveries,
            time: epoch_ms(letter.time),
            score: letter.score,
        }
    }
}

impl From<InFlight<JsValue>> for InFlightRecord {
    fn from(lease: InFlight<JsValue>) -> Self {
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
}

impl DeadRef {
    /// The letter it names, for `requeue_dead`.
    pub(crate) fn letter(self) -> DeadLetter<()> {
        DeadLetter::from_member(self.member)
    }
}

/// A time as ms since the UNIX epoch (0 before it).
fn epoch_ms(time: std::time::SystemTime) -> f64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_millis() as f64)
}
