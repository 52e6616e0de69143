//! Prepared operations for JS (see the core's `Prepared`): `pop`, `take(n)`, `peek`,
//! `len`, `has` and `score`, where the operation is one command and its reply. The JS
//! driver asks for the command array and keeps it where `preparedTraits` says that it
//! is the same on every call with that argument or where the item goes, or
//! `preparedTimeAt` that only the time changes; it sends the command, and hands the
//! reply to one call that decodes it with the operation's own decoder: no slot, no
//! operation, no step. An operation that cannot be prepared on this set gets
//! `undefined`, and runs in a slot as usual; a reply that does not finish the operation
//! (the original's lock held, `NOSCRIPT`) gives the set's marker symbol, and the
//! operation runs in a slot with that reply fed as the answer to its first command (the
//! one sent).
//!
//! `which` names the operation: 0 `pop`, 1 `take(arg)`, 2 `peek(arg)`, 3 `len`,
//! 4 `has(arg)`, 5 `score(arg)`; `arg` is checked as the operation's own parameter.
//!
//! And `add`, where the operation is its `ZADD` and a check (`preparedAdd`): the core
//! builds the `ZADD` on each call, or, on a set of strings, once, and then gives each
//! call's score for the driver to put in with the item (`preparedAddAt`).

use js_sys::{Array, Uint32Array};
use wasm_bindgen::prelude::*;

use super::commands::js_arg;
use super::params;
use super::replies::{number_reply, to_reply};
use super::results;
use super::JsSerializer;
use super::WasmSet;
use crate::core::{Bulks, Prepared, PreparedOutput, Reply, SetCore};

#[wasm_bindgen]
impl WasmSet {
    /// The command array of operation `which` with `arg` at `now` (the client's clock),
    /// or undefined when the operation must run in a slot on this set. Throws as the
    /// operation would for a bad argument or an item the serializer refuses.
    pub fn prepared(&self, which: u32, arg: &JsValue, now: f64) -> Result<JsValue, JsValue> {
        let which = prepared_op(which, arg)?;
        if matches!(which, Prepared::Contains | Prepared::Score) {
            let cmd = self
                .core
                .prepared_for(which, arg)
                .map_err(|e| self.error(e))?;
            return Ok(cmd.map_or(JsValue::UNDEFINED, |cmd| self.commands.bare(cmd)));
        }
        Ok(self
            .core
            .prepared(which, now)
            .map_or(JsValue::UNDEFINED, |cmd| self.commands.bare(cmd)))
    }

    /// What the JS driver needs to know of prepared operation `which` on this set, asked
    /// once per operation, as bits:
    /// - [`READ`]: its command only reads (the driver tells its client so: prepared
    ///   commands carry no step mark);
    /// - [`FIXED`]: its command is the same on every call with the same argument (see
    ///   the core's `prepared_is_fixed`): the driver keeps it, and asks again only for
    ///   another argument;
    /// - [`KEEPS_SCORES`]: its result carries a score of its reply (see the core's
    ///   `keeps_scores`); where not, the driver lets a client that decodes RESP3 doubles
    ///   as numbers more cheaply than as text (node-redis) do so;
    /// - from bit [`ITEM_AT`] up, one more than where its command array carries the item
    ///   (`has`, `score`), on a set whose members are its items' UTF-8 (the default
    ///   serializer's; see the core's `prepared_member_at`): the driver keeps the array,
    ///   and puts each call's item there when it is a well-formed string, whose UTF-8 is
    ///   its member (any other item goes through `prepared`); 0 for the rest.
    #[wasm_bindgen(js_name = preparedTraits)]
    pub fn prepared_traits(&self, which: u32) -> Result<u32, JsValue> {
        let op = any_of(which)?;
        let item_at = self.core.prepared_member_at(op);
        let item_at = item_at
            .filter(|_| self.makes_strings())
            .map_or(0, |at| at + 1);
        let bit = |set: bool, bit: u32| if set { bit } else { 0 };
        Ok(bit(op.reads_only(), READ)
            | bit(self.core.prepared_is_fixed(op), FIXED)
            | bit(op.keeps_scores(), KEEPS_SCORES)
            | (item_at as u32) << ITEM_AT)
    }

