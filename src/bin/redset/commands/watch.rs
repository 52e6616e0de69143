//! `redset stats --watch`: the stats again every interval, redrawn in place on a
//! terminal (a JSON line per refresh with `--json`), with items/s in and out.
//!
//! Out is what consumers claimed; in, what entered the set: items added, and items
//! back from a lease (retried, released, expired) or from the dead letters. Exact from
//! the server-side counters of a set that counts. Otherwise out comes from the set's
//! fencing counter (`{name}:fence`, one per item claimed, never reset) and in from it
//! and what the set gained; consumers that `pop` are not counted then.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime};

use redset::Stats;
use serde::Serialize;

use super::stats::{self, StatsJson};
use crate::connect::Redis;
use crate::exit::Failure;
use crate::set::{read_all, Reading};
use crate::Context;
use crate::{render, throughput};

/// Clears a terminal and puts the cursor at its top left.
const CLEAR: &str = "\x1b[H\x1b[2J";

/// What one refresh saw of a set, to count the next one's flows from.
#[derive(Debug, Clone, Copy)]
struct Sample {
    waiting: u64,
    claimed: u64,
    /// Items that entered the set, by its server-side counters if it counts.
    entered: Option<u64>,
}

impl Sample {
    fn of(stats: &Stats, fence: Option<u64>) -> Option<Sample> {
        match &stats.counters {
            Some(c) => Some(Sample {
                waiting: stats.waiting,
                claimed: c.claimed,
                entered: Some(throughput::entered(c)),
            }),
            None => fence.map(|claimed| Sample {
                waiting: stats.waiting,
                claimed,
                entered: None,
            }),
        }
    }
}

/// Items in and out of a set between two refreshes.
#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Flow {
    #[serde(rename = "in")]
    into: Option<u64>,
    out: Option<u64>,
    in_per_s: Option<f64>,
    out_per_s: Option<f64>,
}

impl Flow {
    fn between(before: Sample, after: Sample, elapsed: Duration) -> Flow {
        let out = after.claimed.saturating_sub(before.claimed);
        let into = match (before.entered, after.entered) {
            (Some(before), Some(after)) => after.saturating_sub(before),
            // The set gained (or lost) waiting items while `out` left it by claims.
            _ => (i128::from(after.waiting) - i128::from(before.waiting) + i128::from(out))
                .clamp(0, i128::from(u64::MAX)) as u64,
        };
        let per_s = |n: u64| n as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
        Flow {
            into: Some(into),
            out: Some(out),
            in_per_s: Some(per_s(into)),
            out_per_s: Some(per_s(out)),
        }
    }
}

#[derive(Serialize)]
struct SetJson {
    #[serde(flatten)]
    stats: StatsJson,
    #[serde(flatten)]
    flow: Flow,
}

#[derive(Serialize)]
struct RefreshJson {
    time: String,
    interval_s: Option<f64>,
    sets: Vec<SetJson>,
}

/// Refreshes the stats of `names` every `interval`, `count` times (or until Ctrl-C).
pub async fn run(
    context: &Context,
    names: &[String],
    interval: Duration,
    count: Option<u64>,
) -> Result<(), Failure> {
    let terminal = std::io::stdout().is_terminal();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut before: HashMap<String, Sample> = HashMap::new();
    let mut last: Option<Instant> = None;
    let mut outcome = Ok(());
    for _ in 0..count.unwrap_or(u64::MAX) {
        ticks.tick().await;
        let at = Instant::now();
        let readings = read_all(&context.redis, &context.kinds, names).await;
        let claimed = claimed_so_far(&context.redis, names).await;
        let elapsed = last.map(|last| at - last);
        let mut flows = Vec::with_capacity(names.len());
        let mut after = HashMap::new();
        for (reading, claimed) in readings.iter().zip(claimed) {
            let sample = match &reading.result {
                Ok((_, stats)) => Sample::of(stats, claimed),
                Err(_) => None,
            };
            let flow = match (before.get(&reading.name), sample, elapsed) {
                (Some(b), Some(a), Some(elapsed)) => Flow::between(*b, a, elapsed),
                _ => Flow::default(),
            };
            if let Some(sample) = sample {
                after.insert(reading.name.clone(), sample);
            }
            flows.push(flow);
        }
        show(context.json, terminal, interval, elapsed, &readings, &flows);
        outcome = match readings.into_iter().find_map(|r| r.result.err()) {
            Some(failure) => Err(failure),
            None => Ok(()),
        };
        before = after;
        last = Some(at);
    }
    outcome
}

