//! Flow control for JS: pause and resume, the workers' escape hatch (`rateLimited`),
//! grouped adds, per-group counts, and the grouper (a JS function, like the scorer). The
//! limits are set options (`options.rs`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::hooks;
use super::lease::record::lease_from_js;
use super::params;
use super::results::{record, records};
use super::WasmSet;
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

impl From<GroupStats> for GroupRecord {
    fn from(g: GroupStats) -> Self {
        GroupRecord {
            group: g.group,
            waiting: g.waiting,
            in_flight: g.in_flight,
            dead: g.dead,
        }
    }
}

#[wasm_bindgen]
impl WasmSet {
    /// From now on `grouper(item)` gives each added item its group (a string: anything
    /// else, or a throw, rejects the add with a RangeError whose cause says why); the set
    /// becomes grouped.
    #[wasm_bindgen(js_name = groupBy)]
    pub fn group_by(&mut self, grouper: &JsValue) -> Result<(), JsValue> {
        let grouper = params::function(grouper, "groupBy")?;
        let core = self.core.clone();
        self.core = core.with_grouper(hooks::grouper(grouper, self.thrown.clone()));
        Ok(())
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
        lease: &JsValue,
        retry_after_ms: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let lease = lease_from_js(lease, "rateLimited(lease)")?;
        let retry_after = params::ms(retry_after_ms, "rateLimited(retryAfterMs)")?;
        let op = self.core.rate_limited(&lease, retry_after);
        self.begin(id, op.map(|_| JsValue::UNDEFINED))
    }

    /// Adds the item in `group` (a grouped set's), with `score` (undefined or null: the
    /// scorer's); outputs the score used.
    #[wasm_bindgen(js_name = addToGroup)]
    pub fn add_to_group(
        &self,
        id: u32,
        group: &JsValue,
        item: JsValue,
        score: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let group = params::string(group, "addToGroup(group)")?;
        let score = params::optional_number(score, "addToGroup(score)")?;
        self.add_in(id, item, score, Some(&group), now)
    }

    /// A group's counts: `{ group, waiting, inFlight, dead }` (zeros for a group with
    /// nothing).
    #[wasm_bindgen(js_name = groupStats)]
    pub fn group_stats(&self, id: u32, group: &JsValue) -> Result<JsValue, JsValue> {
        let group = params::string(group, "groupStats(group)")?;
        let op = self.core.group_stats(&[group.as_str()]).map(move |found| {
            let found = found.into_iter().next().map_or_else(
                || GroupRecord {
                    group: group.clone(),
                    waiting: 0,
                    in_flight: 0,
                    dead: 0,
                },
                GroupRecord::from,
            );
            record(&found)
        });
        self.begin(id, op)
    }

    /// The counts of up to `limit` (default 100) groups with waiting, in-flight or dead
    /// items.
    pub fn groups(&self, id: u32, limit: &JsValue) -> Result<JsValue, JsValue> {
        let limit = params::position(limit, "groups(limit)", 100)?;
        self.begin(
            id,
            self.core.groups_stats(limit).map(records::<GroupRecord, _>),
        )
    }
}
