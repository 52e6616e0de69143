//! Waiting consumers for JS: `popWait`, `takeWait`, `claimWait`. The core sleeps by
//! steps the wrapper waits out with timers, so no JS client is held while waiting.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::convert::{count_arg, ms};
use super::leases::lease_records;
use super::WasmSet;
use crate::core::Operation;

#[wasm_bindgen]
impl WasmSet {
    /// Pops the next eligible item, waiting up to `timeoutMs`; KeyError at the timeout.
    #[wasm_bindgen(js_name = popWait)]
    pub fn pop_wait(&self, id: u32, timeout_ms: f64, now: f64) -> Result<JsValue, JsValue> {
        let timeout = ms(timeout_ms, "popWait(timeout)")?;
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
        count: f64,
        timeout_ms: f64,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let count = count_arg(count, "takeWait(count)")?;
        let timeout = ms(timeout_ms, "takeWait(timeout)")?;
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
        count: f64,
        lease_ms: f64,
        timeout_ms: f64,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let count = count_arg(count, "claimWait(count)")?;
        let lease = ms(lease_ms, "claimWait(lease)")?;
        let timeout = ms(timeout_ms, "claimWait(timeout)")?;
        self.begin(
            id,
            self.core
                .claim_wait(count, lease, timeout, now)
                .map(lease_records),
        )
    }
}
