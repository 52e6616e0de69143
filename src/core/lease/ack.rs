//! `ack`: done with leased items, removed for good while their tokens are current.

use std::sync::LazyLock;

use super::record::Lease;
use super::wire::{lost_tokens, Acks};
use super::Leases;
use crate::core::operation::{Call, Either, Exchange, Operation};
use crate::core::protocol::{Error, Reply, Script};

pub(super) static ACK: LazyLock<Script> =
    LazyLock::new(|| script!("lease/ack.lua", &super::INCLUDES));

impl<S> Leases<S> {
    /// See [`SetCore::ack`](crate::core::SetCore::ack).
    pub fn ack<T>(&self, leases: &[Lease<T>]) -> impl Operation<Output = ()> {
        let Acks { args, tokens } = Acks::of(leases);
        if args.is_empty() {
            return Either::Left(Exchange::new(Call::Known(Reply::Nil), |_| Ok(())));
        }
        let set = self.target.name.to_string();
        Either::Right(self.replicated(self.call(&ACK, args, move |d, reply| {
            let numbers = d.integers(reply)?;
            let Some((_, positions)) = numbers.split_first() else {
                return Err(Error::protocol("EVALSHA", "an empty ack reply"));
            };
            match lost_tokens(positions, &tokens) {
                lost if lost.is_empty() => Ok(()),
                lost => Err(Error::LeaseLost { set, tokens: lost }),
            }
        })))
    }
}
