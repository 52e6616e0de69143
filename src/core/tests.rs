//! The core driven by scripted replies, with no server: golden commands, every reply
//! shape, every error path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::Text;

/// Runs `op`, answering its commands with `replies` in order (a pipeline's with one
/// array); returns what it sent (a pipeline's commands as one string) and how it ended.
fn script<O: Operation>(op: O, replies: Vec<Reply>) -> (Vec<String>, Result<O::Output>) {
    script_from(op, replies, 0.0)
}

/// [`script`] with a clock that starts at `now` and moves only when the operation
/// sleeps; each sleep shows in the list of what was sent as `sleep <seconds>`.
fn script_from<O: Operation>(
    mut op: O,
    replies: Vec<Reply>,
    mut now: f64,
) -> (Vec<String>, Result<O::Output>) {
    let mut sent = Vec::new();
    let mut replies = replies.into_iter();
    let mut step = match op.start() {
        Ok(step) => step,
        Err(e) => return (sent, Err(e)),
    };
    for _ in 0..MAX_STEPS {
        // One command is written and answered as a pipeline of one: the same RESP.
        step = match step {
            Step::Send(cmd) => Step::Pipeline(vec![cmd]),
            other => other,
        };
        match step {
            Step::Done(out) => return (sent, Ok(out)),
            Step::Sleep(wait) => {
                sent.push(format!("sleep {:.6}", wait.as_secs_f64()));
                now += wait.as_secs_f64();
                step = match op.resume(now) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
            Step::Now => {
                sent.push("now".to_owned());
                step = match op.resume(now) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
            Step::Send(_) => unreachable!("made a pipeline of one above"),
            Step::Pipeline(cmds) => {
                let resp = cmds.iter().flat_map(Command::to_resp).collect::<Vec<u8>>();
                sent.push(String::from_utf8_lossy(&resp).into_owned());
                let reply = replies
                    .next()
                    .expect("the operation sent more commands than scripted");
                step = match op.feed(reply) {
                    Ok(step) => step,
                    Err(e) => return (sent, Err(e)),
                };
            }
        }
    }
    panic!("operation did not finish");
}

fn sorted() -> SetCore<Utf8> {
    SetCore::new("jobs", Kind::Sorted, Utf8)
}

fn scheduled() -> SetCore<Utf8> {
    SetCore::new("jobs", Kind::Scheduled, Utf8)
}

fn resp(args: &[&str]) -> String {
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out += &format!("${}\r\n{a}\r\n", a.len());
    }
    out
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(Reply::bulk).collect())
}

fn pair(m: &str, s: f64) -> Reply {
    Reply::Array(vec![Reply::bulk(m), Reply::Double(s)])
}

#[test]
fn golden_commands() {
    let set = sorted();
    let item = "a".to_string();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            script(set.pop(0.0), vec![Reply::Nil]).0,
            vec!["ZPOPMIN", "jobs", "1"],
        ),
        (
            script(set.take(5, 0.0), vec![Reply::Nil]).0,
            vec!["ZPOPMIN", "jobs", "5"],
        ),
        (
            script(set.peek(2, 0.0), vec![bulks(&["x"])]).0,
            vec!["ZRANGE", "jobs", "2", "2"],
        ),
        (
            script(set.peek_score(0.0), vec![Reply::Nil]).0,
            vec!["ZRANGE", "jobs", "0", "0", "WITHSCORES"],
        ),
        (
            script(set.score(&item).unwrap(), vec![Reply::Nil]).0,
            vec!["ZSCORE", "jobs", "a"],
        ),
        (
            script(set.contains(&item).unwrap(), vec![Reply::Nil]).0,
            vec!["ZSCORE", "jobs", "a"],
        ),
        (
            script(set.len(), vec![Reply::Int(0)]).0,
            vec!["ZCARD", "jobs"],
        ),
        (
            script(set.discard(&item).unwrap(), vec![Reply::Int(0)]).0,
            vec!["ZREM", "jobs", "a"],
        ),
    ];
    for (sent, expected) in cases {
        assert_eq!(sent, vec![resp(&expected)]);
    }
    let sha = POP_DUE.sha1().to_owned();
    let set = scheduled();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            script(set.pop(100.5), vec![Reply::Nil]).0,
            vec!["EVALSHA", &sha, "2", "jobs", "jobs__lock", "100.5", "1"],
        ),
        (
            script(set.take(7, 100.5), vec![Reply::Nil]).0,
            vec!["EVALSHA", &sha, "2", "jobs", "jobs__lock", "100.5", "7"],
        ),
        (
            script(
                scheduled().with_original_lock(false).take(7, 100.5),
                vec![Reply::Nil],
            )
            .0,
            vec!["EVALSHA", &sha, "1", "jobs", "100.5", "7"],
        ),
        (
            script(set.peek(3, 100.5), vec![bulks(&["x"])]).0,
            vec!["ZRANGEBYSCORE", "jobs", "-inf", "100.5", "LIMIT", "3", "1"],
        ),
        (
            script(set.peek_score(100.5), vec![Reply::Nil]).0,
            vec![
                "ZRANGEBYSCORE",
                "jobs",
                "-inf",
                "100.5",
                "WITHSCORES",
                "LIMIT",
                "0",
                "1",
            ],
        ),
        (
            script(set.available(100.5), vec![Reply::Int(0)]).0,
            vec!["ZCOUNT", "jobs", "-inf", "100.5"],
        ),
    ];
    for (sent, expected) in cases {
        assert_eq!(sent, vec![resp(&expected)]);
    }
    let (sent, _) = script(set.add(&item, None, 100.5).unwrap(), vec![nobody_waits()]);
    assert_eq!(sent, [zadd_pipeline("100.5", "a")]);
    let (sent, _) = script(
        sorted().add(&item, Some(0.0), 9.0).unwrap(),
        vec![nobody_waits()],
    );
    assert_eq!(sent, [zadd_pipeline("0", "a")]);
}

/// What an add without the script sends for the set `jobs`: `ZADD` and the check
/// whether a consumer waits, pipelined.
fn zadd_pipeline(score: &str, member: &str) -> String {
    resp(&["ZADD", "jobs", score, member]) + &resp(&["EXISTS", "{jobs}:waiting"])
}

/// The replies to [`zadd_pipeline`] when nobody waits.
fn nobody_waits() -> Reply {
    Reply::Array(vec![Reply::Int(1), Reply::Int(0)])
}

#[test]
fn an_add_writes_the_wake_up_marker_only_when_a_consumer_waits() {
    let item = "a".to_string();
    let add = || sorted().add(&item, Some(2.0), 0.0).unwrap();
    let (sent, out) = script(add(), vec![nobody_waits()]);
    assert_eq!((sent.len(), out.unwrap()), (1, 2.0));
    let someone_waits = Reply::Array(vec![Reply::Int(0), Reply::Int(1)]);
    let marked = Reply::Array(vec![Reply::Int(1), Reply::Int(1)]);
    let (sent, out) = script(add(), vec![someone_waits.clone(), marked]);
    assert_eq!(
        sent,
        [
            zadd_pipeline("2", "a"),
            resp(&["ZADD", "{jobs}:wake", "0", "w"]) + &resp(&["PEXPIRE", "{jobs}:wake", "60000"])
        ]
    );
    assert_eq!(out.unwrap(), 2.0);
    // An error reply to the ZADD fails the add, whatever the check said.
    let wrongtype = Reply::Array(vec![Reply::error("WRONGTYPE wrong kind"), Reply::Int(1)]);
    let (sent, out) = script(add(), vec![wrongtype]);
    assert_eq!(
        (sent.len(), out.unwrap_err().server_code()),
        (1, Some("WRONGTYPE"))
    );
    // A pipeline's reply of the wrong shape is a protocol error, not a panic.
    let (_, out) = script(add(), vec![Reply::Array(vec![Reply::Int(1)])]);
    assert!(matches!(out, Err(Error::Protocol { .. })));
    let (_, out) = script(add(), vec![someone_waits, Reply::Int(1)]);
    assert!(matches!(out, Err(Error::Protocol { .. })));
    // A deduplication window or groups need the add script (counting: a smaller one).
    let windowed = sorted().with_dedup_window(Some(Duration::from_secs(1)));
    let grouped = sorted().with_groups(Some(Groups::default()));
    for set in [windowed, grouped] {
        let (sent, _) = script(set.add(&item, Some(2.0), 0.0).unwrap(), vec![Reply::Int(1)]);
        assert!(sent[0].starts_with("*"), "{sent:?}");
        assert!(sent[0].contains(ADD.sha1()), "{sent:?}");
    }
}

