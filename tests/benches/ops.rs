//! Benchmarks of the Rust crate against the raw `redis` crate doing the same Redis work,
//! interleaved (A B, then B A) over several rounds on one redis-server; plus consumer
//! scaling and a consumer's peak RSS. Prints Markdown; `./run bench` runs it (and
//! `./run test` runs it with `--smoke`, tiny sizes, so it cannot rot).
//!
//! `cargo bench --bench ops --features tokio -- --url URL [--smoke]`

mod counting;
mod flow;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redset::core::POP_DUE;
use redset::{aio, ScheduledSet, SortedSet, Text};

struct Config {
    url: String,
    /// Operations per measurement.
    ops: usize,
    rounds: usize,
    /// Items drained by the consumer-scaling runs, and added meanwhile.
    drain: u32,
    extra: u32,
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Two sides of a table row timed back to back ([`compare`]): each side's median µs
/// per call, and the median over the rounds of `b / a`, each round's two runs seeing the
/// same load on the machine (a change of load between rounds moves both sides of a
/// round alike instead of one side's median).
struct Compared {
    a: f64,
    b: f64,
    b_over_a: f64,
}

/// One table row: `a` (redset) and `b` (raw), each timed `rounds` times, which goes
/// first alternating.
fn compare(
    rounds: usize,
    calls: usize,
    mut setup: impl FnMut(),
    mut a_side: impl FnMut() -> usize,
    mut b_side: impl FnMut() -> usize,
) -> Compared {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut time = |f: &mut dyn FnMut() -> usize| {
            setup();
            let start = Instant::now();
            let n = f();
            assert_eq!(n, calls, "a side did not do the same work");
            start.elapsed() / calls as u32
        };
        if round % 2 == 0 {
            a.push(time(&mut a_side));
            b.push(time(&mut b_side));
        } else {
            b.push(time(&mut b_side));
            a.push(time(&mut a_side));
        }
    }
    Compared {
        b_over_a: paired_ratio(&b, &a),
        a: micros(median(a)),
        b: micros(median(b)),
    }
}

/// The median of `x / y` over the pairs of runs `(x[i], y[i])`, timed back to back.
fn paired_ratio(x: &[Duration], y: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = x
        .iter()
        .zip(y)
        .map(|(x, y)| micros(*x) / micros(*y))
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// A redset-against-raw row: µs per call of each, and raw / redset by round.
fn row(name: &str, compared: Compared) {
    let Compared { a, b, b_over_a } = compared;
    println!("| {name} | {a:.2} | {b:.2} | {b_over_a:.3} |");
}

fn fill(conn: &mut redis::Connection, key: &str, n: usize) {
    let mut pipe = redis::pipe();
    pipe.del(key).ignore();
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(key);
        for &i in chunk {
            cmd.arg(i % 1000).arg(i);
        }
        pipe.add_command(cmd).ignore();
    }
    pipe.exec(conn).unwrap();
}

fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

