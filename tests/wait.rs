//! Waiting consumers on a real redis-server: pop_wait, take_wait and claim_wait return
//! as soon as an item is eligible, give Empty / an empty list at the timeout, wake a
//! scheduled set when its next item falls due, and cost about two commands a second
//! while idle (counted with INFO commandstats).

mod support;

use std::time::{Duration, Instant};

use redis::Commands;
use redset::{ScheduledSet, SortedSet};
use support::{now, RedisServer};

const MS: Duration = Duration::from_millis(1);

#[test]
fn pop_wait_returns_at_once_when_an_item_is_there_and_empty_at_the_timeout() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    set.add("a").unwrap();
    // "At once" is told from "at the 5 s timeout", with room for a stalled machine.
    let started = Instant::now();
    assert_eq!(
        set.pop_wait(Duration::from_secs(5)).unwrap().as_deref(),
        Some("a")
    );
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(1), "{waited:?}");
    let started = Instant::now();
    assert!(set.pop_wait(300 * MS).unwrap_err().is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= 290 * MS && waited < Duration::from_secs(2),
        "{waited:?}"
    );
    assert!(set.take_wait(5, 100 * MS).unwrap().is_empty());
    assert!(set
        .claim_wait(5, Duration::from_secs(1), 100 * MS)
        .unwrap()
        .is_empty());
}

#[test]
fn a_waiting_consumer_gets_an_item_added_while_it_waits() {
    let server = RedisServer::start();
    let adder = std::thread::spawn({
        let conn = server.conn();
        move || {
            std::thread::sleep(300 * MS);
            SortedSet::new(conn, "jobs").add_many(["x", "y"]).unwrap();
        }
    });
    let mut set = SortedSet::new(server.conn(), "jobs");
    let started = Instant::now();
    let got = set.take_wait(10, Duration::from_secs(5)).unwrap();
    let waited = started.elapsed();
    adder.join().unwrap();
    assert_eq!(got.len(), 2);
    assert!(waited >= 290 * MS && waited < 2500 * MS, "{waited:?}");
    set.add("z").unwrap();
    let lease = set
        .claim_wait(1, Duration::from_secs(5), Duration::from_secs(1))
        .unwrap();
    assert_eq!(lease[0].item, "z");
}

#[test]
fn a_scheduled_set_wakes_when_its_next_item_falls_due() {
    let server = RedisServer::start();
    let mut set = ScheduledSet::new(server.conn(), "retries");
    let due = now() + 0.4;
    set.add_with_score("soon", due).unwrap();
    set.add_with_score("later", now() + 3600.0).unwrap();
    let popped = set.pop_wait(Duration::from_secs(3)).unwrap();
    let late = now() - due;
    assert_eq!(popped.as_deref(), Some("soon"));
    // Loose on purpose (a loaded CI machine); the typical figure is about a millisecond.
    assert!((0.0..0.5).contains(&late), "late by {late:.3} s");
    // Many items due at random times over 1.5 s: each comes out when due, not before,
    // and late by little (a loose bound here; the benchmark gives the percentiles).
    let mut seed = 7u64;
    let start = now() + 0.2;
    let mut due = std::collections::HashMap::new();
    for i in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = start + (seed >> 33) as f64 / (1u64 << 31) as f64 * 1.5;
        set.add_with_score(&i.to_string(), at).unwrap();
        due.insert(i.to_string(), at);
    }
    let mut lateness = Vec::new();
    while lateness.len() < 200 {
        let item = set.pop_wait(Duration::from_secs(3)).unwrap().unwrap();
        lateness.push(now() - due[&item]);
    }
    lateness.sort_by(f64::total_cmp);
    let (p50, p99) = (lateness[100], lateness[197]);
    println!(
        "200 items due over 1.5 s: late by p50 {:.1} ms, p99 {:.1} ms",
        p50 * 1e3,
        p99 * 1e3
    );
    assert!(lateness[0] >= -0.01, "an item came out early");
    assert!(p99 < 1.0, "p99 {p99:.3} s");
}

