//! The wasm binding: the core's sets and operations for JavaScript, with JS objects as
//! serializer, scorer and logger. Driven by the package's JS face (`pkg-template/`).
//!
//! It stays sans-IO, and keeps the boundary cheap: each operation runs in a slot of its
//! set, addressed by a small integer the JS driver picks (`slots`), so no JS object or
//! Promise is made per operation inside wasm, and strings that recur (the key, command
//! names) are made once per set (`commands`). Every parameter from JS is checked here
//! (`params`), so every method refuses bad input the same way.
//!
//! Files mirror the core's capabilities — `set` (the document's operations), `batch`
//! (`addMany`), `lease` (claims, acks, retries, dead letters, in-flight listing), `wait`,
//! `stats`, `flow` (pause, groups, the escape hatch), and `options` for the set-wide
//! settings (clock, replication, the original's lock, dedup, counting, limits) — beside the
//! conversions by concept: `params` (arguments in), `commands` (commands out), `replies`
//! (replies in), `results` (results out), `errors` (errors out), `serializer` and `hooks`
//! (user JS the core calls); `schema` gives the operator tools the companion keys' suffixes
//! and their way back to a set; `allocator` names the module's heap. A new capability's
//! methods go in a file named as its core module, as `#[wasm_bindgen] impl WasmSet`.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;

use crate::core::{Error, Kind, SetCore};

mod allocator;
mod batch;
mod commands;
mod errors;
mod flow;
mod hooks;
mod lease;
mod options;
mod panic;
mod params;
mod prepared;
mod replies;
mod results;
mod schema;
mod serializer;
mod set;
mod slots;
mod stats;
mod wait;

use commands::Args;
use errors::{js_error, Thrown};
use options::SetOptions;
use serializer::JsSerializer;
use slots::Slot;

/// One set of any kind, for JS. Its methods start an operation in the slot `id` and
/// give its first step (see the `slots` module for the steps). Errors are thrown as
/// `Error`s whose `name` the JS face maps to its classes, and free the slot. Used by the
/// `SortedSet`, `TimeSortedSet` and `ScheduledSet` classes of the package.
#[wasm_bindgen]
pub struct WasmSet {
    core: SetCore<JsSerializer>,
    thrown: Thrown,
    commands: Args,
    marker: JsValue,
    now_step: JsValue,
    /// Where each item of a strings set's last prepared take ends (see `prepared`).
    item_ends: RefCell<Vec<u32>>,
    /// The score of the last prepared add (see `preparedAdd`).
    added_score: Cell<f64>,
    // Borrowed only between calls into user JS (serializer, scorer, logger), so that
    // such code may use the set again without a borrow error.
    slots: RefCell<Vec<Slot>>,
}

#[wasm_bindgen]
impl WasmSet {
    /// `kind`: "sorted" | "time" | "scheduled". `name`: the Redis key. `serializer`:
    /// "strings", "json" or a `{ dumps, loads }` object. `scorer`: `item => number` or
    /// undefined. `logger`: called with a message and `{ set, raw, error }` for each item
    /// that fails to deserialize. `options`: the set's options (see `options`) or
    /// undefined. `marker`: a symbol that marks steps apart from results.
    #[wasm_bindgen(constructor)]
    pub fn new(
        kind: &str,
        name: &JsValue,
        serializer: JsValue,
        scorer: &JsValue,
        logger: &JsValue,
        options: JsValue,
        marker: JsValue,
    ) -> Result<WasmSet, JsValue> {
        let name = params::string(name, "name")?;
        let options = SetOptions::from_js(options)?;
        let kind = match kind {
            "sorted" => Kind::Sorted,
            "time" => Kind::TimeSorted,
            "scheduled" => Kind::Scheduled,
            other => {
                return Err(js_sys::TypeError::new(&format!("unknown set kind {other:?}")).into())
            }
        };
        let thrown = Thrown::default();
        let serializer = JsSerializer::new(serializer, thrown.clone())?;
        let logger = params::function(logger, "logger")?;
        let mut core =
            SetCore::new(name, kind, serializer).with_undecodable_hook(hooks::logger(logger));
        if !(scorer.is_undefined() || scorer.is_null()) {
            let scorer = params::function(scorer, "scorer")?;
            core = core.with_scorer(hooks::scorer(scorer, thrown.clone()));
        }
        let core = options.apply(core)?;
        Ok(WasmSet {
            commands: Args::new(
                core.name(),
                core.companion_keys().iter().map(|(_, key)| key.as_str()),
                marker.clone(),
            ),
            now_step: slots::now_step(&marker),
            marker,
            core,
            thrown,
            item_ends: RefCell::new(Vec::new()),
            added_score: Cell::new(f64::NAN),
            slots: RefCell::new(Vec::new()),
        })
    }

    /// From now on, each command array carries the key to route it by under `symbol`:
    /// for a cluster client that routes by a key it is given.
    #[wasm_bindgen(js_name = markKeys)]
    pub fn mark_keys(&mut self, symbol: JsValue) {
        self.commands.mark_keys(symbol);
    }

    /// From now on, command names go in lowercase, but for those in `keep` (names
    /// separated by spaces): for a client that lowercases every name it is given, and
    /// reshapes the replies of some commands it knows by their lowercase names (see the
    /// client adapters).
    #[wasm_bindgen(js_name = lowercaseNames)]
    pub fn lowercase_names(&mut self, keep: &str) {
        self.commands.lowercase_names(keep);
    }

    /// The set's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.core.name().to_owned()
    }

    /// `SortedSet("name")`, without I/O.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_js_string(&self) -> String {
        self.core.to_string()
    }
}

impl WasmSet {
    /// A core error as a JS error, with what user JS threw as its cause.
    pub(crate) fn error(&self, error: Error) -> JsValue {
        let cause = match error {
            Error::InvalidInput(_) | Error::Serializer(_) => self.thrown.take(),
            _ => None,
        };
        js_error(error, cause)
    }
}

/// The longest a wait's blocking command blocks, in ms: the JS driver allows its reply
/// that much more time than others.
#[wasm_bindgen(js_name = blockCapMs)]
pub fn block_cap_ms() -> f64 {
    crate::core::BLOCK_CAP.as_secs_f64() * 1000.0
}

/// The Lua source of the scheduled pop, for benchmarks that run it raw.
#[wasm_bindgen(js_name = popDueScript)]
pub fn pop_due_script() -> String {
    crate::core::POP_DUE.source().to_owned()
}

#[cfg(test)]
mod tests;