/// How many items each set has had claimed, ever (its fencing counter).
async fn claimed_so_far(redis: &Redis, names: &[String]) -> Vec<Option<u64>> {
    let Ok(conn) = redis.conn().await else {
        return vec![None; names.len()];
    };
    let reads = names.iter().map(|name| {
        let mut conn = conn.clone();
        async move {
            let key = redset::core::companion_key(name, redset::core::FENCE);
            let claimed: redis::RedisResult<Option<u64>> =
                redis::cmd("GET").arg(key).query_async(&mut conn).await;
            claimed.ok().map(Option::unwrap_or_default)
        }
    });
    futures_util::future::join_all(reads).await
}

fn show(
    json: bool,
    terminal: bool,
    interval: Duration,
    elapsed: Option<Duration>,
    readings: &[Reading],
    flows: &[Flow],
) {
    let now = SystemTime::now();
    if json {
        let sets = readings
            .iter()
            .zip(flows)
            .map(|(reading, flow)| SetJson {
                stats: StatsJson::of(reading),
                flow: *flow,
            })
            .collect();
        let refresh = RefreshJson {
            time: render::timestamp_ms(now),
            interval_s: elapsed.map(|e| e.as_secs_f64()),
            sets,
        };
        if let Ok(line) = serde_json::to_string(&refresh) {
            println!("{line}");
        }
        return;
    }
    let mut table = stats::table(&["IN/S", "OUT/S"]);
    for (reading, flow) in readings.iter().zip(flows) {
        let mut cells = stats::cells(reading);
        if reading.result.is_ok() {
            let rate = |r: Option<f64>| r.map_or("-".to_owned(), |r| format!("{r:.1}"));
            cells.extend([rate(flow.in_per_s), rate(flow.out_per_s)]);
        }
        table.add_row(cells);
    }
    let title = format!(
        "{} · every {} · Ctrl-C stops",
        render::timestamp(now),
        render::duration(interval)
    );
    if terminal {
        print!("{CLEAR}");
    }
    anstream::println!("{}", render::paint(render::NOTE, title));
    render::print_table(&table);
    if !terminal {
        println!();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_counts_what_the_set_gained_and_what_claims_took() {
        let before = Sample {
            waiting: 10,
            claimed: 100,
            entered: None,
        };
        // 50 added, 20 claimed: the set grew by 30.
        let after = Sample {
            waiting: 40,
            claimed: 120,
            entered: None,
        };
        let flow = Flow::between(before, after, Duration::from_secs(2));
        assert_eq!((flow.into, flow.out), (Some(50), Some(20)));
        assert_eq!((flow.in_per_s, flow.out_per_s), (Some(25.0), Some(10.0)));
        // Items popped without a claim leave the set: in is never negative.
        let popped = Sample {
            waiting: 0,
            claimed: 100,
            entered: None,
        };
        assert_eq!(
            Flow::between(before, popped, Duration::from_secs(1)).into,
            Some(0)
        );
        // A set that counts says what entered it, pops or not.
        let counted = |waiting, entered| Sample {
            waiting,
            claimed: 100,
            entered: Some(entered),
        };
        let flow = Flow::between(counted(10, 500), counted(0, 530), Duration::from_secs(1));
        assert_eq!((flow.into, flow.out), (Some(30), Some(0)));
    }
}
