//! `stats --watch`: refreshes with items in and out counted between them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use redset::SortedSet;

use crate::run::{redset, BIN};
use crate::support::RedisServer;

#[test]
fn watch_counts_what_came_in_and_what_was_claimed() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "flow");
    set.add("seed").unwrap();
    // A refresh every 100 ms, at most 100 of them: the sums below are exact whatever
    // refreshes the adds and claims fall between.
    let mut watch = Command::new(BIN)
        .args([
            "stats",
            "flow",
            "--watch",
            "--json",
            "--interval",
            "100ms",
            "--count",
            "100",
        ])
        .env("REDIS_URL", server.url())
        .stdout(Stdio::piped())
        .spawn()
        .expect("redset starts");
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let mut refresh = || -> serde_json::Value {
        let line = lines.next().expect("a refresh").expect("a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let first = refresh();
    assert_eq!(first["sets"][0]["set"], "flow");
    assert_eq!(first["sets"][0]["waiting"], 1);
    assert!(first["sets"][0]["in"].is_null() && first["interval_s"].is_null());

    for i in 0..50 {
        set.add_with_score(&format!("item-{i}"), f64::from(i))
            .unwrap();
    }
    assert_eq!(set.claim(20, Duration::from_secs(3600)).unwrap().len(), 20);

    let (mut into, mut out, mut refreshes) = (0, 0, 0);
    while (into, out) != (50, 20) && refreshes < 99 {
        let next = refresh();
        let flow = &next["sets"][0];
        into += flow["in"].as_u64().unwrap();
        out += flow["out"].as_u64().unwrap();
        assert!(next["interval_s"].as_f64().unwrap() > 0.0);
        assert!(flow["in_per_s"].as_f64().unwrap() >= 0.0);
        refreshes += 1;
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!((into, out), (50, 20), "after {refreshes} refreshes");
}

#[test]
fn watch_without_a_terminal_prints_one_table_per_refresh() {
    let server = RedisServer::start();
    SortedSet::new(server.conn(), "flow").add("a").unwrap();
    let ran = redset(
        &server.url(),
        &[
            "stats",
            "flow",
            "--watch",
            "--interval",
            "10ms",
            "--count",
            "2",
        ],
    )
    .expect(0);
    assert_eq!(ran.stdout.matches("IN/S").count(), 2, "{}", ran.stdout);
    assert!(!ran.stdout.contains('\x1b'), "no screen clearing in a pipe");
    let last_row = ran.stdout.lines().rfind(|l| l.starts_with("flow")).unwrap();
    let cells: Vec<&str> = last_row.split_whitespace().collect();
    assert_eq!(cells[cells.len() - 2..], ["0.0", "0.0"], "{last_row}");
}
