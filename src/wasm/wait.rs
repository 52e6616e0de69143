//! Waiting consumers for JS: `popWait`, `takeWait`, `claimWait`. The core sleeps by
//! steps the JS driver waits out with timers, or blocks in Redis on a connection of the
//! wait's own (steps marked `"block"`).

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::lease::record::lease_records;
use super::params;
use super::WasmSet;
use crate::core::Operation;

#[wasm_bindgen]
impl WasmSet {
    /// Pops the next eligible item, waiting up to `timeoutMs`; KeyError at the timeout.
    #[wasm_bindgen(js_name = popWait)]
    pub fn pop_wait(&self, id: u32, timeout_ms: &JsValue, now: f64) -> Result<JsValue, JsValue> {
        let timeout = params::ms(timeout_ms, "popWait(timeoutMs)")?;
        self.begin(
            id,
            self.core
                .pop_wait(timeout, now)
                .map(|item| item.unwrap_or(JsValue::NULL)),
        )
    }

    /// Takes up to `count` eligible items, waiting up to `timeoutMs` for one; [] at the
    /// timeout.
    #[wasm_bindgen(js_name = takeWait)]
    pub fn take_wait(
        &self,
        id: u32,
        count: &JsValue,
        timeout_ms: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let count = params::count(count, "takeWait(count)")?;
        let timeout = params::ms(timeout_ms, "takeWait(timeoutMs)")?;
        self.begin(
            id,
            self.core
                .take_wait(count, timeout, now)
                .map(|items| Array::from_iter(items).into()),
        )
    }

    /// Claims up to `count` eligible items for `leaseMs`, waiting up to `timeoutMs`;
    /// [] at the timeout.
    #[wasm_bindgen(js_name = claimWait)]
    pub fn claim_wait(
        &self,
        id: u32,
        count: &JsValue,
        lease_ms: &JsValue,
        timeout_ms: &JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let count = params::count(count, "claimWait(count)")?;
        let lease = params::ms(lease_ms, "claimWait(leaseMs)")?;
        let timeout = params::ms(timeout_ms, "claimWait(timeoutMs)")?;
        self.begin(
            id,
            self.core
                .claim_wait(count, lease, timeout, now)
                .map(lease_records),
        )
    }
}