    /// Where the command array of prepared operation `which` with `arg` carries the
    /// time, when the time is all that changes between calls (a scheduled set's `pop`
    /// and `take(n)`; see the core's `prepared_time_at`): the JS driver keeps the array
    /// and puts each call's `preparedScore` there, and asks again after a reply that did
    /// not finish the operation. Undefined for the rest.
    #[wasm_bindgen(js_name = preparedTimeAt)]
    pub fn prepared_time_at(&self, which: u32, arg: &JsValue) -> Result<Option<u32>, JsValue> {
        let which = prepared_op(which, arg)?;
        Ok(self.core.prepared_time_at(which).map(|at| at as u32))
    }

    /// A score as prepared commands carry it: the time now (the client's clock) where
    /// `preparedTimeAt` says, and a kept add's score (see
    /// [`preparedAdd`](Self::prepared_add)).
    #[wasm_bindgen(js_name = preparedScore)]
    pub fn prepared_score(&self, score: f64) -> JsValue {
        js_arg(&self.core.prepared_score(score))
    }

    /// The result of prepared operation `which` for `reply` (any reply value, as `feed`
    /// takes it).
    #[wasm_bindgen(js_name = preparedReply)]
    pub fn prepared_reply(
        &self,
        which: u32,
        arg: &JsValue,
        reply: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.output(which, arg, to_reply(&reply))
    }

    /// [`prepared_reply`](Self::prepared_reply) for a number.
    #[wasm_bindgen(js_name = preparedNumber)]
    pub fn prepared_number(
        &self,
        which: u32,
        arg: &JsValue,
        reply: f64,
    ) -> Result<JsValue, JsValue> {
        self.output(which, arg, number_reply(reply))
    }

    /// [`prepared_reply`](Self::prepared_reply) for an array of bulk strings in one
    /// piece (see `feedBulks`); with `scores` not empty, for RESP3's `[member, score]`
    /// rows whose scores the client decoded as numbers: the members in one piece (`width`
    /// 1), the scores beside them.
    #[wasm_bindgen(js_name = preparedBulks)]
    pub fn prepared_bulks(
        &self,
        which: u32,
        arg: &JsValue,
        bytes: &[u8],
        lengths: &[u32],
        width: u32,
        scores: &[f64],
    ) -> Result<JsValue, JsValue> {
        let bulks = match scores {
            [] => Bulks::new(bytes, lengths, width),
            scores => Bulks::scored(bytes, lengths, scores),
        };
        let bulks = match bulks {
            Ok(bulks) => bulks,
            Err(why) => return self.output(which, arg, Reply::Other(why.into())),
        };
        if self.makes_strings() && which == TAKE {
            // The members read where they lie: no value per member on the way to JS.
            prepared_op(which, arg)?;
            return match self.core.prepared_members_in(&bulks) {
                Ok(members) => Ok(self.joined(&members)),
                Err(error) => Err(self.error(error)),
            };
        }
        self.output(which, arg, bulks.to_reply())
    }

    /// [`prepared_reply`](Self::prepared_reply) for one or two bulk strings, without
    /// joining them first: `shape` 0 is `[first]`, 1 `[first, second]`, 2
    /// `[[first, second]]` (a RESP3 pop's one pair), 3 `first` alone (a score: a bulk
    /// string read as bytes, not probed as a JS value). A strings set's pop whose item is
    /// `first` as UTF-8 text gives `as_text`, a value of JS's own that no item can be:
    /// JS makes that string.
    #[wasm_bindgen(js_name = preparedPair)]
    pub fn prepared_pair(
        &self,
        which: u32,
        arg: &JsValue,
        first: &[u8],
        second: &[u8],
        shape: u32,
        as_text: JsValue,
    ) -> Result<JsValue, JsValue> {
        let given = first;
        let (first, second) = (Reply::Bulk(first.to_vec()), Reply::Bulk(second.to_vec()));
        let reply = match shape {
            0 => Reply::Array(vec![first]),
            1 => Reply::Array(vec![first, second]),
            2 => Reply::Array(vec![Reply::Array(vec![first, second])]),
            _ => first,
        };
        if self.makes_strings() && which == POP {
            // The item is the member as text: when that is `first` itself, JS makes the
            // string from the bytes it holds (`as_text` says so), cheaper than from wasm.
            return self.finished(self.core.prepared_member(reply), |raw| {
                if raw == given && std::str::from_utf8(&raw).is_ok() {
                    as_text
                } else {
                    self.core.load(&raw).unwrap_or(JsValue::NULL)
                }
            });
        }
        self.output(which, arg, reply)
    }

