//! Batch producers: `add_many` against one `add` per item and the raw crate's pipeline.

use std::time::Instant;

use redset::{SortedSet, Text};

use super::{connect, fill, Config};

/// Batch producers: `add_many` against one `add` per item and against the raw crate's
/// pipelined ZADDs (one command per item, one round trip), on the same items.
pub(super) fn batch_section(cfg: &Config) {
    let n = cfg.ops * 10;
    let key = "bench:batch";
    let mut admin = connect(&cfg.url);
    let mut conn = connect(&cfg.url);
    let mut set = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let items: Vec<usize> = (0..n).collect();
    let mut rates = [Vec::new(), Vec::new(), Vec::new()];
    for round in 0..cfg.rounds {
        let mut order = [0, 1, 2];
        order.rotate_left(round % 3);
        for side in order {
            fill(&mut admin, key, 0);
            let start = Instant::now();
            match side {
                0 => {
                    for i in &items {
                        set.add_with_score(i, *i as f64).unwrap();
                    }
                }
                1 => {
                    set.add_many_with(
                        items.iter().map(|i| (i, Some(*i as f64))),
                        Default::default(),
                    )
                    .unwrap();
                }
                _ => {
                    let mut pipe = redis::pipe();
                    for i in &items {
                        pipe.cmd("ZADD").arg(key).arg(*i as f64).arg(*i).ignore();
                    }
                    pipe.exec(&mut conn).unwrap();
                }
            }
            rates[side].push(n as f64 / start.elapsed().as_secs_f64());
        }
    }
    let [one, many, raw] = rates.map(|mut r| {
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    });
    println!(
        "\n### Rust, sync driver: batch producers ({n} items, items/s, median of {} rounds)\n",
        cfg.rounds
    );
    println!("| add one at a time | add_many | raw pipelined ZADD | add_many / add | add_many / raw |\n|---|---|---|---|---|");
    println!(
        "| {one:.0} | {many:.0} | {raw:.0} | {:.1} | {:.2} |",
        many / one,
        many / raw
    );
}
