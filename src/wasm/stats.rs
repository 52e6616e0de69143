//! The set's counts for JS: `stats()` → `{ waiting, due, inFlight, dead, oldestDueAge,
//! counters }` (counters: what the scripts counted, with the `metrics` option).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::results::record;
use super::WasmSet;
use crate::core::{Counters, Operation, Stats};

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
    /// The maximum deliveries the set's consumers' last claim applied, or null.
    max_deliveries: Option<u32>,
}

impl From<Stats> for StatsRecord {
    fn from(stats: Stats) -> Self {
        StatsRecord {
            waiting: stats.waiting,
            due: stats.due,
            in_flight: stats.in_flight,
            dead: stats.dead,
            oldest_due_age: stats.oldest_due_age.map(|d| d.as_secs_f64() * 1000.0),
            counters: stats.counters,
            paused: stats.paused,
            held_for: stats.held_for.map(|d| d.as_secs_f64() * 1000.0),
            max_deliveries: stats.max_deliveries,
        }
    }
}

#[wasm_bindgen]
impl WasmSet {
    /// `{ waiting, due, inFlight, dead, oldestDueAge (ms or null), counters (or null) }`
    /// in one round trip.
    pub fn stats(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(
            id,
            self.core
                .stats(now)
                .map(|stats| record(&StatsRecord::from(stats))),
        )
    }
}
