//! The Rust half of the parity test: every operation on every kind of set, whatever the
//! builder chain — each kind × (with or without a scorer) × (the default or a custom
//! serializer) × (grouped or not, with flow control or not) × (sync or tokio) calls
//! every method its kind has. A method missing on one combination (as `available()`
//! once was on a scored `ScheduledSet`) fails to build; the names called are compared
//! with tests/operations.json, which js/test/parity.test.mjs compares with the wasm
//! binding, the JS classes and index.d.ts.
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

/// Calls a sync set's method, checks what it gave with `$check`, and records its name.
macro_rules! sync_call {
    ($names:ident, $check:ident($set:ident.$name:ident($($arg:expr),*))) => {{
        $names.push(stringify!($name));
        $check($set.$name($($arg),*));
    }};
}

/// The same for a tokio set's method.
macro_rules! aio_call {
    ($names:ident, $check:ident($set:ident.$name:ident($($arg:expr),*))) => {{
        $names.push(stringify!($name));
        $check($set.$name($($arg),*).await);
    }};
}

/// Every method of a sync set; `$scheduled` adds the scheduled kinds' own. Gives the
/// names of the operations it called.
macro_rules! sync_calls {
    ($set:expr, $item:expr $(, $scheduled:ident)?) => {{
        let mut names: Vec<&'static str> = Vec::new();
        let mut set = $set;
        let item = $item;
        let _ = (set.name(), set.core(), set.to_string(), format!("{set:?}"));
        sync_call!(names, refused(set.add(&item)));
        sync_call!(names, refused(set.add_with_score(&item, 1.0)));
        sync_call!(names, refused(set.add_many([&item])));
        sync_call!(names, refused(set.add_many_with([(&item, Some(1.0))], Default::default())));
        sync_call!(names, refused(set.pop()));
        sync_call!(names, refused(set.take(2)));
        sync_call!(names, refused(set.peek()));
        sync_call!(names, refused(set.peek_at(1)));
        sync_call!(names, refused(set.peek_items(0, 2)));
        sync_call!(names, refused(set.peek_score()));
        sync_call!(names, refused(set.score(&item)));
        sync_call!(names, refused(set.contains(&item)));
        sync_call!(names, refused(set.len()));
        sync_call!(names, refused(set.is_empty()));
        sync_call!(names, refused(set.clear()));
        sync_call!(names, refused(set.discard(&item)));
        sync_call!(names, refused(set.pop_wait(Duration::from_millis(1))));
        sync_call!(names, refused(set.take_wait(2, Duration::from_millis(1))));
        sync_call!(names, refused(set.claim_wait(2, Duration::from_secs(1), Duration::from_millis(1))));
        sync_call!(names, refused(set.claim(2, Duration::from_secs(1))));
        let mut held = lease(item.clone());
        sync_call!(names, refused(set.ack_and_claim(std::slice::from_ref(&held), 1, Duration::from_secs(1))));
        sync_call!(names, refused(set.ack(&held)));
        sync_call!(names, refused(set.ack_many(std::slice::from_ref(&held))));
        sync_call!(names, refused(set.extend(&mut held, Duration::from_secs(1))));
        sync_call!(names, refused(set.retry(&held, None)));
        sync_call!(names, refused(set.retry_with(&held, Some(Duration::ZERO), "why")));
        sync_call!(names, refused(set.release(&held)));
        sync_call!(names, refused(set.recover()));
        sync_call!(names, refused(set.in_flight()));
        sync_call!(names, refused(set.in_flight_items(10)));
        sync_call!(names, refused(set.dead_letters()));
        let letter = DeadLetter::from_member(b"m".to_vec()).map(|()| item.clone());
        sync_call!(names, refused(set.requeue_dead(&[letter])));
        sync_call!(names, refused(set.purge_dead()));
        sync_call!(names, refused(set.stats()));
        sync_call!(names, refused(set.pause()));
        sync_call!(names, refused(set.resume()));
        sync_call!(names, refused(set.is_paused()));
        sync_call!(names, refused(set.rate_limited(&held, Duration::from_secs(1))));
        sync_call!(names, grouped_add(set.add_to_group("g", &item)));
        sync_call!(names, grouped_add(set.add_to_group_with_score("g", &item, 1.0)));
        sync_call!(names, refused(set.group_stats("g")));
        sync_call!(names, refused(set.groups(10)));
        let stop = AtomicBool::new(false);
        names.push("consume");
        refused(set.consume(&stop).next().expect("a first try"));
        $( let _ = stringify!($scheduled); sync_call!(names, refused(set.available())); )?
        let _ = set.connection();
        let _ = set.into_connection();
        names
    }};
}