#[test]
fn zpopmin_in_every_protocol_shape() {
    let set = sorted();
    let resp2 = bulks(&["a", "1"]);
    let resp3_counted = Reply::Array(vec![pair("a", 1.0)]);
    let resp3_single = Reply::Array(vec![Reply::bulk("a"), Reply::Double(1.0)]);
    for reply in [resp2, resp3_counted, resp3_single] {
        assert_eq!(
            script(set.pop(0.0), vec![reply]).1.unwrap(),
            Some("a".to_string())
        );
    }
    let resp2 = bulks(&["a", "1", "b", "inf"]);
    let resp3 = Reply::Array(vec![pair("a", 1.0), pair("b", f64::INFINITY)]);
    for reply in [resp2, resp3] {
        assert_eq!(
            script(set.take(2, 0.0), vec![reply]).1.unwrap(),
            vec!["a", "b"]
        );
    }
}

#[test]
fn empty_replies_mean_empty_sets() {
    for set in [sorted(), scheduled()] {
        for empty in [Reply::Array(vec![]), Reply::Nil] {
            let err = script(set.pop(0.0), vec![empty.clone()]).1.unwrap_err();
            assert!(matches!(err, Error::Empty { ref set, position: 0 } if set == "jobs"));
            assert!(script(set.take(3, 0.0), vec![empty.clone()])
                .1
                .unwrap()
                .is_empty());
            let err = script(set.peek(4, 0.0), vec![empty.clone()]).1.unwrap_err();
            assert!(matches!(err, Error::Empty { position: 4, .. }));
            assert_eq!(script(set.peek_score(0.0), vec![empty]).1.unwrap(), None);
        }
    }
}

#[test]
fn falsy_members_are_items() {
    let set = sorted();
    for member in ["", "0"] {
        let popped = script(set.pop(0.0), vec![bulks(&[member, "0"])]).1.unwrap();
        assert_eq!(popped.as_deref(), Some(member));
    }
}

#[test]
fn take_zero_sends_nothing() {
    for set in [sorted(), scheduled()] {
        let (sent, result) = script(set.take(0, 0.0), vec![]);
        assert!(sent.is_empty());
        assert!(result.unwrap().is_empty());
    }
}

#[test]
fn noscript_falls_back_to_eval_once() {
    let set = scheduled();
    let noscript = || Reply::error("NOSCRIPT No matching script. Please use EVAL.");
    let (sent, result) = script(set.pop(5.0), vec![noscript(), bulks(&["due"])]);
    assert_eq!(result.unwrap(), Some("due".to_string()));
    assert_eq!(sent.len(), 2);
    assert!(sent[0].contains("EVALSHA"));
    assert_eq!(
        sent[1],
        resp(&[
            "EVAL",
            POP_DUE.source(),
            "2",
            "jobs",
            "jobs__lock",
            "5",
            "1"
        ])
    );
    // A second NOSCRIPT (it cannot happen after EVAL, but a reply can lie) is an error,
    // not a loop.
    let (sent, result) = script(set.pop(5.0), vec![noscript(), noscript()]);
    assert_eq!(sent.len(), 2);
    assert_eq!(result.unwrap_err().server_code(), Some("NOSCRIPT"));
}

#[test]
fn a_counting_add_is_one_small_script_that_wakes_a_waiting_consumer_as_a_plain_add_does() {
    let set = sorted().with_metrics(true);
    let noscript = Reply::error("NOSCRIPT No matching script. Please use EVAL.");
    let new_and_waited_for = Reply::Array(vec![Reply::Int(1), Reply::Int(1)]);
    let marker = Reply::Array(vec![Reply::Int(1), Reply::Int(1)]);
    let (sent, result) = script(
        set.add("a", Some(2.0), 0.0).unwrap(),
        vec![noscript, new_and_waited_for, marker],
    );
    assert_eq!(result.unwrap(), 2.0);
    let tail = resp(&["3", "jobs", "{jobs}:counters", "{jobs}:waiting", "2", "a"]);
    let tail = &tail[4..]; // without the array's length
    assert!(sent[0].starts_with("*8\r\n$7\r\nEVALSHA\r\n") && sent[0].ends_with(tail));
    assert!(sent[1].starts_with("*8\r\n$4\r\nEVAL\r\n") && sent[1].ends_with(tail));
    assert_eq!(
        sent[2],
        resp(&["ZADD", "{jobs}:wake", "0", "w"]) + &resp(&["PEXPIRE", "{jobs}:wake", "60000"])
    );
    // Nobody waits: the script is the whole add.
    let nobody = Reply::Array(vec![Reply::Int(0), Reply::Int(0)]);
    let (sent, result) = script(set.add("a", Some(2.0), 0.0).unwrap(), vec![nobody]);
    assert_eq!((sent.len(), result.unwrap()), (1, 2.0));
}

#[test]
fn a_held_original_lock_is_waited_out_with_growing_jittered_sleeps() {
    let (sent, result) = script_from(
        scheduled().pop(1000.0),
        vec![
            Reply::bulk("1000.5"),
            Reply::bulk("1000.5"),
            Reply::Status("1000.5".into()),
            bulks(&["due"]),
        ],
        1000.0,
    );
    assert_eq!(result.unwrap(), Some("due".to_string()));
    let sleeps: Vec<f64> = sent
        .iter()
        .filter_map(|s| s.strip_prefix("sleep ")?.parse().ok())
        .collect();
    assert_eq!(sleeps.len(), 3, "{sent:?}");
    for (i, sleep) in sleeps.iter().enumerate() {
        let ceiling = 0.001 * f64::from(1u32 << i);
        assert!(*sleep >= ceiling / 2.0 && *sleep <= ceiling, "{sleeps:?}");
    }
    // Each retry is the script again, with the clock's new time.
    let retries: Vec<&String> = sent.iter().filter(|s| s.contains("EVALSHA")).collect();
    assert_eq!(retries.len(), 4);
    assert_ne!(retries[0], retries[3]);
}

#[test]
fn a_held_lock_gives_lock_timeout_after_the_timeout_and_nothing_is_taken() {
    let set = scheduled().with_lock_timeout(Duration::from_millis(50));
    let held = vec![Reply::bulk("5000"); 200];
    let (sent, result) = script_from(set.take(10, 1000.0), held, 1000.0);
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::LockTimeout { set, lock, waited }
            if set == "jobs" && lock == "jobs__lock" && *waited >= Duration::from_millis(50)
                && *waited < Duration::from_millis(100)),
        "{err}"
    );
    let slept: f64 = sent
        .iter()
        .filter_map(|s| s.strip_prefix("sleep ")?.parse::<f64>().ok())
        .sum();
    assert!((0.049..0.051).contains(&slept), "{slept}");
    // Zero means a single try.
    let set = scheduled().with_lock_timeout(Duration::ZERO);
    let (sent, result) = script_from(set.pop(1000.0), vec![Reply::bulk("5000")], 1000.0);
    assert_eq!(sent.len(), 1);
    assert!(matches!(result.unwrap_err(), Error::LockTimeout { .. }));
}

