//! The document's operations for JS: add, pop, take, peek, peekItems, peekScore, score,
//! has, len, available, clear, discard.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::params;
use super::results::{self, number_or_null};
use super::WasmSet;
use crate::core::{Entry, Operation};

#[wasm_bindgen]
impl WasmSet {
    /// Adds or re-scores the item with `score` (a number; undefined or null: the
    /// scorer's); outputs the score used. Throws (sending nothing) if the serializer or
    /// scorer throws or the score is NaN.
    pub fn add(
        &self,
        id: u32,
        item: JsValue,
        score: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let score = params::optional_number(score, "add(score)")?;
        self.add_in(id, item, score, None, now)
    }

    /// Pops the next eligible item (null if it failed to deserialize; KeyError if none).
    pub fn pop(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(
            id,
            self.core.pop(now).map(|item| item.unwrap_or(JsValue::NULL)),
        )
    }

    /// Pops at most `count` eligible items; outputs an array. As in the original, a
    /// count below 1 takes nothing and a fraction is truncated (`int(num)`).
    pub fn take(&self, id: u32, count: &JsValue, now: f64) -> Result<JsValue, JsValue> {
        let count = params::count(count, "take(count)")?;
        self.begin(
            id,
            self.core
                .take(count, now)
                .map(|items| Array::from_iter(items).into()),
        )
    }

    /// The eligible item at `position` (default 0), not removed (KeyError if none).
    pub fn peek(&self, id: u32, at: &JsValue, now: f64) -> Result<JsValue, JsValue> {
        let at = params::position(at, "peek(position)", 0)?;
        self.begin(
            id,
            self.core
                .peek(at, now)
                .map(|item| item.unwrap_or(JsValue::NULL)),
        )
    }

    /// Up to `count` (default 10) eligible items from `position` (default 0) on, not
    /// removed: an array of `{ item (null if undecodable), score }`.
    #[wasm_bindgen(js_name = peekItems)]
    pub fn peek_items(
        &self,
        id: u32,
        at: &JsValue,
        limit: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let at = params::position(at, "peekItems(position)", 0)?;
        let limit = params::position(limit, "peekItems(count)", 10)?;
        self.begin(
            id,
            self.core.peek_items(at, limit, now).map(|entries| {
                entries
                    .into_iter()
                    .map(entry_record)
                    .collect::<Array>()
                    .into()
            }),
        )
    }

    /// The next eligible score or null.
    #[wasm_bindgen(js_name = peekScore)]
    pub fn peek_score(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.peek_score(now).map(number_or_null))
    }

    /// The item's score or null.
    pub fn score(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.score(&item).map_err(|e| self.error(e))?;
        self.begin(id, op.map(number_or_null))
    }

    /// Whether the item is in the set.
    pub fn has(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.contains(&item).map_err(|e| self.error(e))?;
        self.begin(id, op.map(JsValue::from))
    }

    /// The number of items.
    pub fn len(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.len().map(results::count))
    }

    /// The number of items due at `now`.
    pub fn available(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.available(now).map(results::count))
    }

    /// Deletes the set; outputs whether it existed.
    pub fn clear(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.clear().map(JsValue::from))
    }

    /// Removes the item; outputs whether it was there.
    pub fn discard(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.discard(&item).map_err(|e| self.error(e))?;
        self.begin(id, op.map(JsValue::from))
    }
}

/// `{ item (null if undecodable), score }`.
fn entry_record(entry: Entry<JsValue>) -> JsValue {
    let record = Object::new();
    let item = entry.item.unwrap_or(JsValue::NULL);
    let _ = Reflect::set(&record, &"item".into(), &item);
    let _ = Reflect::set(&record, &"score".into(), &entry.score.into());
    record.into()
}

impl WasmSet {
    /// Adds the item, in `group` if given (a grouped set's); outputs the score used.
    pub(crate) fn add_in(
        &self,
        id: u32,
        item: JsValue,
        score: Option<f64>,
        group: Option<&str>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let op = self
            .core
            .add_in_group(&item, score, group, now)
            .map_err(|e| self.error(e))?;
        self.begin(id, op.map(JsValue::from))
    }
}
