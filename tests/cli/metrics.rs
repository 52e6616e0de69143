//! `redset metrics`: `/metrics` scraped and parsed, each gauge checked against the
//! set's real state while Rust producers and consumers work on it (paused, held and per
//! group too), and scrapes that still answer while Redis is down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openmetrics_parser::openmetrics::parse_openmetrics;
use openmetrics_parser::{MetricNumber, OpenMetricsValue};
use redset::{ScheduledSet, SortedSet, Stats, TimeSortedSet};

use crate::fixtures::{fifo_set, scheduled_set, work_set};
use crate::run::Serving;
use crate::support::RedisServer;

/// A running `redset metrics`, stopped on drop.
pub struct Exporter {
    server: Serving,
}

impl Exporter {
    /// Starts it on a free loopback port; returns once it says where it serves.
    pub fn start(url: &str, args: &[&str]) -> Exporter {
        let mut all = vec!["metrics", "--listen", "127.0.0.1:0", "--timeout", "2s"];
        all.extend(args);
        Exporter {
            server: Serving::start(url, &all),
        }
    }

    /// One scrape: its content type and samples by (name, set label), the set label
    /// `set/group` for a per-group series.
    pub fn scrape(&self) -> (String, HashMap<(String, String), f64>) {
        let mut response = ureq::get(format!("http://{}/metrics", self.server.address))
            .call()
            .expect("the scrape answers");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.body_mut().read_to_string().unwrap();
        // A strict parser: the text must be valid OpenMetrics, label values and all.
        let exposition = parse_openmetrics(&text).unwrap_or_else(|e| panic!("{e:?}:\n{text}"));
        let mut samples = HashMap::new();
        for (family, metrics) in exposition.families {
            for sample in metrics.iter_samples() {
                let labels = sample.get_labelset().expect("labels");
                let mut set = labels.get_label_value("set").unwrap_or_default().to_owned();
                if let Some(group) = labels.get_label_value("group") {
                    set = format!("{set}/{group}");
                }
                let (name, number) = match &sample.value {
                    OpenMetricsValue::Gauge(n) => (family.clone(), n),
                    OpenMetricsValue::Counter(c) => (format!("{family}_total"), &c.value),
                    other => panic!("unexpected sample {other:?} in {family}"),
                };
                let value = match number {
                    MetricNumber::Float(f) => *f,
                    MetricNumber::Int(i) => *i as f64,
                };
                samples.insert((name, set), value);
            }
        }
        (content_type, samples)
    }
}

fn get(samples: &HashMap<(String, String), f64>, name: &str, set: &str) -> Option<f64> {
    samples.get(&(name.to_owned(), set.to_owned())).copied()
}

/// Checks the counts of `set` in a scrape against `stats`.
fn assert_counts(samples: &HashMap<(String, String), f64>, set: &str, stats: &Stats) {
    for (name, want) in [
        ("redset_waiting_items", stats.waiting),
        ("redset_due_items", stats.due),
        ("redset_in_flight_items", stats.in_flight),
        ("redset_dead_items", stats.dead),
    ] {
        assert_eq!(
            get(samples, name, set),
            Some(want as f64),
            "{name}{{set={set:?}}}"
        );
    }
}

