//! The core's schema for the JS face's operator tools: the suffixes of a set's
//! companion keys and the way back from a companion key to its set, so that the
//! dashboard's Node host finds sets by the same rule as the Rust one.

use js_sys::{Array, JsString};
use wasm_bindgen::prelude::*;

use crate::core::{companion_of, COMPANIONS};

/// The suffix of every companion key a set can have (`leases`, `flow`, `group-index`,
/// …), in schema order.
#[wasm_bindgen(js_name = companionSuffixes)]
pub fn companion_suffixes() -> Array {
    COMPANIONS
        .iter()
        .map(|&suffix| JsString::from(suffix))
        .collect()
}

/// The names of the sets whose companion `key` is (none, or one): the inverse of the
/// companion-key rule.
#[wasm_bindgen(js_name = setsOfCompanion)]
pub fn sets_of_companion(key: &str) -> Array {
    companion_of(key)
        .into_iter()
        .map(|(name, _)| JsString::from(name))
        .collect()
}
