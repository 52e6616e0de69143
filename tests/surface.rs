//! Every public method on every kind of set, whatever the builder chain: each kind ×
//! (with or without a scorer) × (the default or a custom serializer) × (sync or tokio)
//! calls every method its kind has. A method missing on one combination (as
//! `available()` once was on a scored `ScheduledSet`) fails to build.
//!
//! The calls run against a `Scripted` connection that expects nothing, so each one that
//! talks to Redis gets a typed error back: none may panic.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use redset::testing::Scripted;
use redset::{DeadLetter, Json, Lease};

/// What a call that talks to Redis gives on a connection that expects nothing.
fn refused<T: std::fmt::Debug>(result: redset::Result<T>) {
    match result {
        Err(redset::Error::Server { code, .. }) => assert_eq!(code, "SCRIPTED"),
        other => panic!("expected the scripted connection's refusal, got {other:?}"),
    }
}

/// A grouped add: refused by the connection, or, on a set that is not grouped, rejected
/// before anything is sent.
fn grouped_add<T: std::fmt::Debug>(result: redset::Result<T>) {
    match result {
        Err(redset::Error::InvalidInput(why)) => assert!(why.contains("not grouped"), "{why}"),
        other => refused(other),
    }
}

fn lease<T>(item: T) -> Lease<T> {
    Lease::from_parts(item, b"m".to_vec(), 1, 1, 0, 0.0)
}

/// Every method of a sync set; `$scheduled` adds the scheduled kinds' own.
macro_rules! sync_calls {
    ($set:expr, $item:expr $(, $scheduled:ident)?) => {{
        let mut set = $set;
        let item = $item;
        let _ = (set.name(), set.core(), set.to_string(), format!("{set:?}"));
        refused(set.add(&item));
        refused(set.add_with_score(&item, 1.0));
        refused(set.add_many([&item]));
        refused(set.add_many_with([(&item, Some(1.0))], Default::default()));
        refused(set.pop());
        refused(set.take(2));
        refused(set.peek());
        refused(set.peek_at(1));
        refused(set.peek_items(0, 2));
        refused(set.peek_score());
        refused(set.score(&item));
        refused(set.contains(&item));
        refused(set.len());
        refused(set.is_empty());
        refused(set.clear());
        refused(set.discard(&item));
        refused(set.pop_wait(Duration::from_millis(1)));
        refused(set.take_wait(2, Duration::from_millis(1)));
        refused(set.claim_wait(2, Duration::from_secs(1), Duration::from_millis(1)));
        refused(set.claim(2, Duration::from_secs(1)));
        let mut held = lease(item.clone());
        refused(set.ack_and_claim(std::slice::from_ref(&held), 1, Duration::from_secs(1)));
        refused(set.ack(&held));
        refused(set.ack_many(std::slice::from_ref(&held)));
        refused(set.extend(&mut held, Duration::from_secs(1)));
        refused(set.retry(&held, None));
        refused(set.retry_with(&held, Some(Duration::ZERO), "why"));
        refused(set.release(&held));
        refused(set.recover());
        refused(set.in_flight());
        refused(set.in_flight_items(10));
        refused(set.dead_letters());
        let letter = DeadLetter::from_member(b"m".to_vec()).map(|()| item.clone());
        refused(set.requeue_dead(&[letter]));
        refused(set.purge_dead());
        refused(set.stats());
        refused(set.pause());
        refused(set.resume());
        refused(set.is_paused());
        refused(set.rate_limited(&held, Duration::from_secs(1)));
        grouped_add(set.add_to_group("g", &item));
        grouped_add(set.add_to_group_with_score("g", &item, 1.0));
        refused(set.group_stats("g"));
        refused(set.groups(10));
        let stop = AtomicBool::new(false);
        let first = set.consume(&stop).next().expect("a first try");
        refused(first);
        $( let _ = stringify!($scheduled); refused(set.available()); )?
        let _ = set.connection();
        let _ = set.into_connection();
    }};
}

