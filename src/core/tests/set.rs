//! The set's own operations: golden commands, adds, pops, takes, peeks and scores in
//! every reply shape, the `NOSCRIPT` fallback, error paths (prepared operations: prepared.rs).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::Text;

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
