//! At-most-once (pop, take) against at-least-once (claim + ack) on the same items
//! (`--only leases`).

use std::time::Duration;

use redset::{SortedSet, Text};

use super::{calls_until, compare, connect, fill, Compared, Config};

/// At-most-once against at-least-once on the same items: `pop` vs `claim(1)` + `ack`,
/// and `take(100)` vs `claim(100)` + `ack_many`, interleaved.
pub(super) fn lease_section(cfg: &Config) {
    let (n, r) = (cfg.ops, cfg.rounds);
    let key = "bench:lease";
    let mut admin = connect(&cfg.url);
    let mut set = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let mut leased = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let lease = Duration::from_secs(60);
    println!("\n### Rust, sync driver: at-most-once vs leases (items/s, medians; ratio: the median over the rounds of leases / pop or take, ≥ 0.7 is the target for batches)\n");
    println!("| mode | pop / take | claim + ack | ratio |\n|---|---|---|---|");
    // Items/s of each side (`calls` calls for the n items), and leases / at-most-once by
    // rounds (the other way round in time).
    let items_per_s =
        |micros_per_call: f64, calls: usize| n as f64 / (micros_per_call * calls as f64) * 1e6;
    let print_row = |mode: &str, compared: Compared, calls: usize| {
        let (at_most_once, leases) = (
            items_per_s(compared.a, calls),
            items_per_s(compared.b, calls),
        );
        let ratio = 1.0 / compared.b_over_a;
        println!("| {mode} | {at_most_once:.0} | {leases:.0} | {ratio:.2} |");
    };
    let pop_claim = compare(
        r,
        n,
        || fill(&mut admin, key, n),
        || (0..n).map(|_| set.pop().unwrap().unwrap()).count(),
        || {
            (0..n)
                .map(|_| {
                    let got = leased.claim(1, lease).unwrap();
                    leased.ack(&got[0]).unwrap();
                })
                .count()
        },
    );
    print_row("one at a time", pop_claim, n);
    let batches = n.div_ceil(100) + 1;
    let mut admin = connect(&cfg.url);
    let pop_claim = compare(
        r,
        batches,
        || fill(&mut admin, key, n),
        || calls_until(|| !set.take(100).unwrap().is_empty()),
        || {
            calls_until(|| {
                let got = leased.claim(100, lease).unwrap();
                leased.ack_many(&got).unwrap();
                !got.is_empty()
            })
        },
    );
    print_row("batches of 100", pop_claim, batches);
    // The same with each ack and the next claim in one round trip (ack_and_claim).
    for (mode, per) in [
        ("one at a time, ack_and_claim", 1),
        ("batches of 100, ack_and_claim", 100),
    ] {
        let calls = n.div_ceil(per) + 1;
        let pop_claim = compare(
            r,
            calls,
            || fill(&mut admin, key, n),
            || calls_until(|| !set.take(per).unwrap().is_empty()),
            || {
                let mut got = leased.claim(per, lease).unwrap();
                let mut calls = 1;
                while !got.is_empty() {
                    got = leased.ack_and_claim(&got, per, lease).unwrap();
                    calls += 1;
                }
                calls
            },
        );
        print_row(mode, pop_claim, calls);
    }
}