/// Every method of a tokio set; `$scheduled` adds the scheduled kinds' own. Gives the
/// names of the operations it called.
macro_rules! aio_calls {
    ($set:expr, $item:expr $(, $scheduled:ident)?) => {{
        use futures_util::StreamExt;
        let mut names: Vec<&'static str> = Vec::new();
        let set = $set;
        let item = $item;
        let _ = (set.name(), set.core(), set.to_string(), format!("{set:?}"));
        aio_call!(names, refused(set.add(&item)));
        aio_call!(names, refused(set.add_with_score(&item, 1.0)));
        aio_call!(names, refused(set.add_many([&item])));
        aio_call!(names, refused(set.add_many_with([(&item, Some(1.0))], Default::default())));
        aio_call!(names, refused(set.pop()));
        aio_call!(names, refused(set.take(2)));
        aio_call!(names, refused(set.peek()));
        aio_call!(names, refused(set.peek_at(1)));
        aio_call!(names, refused(set.peek_items(0, 2)));
        aio_call!(names, refused(set.peek_score()));
        aio_call!(names, refused(set.score(&item)));
        aio_call!(names, refused(set.contains(&item)));
        aio_call!(names, refused(set.len()));
        aio_call!(names, refused(set.is_empty()));
        aio_call!(names, refused(set.clear()));
        aio_call!(names, refused(set.discard(&item)));
        aio_call!(names, refused(set.pop_wait(Duration::from_millis(1))));
        aio_call!(names, refused(set.take_wait(2, Duration::from_millis(1))));
        aio_call!(names, refused(set.claim_wait(2, Duration::from_secs(1), Duration::from_millis(1))));
        aio_call!(names, refused(set.claim(2, Duration::from_secs(1))));
        let mut held = lease(item.clone());
        aio_call!(names, refused(set.ack_and_claim(std::slice::from_ref(&held), 1, Duration::from_secs(1))));
        aio_call!(names, refused(set.ack(&held)));
        aio_call!(names, refused(set.ack_many(std::slice::from_ref(&held))));
        aio_call!(names, refused(set.extend(&mut held, Duration::from_secs(1))));
        aio_call!(names, refused(set.retry(&held, None)));
        aio_call!(names, refused(set.retry_with(&held, Some(Duration::ZERO), "why")));
        aio_call!(names, refused(set.release(&held)));
        aio_call!(names, refused(set.recover()));
        aio_call!(names, refused(set.in_flight()));
        aio_call!(names, refused(set.in_flight_items(10)));
        aio_call!(names, refused(set.dead_letters()));
        let letter = DeadLetter::from_member(b"m".to_vec()).map(|()| item.clone());
        aio_call!(names, refused(set.requeue_dead(&[letter])));
        aio_call!(names, refused(set.purge_dead()));
        aio_call!(names, refused(set.stats()));
        aio_call!(names, refused(set.pause()));
        aio_call!(names, refused(set.resume()));
        aio_call!(names, refused(set.is_paused()));
        aio_call!(names, refused(set.rate_limited(&held, Duration::from_secs(1))));
        aio_call!(names, grouped_add(set.add_to_group("g", &item)));
        aio_call!(names, grouped_add(set.add_to_group_with_score("g", &item, 1.0)));
        aio_call!(names, refused(set.group_stats("g")));
        aio_call!(names, refused(set.groups(10)));
        names.push("consume");
        let first = set.consume(std::future::pending()).boxed_local().next().await;
        refused(first.expect("a first try"));
        let options = redset::WorkerOptions::default();
        let handler = |_| async { Ok::<(), String>(()) };
        let shutdown = std::future::pending();
        aio_call!(names, refused(set.process(handler, options, shutdown)));
        $( let _ = stringify!($scheduled); aio_call!(names, refused(set.available())); )?
        let _ = set.connection();
        names
    }};
}

