//! An operation whose result is converted by a function.

use super::{Operation, Step};
use crate::core::protocol::{Reply, Result};

/// An operation whose result is converted by a function: see [`Operation::map`].
#[derive(Debug)]
pub struct Map<O, F> {
    op: O,
    f: F,
}

impl<O, F> Map<O, F> {
    pub(crate) fn new(op: O, f: F) -> Self {
        Map { op, f }
    }

    /// The operation and the function, apart: for a driver that boxes each (the wasm
    /// binding, so that its code is one `Map` per output type, not one per operation).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let (len, mut double) = set.len().map(|n| n * 2).into_parts();
    /// assert_eq!(double(3), 6);
    /// # drop(len);
    /// ```
    pub fn into_parts(self) -> (O, F) {
        (self.op, self.f)
    }
}

impl<O: Operation, U, F: FnMut(O::Output) -> U> Map<O, F> {
    /// `step` with its output converted: made once per map, not inlined into each of
    /// the three methods (issue 20's size target; a step is large to move).
    #[inline(never)]
    fn converted(&mut self, step: Result<Step<O::Output>>) -> Result<Step<U>> {
        Ok(step?.map(&mut self.f))
    }
}

impl<O: Operation, U, F: FnMut(O::Output) -> U> Operation for Map<O, F> {
    type Output = U;

    fn start(&mut self) -> Result<Step<U>> {
        let step = self.op.start();
        self.converted(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<U>> {
        let step = self.op.feed(reply);
        self.converted(step)
    }

    fn resume(&mut self, now: f64) -> Result<Step<U>> {
        let step = self.op.resume(now);
        self.converted(step)
    }

    fn repeatable(&self) -> bool {
        self.op.repeatable()
    }
}