#[test]
fn paused_held_and_per_group_gauges_say_what_the_sets_do() {
    let server = RedisServer::start();
    let url = server.url();
    let hour = Duration::from_secs(3600);
    let mut jobs = SortedSet::new(server.conn(), "jobs").grouped();
    for (group, item) in [("acme", "a1"), ("acme", "a2"), ("zeta", "z1")] {
        jobs.add_to_group(group, item).unwrap();
    }
    assert_eq!(jobs.claim(1, hour).unwrap().len(), 1);
    jobs.pause().unwrap();
    let mut other = SortedSet::new(server.conn(), "other");
    other.add("x").unwrap();
    let lease = other.claim(1, hour).unwrap().remove(0);
    other
        .rate_limited(&lease, Duration::from_secs(600))
        .unwrap();

    // By default: paused and held, and no series per group.
    let (_, samples) = Exporter::start(&url, &["jobs", "other"]).scrape();
    assert_eq!(get(&samples, "redset_paused", "jobs"), Some(1.0));
    assert_eq!(get(&samples, "redset_paused", "other"), Some(0.0));
    assert_eq!(get(&samples, "redset_held_seconds", "jobs"), Some(0.0));
    let held = get(&samples, "redset_held_seconds", "other").unwrap();
    assert!((590.0..=600.0).contains(&held), "{held}");
    assert!(
        samples
            .keys()
            .all(|(name, _)| !name.starts_with("redset_group_")),
        "{samples:?}"
    );

    // --groups N: each of the first N groups' figures, as the crate reads them.
    let (_, samples) = Exporter::start(&url, &["--groups", "10", "jobs", "other"]).scrape();
    for group in ["acme", "zeta"] {
        let want = jobs.group_stats(group).unwrap();
        let series = format!("jobs/{group}");
        for (name, value) in [
            ("redset_group_waiting_items", want.waiting),
            ("redset_group_in_flight_items", want.in_flight),
            ("redset_group_dead_items", want.dead),
        ] {
            assert_eq!(
                get(&samples, name, &series),
                Some(value as f64),
                "{name} {series}"
            );
        }
    }
    assert_eq!(
        samples
            .keys()
            .filter(|(name, _)| name == "redset_group_waiting_items")
            .count(),
        2,
        "a set without groups has no group series: {samples:?}"
    );
    let first = jobs.groups(1).unwrap().remove(0).group;
    let (_, samples) = Exporter::start(&url, &["--groups", "1", "jobs"]).scrape();
    let groups: Vec<&String> = samples
        .keys()
        .filter(|(name, _)| name == "redset_group_waiting_items")
        .map(|(_, set)| set)
        .collect();
    assert_eq!(groups, [&format!("jobs/{first}")]);
}

#[test]
fn each_gauge_is_the_sets_real_state_while_producers_and_consumers_work() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    scheduled_set(server.conn(), "retries");
    fifo_set(server.conn(), "fifo");
    let exporter = Exporter::start(&server.url(), &["jobs", "retries", "fifo", "live"]);

    // A producer and a consumer on `live` while scrapes go on.
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (stop, mut set) = (stop.clone(), SortedSet::new(server.conn(), "live"));
        std::thread::spawn(move || {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) && n < 100_000 {
                set.add_with_score(&format!("item-{n}"), f64::from(n % 7))
                    .unwrap();
                n += 1;
            }
        })
    };
    let consumer = {
        let (stop, mut set) = (
            stop.clone(),
            SortedSet::new(server.conn(), "live").max_deliveries(2),
        );
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) && rounds < 100_000 {
                // Ack most, fail every third: some items retry, some die.
                for (i, lease) in set
                    .claim(5, Duration::from_secs(60))
                    .unwrap()
                    .iter()
                    .enumerate()
                {
                    if i % 3 == 0 {
                        set.retry_with(lease, Some(Duration::ZERO), "flaky")
                            .unwrap();
                    } else {
                        set.ack(lease).unwrap();
                    }
                }
                rounds += 1;
            }
        })
    };
    // Scrapes go on until one sees a dead letter of `live` (an item that failed twice).
    let mut scrapes = 0;
    loop {
        let (content_type, samples) = exporter.scrape();
        assert!(
            content_type.starts_with("application/openmetrics-text"),
            "{content_type}"
        );
        assert_eq!(get(&samples, "redset_up", ""), Some(1.0));
        scrapes += 1;
        if get(&samples, "redset_dead_items", "live").unwrap_or(0.0) > 0.0 {
            break;
        }
        assert!(scrapes < 10_000, "no dead letter after {scrapes} scrapes");
    }
    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    consumer.join().unwrap();

    // At rest, each gauge is what the crate reads.
    let mut live = SortedSet::new(server.conn(), "live");
    let mut jobs = SortedSet::new(server.conn(), "jobs");
    let mut fifo = TimeSortedSet::new(server.conn(), "fifo");
    let mut retries = ScheduledSet::new(server.conn(), "retries");
    let retries_before = retries.stats().unwrap();
    let (_, samples) = exporter.scrape();
    let retries_after = retries.stats().unwrap();
    let live_stats = live.stats().unwrap();
    assert!(live_stats.dead > 0, "{live_stats:?}");
    assert_counts(&samples, "live", &live_stats);
    assert_counts(&samples, "jobs", &jobs.stats().unwrap());
    assert_counts(&samples, "fifo", &fifo.stats().unwrap());
    assert_counts(&samples, "retries", &retries_after);
    assert_eq!(
        get(&samples, "redset_due_items", "retries"),
        Some(1.0),
        "y is not due"
    );

    // The oldest due age: for time-ordered sets only, between two reads around the scrape.
    let age = get(&samples, "redset_oldest_due_age_seconds", "retries").unwrap();
    let (low, high) = (
        retries_before.oldest_due_age.unwrap(),
        retries_after.oldest_due_age.unwrap(),
    );
    assert!(
        low.as_secs_f64() - 0.01 <= age && age <= high.as_secs_f64() + 0.01,
        "{low:?} <= {age} <= {high:?}"
    );
    assert!(get(&samples, "redset_oldest_due_age_seconds", "fifo").is_some());
    assert_eq!(
        get(&samples, "redset_oldest_due_age_seconds", "jobs"),
        None,
        "priorities are not times"
    );
    assert_eq!(get(&samples, "redset_read_errors_total", "jobs"), None);
}

