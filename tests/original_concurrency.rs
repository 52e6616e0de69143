//! The original Python redset's `tests/test_concurrency.py`, in our own words.
//! (Its `ScheduledMultiprocessTest` defines no test case.)

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{Error, ScheduledSet, SortedSet, Text};
use support::{now, RedisServer};

const PROCESSES: usize = 10;
const ITEMS: u32 = PROCESSES as u32 * 100;

/// The original's `Serializer`: loads=int, dumps=str.
fn make_ss(url: &str, name: &str) -> SortedSet<redis::Connection, Text<u32>> {
    let conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    SortedSet::new(conn, name).serializer(Text::<u32>::new())
}

#[test]
fn multiprocess_test_test_multiprocessing() {
    let server = RedisServer::start();
    let name = "MultiprocessTest";
    let mut ss = make_ss(&server.url(), name);
    for i in 0..ITEMS {
        ss.add(&i).unwrap();
    }
    // Each process takes ITEMS / PROCESSES at once, as the original's `take_subset`.
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["take_subset", "--exact", "--ignored", "--nocapture"])
                .env("REDSET_CHILD", format!("{}|{name}", server.url()))
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut taken = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a taking process failed");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("TOOK "))
            .expect("the child's output");
        taken.extend(line.split_whitespace().map(|n| n.parse::<u32>().unwrap()));
    }
    taken.sort();
    assert_eq!(
        taken,
        (0..ITEMS).collect::<Vec<_>>(),
        "no duplicates, none lost"
    );
    assert_eq!(ss.len().unwrap(), 0);
}

/// The original's `take_subset`, in a process of its own: run by the test above.
#[test]
#[ignore = "a child process of multiprocess_test_test_multiprocessing"]
fn take_subset() {
    let spec = std::env::var("REDSET_CHILD").expect("run by the multiprocessing test");
    let (url, name) = spec.split_once('|').unwrap();
    let taken = make_ss(url, name).take(ITEMS as usize / PROCESSES).unwrap();
    let line: Vec<String> = taken.iter().map(u32::to_string).collect();
    println!("TOOK {}", line.join(" "));
}

// LockExpiryTest: the original tests its own client-side lock. redset takes no lock (its
// pops are atomic on the server), but a ScheduledSet honours the original's lock so the
// two can share a set; these are the same two cases from that side: a lock held by a
// consumer of the original, and one it left to expire.

#[test]
fn lock_expiry_test_test_lock_timeout() {
    let server = RedisServer::start();
    let name = "LockExpiryTest";
    let mut holder = server.conn();
    // The original's `holder` (lock_expires=10) holds the lock: its value is its expiry.
    let _: () = holder.set(format!("{name}__lock"), now() + 10.0).unwrap();
    let mut chump = ScheduledSet::new(server.conn(), name).lock_timeout(Duration::from_millis(1));
    chump
        .add_with_score(&"due".to_string(), now() - 1.0)
        .unwrap();
    let err = chump.pop().unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err}"); // the original's LockTimeout
    assert_eq!(chump.len().unwrap(), 1, "nothing was taken");
}

#[test]
fn lock_expiry_test_test_lock_expires() {
    let server = RedisServer::start();
    let name = "LockExpiryTest";
    let mut chump = server.conn();
    // The original's `chump` (lock_expires=0.001) took the lock and let it expire.
    let _: () = chump.set(format!("{name}__lock"), now() + 0.001).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let mut holder = ScheduledSet::new(server.conn(), name).lock_timeout(Duration::ZERO);
    holder
        .add_with_score(&"due".to_string(), now() - 1.0)
        .unwrap();
    let started = Instant::now();
    assert_eq!(
        holder.pop().unwrap(),
        Some("due".to_string()),
        "got past the lock"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}
