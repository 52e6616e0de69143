//! Many consumers, one producer, one set: everything added is handed out exactly once.
//! Consumers are threads with their own connections, then separate OS processes.

mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{ScheduledSet, SortedSet, Text};
use support::{now, RedisServer};

const ITEMS: u32 = 10_000;
const CONSUMERS: usize = 8;
const DEADLINE: Duration = Duration::from_secs(60);

/// Adds 0..ITEMS, then sets `{name}:done`. Scheduled items are due at once or within
/// 200 ms, so consumers also meet items that are not due yet.
fn produce(url: &str, name: &str, scheduled: bool) {
    let conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    let mut set = SortedSet::new(conn, name).serializer(Text::<u32>::new());
    for i in 0..ITEMS {
        let score = if scheduled {
            now() + f64::from(i % 3) * 0.1
        } else {
            f64::from(i % 100)
        };
        set.add_with_score(&i, score).unwrap();
    }
    let _: () = set.connection().set(format!("{name}:done"), 1).unwrap();
}

/// Pops and takes (alternately) until the producer is done and nothing is left.
fn consume(url: &str, name: &str, scheduled: bool, worker: usize) -> Vec<u32> {
    let conn = || redis::Client::open(url).unwrap().get_connection().unwrap();
    let mut control = conn();
    let mut got = Vec::new();
    let started = Instant::now();
    let mut sorted = SortedSet::new(conn(), name).serializer(Text::<u32>::new());
    let mut sched = ScheduledSet::new(conn(), name).serializer(Text::<u32>::new());
    for round in 0.. {
        assert!(
            started.elapsed() < DEADLINE,
            "consumer {worker} ran out of time"
        );
        let batch = match (scheduled, (round + worker).is_multiple_of(2)) {
            (false, true) => sorted.pop().map(|i| i.into_iter().collect()),
            (false, false) => sorted.take(7),
            (true, true) => sched.pop().map(|i| i.into_iter().collect()),
            (true, false) => sched.take(7),
        };
        match batch {
            Ok(items) if !items.is_empty() => got.extend(items),
            Ok(_) => {}
            Err(e) if e.is_empty() => {}
            Err(e) => panic!("consumer {worker}: {e}"),
        }
        let done: bool = control.exists(format!("{name}:done")).unwrap();
        let left: u64 = control.zcard(name).unwrap();
        if done && left == 0 {
            break;
        }
        if got.is_empty() || round % 64 == 0 {
            std::thread::yield_now();
        }
    }
    got
}

fn check_exactly_once(all: Vec<u32>) {
    let unique: HashSet<u32> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        unique.len(),
        "{} items were handed out twice",
        all.len() - unique.len()
    );
    assert_eq!(
        unique,
        (0..ITEMS).collect::<HashSet<_>>(),
        "items were lost"
    );
}

fn threads(scheduled: bool) {
    let server = RedisServer::start();
    let url = server.url();
    let name = if scheduled {
        "threads-scheduled"
    } else {
        "threads-sorted"
    };
    let all = std::thread::scope(|scope| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|w| {
                let url = &url;
                scope.spawn(move || consume(url, name, scheduled, w))
            })
            .collect();
        produce(&url, name, scheduled);
        let per: Vec<Vec<u32>> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
        assert!(
            per.iter().filter(|got| !got.is_empty()).count() > 1,
            "work was shared"
        );
        per.concat()
    });
    check_exactly_once(all);
}

#[test]
fn sorted_set_threads_get_each_item_once() {
    threads(false);
}

#[test]
fn scheduled_set_threads_get_each_item_once() {
    threads(true);
}

fn processes(scheduled: bool) {
    let server = RedisServer::start();
    let url = server.url();
    let name = if scheduled {
        "procs-scheduled"
    } else {
        "procs-sorted"
    };
    let children: Vec<_> = (0..CONSUMERS)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "child_consumer",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("REDSET_CHILD", format!("{url}|{name}|{scheduled}|{w}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    produce(&url, name, scheduled);
    let mut all = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a consumer process failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find_map(|l| Some(l.split_once("GOT ")?.1))
            .expect("consumer output");
        all.extend(line.split_whitespace().map(|n| n.parse::<u32>().unwrap()));
    }
    check_exactly_once(all);
}

#[test]
fn sorted_set_processes_get_each_item_once() {
    processes(false);
}

#[test]
fn scheduled_set_processes_get_each_item_once() {
    processes(true);
}

/// The consumer process of the tests above: run by them, skipped otherwise.
#[test]
#[ignore = "a child process of the *_processes_* tests"]
fn child_consumer() {
    let spec = std::env::var("REDSET_CHILD").expect("run by the process tests");
    let parts: Vec<&str> = spec.split('|').collect();
    let got = consume(
        parts[0],
        parts[1],
        parts[2] == "true",
        parts[3].parse().unwrap(),
    );
    let line: Vec<String> = got.iter().map(u32::to_string).collect();
    println!("GOT {}", line.join(" "));
}
