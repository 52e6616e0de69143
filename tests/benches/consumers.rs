//! Consumer threads, each with its own connection, draining a set while a producer adds
//! more (scaling, exactly-once checked), and the peak RSS of a consumer draining with take(100).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use redset::{ScheduledSet, SortedSet, Text};

use super::{connect, fill, now, Config};

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

pub(super) fn drain_section(cfg: &Config) {
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
pub(super) fn rss_child(url: &str, n: usize) {
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
