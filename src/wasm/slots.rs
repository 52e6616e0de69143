//! Operations in slots, stepped by JS: the protocol between the binding and the JS
//! driver loop (`pkg-template/lib/driver.mjs`).
//!
//! A method of [`WasmSet`] starts an operation in the slot `id` the driver picked and
//! gives its first step; [`feed`](WasmSet::feed) (or a typed fast path) hands over a
//! reply and [`resume`](WasmSet::resume) the time after a sleep, each giving the next
//! step, until a step is the result. A step is marked by the set's marker symbol:
//! command arguments (`true`, `"read"` for a command that only reads, `"block"` for a
//! blocking one), `"now"` (resume at once with the time), or a number of ms to sleep;
//! an unmarked value is the result, and the slot is free again. An error frees the slot
//! too.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::errors::js_error;
use super::replies::{bulks_reply, number_reply, to_reply};
use super::WasmSet;
use crate::core::{too_many_steps, Error, Map, Operation, Reply, Step, MAX_STEPS};

/// An operation in its slot.
pub(crate) enum Slot {
    Free,
    Running {
        op: Box<dyn Operation<Output = JsValue>>,
        steps: usize,
    },
}

/// The most operations of one set in flight at once: far more than any client could
/// have outstanding, and a guard against a runaway id.
const MAX_SLOTS: usize = 1 << 20;

/// The step that asks for the time at once, made once per set (it is never changed).
pub(crate) fn now_step(marker: &JsValue) -> JsValue {
    let step = Object::new();
    let _ = Reflect::set(&step, marker, &"now".into());
    step.into()
}

#[wasm_bindgen]
impl WasmSet {
    /// Takes the reply to the last command of operation `id`: strings and Buffers are
    /// bulk strings, whole numbers integers, other numbers doubles, arrays arrays,
    /// `Map`s maps, an `Error` an error reply. Gives the next step.
    pub fn feed(&self, id: u32, reply: JsValue) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(to_reply(&reply));
        self.hand_over(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is a number, without probing its type.
    #[wasm_bindgen(js_name = feedNumber)]
    pub fn feed_number(&self, id: u32, reply: f64) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(number_reply(reply));
        self.hand_over(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is an array of numbers (a pipeline's
    /// replies to `ZADD` and `EXISTS`), in one piece.
    #[wasm_bindgen(js_name = feedNumbers)]
    pub fn feed_numbers(&self, id: u32, replies: &[f64]) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(Reply::Array(
            replies.iter().map(|&n| number_reply(n)).collect(),
        ));
        self.hand_over(id, op, steps, step)
    }

    /// [`feed`](Self::feed) for a reply that is a bulk string (a Buffer).
    #[wasm_bindgen(js_name = feedBytes)]
    pub fn feed_bytes(&self, id: u32, reply: &[u8]) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.feed(Reply::Bulk(reply.to_vec()));
        self.hand_over(id, op, steps, step)
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
        self.hand_over(id, op, steps, step)
    }

    /// Continues operation `id` after a sleep or a `"now"` step; `now` is the clock's
    /// time in UNIX seconds. Gives the next step.
    pub fn resume(&self, id: u32, now: f64) -> Result<JsValue, JsValue> {
        let (mut op, steps) = self.running(id)?;
        let step = op.resume(now);
        self.hand_over(id, op, steps, step)
    }

    /// Frees the slot of an operation given up on (its client failed); no-op if free.
    pub fn abandon(&self, id: u32) {
        self.replace(id, Slot::Free);
    }
}

impl WasmSet {
    /// Starts `op` in slot `id` and gives its first step. The operation and its
    /// conversion to JS are boxed apart, so that the code that steps them is one `Map`
    /// per output type rather than one per operation (bytes of the module).
    pub(crate) fn begin<O, F>(&self, id: u32, op: Map<O, F>) -> Result<JsValue, JsValue>
    where
        O: Operation + 'static,
        F: FnMut(O::Output) -> JsValue + 'static,
    {
        let (op, output) = op.into_parts();
        let op: Box<dyn Operation<Output = O::Output>> = Box::new(op);
        let output: Box<dyn FnMut(O::Output) -> JsValue> = Box::new(output);
        self.begin_boxed(id, Box::new(op.map(output)))
    }

    // Apart from `begin`, which every operation's type instantiates: this body once.
    #[inline(never)]
    fn begin_boxed(
        &self,
        id: u32,
        mut op: Box<dyn Operation<Output = JsValue>>,
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
        let step = op.start();
        self.hand_over(id, op, 0, step)
    }

    /// Takes operation `id` out of its slot to run a step, counting it: user JS that the
    /// step calls (a serializer, a scorer) may use the set meanwhile.
    fn running(&self, id: u32) -> Result<(Box<dyn Operation<Output = JsValue>>, usize), JsValue> {
        match self.replace(id, Slot::Free) {
            Slot::Running { steps, .. } if steps >= MAX_STEPS => {
                Err(js_error(too_many_steps(), None))
            }
            Slot::Running { op, steps } => Ok((op, steps + 1)),
            Slot::Free => Err(js_error(
                Error::protocol("operation", "no operation in flight with this id"),
                None,
            )),
        }
    }

    /// Keeps the operation in its slot while it has steps to give, frees the slot once
    /// it is done or failed, and gives the step to JS.
    fn hand_over(
        &self,
        id: u32,
        op: Box<dyn Operation<Output = JsValue>>,
        steps: usize,
        step: crate::core::Result<Step<JsValue>>,
    ) -> Result<JsValue, JsValue> {
        let (slot, next) = match step {
            Err(error) => (Slot::Free, Err(self.error(error))),
            Ok(Step::Send(cmd)) => (Slot::Running { op, steps }, Ok(self.commands.of(cmd))),
            Ok(Step::Pipeline(cmds)) => {
                let pipeline = self.commands.pipeline(cmds);
                (Slot::Running { op, steps }, Ok(pipeline))
            }
            Ok(Step::Now) => (Slot::Running { op, steps }, Ok(self.now_step.clone())),
            Ok(Step::Sleep(wait)) => {
                let sleep = Object::new();
                let ms = JsValue::from(wait.as_secs_f64() * 1000.0);
                let _ = Reflect::set(&sleep, &self.marker, &ms);
                (Slot::Running { op, steps }, Ok(sleep.into()))
            }
            Ok(Step::Done(output)) => (Slot::Free, Ok(output)),
        };
        self.replace(id, slot);
        next
    }

    fn replace(&self, id: u32, slot: Slot) -> Slot {
        let mut slots = self.slots.borrow_mut();
        match slots.get_mut(id as usize) {
            Some(old) => std::mem::replace(old, slot),
            None => Slot::Free,
        }
    }
}
