//! The wasm binding: the core's sets and operations for JavaScript, with JS objects as
//! serializer, scorer and logger.
//!
//! It stays sans-IO: each method returns a [`WasmOp`], and the JS wrapper
//! (`pkg-template/index.js`) drives it over the user's client — `start()`, send,
//! `feed(reply)` — which keeps Promise machinery out of the wasm boundary.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use serde::Deserialize;

use crate::core::{
    too_many_steps, BoxError, Command, Error, Kind, Operation, Reply, Serializer, SetCore, Step,
    Undecodable, MAX_STEPS,
};

/// A value thrown by user JS (a serializer, scorer or `execute`), kept so the
/// operation can reject with it as its `cause`.
#[derive(Clone, Default)]
struct Thrown(Rc<RefCell<Option<JsValue>>>);

impl Thrown {
    fn keep(&self, value: JsValue) -> BoxError {
        let message = error_message(&value);
        *self.0.borrow_mut() = Some(value);
        message.into()
    }

    fn take(&self) -> Option<JsValue> {
        self.0.borrow_mut().take()
    }
}

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

/// The JS serializer: `dumps(item)` → string | Uint8Array, `loads(string)` → item.
/// Members that are not UTF-8 are handed to `loads` as a Uint8Array.
struct JsSerializer {
    object: JsValue,
    dumps: Function,
    loads: Function,
    thrown: Thrown,
}

impl Serializer for JsSerializer {
    type Item = JsValue;

    fn dumps(&self, item: &JsValue) -> Result<Vec<u8>, BoxError> {
        let out = self
            .dumps
            .call1(&self.object, item)
            .map_err(|e| self.thrown.keep(e))?;
        if let Some(text) = out.as_string() {
            Ok(text.into_bytes())
        } else if let Some(bytes) = out.dyn_ref::<Uint8Array>() {
            Ok(bytes.to_vec())
        } else {
            Err("serializer.dumps must return a string or a Uint8Array".into())
        }
    }

    fn loads(&self, bytes: &[u8]) -> Result<JsValue, BoxError> {
        let arg = match std::str::from_utf8(bytes) {
            Ok(text) => JsValue::from_str(text),
            Err(_) => Uint8Array::from(bytes).into(),
        };
        self.loads
            .call1(&self.object, &arg)
            .map_err(|e| error_message(&e).into())
    }
}

fn method(object: &JsValue, name: &str) -> Result<Function, JsValue> {
    Reflect::get(object, &JsValue::from_str(name))?
        .dyn_into::<Function>()
        .map_err(|_| {
            js_sys::TypeError::new(&format!("serializer.{name} must be a function")).into()
        })
}

fn error_message(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
}

/// A set's options beyond serializer, scorer and logger, as the JS wrapper passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SetOptions {
    /// Honour the original Python redset's lock (scheduled sets; default true).
    original_lock: Option<bool>,
    /// Seconds a scheduled pop waits for that lock (default 10).
    lock_timeout: Option<f64>,
}

impl SetOptions {
    fn apply<S: Serializer>(self, mut core: SetCore<S>) -> Result<SetCore<S>, JsValue> {
        if let Some(honoured) = self.original_lock {
            core = core.with_original_lock(honoured);
        }
        if let Some(seconds) = self.lock_timeout {
            let timeout = std::time::Duration::try_from_secs_f64(seconds).map_err(|_| {
                js_sys::RangeError::new(&format!(
                    "lockTimeout must be a number of seconds >= 0, got {seconds}"
                ))
            })?;
            core = core.with_lock_timeout(timeout);
        }
        Ok(core)
    }
}

/// One set of any kind, for JS. Each method returns a [`WasmOp`] that the JS wrapper
/// drives over the user's Redis client; nothing here awaits or does I/O. Used by the
/// `SortedSet`, `TimeSortedSet` and `ScheduledSet` classes of the wrapper.
#[wasm_bindgen]
pub struct WasmSet {
    core: SetCore<JsSerializer>,
    thrown: Thrown,
}

