//! The scripted transport (`redset::testing`) as a user would use it, and as our fault
//! tests use it: a failure injected at every round trip of an operation gives a typed
//! error or, for operations that are safe to repeat, a repeat that succeeds; never a
//! panic and never an item lost without an error.

use std::time::Duration;

use redset::core::Reply;
use redset::testing::Scripted;
use redset::{Error, ScheduledSet, SortedSet};

fn pair(member: &str, score: &str) -> Reply {
    Reply::Array(vec![Reply::bulk(member), Reply::bulk(score)])
}

/// The lease scripts' keys after the set's own.
const LEASE_KEYS: [&str; 18] = [
    "{jobs}:leases",
    "{jobs}:lease-records",
    "{jobs}:deliveries",
    "{jobs}:fence",
    "{jobs}:dead",
    "{jobs}:dead-records",
    "{jobs}:wake",
    "{jobs}:waiting",
    "{jobs}:counters",
    "{jobs}:flow",
    "{jobs}:group-index",
    "{jobs}:group-of",
    "{jobs}:groups-ready",
    "{jobs}:groups-held",
    "{jobs}:groups-later",
    "{jobs}:group-in-flight",
    "{jobs}:group-rate",
    "{jobs}:group-dead",
];

/// A lease script's call: its keys, the set's options word (empty), then `args`.
fn lease_call(args: &[&'static str]) -> Vec<&'static str> {
    let mut cmd = vec!["EVALSHA", "*", "19", "jobs"];
    cmd.extend(LEASE_KEYS);
    cmd.push("");
    cmd.extend(args);
    cmd
}

fn claim_command() -> Vec<&'static str> {
    lease_call(&["1", "30000", "5", "100", "+inf"])
}

fn claim_reply() -> Reply {
    Reply::Array(vec![
        Reply::Int(0),
        Reply::Int(0),
        Reply::bulk("a"),
        Reply::Int(7),
        Reply::Int(1),
        Reply::Int(1_700_000_030_000),
        Reply::bulk("0"),
    ])
}

#[test]
fn a_pop_whose_connection_drops_is_outcome_unknown_and_never_repeated() {
    let conn = Scripted::new().expect_dropped(&["ZPOPMIN", "jobs", "1"]);
    let err = SortedSet::new(conn.clone(), "jobs").pop().unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");
    conn.assert_done();
    // The scheduled pop's script: a drop after the NOSCRIPT fallback too.
    let conn = Scripted::new()
        .expect(
            &["EVALSHA", "*", "2", "jobs", "jobs__lock", "*", "1"],
            Reply::error("NOSCRIPT No matching script"),
        )
        .expect_timeout(&["EVAL", "*", "2", "jobs", "jobs__lock", "*", "1"]);
    let err = ScheduledSet::new(conn.clone(), "jobs").pop().unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");
    conn.assert_done();
}

#[test]
fn operations_safe_to_repeat_are_sent_once_more_after_a_drop() {
    // An add is its ZADD pipelined with the check for a waiting consumer: a drop fails
    // the pipeline there, and the whole of it goes again.
    let add = ["ZADD", "jobs", "2", "a"];
    let waiting = ["EXISTS", "{jobs}:waiting"];
    let conn = Scripted::new()
        .expect_dropped(&add)
        .expect(&add, Reply::Int(1))
        .expect(&waiting, Reply::Int(0))
        .expect_dropped(&claim_command())
        .expect(&claim_command(), claim_reply());
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    assert_eq!(jobs.add_with_score("a", 2.0).unwrap(), 2.0);
    let leases = jobs.claim(1, Duration::from_secs(30)).unwrap();
    assert_eq!((leases[0].item.as_str(), leases[0].token), ("a", 7));
    conn.assert_done();
    // Twice in a row is a typed connection error, not a panic and not a silent Ok.
    let conn = Scripted::new().expect_dropped(&add).expect_dropped(&add);
    let err = SortedSet::new(conn.clone(), "jobs")
        .add_with_score("a", 2.0)
        .unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err}");
    conn.assert_done();
}

