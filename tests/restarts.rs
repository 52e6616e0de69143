//! Fault test: a durable redis-server (appendfsync always) SIGKILLed and restarted three
//! times under a producer and consumers of the sync and tokio drivers. Counted: items
//! lost and duplicated, and errors by type.
//!
//! - `pop` (at-most-once): every item lost must be announced by an
//!   `Error::OutcomeUnknown` (a pop whose connection failed): never a silent loss; none
//!   is handed out twice.
//! - `claim` … `ack` (at-least-once): nothing is lost. An ack whose outcome is unknown
//!   (its connection failed, and its repeat failed too or was answered `LOADING` by
//!   the restarted server) says so with a typed error; the end state shows it was done.
//! - The server holds a ballast of data, so that each restart spends a while loading it
//!   (answering `LOADING`), as a server with a real data set does: repeats land there.
//! - The producer retries an add that failed, with a dedup window, so nothing is added
//!   twice.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redset::{Error, SortedSet};
use support::RedisServer;

const ITEMS: u32 = 1500;
const LEASE: Duration = Duration::from_secs(1);

#[derive(Default, Debug)]
struct Tally {
    /// How often each item was handed out.
    seen: HashMap<u32, usize>,
    /// Errors by type.
    errors: HashMap<&'static str, usize>,
    /// Items whose ack failed with `LeaseLost`, a connection error or `OutcomeUnknown`:
    /// its outcome is unknown (a repeated ack whose first try took effect says
    /// `LeaseLost`; a repeat answered with an error reply, `OutcomeUnknown`). The end
    /// state shows whether they were done: nothing may be left in the set, in flight or
    /// dead.
    ack_unknown: std::collections::HashSet<u32>,
    /// Each item's failed acks, for the message of a failure.
    failed_acks: HashMap<u32, Vec<String>>,
}

impl Tally {
    fn error(&mut self, err: &Error) {
        let kind = match err {
            Error::OutcomeUnknown { .. } => "OutcomeUnknown",
            Error::Connection(_) => "Connection",
            Error::LeaseLost { .. } => "LeaseLost",
            Error::Server { .. } => "Server",
            _ => "other",
        };
        *self.errors.entry(kind).or_default() += 1;
    }

    /// An ack's outcome: done, or an error that leaves it unknown (a repeated ack whose
    /// first try took effect says `LeaseLost`).
    fn acked(&mut self, item: &str, result: redset::Result<()>) {
        let item = item.parse().unwrap();
        match result {
            Ok(()) => *self.seen.entry(item).or_default() += 1,
            Err(e) => {
                self.error(&e);
                self.failed_acks
                    .entry(item)
                    .or_default()
                    .push(e.to_string());
                if e.is_lease_lost()
                    || matches!(e, Error::Connection(_) | Error::OutcomeUnknown { .. })
                {
                    self.ack_unknown.insert(item);
                }
            }
        }
    }

    /// An item handed out.
    fn saw(&mut self, item: &str) {
        *self.seen.entry(item.parse().unwrap()).or_default() += 1;
    }

    fn errors(&self, kind: &str) -> usize {
        self.errors.get(kind).copied().unwrap_or(0)
    }
}

type Shared = Arc<Mutex<Tally>>;

fn pause() {
    std::thread::sleep(Duration::from_millis(20));
}

fn sync_popper(client: redis::Client, done: Arc<AtomicBool>, tally: Shared) {
    let mut set = SortedSet::from_client(client, "pops");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match set.pop_wait(Duration::from_millis(200)) {
            Ok(Some(item)) => tally.lock().unwrap().saw(&item),
            Ok(None) => {}
            Err(e) if e.is_empty() => {
                if done.load(Ordering::SeqCst) {
                    return;
                }
            }
            Err(e) => {
                tally.lock().unwrap().error(&e);
                pause();
            }
        }
    }
}

fn sync_claimer(client: redis::Client, done: Arc<AtomicBool>, tally: Shared) {
    let mut set = SortedSet::from_client(client, "leases");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match set.claim_wait(5, LEASE, Duration::from_millis(200)) {
            Ok(leases) if leases.is_empty() => {
                let idle = set
                    .stats()
                    .map(|s| s.waiting + s.in_flight == 0)
                    .unwrap_or(false);
                if done.load(Ordering::SeqCst) && idle {
                    return;
                }
            }
            Ok(leases) => {
                for lease in leases {
                    let acked = set.ack(&lease);
                    tally.lock().unwrap().acked(&lease.item, acked);
                }
            }
            Err(e) => {
                tally.lock().unwrap().error(&e);
                pause();
            }
        }
    }
}

