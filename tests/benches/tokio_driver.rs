//! The tokio driver over a `MultiplexedConnection` against the raw `redis` crate sending
//! the same commands, operation by operation (`--only ops`).

use redis::aio::MultiplexedConnection;
use redset::core::POP_DUE;
use redset::{aio, Text};

use super::{compare, connect, fill, now, ops_rounds, row, Config};

/// Awaits `f(i)` for i in 0..n on the runtime; returns n.
fn block_times(rt: &tokio::runtime::Runtime, n: usize, mut f: impl AsyncFnMut(usize)) -> usize {
    rt.block_on(async {
        for i in 0..n {
            f(i).await;
        }
        n
    })
}

/// Awaits `f()` until it reports an empty batch; returns the number of calls.
fn block_until_empty(rt: &tokio::runtime::Runtime, mut f: impl AsyncFnMut() -> bool) -> usize {
    rt.block_on(async {
        let mut calls = 1;
        while f().await {
            calls += 1;
        }
        calls
    })
}

pub(super) fn async_section(cfg: &Config) {
    let (n, r) = (cfg.ops, ops_rounds(cfg));
    let key = "bench:async";
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = redis::Client::open(cfg.url.as_str()).unwrap();
    let conn: MultiplexedConnection = rt
        .block_on(client.get_multiplexed_async_connection())
        .unwrap();
    let set = aio::SortedSet::new(conn.clone(), key).serializer(Text::<usize>::new());
    let sched = aio::ScheduledSet::new(conn.clone(), key).serializer(Text::<usize>::new());
    let script = redis::Script::new(POP_DUE.source());
    let takes = n.div_ceil(100) + 1;
    let raw = async |name: &str, args: &[&str]| {
        let mut cmd = redis::cmd(name);
        cmd.arg(key).arg(args);
        cmd.query_async::<redis::Value>(&mut conn.clone())
            .await
            .unwrap()
    };
    let popped = |v: redis::Value| !matches!(v, redis::Value::Array(ref a) if a.is_empty());
    // The same script call as the set's, with the original's lock as KEYS[2].
    let lock = format!("{key}__lock");
    let invoke = async |count: usize| {
        let mut invocation = script.prepare_invoke();
        invocation.key(key).key(&lock).arg(now()).arg(count);
        invocation
            .invoke_async::<Vec<usize>>(&mut conn.clone())
            .await
            .unwrap()
    };
    println!("\n### Rust, tokio driver over a MultiplexedConnection (µs per call, medians; ratio: the median over {r} rounds of raw time / redset time; ≥ 0.95 is the target, ≥ 0.90 for add)\n");
    println!("| operation | redset | raw redis crate | ratio |\n|---|---|---|---|");
    let mut admin = connect(&cfg.url);
    let mut empty = || fill(&mut admin, key, 0);
    row(
        "add one at a time",
        compare(
            r,
            n,
            &mut empty,
            || {
                block_times(&rt, n, async |i| {
                    set.add_with_score(&i, i as f64).await.unwrap();
                })
            },
            || {
                block_times(&rt, n, async |i| {
                    raw("ZADD", &[&(i as f64).to_string(), &i.to_string()]).await;
                })
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
            || {
                block_times(&rt, n, async |_| {
                    set.pop().await.unwrap().unwrap();
                })
            },
            || {
                block_times(&rt, n, async |_| {
                    assert!(popped(raw("ZPOPMIN", &["1"]).await))
                })
            },
        ),
    );
    row(
        "take(100) until empty",
        compare(
            r,
            takes,
            &mut full,
            || block_until_empty(&rt, async || !set.take(100).await.unwrap().is_empty()),
            || block_until_empty(&rt, async || popped(raw("ZPOPMIN", &["100"]).await)),
        ),
    );
    row(
        "ScheduledSet pop (all due)",
        compare(
            r,
            n,
            &mut full,
            || {
                block_times(&rt, n, async |_| {
                    sched.pop().await.unwrap().unwrap();
                })
            },
            || block_times(&rt, n, async |_| assert_eq!(invoke(1).await.len(), 1)),
        ),
    );
    row(
        "ScheduledSet take(100) until empty",
        compare(
            r,
            takes,
            &mut full,
            || block_until_empty(&rt, async || !sched.take(100).await.unwrap().is_empty()),
            || block_until_empty(&rt, async || !invoke(100).await.is_empty()),
        ),
    );
    fill(&mut connect(&cfg.url), key, 1000);
    row(
        "peek",
        compare(
            r,
            n,
            || {},
            || {
                block_times(&rt, n, async |_| {
                    set.peek().await.unwrap().unwrap();
                })
            },
            || {
                block_times(&rt, n, async |_| {
                    raw("ZRANGE", &["0", "0"]).await;
                })
            },
        ),
    );
    row(
        "len",
        compare(
            r,
            n,
            || {},
            || {
                block_times(&rt, n, async |_| {
                    set.len().await.unwrap();
                })
            },
            || {
                block_times(&rt, n, async |_| {
                    raw("ZCARD", &[]).await;
                })
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
                block_times(&rt, n, async |i| {
                    set.contains(&(i % 1000)).await.unwrap();
                })
            },
            || {
                block_times(&rt, n, async |i| {
                    raw("ZSCORE", &[&(i % 1000).to_string()]).await;
                })
            },
        ),
    );
}
