//! Replies in: what a JS client resolved to, as the core's [`Reply`]: by type probing
//! for any value, or by the typed fast paths (a number, a Buffer, an array of Buffers in
//! one piece) the JS face picks from the reply's shape.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::Reply;

/// A number reply: whole numbers (as JS holds them exactly) are integers, others
/// RESP3 doubles.
pub(crate) fn number_reply(n: f64) -> Reply {
    if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
        Reply::Int(n as i64)
    } else {
        Reply::Double(n)
    }
}

/// An array of bulk strings handed over in one piece: `bytes` is their concatenation
/// and `lengths` the length of each. With `width` > 1 the array was made of rows of
/// that many bulk strings (RESP3 `ZPOPMIN` pairs), and is rebuilt so.
pub(crate) fn bulks_reply(bytes: &[u8], lengths: &[u32], width: u32) -> Reply {
    let mut items = Vec::with_capacity(lengths.len());
    let mut at = 0usize;
    for &len in lengths {
        let end = at.saturating_add(len as usize);
        match bytes.get(at..end) {
            Some(item) => items.push(Reply::Bulk(item.to_vec())),
            None => return Reply::Other("bulk lengths past the bytes given".into()),
        }
        at = end;
    }
    match width as usize {
        0 | 1 => Reply::Array(items),
        width if items.len() % width == 0 => {
            let mut rows = Vec::with_capacity(items.len() / width);
            let mut items = items.into_iter();
            while items.len() > 0 {
                rows.push(Reply::Array(items.by_ref().take(width).collect()));
            }
            Reply::Array(rows)
        }
        _ => Reply::Other("bulk rows of uneven width".into()),
    }
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
