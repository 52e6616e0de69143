//! The user's JS functions the core calls back: the scorer (an item's default score),
//! the grouper (an item's group in a grouped set) and the logger (told of each item
//! removed because it failed to deserialize).

use std::sync::Arc;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::errors::Thrown;
use crate::core::{Grouper, Scorer, Undecodable, UndecodableHook};

/// Makes single-threaded JS handles fit the core's `Send + Sync` hooks.
struct JsOnly<T>(T);
// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread, so the
// value can never be reached from another thread.
unsafe impl<T> Send for JsOnly<T> {}
unsafe impl<T> Sync for JsOnly<T> {}

impl<T> JsOnly<T> {
    // A method, not `.0`: closures then capture the wrapper, not the field inside it.
    fn get(&self) -> &T {
        &self.0
    }
}

/// `scorer(item)` as the core's scorer: a score that is not a number is NaN (refused by
/// the core as a `RangeError`), and what the scorer throws is kept as the error's cause.
pub(crate) fn scorer(scorer: Function, thrown: Thrown) -> Scorer<JsValue> {
    let scorer = JsOnly((scorer, thrown));
    Arc::new(move |item: &JsValue| {
        let (scorer, thrown) = scorer.get();
        match scorer.call1(&JsValue::NULL, item) {
            Ok(score) => score.as_f64().unwrap_or(f64::NAN),
            Err(e) => {
                thrown.keep(e);
                f64::NAN
            }
        }
    })
}

/// `logger(message, { set, raw, error })` for each item that failed to deserialize.
pub(crate) fn logger(logger: Function) -> UndecodableHook {
    let logger = JsOnly(logger);
    Arc::new(move |bad: &Undecodable<'_>| {
        let details = Object::new();
        let _ = Reflect::set(&details, &"set".into(), &bad.set.into());
        let _ = Reflect::set(&details, &"raw".into(), &Uint8Array::from(bad.raw).into());
        let _ = Reflect::set(&details, &"error".into(), &bad.error.to_string().into());
        let message = format!(
            "redset: removed an item of {:?} that failed to deserialize: {} ({})",
            bad.set,
            bad.raw_preview(),
            bad.error
        );
        let _ = logger
            .get()
            .call2(&JsValue::NULL, &message.into(), &details);
    })
}

/// `grouper(item)` as the core's grouper: a group that is not a string, or a throw, gives
/// no group (the core rejects the add), with what was thrown kept as the error's cause.
pub(crate) fn grouper(grouper: Function, thrown: Thrown) -> Grouper<JsValue> {
    let grouper = JsOnly((grouper, thrown));
    Arc::new(move |item: &JsValue| {
        let (grouper, thrown) = grouper.get();
        let group = grouper.call1(&JsValue::NULL, item).and_then(|group| {
            group
                .as_string()
                .ok_or_else(|| js_sys::TypeError::new("groupBy must return a string").into())
        });
        group.map_err(|e| thrown.keep(e)).ok()
    })
}
