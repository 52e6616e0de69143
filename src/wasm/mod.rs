//! The wasm binding: the core's sets and operations for JavaScript, with JS objects as
//! serializer, scorer and logger.
//!
//! It stays sans-IO, and keeps the boundary cheap. Each operation runs in a slot of its
//! set, addressed by a small integer the JS wrapper (`pkg-template/index.js`) picks: a
//! method such as `len(id)` starts it and gives the first step, `feed(id, reply)` and
//! `resume(id, now)` the next ones, until a step is the result. No JS object is made per
//! operation (so nothing is registered with a `FinalizationRegistry` or freed), no
//! Promise is made inside wasm, and strings that recur (the key, command names) are
//! made once per set.

use std::cell::RefCell;
use std::sync::Arc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::{too_many_steps, Error, Kind, Operation, SetCore, Step, Undecodable, MAX_STEPS};

mod batch;
mod convert;
mod flow;
mod leases;
mod options;
mod serializer;
mod wait;

use convert::{
    bulks_reply, count, count_arg, number_reply, optional_number, to_js, to_reply, whole_number,
    Args,
};
use options::SetOptions;
use serializer::{JsSerializer, Thrown};

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

/// An operation in its slot.
enum Slot {
    Free,
    Running {
        op: Box<dyn Operation<Output = JsValue>>,
        steps: usize,
    },
}

/// The most operations of one set in flight at once: far more than any client could
/// have outstanding, and a guard against a runaway id.
const MAX_SLOTS: usize = 1 << 20;

/// One set of any kind, for JS. Its methods start an operation in the slot `id` and
/// give its first step. A step is one of: an array of command arguments to send, whose
/// `marker` property (the symbol given to the constructor) is `true`, or `"read"` for a
/// command that only reads (so a lost reply changed nothing); an object whose
/// `marker` property is a number of milliseconds to sleep before `resume`, or `"now"`
/// to `resume` with the time at once; or else the
/// operation's result, its slot freed. Errors are thrown as `Error`s whose `name` the
/// wrapper maps to its classes, and free the slot. Used by the `SortedSet`, `TimeSortedSet` and `ScheduledSet` classes
/// of the wrapper.
#[wasm_bindgen]
pub struct WasmSet {
    core: SetCore<JsSerializer>,
    thrown: Thrown,
    args: Args,
    marker: JsValue,
    // Borrowed only between calls into user JS (serializer, scorer, logger), so that
    // such code may use the set again without a borrow error.
    slots: RefCell<Vec<Slot>>,
}

