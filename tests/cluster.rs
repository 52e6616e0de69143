//! The sets on a real Redis Cluster (3 masters, 3 replicas, on loopback): every
//! operation — the document's, the leases, the waits, batches and the dedup window —
//! on sets whose slots fall on different masters, over the sync and tokio cluster
//! connections. Every script gets its keys in one slot (the companion-key rule).

mod support;

use std::time::Duration;

use redset::{Clock, ScheduledSet, SortedSet};
use support::cluster::RedisCluster;

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

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

#[tokio::test(flavor = "multi_thread")]
async fn the_async_sets_work_over_the_async_cluster_connection() {
    let cluster = tokio::task::spawn_blocking(RedisCluster::start)
        .await
        .unwrap();
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
    drop(cluster);
}
