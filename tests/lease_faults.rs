//! Leases under real faults: consumer processes SIGKILLed mid-work, and a redis-server
//! (appendfsync always) SIGKILLed and restarted mid-run. Counts what was lost and what
//! was delivered twice, and prints the counts.

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{SortedSet, Text};
use support::RedisServer;

const ITEMS: u32 = 20_000;
const BATCH: usize = 5;
const LEASE: Duration = Duration::from_millis(500);
const DEADLINE: Duration = Duration::from_secs(120);

fn connect(url: &str) -> Option<redis::Connection> {
    redis::Client::open(url).ok()?.get_connection().ok()
}

/// Claims, works (a millisecond), logs "p item token" in `{name}:log`, acks, logs "a item
/// token" (the lease's fencing token, so the log can be read in token order);
/// until `{name}:done` is set and nothing is waiting or in flight. Reconnects after a
/// connection error (the server may be restarting).
fn consume(url: &str, name: &str) {
    let started = Instant::now();
    let log_key = format!("{name}:log");
    'connect: while started.elapsed() < DEADLINE {
        let (Some(conn), Some(mut log)) = (connect(url), connect(url)) else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let mut set = SortedSet::new(conn, name).serializer(Text::<u32>::new());
        while started.elapsed() < DEADLINE {
            let leases = match set.claim(BATCH, LEASE) {
                Ok(leases) => leases,
                Err(_) => continue 'connect,
            };
            if leases.is_empty() {
                let done: bool = match log.exists(format!("{name}:done")) {
                    Ok(done) => done,
                    Err(_) => continue 'connect,
                };
                match set.stats() {
                    Ok(s) if done && s.waiting == 0 && s.in_flight == 0 => break 'connect,
                    Ok(_) => std::thread::sleep(Duration::from_millis(5)),
                    Err(_) => continue 'connect,
                }
                continue;
            }
            for lease in leases {
                std::thread::sleep(Duration::from_millis(1));
                let logged: redis::RedisResult<()> =
                    log.rpush(&log_key, format!("p {} {}", lease.item, lease.token));
                if logged.is_err() {
                    continue 'connect;
                }
                match set.ack(&lease) {
                    Ok(()) => {
                        let logged: redis::RedisResult<()> =
                            log.rpush(&log_key, format!("a {} {}", lease.item, lease.token));
                        if logged.is_err() {
                            continue 'connect;
                        }
                    }
                    Err(e) if e.is_lease_lost() => {}
                    Err(_) => continue 'connect,
                }
            }
        }
    }
}

/// The consumer process of the tests below: run by them, skipped otherwise.
#[test]
#[ignore = "a child process of the lease fault tests"]
fn lease_consumer() {
    let spec = std::env::var("REDSET_CHILD").expect("run by the lease fault tests");
    let (url, name) = spec.split_once('|').unwrap();
    consume(url, name);
}

fn spawn_consumer(url: &str, name: &str) -> Child {
    spawn_child("lease_consumer", url, name)
}