/// The builder chains every kind is checked on: plain, scored, custom serializer, both,
/// grouped by a grouper, and all of it with flow control; `$calls` calls every method on
/// each and gives the names it called, each compared with the manifest.
macro_rules! chains {
    ($calls:ident, $kind:path, $expected:expr $(, $scheduled:ident)?) => {{
        let conn = Scripted::new;
        let expected: Vec<&str> = $expected;
        let chains = [
            $calls!(<$kind>::new(conn(), "s"), "a".to_string() $(, $scheduled)?),
            $calls!(
                <$kind>::new(conn(), "s").scorer(|i: &String| i.len() as f64),
                "a".to_string() $(, $scheduled)?
            ),
            $calls!(
                <$kind>::new(conn(), "s").serializer(Json::<u64>::new()),
                7u64 $(, $scheduled)?
            ),
            $calls!(
                <$kind>::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64),
                7u64 $(, $scheduled)?
            ),
            $calls!(
                <$kind>::new(conn(), "s").group_by(|i: &String| i.clone()),
                "a".to_string() $(, $scheduled)?
            ),
            $calls!(
                <$kind>::new(conn(), "s")
                    .serializer(Json::<u64>::new())
                    .scorer(|i: &u64| *i as f64)
                    .group_by(|i: &u64| i.to_string())
                    .rate_limit(redset::RateLimit::new(1, Duration::from_secs(1)).unwrap())
                    .group_rate_limit(redset::RateLimit::new(1, Duration::from_secs(1)).unwrap())
                    .group_concurrency(1)
                    .flow_control(true),
                7u64 $(, $scheduled)?
            ),
        ];
        for called in chains {
            assert_same(called, &expected);
        }
    }};
}

/// The manifest's Rust names for a kind (`scheduled`: with the scheduled kinds' own) on
/// a transport (`tokio`: with the tokio-only ones).
fn manifest_names(scheduled: bool, tokio: bool) -> Vec<&'static str> {
    static MANIFEST: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
        serde_json::from_str(include_str!("operations.json")).expect("tests/operations.json")
    });
    let operations = MANIFEST["operations"].as_array().expect("operations");
    operations
        .iter()
        .filter(|op| scheduled || op["only"].as_str() != Some("scheduled"))
        .filter(|op| tokio || !op["tokio_only"].as_bool().unwrap_or(false))
        .flat_map(|op| op["rust"].as_array().expect("rust names"))
        .map(|name| name.as_str().expect("a name"))
        .collect()
}

/// The operations called are the manifest's, no more and no fewer.
fn assert_same(mut called: Vec<&str>, expected: &[&str]) {
    let mut expected = expected.to_vec();
    called.sort_unstable();
    expected.sort_unstable();
    assert_eq!(
        called, expected,
        "operations called vs tests/operations.json"
    );
}

#[test]
fn every_sorted_set_sync() {
    chains!(
        sync_calls,
        redset::SortedSet<Scripted>,
        manifest_names(false, false)
    );
}

#[test]
fn every_time_sorted_set_sync() {
    chains!(
        sync_calls,
        redset::TimeSortedSet<Scripted>,
        manifest_names(false, false)
    );
}

#[test]
fn every_scheduled_set_sync() {
    chains!(
        sync_calls,
        redset::ScheduledSet<Scripted>,
        manifest_names(true, false),
        scheduled
    );
}

#[tokio::test]
async fn every_sorted_set_aio() {
    chains!(
        aio_calls,
        redset::aio::SortedSet<Scripted>,
        manifest_names(false, true)
    );
}

#[tokio::test]
async fn every_time_sorted_set_aio() {
    chains!(
        aio_calls,
        redset::aio::TimeSortedSet<Scripted>,
        manifest_names(false, true)
    );
}

#[tokio::test]
async fn every_scheduled_set_aio() {
    chains!(
        aio_calls,
        redset::aio::ScheduledSet<Scripted>,
        manifest_names(true, true),
        scheduled
    );
}
