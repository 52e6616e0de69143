//! Batch producers for JS: `addMany(items, { scores, condition, changed })`.

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::errors::refused;
use super::params;
use super::WasmSet;
use crate::core::{AddCondition, AddOptions, Operation};

/// `{ scores?: (number | null)[], condition?: "nx" | "xx" | "gt" | "lt", changed?: boolean }`.
#[derive(Deserialize, Default)]
struct AddManyOptions {
    scores: Option<Vec<Option<f64>>>,
    condition: Option<String>,
    changed: Option<bool>,
}

impl AddManyOptions {
    fn from_js(value: &JsValue) -> Result<Self, JsValue> {
        if value.is_undefined() || value.is_null() {
            return Ok(Self::default());
        }
        serde_wasm_bindgen::from_value(value.clone()).map_err(|e| refused("addMany(options)", e))
    }

    fn add_options(&self) -> Result<AddOptions, JsValue> {
        let condition = match self.condition.as_deref() {
            None => None,
            Some("nx") => Some(AddCondition::OnlyNew),
            Some("xx") => Some(AddCondition::OnlyExisting),
            Some("gt") => Some(AddCondition::Greater),
            Some("lt") => Some(AddCondition::Less),
            Some(other) => {
                return Err(js_sys::TypeError::new(&format!(
                    "addMany(options).condition must be 'nx', 'xx', 'gt' or 'lt', got {other:?}"
                ))
                .into())
            }
        };
        Ok(AddOptions {
            condition,
            count_changed: self.changed.unwrap_or(false),
        })
    }
}

#[wasm_bindgen]
impl WasmSet {
    /// Adds `items` (an array), each with `options.scores[i]` if given (a number; null
    /// or undefined: the scorer's), in one `ZADD` per chunk; outputs how many were added
    /// (or changed). A NaN score or a throwing serializer rejects the whole batch,
    /// sending nothing.
    #[wasm_bindgen(js_name = addMany)]
    pub fn add_many(
        &self,
        id: u32,
        items: &JsValue,
        options: JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let items: &Array = items
            .dyn_ref()
            .ok_or_else(|| params::type_error("addMany(items)", "an array", items))?;
        let options = AddManyOptions::from_js(&options)?;
        let scores = match &options.scores {
            Some(scores) if scores.len() != items.length() as usize => {
                return Err(js_sys::RangeError::new(
                    "addMany(options).scores must have one entry per item",
                )
                .into())
            }
            Some(scores) => scores.clone(),
            None => vec![None; items.length() as usize],
        };
        let pairs: Vec<(JsValue, Option<f64>)> = items.iter().zip(scores).collect();
        let op = self
            .core
            .add_many(
                pairs.iter().map(|(item, score)| (item, *score)),
                options.add_options()?,
                now,
            )
            .map_err(|e| self.error(e))?;
        self.begin(id, op.map(|n| JsValue::from(n as f64)))
    }
}
