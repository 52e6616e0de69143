//! Commands out: each [`Command`] the core gives as the array of arguments JS sends,
//! made as cheaply as the boundary allows. No set semantics here.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::core::{Command, POP_DUE};

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

    /// The commands of a pipeline step: an array of command arrays (each as [`of`](Self::of)
    /// makes it), marked `"pipeline"`.
    pub fn pipeline(&self, cmds: Vec<Command>) -> JsValue {
        let out: Array = cmds.into_iter().map(|cmd| self.of(cmd)).collect();
        let _ = Reflect::set(&out, &self.marker, &JsValue::from_str("pipeline"));
        out.into()
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
