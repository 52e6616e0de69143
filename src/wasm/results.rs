//! Results out: the plain values and records an operation resolves to in JS.

use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A number, or null.
pub(crate) fn number_or_null(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

/// A count as a JS number (exact up to 2^53, more than Redis holds in a set).
pub(crate) fn count(n: u64) -> JsValue {
    JsValue::from(n as f64)
}

/// A record of numbers, strings, bytes and preserved JS values as a plain JS object,
/// through serde-wasm-bindgen (Uint8Arrays for bytes).
pub(crate) fn record<T: Serialize>(value: &T) -> JsValue {
    // Serializing such records cannot fail; a failure would still be a value, not a
    // panic.
    value
        .serialize(
            &serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false),
        )
        .unwrap_or_else(JsValue::from)
}

/// A list of the core's values as the JS records `R` made from each, one array.
pub(crate) fn records<R: Serialize + From<T>, T>(values: Vec<T>) -> JsValue {
    record(&values.into_iter().map(R::from).collect::<Vec<R>>())
}