/// Runs `test` (one of the ignored child tests of this file) in a process of its own.
fn spawn_child(test: &str, url: &str, name: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--ignored", "--nocapture"])
        .env("REDSET_CHILD", format!("{url}|{name}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn produce(url: &str, name: &str, items: std::ops::Range<u32>) {
    let mut set = SortedSet::new(connect(url).unwrap(), name).serializer(Text::<u32>::new());
    for i in items {
        set.add_with_score(&i, f64::from(i % 100)).unwrap();
    }
}

fn finish(child: Child) {
    let status = child.wait_with_output().unwrap().status;
    assert!(status.success(), "a consumer failed");
}

/// What the log says.
struct Log {
    /// How many times each item was delivered.
    counts: HashMap<u32, usize>,
    /// Deliveries whose fencing token is greater than the token the item was acked with:
    /// the item came back after an ack, which the leases promise never happens.
    after_ack: usize,
    /// Deliveries logged after the item's ack but with an earlier token: a consumer that
    /// stalled past its lease logged its stale delivery late (its ack was refused).
    logged_late: usize,
}

/// Reads the log of "p item token" and "a item token" entries.
fn read_log(conn: &mut redis::Connection, name: &str) -> Log {
    let entries: Vec<(bool, u32, u64)> = conn
        .lrange::<_, Vec<String>>(format!("{name}:log"), 0, -1)
        .unwrap()
        .iter()
        .map(|entry| {
            let mut parts = entry.split(' ');
            let delivered = parts.next() == Some("p");
            let item = parts.next().unwrap().parse().unwrap();
            let token = parts.next().unwrap().parse().unwrap();
            (delivered, item, token)
        })
        .collect();
    // Each item's first ack: where it is in the log, and the least token acked.
    let mut acks: HashMap<u32, (usize, u64)> = HashMap::new();
    for (at, &(delivered, item, token)) in entries.iter().enumerate() {
        if !delivered {
            let ack = acks.entry(item).or_insert((at, token));
            ack.1 = ack.1.min(token);
        }
    }
    let mut log = Log {
        counts: HashMap::new(),
        after_ack: 0,
        logged_late: 0,
    };
    for (at, &(delivered, item, token)) in entries.iter().enumerate() {
        if !delivered {
            continue;
        }
        *log.counts.entry(item).or_insert(0) += 1;
        match acks.get(&item) {
            Some(&(_, acked)) if token > acked => log.after_ack += 1,
            Some(&(acked_at, _)) if at > acked_at => log.logged_late += 1,
            _ => {}
        }
    }
    log
}

#[test]
fn consumers_killed_mid_work_lose_nothing_and_duplicate_only_what_they_held() {
    const KILLS: usize = 20;
    let server = RedisServer::start();
    let (url, name) = (server.url(), "crash");
    produce(&url, name, 0..ITEMS / 2);
    let mut consumers: Vec<Child> = (0..4).map(|_| spawn_consumer(&url, name)).collect();
    let producer = std::thread::spawn({
        let url = url.clone();
        move || produce(&url, name, ITEMS / 2..ITEMS)
    });
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(150));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let victim = (seed % consumers.len() as u64) as usize;
        let mut killed = consumers.swap_remove(victim);
        killed.kill().unwrap(); // SIGKILL
        killed.wait().unwrap();
        consumers.push(spawn_consumer(&url, name));
    }
    producer.join().unwrap();
    let mut conn = server.conn();
    let _: () = conn.set(format!("{name}:done"), 1).unwrap();
    consumers.into_iter().for_each(finish);
    let log = read_log(&mut conn, name);
    let lost = (0..ITEMS).filter(|i| !log.counts.contains_key(i)).count();
    let duplicated: usize = log.counts.values().map(|&n| n - 1).sum();
    let mut set = SortedSet::new(server.conn(), name);
    let stats = set.stats().unwrap();
    println!(
        "lease crash test: {ITEMS} items, 4 consumers, {KILLS} SIGKILLs: lost {lost}, \
         processed twice {duplicated} (at most {} possible: {BATCH} per kill), dead {}, \
         delivered after an ack (by token) {}, stale deliveries logged late {}",
        KILLS * BATCH,
        stats.dead,
        log.after_ack,
        log.logged_late
    );
    assert_eq!(lost, 0);
    assert_eq!(log.after_ack, 0, "an acked item was delivered again");
    assert!(duplicated <= KILLS * BATCH, "{duplicated} duplicates");
    assert_eq!((stats.waiting, stats.in_flight, stats.dead), (0, 0, 0));
}

#[test]
fn a_redis_restart_loses_no_unacked_item_and_brings_back_no_acked_one() {
    let mut server = RedisServer::start_durable();
    let (url, name) = (server.url(), "restart");
    produce(&url, name, 0..ITEMS / 4);
    let consumers: Vec<Child> = (0..2).map(|_| spawn_consumer(&url, name)).collect();
    std::thread::sleep(Duration::from_millis(400));
    server.kill_and_restart();
    let mut conn = server.conn();
    let _: () = conn.set(format!("{name}:done"), 1).unwrap();
    consumers.into_iter().for_each(finish);
    let log = read_log(&mut conn, name);
    let lost = (0..ITEMS / 4)
        .filter(|i| !log.counts.contains_key(i))
        .count();
    let duplicated: usize = log.counts.values().map(|&n| n - 1).sum();
    let came_back = log.after_ack;
    println!(
        "lease restart test: {} items, 2 consumers, redis-server SIGKILLed and restarted \
         (appendfsync always): lost {lost}, acked and delivered again {came_back}, \
         processed twice {duplicated}",
        ITEMS / 4
    );
    assert_eq!(lost, 0);
    assert_eq!(came_back, 0);
}