#[wasm_bindgen]
impl WasmSet {
    /// `kind`: "sorted" | "time" | "scheduled". `serializer`: `{ dumps, loads }`.
    /// `scorer`: `item => number` or undefined. `logger`: called with a message and
    /// `{ set, raw, error }` for each item that fails to deserialize. `options`:
    /// `{ originalLock?: boolean, lockTimeout?: seconds }` or undefined.
    #[wasm_bindgen(constructor)]
    pub fn new(
        kind: &str,
        name: String,
        serializer: JsValue,
        scorer: Option<Function>,
        logger: Function,
        options: JsValue,
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
        let serializer = JsSerializer {
            dumps: method(&serializer, "dumps")?,
            loads: method(&serializer, "loads")?,
            object: serializer,
            thrown: thrown.clone(),
        };
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
        Ok(WasmSet { core, thrown })
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
    pub fn add(&self, item: JsValue, score: Option<f64>, now: f64) -> Result<WasmOp, JsValue> {
        let op = self
            .core
            .add(&item, score, now)
            .map_err(|e| self.to_js(e))?;
        Ok(WasmOp::new(op.map(JsValue::from)))
    }

    /// Pops the next eligible item (null if it failed to deserialize; KeyError if none).
    pub fn pop(&self, now: f64) -> WasmOp {
        WasmOp::new(self.core.pop(now).map(|item| item.unwrap_or(JsValue::NULL)))
    }

    /// Pops at most `count` eligible items; outputs an array. As in the original, a
    /// count below 1 takes nothing and a fraction is truncated (`int(num)`).
    pub fn take(&self, count: f64, now: f64) -> Result<WasmOp, JsValue> {
        let count = if count < 1.0 {
            0
        } else {
            whole_number(count.trunc(), "take(count)")?
        };
        Ok(WasmOp::new(
            self.core
                .take(count, now)
                .map(|items| Array::from_iter(items).into()),
        ))
    }

    /// The eligible item at `position`, not removed (KeyError if none).
    pub fn peek(&self, position: f64, now: f64) -> Result<WasmOp, JsValue> {
        let position = whole_number(position, "peek(position)")?;
        Ok(WasmOp::new(
            self.core
                .peek(position, now)
                .map(|item| item.unwrap_or(JsValue::NULL)),
        ))
    }

    /// The next eligible score or null.
    #[wasm_bindgen(js_name = peekScore)]
    pub fn peek_score(&self, now: f64) -> WasmOp {
        WasmOp::new(self.core.peek_score(now).map(optional_number))
    }

    /// The item's score or null.
    pub fn score(&self, item: JsValue) -> Result<WasmOp, JsValue> {
        let op = self.core.score(&item).map_err(|e| self.to_js(e))?;
        Ok(WasmOp::new(op.map(optional_number)))
    }

    /// Whether the item is in the set.
    pub fn has(&self, item: JsValue) -> Result<WasmOp, JsValue> {
        let op = self.core.contains(&item).map_err(|e| self.to_js(e))?;
        Ok(WasmOp::new(op.map(JsValue::from)))
    }

    /// The number of items.
    pub fn len(&self) -> WasmOp {
        WasmOp::new(self.core.len().map(count))
    }

    /// The number of items due at `now`.
    pub fn available(&self, now: f64) -> WasmOp {
        WasmOp::new(self.core.available(now).map(count))
    }

    /// Deletes the set; outputs whether it existed.
    pub fn clear(&self) -> WasmOp {
        WasmOp::new(self.core.clear().map(JsValue::from))
    }

    /// Removes the item; outputs whether it was there.
    pub fn discard(&self, item: JsValue) -> Result<WasmOp, JsValue> {
        let op = self.core.discard(&item).map_err(|e| self.to_js(e))?;
        Ok(WasmOp::new(op.map(JsValue::from)))
    }
}

impl WasmSet {
    fn to_js(&self, error: Error) -> JsValue {
        let cause = match error {
            Error::InvalidInput(_) | Error::Serializer(_) => self.thrown.take(),
            _ => None,
        };
        to_js(error, cause)
    }
}

/// One operation in flight, driven by the JS wrapper: `start()`, `feed(reply)` and
/// `resume(now)` give the next command's arguments, a number of milliseconds to sleep
/// before calling `resume(now)`, or null when the operation is done and `output()`
/// holds its result. Errors are thrown as `Error`s whose `name` the wrapper maps to its
/// classes.
#[wasm_bindgen]
pub struct WasmOp {
    op: Box<dyn Operation<Output = JsValue>>,
    output: JsValue,
    steps: usize,
}

#[wasm_bindgen]
impl WasmOp {
    /// The first command's arguments (strings, or Uint8Arrays where not UTF-8), or null.
    pub fn start(&mut self) -> Result<JsValue, JsValue> {
        let step = self.op.start();
        self.advance(step)
    }

    /// Takes the reply to the last command: strings and Buffers are bulk strings, whole
    /// numbers integers, other numbers doubles, arrays arrays, `Map`s maps, an `Error`
    /// an error reply. Gives the next command's arguments, or null when done.
    pub fn feed(&mut self, reply: JsValue) -> Result<JsValue, JsValue> {
        self.count_step()?;
        let step = self.op.feed(to_reply(&reply));
        self.advance(step)
    }