/// Calls of `command` the server counted, from INFO commandstats.
fn calls(conn: &mut redis::Connection, command: &str) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(conn).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
        .and_then(|rest| rest.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_idle_waiting_consumer_sends_about_two_commands_a_second() {
    let server = RedisServer::start();
    let mut admin = server.conn();
    let _: () = admin.zadd("retries", "far", now() + 3600.0).unwrap();
    // What a client sends (commands that scripts call are counted apart, by name).
    const SENT: [&str; 5] = ["zpopmin", "bzpopmin", "bzmpop", "evalsha", "eval"];
    let count = |admin: &mut redis::Connection| -> Vec<u64> {
        SENT.iter().map(|c| calls(admin, c)).collect()
    };
    // The scripts are loaded first: a first call's NOSCRIPT and EVAL are not idling.
    let mut warm = ScheduledSet::new(server.conn(), "retries");
    warm.pop_wait(10 * MS).unwrap_err();
    warm.claim_wait(1, MS, 10 * MS).unwrap();
    let idle = |waiter: &dyn Fn(&redis::Client)| -> Vec<u64> {
        let mut admin = server.conn();
        let before = count(&mut admin);
        waiter(&server.client());
        let after = count(&mut admin);
        after.iter().zip(before).map(|(a, b)| a - b).collect()
    };
    let sorted = idle(&|client| {
        let mut sorted = SortedSet::new(client.get_connection().unwrap(), "jobs");
        assert!(sorted
            .pop_wait(Duration::from_secs(5))
            .unwrap_err()
            .is_empty());
    });
    let scheduled = idle(&|client| {
        let mut scheduled = ScheduledSet::new(client.get_connection().unwrap(), "retries");
        assert!(scheduled
            .pop_wait(Duration::from_secs(5))
            .unwrap_err()
            .is_empty());
    });
    let claims = idle(&|client| {
        let mut scheduled = ScheduledSet::new(client.get_connection().unwrap(), "retries");
        let leases = scheduled.claim_wait(1, Duration::from_secs(5), Duration::from_secs(5));
        assert!(leases.unwrap().is_empty());
    });
    println!("idle 5 s, by {SENT:?}: SortedSet {sorted:?}, ScheduledSet {scheduled:?}, claims {claims:?}");
    for (what, sent) in [
        ("SortedSet", &sorted),
        ("ScheduledSet", &scheduled),
        ("claims", &claims),
    ] {
        let total: u64 = sent.iter().sum();
        assert!(
            total <= 13,
            "{what}: {total} commands in 5 s idle: {sent:?}"
        );
    }
}

#[test]
fn consume_yields_items_as_they_come_and_stops_when_told() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    set.add_many(["a", "b"]).unwrap();
    let adder = std::thread::spawn({
        let conn = server.conn();
        move || {
            std::thread::sleep(200 * MS);
            SortedSet::new(conn, "jobs").add("c").unwrap();
        }
    });
    let stop = AtomicBool::new(false);
    let mut got = Vec::new();
    for item in set.consume(&stop) {
        got.push(item.unwrap());
        if got.len() == 3 {
            stop.store(true, Ordering::Relaxed);
        }
    }
    adder.join().unwrap();
    assert_eq!(got, ["a", "b", "c"]);
}

/// How long `wait` took to return once `act` ran (200 ms after the wait began).
fn woken_after<T: Send>(
    server: &RedisServer,
    wait: impl FnOnce() -> T + Send,
    act: impl FnOnce(&mut redis::Connection) + Send,
) -> (T, Duration) {
    std::thread::scope(|scope| {
        let acted = scope.spawn(|| {
            std::thread::sleep(200 * MS);
            act(&mut server.conn());
            Instant::now()
        });
        let got = wait();
        let done = Instant::now();
        (got, done - acted.join().unwrap())
    })
}

#[test]
fn blocked_waits_wake_as_soon_as_a_writer_makes_an_item_eligible() {
    let server = RedisServer::start();
    let mut admin = server.conn();
    // A scheduled set whose head is an hour away: the wait blocks on the wake-up key
    // until an add that is due now wakes it.
    let _: () = admin.zadd("retries", "far", now() + 3600.0).unwrap();
    let mut retries = ScheduledSet::new(server.conn(), "retries");
    let (got, after) = woken_after(
        &server,
        || retries.pop_wait(Duration::from_secs(5)).unwrap(),
        |conn| {
            ScheduledSet::new(conn, "retries").add("now").unwrap();
        },
    );
    println!("scheduled pop_wait woken {after:?} after the add");
    assert_eq!(got.as_deref(), Some("now"));
    assert!(after < 500 * MS, "{after:?}");

    // A claim on a priority set wakes on an add, and on a retry that gives an item back.
    let mut jobs = SortedSet::new(server.conn(), "jobs");
    let (leases, after) = woken_after(
        &server,
        || {
            jobs.claim_wait(1, Duration::from_secs(30), Duration::from_secs(5))
                .unwrap()
        },
        |conn| {
            SortedSet::new(conn, "jobs").add("job").unwrap();
        },
    );
    println!("claim_wait woken {after:?} after the add");
    assert_eq!(leases[0].item, "job");
    assert!(after < 500 * MS, "{after:?}");
    let lease = leases.into_iter().next().unwrap();
    let mut waiter = SortedSet::new(server.conn(), "jobs");
    let (again, after) = woken_after(
        &server,
        || {
            waiter
                .claim_wait(1, Duration::from_secs(30), Duration::from_secs(5))
                .unwrap()
        },
        |conn| {
            SortedSet::new(conn, "jobs")
                .retry(&lease, Duration::ZERO)
                .unwrap();
        },
    );
    println!("claim_wait woken {after:?} after a retry");
    assert_eq!((again[0].item.as_str(), again[0].deliveries), ("job", 2));
    assert!(after < 500 * MS, "{after:?}");

    // A plain ZADD from a writer that knows nothing of the marker (the Python
    // original, say) wakes a priority set's pop at once (it blocks on the set itself),
    // and a scheduled set's within the cap of a second.
    let (got, after) = woken_after(
        &server,
        || jobs.take_wait(10, Duration::from_secs(5)).unwrap(),
        |conn| {
            let _: () = redis::cmd("ZADD")
                .arg("jobs")
                .arg(0)
                .arg("a")
                .arg(0)
                .arg("b")
                .query(conn)
                .unwrap();
        },
    );
    assert_eq!(got, ["a", "b"]);
    assert!(after < 500 * MS, "{after:?}");
    let (got, after) = woken_after(
        &server,
        || retries.pop_wait(Duration::from_secs(5)).unwrap(),
        |conn| {
            let _: () = conn.zadd("retries", "plain", now()).unwrap();
        },
    );
    println!("scheduled pop_wait saw a plain ZADD {after:?} after it");
    assert_eq!(got.as_deref(), Some("plain"));
    assert!(after < 2500 * MS, "{after:?}");
}