    /// The `ZADD` of `add(item, score)` at `now` (the client's clock) where the add is
    /// that command and the check alone (see the core's `prepared_add`), else undefined:
    /// the add runs in a slot. The JS driver sends it with
    /// [`preparedAddCheck`](Self::prepared_add_check)'s command in one round trip, and
    /// reads the score it adds at from [`addedScore`](Self::added_score) at once. Throws
    /// as `add` does for a bad score or an item the serializer refuses.
    ///
    /// `kept`: the driver holds a `ZADD` of this set and puts the item in itself (see
    /// [`preparedAddAt`](Self::prepared_add_at)); this gives the score alone, which
    /// the driver puts in as [`preparedScore`](Self::prepared_score) writes it, where it
    /// does not hang on the item (see the core's `prepared_add_score`), else undefined.
    /// (One export for both: an export of its own cost the module 500 bytes, issue 20's
    /// size target.)
    #[wasm_bindgen(js_name = preparedAdd)]
    pub fn prepared_add(
        &self,
        item: JsValue,
        score: &JsValue,
        now: f64,
        kept: bool,
    ) -> Result<JsValue, JsValue> {
        let score = params::optional_number(score, "add(score)")?;
        if kept {
            let score = self
                .core
                .prepared_add_score(score, now)
                .map_err(|e| self.error(e))?;
            return Ok(score.map_or(JsValue::UNDEFINED, JsValue::from));
        }
        let prepared = self
            .core
            .prepared_add(&item, score, now)
            .map_err(|e| self.error(e))?;
        Ok(prepared.map_or(JsValue::UNDEFINED, |add| {
            self.added_score.set(add.score);
            self.commands.bare(add.zadd)
        }))
    }

    /// Where a prepared add's `ZADD` (see [`preparedAdd`](Self::prepared_add)) carries
    /// the score, plus one, and from bit 8 up where it carries the member, plus one, on
    /// a set whose members are its items' UTF-8 (see the core's `PREPARED_ADD_AT`): the
    /// JS driver keeps the array, and puts each call's item there when it is a
    /// well-formed string, with the score `preparedAdd` gives for it when kept; 0 on
    /// other sets.
    #[wasm_bindgen(js_name = preparedAddAt)]
    pub fn prepared_add_at(&self) -> u32 {
        let (score_at, member_at) = SetCore::<JsSerializer>::PREPARED_ADD_AT;
        if !self.makes_strings() {
            return 0;
        }
        (score_at as u32 + 1) | (member_at as u32 + 1) << 8
    }

    /// The score the last [`preparedAdd`](Self::prepared_add) adds at: the add's result.
    #[wasm_bindgen(js_name = addedScore)]
    pub fn added_score(&self) -> f64 {
        self.added_score.get()
    }

    /// The check a prepared add's `ZADD` goes with, the same on every call (the JS
    /// driver keeps it).
    #[wasm_bindgen(js_name = preparedAddCheck)]
    pub fn prepared_add_check(&self) -> JsValue {
        self.commands.of(self.core.prepared_add_check())
    }

    /// Whether a prepared add whose `ZADD` and check replied `added` and `waiting`
    /// (numbers) is done; false: a consumer waits, and the add runs in a slot with the
    /// replies as the answer to its first step, to write the wake-up marker. Throws the
    /// add's errors.
    #[wasm_bindgen(js_name = preparedAdded)]
    pub fn prepared_added(&self, added: f64, waiting: f64) -> Result<bool, JsValue> {
        let replies = Reply::Array(vec![number_reply(added), number_reply(waiting)]);
        self.added(replies)
    }

    /// [`preparedAdded`](Self::prepared_added) for replies of any kind (an array of the
    /// two, as `feed` takes a pipeline's).
    #[wasm_bindgen(js_name = preparedAddedReply)]
    pub fn prepared_added_reply(&self, replies: JsValue) -> Result<bool, JsValue> {
        self.added(to_reply(&replies))
    }

    /// Where each item of the last prepared take that gave one string ends in it, in
    /// UTF-16 code units (see [`prepared`](Self::prepared)): a view of wasm memory, not a
    /// copy, as a new array's allocation per take cost more than the take's own work in
    /// JS (issue 20). JS reads it at once, before its next call into wasm.
    #[wasm_bindgen(js_name = itemEnds)]
    pub fn item_ends(&self) -> Uint32Array {
        let ends = self.item_ends.borrow();
        // SAFETY: the view is read before any other call into wasm (replies.mjs `cut`),
        // so no allocation or growth of memory can move or detach what it shows; the
        // ends stay in `item_ends` until the next take.
        unsafe { Uint32Array::view(&ends) }
    }
}

