//! The sync driver against the raw `redis` crate sending the same commands, operation by
//! operation (`--only ops`).

use redset::core::POP_DUE;
use redset::{ScheduledSet, SortedSet, Text};

use super::{calls_until, compare, connect, fill, now, ops_rounds, row, Config};

pub(super) fn sync_section(cfg: &Config) {
    let (n, r) = (cfg.ops, ops_rounds(cfg));
    let key = "bench:sync";
    let mut admin = connect(&cfg.url);
    let mut conn = connect(&cfg.url);
    let mut set = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let mut sched = ScheduledSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    // The same without the check of the original Python redset's lock: the two rows side
    // by side give that check's cost.
    let mut unlocked = ScheduledSet::new(connect(&cfg.url), key)
        .original_lock(false)
        .serializer(Text::<usize>::new());
    let script = redis::Script::new(POP_DUE.source());
    let takes = n.div_ceil(100) + 1;
    println!("\n### Rust, sync driver (µs per call, medians; ratio: the median over {r} rounds of raw time / redset time; ≥ 0.95 is the target, ≥ 0.90 for add)\n");
    println!("| operation | redset | raw redis crate | ratio |\n|---|---|---|---|");

    let mut empty = || fill(&mut admin, key, 0);
    row(
        "add one at a time",
        compare(
            r,
            n,
            &mut empty,
            || {
                (0..n)
                    .map(|i| set.add_with_score(&i, i as f64).unwrap())
                    .count()
            },
            || {
                (0..n)
                    .map(|i| {
                        redis::cmd("ZADD")
                            .arg(key)
                            .arg(i as f64)
                            .arg(i)
                            .query::<i64>(&mut conn)
                            .unwrap()
                    })
                    .count()
            },
        ),
    );
    let mut admin = connect(&cfg.url);
    let mut full = || fill(&mut admin, key, n);
    row(
        "pop one at a time",
        compare(
            r,
            n,
            &mut full,
            || (0..n).map(|_| set.pop().unwrap().unwrap()).count(),
            || {
                (0..n)
                    .map(|_| {
                        let v: Vec<(usize, f64)> = redis::cmd("ZPOPMIN")
                            .arg(key)
                            .arg(1)
                            .query(&mut conn)
                            .unwrap();
                        v[0].0
                    })
                    .count()
            },
        ),
    );
    row(
        "take(100) until empty",
        compare(
            r,
            takes,
            &mut full,
            || calls_until(|| !set.take(100).unwrap().is_empty()),
            || {
                calls_until(|| {
                    let v: Vec<(usize, f64)> = redis::cmd("ZPOPMIN")
                        .arg(key)
                        .arg(100)
                        .query(&mut conn)
                        .unwrap();
                    !v.is_empty()
                })
            },
        ),
    );
    // The same script call as the set's: with the original's lock as KEYS[2] where the
    // set checks it.
    let lock = format!("{key}__lock");
    let due = |count: usize, locked: bool| {
        let mut invocation = script.key(key);
        if locked {
            invocation.key(&lock);
        }
        invocation.arg(now()).arg(count);
        invocation
    };
    let mut raw_due_pop = |locked: bool| {
        (0..n)
            .map(|_| due(1, locked).invoke::<Vec<usize>>(&mut conn).unwrap()[0])
            .count()
    };
    row(
        "ScheduledSet pop (all due)",
        compare(
            r,
            n,
            &mut full,
            || (0..n).map(|_| sched.pop().unwrap().unwrap()).count(),
            || raw_due_pop(true),
        ),
    );
    row(
        "ScheduledSet pop, original's lock not checked",
        compare(
            r,
            n,
            &mut full,
            || (0..n).map(|_| unlocked.pop().unwrap().unwrap()).count(),
            || raw_due_pop(false),
        ),
    );
    row(
        "ScheduledSet take(100) until empty",
        compare(
            r,
            takes,
            &mut full,
            || calls_until(|| !sched.take(100).unwrap().is_empty()),
            || {
                calls_until(|| {
                    !due(100, true)
                        .invoke::<Vec<usize>>(&mut conn)
                        .unwrap()
                        .is_empty()
                })
            },
        ),
    );
    let mut admin = connect(&cfg.url);
    fill(&mut admin, key, 1000);
    row(
        "peek",
        compare(
            r,
            n,
            || {},
            || (0..n).map(|_| set.peek().unwrap().unwrap()).count(),
            || {
                (0..n)
                    .map(|_| {
                        redis::cmd("ZRANGE")
                            .arg(key)
                            .arg(0)
                            .arg(0)
                            .query::<Vec<usize>>(&mut conn)
                            .unwrap()[0]
                    })
                    .count()
            },
        ),
    );
    row(
        "len",
        compare(
            r,
            n,
            || {},
            || (0..n).map(|_| set.len().unwrap()).count(),
            || {
                (0..n)
                    .map(|_| {
                        redis::cmd("ZCARD")
                            .arg(key)
                            .query::<u64>(&mut conn)
                            .unwrap()
                    })
                    .count()
            },
        ),
    );
    row(
        "contains",
        compare(
            r,
            n,
            || {},
            || {
                (0..n)
                    .filter(|i| set.contains(&(i % 1000)).unwrap())
                    .count()
            },
            || {
                (0..n)
                    .filter(|i| {
                        redis::cmd("ZSCORE")
                            .arg(key)
                            .arg(i % 1000)
                            .query::<Option<f64>>(&mut conn)
                            .unwrap()
                            .is_some()
                    })
                    .count()
            },
        ),
    );
}
