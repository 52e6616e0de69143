//! Values across the boundary: commands out as argument arrays, replies in as
//! [`Reply`]s, errors out as named JS `Error`s. No set semantics here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Duration;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::{Command, Error, Reply, POP_DUE};

/// Command arguments as JS values. Arguments that recur on every call — the set's key,
/// the command names, and a script call's SHA and keys — are JS strings made once and
/// reused, so that a call decodes from wasm memory only what changes (scores, members,
/// times); and a whole command sent again as it was (`ZCARD key`, `ZPOPMIN key 1`, a
/// claim) is the same JS array again. Drivers do not modify the arrays they are given.
pub(crate) struct Args {
    /// Bytes and their JS string: the set's key, the names redset sends, and what a
    /// script call repeats (its SHA and its keys: the set's companions), added as seen.
    /// Bounded: a set has a fixed few scripts and keys.
    known: RefCell<HashMap<Vec<u8>, JsValue>>,
    /// The last few commands sent and their arrays, newest last.
    recent: RefCell<Vec<(Vec<Vec<u8>>, JsValue)>>,
    /// The property that marks an array as command arguments (see `WasmSet`).
    marker: JsValue,
    /// When set (a cluster client that routes by a key it is given), each command array
    /// carries the key to route it by under this symbol.
    key_marker: Option<JsValue>,
}

/// How many whole commands [`Args`] remembers.
const RECENT: usize = 8;

const COMMAND_NAMES: &[&str] = &[
    "ZADD",
    "ZPOPMIN",
    "ZRANGE",
    "ZRANGEBYSCORE",
    "ZCARD",
    "ZCOUNT",
    "ZSCORE",
    "ZREM",
    "DEL",
    "EVALSHA",
    "EVAL",
    "-inf",
    "WITHSCORES",
    "LIMIT",
    "0",
    "1",
    "2",
];

impl Args {
    pub fn new(key: &str, marker: JsValue) -> Self {
        let known = [key, POP_DUE.sha1()]
            .into_iter()
            .chain(COMMAND_NAMES.iter().copied())
            .map(|text| (text.as_bytes().to_vec(), JsValue::from_str(text)))
            .collect();
        Args {
            known: RefCell::new(known),
            recent: RefCell::new(Vec::new()),
            marker,
            key_marker: None,
        }
    }

    /// Each command array carries the key to route it by under `symbol`.
    pub fn mark_keys(&mut self, symbol: JsValue) {
        self.key_marker = Some(symbol);
    }

    /// The command as an array of strings (Uint8Arrays where not UTF-8), marked as a
    /// step: the marker is `"read"` for a read-only command, `"block"` for a blocking
    /// one (for a connection of its own), else `true`.
    pub fn of(&self, cmd: Command) -> JsValue {
        let mark = if cmd.is_read_only() {
            JsValue::from_str("read")
        } else if cmd.is_blocking() {
            JsValue::from_str("block")
        } else {
            JsValue::TRUE
        };
        let key = self
            .key_marker
            .as_ref()
            .and(cmd.first_key())
            .map(<[u8]>::to_vec);
        let args = cmd.into_args();
        // A script call's SHA and keys are worth remembering one by one (a bounded few);
        // its later arguments, like any other command's, only worth looking up.
        let (lookup, remember) = match recurring_args(&args) {
            Some(recurring) => (recurring, true),
            None => (0..args.len(), false),
        };
        let mut recent = self.recent.borrow_mut();
        // From the last argument back: where commands differ, it is in their members,
        // scores or times, after a prefix of command, SHA and keys they share.
        let same = |sent: &Vec<Vec<u8>>| {
            sent.len() == args.len()
                && sent
                    .iter()
                    .rev()
                    .zip(args.iter().rev())
                    .all(|(a, b)| a == b)
        };
        if let Some(at) = recent.iter().position(|(sent, _)| same(sent)) {
            let hit = recent.remove(at);
            let array = hit.1.clone();
            recent.push(hit);
            return array;
        }
        // Only short commands are worth remembering: long ones carry members.
        if args.iter().map(Vec::len).sum::<usize>() > 256 {
            return self.build(args, &mark, key, lookup, remember);
        }
        let array = self.build(args.clone(), &mark, key, lookup, remember);
        if recent.len() == RECENT {
            recent.remove(0);
        }
        recent.push((args, array.clone()));
        array
    }

