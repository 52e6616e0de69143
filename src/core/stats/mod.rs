//! A set's counts for operators and dashboards: waiting, due, in flight, dead, the
//! age of the oldest due item and whether it is paused, in one round trip; how many are
//! in flight alone; and a grouped set's counts per group (`groups`).

mod groups;

use std::sync::LazyLock;
use std::time::Duration;

use super::clock::{Clock, Clocked};
use super::kind::Kind;
use super::operation::{Call, Exchange, Operation};
use super::protocol::{Command, Decoder, Error, Reply, Result, Script};
use super::schema::LEASES;
use super::target::Target;

static STATS: LazyLock<Script> =
    LazyLock::new(|| script!("stats/stats.lua", &crate::core::lease::INCLUDES));

/// The stats script with its `KEYS` by role, for the tests of every script's header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    let lease_keys = super::schema::LEASE_KEYS.to_vec();
    vec![
        (&*STATS, lease_keys.clone()),
        (&*groups::GROUP_STATS, lease_keys),
    ]
}

pub use groups::GroupStats;
pub(crate) use groups::{group_stats, groups};

/// A set's counts in one round trip.
///
/// ```no_run
/// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
/// let stats = jobs.stats()?;
/// println!("{} waiting, {} not due yet", stats.waiting, stats.waiting - stats.due);
/// # Ok::<(), redset::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// What the scripts counted on this set, if it ever counted (`metrics`).
    pub counters: Option<Counters>,
    /// Whether the set is paused (`pause()`): claims hand out nothing.
    pub paused: bool,
    /// How long the set still hands out nothing after a handler met an outside rate
    /// limit (`rate_limited`), by the server's clock; `None` when it does not.
    pub held_for: Option<Duration>,
    /// The maximum deliveries of the set's consumers, as their last claim applied it
    /// (every claim keeps its own in the set's flow hash); `None` before any claim.
    /// What an operator's `recover` should use, having no policy of its own.
    pub max_deliveries: Option<u32>,
}

/// What the scripts counted on a set since it first counted (see the set's `metrics`
/// setting): totals that only grow, exact across every process that counts. Serialized
/// as an object of these fields, as the npm package and the dashboard's API give it.
///
/// ```
/// let counters = redset::core::Counters { claimed: 10, acked: 9, ..Default::default() };
/// assert_eq!(counters.claimed - counters.acked, 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Items added (new members; a re-add of one already there is not counted).
    pub added: u64,
    /// Items claimed (deliveries).
    pub claimed: u64,
    /// Leases acked.
    pub acked: u64,
    /// Leases retried (back to the set after a delay).
    pub retried: u64,
    /// Leases released (given back uncounted).
    pub released: u64,
    /// Items moved to the dead letters (retried or expired past the maximum
    /// deliveries, or undecodable).
    pub dead: u64,
    /// Expired leases that went back to the set.
    pub recovered: u64,
    /// Dead letters put back into the set.
    pub requeued: u64,
}

impl Counters {
    /// The counters from `HGETALL`'s field/value pairs; `None` if there are none.
    fn from_pairs(pairs: Vec<(Vec<u8>, i64)>) -> Option<Counters> {
        if pairs.is_empty() {
            return None;
        }
        let mut counters = Counters::default();
        for (field, value) in pairs {
            let value = u64::try_from(value).unwrap_or(0);
            match field.as_slice() {
                b"added" => counters.added = value,
                b"claimed" => counters.claimed = value,
                b"acked" => counters.acked = value,
                b"retried" => counters.retried = value,
                b"released" => counters.released = value,
                b"dead" => counters.dead = value,
                b"recovered" => counters.recovered = value,
                b"requeued" => counters.requeued = value,
                _ => {}
            }
        }
        Some(counters)
    }
}

/// See [`SetCore::stats`](crate::core::SetCore::stats).
pub(crate) fn stats<S>(
    target: Target<S>,
    clock: Clock,
    options: Vec<u8>,
    now: f64,
) -> impl Operation<Output = Stats> {
    Clocked::new(clock, target.kind.due_by_time(), now, move |now| {
        let kind = target.kind;
        let args = vec![options, target.due_by(now)];
        let call = Call::script(&STATS, target.keys.lease(), args);
        Exchange::new(call, move |reply| decode(kind, reply))
    })
}

/// The stats script's reply: `[waiting, due, in flight, dead, oldest due score or
/// nil, server ms, counters as field/value pairs, paused, hold ms or nil, maximum
/// deliveries or nil]`.
fn decode(kind: Kind, reply: Reply) -> Result<Stats> {
    let d = Decoder { command: "EVALSHA" };
    let mut parts = d.parts(reply, 10, "the stats reply")?;
    let waiting = d.count(parts.next())?;
    let due = d.count(parts.next())?;
    let in_flight = d.count(parts.next())?;
    let dead = d.count(parts.next())?;
    let oldest = parts.next();
    let server_ms = d.count(parts.next())?;
    let counters = d
        .array(parts.next())?
        .chunks(2)
        .map(|pair| match pair {
            [field, value] => Ok((d.member(field.clone())?, d.integer(value.clone())?)),
            _ => Err(Error::protocol("EVALSHA", "counters of an odd length")),
        })
        .collect::<Result<Vec<_>>>()?;
    let paused = d.flag(parts.next())?;
    let (hold, max) = (parts.next(), parts.next());
    // Lua's false is a nil in RESP2 and a boolean in RESP3.
    let oldest = match oldest {
        Reply::Bool(false) => None,
        other => d.optional_score(other)?,
    };
    let held_for = match hold {
        Reply::Bool(false) => None,
        other => d.optional_score(other)?,
    }
    .map(|until| Duration::from_millis((until - server_ms as f64).max(0.0) as u64))
    .filter(|left| !left.is_zero());
    let max_deliveries = match max {
        Reply::Bool(false) | Reply::Nil => None,
        other => Some(
            u32::try_from(d.integer(other)?)
                .map_err(|_| Error::protocol("EVALSHA", "a maximum of deliveries out of range"))?,
        ),
    };
    let oldest_due_age = match (kind, oldest) {
        (Kind::Sorted, _) | (_, None) => None,
        (_, Some(score)) => {
            Some(Duration::try_from_secs_f64(server_ms as f64 / 1000.0 - score).unwrap_or_default())
        }
    };
    Ok(Stats {
        waiting,
        due,
        in_flight,
        dead,
        oldest_due_age,
        counters: Counters::from_pairs(counters),
        paused,
        held_for,
        max_deliveries,
    })
}

/// See [`SetCore::in_flight`](crate::core::SetCore::in_flight): `ZCARD` of the leases.
pub(crate) fn in_flight<S>(target: &Target<S>) -> impl Operation<Output = u64> {
    let cmd = Command::new("ZCARD").arg(target.keys.get(LEASES));
    Exchange::new(Call::Command(cmd), |reply| {
        Decoder { command: "ZCARD" }.count(reply)
    })
}
