//! At-least-once consumption: leases with fencing tokens (see [`Lease`]).
//!
//! `claim` moves items from the set into a lease that expires unless acked or extended,
//! counting a delivery and handing out a fresh fencing token; an expired lease goes
//! back to the set (or to the dead letters after the maximum deliveries). Every later
//! step — `ack`, `extend`, `retry`, `release` — takes effect only while its token is
//! still the item's current one, so a consumer that lost its lease can change nothing.
//! The lease clock is the server's (`TIME` in the scripts). The state lives in the
//! set's companion keys ([`schema::LEASE_KEYS`](super::schema::LEASE_KEYS)).
//!
//! One file per concept: the records users hold, the policy, the wire formats, and one
//! file per operation (with its script): claim (and its bury step), ack, extend, retry
//! (and release), recover, the dead letters, the in-flight listing.

mod ack;
mod claim;
mod dead;
mod extend;
mod in_flight;
mod policy;
mod record;
mod recover;
mod retry;
mod wire;

use std::sync::LazyLock;

use super::clock::Clock;
use super::flow;
use super::operation::{Call, Exchange, Operation};
use super::original_lock::OriginalLock;
use super::protocol::{Decoder, Error, Reply, Result, Script};
use super::replication::{Replicated, Replication};
use super::target::Target;

pub use policy::LeasePolicy;
pub use record::{DeadLetter, InFlight, Lease, Recovered, Retried};

/// The most dead letters `dead_letters()` lists.
pub const MAX_DEAD_LISTED: usize = 10_000;

/// The helpers lease scripts include: `lease/common`, and flow control's (which
/// `lease/common` includes in turn).
pub(crate) static INCLUDES: LazyLock<Vec<(&str, &'static str)>> = LazyLock::new(|| {
    let common = ("lease/common", lua!("lease/common.lua"));
    std::iter::once(common)
        .chain(flow::INCLUDES.iter().copied())
        .collect()
});

/// What the lease operations need of a set: the set, its lease policy, the original's
/// lock (a scheduled set's claims honour it), what writes wait for, and whose clock
/// says which items are due.
pub(crate) struct Leases<S> {
    pub target: Target<S>,
    pub policy: LeasePolicy,
    pub lock: Option<OriginalLock>,
    pub replication: Option<Replication>,
    pub clock: Clock,
    /// `ARGV[1]` of every lease script: the set's options (see `lease/common`).
    pub options: Vec<u8>,
}

impl<S> Clone for Leases<S> {
    fn clone(&self) -> Self {
        Leases {
            target: self.target.clone(),
            policy: self.policy,
            lock: self.lock.clone(),
            replication: self.replication,
            clock: self.clock,
            options: self.options.clone(),
        }
    }
}

impl<S> Leases<S> {
    /// A call of a lease script with the lease keys and the set's options before
    /// `args`, its reply read by `decode`.
    fn call<T>(
        &self,
        script: &'static Script,
        args: Vec<Vec<u8>>,
        decode: impl FnOnce(&Decoder<'_>, Reply) -> Result<T>,
    ) -> impl Operation<Output = T> {
        Exchange::new(
            Call::script(script, self.target.keys.lease(), self.args(args)),
            move |reply| decode(&Decoder { command: "EVALSHA" }, reply),
        )
    }

    /// A lease script's `ARGV`: the set's options, then `args`.
    fn args(&self, args: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        std::iter::once(self.options.clone()).chain(args).collect()
    }

    /// `LeaseLost` for these tokens of this set.
    fn lost(&self, tokens: Vec<u64>) -> Error {
        Error::LeaseLost {
            set: self.target.name.to_string(),
            tokens,
        }
    }

    /// A write, then `WAIT` when the set asks for replicas.
    fn replicated<O: Operation>(&self, op: O) -> Replicated<O> {
        Replicated::new(
            op,
            self.replication,
            self.target.keys.get(super::schema::SET),
        )
    }
}

/// Every lease script with its `KEYS` by role (see `schema`), for the tests that check
/// each script's header against the schema.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    use super::schema::{LEASE_KEYS, ORIGINAL_LOCK};
    let claim = [LEASE_KEYS, &[ORIGINAL_LOCK]].concat();
    vec![
        (&*claim::CLAIM, claim),
        (&*claim::BURY, LEASE_KEYS.to_vec()),
        (&*ack::ACK, LEASE_KEYS.to_vec()),
        (&*extend::EXTEND, LEASE_KEYS.to_vec()),
        (&*retry::RETRY, LEASE_KEYS.to_vec()),
        (&*recover::RECOVER, LEASE_KEYS.to_vec()),
        (&*dead::DEAD, LEASE_KEYS.to_vec()),
        (&*dead::REQUEUE_DEAD, LEASE_KEYS.to_vec()),
        (&*dead::PURGE_DEAD, LEASE_KEYS.to_vec()),
        (&*in_flight::IN_FLIGHT, LEASE_KEYS.to_vec()),
    ]
}
