//! Prepared operations: each prepared command is its operation's first, and each reply
//! decodes to what the operation gives, on every kind and option that matters.

use std::time::Duration;

use super::*;

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
            assert_eq!(cmd.is_read_only(), which.reads_only(), "{name} {which:?}");
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
                    (Ok(PreparedOutput::Unprepared(_)), _) => {}
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
            assert!(cmd.is_read_only() && which.reads_only(), "{name} {which:?}");
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
            PreparedOutput::Unprepared(reply.clone())
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
        unlocked
            .prepared_output(Prepared::Pop, noscript.clone())
            .unwrap(),
        PreparedOutput::Unprepared(noscript)
    );
    assert!(unlocked.prepared_output(Prepared::Pop, crossslot).is_err());
    // A sorted set's ZPOPMIN is never run again.
    assert!(sorted().prepared_output(Prepared::Pop, held).is_err());
}

/// A command kept with its time replaced is the command made at that time, on every
/// set; a command that carries no time is fixed; and a cluster's refusal of the lock's
/// key, after which the command changes, is a reply that does not finish the pop.
#[test]
fn a_prepared_command_that_carries_the_time_is_the_kept_one_with_the_time_put_in() {
    let times = [0.0, 1000.25, 1_733_000_000.123_456, 1e21, f64::INFINITY];
    let mut timed = 0;
    for (name, set) in prepared_sets() {
        for which in [
            Prepared::Pop,
            Prepared::Take(1),
            Prepared::Take(100),
            Prepared::Peek(0),
            Prepared::Len,
        ] {
            let Some(kept) = set.prepared(which, 5.0) else {
                assert_eq!(set.prepared_time_at(which), None, "{name} {which:?}");
                continue;
            };
            let Some(at) = set.prepared_time_at(which) else {
                assert!(
                    set.prepared_is_fixed(which),
                    "{name} {which:?}: neither fixed nor timed"
                );
                continue;
            };
            assert!(!set.prepared_is_fixed(which), "{name} {which:?}");
            timed += 1;
            for now in times {
                let mut args = kept.clone().into_args();
                args[at] = set.prepared_score(now);
                let made = set.prepared(which, now).unwrap().into_args();
                assert_eq!(args, made, "{name} {which:?} at {now}");
            }
        }
    }
    // Pop and both takes on the scheduled sets with the lock and without.
    assert_eq!(timed, 6);
    let crossslot = Reply::Error {
        code: "CROSSSLOT".into(),
        message: "CROSSSLOT Keys in request don't hash to the same slot".into(),
    };
    assert!(matches!(
        scheduled().prepared_output(Prepared::Pop, crossslot),
        Ok(PreparedOutput::Unprepared(_))
    ));
}

#[test]
fn a_prepared_add_is_the_adds_first_step_and_decoder() {
    let now = 1000.25;
    let waits = |waiting: i64| Reply::Array(vec![Reply::Int(1), Reply::Int(waiting)]);
    let replies = [
        waits(0),
        waits(1),
        Reply::Array(vec![Reply::error("WRONGTYPE no"), Reply::Int(0)]),
        Reply::Array(vec![Reply::Int(1)]),
        Reply::Int(1),
    ];
    let mut prepared = 0;
    for (name, set) in prepared_sets() {
        for score in [Some(2.5), None] {
            let Some(add) = set.prepared_add("a", score, now).unwrap() else {
                continue;
            };
            prepared += 1;
            let Ok(Step::Pipeline(sent)) = set.add("a", score, now).unwrap().start() else {
                panic!("{name} {score:?}: the add does not start with its pipeline");
            };
            let ours = [add.zadd.to_resp(), set.prepared_add_check().to_resp()];
            let sent: Vec<Vec<u8>> = sent.iter().map(Command::to_resp).collect();
            assert_eq!(sent, ours, "{name} {score:?}");
            for reply in &replies {
                let theirs = output_of(set.add("a", score, now).unwrap(), reply.clone());
                match (set.prepared_added(reply.clone()), theirs) {
                    (Ok(None), Some(Ok(score))) => assert_eq!(score, add.score, "{name}"),
                    (Err(ours), Some(Err(theirs))) => {
                        assert_eq!(ours.to_string(), theirs.to_string(), "{name}")
                    }
                    // A consumer waits: the operation goes on to the marker, fed these.
                    (Ok(Some(replies)), None) => {
                        assert!(output_of(set.add("a", score, now).unwrap(), replies).is_none())
                    }
                    (ours, theirs) => panic!("{name} {reply:?}: {ours:?} against {theirs:?}"),
                }
            }
        }
    }
    assert!(prepared >= 10, "{prepared} prepared");
    // Where the add needs more than its ZADD and the check, none.
    let window = Some(Duration::from_secs(60));
    for set in [
        sorted().with_metrics(true),
        sorted().with_dedup_window(window),
        sorted().with_groups(Some(Groups::default())),
        sorted().with_replication(Some(Replication {
            replicas: 1,
            timeout: Duration::from_millis(5),
        })),
        SetCore::new("jobs", Kind::TimeSorted, Utf8).with_clock(Clock::Server),
    ] {
        assert!(
            set.prepared_add("a", None, now).unwrap().is_none(),
            "{set:?}"
        );
    }
    // An explicit score needs no clock.
    let server = SetCore::new("jobs", Kind::TimeSorted, Utf8).with_clock(Clock::Server);
    assert!(server.prepared_add("a", Some(1.0), now).unwrap().is_some());
    assert!(sorted().prepared_add("a", Some(f64::NAN), now).is_err());
}
