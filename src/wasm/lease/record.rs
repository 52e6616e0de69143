//! Lease records across the boundary, by hand: `{ item, token, deliveries, deadline
//! (ms), score, member }` out of every claim and back into every ack, checked field by
//! field on the way in.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::Lease;

/// A lease as JS sees it: `{ item, token, deliveries, deadline (ms), score, member }`.
/// `member` (the stored bytes) and `token` are what `ack` and friends use.
///
/// Converted by hand, not through serde-wasm-bindgen like the other records: a lease
/// crosses the boundary twice per item consumed (out of `claim`, back into `ack`), and
/// serde-wasm-bindgen makes a JS string of every field name on every call. Measured in
/// Node with an `execute` that answers at once, `claim(1)` went from 12.0 to 8.3 µs a
/// call and `ack` from 11.5 to 7.6 µs.
struct LeaseFields {
    item: JsValue,
    token: JsValue,
    deliveries: JsValue,
    deadline: JsValue,
    score: JsValue,
    member: JsValue,
}

thread_local! {
    /// The field names as JS strings, made once.
    static FIELDS: LeaseFields = LeaseFields {
        item: "item".into(),
        token: "token".into(),
        deliveries: "deliveries".into(),
        deadline: "deadline".into(),
        score: "score".into(),
        member: "member".into(),
    };
}

#[wasm_bindgen]
extern "C" {
    /// A plain object being filled in as a lease record: plain property writes, which
    /// cannot throw on a fresh object (`Reflect.set` goes through an exception guard).
    #[wasm_bindgen(extends = js_sys::Object)]
    type LeaseObject;
    #[wasm_bindgen(method, setter = item)]
    fn set_item(this: &LeaseObject, value: &JsValue);
    #[wasm_bindgen(method, setter = token)]
    fn set_token(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = deliveries)]
    fn set_deliveries(this: &LeaseObject, value: u32);
    #[wasm_bindgen(method, setter = deadline)]
    fn set_deadline(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = score)]
    fn set_score(this: &LeaseObject, value: f64);
    #[wasm_bindgen(method, setter = member)]
    fn set_member(this: &LeaseObject, value: js_sys::Uint8Array);
}

/// A lease as a plain JS object.
fn lease_record(lease: Lease<JsValue>) -> JsValue {
    let object: LeaseObject = js_sys::Object::new().unchecked_into();
    object.set_item(&lease.item);
    object.set_token(lease.token as f64);
    object.set_deliveries(lease.deliveries);
    object.set_deadline(lease.deadline_ms() as f64);
    object.set_score(lease.score);
    object.set_member(js_sys::Uint8Array::from(lease.member()));
    object.into()
}

/// A lease record from JS (one `claim` gave), checked field by field: a `TypeError`
/// naming `what` and the field for anything else.
pub(crate) fn lease_from_js(value: &JsValue, what: &str) -> Result<Lease<JsValue>, JsValue> {
    if !value.is_object() {
        return Err(record_error(
            what,
            "a lease record (from claim) is expected",
        ));
    }
    FIELDS.with(|f| {
        let get = |key: &JsValue| {
            js_sys::Reflect::get(value, key).map_err(|e| record_error(what, &format!("{e:?}")))
        };
        let number = |key: &JsValue, name: &str, max: f64| {
            let n = get(key)?
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= max);
            n.ok_or_else(|| {
                record_error(
                    what,
                    &format!("`{name}` must be a whole number up to {max}"),
                )
            })
        };
        let token = number(&f.token, "token", MAX_SAFE_INTEGER)?;
        let deliveries = number(&f.deliveries, "deliveries", f64::from(u32::MAX))?;
        let deadline = get(&f.deadline)?
            .as_f64()
            .ok_or_else(|| record_error(what, "`deadline` must be a number"))?;
        let score = get(&f.score)?
            .as_f64()
            .ok_or_else(|| record_error(what, "`score` must be a number"))?;
        let member = member_bytes(get(&f.member)?)
            .ok_or_else(|| record_error(what, "`member` must be a Uint8Array"))?;
        Ok(Lease::from_parts(
            get(&f.item)?,
            member,
            token as u64,
            deliveries as u32,
            deadline.max(0.0) as u64,
            score,
        ))
    })
}

/// A lease's `member`: a Uint8Array (a Buffer is one), or an array of byte values.
fn member_bytes(value: JsValue) -> Option<Vec<u8>> {
    if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Some(bytes.to_vec());
    }
    let array = value.dyn_ref::<js_sys::Array>()?;
    array
        .iter()
        .map(|b| {
            b.as_f64()
                .filter(|b| b.fract() == 0.0 && (0.0..=255.0).contains(b))
                .map(|b| b as u8)
        })
        .collect()
}

/// The leases of an array of lease records.
pub(crate) fn leases_from_js(value: &JsValue, what: &str) -> Result<Vec<Lease<JsValue>>, JsValue> {
    let array = value
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| record_error(what, "an array of lease records is expected"))?;
    array
        .iter()
        .map(|lease| lease_from_js(&lease, what))
        .collect()
}

/// 2^53 - 1: the greatest whole number a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn record_error(what: &str, message: &str) -> JsValue {
    js_sys::TypeError::new(&format!("{what}: {message}")).into()
}

/// Leases as the JS lease records.
pub(crate) fn lease_records(leases: Vec<Lease<JsValue>>) -> JsValue {
    leases
        .into_iter()
        .map(lease_record)
        .collect::<js_sys::Array>()
        .into()
}

/// Writes a lease record's new `deadline` (ms), as `extend` resolves it.
pub(crate) fn set_deadline(lease: &JsValue, deadline_ms: f64) {
    // A frozen record keeps its old deadline; the new one is still what extend gives.
    let _ = js_sys::Reflect::set(lease, &"deadline".into(), &deadline_ms.into());
}

/// One lease record or an array of them.
pub(crate) fn one_or_many(value: &JsValue, what: &str) -> Result<Vec<Lease<JsValue>>, JsValue> {
    if value.is_array() {
        leases_from_js(value, what)
    } else {
        Ok(vec![lease_from_js(value, what)?])
    }
}
