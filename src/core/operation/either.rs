//! One of two operations with the same output, picked at run time without boxing.

use super::{Operation, Step};
use crate::core::protocol::{Reply, Result};

/// One of two operations with the same output, so that a method can pick its
/// operation at run time without boxing (a scheduled pop or a `ZPOPMIN`).
pub(crate) enum Either<A, B> {
    Left(A),
    Right(B),
}

impl<T, A: Operation<Output = T>, B: Operation<Output = T>> Operation for Either<A, B> {
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.start(),
            Either::Right(op) => op.start(),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.feed(reply),
            Either::Right(op) => op.feed(reply),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<T>> {
        match self {
            Either::Left(op) => op.resume(now),
            Either::Right(op) => op.resume(now),
        }
    }

    fn repeatable(&self) -> bool {
        match self {
            Either::Left(op) => op.repeatable(),
            Either::Right(op) => op.repeatable(),
        }
    }
}