/// A prefetching tokio worker: concurrency 2, prefetch 4, 2 s leases; each handler logs
/// "p item" in `{name}:log`. Stops once `{name}:done` is set and nothing is waiting or
/// in flight.
#[cfg(feature = "tokio")]
#[test]
#[ignore = "a child process of the lease fault tests"]
fn prefetch_worker() {
    let spec = std::env::var("REDSET_CHILD").expect("run by the lease fault tests");
    let (url, name) = spec.split_once('|').unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = redis::Client::open(url).unwrap();
        let conn = client.get_multiplexed_async_connection().await.unwrap();
        let set = redset::aio::SortedSet::new(conn.clone(), name).metrics(true);
        let log_key = format!("{name}:log");
        let options = redset::WorkerOptions {
            concurrency: 2,
            prefetch: Some(4),
            lease: Duration::from_secs(2),
            poll: Duration::from_millis(100),
            ..Default::default()
        };
        let stop = async {
            let started = Instant::now();
            while started.elapsed() < DEADLINE {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let done: bool =
                    redis::AsyncCommands::exists(&mut conn.clone(), format!("{name}:done"))
                        .await
                        .unwrap();
                let stats = set.stats().await.unwrap();
                if done && stats.waiting == 0 && stats.in_flight == 0 {
                    return;
                }
            }
        };
        set.process(
            |item: String| {
                let (mut log, log_key) = (conn.clone(), &log_key);
                async move {
                    redis::AsyncCommands::rpush::<_, _, ()>(&mut log, log_key, format!("p {item}"))
                        .await
                        .map_err(|e| e.to_string())
                }
            },
            options,
            stop,
        )
        .await
        .unwrap();
    });
}

#[cfg(feature = "tokio")]
#[test]
fn prefetching_workers_killed_mid_work_ack_every_item_exactly_once() {
    const ITEMS: u32 = 10_000;
    const KILLS: usize = 6;
    let server = RedisServer::start();
    let (url, name) = (server.url(), "crash-prefetch");
    let mut set = SortedSet::new(server.conn(), name)
        .serializer(Text::<u32>::new())
        .metrics(true);
    let items: Vec<u32> = (0..ITEMS).collect();
    set.add_many(&items).unwrap();
    let mut workers: Vec<Child> = (0..3)
        .map(|_| spawn_child("prefetch_worker", &url, name))
        .collect();
    // The most leases in flight seen just before a kill: past 3 × 2 running handlers,
    // the killed workers held prefetched ones.
    let mut most = 0;
    for k in 0..KILLS {
        std::thread::sleep(Duration::from_millis(200));
        most = most.max(set.in_flight().unwrap());
        let mut killed = workers.remove(k % workers.len());
        killed.kill().unwrap(); // SIGKILL
        killed.wait().unwrap();
        workers.push(spawn_child("prefetch_worker", &url, name));
    }
    let mut conn = server.conn();
    let _: () = conn.set(format!("{name}:done"), 1).unwrap();
    workers.into_iter().for_each(finish);
    let mut delivered: HashMap<u32, usize> = HashMap::new();
    for entry in conn
        .lrange::<_, Vec<String>>(format!("{name}:log"), 0, -1)
        .unwrap()
    {
        let item = entry.trim_start_matches("p ").parse().unwrap();
        *delivered.entry(item).or_insert(0) += 1;
    }
    let stats = set.stats().unwrap();
    let acked = stats.counters.as_ref().map(|c| c.acked);
    let twice: usize = delivered.values().map(|&n| n - 1).sum();
    println!(
        "prefetch crash test: {ITEMS} items, {KILLS} SIGKILLs: acked {acked:?}, delivered \
         twice {twice}, most in flight before a kill {most}"
    );
    assert_eq!((0..ITEMS).filter(|i| !delivered.contains_key(i)).count(), 0);
    // An item is acked once at most (the ack removes it): the count is every item once.
    assert_eq!(
        acked,
        Some(u64::from(ITEMS)),
        "every item acked exactly once"
    );
    assert_eq!((stats.waiting, stats.in_flight, stats.dead), (0, 0, 0));
    // Each kill re-delivers at most what the victim held: 2 running + 4 held.
    assert!(twice <= KILLS * (2 + 4), "{twice} delivered twice");
    assert!(
        most > 3 * 2,
        "the workers held prefetched leases ({most} in flight)"
    );
}
