//! Flow control's cost (issue 23): claim + ack on a set with flow control on — a rate
//! limit that is never reached, fair groups — beside the same set without, interleaved;
//! and the cost of a claim as the number of groups grows (it must stay flat: no scan
//! over the groups).

use std::time::{Duration, Instant};

use redset::{RateLimit, RedisSet, SortedSet, Synchronous, Text};

use super::{connect, median, micros, paired_ratio, Config};

/// A sync set of numbers of any kind (plain or grouped).
pub(super) type Set<K> = RedisSet<K, Synchronous<redis::Connection>, Text<usize>>;

/// Claims one item and acks it with the next claim (as the workers do), until `n`
/// items are done; µs per item.
fn drain<K>(set: &mut Set<K>, n: usize) -> Duration {
    let lease = Duration::from_secs(60);
    let start = Instant::now();
    let mut got = set.claim(1, lease).unwrap();
    let mut done = 0;
    while !got.is_empty() {
        done += got.len();
        if done >= n {
            set.ack_many(&got).unwrap();
            break;
        }
        got = set.ack_and_claim(&got, 1, lease).unwrap();
    }
    assert_eq!(done, n, "the set ran dry");
    start.elapsed() / n as u32
}

/// Empties the set and adds `n` items, spread over `groups` groups (round the items).
fn refill<K>(admin: &mut redis::Connection, set: &mut Set<K>, key: &str, n: usize) {
    let _: () = redis::cmd("DEL").arg(key).exec(admin).unwrap();
    set.clear().unwrap();
    let items: Vec<usize> = (0..n).collect();
    set.add_many(items.iter()).unwrap();
}

/// How many off/on pairs a row measures: more than the other tables, as a ratio near
/// the target is read from them.
fn pairs(cfg: &Config) -> usize {
    2 * cfg.rounds + 1
}

/// One row of an on/off table: `run(on)` (µs per item, off side when `on` is false)
/// timed over [`pairs`] off/on pairs, which side goes first alternating; items/s as
/// medians, the ratio the median of off / on µs by pairs ([`paired_ratio`]).
pub(super) fn on_off_row(cfg: &Config, name: &str, mut run: impl FnMut(bool) -> Duration) {
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for round in 0..pairs(cfg) {
        for on_side in [round % 2 == 1, round % 2 == 0] {
            if on_side {
                on.push(run(true));
            } else {
                off.push(run(false));
            }
        }
    }
    let ratio = paired_ratio(&off, &on);
    let (off_rate, on_rate) = (1e6 / micros(median(off)), 1e6 / micros(median(on)));
    println!("| {name} | {off_rate:.0} | {on_rate:.0} | {ratio:.2} |");
}

/// One row: claim + ack on the same items with a plain set and with `on` ([`on_off_row`]).
pub(super) fn on_and_off<K>(cfg: &Config, key: &str, name: &str, on: &mut Set<K>) {
    let mut admin = connect(&cfg.url);
    let mut off = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    on_off_row(cfg, name, |on_side| {
        if on_side {
            refill(&mut admin, on, key, cfg.ops);
            drain(on, cfg.ops)
        } else {
            refill(&mut admin, &mut off, key, cfg.ops);
            drain(&mut off, cfg.ops)
        }
    });
}

/// items/s of claim + ack with and without each kind of flow control.
fn on_against_off(cfg: &Config) {
    let key = "bench:flow";
    let limit = RateLimit::with_burst(u32::MAX, Duration::from_secs(1), 1_000_000).unwrap();
    let plain = || SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    println!("\n### Rust, sync driver: flow control's cost (claim + ack one at a time, acks with the next claim; items/s, medians; ratio: the median of on / off over adjacent pairs, ≥ 0.9 is the target)\n");
    println!("| flow control on | off | on | ratio |\n|---|---|---|---|");
    on_and_off(
        cfg,
        key,
        "a rate limit, never reached",
        &mut plain().rate_limit(limit),
    );
    let mut grouped = plain().group_by(|i: &usize| (i % 10).to_string());
    on_and_off(cfg, key, "10 fair groups", &mut grouped);
    let mut capped = plain()
        .group_by(|i: &usize| (i % 10).to_string())
        .group_concurrency(1000);
    on_and_off(cfg, key, "10 groups, concurrency 1000 each", &mut capped);
}

/// µs per claim + ack with 10, 1 000 and 100 000 groups waiting.
fn by_groups(cfg: &Config) {
    let key = "bench:groups";
    let mut admin = connect(&cfg.url);
    let counts: &[usize] = if cfg.ops < 1000 {
        &[10, 100, 1000]
    } else {
        &[10, 1_000, 100_000]
    };
    let total = counts[counts.len() - 1].max(cfg.ops * cfg.rounds);
    println!("\n### Rust, sync driver: a claim's cost by the number of groups (claim + ack one at a time, {total} items waiting, spread evenly; µs per item, median of {} runs of {})\n", cfg.rounds, cfg.ops);
    println!("| groups | µs per item |\n|---|---|");
    for &groups in counts {
        let mut set = SortedSet::new(connect(&cfg.url), key)
            .serializer(Text::<usize>::new())
            .group_by(move |i: &usize| (i % groups).to_string());
        refill(&mut admin, &mut set, key, total);
        let runs: Vec<Duration> = (0..cfg.rounds).map(|_| drain(&mut set, cfg.ops)).collect();
        println!("| {groups} | {:.1} |", micros(median(runs)));
    }
}

/// The rows of this file (`--only flow`).
pub fn flow_section(cfg: &Config) {
    on_against_off(cfg);
    by_groups(cfg);
}
