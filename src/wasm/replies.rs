//! Replies in: what a JS client resolved to, as the core's [`Reply`]: by type probing
//! for any value, or by the typed fast paths (a number, a Buffer, an array of Buffers in
//! one piece) the JS face picks from the reply's shape.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::{Bulks, Reply};

/// A number reply: whole numbers (as JS holds them exactly) are integers, others
/// RESP3 doubles.
pub(crate) fn number_reply(n: f64) -> Reply {
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
        Reply::Int(n as i64)
    } else {
        Reply::Double(n)
    }
}

/// An array of bulk strings handed over in one piece (see [`Bulks`]) as the reply it
/// stands for; lengths that do not fit the bytes make a reply the core refuses.
pub(crate) fn bulks_reply(bytes: &[u8], lengths: &[u32], width: u32) -> Reply {
    Bulks::new(bytes, lengths, width)
        .map_or_else(|why| Reply::Other(why.into()), |bulks| bulks.to_reply())
}

/// A JS client's reply as a [`Reply`]: strings and Buffers are bulk strings, whole
/// numbers integers, other numbers doubles (RESP3), arrays arrays, `Map`s maps, and an
/// `Error` an error reply. Anything else becomes [`Reply::Other`], which the core
/// refuses as a protocol error: this never throws.
pub(crate) fn to_reply(value: &JsValue) -> Reply {
    if value.is_null() || value.is_undefined() {
        Reply::Nil
    } else if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        Reply::Bulk(bytes.to_vec())
    } else if let Some(text) = value.as_string() {
        Reply::Bulk(text.into_bytes())
    } else if let Some(n) = value.as_f64() {
        number_reply(n)
    } else if let Some(items) = value.dyn_ref::<Array>() {
        Reply::Array(items.iter().map(|item| to_reply(&item)).collect())
    } else if let Some(b) = value.as_bool() {
        Reply::Bool(b)
    } else if value.is_bigint() {
        i64::try_from(value.clone())
            .map_or_else(|_| Reply::Other("a big integer".into()), Reply::Int)
    } else if value.is_instance_of::<js_sys::Error>() {
        // A message that is not a string (or a getter that throws) is still an error.
        let message = Reflect::get(value, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "ERR an error reply without a readable message".into());
        Reply::error(&message)
    } else if let Some(map) = value.dyn_ref::<js_sys::Map>() {
        let mut pairs = Vec::new();
        map.for_each(&mut |v, k| pairs.push((to_reply(&k), to_reply(&v))));
        Reply::Map(pairs)
    } else {
        Reply::Other("a value of no reply type".into())
    }
}
