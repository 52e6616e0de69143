//! Benchmarks of the Rust crate against the raw `redis` crate doing the same Redis work,
//! interleaved (A B, then B A) over several rounds on one redis-server; plus consumer
//! scaling and a consumer's peak RSS. Prints Markdown; `./run bench` runs it (and
//! `./run test` runs it with `--smoke`, tiny sizes, so it cannot rot). This file holds the
//! command line and what the tables share; each group of tables has a module of its own.
//!
//! `cargo bench --bench ops --features tokio -- --url URL [--smoke]`

mod batch;
mod consumers;
mod counting;
mod flow;
mod leases;
mod sync_driver;
mod tokio_driver;
mod waits;

use std::time::{Duration, Instant};

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

/// How many rounds an operation table times each row: more than the other tables, as
/// each row's ratio is read against a target, and the rows are quick (as the flow table's
/// pairs).
fn ops_rounds(cfg: &Config) -> usize {
    2 * cfg.rounds + 1
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

/// Calls `f` while it says there was something, and once more to see nothing; how many
/// calls that made.
fn calls_until(mut f: impl FnMut() -> bool) -> usize {
    let mut calls = 1;
    while f() {
        calls += 1;
    }
    calls
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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let url = flag("--url").expect("--url redis+unix:///path or redis://127.0.0.1:port");
    if let Some(n) = flag("--rss-child") {
        return consumers::rss_child(&url, n.parse().unwrap());
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
            sync_driver::sync_section(&cfg);
            return tokio_driver::async_section(&cfg);
        }
        Some("waits") => return waits::wait_section(&cfg),
        Some("leases") => return leases::lease_section(&cfg),
        Some("flow") => return flow::flow_section(&cfg),
        Some("counting") => return counting::counting_section(&cfg),
        _ => {}
    }
    sync_driver::sync_section(&cfg);
    tokio_driver::async_section(&cfg);
    leases::lease_section(&cfg);
    flow::flow_section(&cfg);
    counting::counting_section(&cfg);
    batch::batch_section(&cfg);
    waits::wait_section(&cfg);
    consumers::drain_section(&cfg);
    let drained = if smoke { 2_000 } else { 100_000 };
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--url", &cfg.url, "--rss-child", &drained.to_string()])
        .output()
        .unwrap();
    let kb = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    println!("\n### Memory\n\n| what | peak RSS |\n|---|---|\n| Rust consumer draining {drained} items (take(100)) | {kb} kB |");
}
