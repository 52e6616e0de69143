//! Commands out: each [`Command`] the core gives as the array of arguments JS sends,
//! made as cheaply as the boundary allows. No set semantics here.

use std::cell::RefCell;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::{Command, POP_DUE};

/// Command arguments as JS values. Arguments that recur on every call — the set's key
/// and its companions, the command names, and a script call's SHA — are JS strings made
/// once and reused, so that a call decodes from wasm memory only what changes (scores,
/// members, times); and a whole command sent again as it was (a command made only of
/// such strings, like `EXISTS {key}:waiting`; a claim) is the same JS array again.
/// Drivers do not modify the arrays they are given.
pub(crate) struct Args {
    /// Bytes and their JS string: the set's key and companions, the names redset sends,
    /// and what a script call repeats (its SHA and keys), added as seen.
    known: RefCell<Known>,
    /// The last few commands sent and their arrays, newest last.
    recent: RefCell<Vec<(Vec<Vec<u8>>, JsValue)>>,
    /// The last prepared command made by [`bare`](Self::bare) and its array: a command
    /// that differs from it in one argument alone (a scheduled pop's time) is a copy of
    /// that array with the argument set.
    last_bare: RefCell<Option<(Vec<Vec<u8>>, Array)>>,
    /// The property that marks an array as command arguments (see `WasmSet`).
    marker: JsValue,
    /// When set (a cluster client that routes by a key it is given), each command array
    /// carries the key to route it by under this symbol.
    key_marker: Option<JsValue>,
    /// The marks `"read"`, `"block"` and `"pipeline"`, made once: a string made from
    /// wasm costs a TextDecoder call.
    marks: [JsValue; 3],
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
    "EXISTS",
    "PEXPIRE",
    "EVALSHA",
    "EVAL",
];

/// Other arguments the core's commands repeat.
const WORDS: &[&str] = &["-inf", "WITHSCORES", "LIMIT", "0", "1", "2"];