fn sync_section(cfg: &Config) {
    let (n, r) = (cfg.ops, cfg.rounds);
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
    println!("\n### Rust, sync driver (µs per call, medians; ratio: the median over the rounds of raw time / redset time, ≥ 0.95 is the target)\n");
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
            || {
                (0..)
                    .take_while(|_| !set.take(100).unwrap().is_empty())
                    .count()
                    + 1
            },
            || {
                (0..)
                    .take_while(|_| {
                        let v: Vec<(usize, f64)> = redis::cmd("ZPOPMIN")
                            .arg(key)
                            .arg(100)
                            .query(&mut conn)
                            .unwrap();
                        !v.is_empty()
                    })
                    .count()
                    + 1
            },
        ),
    );
    let mut raw_due_pop = || {
        (0..n)
            .map(|_| {
                script
                    .key(key)
                    .arg(now())
                    .arg(1)
                    .invoke::<Vec<usize>>(&mut conn)
                    .unwrap()[0]
            })
            .count()
    };
    row(
        "ScheduledSet pop (all due)",
        compare(
            r,
            n,
            &mut full,
            || (0..n).map(|_| sched.pop().unwrap().unwrap()).count(),
            &mut raw_due_pop,
        ),
    );
    row(
        "ScheduledSet pop, original's lock not checked",
        compare(
            r,
            n,
            &mut full,
            || (0..n).map(|_| unlocked.pop().unwrap().unwrap()).count(),
            &mut raw_due_pop,
        ),
    );
    row(
        "ScheduledSet take(100) until empty",
        compare(
            r,
            takes,
            &mut full,
            || {
                (0..)
                    .take_while(|_| !sched.take(100).unwrap().is_empty())
                    .count()
                    + 1
            },
            || {
                (0..)
                    .take_while(|_| {
                        !script
                            .key(key)
                            .arg(now())
                            .arg(100)
                            .invoke::<Vec<usize>>(&mut conn)
                            .unwrap()
                            .is_empty()
                    })
                    .count()
                    + 1
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

fn async_section(cfg: &Config) {
    let (n, r) = (cfg.ops, cfg.rounds);
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
    let invoke = async |count: usize| {
        let mut invocation = script.prepare_invoke();
        invocation.key(key).arg(now()).arg(count);
        invocation
            .invoke_async::<Vec<usize>>(&mut conn.clone())
            .await
            .unwrap()
    };
    println!("\n### Rust, tokio driver over a MultiplexedConnection (µs per call, medians; ratio: the median over the rounds of raw time / redset time)\n");
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

/// `consumers` threads, each with its own connection, pop one at a time from a set of
/// `drain` items while a producer adds `extra` more; items/s and an exactly-once check.
fn drain_run(cfg: &Config, scheduled: bool, consumers: usize) -> f64 {
    let key = format!("bench:drain:{scheduled}:{consumers}");
    fill(&mut connect(&cfg.url), &key, cfg.drain as usize);
    let producer_done = AtomicBool::new(false);
    let start = Instant::now();
    let got: Vec<u32> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..consumers)
            .map(|_| {
                let (key, done) = (&key, &producer_done);
                scope.spawn(move || {
                    let mut sorted = SortedSet::new(connect(&cfg.url), key.as_str())
                        .serializer(Text::<u32>::new());
                    let mut sched = ScheduledSet::new(connect(&cfg.url), key.as_str())
                        .serializer(Text::<u32>::new());
                    let mut got = Vec::new();
                    loop {
                        // Read the flag before popping: an empty pop after the producer
                        // finished means the set is drained for good.
                        let finished = done.load(Ordering::Acquire);
                        let popped = if scheduled { sched.pop() } else { sorted.pop() };
                        match popped {
                            Ok(item) => got.push(item.expect("bench items decode")),
                            Err(e) if e.is_empty() && finished => break got,
                            Err(e) if e.is_empty() => std::thread::yield_now(),
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        let mut producer =
            SortedSet::new(connect(&cfg.url), key.as_str()).serializer(Text::<u32>::new());
        for i in cfg.drain..cfg.drain + cfg.extra {
            producer
                .add_with_score(&i, if scheduled { now() } else { 0.0 })
                .unwrap();
        }
        producer_done.store(true, Ordering::Release);
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let elapsed = start.elapsed();
    let total = cfg.drain + cfg.extra;
    let unique: HashSet<u32> = got.iter().copied().collect();
    assert_eq!(got.len(), unique.len(), "duplicates");
    assert_eq!(unique.len(), total as usize, "lost items");
    f64::from(total) / elapsed.as_secs_f64()
}

fn drain_section(cfg: &Config) {
    println!(
        "\n### Rust consumers draining {} items while a producer adds {} more (pop one at a time; each checked exactly once)\n",
        cfg.drain, cfg.extra
    );
    println!("| consumers | SortedSet items/s | ScheduledSet items/s |\n|---|---|---|");
    let mut base = (0.0, 0.0);
    for consumers in [1, 2, 4, 8] {
        let (sorted, sched) = (
            drain_run(cfg, false, consumers),
            drain_run(cfg, true, consumers),
        );
        if consumers == 1 {
            base = (sorted, sched);
        }
        println!(
            "| {consumers} | {sorted:.0} ({:.2}×) | {sched:.0} ({:.2}×) |",
            sorted / base.0,
            sched / base.1
        );
    }
}

/// A child process: drains `n` items with take(100) and reports its peak RSS.
fn rss_child(url: &str, n: usize) {
    let key = "bench:rss";
    fill(&mut connect(url), key, n);
    let mut set = SortedSet::new(connect(url), key).serializer(Text::<usize>::new());
    let mut total = 0;
    loop {
        let got = set.take(100).unwrap();
        if got.is_empty() {
            break;
        }
        total += got.len();
    }
    assert_eq!(total, n);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap();
    println!("{}", hwm.split_whitespace().nth(1).unwrap());
}

/// At-most-once against at-least-once on the same items: `pop` vs `claim(1)` + `ack`,
/// and `take(100)` vs `claim(100)` + `ack_many`, interleaved.
fn lease_section(cfg: &Config) {
    let (n, r) = (cfg.ops, cfg.rounds);
    let key = "bench:lease";
    let mut admin = connect(&cfg.url);
    let mut set = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let mut leased = SortedSet::new(connect(&cfg.url), key).serializer(Text::<usize>::new());
    let lease = Duration::from_secs(60);
    println!("\n### Rust, sync driver: at-most-once vs leases (items/s, medians; ratio: the median over the rounds of leases / pop or take, ≥ 0.7 is the target for batches)\n");
    println!("| mode | pop / take | claim + ack | ratio |\n|---|---|---|---|");
    let items_per_s =
        |micros_per_call: f64, calls: usize| n as f64 / (micros_per_call * calls as f64) * 1e6;
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
    let (pop, claim) = (items_per_s(pop_claim.a, n), items_per_s(pop_claim.b, n));
    println!(
        "| one at a time | {pop:.0} | {claim:.0} | {:.2} |",
        1.0 / pop_claim.b_over_a
    );
    let batches = n.div_ceil(100) + 1;
    let mut admin = connect(&cfg.url);
    let pop_claim = compare(
        r,
        batches,
        || fill(&mut admin, key, n),
        || {
            (0..)
                .take_while(|_| !set.take(100).unwrap().is_empty())
                .count()
                + 1
        },
        || {
            (0..)
                .take_while(|_| {
                    let got = leased.claim(100, lease).unwrap();
                    leased.ack_many(&got).unwrap();
                    !got.is_empty()
                })
                .count()
                + 1
        },
    );
    let (take, claim) = (
        items_per_s(pop_claim.a, batches),
        items_per_s(pop_claim.b, batches),
    );
    println!(
        "| batches of 100 | {take:.0} | {claim:.0} | {:.2} |",
        1.0 / pop_claim.b_over_a
    );
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
            || {
                (0..)
                    .take_while(|_| !set.take(per).unwrap().is_empty())
                    .count()
                    + 1
            },
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
        let (take, claim) = (
            items_per_s(pop_claim.a, calls),
            items_per_s(pop_claim.b, calls),
        );
        println!(
            "| {mode} | {take:.0} | {claim:.0} | {:.2} |",
            1.0 / pop_claim.b_over_a
        );
    }
}

/// Batch producers: `add_many` against one `add` per item and against the raw crate's
/// pipelined ZADDs (one command per item, one round trip), on the same items.
fn batch_section(cfg: &Config) {
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

/// Lateness in ms of each item popped by `pop` as it falls due: `n` items due at
/// random times over `over` seconds from now.
fn lateness(
    admin: &mut redis::Connection,
    key: &str,
    n: usize,
    over: f64,
    mut pop: impl FnMut() -> Option<String>,
) -> Vec<f64> {
    fill(admin, key, 0);
    let mut seed = 42u64;
    let start = now() + 0.2;
    let mut due = std::collections::HashMap::new();
    let mut pipe = redis::pipe();
    for i in 0..n {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = start + (seed >> 11) as f64 / (1u64 << 53) as f64 * over;
        pipe.zadd(key, i, at).ignore();
        due.insert(i.to_string(), at);
    }
    pipe.exec(admin).unwrap();
    let mut late = Vec::new();
    while late.len() < n {
        let item = pop().expect("an item within the wait");
        late.push((now() - due[&item]) * 1e3);
    }
    late.sort_by(f64::total_cmp);
    late
}

fn percentiles(late: &[f64]) -> String {
    let at = |p: f64| late[((late.len() - 1) as f64 * p).round() as usize];
    format!(
        "{:.1} | {:.1} | {:.1}",
        at(0.5),
        at(0.99),
        late[late.len() - 1]
    )
}

/// Commands a client sent meanwhile, from INFO commandstats (those that scripts call
/// are counted under their own names, and left out).
fn sent_commands(admin: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(admin).unwrap();
    ["zpopmin", "bzpopmin", "bzmpop", "evalsha", "eval"]
        .iter()
        .filter_map(|c| {
            info.lines()
                .find_map(|l| l.strip_prefix(&format!("cmdstat_{c}:calls=")))
                .and_then(|rest| rest.split(',').next()?.parse::<u64>().ok())
        })
        .sum()
}

fn wait_section(cfg: &Config) {
    let smoke = cfg.ops < 1000;
    let (n, over, idle) = if smoke {
        (50, 0.5, 1.0)
    } else {
        (1000, 3.0, 5.0)
    };
    let key = "bench:due";
    let mut admin = connect(&cfg.url);
    println!("\n### Waiting consumers: wake-up latency ({n} items due at random times over {over} s; ms late)\n");
    println!("| consumer | p50 | p99 | max |\n|---|---|---|---|");
    let mut sync = ScheduledSet::new(connect(&cfg.url), key);
    let late = lateness(&mut admin, key, n, over, || {
        sync.pop_wait(Duration::from_secs(10)).unwrap()
    });
    println!(
        "| sync ScheduledSet pop_wait (blocks on its connection) | {} |",
        percentiles(&late)
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = redis::Client::open(cfg.url.as_str()).unwrap();
    let conn = rt
        .block_on(client.get_multiplexed_async_connection())
        .unwrap();
    let blocking = aio::ScheduledSet::new(conn.clone(), key).waits_on(client.clone());
    let late = lateness(&mut admin, key, n, over, || {
        rt.block_on(blocking.pop_wait(Duration::from_secs(10)))
            .unwrap()
    });
    println!(
        "| tokio pop_wait with waits_on(client) | {} |",
        percentiles(&late)
    );
    let polling = aio::ScheduledSet::new(conn.clone(), key);
    let late = lateness(&mut admin, key, n, over, || {
        rt.block_on(polling.pop_wait(Duration::from_secs(10)))
            .unwrap()
    });
    println!(
        "| tokio pop_wait polling (shared connection) | {} |",
        percentiles(&late)
    );

    // From an add to the blocked consumer's wake-up: a priority set (BZPOPMIN on the set)
    // and a scheduled set whose head is an hour off (on its wake-up key).
    println!("\n### Waiting consumers: from an add to the wake-up (ms)\n");
    println!("| consumer | p50 | p99 | max |\n|---|---|---|---|");
    let adds = if smoke { 5 } else { 50 };
    for (what, scheduled) in [
        ("SortedSet pop_wait", false),
        ("ScheduledSet pop_wait (head an hour off)", true),
    ] {
        let key = if scheduled {
            "bench:wake-s"
        } else {
            "bench:wake"
        };
        fill(&mut admin, key, 0);
        if scheduled {
            let _: () = redis::cmd("ZADD")
                .arg(key)
                .arg(now() + 3600.0)
                .arg("far")
                .query(&mut admin)
                .unwrap();
        }
        let mut woken = Vec::new();
        for i in 0..adds {
            let url = cfg.url.clone();
            let waiter = std::thread::spawn(move || {
                let got = if scheduled {
                    ScheduledSet::new(connect(&url), key).pop_wait(Duration::from_secs(5))
                } else {
                    SortedSet::new(connect(&url), key).pop_wait(Duration::from_secs(5))
                };
                (got.unwrap().unwrap(), Instant::now())
            });
            std::thread::sleep(Duration::from_millis(30));
            let added = Instant::now();
            if scheduled {
                ScheduledSet::new(connect(&cfg.url), key)
                    .add(&i.to_string())
                    .unwrap();
            } else {
                SortedSet::new(connect(&cfg.url), key)
                    .add(&i.to_string())
                    .unwrap();
            }
            let (item, at) = waiter.join().unwrap();
            assert_eq!(item, i.to_string());
            woken.push(at.saturating_duration_since(added).as_secs_f64() * 1e3);
        }
        woken.sort_by(f64::total_cmp);
        println!("| {what} | {} |", percentiles(&woken));
    }

    println!("\n### Waiting consumers: idle cost ({idle} s of waiting on an empty set; commands sent per second)\n");
    println!("| consumer | commands/s |\n|---|---|");
    let _: () = redis::cmd("ZADD")
        .arg("bench:idle-s")
        .arg(now() + 3600.0)
        .arg("far")
        .query(&mut admin)
        .unwrap();
    let timeout = Duration::from_secs_f64(idle);
    type Waiter = Box<dyn Fn(&str)>;
    let cases: [(&str, Waiter); 3] = [
        (
            "SortedSet pop_wait",
            Box::new(move |url| {
                let _ = SortedSet::new(connect(url), "bench:idle").pop_wait(timeout);
            }),
        ),
        (
            "ScheduledSet pop_wait (head an hour off)",
            Box::new(move |url| {
                let _ = ScheduledSet::new(connect(url), "bench:idle-s").pop_wait(timeout);
            }),
        ),
        (
            "claim_wait",
            Box::new(move |url| {
                let _ = SortedSet::new(connect(url), "bench:idle").claim_wait(1, timeout, timeout);
            }),
        ),
    ];
    for (what, wait) in cases {
        wait(&cfg.url); // loads the scripts: a first call's NOSCRIPT is not idling
        let before = sent_commands(&mut admin);
        wait(&cfg.url);
        let sent = sent_commands(&mut admin) - before;
        println!("| {what} | {:.1} |", sent as f64 / idle);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let url = flag("--url").expect("--url redis+unix:///path or redis://127.0.0.1:port");
    if let Some(n) = flag("--rss-child") {
        return rss_child(&url, n.parse().unwrap());
    }
    let smoke = args.iter().any(|a| a == "--smoke");
    let cfg = if smoke {
        Config {
            url,
            ops: 50,
            rounds: 3,
            drain: 2_000,
            extra: 200,
        }
    } else {
        Config {
            url,
            ops: 3_000,
            rounds: 9,
            drain: 100_000,
            extra: 10_000,
        }
    };
    println!(
        "{} calls per measurement, {} rounds alternating redset/raw first: medians, and each ratio the median over the rounds.",
        cfg.ops, cfg.rounds
    );
    // `--only ops` / `--only waits` / `--only leases` / `--only flow` / `--only counting`:
    // just those rows.
    match flag("--only").as_deref() {
        Some("ops") => {
            sync_section(&cfg);
            return async_section(&cfg);
        }
        Some("waits") => return wait_section(&cfg),
        Some("leases") => return lease_section(&cfg),
        Some("flow") => return flow::flow_section(&cfg),
        Some("counting") => return counting::counting_section(&cfg),
        _ => {}
    }
    sync_section(&cfg);
    async_section(&cfg);
    lease_section(&cfg);
    flow::flow_section(&cfg);
    counting::counting_section(&cfg);
    batch_section(&cfg);
    wait_section(&cfg);
    drain_section(&cfg);
    let drained = if smoke { 2_000 } else { 100_000 };
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--url", &cfg.url, "--rss-child", &drained.to_string()])
        .output()
        .unwrap();
    let kb = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    println!("\n### Memory\n\n| what | peak RSS |\n|---|---|\n| Rust consumer draining {drained} items (take(100)) | {kb} kB |");
}