#[test]
fn a_sleep_never_outlasts_the_locks_expiry() {
    // The lock expires 2 ms from now: the one sleep ends just after that, not later.
    let set = scheduled();
    for attempt_replies in [1usize, 6] {
        let mut replies = vec![Reply::bulk("1000.002"); attempt_replies];
        replies.push(bulks(&[]));
        let (sent, result) = script_from(set.take(1, 1000.0), replies, 1000.0);
        assert!(result.unwrap().is_empty());
        let last: f64 = sent
            .iter()
            .filter_map(|s| s.strip_prefix("sleep ")?.parse().ok())
            .next_back()
            .unwrap();
        assert!(last <= 0.0131, "{sent:?}");
    }
}

#[test]
fn a_lock_reply_that_is_not_a_number_is_a_protocol_error() {
    let (_, result) = script(scheduled().pop(1.0), vec![Reply::bulk("soon")]);
    assert!(matches!(result.unwrap_err(), Error::Protocol { .. }));
    // Without the lock, a bulk string is no lock reply at all.
    let (_, result) = script(
        scheduled().with_original_lock(false).pop(1.0),
        vec![Reply::bulk("1.0")],
    );
    assert!(matches!(result.unwrap_err(), Error::Protocol { .. }));
}

#[test]
fn only_scheduled_sets_know_the_original_lock() {
    assert!(scheduled().honours_original_lock());
    assert_eq!(scheduled().lock_timeout(), Some(DEFAULT_LOCK_TIMEOUT));
    assert!(!sorted().with_original_lock(true).honours_original_lock());
    let (_, result) = script(sorted().pop(1.0), vec![pair("a", 0.0)]);
    assert!(result.is_ok());
    assert!(sorted().len().resume(1.0).is_err());
}

#[test]
fn error_replies_are_server_errors_for_every_operation() {
    let wrongtype =
        || Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value");
    let item = "a".to_string();
    for set in [sorted(), scheduled()] {
        let results = [
            script(set.add(&item, Some(1.0), 0.0).unwrap(), vec![wrongtype()])
                .1
                .map(|_| ()),
            script(set.pop(0.0), vec![wrongtype()]).1.map(|_| ()),
            script(set.take(2, 0.0), vec![wrongtype()]).1.map(|_| ()),
            script(set.peek(0, 0.0), vec![wrongtype()]).1.map(|_| ()),
            script(set.peek_score(0.0), vec![wrongtype()]).1.map(|_| ()),
            script(set.score(&item).unwrap(), vec![wrongtype()])
                .1
                .map(|_| ()),
            script(set.contains(&item).unwrap(), vec![wrongtype()])
                .1
                .map(|_| ()),
            script(set.len(), vec![wrongtype()]).1.map(|_| ()),
            script(set.available(0.0), vec![wrongtype()]).1.map(|_| ()),
            script(set.clear(), vec![wrongtype()]).1.map(|_| ()),
            script(set.discard(&item).unwrap(), vec![wrongtype()])
                .1
                .map(|_| ()),
        ];
        for result in results {
            let err = result.unwrap_err();
            assert_eq!(err.server_code(), Some("WRONGTYPE"));
            assert!(err.to_string().contains("wrong kind of value"));
        }
    }
}

#[test]
fn unexpected_replies_are_protocol_errors_not_panics() {
    let weird = [
        Reply::Int(5),
        Reply::Status("OK".into()),
        Reply::Map(vec![(Reply::Int(1), Reply::Int(2))]),
        Reply::Array(vec![Reply::Int(1)]),
        Reply::Array(vec![Reply::Array(vec![])]),
        Reply::Bool(true),
        Reply::Double(f64::NAN),
        Reply::Other("big-number(1)".into()),
    ];
    let item = "a".to_string();
    for set in [sorted(), scheduled()] {
        for reply in &weird {
            let r = || vec![reply.clone()];
            let outcomes = [
                script(set.pop(0.0), r()).1.err(),
                script(set.take(3, 0.0), r()).1.err(),
                script(set.peek(0, 0.0), r()).1.err(),
                script(set.peek_score(0.0), r()).1.err(),
                script(set.score(&item).unwrap(), r()).1.err(),
            ];
            for err in outcomes.into_iter().flatten() {
                assert!(
                    matches!(err, Error::Protocol { .. } | Error::Empty { .. }),
                    "{reply:?}: {err:?}"
                );
            }
        }
        for reply in [
            Reply::bulk("x"),
            Reply::Int(-1),
            Reply::Array(vec![]),
            Reply::Double(0.5),
        ] {
            let err = script(set.len(), vec![reply.clone()]).1.unwrap_err();
            assert!(matches!(err, Error::Protocol { .. }), "{reply:?}: {err:?}");
        }
    }
}

#[test]
fn scores_decode_from_bulk_strings_and_doubles() {
    let set = sorted();
    let item = "a".to_string();
    for (reply, expected) in [
        (Reply::bulk("1.5"), 1.5),
        (Reply::Double(1.5), 1.5),
        (Reply::bulk("-inf"), f64::NEG_INFINITY),
        (Reply::Double(f64::INFINITY), f64::INFINITY),
        (Reply::Int(3), 3.0),
    ] {
        assert_eq!(
            script(set.score(&item).unwrap(), vec![reply]).1.unwrap(),
            Some(expected)
        );
    }
    let nested = Reply::Array(vec![pair("a", 2.0)]);
    let flat = bulks(&["a", "2"]);
    for reply in [nested, flat] {
        assert_eq!(
            script(set.peek_score(0.0), vec![reply]).1.unwrap(),
            Some(2.0)
        );
    }
    assert!(script(set.contains(&item).unwrap(), vec![Reply::bulk("0")])
        .1
        .unwrap());
    assert!(!script(set.contains(&item).unwrap(), vec![Reply::Nil])
        .1
        .unwrap());
}

#[test]
fn scores_resolve_explicit_then_scorer_then_kind_default() {
    let item = "abc".to_string();
    assert_eq!(sorted().resolve_score(&item, None, 50.0).unwrap(), 0.0);
    let time = SetCore::new("t", Kind::TimeSorted, Utf8);
    assert_eq!(time.resolve_score(&item, None, 50.0).unwrap(), 50.0);
    assert_eq!(scheduled().resolve_score(&item, None, 50.0).unwrap(), 50.0);
    let scored = sorted().with_scorer(Arc::new(|s: &String| s.len() as f64));
    assert_eq!(scored.resolve_score(&item, None, 50.0).unwrap(), 3.0);
    assert_eq!(scored.resolve_score(&item, Some(0.0), 50.0).unwrap(), 0.0);
    assert_eq!(
        scored
            .resolve_score(&item, Some(f64::INFINITY), 0.0)
            .unwrap(),
        f64::INFINITY
    );
}

#[test]
fn nan_and_serializer_failures_fail_before_any_command() {
    let set = sorted();
    let item = "a".to_string();
    assert!(matches!(
        set.add(&item, Some(f64::NAN), 0.0).err(),
        Some(Error::InvalidInput(_))
    ));
    let nan_scorer = sorted().with_scorer(Arc::new(|_: &String| f64::NAN));
    assert!(matches!(
        nan_scorer.add(&item, None, 0.0).err(),
        Some(Error::InvalidInput(_))
    ));
    let failing = SetCore::new(
        "jobs",
        Kind::Sorted,
        FnSerializer::new(|_: &String| Err("no".into()), |_: &[u8]| Ok(String::new())),
    );
    assert!(matches!(
        failing.add(&item, Some(1.0), 0.0).err(),
        Some(Error::Serializer(_))
    ));
    assert!(matches!(
        failing.score(&item).err(),
        Some(Error::Serializer(_))
    ));
    assert!(matches!(
        failing.contains(&item).err(),
        Some(Error::Serializer(_))
    ));
    assert!(matches!(
        failing.discard(&item).err(),
        Some(Error::Serializer(_))
    ));
}

