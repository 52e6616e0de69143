//! The sets on a real Redis Cluster (3 masters, 3 replicas, on loopback): every
//! operation — the document's, the leases, the waits, batches and the dedup window —
//! on sets whose slots fall on different masters, over the sync and tokio cluster
//! connections. Every script gets its keys in one slot (the companion-key rule).

mod support;

use std::time::Duration;

use redset::{Clock, ScheduledSet, SortedSet};
use support::{cluster::RedisCluster, now};

#[test]
fn every_operation_works_on_sets_spread_over_the_masters() {
    let cluster = RedisCluster::start();
    let names = cluster.names_on_each_master("jobs");
    for name in &names {
        let mut set =
            SortedSet::new(cluster.conn(), name.as_str()).dedup_window(Duration::from_secs(60));
        assert_eq!(set.add_with_score("b", 2.0).unwrap(), 2.0);
        assert_eq!(set.add_many(["a", "c", "c"]).unwrap(), 2);
        assert_eq!(set.len().unwrap(), 3);
        assert_eq!(set.peek().unwrap().as_deref(), Some("a"));
        assert_eq!(set.score("b").unwrap(), Some(2.0));
        assert_eq!(set.pop().unwrap().as_deref(), Some("a"));
        set.add("a").unwrap(); // within the dedup window: skipped
        assert_eq!(set.take(10).unwrap(), ["c", "b"]);
        assert!(set.pop().unwrap_err().is_empty());
        set.add_many(["x", "y"]).unwrap();
        let leases = set.claim(2, Duration::from_secs(30)).unwrap();
        assert_eq!(leases.len(), 2);
        set.ack(&leases[0]).unwrap();
        set.retry(&leases[1], Duration::ZERO).unwrap();
        let again = set
            .claim_wait(1, Duration::from_secs(30), Duration::from_secs(2))
            .unwrap();
        assert_eq!((again[0].item.as_str(), again[0].deliveries), ("y", 2));
        set.ack(&again[0]).unwrap();
        let stats = set.stats().unwrap();
        assert_eq!((stats.waiting, stats.in_flight, stats.dead), (0, 0, 0));
        assert!(set
            .pop_wait(Duration::from_millis(200))
            .unwrap_err()
            .is_empty());
        set.add("z").unwrap();
        assert!(set.clear().unwrap());
        assert_eq!(set.len().unwrap(), 0);
    }
    // A scheduled set, its script and the original's lock key (another slot: the pop
    // goes on without it on a cluster), with the server's clock.
    for name in cluster.names_on_each_master("retries") {
        let mut set = ScheduledSet::new(cluster.conn(), name.as_str()).clock(Clock::Server);
        set.add_with_score("later", now() + 3600.0).unwrap();
        set.add_with_score("due", now() - 1.0).unwrap();
        assert_eq!(set.available().unwrap(), 1);
        assert_eq!(set.pop().unwrap().as_deref(), Some("due"));
        set.add_with_score("soon", now() + 0.3).unwrap();
        assert_eq!(
            set.pop_wait(Duration::from_secs(3)).unwrap().as_deref(),
            Some("soon")
        );
        let leases = set.claim(5, Duration::from_secs(5)).unwrap();
        assert!(leases.is_empty());
    }
}

#[test]
fn flow_control_works_on_sets_spread_over_the_masters() {
    let cluster = RedisCluster::start();
    let limit = redset::RateLimit::with_burst(1000, Duration::from_secs(1), 3).unwrap();
    for name in cluster.names_on_each_master("flow") {
        let mut set = SortedSet::new(cluster.conn(), name.as_str())
            .rate_limit(limit)
            .group_by(|item: &String| item[..1].to_owned())
            .group_concurrency(1);
        set.add_many(["a1", "a2", "b1", "c1"]).unwrap();
        set.pause().unwrap();
        assert!(set.claim(5, Duration::from_secs(30)).unwrap().is_empty());
        assert!(set.stats().unwrap().paused);
        set.resume().unwrap();
        // The burst of three, one per group, round-robin; a's second waits for its first.
        let leases = set.claim(5, Duration::from_secs(30)).unwrap();
        let items: Vec<&str> = leases.iter().map(|l| l.item.as_str()).collect();
        assert_eq!(items, ["a1", "b1", "c1"]);
        set.ack_many(&leases).unwrap();
        let next = set
            .claim_wait(5, Duration::from_secs(30), Duration::from_secs(2))
            .unwrap();
        assert_eq!(next[0].item, "a2");
        set.rate_limited(&next[0], Duration::from_secs(10)).unwrap();
        assert_eq!(set.group_stats("a").unwrap().waiting, 1);
        assert_eq!(set.groups(10).unwrap().len(), 1);
        assert_eq!(set.take(5).unwrap(), Vec::<String>::new()); // held for 10 s
        assert!(set.clear().unwrap());
    }
}

