//! The tokio driver against a real redis-server, over RESP2 and RESP3.
#![cfg(feature = "tokio")]

mod support;

use redis::aio::MultiplexedConnection;
use redset::aio::{ScheduledSet, SortedSet, TimeSortedSet};
use redset::{Error, Json, Text};
use support::{now, RedisServer};

fn s(v: &str) -> String {
    v.to_owned()
}

/// A RESP2 multiplexed connection with redis-rs's defaults (500 ms response timeout).
async fn multiplexed(server: &RedisServer) -> MultiplexedConnection {
    server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn connections(server: &RedisServer) -> Vec<MultiplexedConnection> {
    let resp3 = redis::Client::open(format!("{}?protocol=resp3", server.url())).unwrap();
    vec![
        multiplexed(server).await,
        resp3.get_multiplexed_async_connection().await.unwrap(),
    ]
}

#[tokio::test]
async fn sorted_set_behaviour() {
    let server = RedisServer::start();
    for (i, conn) in connections(&server).await.into_iter().enumerate() {
        let set = SortedSet::new(conn.clone(), format!("jobs-{i}"));
        assert_eq!(set.to_string(), format!("SortedSet(\"jobs-{i}\")"));
        assert!(set.is_empty().await.unwrap());
        assert_eq!(set.add(&s("zero")).await.unwrap(), 0.0);
        assert_eq!(set.add_with_score(&s("b"), 2.0).await.unwrap(), 2.0);
        assert_eq!(set.add_with_score(&s(""), -1.0).await.unwrap(), -1.0);
        assert_eq!(set.add_with_score(&s("0"), 1.0).await.unwrap(), 1.0);
        assert_eq!(set.len().await.unwrap(), 4);
        assert_eq!(set.score(&s("zero")).await.unwrap(), Some(0.0));
        assert!(set.contains(&s("b")).await.unwrap());
        assert!(!set.contains(&s("nope")).await.unwrap());
        assert_eq!(set.peek().await.unwrap(), Some(s("")));
        assert_eq!(set.peek_at(3).await.unwrap(), Some(s("b")));
        assert!(matches!(
            set.peek_at(4).await,
            Err(Error::Empty { position: 4, .. })
        ));
        assert_eq!(set.peek_score().await.unwrap(), Some(-1.0));
        assert_eq!(set.pop().await.unwrap(), Some(s("")));
        assert_eq!(set.take(0).await.unwrap(), Vec::<String>::new());
        assert_eq!(set.take(2).await.unwrap(), vec![s("zero"), s("0")]);
        assert!(set.discard(&s("b")).await.unwrap());
        assert!(!set.discard(&s("b")).await.unwrap());
        let err = set.pop().await.unwrap_err();
        assert!(err.is_empty() && err.to_string().contains(&format!("jobs-{i}")));
        assert_eq!(set.peek_score().await.unwrap(), None);
        set.add(&s("x")).await.unwrap();
        assert!(set.clear().await.unwrap());
        assert!(!set.clear().await.unwrap());

        let scored =
            SortedSet::new(conn, format!("scored-{i}")).scorer(|w: &String| w.len() as f64);
        assert_eq!(scored.add(&s("four")).await.unwrap(), 4.0);
        assert_eq!(scored.add_with_score(&s("kept"), 0.0).await.unwrap(), 0.0);
        assert!(matches!(
            scored.add_with_score(&s("n"), f64::NAN).await,
            Err(Error::InvalidInput(_))
        ));
        scored
            .add_with_score(&s("inf"), f64::INFINITY)
            .await
            .unwrap();
        assert_eq!(scored.score(&s("inf")).await.unwrap(), Some(f64::INFINITY));
    }
}

#[tokio::test]
async fn undecodable_wrongtype_and_serializers() {
    let server = RedisServer::start();
    for (i, conn) in connections(&server).await.into_iter().enumerate() {
        let mut raw = conn.clone();
        let key = format!("nums-{i}");
        let nums = SortedSet::new(conn.clone(), key.clone()).serializer(Text::<u32>::new());
        redis::cmd("ZADD")
            .arg(&key)
            .arg(0)
            .arg("bad")
            .exec_async(&mut raw)
            .await
            .unwrap();
        nums.add_with_score(&5, 1.0).await.unwrap();
        assert_eq!(nums.pop().await.unwrap(), None);
        redis::cmd("ZADD")
            .arg(&key)
            .arg(0)
            .arg("bad")
            .exec_async(&mut raw)
            .await
            .unwrap();
        assert_eq!(nums.take(5).await.unwrap(), vec![5]);
        assert!(nums.is_empty().await.unwrap());

        let plain = format!("plain-{i}");
        redis::cmd("SET")
            .arg(&plain)
            .arg("v")
            .exec_async(&mut raw)
            .await
            .unwrap();
        let wrong = ScheduledSet::new(conn.clone(), plain);
        assert_eq!(
            wrong.pop().await.unwrap_err().server_code(),
            Some("WRONGTYPE")
        );
        assert_eq!(
            wrong.add(&s("x")).await.unwrap_err().server_code(),
            Some("WRONGTYPE")
        );

        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Task {
            id: u32,
        }
        let tasks = SortedSet::new(conn, format!("tasks-{i}")).serializer(Json::<Task>::new());
        tasks.add(&Task { id: 9 }).await.unwrap();
        assert_eq!(tasks.pop().await.unwrap(), Some(Task { id: 9 }));
    }
}

#[tokio::test]
async fn time_sorted_and_scheduled_sets() {
    let server = RedisServer::start();
    for (i, conn) in connections(&server).await.into_iter().enumerate() {
        let fifo = TimeSortedSet::new(conn.clone(), format!("fifo-{i}"));
        let first = fifo.add(&s("first")).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        let second = fifo.add(&s("second")).await.unwrap();
        assert!((first - now()).abs() < 5.0 && second > first);
        assert_eq!(fifo.take(5).await.unwrap(), vec![s("first"), s("second")]);

        let mut raw = conn.clone();
        let sched = ScheduledSet::new(conn, format!("sched-{i}"));
        let t = now();
        sched
            .add_with_score(&s("future"), t + 3600.0)
            .await
            .unwrap();
        sched.add_with_score(&s("due"), t - 5.0).await.unwrap();
        sched.add(&s("now")).await.unwrap();
        assert_eq!(sched.len().await.unwrap(), 3);
        assert_eq!(sched.available().await.unwrap(), 2);
        assert_eq!(sched.peek().await.unwrap(), Some(s("due")));
        assert!(sched.peek_at(2).await.unwrap_err().is_empty());
        assert_eq!(sched.peek_score().await.unwrap(), Some(t - 5.0));
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .exec_async(&mut raw)
            .await
            .unwrap();
        assert_eq!(sched.pop().await.unwrap(), Some(s("due")));
        assert_eq!(sched.take(10).await.unwrap(), vec![s("now")]);
        assert!(sched.pop().await.unwrap_err().is_empty());
        assert_eq!(sched.available().await.unwrap(), 0);
        assert!(sched.contains(&s("future")).await.unwrap());
    }
}

#[tokio::test]
async fn take_one_hundred_thousand_async() {
    let server = RedisServer::start();
    // The multiplexed connection gives up on a reply after 500 ms by default; a
    // 100 000-item reply parsed in a debug build on a busy machine can take longer.
    let config = redis::AsyncConnectionConfig::new()
        .set_response_timeout(Some(std::time::Duration::from_secs(30)));
    let conn = server
        .client()
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .unwrap();
    let sched = ScheduledSet::new(conn, "big").serializer(Text::<u32>::new());
    let mut pipe = redis::pipe();
    for i in 0..100_000u32 {
        pipe.zadd("big", i, i as f64).ignore();
    }
    pipe.exec(&mut server.conn()).unwrap();
    assert_eq!(
        sched.take(100_000).await.unwrap(),
        (0..100_000).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_dropped_server_is_a_connection_error() {
    let mut server = Some(RedisServer::start());
    let conn = server
        .as_ref()
        .unwrap()
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let set = SortedSet::new(conn, "gone");
    set.add(&s("x")).await.unwrap();
    server.take(); // kills redis-server
    let err = set.pop().await.unwrap_err();
    assert!(
        matches!(err, Error::OutcomeUnknown { .. } | Error::Connection(_)),
        "{err:?}"
    );
    let err = set.len().await.unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
}

#[tokio::test]
async fn scheduled_pop_waits_out_the_original_redsets_lock() {
    use std::time::{Duration, Instant};
    let server = RedisServer::start();
    let mut admin = server.conn();
    for conn in connections(&server).await {
        // A lock that expires a second after it is taken: a 100 ms wait times out well
        // before, even on a machine that stalls for most of that second.
        let set = ScheduledSet::new(conn, "retries").lock_timeout(Duration::from_millis(100));
        set.add_with_score(&s("due"), now() - 1.0).await.unwrap();
        let expires = now() + 1.0;
        redis::cmd("SET")
            .arg("retries__lock")
            .arg(expires)
            .exec(&mut admin)
            .unwrap();
        let started = Instant::now();
        let err = set.pop().await.unwrap_err();
        assert!(matches!(err, Error::LockTimeout { .. }), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(set.len().await.unwrap(), 1);
        // The same lock expires (by the original's rule) while a longer pop waits: the
        // item comes out only once it has.
        let set = set.lock_timeout(Duration::from_secs(5));
        assert_eq!(set.pop().await.unwrap(), Some(s("due")));
        assert!(now() >= expires, "popped under the lock");
        redis::cmd("DEL")
            .arg("retries__lock")
            .exec(&mut admin)
            .unwrap();
    }
}

#[tokio::test]
async fn the_worker_acks_retries_keeps_slow_handlers_leased_and_shuts_down() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Duration;
    let server = RedisServer::start();
    let conn = multiplexed(&server).await;
    let set = SortedSet::new(conn.clone(), "jobs").backoff(redset::Backoff {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(50),
    });
    set.add_many(["ok-1", "flaky", "slow", "ok-2"])
        .await
        .unwrap();
    let tries = Mutex::new(HashMap::<String, u32>::new());
    let watcher = SortedSet::new(conn, "jobs");
    // The heartbeat extends a lease every third of it: a 2 s lease survives the
    // heartbeat task being held up for over a second (a loaded machine stalls a task
    // for a few hundred ms at worst), and the slow handler still outlives the lease.
    let lease = Duration::from_secs(2);
    let options = redset::WorkerOptions {
        concurrency: 2,
        lease,
        shutdown_timeout: Duration::from_secs(5),
        poll: Duration::from_millis(100),
        ..Default::default()
    };
    let done = process_until_drained(
        &set,
        |job: String| {
            let n = {
                let mut tries = tries.lock().unwrap();
                let n = tries.entry(job.clone()).or_default();
                *n += 1;
                *n
            };
            async move {
                if job == "slow" {
                    // Past its lease: kept by the heartbeat, not handed out again.
                    tokio::time::sleep(lease + lease / 4).await;
                }
                if job == "flaky" && n == 1 {
                    return Err("first try fails");
                }
                Ok(())
            }
        },
        options,
    )
    .await;
    assert_eq!((done.acked, done.retried, done.released), (4, 1, 0));
    let tries = tries.into_inner().unwrap();
    assert_eq!((tries["slow"], tries["flaky"]), (1, 2));

    // At the shutdown deadline a running handler is cancelled and its item released.
    // The shutdown begins once the handler runs (the item is in flight), however long
    // a busy machine takes to get there.
    set.add("stuck").await.unwrap();
    let options = redset::WorkerOptions {
        shutdown_timeout: Duration::from_millis(100),
        poll: Duration::from_millis(50),
        ..Default::default()
    };
    let claimed = async {
        for _ in 0..3000 {
            if watcher.in_flight().await.unwrap() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the worker never claimed the item");
    };
    let done = set
        .process(
            |_: String| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok::<(), String>(())
            },
            options,
            claimed,
        )
        .await
        .unwrap();
    assert_eq!(done.released, 1);
    assert_eq!(set.len().await.unwrap(), 1, "back in the set");
}

#[tokio::test]
async fn a_big_take_over_a_multiplexed_connection_loses_nothing_to_its_timeout() {
    // The default response timeout (500 ms) and a debug build: one ZPOPMIN of 100 000
    // used to time out with every item already removed.
    let server = RedisServer::start();
    let conn = multiplexed(&server).await;
    let set = SortedSet::new(conn, "big");
    let items: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    assert_eq!(set.add_many(&items).await.unwrap(), 100_000);
    let taken = set.take(100_000).await.unwrap();
    assert_eq!(taken.len(), 100_000);
    assert_eq!(set.len().await.unwrap(), 0);
}

#[tokio::test]
async fn consume_streams_items_as_they_come_and_ends_when_stop_completes() {
    use futures_util::StreamExt;
    let server = RedisServer::start();
    let set = SortedSet::new(multiplexed(&server).await, "jobs");
    set.add_many(["a", "b"]).await.unwrap();
    let adder = SortedSet::new(multiplexed(&server).await, "jobs");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let producer = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        adder.add("c").await.unwrap();
    });
    let mut tx = Some(tx);
    let mut got = Vec::new();
    let stream = set.consume(async move {
        rx.await.ok();
    });
    let mut stream = std::pin::pin!(stream);
    let bounded = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(item) = stream.next().await {
            got.push(item.unwrap());
            if got.len() == 3 {
                tx.take().unwrap().send(()).unwrap();
            }
        }
    });
    bounded.await.expect("the stream ends within 10 s of stop");
    producer.await.unwrap();
    assert_eq!(got, ["a", "b", "c"]);
    assert!(set.is_empty().await.unwrap());
}