#[test]
fn undecodable_members_are_reported_with_name_and_raw_bytes() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let set = SetCore::new("nums", Kind::Sorted, Text::<u8>::new()).with_undecodable_hook(
        Arc::new(move |bad: &Undecodable<'_>| {
            log.lock()
                .unwrap()
                .push(format!("{} {}", bad.set, bad.raw_preview()))
        }),
    );
    assert_eq!(
        script(set.pop(0.0), vec![bulks(&["x", "0"])]).1.unwrap(),
        None
    );
    assert_eq!(
        script(set.peek(0, 0.0), vec![bulks(&["y"])]).1.unwrap(),
        None
    );
    let long = "z".repeat(100);
    let taken = script(
        set.take(3, 0.0),
        vec![bulks(&["1", "0", &long, "0", "2", "0"])],
    )
    .1;
    assert_eq!(taken.unwrap(), vec![1, 2]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], "nums \"x\"");
    assert_eq!(seen[1], "nums \"y\"");
    assert!(seen[2].ends_with("… (100 bytes)"), "{}", seen[2]);
}

#[test]
fn feeding_a_finished_operation_is_an_error() {
    let set = sorted();
    let mut len = set.len();
    assert!(matches!(len.start().unwrap(), Step::Send(_)));
    assert!(matches!(len.feed(Reply::Int(1)).unwrap(), Step::Done(1)));
    assert!(matches!(
        len.feed(Reply::Int(1)),
        Err(Error::Protocol { .. })
    ));
}

#[test]
fn display_and_debug_do_no_io() {
    assert_eq!(sorted().to_string(), "SortedSet(\"jobs\")");
    assert_eq!(scheduled().to_string(), "ScheduledSet(\"jobs\")");
    assert!(format!("{:?}", scheduled()).starts_with("ScheduledSet { name: \"jobs\""));
}

#[test]
fn script_sha_matches_redis() {
    // SHA1 of the source, as SCRIPT LOAD would answer.
    assert_eq!(POP_DUE.sha1().len(), 40);
    assert_eq!(
        Script::new("return 1").sha1(),
        "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
    );
}

// ---- leases -------------------------------------------------------------------------

fn lease_keys() -> Vec<&'static str> {
    vec![
        "jobs",
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
    ]
}

/// A claim reply as RESP2 gives it (integers, bulk scores) or RESP3 (the same: scripts
/// answer in RESP2 types unless they ask otherwise), for (member, token) pairs.
fn claim_reply(items: &[(&str, i64)]) -> Reply {
    let mut parts = vec![Reply::Int(0), Reply::Int(0)];
    for (member, token) in items {
        parts.extend([
            Reply::bulk(member),
            Reply::Int(*token),
            Reply::Int(1),
            Reply::Int(1_700_000_030_000),
            Reply::bulk("2.5"),
        ]);
    }
    Reply::Array(parts)
}

#[test]
fn claim_sends_every_key_of_the_slot_and_reads_leases() {
    let (sent, out) = script(
        sorted().claim(2, Duration::from_secs(30), 5.0),
        vec![claim_reply(&[("a", 7), ("b", 8)])],
    );
    let leases = out.unwrap();
    assert_eq!(sent.len(), 1);
    // The RESP array's bulk strings, the SHA left out.
    let args: Vec<&str> = sent[0].split("\r\n").skip(2).step_by(2).collect();
    let mut expected = vec!["EVALSHA", args[1], "19"];
    expected.extend(lease_keys());
    expected.extend(["", "2", "30000", "5", "100", "+inf"]);
    assert_eq!(args, expected);
    assert_eq!(leases.len(), 2);
    assert_eq!((leases[0].item.as_str(), leases[0].token), ("a", 7));
    assert_eq!(leases[1].deadline_ms(), 1_700_000_030_000);
    assert_eq!(leases[1].score, 2.5);
    assert_eq!(leases[1].member(), b"b");
    // A scheduled set claims what is due by "now", and passes the original's lock.
    let (sent, _) = script(
        scheduled().claim(1, Duration::from_secs(1), 12.5),
        vec![claim_reply(&[])],
    );
    assert!(sent[0].contains("$4\r\n12.5\r\n") && sent[0].contains("jobs__lock"));
}

#[test]
fn ack_and_claim_sends_the_acks_after_the_claims_arguments_and_reads_a_lost_ack() {
    let (_, first) = script(
        sorted().claim(2, Duration::from_secs(30), 5.0),
        vec![claim_reply(&[("a", 7), ("b", 8)])],
    );
    let done = first.unwrap();
    let (sent, next) = script(
        sorted().ack_and_claim(&done, 1, Duration::from_secs(30), 5.0),
        vec![claim_reply(&[("c", 9)])],
    );
    let args: Vec<&str> = sent[0].split("\r\n").skip(2).step_by(2).collect();
    assert_eq!(
        args[3 + lease_keys().len()..],
        ["", "1", "30000", "5", "100", "+inf", "a", "7", "b", "8"]
    );
    assert_eq!(next.unwrap()[0].token, 9);
    // {"lost", positions}: the tokens at those positions, and nothing claimed.
    let lost = Reply::Array(vec![Reply::bulk("lost"), Reply::Int(2)]);
    let (_, out) = script(
        sorted().ack_and_claim(&done, 1, Duration::from_secs(30), 5.0),
        vec![lost],
    );
    assert!(
        matches!(out, Err(Error::LeaseLost { ref tokens, .. }) if tokens == &[8]),
        "{out:?}"
    );
    let junk = Reply::Array(vec![Reply::bulk("lost"), Reply::bulk("x")]);
    let (_, out) = script(
        sorted().ack_and_claim(&done, 1, Duration::from_secs(30), 5.0),
        vec![junk],
    );
    assert!(matches!(out, Err(Error::Protocol { .. })), "{out:?}");
}

#[test]
fn claim_replies_of_the_wrong_shape_are_protocol_errors() {
    for bad in [
        Reply::Array(vec![Reply::Int(0)]),
        Reply::Array(vec![Reply::Int(0), Reply::Int(0), Reply::bulk("a")]),
        Reply::Int(3),
        Reply::Array(vec![
            Reply::Int(0),
            Reply::Int(0),
            Reply::bulk("a"),
            Reply::Int(-1),
            Reply::Int(1),
            Reply::Int(1),
            Reply::bulk("1"),
        ]),
    ] {
        let (_, out) = script(sorted().claim(1, Duration::from_secs(1), 0.0), vec![bad]);
        assert!(matches!(out.unwrap_err(), Error::Protocol { .. }));
    }
    let (_, out) = script(
        sorted().claim(1, Duration::from_secs(1), 0.0),
        vec![Reply::error(
            "WRONGTYPE Operation against a key holding the wrong kind of value",
        )],
    );
    assert_eq!(out.unwrap_err().server_code(), Some("WRONGTYPE"));
}

#[test]
fn an_undecodable_claimed_item_is_buried_before_the_leases_are_handed_out() {
    let set = SetCore::new("jobs", Kind::Sorted, Text::<u32>::new());
    let (sent, out) = script(
        set.claim(2, Duration::from_secs(1), 0.0),
        vec![claim_reply(&[("12", 3), ("twelve", 4)]), Reply::Int(1)],
    );
    let leases = out.unwrap();
    assert_eq!(leases.iter().map(|l| l.item).collect::<Vec<_>>(), [12]);
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].contains("$6\r\ntwelve\r\n$1\r\n4\r\n"),
        "{}",
        sent[1]
    );
    assert!(sent[1].contains("undecodable"));
}

