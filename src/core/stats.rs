//! A set's counts for operators and dashboards: waiting, due, in flight, dead and the
//! age of the oldest due item, in one round trip; and how many are in flight alone.

use std::sync::LazyLock;
use std::time::Duration;

use super::clock::{Clock, Clocked};
use super::kind::Kind;
use super::operation::{Call, Exchange, Operation};
use super::protocol::{Command, Decoder, Error, Reply, Result, Script};
use super::schema::LEASES;
use super::target::Target;

static STATS: LazyLock<Script> =
    LazyLock::new(|| super::lease::script(include_str!("scripts/stats.lua")));

/// The stats script with its `KEYS` by role, for the tests of every script's header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    vec![(&*STATS, super::schema::LEASE_KEYS.to_vec())]
}

/// A set's counts in one round trip.
///
/// ```
/// let stats = redset::Stats { waiting: 3, due: 1, in_flight: 2, dead: 0, oldest_due_age: None };
/// assert_eq!(stats.waiting - stats.due, 2); // not due yet
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Items in the set, eligible or not (`len()`).
    pub waiting: u64,
    /// Items eligible now (all of them but for a scheduled set).
    pub due: u64,
    /// Leased items, including retries waiting out their delay.
    pub in_flight: u64,
    /// Items in the dead letters.
    pub dead: u64,
    /// How long the oldest eligible item has waited (time-ordered kinds: now minus its
    /// score, by the server's clock); `None` for a priority set or when none is due.
    pub oldest_due_age: Option<Duration>,
}

/// See [`SetCore::stats`](crate::core::SetCore::stats).
pub(crate) fn stats<S>(
    target: Target<S>,
    clock: Clock,
    now: f64,
) -> impl Operation<Output = Stats> {
    Clocked::new(clock, target.kind.due_by_time(), now, move |now| {
        let kind = target.kind;
        let call = Call::script(&STATS, target.keys.lease(), vec![target.due_by(now)]);
        Exchange::new(call, move |reply| decode(kind, reply))
    })
}

/// The stats script's reply: `[waiting, due, in flight, dead, oldest due score or
/// nil, server ms]`.
fn decode(kind: Kind, reply: Reply) -> Result<Stats> {
    let d = Decoder { command: "EVALSHA" };
    let Reply::Array(parts) = d.ok(reply)? else {
        return Err(Error::protocol("EVALSHA", "stats reply is not an array"));
    };
    let [waiting, due, in_flight, dead, oldest, server_ms] = <[Reply; 6]>::try_from(parts)
        .map_err(|_| Error::protocol("EVALSHA", "stats reply of the wrong length"))?;
    let server_ms = d.count(server_ms)?;
    // Lua's false is a nil in RESP2 and a boolean in RESP3.
    let oldest = match oldest {
        Reply::Bool(false) => None,
        other => d.optional_score(other)?,
    };
    let oldest_due_age = match (kind, oldest) {
        (Kind::Sorted, _) | (_, None) => None,
        (_, Some(score)) => {
            Some(Duration::try_from_secs_f64(server_ms as f64 / 1000.0 - score).unwrap_or_default())
        }
    };
    Ok(Stats {
        waiting: d.count(waiting)?,
        due: d.count(due)?,
        in_flight: d.count(in_flight)?,
        dead: d.count(dead)?,
        oldest_due_age,
    })
}

/// See [`SetCore::in_flight`](crate::core::SetCore::in_flight): `ZCARD` of the leases.
pub(crate) fn in_flight<S>(target: &Target<S>) -> impl Operation<Output = u64> {
    let cmd = Command::new("ZCARD").arg(target.keys.get(LEASES));
    Exchange::new(Call::Command(cmd), |reply| {
        Decoder { command: "ZCARD" }.count(reply)
    })
}