#[tokio::test]
async fn waits_on_a_client_block_on_connections_of_their_own() {
    use std::time::{Duration, Instant};
    let server = RedisServer::start();
    let shared = multiplexed(&server).await;
    let jobs = SortedSet::new(shared.clone(), "jobs").waits_on(server.client());
    let retries = ScheduledSet::new(shared.clone(), "retries").waits_on(server.client());
    retries.add_with_score("far", now() + 3600.0).await.unwrap();
    let producer = SortedSet::new(shared.clone(), "jobs");
    let scheduler = ScheduledSet::new(shared.clone(), "retries");
    // Two waits at once, each blocked on a connection of its own; the shared one stays
    // free for other commands meanwhile.
    let (job, due, (len, added_at)) = tokio::join!(
        jobs.pop_wait(Duration::from_secs(5)),
        retries.claim_wait(1, Duration::from_secs(30), Duration::from_secs(5)),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let len = producer.len().await.unwrap();
            producer.add("job").await.unwrap();
            scheduler.add("now").await.unwrap();
            (len, Instant::now())
        }
    );
    assert_eq!(job.unwrap().as_deref(), Some("job"));
    assert_eq!(due.unwrap()[0].item, "now");
    assert_eq!(
        len, 0,
        "the shared connection answered while both waits blocked"
    );
    let waited = added_at.elapsed();
    assert!(
        waited < Duration::from_millis(500),
        "woken {waited:?} after the adds"
    );
    // Idle, the wait times out as asked.
    let started = Instant::now();
    assert!(jobs
        .pop_wait(Duration::from_millis(300))
        .await
        .unwrap_err()
        .is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(290) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
}