#[test]
fn ack_extend_retry_read_their_replies_and_name_lost_leases() {
    let set = sorted();
    let (_, out) = script(
        set.claim(2, Duration::from_secs(1), 0.0),
        vec![claim_reply(&[("a", 7), ("b", 8)])],
    );
    let leases = out.unwrap();
    let (sent, out) = script(set.ack(&leases), vec![Reply::Array(vec![Reply::Int(2)])]);
    out.unwrap();
    assert!(sent[0].ends_with("$1\r\na\r\n$1\r\n7\r\n$1\r\nb\r\n$1\r\n8\r\n"));
    let (_, out) = script(
        set.ack(&leases),
        vec![Reply::Array(vec![Reply::Int(1), Reply::Int(2)])],
    );
    assert!(matches!(out.unwrap_err(), Error::LeaseLost { tokens, .. } if tokens == [8]));
    let (sent, out) = script(set.ack(&leases[..0]), vec![]);
    assert!(sent.is_empty() && out.is_ok());
    let (_, out) = script(
        set.extend(&leases[0], Duration::from_secs(9)),
        vec![Reply::Int(0)],
    );
    assert!(out.unwrap_err().is_lease_lost());
    let (sent, out) = script(
        set.extend(&leases[0], Duration::from_secs(9)),
        vec![Reply::Int(1_700_000_009_000)],
    );
    assert_eq!(out.unwrap(), 1_700_000_009_000);
    assert!(sent[0].ends_with("$4\r\n9000\r\n"));
    let retry = |reply: Vec<i64>| {
        script(
            set.retry(&leases[0], Some(Duration::ZERO), ""),
            vec![Reply::Array(reply.into_iter().map(Reply::Int).collect())],
        )
        .1
    };
    assert!(retry(vec![0, 0]).unwrap_err().is_lease_lost());
    assert_eq!(retry(vec![1, 5]).unwrap(), Retried::Requeued { at_ms: 5 });
    assert_eq!(retry(vec![2, 6]).unwrap(), Retried::Requeued { at_ms: 6 });
    assert_eq!(retry(vec![3, 6]).unwrap(), Retried::Dead);
    assert!(matches!(
        retry(vec![9]).unwrap_err(),
        Error::Protocol { .. }
    ));
}

#[test]
fn stats_read_resp2_and_resp3_shapes() {
    let reply_with = |oldest: Reply, max: Reply| {
        Reply::Array(vec![
            Reply::Int(5),
            Reply::Int(3),
            Reply::Int(2),
            Reply::Int(1),
            oldest,
            Reply::Int(100_000),
            Reply::Array(vec![]),
            Reply::Int(0),
            Reply::Nil,
            max,
        ])
    };
    let reply = |oldest: Reply| reply_with(oldest, Reply::Nil);
    let time_sorted = SetCore::new("jobs", Kind::TimeSorted, Utf8);
    for none in [Reply::Nil, Reply::Bool(false)] {
        let (_, out) = script(time_sorted.stats(0.0), vec![reply_with(none.clone(), none)]);
        let stats = out.unwrap();
        assert_eq!(
            (stats.waiting, stats.due, stats.in_flight, stats.dead),
            (5, 3, 2, 1)
        );
        assert_eq!((stats.oldest_due_age, stats.max_deliveries), (None, None));
    }
    // The maximum deliveries the last claim kept.
    let (_, out) = script(
        time_sorted.stats(0.0),
        vec![reply_with(Reply::Nil, Reply::bulk("3"))],
    );
    assert_eq!(out.unwrap().max_deliveries, Some(3));
    let (_, out) = script(
        time_sorted.stats(0.0),
        vec![reply_with(Reply::Nil, Reply::bulk("-1"))],
    );
    assert!(matches!(out.unwrap_err(), Error::Protocol { .. }));
    for oldest in [Reply::bulk("90"), Reply::Double(90.0)] {
        let (_, out) = script(time_sorted.stats(0.0), vec![reply(oldest)]);
        assert_eq!(out.unwrap().oldest_due_age, Some(Duration::from_secs(10)));
    }
    // A priority set's scores are no times.
    let (_, out) = script(sorted().stats(0.0), vec![reply(Reply::bulk("90"))]);
    assert_eq!(out.unwrap().oldest_due_age, None);
    let (_, out) = script(sorted().stats(0.0), vec![Reply::Array(vec![Reply::Int(1)])]);
    assert!(matches!(out.unwrap_err(), Error::Protocol { .. }));
}

#[test]
fn recover_sweeps_again_while_a_round_trip_filled_its_limit() {
    let (sent, out) = script(
        sorted().recover(),
        vec![
            Reply::Array(vec![Reply::Int(600), Reply::Int(400)]),
            Reply::Array(vec![Reply::Int(3), Reply::Int(0)]),
        ],
    );
    assert_eq!(sent.len(), 2);
    assert_eq!(
        out.unwrap(),
        Recovered {
            requeued: 603,
            dead: 400
        }
    );
}

#[test]
fn dead_letters_read_their_records_even_malformed_ones() {
    let (_, out) = script(
        sorted().dead_letters(),
        vec![bulks(&[
            "a",
            "3 1700000000000 2.5 boom: with spaces",
            "b",
            "garbled",
        ])],
    );
    let dead = out.unwrap();
    assert_eq!(dead.len(), 2);
    assert_eq!(
        (dead[0].item.as_deref(), dead[0].reason.as_str()),
        (Some("a"), "boom: with spaces")
    );
    assert_eq!(
        (dead[0].deliveries, dead[0].score, dead[0].time),
        (
            3,
            2.5,
            std::time::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000)
        )
    );
    assert_eq!(dead[1].reason, "");
}

#[test]
fn add_many_sends_one_zadd_per_chunk_with_its_flags() {
    let set = sorted();
    let items: Vec<String> = (0..ADD_MANY_CHUNK + 1).map(|i| i.to_string()).collect();
    let options = AddOptions {
        condition: Some(AddCondition::OnlyNew),
        count_changed: true,
    };
    let op = set
        .add_many(items.iter().map(|i| (i, Some(1.5))), options, 0.0)
        .unwrap();
    let (sent, out) = script(op, vec![Reply::Int(ADD_MANY_CHUNK as i64), Reply::Int(1)]);
    assert_eq!(out.unwrap(), ADD_MANY_CHUNK as u64 + 1);
    assert_eq!(sent.len(), 2);
    let sha = ADD.sha1();
    let first: Vec<&str> = sent[0].split("\r\n").skip(2).step_by(2).take(15).collect();
    let head = [
        "EVALSHA",
        sha,
        "5",
        "jobs",
        "{jobs}:wake",
        "{jobs}:waiting",
        "{jobs}:dedup",
        "{jobs}:counters",
        "",
        "0",
        "2",
        "NX",
        "CH",
    ];
    assert_eq!(first, [&head[..], &["1.5", "0"]].concat());
    assert_eq!(sent[0].matches("\r\n1.5\r\n").count(), ADD_MANY_CHUNK);
    assert_eq!(sent[1], resp(&[&head[..], &["1.5", "5000"]].concat()));
    // Nothing to add: nothing sent.
    let (sent, out) = script(
        set.add_many(
            Vec::<(&String, Option<f64>)>::new(),
            AddOptions::default(),
            0.0,
        )
        .unwrap(),
        vec![],
    );
    assert!(sent.is_empty());
    assert_eq!(out.unwrap(), 0);
    // A NaN fails before any command exists.
    let nan = set.add_many([("a", Some(f64::NAN))], AddOptions::default(), 0.0);
    assert!(matches!(nan.err().unwrap(), Error::InvalidInput(_)));
}

#[test]
fn clear_deletes_the_set_and_its_companions_but_not_the_fence() {
    let (sent, out) = script(sorted().clear(), vec![Reply::Int(1)]);
    assert!(out.unwrap());
    let args: Vec<&str> = sent[0].split("\r\n").skip(2).step_by(2).collect();
    let mut expected = vec!["EVALSHA", args[1], "17"];
    let kept = [":fence", ":counters", ":flow"];
    let keys = lease_keys();
    let (lease, groups) = keys.split_at(10);
    let without_kept = |k: &&&str| !kept.iter().any(|suffix| k.ends_with(suffix));
    expected.extend(lease.iter().filter(without_kept).copied());
    expected.push("{jobs}:dedup");
    expected.extend(groups.iter().filter(without_kept).copied());
    assert_eq!(args, expected);
    let (_, out) = script(sorted().clear(), vec![Reply::Int(0)]);
    assert!(!out.unwrap());
}

