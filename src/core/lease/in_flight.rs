//! The leases in flight, listed for operators: holders, deliveries, time left.

use std::sync::LazyLock;
use std::time::Duration;

use super::record::{from_ms, InFlight};
use super::wire::LeaseRecord;
use super::Leases;
use crate::core::operation::Operation;
use crate::core::protocol::{redis_index, Arg, Reply, Script};
use crate::core::serializer::Serializer;

pub(super) static IN_FLIGHT: LazyLock<Script> =
    LazyLock::new(|| script!("lease/in_flight.lua", &super::INCLUDES));

impl<S: Serializer> Leases<S> {
    /// See [`SetCore::in_flight_items`](crate::core::SetCore::in_flight_items).
    pub fn in_flight_items(&self, limit: usize) -> impl Operation<Output = Vec<InFlight<S::Item>>> {
        let target = self.target.clone();
        let args = vec![Arg::from(redis_index(limit)).0];
        self.call(&IN_FLIGHT, args, move |d, reply| {
            let mut parts = d.array(reply)?.into_iter();
            let now = d.count(parts.next().unwrap_or(Reply::Nil))?;
            let mut out = Vec::with_capacity(parts.len() / 3);
            while let (Some(member), Some(deadline), Some(record)) =
                (parts.next(), parts.next(), parts.next())
            {
                let member = d.member(member)?;
                let deadline = d.score(deadline)?.max(0.0) as u64;
                let record = LeaseRecord::parse(&d.member(record)?);
                out.push(InFlight {
                    item: target.loads(&member).ok(),
                    token: (record.token != 0).then_some(record.token),
                    deliveries: record.deliveries,
                    score: record.score,
                    deadline: from_ms(deadline),
                    time_left: Duration::from_millis(deadline.saturating_sub(now)),
                    member,
                });
            }
            Ok(out)
        })
    }
}
