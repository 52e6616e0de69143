//! One operation, then another: the first's output is dropped.

use super::{Operation, Step};
use crate::core::protocol::{Reply, Result};

/// `first`, then `second`: e.g. `ack_and_claim` when the ack must wait for replicas
/// before anything is claimed.
pub(crate) struct Then<A, B> {
    first: Option<A>,
    second: B,
}

impl<A, B> Then<A, B> {
    pub fn new(first: A, second: B) -> Self {
        Then {
            first: Some(first),
            second,
        }
    }
}

impl<A: Operation, B: Operation> Then<A, B> {
    fn after_first(&mut self, step: Result<Step<A::Output>>) -> Result<Step<B::Output>> {
        match step?.done() {
            Ok(_) => {
                self.first = None;
                self.second.start()
            }
            Err(pending) => Ok(pending),
        }
    }
}

impl<A: Operation, B: Operation> Operation for Then<A, B> {
    type Output = B::Output;

    fn start(&mut self) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.start();
                self.after_first(step)
            }
            None => self.second.start(),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.feed(reply);
                self.after_first(step)
            }
            None => self.second.feed(reply),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<B::Output>> {
        match self.first.as_mut() {
            Some(first) => {
                let step = first.resume(now);
                self.after_first(step)
            }
            None => self.second.resume(now),
        }
    }

    fn repeatable(&self) -> bool {
        self.first
            .as_ref()
            .map_or_else(|| self.second.repeatable(), Operation::repeatable)
    }
}