#[test]
fn extreme_positions_and_counts_are_no_panic() {
    for set in [sorted(), scheduled()] {
        for position in [usize::MAX, usize::MAX - 1, 0] {
            let (sent, out) = script(set.peek(position, 1.0), vec![Reply::Array(vec![])]);
            assert_eq!(sent.len(), 1);
            assert!(out.unwrap_err().is_empty());
        }
        let (_, out) = script(set.take(usize::MAX, 1.0), vec![Reply::Array(vec![])]);
        assert!(out.unwrap().is_empty());
    }
}

#[test]
fn only_pop_and_take_are_not_safe_to_repeat() {
    let item = "a".to_string();
    for set in [sorted(), scheduled()] {
        assert!(!set.pop(1.0).repeatable());
        assert!(!set.take(5, 1.0).repeatable());
        assert!(set.len().repeatable());
        assert!(set.peek(0, 1.0).repeatable());
        assert!(set.add(&item, Some(1.0), 1.0).unwrap().repeatable());
        assert!(set.discard(&item).unwrap().repeatable());
        assert!(set.clear().repeatable());
        assert!(set.claim(1, Duration::from_secs(1), 1.0).repeatable());
        assert!(set.recover().repeatable());
        assert!(set
            .add_many([(&item, None)], AddOptions::default(), 1.0)
            .unwrap()
            .repeatable());
    }
}

/// The sleeps an operation asked for, in seconds, from what `script_from` recorded.
/// The wait probe's reply: the head's score and the ms until the earliest lease, no
/// held group, no limit, not paused.
fn probe_reply(head: Reply, lease: Reply) -> Reply {
    Reply::Array(vec![head, lease, Reply::Nil, Reply::Nil, Reply::Int(0)])
}

fn sleeps(sent: &[String]) -> Vec<f64> {
    sent.iter()
        .filter_map(|s| s.strip_prefix("sleep ")?.parse().ok())
        .collect()
}

#[test]
fn a_sorted_wait_polls_with_growing_sleeps_until_an_item_or_the_timeout() {
    let empty = || Reply::Array(vec![]);
    let (sent, out) = script_from(
        sorted().pop_wait(Duration::from_secs(10), 100.0),
        vec![
            empty(),
            empty(),
            empty(),
            Reply::Array(vec![pair("a", 1.0)]),
        ],
        100.0,
    );
    assert_eq!(out.unwrap(), Some("a".to_string()));
    assert_eq!(sleeps(&sent), [0.1, 0.2, 0.4]);
    // At the timeout: the pop's own Empty, after sleeping no further than the deadline.
    let (sent, out) = script_from(
        sorted().pop_wait(Duration::from_millis(250), 100.0),
        vec![empty(); 10],
        100.0,
    );
    assert!(out.unwrap_err().is_empty());
    let slept: f64 = sleeps(&sent).iter().sum();
    assert!((0.249..0.251).contains(&slept), "{sent:?}");
    // take_wait gives an empty list at the timeout.
    let (_, out) = script_from(
        sorted().take_wait(5, Duration::ZERO, 100.0),
        vec![empty()],
        100.0,
    );
    assert!(out.unwrap().is_empty());
}

#[test]
fn a_scheduled_wait_sleeps_until_the_next_item_is_due() {
    let nothing = || Reply::Array(vec![]);
    let (sent, out) = script_from(
        scheduled().pop_wait(Duration::from_secs(10), 100.0),
        vec![
            nothing(),
            Reply::Array(vec![pair("soon", 100.25)]), // the probe: due in 250 ms
            bulks(&["soon"]),
        ],
        100.0,
    );
    assert_eq!(out.unwrap(), Some("soon".to_string()));
    assert!(sent[1].contains("ZRANGE") && sent[1].contains("WITHSCORES"));
    let slept = sleeps(&sent);
    assert_eq!(slept.len(), 1);
    assert!((0.249..0.251).contains(&slept[0]), "{slept:?}");
    // Far off: at most the cap, and no new probe while that answer is recent.
    let (sent, _) = script_from(
        scheduled().pop_wait(Duration::from_millis(2500), 100.0),
        vec![
            nothing(),
            Reply::Array(vec![pair("later", 9999.0)]),
            nothing(),
            nothing(),
            nothing(),
        ],
        100.0,
    );
    assert_eq!(sleeps(&sent), [1.0, 1.0, 0.5]);
    assert_eq!(sent.iter().filter(|s| s.contains("ZRANGE\r\n")).count(), 1);
}

#[test]
fn a_big_take_is_several_atomic_chunks_until_short() {
    let full = |n: usize, from: usize| {
        Reply::Array(
            (from..from + n)
                .flat_map(|i| [Reply::bulk(i.to_string()), Reply::bulk("1")])
                .collect(),
        )
    };
    let (sent, out) = script(
        sorted().take(TAKE_CHUNK * 2 + 5, 1.0),
        vec![
            full(TAKE_CHUNK, 0),
            full(TAKE_CHUNK, TAKE_CHUNK),
            full(5, 2 * TAKE_CHUNK),
        ],
    );
    assert_eq!(out.unwrap().len(), TAKE_CHUNK * 2 + 5);
    let counts: Vec<&str> = sent
        .iter()
        .map(|cmd| cmd.split("\r\n").nth(6).unwrap())
        .collect();
    assert_eq!(
        counts,
        [
            TAKE_CHUNK.to_string(),
            TAKE_CHUNK.to_string(),
            "5".to_string()
        ]
    );
    // A short chunk means nothing more is eligible: no further command.
    let (sent, out) = script(sorted().take(TAKE_CHUNK * 3, 1.0), vec![full(7, 0)]);
    assert_eq!((sent.len(), out.unwrap().len()), (1, 7));
    // Up to a chunk it is one atomic command, as before.
    let (sent, _) = script(scheduled().take(TAKE_CHUNK, 1.0), vec![bulks(&[])]);
    assert_eq!(sent.len(), 1);
}

#[test]
fn under_the_server_clock_an_operation_asks_time_first_and_uses_it() {
    let fifo = SetCore::new("jobs", Kind::TimeSorted, Utf8).with_clock(Clock::Server);
    let add = fifo.add(&"a".to_string(), None, 5.0).unwrap();
    let (sent, out) = script(add, vec![bulks(&["1700000000", "250000"]), nobody_waits()]);
    assert_eq!(sent, [resp(&["TIME"]), zadd_pipeline("1700000000.25", "a")]);
    assert_eq!(out.unwrap(), 1_700_000_000.25);
    // An explicit score and a priority set's pop need no time.
    let (sent, _) = script(
        fifo.add(&"b".to_string(), Some(1.0), 5.0).unwrap(),
        vec![nobody_waits()],
    );
    assert_eq!(sent.len(), 1, "no TIME: {sent:?}");
    // A scheduled set's peek looks for what is due at the server's time.
    let due = scheduled().with_clock(Clock::Server);
    let (sent, out) = script(
        due.peek_score(1e12),
        vec![bulks(&["100", "0"]), Reply::Array(vec![])],
    );
    assert_eq!(
        sent[1],
        resp(&[
            "ZRANGEBYSCORE",
            "jobs",
            "-inf",
            "100",
            "WITHSCORES",
            "LIMIT",
            "0",
            "1"
        ])
    );
    assert_eq!(out.unwrap(), None);
    // A junk time is a typed protocol error, not a panic.
    let (_, out) = script(due.pop(0.0), vec![Reply::bulk("noon")]);
    assert!(matches!(out, Err(Error::Protocol { .. })), "{out:?}");
}

