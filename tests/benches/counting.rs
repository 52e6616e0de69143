//! Counting's cost (issue 21): a set that keeps server-side counters
//! (`.metrics(true)`) beside the same set without, interleaved — claim + ack, and
//! single adds. The target: counting costs at most 5% of the items per second.

use std::time::{Duration, Instant};

use redset::{SortedSet, Text};

use super::flow::{on_and_off, on_off_row};
use super::{connect, Config};

/// µs per `add` of `n` new items, one call each, on an emptied set.
fn adds<K>(
    admin: &mut redis::Connection,
    set: &mut super::flow::Set<K>,
    key: &str,
    n: usize,
) -> Duration {
    let _: () = redis::cmd("DEL").arg(key).exec(admin).unwrap();
    let start = Instant::now();
    for i in 0..n {
        set.add(&i).unwrap();
    }
    start.elapsed() / n as u32
}

/// items/s of single adds with and without counting, interleaved.
fn add_row(cfg: &Config, key: &str) {
    let mut admin = connect(&cfg.url);
    let mut off = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let mut on = SortedSet::new(connect(&cfg.url), key)
        .serializer(Text::<usize>::new())
        .metrics(true);
    on_off_row(cfg, "add, one item per call", |on_side| {
        let set = if on_side { &mut on } else { &mut off };
        adds(&mut admin, set, key, cfg.ops)
    });
}

/// The rows of this file (`--only counting`).
pub fn counting_section(cfg: &Config) {
    let key = "bench:counting";
    println!("\n### Rust, sync driver: counting's cost (`.metrics(true)` on against off; items/s, medians; ratio: the median of on / off over adjacent pairs, ≥ 0.95 is the target)\n");
    println!("| operation | off | on | ratio |\n|---|---|---|---|");
    let mut counted = SortedSet::new(connect(&cfg.url), key)
        .serializer(Text::<usize>::new())
        .metrics(true);
    on_and_off(
        cfg,
        key,
        "claim + ack, acks with the next claim",
        &mut counted,
    );
    add_row(cfg, key);
}