impl WasmSet {
    fn added(&self, replies: Reply) -> Result<bool, JsValue> {
        match self.core.prepared_added(replies) {
            Ok(waiting) => Ok(waiting.is_none()),
            Err(error) => Err(self.error(error)),
        }
    }

    fn output(&self, which: u32, arg: &JsValue, reply: Reply) -> Result<JsValue, JsValue> {
        let which = prepared_op(which, arg)?;
        if self.makes_strings() && matches!(which, Prepared::Take(_)) {
            let members = self.core.prepared_members(reply);
            return self.finished(members, |members| self.joined(&members));
        }
        match self.core.prepared_output(which, reply) {
            Ok(PreparedOutput::Item(item)) => Ok(item.unwrap_or(JsValue::NULL)),
            Ok(PreparedOutput::Items(items)) => Ok(Array::from_iter(items).into()),
            Ok(PreparedOutput::Count(n)) => Ok(results::count(n)),
            Ok(PreparedOutput::Score(score)) => Ok(results::number_or_null(score)),
            Ok(PreparedOutput::Flag(there)) => Ok(JsValue::from(there)),
            Ok(PreparedOutput::Unprepared(_)) => Ok(self.marker.clone()),
            Err(error) => Err(self.error(error)),
        }
    }
}

impl WasmSet {
    /// Whether items are the members as strings (the default serializer): a prepared
    /// pop or take of such a set makes its items in JS (see `prepared`).
    fn makes_strings(&self) -> bool {
        self.core.serializer().makes_strings()
    }

    /// What a strings set's pop or take gives for the core's raw `got`: `make` of it,
    /// the marker where the reply did not finish the operation, or the error.
    fn finished<T>(
        &self,
        got: crate::core::Result<Option<T>>,
        make: impl FnOnce(T) -> JsValue,
    ) -> Result<JsValue, JsValue> {
        match got {
            Ok(Some(raw)) => Ok(make(raw)),
            Ok(None) => Ok(self.marker.clone()),
            Err(error) => Err(self.error(error)),
        }
    }

    /// A strings set's take: its items as one JS string, and where each ends kept for
    /// `itemEnds`, so that JS cuts them out (one string made from wasm in place of one
    /// per item, which cost about 0.3 µs each). A member that is not UTF-8 is reported
    /// by the core and left out, as a take of items one by one does.
    fn joined<M: AsRef<[u8]>>(&self, members: &[M]) -> JsValue {
        let mut text = String::with_capacity(members.iter().map(|m| m.as_ref().len()).sum());
        let mut ends = self.item_ends.borrow_mut();
        ends.clear();
        let mut end = 0u32;
        for raw in members {
            match std::str::from_utf8(raw.as_ref()) {
                Ok(item) => {
                    let units = if item.is_ascii() {
                        item.len()
                    } else {
                        item.encode_utf16().count()
                    };
                    end = end.saturating_add(u32::try_from(units).unwrap_or(u32::MAX));
                    text.push_str(item);
                    ends.push(end);
                }
                Err(_) => {
                    let _ = self.core.load(raw.as_ref());
                }
            }
        }
        JsValue::from_str(&text)
    }
}

/// The bits of [`WasmSet::prepared_traits`] (the JS driver's `TRAITS`).
pub(crate) const READ: u32 = 1;
pub(crate) const FIXED: u32 = 2;
pub(crate) const KEEPS_SCORES: u32 = 4;
/// The shift of one more than where the command carries the item.
pub(crate) const ITEM_AT: u32 = 8;

/// `which` of `pop`, `take` and `peek` (see [`prepared_op`]).
const POP: u32 = 0;
const TAKE: u32 = 1;
const PEEK: u32 = 2;

/// The operation `which` names, with its argument checked.
/// Prepared operation `which`, with any argument where it takes one.
fn any_of(which: u32) -> Result<Prepared, JsValue> {
    match which {
        PEEK => Ok(Prepared::Peek(0)),
        TAKE => Ok(Prepared::Take(1)),
        which => prepared_op(which, &JsValue::UNDEFINED),
    }
}

fn prepared_op(which: u32, arg: &JsValue) -> Result<Prepared, JsValue> {
    Ok(match which {
        POP => Prepared::Pop,
        TAKE => Prepared::Take(params::count(arg, "take(count)")?),
        PEEK => Prepared::Peek(params::position(arg, "peek(position)", 0)?),
        3 => Prepared::Len,
        4 => Prepared::Contains,
        5 => Prepared::Score,
        _ => return Err(js_sys::RangeError::new("no such prepared operation").into()),
    })
}