/// Runs `set`'s worker until the set is drained (failing after 20 s).
async fn process_until_drained<F, Fut, E>(
    set: &SortedSet<MultiplexedConnection>,
    handler: F,
    options: redset::WorkerOptions,
) -> redset::Processed
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display + 'static,
{
    let stop = drained(set);
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        set.process(handler, options, stop),
    )
    .await
    .expect("the worker stops")
    .unwrap()
}

/// Completes once `watcher`'s set has nothing waiting or in flight.
async fn drained(watcher: &SortedSet<MultiplexedConnection>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let stats = watcher.stats().await.unwrap();
        if stats.waiting + stats.in_flight == 0 {
            return;
        }
    }
}

#[tokio::test]
async fn the_worker_keeps_a_groups_concurrency_and_hands_back_a_rate_limited_item() {
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    let server = RedisServer::start();
    let conn = multiplexed(&server).await;
    let set = SortedSet::new(conn, "tenants")
        .grouped()
        .group_concurrency(1);
    for job in ["a1", "a2", "a3", "b1", "b2"] {
        set.add_to_group(&job[..1], job).await.unwrap();
    }

    // Per group: how many handlers run now, the most at once, and b1's tries.
    let running = Mutex::new(HashMap::<char, (u32, u32)>::new());
    let b1_tries = Mutex::new(0u32);
    let options = redset::WorkerOptions {
        concurrency: 4,
        poll: Duration::from_millis(100),
        ..Default::default()
    };
    let started = Instant::now();
    let done = process_until_drained(
        &set,
        |job: String| {
            let group = job.chars().next().unwrap();
            let limited = job == "b1" && {
                let mut tries = b1_tries.lock().unwrap();
                *tries += 1;
                *tries == 1
            };
            let running = &running;
            async move {
                {
                    let mut counts = running.lock().unwrap();
                    let (now, most) = counts.entry(group).or_default();
                    *now += 1;
                    *most = (*most).max(*now);
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
                running.lock().unwrap().get_mut(&group).unwrap().0 -= 1;
                if limited {
                    let retry_after = Duration::from_millis(400);
                    return Err(redset::RateLimited { retry_after });
                }
                Ok(())
            }
        },
        options,
    )
    .await;
    assert_eq!((done.acked, done.rate_limited, done.retried), (5, 1, 0));
    let most = running.into_inner().unwrap();
    assert_eq!(
        (most[&'a'].1, most[&'b'].1),
        (1, 1),
        "a group ran two at once"
    );
    // The whole set waited out the 400 ms the handler asked for.
    assert!(started.elapsed() >= Duration::from_millis(400));
}

/// A set of `n` jobs ("job-0" …) for a worker, a second handle on it to watch it from
/// the handlers, and the jobs.
async fn jobs(
    server: &RedisServer,
    name: &str,
    n: usize,
) -> (
    SortedSet<MultiplexedConnection>,
    SortedSet<MultiplexedConnection>,
    Vec<String>,
) {
    let conn = multiplexed(server).await;
    let set = SortedSet::new(conn.clone(), name);
    let items: Vec<String> = (0..n).map(|i| format!("job-{i}")).collect();
    set.add_many(&items).await.unwrap();
    (set, SortedSet::new(conn, name), items)
}

#[tokio::test]
async fn the_worker_prefetches_quick_jobs_within_its_bound_and_none_for_slow_ones() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Duration;
    let server = RedisServer::start();
    let (set, watcher, items) = jobs(&server, "prefetch", 300).await;
    let seen = Mutex::new(Vec::new());
    let most = AtomicUsize::new(0);
    // Quick handlers: 2 running and up to 6 more held (finished ones count until acked).
    let options = redset::WorkerOptions {
        concurrency: 2,
        prefetch: Some(6),
        poll: Duration::from_millis(100),
        ..Default::default()
    };
    let done = process_until_drained(
        &set,
        |job: String| {
            let mut handled = seen.lock().unwrap();
            handled.push(job);
            let n = handled.len();
            drop(handled);
            let (watcher, most) = (&watcher, &most);
            async move {
                if n % 10 == 0 {
                    let in_flight = watcher.in_flight().await.unwrap() as usize;
                    most.fetch_max(in_flight, Ordering::Relaxed);
                }
                Ok::<(), String>(())
            }
        },
        options,
    )
    .await;
    assert_eq!((done.acked, done.released), (300, 0));
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    let mut expected = items.clone();
    expected.sort();
    assert_eq!(seen, expected, "each item once");
    let most = most.into_inner();
    assert!(
        most > 2,
        "held beyond the running handlers ({most} in flight)"
    );
    assert!(
        most <= 2 + 6,
        "within concurrency + prefetch ({most} in flight)"
    );

    // Slow handlers against the lease (50 ms × a share of 8 > 1% of 10 s): one at a time.
    set.add_many(["s-1", "s-2", "s-3", "s-4", "s-5", "s-6"])
        .await
        .unwrap();
    let slow_most = AtomicUsize::new(0);
    let options = redset::WorkerOptions {
        lease: Duration::from_secs(10),
        poll: Duration::from_millis(100),
        ..Default::default()
    };
    let done = process_until_drained(
        &set,
        |_: String| {
            let (watcher, slow_most) = (&watcher, &slow_most);
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let in_flight = watcher.in_flight().await.unwrap() as usize;
                slow_most.fetch_max(in_flight, Ordering::Relaxed);
                Ok::<(), String>(())
            }
        },
        options,
    )
    .await;
    assert_eq!(done.acked, 6);
    assert_eq!(
        slow_most.into_inner(),
        1,
        "a slow handler's worker holds nothing beyond it"
    );
}