impl Args {
    /// For the set stored at `key`, with its companion keys.
    pub fn new<'a>(
        key: &'a str,
        companions: impl Iterator<Item = &'a str>,
        marker: JsValue,
    ) -> Self {
        let mut known = Known::default();
        for text in [key, POP_DUE.sha1()]
            .into_iter()
            .chain(companions)
            .chain(COMMAND_NAMES.iter().chain(WORDS).copied())
        {
            known.insert(text.as_bytes(), JsValue::from_str(text));
        }
        Args {
            known: RefCell::new(known),
            recent: RefCell::new(Vec::new()),
            last_bare: RefCell::new(None),
            marker,
            key_marker: None,
            marks: ["read", "block", "pipeline"].map(JsValue::from_str),
        }
    }

    /// Command names go as lowercase strings, for a client that lowercases every name
    /// it is given (ioredis: several times per command, each a new string unless the
    /// name is lowercase already). Redis reads names in any case. Names in `keep`
    /// (separated by spaces) stay as they are.
    pub fn lowercase_names(&mut self, keep: &str) {
        let known = self.known.get_mut();
        for name in COMMAND_NAMES
            .iter()
            .filter(|name| !keep.split(' ').any(|kept| kept == **name))
        {
            known.insert(
                name.as_bytes(),
                JsValue::from_str(&name.to_ascii_lowercase()),
            );
        }
        self.recent.get_mut().clear();
    }

    /// Each command array carries the key to route it by under `symbol`.
    pub fn mark_keys(&mut self, symbol: JsValue) {
        self.key_marker = Some(symbol);
    }

    /// The command as an array of strings (Uint8Arrays where not UTF-8), marked as a
    /// step: the marker is `"read"` for a read-only command, `"block"` for a blocking
    /// one (for a connection of its own), else `true`.
    pub fn of(&self, cmd: Command) -> JsValue {
        let [read, block, _] = &self.marks;
        let step = if cmd.is_read_only() {
            read.clone()
        } else if cmd.is_blocking() {
            block.clone()
        } else {
            JsValue::TRUE
        };
        let key = self
            .key_marker
            .as_ref()
            .and(cmd.first_key())
            .map(<[u8]>::to_vec);
        let args = cmd.into_args();
        let script = recurring_args(&args);
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
        let (array, all_known) = self.build(&args, Some(&step), key, script.clone());
        // Worth remembering whole: a command made of recurring strings only, and a short
        // script call (a claim's arguments repeat too); not one that carries a member.
        let short = args.iter().map(Vec::len).sum::<usize>() <= 256;
        if all_known || (script.is_some() && short) {
            if recent.len() == RECENT {
                recent.remove(0);
            }
            recent.push((args, array.clone()));
        }
        array
    }

    /// A prepared operation's command as an array (see [`of`](Self::of)), without the
    /// step's mark, which costs a property set on every new array: the JS driver asks
    /// the core once whether the operation only reads. Not remembered among the recent
    /// commands, which are marked.
    pub fn bare(&self, cmd: Command) -> JsValue {
        if self.key_marker.is_some() {
            let key = cmd.first_key().map(<[u8]>::to_vec);
            return self.build(&cmd.into_args(), None, key, None).0;
        }
        let args = cmd.into_args();
        let mut kept = self.last_bare.borrow_mut();
        if let Some((sent, array)) = kept.as_mut() {
            if let Some(at) = one_apart(sent, &args) {
                // Two calls into JS (a copy, a set) in place of one per argument.
                let copy = array.slice(0, args.len() as u32);
                copy.set(at as u32, js_arg(&args[at]));
                sent[at] = args.into_iter().nth(at).unwrap_or_default();
                *array = copy.clone();
                return copy.into();
            }
        }
        let array = self.build(&args, None, None, None).0;
        *kept = Some((args, array.clone().unchecked_into()));
        array
    }

    /// The commands of a pipeline step: an array of command arrays (each as [`of`](Self::of)
    /// makes it), marked `"pipeline"`.
    pub fn pipeline(&self, cmds: Vec<Command>) -> JsValue {
        let out: Array = cmds.into_iter().map(|cmd| self.of(cmd)).collect();
        mark(&out, &self.marker, &self.marks[2]);
        out.into()
    }

    /// The array of `args`, using the known strings, marked as `step` if given, and
    /// remembering a script call's SHA and keys (`script`: where they are) among them;
    /// and whether every argument was known.
    fn build(
        &self,
        args: &[Vec<u8>],
        step: Option<&JsValue>,
        key: Option<Vec<u8>>,
        script: Option<std::ops::Range<usize>>,
    ) -> (JsValue, bool) {
        let out = Array::new();
        let mut known = self.known.borrow_mut();
        let mut all_known = true;
        for (at, arg) in args.iter().enumerate() {
            if let Some(cached) = known.get(arg) {
                out.push(cached);
                continue;
            }
            all_known = false;
            let value = js_arg(arg);
            out.push(&value);
            if script
                .as_ref()
                .is_some_and(|recurring| recurring.contains(&at))
            {
                known.insert(arg, value);
            }
        }
        if let Some(step) = step {
            mark(&out, &self.marker, step);
        }
        if let (Some(symbol), Some(key)) = (&self.key_marker, key) {
            mark(&out, symbol, &js_arg(&key));
        }
        (out.into(), all_known)
    }
}

/// Where `b` differs from `a`, if in exactly one argument.
fn one_apart(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<usize> {
    if a.len() != b.len() {
        return None;
    }
    let mut apart = (0..a.len()).rev().filter(|&i| a[i] != b[i]);
    let first = apart.next()?;
    apart.next().is_none().then_some(first)
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
pub(super) fn js_arg(arg: &[u8]) -> JsValue {
    match std::str::from_utf8(arg) {
        Ok(text) => JsValue::from_str(text),
        Err(_) => Uint8Array::from(arg).into(),
    }
}

/// The strings [`Args`] knows, sorted by their bytes: a few dozen, found by a binary
/// search that stops at the first byte that differs (a hash table's code was 2 KB of the
/// wasm module, issue 20's size target, and hashed every member it was asked about).
#[derive(Default)]
struct Known(Vec<(Vec<u8>, JsValue)>);

impl Known {
    fn get(&self, bytes: &[u8]) -> Option<&JsValue> {
        let at = self.find(bytes).ok()?;
        Some(&self.0[at].1)
    }

    /// Adds `bytes` as `value`, or makes `value` its string if known already.
    fn insert(&mut self, bytes: &[u8], value: JsValue) {
        match self.find(bytes) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (bytes.to_vec(), value)),
        }
    }

    fn find(&self, bytes: &[u8]) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(known, _)| known.as_slice().cmp(bytes))
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.set` without wasm-bindgen's catching wrapper (`js_sys::Reflect::set`
    /// catches, which costs a try block on every command): setting a symbol property
    /// on a fresh array cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(target: &Array, key: &JsValue, value: &JsValue) -> bool;
}

/// Marks `array` with `value` under the symbol `key`.
fn mark(array: &Array, key: &JsValue, value: &JsValue) {
    reflect_set(array, key, value);
}