/// An ack the server did whose reply the connection lost (the server SIGKILLed after
/// writing it), repeated to the restarted server while it is still loading its data:
/// the `LOADING` reply says nothing about the first try, so the outcome is unknown and
/// the error says so (a plain server error would read as "not acked", and the item,
/// acked, would never come back). Sync and async drivers, and after the `NOSCRIPT`
/// fallback of the restarted server.
#[tokio::test]
async fn a_repeat_answered_with_an_error_reply_is_outcome_unknown() {
    let ack = lease_call(&["a", "7"]);
    let loading = || Reply::error("LOADING Redis is loading the dataset in memory");
    let script = || {
        Scripted::new()
            .expect(&claim_command(), claim_reply())
            .expect_dropped(&ack)
            .expect(&ack, loading())
    };
    let conn = script();
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    let leases = jobs.claim(1, Duration::from_secs(30)).unwrap();
    let err = jobs.ack(&leases[0]).unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    assert_eq!(err.server_code(), None, "{err:?}");
    conn.assert_done();

    let conn = script();
    let jobs = redset::aio::SortedSet::new(conn.clone(), "jobs");
    let leases = jobs.claim(1, Duration::from_secs(30)).await.unwrap();
    let err = jobs.ack(&leases[0]).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    conn.assert_done();

    let mut eval = ack.clone();
    eval[0] = "EVAL";
    let conn = Scripted::new()
        .expect(&claim_command(), claim_reply())
        .expect_dropped(&ack)
        .expect(&ack, Reply::error("NOSCRIPT No matching script"))
        .expect(&eval, loading());
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    let leases = jobs.claim(1, Duration::from_secs(30)).unwrap();
    let err = jobs.ack(&leases[0]).unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    conn.assert_done();

    // Without a repeat, an error reply is the server's answer to the one try.
    let conn = Scripted::new()
        .expect(&claim_command(), claim_reply())
        .expect(&ack, loading());
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    let leases = jobs.claim(1, Duration::from_secs(30)).unwrap();
    let err = jobs.ack(&leases[0]).unwrap_err();
    assert_eq!(err.server_code(), Some("LOADING"), "{err:?}");
    conn.assert_done();
}

