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

/// Sends one core command on a synchronous connection; an error reply is a reply.
fn send(conn: &mut redis::Connection, cmd: &redset::core::Command) -> redis::Value {
    let mut raw = redis::cmd(cmd.name());
    raw.arg(&cmd.args()[1..]);
    raw.query(conn).unwrap_or_else(|e| {
        redis::Value::ServerError(redis::ServerError::try_from(e).expect("an error reply"))
    })
}

/// A producer's `add` driven one command at a time: each command of its pipelines goes
/// when the schedule says, and the pipeline's replies go back once all are in.
struct Producer<O> {
    op: O,
    queue: std::collections::VecDeque<redset::core::Command>,
    replies: Vec<redis::Value>,
    done: bool,
}

impl<O: redset::core::Operation<Output = f64>> Producer<O> {
    fn new(mut op: O) -> Self {
        let step = op.start().unwrap();
        let mut producer = Producer {
            op,
            queue: Default::default(),
            replies: vec![],
            done: false,
        };
        producer.take(step);
        producer
    }

    fn take(&mut self, step: redset::core::Step<f64>) {
        match step {
            redset::core::Step::Pipeline(cmds) => self.queue.extend(cmds),
            redset::core::Step::Done(_) => self.done = true,
            other => panic!("an add without the script pipelines: {other:?}"),
        }
    }

    /// Sends its next command; false when it has none left.
    fn step(&mut self, conn: &mut redis::Connection) -> bool {
        let Some(cmd) = self.queue.pop_front() else {
            return false;
        };
        self.replies.push(send(conn, &cmd));
        if self.queue.is_empty() {
            let replies = redis::Value::Array(std::mem::take(&mut self.replies));
            let step = self.op.feed(redset::core::Reply::from(replies)).unwrap();
            self.take(step);
        }
        true
    }
}

/// No interleaving of an add without the script (its `ZADD`, its check for a waiting
/// consumer, the marker) with a waiting consumer's steps (its try, its probe, its block
/// on the marker) loses the wake-up: every schedule of the producer's commands between
/// the consumer's, the last ones while it is blocked, on a real server. The consumer
/// waits on a scheduled set whose head is an hour off, so a lost wake-up would show as
/// a block of about a second; each run ends with the item within a fraction of that.
#[test]
fn no_interleaving_of_an_add_and_a_waiting_consumer_loses_the_wake_up() {
    use redset::core::{Kind, SetCore, Waiting};
    let server = RedisServer::start();
    let (mut producer_conn, mut consumer_conn) = (server.conn(), server.conn());
    let set = |name: &str| {
        SetCore::new(name, Kind::Scheduled, redset::Utf8)
            .with_original_lock(false)
            .with_waiting(Waiting::Blocking)
    };
    // The scripts loaded, so that each try and probe is one command: try, probe, block.
    let warm = set("warm").pop_wait(10 * MS, now());
    let mut conn = server.conn();
    assert!(drive_with(&mut conn, warm, |_| {}).is_err());
    const TRY: usize = 0;
    const BLOCK: usize = 2;
    let mut runs = 0;
    // The position of each of the producer's four commands (ZADD, EXISTS, and the
    // marker's ZADD and PEXPIRE when it sees a waiter): before the consumer's command of
    // that index, or at BLOCK + 1, while its block is under way.
    for zadd in TRY..=BLOCK + 1 {
        for exists in zadd..=BLOCK + 1 {
            for marker in exists..=BLOCK + 1 {
                let name = format!("retries:{zadd}{exists}{marker}");
                let _: () = redis::cmd("ZADD")
                    .arg(&name)
                    .arg(now() + 3600.0)
                    .arg("later")
                    .query(&mut producer_conn)
                    .unwrap();
                let mut producer = Producer::new(set(&name).add("due", Some(0.0), now()).unwrap());
                let positions = [zadd, exists, marker, marker];
                let mut sent = 0;
                let started = Instant::now();
                let got = drive_with(
                    &mut consumer_conn,
                    set(&name).pop_wait(Duration::from_secs(5), now()),
                    |at| {
                        while sent < positions.len()
                            && positions[sent] <= at
                            && producer.step(&mut producer_conn)
                        {
                            sent += 1;
                        }
                    },
                );
                let took = started.elapsed();
                assert_eq!(
                    got.unwrap().as_deref(),
                    Some("due"),
                    "schedule {positions:?}"
                );
                assert!(took < 600 * MS, "schedule {positions:?}: {took:?}");
                while producer.step(&mut producer_conn) {}
                assert!(producer.done);
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 20);
}

/// Drives `op` on `conn`, calling `between(index)` before its command of each index;
/// while a blocking command waits for its reply, `between` runs with the next index.
fn drive_with<O: redset::core::Operation>(
    conn: &mut redis::Connection,
    mut op: O,
    mut between: impl FnMut(usize),
) -> redset::Result<O::Output> {
    use redset::core::{Reply, Step};
    let mut step = op.start()?;
    let mut index = 0;
    loop {
        step = match step {
            Step::Done(out) => return Ok(out),
            Step::Send(cmd) if cmd.is_blocking() => {
                between(index);
                let value = std::thread::scope(|scope| {
                    let blocked = scope.spawn(|| send(conn, &cmd));
                    std::thread::sleep(50 * MS);
                    between(index + 1);
                    blocked.join().unwrap()
                });
                index += 1;
                op.feed(Reply::from(value))?
            }
            Step::Send(cmd) => {
                between(index);
                index += 1;
                let value = send(conn, &cmd);
                op.feed(Reply::from(value))?
            }
            Step::Sleep(wait) => {
                std::thread::sleep(wait);
                op.resume(now())?
            }
            Step::Now => op.resume(now())?,
            Step::Pipeline(_) => panic!("a consumer sends no pipeline"),
        }
    }
}
