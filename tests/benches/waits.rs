//! Waiting consumers: wake-up latency, from an add to the wake-up, and the idle cost of a
//! wait (`--only waits`).

use std::time::{Duration, Instant};

use redset::{aio, ScheduledSet, SortedSet};

use super::{connect, fill, now, Config};

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

pub(super) fn wait_section(cfg: &Config) {
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
    for (what, set) in [
        (
            "tokio pop_wait with waits_on(client)",
            aio::ScheduledSet::new(conn.clone(), key).waits_on(client.clone()),
        ),
        (
            "tokio pop_wait polling (shared connection)",
            aio::ScheduledSet::new(conn.clone(), key),
        ),
    ] {
        let late = lateness(&mut admin, key, n, over, || {
            rt.block_on(set.pop_wait(Duration::from_secs(10))).unwrap()
        });
        println!("| {what} | {} |", percentiles(&late));
    }

    // From an add to the blocked consumer's wake-up: a priority set (BZPOPMIN on the set)
    // and a scheduled set whose head is an hour off (on its wake-up key).
    // 200 adds, so that p99 is not the max: one late wake-up on a busy machine moved the
    // p99 of 50 from 0.7 to 3.6 ms between two runs of the same code.
    let adds = if smoke { 5 } else { 200 };
    println!("\n### Waiting consumers: from an add to the wake-up ({adds} adds; ms)\n");
    println!("| consumer | p50 | p99 | max |\n|---|---|---|---|");
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