#[test]
fn a_scrape_during_an_outage_still_answers() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    let url = server.url();
    let exporter = Exporter::start(&url, &["jobs"]);
    let (_, samples) = exporter.scrape();
    assert_eq!(get(&samples, "redset_up", ""), Some(1.0));
    assert_eq!(get(&samples, "redset_dead_items", "jobs"), Some(2.0));

    drop(server);
    let (_, samples) = exporter.scrape();
    assert_eq!(get(&samples, "redset_up", ""), Some(0.0));
    assert_eq!(get(&samples, "redset_read_errors_total", "jobs"), Some(1.0));
    assert_eq!(
        get(&samples, "redset_dead_items", "jobs"),
        None,
        "no stale figure"
    );

    // Started while Redis is down, it answers too (and connects once Redis is up).
    let early = Exporter::start("redis://127.0.0.1:1/", &["jobs"]);
    let (_, samples) = early.scrape();
    assert_eq!(get(&samples, "redset_up", ""), Some(0.0));
}

#[test]
fn without_set_names_it_serves_every_set_found() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    work_set(server.conn(), "{t}more");
    let exporter = Exporter::start(&server.url(), &[]);
    let (_, samples) = exporter.scrape();
    assert_eq!(get(&samples, "redset_in_flight_items", "jobs"), Some(4.0));
    assert_eq!(
        get(&samples, "redset_in_flight_items", "{t}more"),
        Some(4.0)
    );
}

#[test]
fn a_set_that_counts_serves_its_counters_and_the_tools_writes_count_too() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "counted")
        .metrics(true)
        .max_deliveries(1);
    for i in 0..10 {
        set.add_with_score(&format!("job-{i}"), f64::from(i))
            .unwrap();
    }
    let leases = set.claim(4, Duration::from_secs(60)).unwrap();
    for lease in &leases[..3] {
        set.ack(lease).unwrap();
    }
    set.retry_with(&leases[3], None, "boom").unwrap(); // dead: one delivery allowed

    // The tool's requeue counts as the set's clients do.
    crate::run::redset(&server.url(), &["requeue", "counted", "--all", "--yes"]).expect(0);

    let exporter = Exporter::start(&server.url(), &["counted"]);
    let (_, samples) = exporter.scrape();
    let counters = set.stats().unwrap().counters.expect("the set counts");
    assert_eq!(counters.requeued, 1, "{counters:?}");
    for (name, want) in [
        ("redset_added_items_total", counters.added),
        ("redset_claimed_items_total", counters.claimed),
        ("redset_acked_items_total", counters.acked),
        ("redset_dead_lettered_items_total", counters.dead),
        ("redset_requeued_items_total", counters.requeued),
        ("redset_recovered_items_total", counters.recovered),
    ] {
        assert_eq!(get(&samples, name, "counted"), Some(want as f64), "{name}");
    }
    assert_eq!(
        (
            counters.added,
            counters.claimed,
            counters.acked,
            counters.dead
        ),
        (10, 4, 3, 1)
    );
}
