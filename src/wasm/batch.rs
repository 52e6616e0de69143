//! Batch producers for JS: `addMany(items, { scores, condition, changed })`.

use js_sys::Array;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::WasmSet;
use crate::core::{AddCondition, AddOptions, Operation};

/// `{ condition?: "nx" | "xx" | "gt" | "lt", changed?: boolean }`.
#[derive(Deserialize, Default)]
struct AddManyOptions {
    condition: Option<String>,
    changed: Option<bool>,
}

impl AddManyOptions {
    fn parse(value: JsValue) -> Result<AddOptions, JsValue> {
        let options: AddManyOptions = if value.is_undefined() || value.is_null() {
            AddManyOptions::default()
        } else {
            serde_wasm_bindgen::from_value(value)
                .map_err(|e| js_sys::TypeError::new(&format!("addMany options: {e}")))?
        };
        let condition = match options.condition.as_deref() {
            None => None,
            Some("nx") => Some(AddCondition::OnlyNew),
            Some("xx") => Some(AddCondition::OnlyExisting),
            Some("gt") => Some(AddCondition::Greater),
            Some("lt") => Some(AddCondition::Less),
            Some(other) => {
                return Err(js_sys::TypeError::new(&format!(
                    "addMany condition must be 'nx', 'xx', 'gt' or 'lt', got {other:?}"
                ))
                .into())
            }
        };
        Ok(AddOptions {
            condition,
            count_changed: options.changed.unwrap_or(false),
        })
    }
}

#[wasm_bindgen]
impl WasmSet {
    /// Adds `items`, each with `scores[i]` if given (a number; null or undefined: the
    /// scorer's), in one `ZADD` per chunk; outputs how many were added (or changed).
    /// A NaN score or a throwing serializer rejects the whole batch, sending nothing.
    #[wasm_bindgen(js_name = addMany)]
    pub fn add_many(
        &self,
        id: u32,
        items: Array,
        scores: JsValue,
        options: JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let options = AddManyOptions::parse(options)?;
        let scores: Option<Array> = if scores.is_undefined() || scores.is_null() {
            None
        } else {
            let scores: Array = scores
                .dyn_into()
                .map_err(|_| js_sys::TypeError::new("addMany scores must be an array"))?;
            if scores.length() != items.length() {
                return Err(
                    js_sys::RangeError::new("addMany scores must have one entry per item").into(),
                );
            }
            Some(scores)
        };
        let mut pairs = Vec::with_capacity(items.length() as usize);
        for (i, item) in items.iter().enumerate() {
            let score = match scores.as_ref().map(|s| s.get(i as u32)) {
                None => None,
                Some(s) if s.is_null() || s.is_undefined() => None,
                Some(s) => Some(s.as_f64().ok_or_else(|| {
                    js_sys::TypeError::new("addMany scores must be numbers (or null)")
                })?),
            };
            pairs.push((item, score));
        }
        let op = self
            .core
            .add_many(
                pairs.iter().map(|(item, score)| (item, *score)),
                options,
                now,
            )
            .map_err(|e| self.to_js(e))?;
        self.begin(id, op.map(|n| JsValue::from(n as f64)))
    }
}
