//! A method's parameters as JS passes them, checked: the one place where every
//! argument's type and range is checked, so that every method of the JS classes refuses
//! bad input the same way. A wrong type is a `TypeError`, a number out of range a
//! `RangeError`, each naming the method and the parameter (`take(count)`); nothing is
//! coerced (`"3"` is not 3) and nothing is clamped.

use std::time::Duration;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A number, or a `TypeError`.
pub(crate) fn number(value: &JsValue, what: &str) -> Result<f64, JsValue> {
    value
        .as_f64()
        .ok_or_else(|| type_error(what, "a number", value))
}

/// A number, or `None` for undefined and null; a `TypeError` for anything else.
pub(crate) fn optional_number(value: &JsValue, what: &str) -> Result<Option<f64>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        number(value, what).map(Some)
    }
}

/// A count read as the original reads `take(num)`: below 1 is 0 (take nothing), a
/// fraction is truncated (`int(num)`); NaN or too big is a `RangeError`.
pub(crate) fn count(value: &JsValue, what: &str) -> Result<usize, JsValue> {
    let n = number(value, what)?;
    if n < 1.0 {
        Ok(0)
    } else {
        whole(n.trunc(), what)
    }
}

/// A position or limit: a whole number that fits the core's `usize` (32 bits in wasm),
/// `default` when undefined.
pub(crate) fn position(value: &JsValue, what: &str, default: usize) -> Result<usize, JsValue> {
    match optional_number(value, what)? {
        None => Ok(default),
        Some(n) => whole(n, what),
    }
}

/// A duration in milliseconds, JS's unit: a negative or non-finite one is a
/// `RangeError`.
pub(crate) fn ms(value: &JsValue, what: &str) -> Result<Duration, JsValue> {
    number(value, what).and_then(|n| duration(n, 1000.0, what))
}

/// A duration from a number of `per_second`ths of a second (1: seconds, 1000: ms).
pub(crate) fn duration(value: f64, per_second: f64, what: &str) -> Result<Duration, JsValue> {
    Duration::try_from_secs_f64(value / per_second).map_err(|_| {
        js_sys::RangeError::new(&format!("{what} must be a number >= 0, got {value}")).into()
    })
}

/// A whole number from 0 to `usize::MAX`, else a `RangeError` (never a silent clamp).
pub(crate) fn whole(value: f64, what: &str) -> Result<usize, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= usize::MAX as f64 {
        Ok(value as usize)
    } else {
        Err(js_sys::RangeError::new(&format!(
            "{what} must be a whole number from 0 to {}, got {value}",
            usize::MAX
        ))
        .into())
    }
}

/// A string, or a `TypeError`.
pub(crate) fn string(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| type_error(what, "a string", value))
}

/// A function, or a `TypeError`.
pub(crate) fn function(value: &JsValue, what: &str) -> Result<js_sys::Function, JsValue> {
    value
        .dyn_ref::<js_sys::Function>()
        .cloned()
        .ok_or_else(|| type_error(what, "a function", value))
}

/// A `TypeError`: `what` must be `expected`, and what it got instead.
pub(crate) fn type_error(what: &str, expected: &str, got: &JsValue) -> JsValue {
    js_sys::TypeError::new(&format!(
        "{what} must be {expected}, got {}",
        if got.is_null() {
            "null".into()
        } else {
            got.js_typeof().as_string().unwrap_or_default()
        }
    ))
    .into()
}