    /// Continues after a sleep; `now` is the clock's time in UNIX seconds.
    pub fn resume(&mut self, now: f64) -> Result<JsValue, JsValue> {
        self.count_step()?;
        let step = self.op.resume(now);
        self.advance(step)
    }

    /// The result, once `start`/`feed` gave null.
    pub fn output(&mut self) -> JsValue {
        std::mem::replace(&mut self.output, JsValue::UNDEFINED)
    }
}

impl WasmOp {
    fn new(op: impl Operation<Output = JsValue> + 'static) -> WasmOp {
        WasmOp {
            op: Box::new(op),
            output: JsValue::UNDEFINED,
            steps: 0,
        }
    }

    fn count_step(&mut self) -> Result<(), JsValue> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(to_js(too_many_steps(), None));
        }
        Ok(())
    }

    fn advance(&mut self, step: Result<Step<JsValue>, Error>) -> Result<JsValue, JsValue> {
        match step.map_err(|e| to_js(e, None))? {
            Step::Send(cmd) => Ok(command_args(cmd).into()),
            Step::Sleep(wait) => Ok(JsValue::from(wait.as_secs_f64() * 1000.0)),
            Step::Done(output) => {
                self.output = output;
                Ok(JsValue::NULL)
            }
        }
    }
}

fn command_args(cmd: Command) -> Array {
    cmd.into_args()
        .into_iter()
        .map(|arg| match String::from_utf8(arg) {
            Ok(text) => JsValue::from(text),
            Err(bytes) => Uint8Array::from(bytes.as_bytes()).into(),
        })
        .collect()
}

fn optional_number(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

fn count(n: u64) -> JsValue {
    JsValue::from(n as f64)
}

/// A count or position from JS: a whole number that fits the core's `usize` (32 bits
/// in wasm), else a `RangeError` (never a silent clamp).
fn whole_number(value: f64, what: &str) -> Result<usize, JsValue> {
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

/// A core error as a JS `Error` whose `name` the wrapper maps to its classes.
fn to_js(error: Error, cause: Option<JsValue>) -> JsValue {
    let name = match &error {
        Error::Empty { .. } => "KeyError",
        Error::InvalidInput(_) => "RangeError",
        Error::Server { .. } => "ReplyError",
        Error::Connection(_) => "ConnectionError",
        Error::Protocol { .. } => "ProtocolError",
        Error::Serializer(_) => "SerializerError",
        Error::LockTimeout { .. } => "LockTimeout",
    };
    let err = named_error(name, &error.to_string());
    if let Some(cause) = cause {
        err.set_cause(&cause);
    }
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&err, &key.into(), &value);
    };
    match error {
        Error::Empty {
            set: name,
            position,
        } => {
            set("set", name.into());
            set("position", (position as f64).into());
        }
        Error::Server { code, message } => {
            set("code", code.into());
            set("serverMessage", message.into());
        }
        Error::LockTimeout {
            set: name, lock, ..
        } => {
            set("set", name.into());
            set("lock", lock.into());
        }
        _ => {}
    }
    err.into()
}

fn named_error(name: &str, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    err
}

/// A JS client's reply as a [`Reply`]: strings and Buffers are bulk strings, whole
/// numbers integers, other numbers doubles (RESP3), arrays arrays, `Map`s maps, and an
/// `Error` an error reply.
fn to_reply(value: &JsValue) -> Reply {
    if value.is_null() || value.is_undefined() {
        Reply::Nil
    } else if let Some(text) = value.as_string() {
        Reply::Bulk(text.into_bytes())
    } else if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        Reply::Bulk(bytes.to_vec())
    } else if let Some(n) = value.as_f64() {
        if js_sys::Number::is_safe_integer(value) {
            Reply::Int(n as i64)
        } else {
            Reply::Double(n)
        }
    } else if let Some(b) = value.as_bool() {
        Reply::Bool(b)
    } else if value.is_bigint() {
        i64::try_from(value.clone()).map_or_else(|_| Reply::Other(format!("{value:?}")), Reply::Int)
    } else if let Some(err) = value.dyn_ref::<js_sys::Error>() {
        Reply::error(&String::from(err.message()))
    } else if let Some(items) = value.dyn_ref::<Array>() {
        Reply::Array(items.iter().map(|item| to_reply(&item)).collect())
    } else if let Some(map) = value.dyn_ref::<js_sys::Map>() {
        let mut pairs = Vec::new();
        map.for_each(&mut |v, k| pairs.push((to_reply(&k), to_reply(&v))));
        Reply::Map(pairs)
    } else {
        Reply::Other(format!("{value:?}"))
    }
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