#[test]
fn a_cluster_refusing_the_original_lock_key_is_asked_again_without_it() {
    let set = scheduled();
    let crossslot = Reply::error("CROSSSLOT Keys in request don't hash to the same slot");
    let (sent, out) = script(set.pop(100.5), vec![crossslot, bulks(&["a"])]);
    assert_eq!(out.unwrap().as_deref(), Some("a"));
    let sha = POP_DUE.sha1();
    assert_eq!(
        sent,
        [
            resp(&["EVALSHA", sha, "2", "jobs", "jobs__lock", "100.5", "1"]),
            resp(&["EVALSHA", sha, "1", "jobs", "100.5", "1"]),
        ]
    );
    // Every clone of the set remembers it: the next pop sends no lock key.
    let (sent, _) = script(set.clone().take(2, 100.5), vec![bulks(&[])]);
    assert_eq!(sent, [resp(&["EVALSHA", sha, "1", "jobs", "100.5", "2"])]);
}

#[test]
fn a_server_too_old_for_a_command_is_a_typed_unsupported_error() {
    let set = sorted().with_waiting(Waiting::Blocking);
    let old = Reply::error("ERR unknown command 'BZMPOP', with args beginning with: '1.000' ");
    let (sent, out) = script(
        set.take_wait(5, Duration::from_secs(3), 0.0),
        vec![Reply::Array(vec![]), old],
    );
    assert!(sent[1].contains("BZMPOP"));
    match out {
        Err(Error::Unsupported { command, needs, .. }) => {
            assert_eq!(command, "BZMPOP");
            assert!(needs.contains("7.0"), "{needs}");
        }
        other => panic!("{other:?}"),
    }
    // Other error replies stay server errors.
    let (_, out) = script(
        set.len(),
        vec![Reply::error("WRONGTYPE Operation against a key")],
    );
    assert!(matches!(out, Err(Error::Server { .. })), "{out:?}");
}