#[test]
fn every_round_trip_of_an_operation_can_fail_without_a_panic_or_a_silent_loss() {
    // take(3) on a priority set, claim and ack: fail the k-th round trip, for each k.
    let take = ["ZPOPMIN", "jobs", "3"];
    let ack = lease_call(&["a", "7"]);
    type Run = fn(&mut SortedSet<Scripted>) -> Result<usize, Error>;
    type Exchanges = Vec<(Vec<&'static str>, Reply)>;
    let cases: [(&str, Exchanges, Run); 3] = [
        (
            "take",
            vec![(
                take.to_vec(),
                Reply::Array(vec![pair("x", "0"), pair("y", "1")]),
            )],
            |s| s.take(3).map(|v| v.len()),
        ),
        ("claim", vec![(claim_command(), claim_reply())], |s| {
            s.claim(1, Duration::from_secs(30)).map(|v| v.len())
        }),
        (
            "claim+ack",
            vec![
                (claim_command(), claim_reply()),
                (ack.to_vec(), Reply::Int(1)),
            ],
            |s| {
                let leases = s.claim(1, Duration::from_secs(30))?;
                s.ack(&leases[0]).map(|()| leases.len())
            },
        ),
    ];
    for (name, exchanges, run) in cases {
        for failing in 0..exchanges.len() {
            let mut conn = Scripted::new();
            for (i, (cmd, reply)) in exchanges.iter().enumerate() {
                conn = if i == failing {
                    conn.expect_dropped(cmd)
                } else {
                    conn.expect(cmd, reply.clone())
                };
                if i == failing {
                    break;
                }
            }
            // A repeatable step is sent once more: let that fail too.
            if name != "take" {
                conn = conn.expect_dropped(&exchanges[failing].0);
            }
            let mut set = SortedSet::new(conn.clone(), "jobs");
            let outcome = run(&mut set);
            match outcome {
                Err(Error::OutcomeUnknown { .. }) if name == "take" => {}
                Err(Error::Connection(_)) if name != "take" => {}
                other => panic!("{name}, round trip {failing} failing: {other:?}"),
            }
            conn.assert_done();
        }
    }
}

#[test]
fn a_command_other_than_the_scripted_one_is_an_error_with_a_diff() {
    let conn = Scripted::new().expect(&["ZCARD", "jobs"], Reply::Int(1));
    let err = SortedSet::new(conn.clone(), "other").len().unwrap_err();
    assert!(
        err.to_string()
            .contains("expected \"jobs\", sent \"other\""),
        "{err}"
    );
    let report = std::panic::catch_unwind(|| conn.assert_done()).unwrap_err();
    let report = report.downcast_ref::<String>().unwrap();
    assert!(
        report.contains("[1] expected \"jobs\", sent \"other\""),
        "{report}"
    );
    assert_eq!(conn.sent(), [["ZCARD", "other"]]);
}

/// A user's own consumer, tested without a server.
fn drain(jobs: &mut SortedSet<Scripted>) -> redset::Result<Vec<String>> {
    let mut done = Vec::new();
    loop {
        match jobs.pop() {
            Ok(Some(job)) => done.push(job),
            Ok(None) => {}
            Err(e) if e.is_empty() => return Ok(done),
            Err(e) => return Err(e),
        }
    }
}

#[test]
fn a_users_consumer_tested_with_a_script() {
    let conn = Scripted::new()
        .expect(&["ZPOPMIN", "jobs", "1"], pair("a", "0"))
        .expect(&["ZPOPMIN", "jobs", "1"], pair("b", "1"))
        .expect(&["ZPOPMIN", "jobs", "1"], Reply::Array(vec![]));
    assert_eq!(
        drain(&mut SortedSet::new(conn.clone(), "jobs")).unwrap(),
        ["a", "b"]
    );
    conn.assert_done();
    let conn = Scripted::new().expect(
        &["ZPOPMIN", "jobs", "1"],
        Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value"),
    );
    let err = drain(&mut SortedSet::new(conn.clone(), "jobs")).unwrap_err();
    assert_eq!(err.server_code(), Some("WRONGTYPE"));
}

#[tokio::test]
async fn the_async_sets_run_on_it_too() {
    let conn = Scripted::new()
        .expect(&["ZPOPMIN", "jobs", "1"], pair("a", "0"))
        .expect_dropped(&["ZPOPMIN", "jobs", "1"]);
    let jobs = redset::aio::SortedSet::new(conn.clone(), "jobs");
    assert_eq!(jobs.pop().await.unwrap().as_deref(), Some("a"));
    assert!(matches!(
        jobs.pop().await,
        Err(Error::OutcomeUnknown { .. })
    ));
    conn.assert_done();
}

/// `pop`, `take`, `peek` and `len` go as the one command the core prepares, kept where
/// it never changes, under the drive loop's rules: a `len` goes once more after a drop,
/// and an error reply to that repeat is an unknown outcome; a scheduled pop answered
/// `NOSCRIPT` runs as its operation, which sends the script by its source.
#[tokio::test]
async fn prepared_operations_keep_the_drive_loops_rules() {
    let len = ["ZCARD", "jobs"];
    let script = || {
        Scripted::new()
            .expect(&len, Reply::Int(3))
            .expect(&["ZPOPMIN", "jobs", "2"], Reply::Array(vec![]))
            .expect(&len, Reply::Int(2))
            .expect_dropped(&len)
            .expect(&len, Reply::error("LOADING Redis is loading the dataset"))
    };
    let unknown = |result: redset::Result<u64>| {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");
        assert_eq!(err.server_code(), None, "{err}");
    };
    let conn = script();
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    assert_eq!(jobs.len().unwrap(), 3);
    assert!(jobs.take(2).unwrap().is_empty());
    assert_eq!(jobs.len().unwrap(), 2);
    unknown(jobs.len());
    conn.assert_done();
    let conn = script();
    let jobs = redset::aio::SortedSet::new(conn.clone(), "jobs");
    assert_eq!(jobs.len().await.unwrap(), 3);
    assert!(jobs.take(2).await.unwrap().is_empty());
    assert_eq!(jobs.len().await.unwrap(), 2);
    unknown(jobs.len().await);
    conn.assert_done();

    let noscript = || {
        Scripted::new()
            .expect(
                &["EVALSHA", "*", "2", "jobs", "jobs__lock", "*", "1"],
                Reply::error("NOSCRIPT No matching script"),
            )
            .expect(
                &["EVAL", "*", "2", "jobs", "jobs__lock", "*", "1"],
                Reply::Array(vec![Reply::bulk("a")]),
            )
    };
    let conn = noscript();
    let popped = ScheduledSet::new(conn.clone(), "jobs").pop().unwrap();
    assert_eq!(popped.as_deref(), Some("a"));
    conn.assert_done();
    let conn = noscript();
    let popped = redset::aio::ScheduledSet::new(conn.clone(), "jobs")
        .pop()
        .await;
    assert_eq!(popped.unwrap().as_deref(), Some("a"));
    conn.assert_done();
}

/// An add is prepared (its `ZADD` and the check written at once, no operation made), and
/// keeps the add's rules: where a consumer waits, the wake-up marker follows; an error
/// reply is the add's error; after a drop, the pair goes once more and a repeat answered
/// with an error reply is `OutcomeUnknown`. Sync and async drivers.
#[tokio::test]
async fn a_prepared_add_keeps_the_adds_rules() {
    let add = ["ZADD", "jobs", "2", "a"];
    let waiting = ["EXISTS", "{jobs}:waiting"];
    let script = || {
        Scripted::new()
            .expect(&add, Reply::Int(1))
            .expect(&waiting, Reply::Int(1))
            .expect(&["ZADD", "{jobs}:wake", "0", "w"], Reply::Int(1))
            .expect(&["PEXPIRE", "{jobs}:wake", "60000"], Reply::Int(1))
            .expect(&add, Reply::error("WRONGTYPE Operation against a key"))
            .expect(&waiting, Reply::Int(0))
            .expect_dropped(&add)
            .expect(&add, Reply::error("LOADING Redis is loading the dataset"))
            .expect(&waiting, Reply::Int(0))
    };
    let check = |results: [redset::Result<f64>; 3]| {
        let [woke, wrong, unknown] = results;
        assert_eq!(woke.unwrap(), 2.0);
        assert_eq!(wrong.unwrap_err().server_code(), Some("WRONGTYPE"));
        let err = unknown.unwrap_err();
        assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");
    };
    let conn = script();
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    check([(); 3].map(|_| jobs.add_with_score("a", 2.0)));
    conn.assert_done();
    let conn = script();
    let jobs = redset::aio::SortedSet::new(conn.clone(), "jobs");
    let mut results = Vec::new();
    for _ in 0..3 {
        results.push(jobs.add_with_score("a", 2.0).await);
    }
    check(results.try_into().unwrap());
    conn.assert_done();
}

/// `contains` and `score` go prepared for their item: the `ZSCORE` sent as bytes made
/// for the call, once more after a drop (they only read), and decoded as the
/// operations decode it. Sync and async drivers.
#[tokio::test]
async fn contains_and_score_go_prepared_for_their_item() {
    let zscore = ["ZSCORE", "jobs", "a"];
    let script = || {
        Scripted::new()
            .expect(&zscore, Reply::Nil)
            .expect_dropped(&zscore)
            .expect(&zscore, Reply::bulk("2.5"))
            .expect(&zscore, Reply::bulk("nan?"))
    };
    let conn = script();
    let mut jobs = SortedSet::new(conn.clone(), "jobs");
    assert!(!jobs.contains("a").unwrap());
    assert_eq!(jobs.score("a").unwrap(), Some(2.5));
    assert!(matches!(jobs.contains("a"), Err(Error::Protocol { .. })));
    conn.assert_done();
    let conn = script();
    let jobs = redset::aio::SortedSet::new(conn.clone(), "jobs");
    assert!(!jobs.contains("a").await.unwrap());
    assert_eq!(jobs.score("a").await.unwrap(), Some(2.5));
    assert!(matches!(
        jobs.contains("a").await,
        Err(Error::Protocol { .. })
    ));
    conn.assert_done();
}
