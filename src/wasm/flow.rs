//! Flow control for JS: pause and resume, the workers' escape hatch, grouped adds and
//! per-group counts, and the grouper (a JS function, like the scorer). The limits are
//! set options (`options.rs`).

use std::sync::Arc;

use js_sys::Function;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::convert::{ms, whole_number};
use super::leases::{lease_from_js, record};
use super::{JsOnly, WasmSet};
use crate::core::{GroupStats, Operation};

/// A group's counts as JS sees them: `{ group, waiting, inFlight, dead }`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupRecord {
    group: String,
    waiting: u64,
    in_flight: u64,
    dead: u64,
}

fn group_records(groups: Vec<GroupStats>) -> JsValue {
    let records: Vec<GroupRecord> = groups
        .into_iter()
        .map(|g| GroupRecord {
            group: g.group,
            waiting: g.waiting,
            in_flight: g.in_flight,
            dead: g.dead,
        })
        .collect();
    record(&records)
}

#[wasm_bindgen]
impl WasmSet {
    /// From now on `grouper(item)` gives each added item its group (a string: anything
    /// else, or a throw, rejects the add with a RangeError whose cause says why); the set
    /// becomes grouped.
    #[wasm_bindgen(js_name = groupBy)]
    pub fn group_by(&mut self, grouper: Function) {
        let grouper = JsOnly((grouper, self.thrown.clone()));
        let core = self.core.clone();
        self.core = core.with_grouper(Arc::new(move |item: &JsValue| {
            let (grouper, thrown) = grouper.get();
            let group = grouper.call1(&JsValue::NULL, item).and_then(|group| {
                group
                    .as_string()
                    .ok_or_else(|| js_sys::TypeError::new("groupBy must return a string").into())
            });
            group.map_err(|e| thrown.keep(e)).ok()
        }));
    }

    /// Pauses the set: claims (and the pops of a set with flow control) hand out
    /// nothing until `resumeSet`.
    #[wasm_bindgen(js_name = pauseSet)]
    pub fn pause_set(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.pause().map(|()| JsValue::UNDEFINED))
    }

    /// Resumes the set, waking consumers that wait (`resume` continues an operation).
    #[wasm_bindgen(js_name = resumeSet)]
    pub fn resume_set(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.resume().map(|()| JsValue::UNDEFINED))
    }

    /// Whether the set is paused.
    #[wasm_bindgen(js_name = isPaused)]
    pub fn is_paused(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.is_paused().map(JsValue::from))
    }

    /// A handler met an outside rate limit: the lease's item goes back uncounted and
    /// the whole set hands out nothing for `retryAfterMs`.
    #[wasm_bindgen(js_name = rateLimited)]
    pub fn rate_limited(
        &self,
        id: u32,
        lease: JsValue,
        retry_after_ms: f64,
    ) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(&lease, "rateLimited(lease)")?;
        let retry_after = ms(retry_after_ms, "rateLimited(retryAfterMs)")?;
        let op = self.core.rate_limited(&lease, retry_after);
        self.begin(id, op.map(|_| JsValue::UNDEFINED))
    }

    /// Adds the item in `group` (a grouped set's), with `score` or the scorer's;
    /// outputs the score used.
    #[wasm_bindgen(js_name = addToGroup)]
    pub fn add_to_group(
        &self,
        id: u32,
        group: String,
        item: JsValue,
        score: Option<f64>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        self.add_in(id, item, score, Some(&group), now)
    }

    /// The counts of the groups named: `[{ group, waiting, inFlight, dead }]`.
    #[wasm_bindgen(js_name = groupStats)]
    pub fn group_stats(&self, id: u32, groups: Vec<String>) -> Result<JsValue, JsValue> {
        let named: Vec<&str> = groups.iter().map(String::as_str).collect();
        self.begin(id, self.core.group_stats(&named).map(group_records))
    }

    /// The counts of up to `limit` groups with waiting, in-flight or dead items.
    pub fn groups(&self, id: u32, limit: f64) -> Result<JsValue, JsValue> {
        let limit = whole_number(limit, "groups(limit)")?;
        self.begin(id, self.core.groups_stats(limit).map(group_records))
    }
}