#[wasm_bindgen]
impl WasmSet {
    /// `kind`: "sorted" | "time" | "scheduled". `serializer`: "strings", "json" or a
    /// `{ dumps, loads }` object. `scorer`: `item => number` or undefined. `logger`:
    /// called with a message and `{ set, raw, error }` for each item that fails to
    /// deserialize. `options`: `{ originalLock?: boolean, lockTimeout?: seconds }` or
    /// undefined. `marker`: a symbol that marks steps apart from results.
    #[wasm_bindgen(constructor)]
    pub fn new(
        kind: &str,
        name: String,
        serializer: JsValue,
        scorer: Option<Function>,
        logger: Function,
        options: JsValue,
        marker: JsValue,
    ) -> Result<WasmSet, JsValue> {
        let options: SetOptions = if options.is_undefined() || options.is_null() {
            SetOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|e| js_sys::TypeError::new(&format!("invalid set options: {e}")))?
        };
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
        let logger = JsOnly(logger);
        let mut core = SetCore::new(name, kind, serializer).with_undecodable_hook(Arc::new(
            move |bad: &Undecodable<'_>| {
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
            },
        ));
        if let Some(scorer) = scorer {
            let scorer = JsOnly((scorer, thrown.clone()));
            core = core.with_scorer(Arc::new(move |item: &JsValue| {
                let (scorer, thrown) = scorer.get();
                match scorer.call1(&JsValue::NULL, item) {
                    Ok(score) => score.as_f64().unwrap_or(f64::NAN),
                    Err(e) => {
                        thrown.keep(e);
                        f64::NAN
                    }
                }
            }));
        }
        let core = options.apply(core)?;
        Ok(WasmSet {
            args: Args::new(core.name(), marker.clone()),
            marker,
            core,
            thrown,
            slots: RefCell::new(Vec::new()),
        })
    }

    /// From now on, each command array carries the key to route it by under `symbol`:
    /// for a cluster client that routes by a key it is given.
    #[wasm_bindgen(js_name = markKeys)]
    pub fn mark_keys(&mut self, symbol: JsValue) {
        self.args.mark_keys(symbol);
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

    /// Adds or re-scores the item; outputs the score used. Throws (sending nothing) if
    /// the serializer or scorer throws or the score is NaN.
    pub fn add(
        &self,
        id: u32,
        item: JsValue,
        score: Option<f64>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        self.add_in(id, item, score, None, now)
    }

    /// Pops the next eligible item (null if it failed to deserialize; KeyError if none).
    pub fn pop(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(
            id,
            self.core.pop(now).map(|item| item.unwrap_or(JsValue::NULL)),
        )
    }

    /// Pops at most `count` eligible items; outputs an array. As in the original, a
    /// count below 1 takes nothing and a fraction is truncated (`int(num)`).
    pub fn take(&self, id: u32, count: f64, now: f64) -> Result<JsValue, JsValue> {
        let count = count_arg(count, "take(count)")?;
        self.begin(
            id,
            self.core
                .take(count, now)
                .map(|items| Array::from_iter(items).into()),
        )
    }

    /// The eligible item at `position`, not removed (KeyError if none).
    pub fn peek(&self, id: u32, position: f64, now: f64) -> Result<JsValue, JsValue> {
        let position = whole_number(position, "peek(position)")?;
        self.begin(
            id,
            self.core
                .peek(position, now)
                .map(|item| item.unwrap_or(JsValue::NULL)),
        )
    }

    /// Up to `count` eligible items from `position` on, not removed: an array of
    /// `{ item (null if undecodable), score }`.
    #[wasm_bindgen(js_name = peekItems)]
    pub fn peek_items(
        &self,
        id: u32,
        position: f64,
        count: f64,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let position = whole_number(position, "peekItems(position)")?;
        let count = whole_number(count, "peekItems(count)")?;
        self.begin(
            id,
            self.core.peek_items(position, count, now).map(|entries| {
                entries
                    .into_iter()
                    .map(|entry| {
                        let record = Object::new();
                        let item = entry.item.unwrap_or(JsValue::NULL);
                        let _ = Reflect::set(&record, &"item".into(), &item);
                        let _ = Reflect::set(&record, &"score".into(), &entry.score.into());
                        JsValue::from(record)
                    })
                    .collect::<Array>()
                    .into()
            }),
        )
    }

    /// The next eligible score or null.
    #[wasm_bindgen(js_name = peekScore)]
    pub fn peek_score(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.peek_score(now).map(optional_number))
    }

    /// The item's score or null.
    pub fn score(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.score(&item).map_err(|e| self.to_js(e))?;
        self.begin(id, op.map(optional_number))
    }

    /// Whether the item is in the set.
    pub fn has(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.contains(&item).map_err(|e| self.to_js(e))?;
        self.begin(id, op.map(JsValue::from))
    }

    /// The number of items.
    pub fn len(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.len().map(count))
    }

    /// The number of items due at `now`.
    pub fn available(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.available(now).map(count))
    }

    /// Deletes the set; outputs whether it existed.
    pub fn clear(&self, id: u32) -> Result<JsValue, JsValue> {
        self.begin(id, self.core.clear().map(JsValue::from))
    }

    /// Removes the item; outputs whether it was there.
    pub fn discard(&self, id: u32, item: JsValue) -> Result<JsValue, JsValue> {
        let op = self.core.discard(&item).map_err(|e| self.to_js(e))?;
        self.begin(id, op.map(JsValue::from))
    }

    /// Takes the reply to the last command of operation `id`: strings and Buffers are
    /// bulk strings, whole numbers integers, other numbers doubles, arrays arrays,
    /// `Map`s maps, an `Error` an error reply. Gives the next step.
    pub fn feed(&self, id: u32, reply: JsValue) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(to_reply(&reply));
        self.settle(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is a number, without probing its type.
    #[wasm_bindgen(js_name = feedNumber)]
    pub fn feed_number(&self, id: u32, reply: f64) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(number_reply(reply));
        self.settle(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is a bulk string (a Buffer).
    #[wasm_bindgen(js_name = feedBytes)]
    pub fn feed_bytes(&self, id: u32, reply: &[u8]) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(crate::core::Reply::Bulk(reply.to_vec()));
        self.settle(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is an array of bulk strings (or, with
    /// `width` > 1, of rows of `width` bulk strings), in one piece: their concatenation
    /// and the length of each (one copy, not a crossing per item).
    #[wasm_bindgen(js_name = feedBulks)]
    pub fn feed_bulks(
        &self,
        id: u32,
        bytes: &[u8],
        lengths: &[u32],
        width: u32,
    ) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(bulks_reply(bytes, lengths, width));
        self.settle(id, op, steps, step)
    }

    /// Continues operation `id` after its sleep; `now` is the clock's time in UNIX
    /// seconds. Gives the next step.
    pub fn resume(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.resume(now);
        self.settle(id, op, steps, step)
    }

    /// Frees the slot of an operation given up on (its client failed); no-op if free.
    pub fn abandon(&self, id: u32) {
        self.replace(id, Slot::Free);
    }
}

impl WasmSet {
    /// Adds the item, in `group` if given (a grouped set's); outputs the score used.
    pub(crate) fn add_in(
        &self,
        id: u32,
        item: JsValue,
        score: Option<f64>,
        group: Option<&str>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let op = self
            .core
            .add_in_group(&item, score, group, now)
            .map_err(|e| self.to_js(e))?;
        self.begin(id, op.map(JsValue::from))
    }

    pub(crate) fn to_js(&self, error: Error) -> JsValue {
        let cause = match error {
            Error::InvalidInput(_) | Error::Serializer(_) => self.thrown.take(),
            _ => None,
        };
        to_js(error, cause)
    }

    fn replace(&self, id: u32, slot: Slot) -> Slot {
        let mut slots = self.slots.borrow_mut();
        match slots.get_mut(id as usize) {
            Some(old) => std::mem::replace(old, slot),
            None => Slot::Free,
        }
    }

    pub(crate) fn begin(
        &self,
        id: u32,
        op: impl Operation<Output = JsValue> + 'static,
    ) -> Result<JsValue, JsValue> {
        let index = id as usize;
        if index >= MAX_SLOTS {
            return Err(js_sys::RangeError::new("operation id out of range").into());
        }
        {
            let mut slots = self.slots.borrow_mut();
            if slots.len() <= index {
                slots.resize_with(index + 1, || Slot::Free);
            }
        }
        let mut op: Box<dyn Operation<Output = JsValue>> = Box::new(op);
        let step = op.start();
        self.settle(id, op, 0, step)
    }

    /// Takes operation `id` out of its slot to run a step, counting it.
    fn running(&self, id: u32) -> Result<(Box<dyn Operation<Output = JsValue>>, usize), JsValue> {
        match self.replace(id, Slot::Free) {
            Slot::Running { steps, .. } if steps >= MAX_STEPS => Err(to_js(too_many_steps(), None)),
            Slot::Running { op, steps } => Ok((op, steps + 1)),
            other => {
                self.replace(id, other);
                Err(to_js(
                    Error::protocol("operation", "no operation in flight with this id"),
                    None,
                ))
            }
        }
    }

    /// A step that is not a command: an object whose marker property is `value` (ms to
    /// sleep, or "now" for the time at once).
    fn marked(&self, value: &JsValue) -> JsValue {
        let step = Object::new();
        let _ = Reflect::set(&step, &self.marker, value);
        step.into()
    }

    /// Puts the operation back after a step and gives that step to JS.
    fn settle(
        &self,
        id: u32,
        op: Box<dyn Operation<Output = JsValue>>,
        steps: usize,
        step: crate::core::Result<Step<JsValue>>,
    ) -> Result<JsValue, JsValue> {
        let (slot, next) = match step {
            Err(error) => (Slot::Free, Err(self.to_js(error))),
            Ok(Step::Send(cmd)) => (Slot::Running { op, steps }, Ok(self.args.of(cmd))),
            Ok(Step::Sleep(wait)) => {
                let ms = JsValue::from(wait.as_secs_f64() * 1000.0);
                (Slot::Running { op, steps }, Ok(self.marked(&ms)))
            }
            Ok(Step::Now) => (Slot::Running { op, steps }, Ok(self.marked(&"now".into()))),
            Ok(Step::Done(output)) => (Slot::Free, Ok(output)),
        };
        self.replace(id, slot);
        next
    }
}

/// The longest a wait's blocking command blocks, in ms: the wrapper allows its reply
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

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps a panic's message for the wrapper, which turns the trap that follows into a
/// thrown `Error` with that message.
#[wasm_bindgen(start)]
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(info.to_string()));
    }));
}

/// The message of the last panic, if any (taken).
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.with(|last| last.borrow_mut().take())
}

#[cfg(test)]
mod tests;
