//! Tracing: every operation is a `redset.<operation>` span and every worker job a
//! `redset.job` span with the set, the operation, the items and the outcome, which
//! `tracing-opentelemetry` turns into OpenTelemetry spans (read here from the SDK's
//! in-memory exporter), on a real redis-server.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::trace::{Status, TracerProvider as _};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use redset::{aio, SortedSet};
use support::RedisServer;
use tracing_subscriber::layer::SubscriberExt;

/// A subscriber that exports to memory, the exporter to read the spans from, and the
/// provider, which must outlive the spans.
fn exporting() -> (
    impl tracing::Subscriber + Send + Sync,
    InMemorySpanExporter,
    SdkTracerProvider,
) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("redset-test"));
    (
        tracing_subscriber::registry().with(layer),
        exporter,
        provider,
    )
}

fn attributes(span: &SpanData) -> HashMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn text(value: Option<&Value>) -> String {
    value.map(|v| v.as_str().into_owned()).unwrap_or_default()
}

#[test]
fn every_sync_operation_is_a_span_with_the_set_items_and_outcome() {
    let server = RedisServer::start();
    let (subscriber, exporter, _provider) = exporting();
    tracing::subscriber::with_default(subscriber, || {
        let mut set = SortedSet::new(server.conn(), "jobs");
        set.add_many(["a", "b", "c"]).unwrap();
        let leases = set.claim(2, Duration::from_secs(30)).unwrap();
        set.ack_many(&leases).unwrap();
        assert!(set.pop().is_ok());
        assert!(set.pop().unwrap_err().is_empty());
        redis::cmd("SET")
            .arg("jobs")
            .arg("not a set")
            .exec(&mut server.conn())
            .unwrap();
        assert!(set.len().is_err());
    });
    let spans = exporter.get_finished_spans().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "redset.add_many",
            "redset.claim",
            "redset.ack_many",
            "redset.pop",
            "redset.pop",
            "redset.len"
        ]
    );
    let claim = attributes(&spans[1]);
    assert_eq!(text(claim.get("redset.set")), "jobs");
    assert_eq!(text(claim.get("redset.operation")), "claim");
    assert_eq!(claim.get("redset.items"), Some(&Value::I64(2)));
    assert_eq!(text(claim.get("redset.outcome")), "ok");
    // An empty set is an outcome, not a failure; a wrong key type is a failure.
    assert_eq!(text(attributes(&spans[4]).get("redset.outcome")), "empty");
    assert!(matches!(spans[4].status, Status::Unset));
    let failed = attributes(&spans[5]);
    assert_eq!(text(failed.get("redset.outcome")), "server_error");
    assert!(matches!(spans[5].status, Status::Error { .. }));
    assert!(text(failed.get("error.message")).contains("WRONGTYPE"));
}

#[tokio::test]
async fn a_worker_job_is_a_span_around_its_handler_and_its_settling() {
    let server = RedisServer::start();
    let (subscriber, exporter, _provider) = exporting();
    let _default = tracing::subscriber::set_default(subscriber);
    let client = redis::Client::open(server.url()).unwrap();
    let conn = client.get_multiplexed_async_connection().await.unwrap();
    let set = aio::SortedSet::new(conn.clone(), "jobs").max_deliveries(1);
    set.add_many(["ok", "fails"]).await.unwrap();
    let watcher = aio::SortedSet::new(conn, "jobs");
    let drained = async {
        for _ in 0..2000 {
            let stats = watcher.stats().await.unwrap();
            if (stats.waiting, stats.in_flight, stats.dead) == (0, 0, 1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the jobs were never handled");
    };
    let options = redset::WorkerOptions {
        poll: Duration::from_millis(50),
        ..Default::default()
    };
    let done = set
        .process(
            |job: String| async move {
                tracing::info!(job = %job, "handling");
                if job == "fails" {
                    Err("it failed")
                } else {
                    Ok(())
                }
            },
            options,
            drained,
        )
        .await
        .unwrap();
    assert_eq!((done.acked, done.retried), (1, 1));
    let spans = exporter.get_finished_spans().unwrap();
    let jobs: Vec<&SpanData> = spans.iter().filter(|s| s.name == "redset.job").collect();
    assert_eq!(jobs.len(), 2);
    let by_outcome: HashMap<String, &SpanData> = jobs
        .iter()
        .map(|s| (text(attributes(s).get("redset.outcome")), *s))
        .collect();
    let failed = by_outcome["retried"];
    assert!(matches!(failed.status, Status::Error { .. }));
    assert_eq!(text(attributes(failed).get("error.message")), "it failed");
    assert!(matches!(by_outcome["acked"].status, Status::Unset));
    assert_eq!(
        attributes(by_outcome["acked"]).get("redset.deliveries"),
        Some(&Value::I64(1))
    );
    // The handler's own event is in its job's span.
    assert!(jobs
        .iter()
        .all(|s| s.events.iter().any(|e| e.name == "handling")));
}