#[test]
fn a_claim_wait_that_sees_items_it_could_not_claim_backs_off_instead_of_spinning() {
    // A priority set's head exists (another consumer was quicker, say) yet the claim
    // finds nothing: try again at once, then after 1 ms, 2 ms, …; never probe twice in
    // a row without a try.
    let set = sorted().with_waiting(Waiting::Blocking);
    let nothing = Reply::Array(vec![Reply::Int(0), Reply::Int(0)]);
    let head = probe_reply(Reply::bulk("5"), Reply::Nil);
    let mut replies = Vec::new();
    for _ in 0..4 {
        replies.push(nothing.clone());
        replies.push(head.clone());
    }
    replies.push(claim_reply(&[("a", 7)]));
    let (sent, out) = script_from(
        set.claim_wait(1, Duration::from_secs(30), Duration::from_secs(5), 1e9),
        replies,
        1e9,
    );
    assert_eq!(out.unwrap()[0].item, "a");
    let sleeps: Vec<&str> = sent
        .iter()
        .filter(|s| s.starts_with("sleep"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        sleeps,
        [
            "sleep 0.000000",
            "sleep 0.001000",
            "sleep 0.002000",
            "sleep 0.004000"
        ]
    );
    assert_eq!(
        sent.len(),
        4 * 3 + 1,
        "try, probe, sleep, four times, then the claim"
    );
}

/// Every script's header names its `KEYS` by role, in the order the schema gives them,
/// and every helper it includes is in place.
#[test]
fn every_script_header_lists_the_keys_the_schema_gives_it() {
    let all = [
        set::scripts(),
        lease::scripts(),
        stats::scripts(),
        wait::scripts(),
        flow::scripts(),
    ]
    .concat();
    assert_eq!(all.len(), 19);
    for (script, roles) in all {
        assert!(!script.has_unresolved_include(), "{}", script.source());
        let mut listed: Vec<(usize, String)> = Vec::new();
        for line in script.source().lines().filter(|l| l.starts_with("--")) {
            let mut rest = line;
            while let Some(at) = rest.find("KEYS[") {
                rest = &rest[at + 5..];
                let Some(close) = rest.find(']') else { break };
                let Ok(index) = rest[..close].parse::<usize>() else {
                    continue;
                };
                let role: String = rest[close + 1..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                listed.push((index, role));
            }
        }
        listed.sort();
        let expected: Vec<(usize, String)> = roles
            .iter()
            .enumerate()
            .map(|(i, role)| (i + 1, (*role).to_owned()))
            .collect();
        assert_eq!(listed, expected, "{}", &script.source()[..80]);
    }
}

// ---- flow control -------------------------------------------------------------------

#[test]
fn flow_settings_travel_in_the_options_word() {
    let limit = RateLimit::with_burst(200, Duration::from_secs(1), 10).unwrap();
    let per_group = RateLimit::new(5, Duration::from_secs(1)).unwrap();
    let set = sorted()
        .with_metrics(true)
        .with_rate_limit(Some(limit))
        .with_groups(Some(Groups {
            concurrency: Some(2),
            rate: Some(per_group),
        }));
    let (sent, _) = script(
        set.claim(1, Duration::from_secs(30), 0.0),
        vec![claim_reply(&[])],
    );
    assert!(
        sent[0].contains("\r\nm r200/1000/10 g k2 q5/1000/1\r\n"),
        "{}",
        sent[0]
    );
    // A set without flow control sends the word it always did.
    let (sent, _) = script(sorted().recover(), vec![bulks(&["0", "0"])]);
    assert!(
        sent[0].ends_with("$0\r\n\r\n$4\r\n1000\r\n$1\r\n5\r\n"),
        "{}",
        sent[0]
    );
}

#[test]
fn pops_honour_flow_control_only_when_the_set_opts_in() {
    let (sent, out) = script(sorted().pop(0.0), vec![Reply::Array(vec![])]);
    assert!(sent[0].contains("ZPOPMIN") && out.unwrap_err().is_empty());
    let flowing = sorted().with_flow_control(true);
    let (sent, out) = script(flowing.take(3, 0.0), vec![bulks(&["a", "b"])]);
    assert!(sent[0].contains(FLOW_POP.sha1()) && sent[0].contains("{jobs}:flow"));
    assert!(
        sent[0].ends_with("$4\r\n+inf\r\n$1\r\n3\r\n"),
        "{}",
        sent[0]
    );
    assert_eq!(out.unwrap(), ["a", "b"]);
    // A scheduled one passes "now" and the original's lock, as its plain pop does.
    let due = scheduled().with_flow_control(true);
    let (sent, _) = script(due.pop(12.5), vec![bulks(&[])]);
    assert!(sent[0].contains("$4\r\n12.5\r\n") && sent[0].contains("jobs__lock"));
}

#[test]
fn a_grouped_add_sends_its_group_and_the_flow_keys() {
    let set = sorted().with_grouper(Arc::new(|item: &String| Some(item[..1].to_owned())));
    let (sent, out) = script(set.add("a1", Some(1.0), 0.0).unwrap(), vec![Reply::Int(1)]);
    assert_eq!(out.unwrap(), 1.0);
    assert!(sent[0].contains("\r\n{jobs}:group-index\r\n"));
    assert!(
        sent[0].ends_with("$1\r\n1\r\n$2\r\na1\r\n$1\r\na\r\n"),
        "{}",
        sent[0]
    );
    // An explicit group wins; a group too long for its index entry is rejected.
    let (sent, _) = script(
        set.add_in_group("a1", Some(1.0), Some("t"), 0.0).unwrap(),
        vec![Reply::Int(0)],
    );
    assert!(sent[0].ends_with("$1\r\nt\r\n"));
    let long = "x".repeat(MAX_GROUP_LEN + 1);
    assert!(matches!(
        set.add_in_group("a1", None, Some(&long), 0.0).err(),
        Some(Error::InvalidInput(_))
    ));
}

#[test]
fn a_waiting_claim_sleeps_until_the_limit_allows_and_blocks_while_paused() {
    let set = sorted().with_waiting(Waiting::Blocking);
    let nothing = Reply::Array(vec![Reply::Int(0), Reply::Int(0)]);
    let limited = Reply::Array(vec![
        Reply::bulk("5"),
        Reply::Nil,
        Reply::Nil,
        Reply::Int(37),
        Reply::Int(0),
    ]);
    let (sent, out) = script_from(
        set.claim_wait(1, Duration::from_secs(30), Duration::from_secs(5), 1e9),
        vec![nothing.clone(), limited, claim_reply(&[("a", 7)])],
        1e9,
    );
    assert_eq!(out.unwrap()[0].item, "a");
    assert_eq!(sent[2], "sleep 0.037000", "{sent:?}");
    // Paused: block on the wake-up marker (at most a second at a time), however many
    // items wait; a wake-up (resume) means probe again.
    let paused = Reply::Array(vec![
        Reply::bulk("5"),
        Reply::Nil,
        Reply::Nil,
        Reply::Nil,
        Reply::Int(1),
    ]);
    let woken = Reply::Array(vec![
        Reply::bulk("{jobs}:wake"),
        Reply::bulk("w"),
        Reply::bulk("0"),
    ]);
    let (sent, out) = script_from(
        set.claim_wait(1, Duration::from_secs(30), Duration::from_secs(5), 1e9),
        vec![nothing, paused, woken, claim_reply(&[("a", 7)])],
        1e9,
    );
    assert_eq!(out.unwrap()[0].item, "a");
    assert!(
        sent[2].contains("BZPOPMIN") && sent[2].contains("1.000"),
        "{sent:?}"
    );
    assert_eq!(sent[3], "now");
}

/// The sets a prepared operation is checked on: every kind, the original's lock honoured
/// or not, the server's clock, flow control, writes that wait for replicas.
fn prepared_sets() -> Vec<(&'static str, SetCore<Utf8>)> {
    let replicated = Some(Replication {
        replicas: 1,
        timeout: Duration::from_millis(5),
    });
    vec![
        ("sorted", sorted()),
        ("time", SetCore::new("jobs", Kind::TimeSorted, Utf8)),
        ("scheduled", scheduled()),
        ("scheduled, no lock", scheduled().with_original_lock(false)),
        (
            "scheduled, server clock",
            scheduled().with_clock(Clock::Server),
        ),
        ("scheduled, flow", scheduled().with_flow_control(true)),
        ("sorted, flow", sorted().with_flow_control(true)),
        ("sorted, replicas", sorted().with_replication(replicated)),
    ]
}

/// Feeds `reply` to `op` once started, and gives its output if that is its second step.
fn output_of<O: Operation>(mut op: O, reply: Reply) -> Option<Result<O::Output>> {
    op.start().ok()?;
    match op.feed(reply) {
        Ok(Step::Done(out)) => Some(Ok(out)),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    }
}

#[test]
fn a_prepared_operation_is_the_operations_first_command_and_decoder() {
    let now = 1000.25;
    let replies = [
        bulks(&["a", "1"]),
        Reply::Array(vec![Reply::Array(vec![
            Reply::bulk("a"),
            Reply::Double(1.0),
        ])]),
        bulks(&["a", "1", "b", "2"]),
        bulks(&[]),
        Reply::Int(3),
        Reply::bulk("2.5"),
        Reply::Nil,
        Reply::Error {
            code: "ERR".into(),
            message: "ERR wrong".into(),
        },
    ];
    let mut prepared = 0;
    for (name, set) in prepared_sets() {
        for which in [
            Prepared::Pop,
            Prepared::Take(1),
            Prepared::Take(7),
            Prepared::Take(0),
            Prepared::Peek(0),
            Prepared::Peek(3),
            Prepared::Len,
        ] {
            let Some(cmd) = set.prepared(which, now) else {
                continue;
            };
            prepared += 1;
            let first = match which {
                Prepared::Pop => set.pop(now).start(),
                Prepared::Take(n) => set.take(n, now).start().map(|s| s.map(|_| None)),
                Prepared::Peek(at) => set.peek(at, now).start(),
                _ => set.len().start().map(|s| s.map(|_| None)),
            };
            match first {
                Ok(Step::Send(sent)) => {
                    assert_eq!(sent.to_resp(), cmd.to_resp(), "{name} {which:?}")
                }
                _ => panic!("{name} {which:?}: the operation does not start with a command"),
            }
            for reply in &replies {
                let ours = set.prepared_output(which, reply.clone());
                let theirs = match which {
                    Prepared::Pop => {
                        output_of(set.pop(now), reply.clone()).map(|r| r.map(PreparedOutput::Item))
                    }
                    Prepared::Take(n) => output_of(set.take(n, now), reply.clone())
                        .map(|r| r.map(PreparedOutput::Items)),
                    Prepared::Peek(at) => output_of(set.peek(at, now), reply.clone())
                        .map(|r| r.map(PreparedOutput::Item)),
                    _ => output_of(set.len(), reply.clone()).map(|r| r.map(PreparedOutput::Count)),
                };
                match (ours, theirs) {
                    (Ok(PreparedOutput::Unprepared), _) => {}
                    (ours, Some(theirs)) => assert_eq!(
                        format!("{ours:?}"),
                        format!("{theirs:?}"),
                        "{name} {which:?} {reply:?}"
                    ),
                    (ours, None) => {
                        panic!("{name} {which:?} {reply:?}: {ours:?}, the operation goes on")
                    }
                }
            }
        }
        for which in [Prepared::Contains, Prepared::Score] {
            let cmd = set.prepared_for(which, "a").unwrap().unwrap();
            let Ok(Step::Send(sent)) = set.score("a").unwrap().start() else {
                panic!("{name}: score does not start with a command");
            };
            assert_eq!(sent.to_resp(), cmd.to_resp(), "{name}");
        }
    }
    assert!(prepared >= 20, "{prepared} prepared");
    // Where the command changes or more than one exchange may follow, none.
    assert!(sorted()
        .prepared(Prepared::Take(TAKE_CHUNK + 1), now)
        .is_none());
    assert!(scheduled().prepared(Prepared::Peek(0), now).is_none());
    assert!(scheduled()
        .with_clock(Clock::Server)
        .prepared(Prepared::Pop, now)
        .is_none());
    assert!(sorted()
        .with_flow_control(true)
        .prepared(Prepared::Pop, now)
        .is_none());
}

#[test]
fn a_prepared_scheduled_pop_says_when_the_operation_must_run() {
    let held = Reply::bulk("1000.5");
    let noscript = Reply::Error {
        code: "NOSCRIPT".into(),
        message: "NOSCRIPT No matching script".into(),
    };
    let crossslot = Reply::Error {
        code: "CROSSSLOT".into(),
        message: "CROSSSLOT Keys in request don't hash to the same slot".into(),
    };
    let set = scheduled();
    let cmd = set.prepared(Prepared::Pop, 1000.0).unwrap();
    assert!(format!("{cmd:?}").contains("EVALSHA"), "{cmd:?}");
    // Each of these leaves the operation to go on when fed as its first reply: a sleep
    // while the lock is held, `EVAL`, the call again without the lock's key.
    for reply in [
        held.clone(),
        Reply::Status("1000.5".into()),
        noscript.clone(),
        crossslot.clone(),
    ] {
        assert_eq!(
            set.prepared_output(Prepared::Pop, reply.clone()).unwrap(),
            PreparedOutput::Unprepared
        );
        let mut pop = set.pop(1000.0);
        pop.start().unwrap();
        let next = pop.feed(reply.clone());
        assert!(
            matches!(next, Ok(Step::Sleep(_) | Step::Send(_))),
            "{reply:?}: {next:?}"
        );
    }
    assert_eq!(
        set.prepared_output(Prepared::Take(2), bulks(&["a", "b"]))
            .unwrap(),
        PreparedOutput::Items(vec!["a".into(), "b".into()])
    );
    // Without the lock, a bulk string is no lock's expiry, and CROSSSLOT an error.
    let unlocked = scheduled().with_original_lock(false);
    assert_eq!(
        unlocked.prepared_output(Prepared::Pop, noscript).unwrap(),
        PreparedOutput::Unprepared
    );
    assert!(unlocked.prepared_output(Prepared::Pop, crossslot).is_err());
    // A sorted set's ZPOPMIN is never run again.
    assert!(sorted().prepared_output(Prepared::Pop, held).is_err());
}
