//! The dead letters: listing them, putting them back into the set, deleting them.

use std::sync::LazyLock;

use super::record::{from_ms, DeadLetter};
use super::wire::DeadRecord;
use super::{Leases, MAX_DEAD_LISTED};
use crate::core::operation::Operation;
use crate::core::protocol::{Arg, Script};
use crate::core::serializer::Serializer;

pub(super) static DEAD: LazyLock<Script> =
    LazyLock::new(|| script!("lease/dead.lua", &super::INCLUDES));
pub(super) static REQUEUE_DEAD: LazyLock<Script> =
    LazyLock::new(|| script!("lease/requeue_dead.lua", &super::INCLUDES));
pub(super) static PURGE_DEAD: LazyLock<Script> =
    LazyLock::new(|| script!("lease/purge_dead.lua", &super::INCLUDES));

impl<S: Serializer> Leases<S> {
    /// See [`SetCore::dead_letters`](crate::core::SetCore::dead_letters).
    pub fn dead_letters(&self) -> impl Operation<Output = Vec<DeadLetter<S::Item>>> {
        let target = self.target.clone();
        let args = vec![Arg::from(MAX_DEAD_LISTED).0];
        self.call(&DEAD, args, move |d, reply| {
            let flat = d.members(reply)?;
            let mut out = Vec::with_capacity(flat.len() / 2);
            let mut it = flat.into_iter();
            while let (Some(member), Some(record)) = (it.next(), it.next()) {
                let info = DeadRecord::parse(&record);
                out.push(DeadLetter {
                    item: target.loads(&member).ok(),
                    reason: info.reason,
                    deliveries: info.deliveries,
                    time: from_ms(info.time),
                    score: info.score,
                    member,
                });
            }
            Ok(out)
        })
    }
}

impl<S> Leases<S> {
    /// See [`SetCore::requeue_dead`](crate::core::SetCore::requeue_dead).
    pub fn requeue_dead<T>(&self, letters: &[DeadLetter<T>]) -> impl Operation<Output = u64> {
        let args = letters.iter().map(|l| l.member.clone()).collect();
        self.call(&REQUEUE_DEAD, args, |d, reply| d.count(reply))
    }

    /// See [`SetCore::purge_dead`](crate::core::SetCore::purge_dead).
    pub fn purge_dead(&self) -> impl Operation<Output = u64> {
        self.call(&PURGE_DEAD, Vec::new(), |d, reply| d.count(reply))
    }
}