/// Every method of a tokio set; `$scheduled` adds the scheduled kinds' own.
macro_rules! aio_calls {
    ($set:expr, $item:expr $(, $scheduled:ident)?) => {{
        use futures_util::StreamExt;
        let set = $set;
        let item = $item;
        let _ = (set.name(), set.core(), set.to_string(), format!("{set:?}"));
        refused(set.add(&item).await);
        refused(set.add_with_score(&item, 1.0).await);
        refused(set.add_many([&item]).await);
        refused(set.add_many_with([(&item, Some(1.0))], Default::default()).await);
        refused(set.pop().await);
        refused(set.take(2).await);
        refused(set.peek().await);
        refused(set.peek_at(1).await);
        refused(set.peek_items(0, 2).await);
        refused(set.peek_score().await);
        refused(set.score(&item).await);
        refused(set.contains(&item).await);
        refused(set.len().await);
        refused(set.is_empty().await);
        refused(set.clear().await);
        refused(set.discard(&item).await);
        refused(set.pop_wait(Duration::from_millis(1)).await);
        refused(set.take_wait(2, Duration::from_millis(1)).await);
        refused(set.claim_wait(2, Duration::from_secs(1), Duration::from_millis(1)).await);
        refused(set.claim(2, Duration::from_secs(1)).await);
        let mut held = lease(item.clone());
        refused(set.ack_and_claim(std::slice::from_ref(&held), 1, Duration::from_secs(1)).await);
        refused(set.ack(&held).await);
        refused(set.ack_many(std::slice::from_ref(&held)).await);
        refused(set.extend(&mut held, Duration::from_secs(1)).await);
        refused(set.retry(&held, None).await);
        refused(set.retry_with(&held, Some(Duration::ZERO), "why").await);
        refused(set.release(&held).await);
        refused(set.recover().await);
        refused(set.in_flight().await);
        refused(set.in_flight_items(10).await);
        refused(set.dead_letters().await);
        let letter = DeadLetter::from_member(b"m".to_vec()).map(|()| item.clone());
        refused(set.requeue_dead(&[letter]).await);
        refused(set.purge_dead().await);
        refused(set.stats().await);
        refused(set.pause().await);
        refused(set.resume().await);
        refused(set.is_paused().await);
        refused(set.rate_limited(&held, Duration::from_secs(1)).await);
        grouped_add(set.add_to_group("g", &item).await);
        grouped_add(set.add_to_group_with_score("g", &item, 1.0).await);
        refused(set.group_stats("g").await);
        refused(set.groups(10).await);
        let first = set.consume(std::future::pending()).boxed_local().next().await;
        refused(first.expect("a first try"));
        let options = redset::WorkerOptions::default();
        let handler = |_| async { Ok::<(), String>(()) };
        refused(set.process(handler, options, std::future::pending()).await);
        $( let _ = stringify!($scheduled); refused(set.available().await); )?
        let _ = set.connection();
    }};
}

/// The six builder chains of one kind, sync: plain, scored, custom serializer, both, and
/// grouped by a grouper (alone, and after both).
macro_rules! sync_kind {
    ($test:ident, $kind:ident $(, $scheduled:ident)?) => {
        #[test]
        fn $test() {
            let conn = Scripted::new;
            sync_calls!(redset::$kind::new(conn(), "s"), "a".to_string() $(, $scheduled)?);
            sync_calls!(
                redset::$kind::new(conn(), "s").scorer(|i: &String| i.len() as f64),
                "a".to_string() $(, $scheduled)?
            );
            sync_calls!(
                redset::$kind::new(conn(), "s").serializer(Json::<u64>::new()),
                7u64 $(, $scheduled)?
            );
            sync_calls!(
                redset::$kind::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64),
                7u64 $(, $scheduled)?
            );
            sync_calls!(
                redset::$kind::new(conn(), "s").group_by(|i: &String| i.clone()),
                "a".to_string() $(, $scheduled)?
            );
            sync_calls!(
                redset::$kind::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64)
                    .group_by(|i: &u64| i.to_string())
                    .rate_limit(redset::RateLimit::new(1, Duration::from_secs(1)).unwrap())
                    .group_concurrency(1),
                7u64 $(, $scheduled)?
            );
        }
    };
}

/// The same six chains, tokio.
macro_rules! aio_kind {
    ($test:ident, $kind:ident $(, $scheduled:ident)?) => {
        #[tokio::test]
        async fn $test() {
            let conn = Scripted::new;
            aio_calls!(redset::aio::$kind::new(conn(), "s"), "a".to_string() $(, $scheduled)?);
            aio_calls!(
                redset::aio::$kind::new(conn(), "s").scorer(|i: &String| i.len() as f64),
                "a".to_string() $(, $scheduled)?
            );
            aio_calls!(
                redset::aio::$kind::new(conn(), "s").serializer(Json::<u64>::new()),
                7u64 $(, $scheduled)?
            );
            aio_calls!(
                redset::aio::$kind::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64),
                7u64 $(, $scheduled)?
            );
            aio_calls!(
                redset::aio::$kind::new(conn(), "s").group_by(|i: &String| i.clone()),
                "a".to_string() $(, $scheduled)?
            );
            aio_calls!(
                redset::aio::$kind::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64)
                    .group_by(|i: &u64| i.to_string())
                    .group_rate_limit(redset::RateLimit::new(1, Duration::from_secs(1)).unwrap())
                    .flow_control(true),
                7u64 $(, $scheduled)?
            );
        }
    };
}

sync_kind!(every_sorted_set_sync, SortedSet);
sync_kind!(every_time_sorted_set_sync, TimeSortedSet);
sync_kind!(every_scheduled_set_sync, ScheduledSet, scheduled);
aio_kind!(every_sorted_set_aio, SortedSet);
aio_kind!(every_time_sorted_set_aio, TimeSortedSet);
aio_kind!(every_scheduled_set_aio, ScheduledSet, scheduled);