async fn aio_popper(client: redis::Client, done: Arc<AtomicBool>, tally: Shared) {
    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    let set = redset::aio::SortedSet::new(conn, "pops");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match set.pop().await {
            Ok(Some(item)) => tally.lock().unwrap().saw(&item),
            Ok(None) => {}
            Err(e) if e.is_empty() => {
                if done.load(Ordering::SeqCst) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => {
                tally.lock().unwrap().error(&e);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn aio_claimer(client: redis::Client, done: Arc<AtomicBool>, tally: Shared) {
    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    let set = redset::aio::SortedSet::new(conn, "leases");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match set.claim(5, LEASE).await {
            Ok(leases) if leases.is_empty() => {
                let idle = set
                    .stats()
                    .await
                    .map(|s| s.waiting + s.in_flight == 0)
                    .unwrap_or(false);
                if done.load(Ordering::SeqCst) && idle {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(leases) => {
                for lease in leases {
                    let acked = set.ack(&lease).await;
                    tally.lock().unwrap().acked(&lease.item, acked);
                }
            }
            Err(e) => {
                tally.lock().unwrap().error(&e);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[test]
fn restarts_under_load_lose_only_what_a_typed_error_announced() {
    let mut server = RedisServer::start_durable();
    let mut conn = server.conn();
    for chunk in 0..10 {
        let mut ballast = redis::pipe();
        for i in 0..10_000 {
            ballast
                .hset("ballast", chunk * 10_000 + i, "twenty-four bytes of it")
                .ignore();
        }
        ballast.query::<()>(&mut conn).unwrap();
    }
    let done = Arc::new(AtomicBool::new(false));
    let pops: Shared = Arc::default();
    let leases: Shared = Arc::default();
    let producer_errors: Shared = Arc::default();

    let producer = std::thread::spawn({
        let (client, done, tally) = (server.client(), done.clone(), producer_errors.clone());
        move || {
            let window = Duration::from_secs(600);
            let mut pops = SortedSet::from_client(client.clone(), "pops").dedup_window(window);
            let mut leases = SortedSet::from_client(client, "leases").dedup_window(window);
            for i in 0..ITEMS {
                let item = i.to_string();
                for set in [&mut pops, &mut leases] {
                    // Retried until it lands; the window keeps a repeat from adding twice.
                    while let Err(e) = set.add_with_score(item.as_str(), f64::from(i)) {
                        tally.lock().unwrap().error(&e);
                        pause();
                    }
                }
                if i % 50 == 0 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            done.store(true, Ordering::SeqCst);
        }
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let aio = runtime.spawn({
        let (client, done, pops, leases) =
            (server.client(), done.clone(), pops.clone(), leases.clone());
        async move {
            tokio::join!(
                aio_popper(client.clone(), done.clone(), pops),
                aio_claimer(client, done, leases)
            );
        }
    });
    let threads = [
        std::thread::spawn({
            let (client, done, tally) = (server.client(), done.clone(), pops.clone());
            move || sync_popper(client, done, tally)
        }),
        std::thread::spawn({
            let (client, done, tally) = (server.client(), done.clone(), leases.clone());
            move || sync_claimer(client, done, tally)
        }),
    ];

    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(400));
        server.kill_and_restart();
    }
    producer.join().unwrap();
    for thread in threads {
        thread.join().unwrap();
    }
    runtime.block_on(aio).unwrap();

    let pops = pops.lock().unwrap();
    let leases = leases.lock().unwrap();
    let lost_items = |t: &Tally| {
        (0..ITEMS)
            .filter(|i| !t.seen.contains_key(i) && !t.ack_unknown.contains(i))
            .collect::<Vec<_>>()
    };
    let lost = |t: &Tally| lost_items(t).len();
    let duplicated = |t: &Tally| t.seen.values().filter(|&&n| n > 1).count();
    println!(
        "3 restarts, {ITEMS} items: pop lost {} / duplicated {} / errors {:?}; claim+ack lost {} / acked twice {} / errors {:?}; producer errors {:?}",
        lost(&pops),
        duplicated(&pops),
        pops.errors,
        lost(&leases),
        duplicated(&leases),
        leases.errors,
        producer_errors.lock().unwrap().errors,
    );
    assert_eq!(duplicated(&pops), 0, "a pop handed an item out twice");
    assert!(
        lost(&pops) <= pops.errors("OutcomeUnknown"),
        "an item was lost without an OutcomeUnknown to say so"
    );
    let lost_leases = lost_items(&leases);
    assert!(
        lost_leases.is_empty(),
        "leased items lost (with their failed acks): {:?}",
        lost_leases
            .iter()
            .map(|i| (i, leases.failed_acks.get(i)))
            .collect::<Vec<_>>()
    );
    let mut check = SortedSet::new(server.conn(), "leases");
    let end = check.stats().unwrap();
    assert_eq!((end.waiting, end.in_flight, end.dead), (0, 0, 0), "{end:?}");
    assert_eq!(duplicated(&leases), 0, "an item was acked twice");
}
