//! The wasm binding: the core's sets for JavaScript, with a JS `execute(args)`
//! function as the transport and JS objects as serializer, scorer and logger.
//!
//! Like the native driver it carries commands and replies and nothing more; the JS
//! wrapper in `js/` gives it the idiomatic API, chooses the client adapter and reads
//! the clock.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::core::{
    too_many_round_trips, BoxError, Command, Error, Kind, Operation, Reply, Serializer, SetCore,
    Step, Undecodable, MAX_ROUND_TRIPS,
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

struct Inner {
    core: SetCore<JsSerializer>,
    execute: Function,
    thrown: Thrown,
}

/// One set of any kind, driven from JS. Used by the `SortedSet`, `TimeSortedSet` and
/// `ScheduledSet` classes of the JS wrapper.
#[wasm_bindgen]
pub struct WasmSet {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmSet {
    /// `kind`: "sorted" | "time" | "scheduled". `serializer`: `{ dumps, loads }`.
    /// `scorer`: `item => number` or undefined. `logger`: called with a message and
    /// `{ set, raw, error }` for each item that fails to deserialize.
    #[wasm_bindgen(constructor)]
    pub fn new(
        kind: &str,
        name: String,
        execute: Function,
        serializer: JsValue,
        scorer: Option<Function>,
        logger: Function,
    ) -> Result<WasmSet, JsValue> {
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
        Ok(WasmSet {
            inner: Rc::new(Inner {
                core,
                execute,
                thrown,
            }),
        })
    }

    /// The set's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.core.name().to_owned()
    }

    /// `SortedSet("name")`, without I/O.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_js_string(&self) -> String {
        self.inner.core.to_string()
    }

    /// Resolves to the score used.
    pub fn add(&self, item: JsValue, score: Option<f64>, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            let op = inner.core.add(&item, score, now);
            inner.run(op).await.map(JsValue::from)
        })
    }

    /// Resolves to the item (null if it failed to deserialize); rejects with a KeyError
    /// when there is none.
    pub fn pop(&self, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            let item = inner.run(Ok(inner.core.pop(now))).await?;
            Ok(item.unwrap_or(JsValue::NULL))
        })
    }

    /// Resolves to an array of at most `count` items.
    pub fn take(&self, count: f64, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            let count = whole_number(count, "take(count)")?;
            let items = inner.run(Ok(inner.core.take(count, now))).await?;
            Ok(items.into_iter().collect::<Array>().into())
        })
    }

    /// Resolves to the item at `position` (null if it failed to deserialize).
    pub fn peek(&self, position: f64, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            let position = whole_number(position, "peek(position)")?;
            let item = inner.run(Ok(inner.core.peek(position, now))).await?;
            Ok(item.unwrap_or(JsValue::NULL))
        })
    }

    /// Resolves to the next eligible score or null.
    #[wasm_bindgen(js_name = peekScore)]
    pub fn peek_score(&self, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            let score = inner.run(Ok(inner.core.peek_score(now))).await?;
            Ok(score.map_or(JsValue::NULL, JsValue::from))
        })
    }

    /// Resolves to the item's score or null.
    pub fn score(&self, item: JsValue) -> Promise {
        self.spawn(move |inner| async move {
            let score = inner.run(inner.core.score(&item)).await?;
            Ok(score.map_or(JsValue::NULL, JsValue::from))
        })
    }

    /// Resolves to whether the item is in the set.
    pub fn has(&self, item: JsValue) -> Promise {
        self.spawn(move |inner| async move {
            inner
                .run(inner.core.contains(&item))
                .await
                .map(JsValue::from)
        })
    }

    /// Resolves to the number of items.
    pub fn len(&self) -> Promise {
        self.spawn(move |inner| async move { Ok(count(inner.run(Ok(inner.core.len())).await?)) })
    }

    /// Resolves to the number of items due at `now`.
    pub fn available(&self, now: f64) -> Promise {
        self.spawn(move |inner| async move {
            Ok(count(inner.run(Ok(inner.core.available(now))).await?))
        })
    }

    /// Resolves to whether the key existed.
    pub fn clear(&self) -> Promise {
        self.spawn(move |inner| async move {
            inner.run(Ok(inner.core.clear())).await.map(JsValue::from)
        })
    }

    /// Resolves to whether the item was there.
    pub fn discard(&self, item: JsValue) -> Promise {
        self.spawn(move |inner| async move {
            inner
                .run(inner.core.discard(&item))
                .await
                .map(JsValue::from)
        })
    }
}

impl WasmSet {
    fn spawn<F, Fut>(&self, body: F) -> Promise
    where
        F: FnOnce(Rc<Inner>) -> Fut,
        Fut: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
    {
        future_to_promise(body(self.inner.clone()))
    }
}

fn count(n: u64) -> JsValue {
    JsValue::from(n as f64)
}

fn whole_number(value: f64, what: &str) -> Result<usize, JsValue> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_991.0
    {
        Ok(value as usize)
    } else {
        Err(
            js_sys::RangeError::new(&format!("{what} must be a whole number >= 0, got {value}"))
                .into(),
        )
    }
}

impl Inner {
    /// Runs an operation: sends each command through `execute`, feeds replies back.
    async fn run<O: Operation>(&self, op: Result<O, Error>) -> Result<O::Output, JsValue> {
        let mut op = op.map_err(|e| self.to_js(e))?;
        let mut step = op.start().map_err(|e| self.to_js(e))?;
        for _ in 0..MAX_ROUND_TRIPS {
            match step {
                Step::Done(output) => return Ok(output),
                Step::Send(cmd) => {
                    let reply = self.send(cmd).await?;
                    step = op.feed(reply).map_err(|e| self.to_js(e))?;
                }
            }
        }
        match step {
            Step::Done(output) => Ok(output),
            Step::Send(_) => Err(self.to_js(too_many_round_trips())),
        }
    }

    /// Calls `execute(args)`; awaits it if it returns a Promise. A returned `Error` is a
    /// Redis error reply; a throw or rejection is a transport failure.
    async fn send(&self, cmd: Command) -> Result<Reply, JsValue> {
        let args: Array = cmd
            .into_args()
            .into_iter()
            .map(|arg| match String::from_utf8(arg) {
                Ok(text) => JsValue::from(text),
                Err(bytes) => Uint8Array::from(bytes.as_bytes()).into(),
            })
            .collect();
        let transport = |cause: JsValue| {
            let err = named_error(
                "ConnectionError",
                &format!("execute failed: {}", error_message(&cause)),
            );
            err.set_cause(&cause);
            JsValue::from(err)
        };
        let mut value = self
            .execute
            .call1(&JsValue::NULL, &args)
            .map_err(transport)?;
        if let Some(promise) = value.dyn_ref::<Promise>() {
            value = JsFuture::from(promise.clone()).await.map_err(transport)?;
        }
        Ok(to_reply(&value))
    }

    /// A core error as a JS `Error` whose `name` the wrapper maps to its classes.
    fn to_js(&self, error: Error) -> JsValue {
        let (name, cause) = match &error {
            Error::Empty { .. } => ("KeyError", None),
            Error::InvalidInput(_) => ("RangeError", self.thrown.take()),
            Error::Server { .. } => ("ReplyError", None),
            Error::Connection(_) => ("ConnectionError", None),
            Error::Protocol { .. } => ("ProtocolError", None),
            Error::Serializer(_) => ("SerializerError", self.thrown.take()),
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
            _ => {}
        }
        err.into()
    }
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
