//! One request and the decoding of its final reply: the leaf of every operation.

use super::call::Opening;
use super::{Call, Operation, Step};
use crate::core::protocol::{Error, Reply, Result};

/// A [`Call`] and the decoder of its final reply. Every script call of every operation
/// goes through one, so the `EVALSHA` → `EVAL` fallback is handled here alone.
pub(crate) struct Exchange<F> {
    call: Call,
    decode: Option<F>,
    repeatable: bool,
}

impl<F> Exchange<F> {
    /// An exchange whose command may be sent again (see [`Operation::repeatable`]).
    pub fn new(call: Call, decode: F) -> Self {
        Exchange {
            call,
            decode: Some(decode),
            repeatable: true,
        }
    }

    /// The same, for a command that must not be sent twice (a pop).
    pub fn once(mut self) -> Self {
        self.repeatable = false;
        self
    }

    /// The name of the command it sends, for error messages.
    pub fn name(&self) -> &'static str {
        self.call.name()
    }
}

impl<T, F: FnOnce(Reply) -> Result<T>> Exchange<F> {
    fn finish(&mut self, reply: Reply) -> Result<Step<T>> {
        let decode = self.decode.take().ok_or_else(|| {
            Error::protocol(self.call.name(), "reply fed to a finished operation")
        })?;
        decode(reply).map(Step::Done)
    }
}

impl<T, F: FnOnce(Reply) -> Result<T>> Operation for Exchange<F> {
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        match self.call.opening() {
            Opening::Send(cmd) => Ok(Step::Send(cmd)),
            Opening::Known(reply) => self.finish(reply),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        if self.call.falls_back(&reply) {
            return self.start();
        }
        self.finish(reply)
    }

    fn repeatable(&self) -> bool {
        self.repeatable
    }
}