#[test]
fn the_async_sets_work_over_the_async_cluster_connection() {
    let cluster = RedisCluster::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let conn = cluster.client().get_async_connection().await.unwrap();
        for name in cluster.names_on_each_master("async") {
            let set = redset::aio::SortedSet::new(conn.clone(), name.as_str());
            set.add_many(["a", "b", "c"]).await.unwrap();
            assert_eq!(set.pop().await.unwrap().as_deref(), Some("a"));
            let leases = set.claim(2, Duration::from_secs(30)).await.unwrap();
            set.ack_many(&leases).await.unwrap();
            assert_eq!(set.len().await.unwrap(), 0);
            assert!(set
                .pop_wait(Duration::from_millis(200))
                .await
                .unwrap_err()
                .is_empty());
        }
    });
}

/// Failover: the master that serves a set's slot is SIGKILLed while a producer adds and
/// consumers pop and claim; its replica takes over (node timeout 1 s). Operations in the
/// meantime fail with typed errors (or are retried by the cluster client), then carry
/// on by themselves. Redis replication is asynchronous, so an acknowledged write can be
/// lost, and an acknowledged pop or ack undone: the figures are printed, not hidden.
#[test]
fn a_master_killed_under_load_fails_over_and_the_sets_carry_on() {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    const ITEMS: u32 = 1200;
    let mut cluster = RedisCluster::start();
    let (pops_name, leases_name) = ("{failover}pops", "{failover}leases");
    let victim = cluster.master_of(pops_name);
    let client = cluster.client();
    let done = Arc::new(AtomicBool::new(false));
    let errors: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let count_error = |errors: &Mutex<HashMap<String, usize>>, e: &redset::Error| {
        let kind = format!("{e:?}")
            .split(['(', ' ', '{'])
            .next()
            .unwrap_or("?")
            .to_owned();
        *errors.lock().unwrap().entry(kind).or_default() += 1;
    };
    let last_error = Arc::new(Mutex::new(None::<Instant>));

    let producer = std::thread::spawn({
        let (client, done, errors, last_error) = (
            client.clone(),
            done.clone(),
            errors.clone(),
            last_error.clone(),
        );
        move || {
            let window = Duration::from_secs(600);
            let mut pops = SortedSet::from_cluster(client.clone(), pops_name).dedup_window(window);
            let mut leases = SortedSet::from_cluster(client, leases_name).dedup_window(window);
            for i in 0..ITEMS {
                for set in [&mut pops, &mut leases] {
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while let Err(e) = set.add_with_score(i.to_string().as_str(), f64::from(i)) {
                        count_error(&errors, &e);
                        *last_error.lock().unwrap() = Some(Instant::now());
                        assert!(Instant::now() < deadline, "adds did not recover: {e}");
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            done.store(true, Ordering::SeqCst);
        }
    });
    let popped: Arc<Mutex<HashMap<u32, usize>>> = Arc::default();
    let acked: Arc<Mutex<HashMap<u32, usize>>> = Arc::default();
    let popper = std::thread::spawn({
        let (client, done, errors, popped) =
            (client.clone(), done.clone(), errors.clone(), popped.clone());
        move || {
            let mut set = SortedSet::from_cluster(client, pops_name);
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                match set.pop() {
                    Ok(Some(item)) => {
                        *popped
                            .lock()
                            .unwrap()
                            .entry(item.parse().unwrap())
                            .or_default() += 1
                    }
                    Ok(None) => {}
                    Err(e) if e.is_empty() => {
                        if done.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(e) => {
                        count_error(&errors, &e);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
        }
    });
    let claimer = std::thread::spawn({
        let (client, done, errors, acked) =
            (client.clone(), done.clone(), errors.clone(), acked.clone());
        move || {
            let mut set = SortedSet::from_cluster(client, leases_name);
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                match set.claim(10, Duration::from_secs(2)) {
                    Ok(leases) if leases.is_empty() => {
                        let idle = set
                            .stats()
                            .map(|s| s.waiting + s.in_flight == 0)
                            .unwrap_or(false);
                        if done.load(Ordering::SeqCst) && idle {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Ok(leases) => {
                        for lease in leases {
                            match set.ack(&lease) {
                                Ok(()) => {
                                    *acked
                                        .lock()
                                        .unwrap()
                                        .entry(lease.item.parse().unwrap())
                                        .or_default() += 1
                                }
                                Err(e) => count_error(&errors, &e),
                            }
                        }
                    }
                    Err(e) => {
                        count_error(&errors, &e);
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            }
        }
    });

    std::thread::sleep(Duration::from_millis(500));
    let killed = Instant::now();
    cluster.kill(victim);
    producer.join().unwrap();
    popper.join().unwrap();
    claimer.join().unwrap();
    let recovered = last_error
        .lock()
        .unwrap()
        .map(|at| at.saturating_duration_since(killed));

    let lost = |seen: &HashMap<u32, usize>| (0..ITEMS).filter(|i| !seen.contains_key(i)).count();
    let twice = |seen: &HashMap<u32, usize>| seen.values().filter(|&&n| n > 1).count();
    let (popped, acked) = (popped.lock().unwrap(), acked.lock().unwrap());
    println!(
        "failover of the master of {pops_name:?}: producer's last error {recovered:?} after the kill; \
         pop lost {} / twice {}; claim+ack lost {} / acked twice {}; errors {:?}",
        lost(&popped),
        twice(&popped),
        lost(&acked),
        twice(&acked),
        errors.lock().unwrap()
    );
    assert!(
        recovered.is_none_or(|d| d < Duration::from_secs(20)),
        "{recovered:?}"
    );
    // Asynchronous replication can lose what the dead master acknowledged last, but not
    // more than the little it held unreplicated; duplicates the same.
    assert!(lost(&acked) <= 20 && lost(&popped) <= 20, "lost too much");
}

/// `wait_for_replicas`: adds and acks wait for a replica's acknowledgement (`WAIT`);
/// asking for more replicas than the cluster has fails with `NotReplicated` after the
/// timeout, the write having taken effect. The cost of the wait is printed.
#[test]
fn writes_can_wait_for_a_replica() {
    use std::time::Instant;
    let cluster = RedisCluster::start();
    let name = "{wait}jobs";
    let mut plain = SortedSet::new(cluster.conn(), name);
    let mut waiting =
        SortedSet::new(cluster.conn(), name).wait_for_replicas(1, Duration::from_secs(1));
    const N: u32 = 200;
    let time = |set: &mut SortedSet<redis::cluster::ClusterConnection>, from: u32| {
        let started = Instant::now();
        for i in from..from + N {
            set.add_with_score(i.to_string().as_str(), f64::from(i))
                .unwrap();
        }
        started.elapsed() / N
    };
    let (without, with) = (time(&mut plain, 0), time(&mut waiting, N));
    println!("add on a cluster: {without:?} without WAIT, {with:?} with WAIT 1 (the redis crate asks every master)");
    let leases = waiting.claim(2, Duration::from_secs(30)).unwrap();
    waiting.ack_many(&leases).unwrap();
    let lease = waiting.claim(1, Duration::from_secs(30)).unwrap().remove(0);
    waiting.retry(&lease, Duration::ZERO).unwrap();
    let mut greedy =
        SortedSet::new(cluster.conn(), name).wait_for_replicas(2, Duration::from_millis(50));
    let err = greedy.add("x").unwrap_err();
    assert!(
        matches!(
            err,
            redset::Error::NotReplicated {
                acked: 1,
                wanted: 2
            }
        ),
        "{err}"
    );
    assert_eq!(
        plain.score("x").unwrap(),
        Some(0.0),
        "the write itself took effect"
    );
}