    /// The array of `args`, looking up those in `lookup` among the known strings, and
    /// remembering them if `remember` (a script's SHA and keys: a bounded few).
    fn build(
        &self,
        args: Vec<Vec<u8>>,
        mark: &JsValue,
        key: Option<Vec<u8>>,
        lookup: std::ops::Range<usize>,
        remember: bool,
    ) -> JsValue {
        let out = Array::new();
        let mut known = self.known.borrow_mut();
        for (at, arg) in args.into_iter().enumerate() {
            if !lookup.contains(&at) {
                out.push(&js_arg(&arg));
            } else if let Some(cached) = known.get(&arg) {
                out.push(cached);
            } else {
                let value = js_arg(&arg);
                out.push(&value);
                if remember {
                    known.insert(arg, value);
                }
            }
        }
        let _ = Reflect::set(&out, &self.marker, mark);
        if let (Some(symbol), Some(key)) = (&self.key_marker, key) {
            let _ = Reflect::set(&out, symbol, &js_arg(&key));
        }
        out.into()
    }
}

/// For a script call, which of its arguments recur on every call of its kind: the
/// command, the SHA (or the script) and the keys; not the members, scores and times.
/// `None` for any other command.
fn recurring_args(args: &[Vec<u8>]) -> Option<std::ops::Range<usize>> {
    if !matches!(args.first().map(Vec::as_slice), Some(b"EVALSHA" | b"EVAL")) {
        return None;
    }
    let keys = args
        .get(2)
        .and_then(|n| std::str::from_utf8(n).ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    Some(0..(3 + keys).min(args.len()))
}

/// An argument as a JS string, or a Uint8Array where it is not UTF-8.
fn js_arg(arg: &[u8]) -> JsValue {
    match std::str::from_utf8(arg) {
        Ok(text) => JsValue::from_str(text),
        Err(_) => Uint8Array::from(arg).into(),
    }
}

pub(crate) fn optional_number(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

pub(crate) fn count(n: u64) -> JsValue {
    JsValue::from(n as f64)
}

/// A count from JS as the original reads `take(num)`: below 1 is 0 (take nothing), a
/// fraction is truncated (`int(num)`); NaN or too big is a `RangeError`.
pub(crate) fn count_arg(value: f64, what: &str) -> Result<usize, JsValue> {
    if value < 1.0 {
        Ok(0)
    } else {
        whole_number(value.trunc(), what)
    }
}

/// A duration from a JS number of `per_second`ths of a second (1: seconds, 1000: ms); a
/// negative or non-finite one is a `RangeError`.
pub(crate) fn duration(value: f64, per_second: f64, what: &str) -> Result<Duration, JsValue> {
    Duration::try_from_secs_f64(value / per_second).map_err(|_| {
        js_sys::RangeError::new(&format!("{what} must be a number >= 0, got {value}")).into()
    })
}

/// [`duration`] in milliseconds, JS's unit.
pub(crate) fn ms(value: f64, what: &str) -> Result<Duration, JsValue> {
    duration(value, 1000.0, what)
}

/// A count or position from JS: a whole number that fits the core's `usize` (32 bits
/// in wasm), else a `RangeError` (never a silent clamp).
pub(crate) fn whole_number(value: f64, what: &str) -> Result<usize, JsValue> {
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
pub(crate) fn to_js(error: Error, cause: Option<JsValue>) -> JsValue {
    let err = named_error(error.class_name(), &error.to_string());
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
        Error::NotReplicated { acked, wanted } => {
            set("acked", (acked as f64).into());
            set("wanted", (wanted as f64).into());
        }
        Error::Unsupported { needs, message, .. } => {
            set("needs", needs.into());
            set("serverMessage", message.into());
        }
        Error::LeaseLost { set: name, tokens } => {
            set("set", name.into());
            let tokens: Array = tokens.iter().map(|&t| JsValue::from(t as f64)).collect();
            set("tokens", tokens.into());
        }
        _ => {}
    }
    err.into()
}

pub(crate) fn named_error(name: &str, message: &str) -> js_sys::Error {
    let err = js_sys::Error::new(message);
    err.set_name(name);
    err
}

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
        width if items.len() % width == 0 => Reply::Array(
            items
                .chunks(width)
                .map(|row| Reply::Array(row.to_vec()))
                .collect(),
        ),
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
