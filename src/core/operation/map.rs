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

impl<O: Operation, U, F: FnMut(O::Output) -> U> Operation for Map<O, F> {
    type Output = U;

    fn start(&mut self) -> Result<Step<U>> {
        Ok(self.op.start()?.map(&mut self.f))
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<U>> {
        Ok(self.op.feed(reply)?.map(&mut self.f))
    }

    fn resume(&mut self, now: f64) -> Result<Step<U>> {
        Ok(self.op.resume(now)?.map(&mut self.f))
    }

    fn repeatable(&self) -> bool {
        self.op.repeatable()
    }
}