#[tokio::test]
async fn the_worker_gives_held_leases_back_when_the_set_is_paused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    let server = RedisServer::start();
    let (set, watcher, _) = jobs(&server, "paused", 200).await;
    let ran = AtomicUsize::new(0);
    let (resumed_tx, resumed) = tokio::sync::oneshot::channel::<()>();
    let options = redset::WorkerOptions {
        prefetch: Some(8),
        poll: Duration::from_millis(100),
        ..Default::default()
    };
    let worker = set.process(
        |_: String| {
            let n = ran.fetch_add(1, Ordering::SeqCst) + 1;
            let watcher = &watcher;
            async move {
                if n == 50 {
                    watcher.pause().await.unwrap();
                }
                Ok::<(), String>(())
            }
        },
        options,
        async {
            let _ = resumed.await;
            drained(&watcher).await;
        },
    );
    let check = async {
        // Paused: what the worker holds goes back, and nothing more runs.
        for _ in 0..500 {
            if ran.load(Ordering::SeqCst) >= 50 && watcher.in_flight().await.unwrap() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(watcher.in_flight().await.unwrap(), 0, "nothing held");
        let at_pause = ran.load(Ordering::SeqCst);
        assert!(
            at_pause <= 50 + 8,
            "at most a share ran after the pause ({at_pause})"
        );
        assert_eq!(watcher.len().await.unwrap() as usize, 200 - at_pause);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            ran.load(Ordering::SeqCst),
            at_pause,
            "nothing runs while paused"
        );
        watcher.resume().await.unwrap();
        let _ = resumed_tx.send(());
    };
    let (done, ()) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(worker, check)
    })
    .await
    .expect("the worker stops");
    let done = done.unwrap();
    assert_eq!(done.acked, 200);
    assert!(
        done.released >= 1,
        "held leases were released at the pause: {done:?}"
    );
    assert_eq!(ran.into_inner(), 200, "each item once");
}
