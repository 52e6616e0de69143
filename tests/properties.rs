//! Property tests of the sans-IO core through its public API, in a debug build (where
//! arithmetic overflow panics): extreme inputs (positions and counts near `usize::MAX`,
//! empty, huge and brace-laden names, every class of score) and random reply trees for
//! every operation. Nothing may panic; every failure is a typed `Error`.

use std::time::Duration;

use proptest::prelude::*;
use redset::core::{
    AddOptions, Clock, Command, Kind, Lease, Operation, Reply, SetCore, Step, Waiting,
};
use redset::Utf8;

/// Any reply a broken or hostile server could send, nested a little.
fn reply() -> impl Strategy<Value = Reply> {
    let leaf = prop_oneof![
        Just(Reply::Nil),
        any::<i64>().prop_map(Reply::Int),
        any::<f64>().prop_map(Reply::Double),
        any::<bool>().prop_map(Reply::Bool),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Reply::Bulk),
        prop_oneof![
            Just("0"),
            Just("1.5"),
            Just("-inf"),
            Just("nan"),
            Just("x"),
            Just("99999999999999999999")
        ]
        .prop_map(Reply::bulk),
        ".{0,8}".prop_map(Reply::Status),
        prop_oneof![
            Just("NOSCRIPT x"),
            Just("WRONGTYPE x"),
            Just("ERR x"),
            Just("")
        ]
        .prop_map(Reply::error),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..7).prop_map(Reply::Array),
            proptest::collection::vec((inner.clone(), inner), 0..3).prop_map(Reply::Map),
        ]
    })
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("{".to_owned()),
        Just("}{}".to_owned()),
        Just("{tag}jobs".to_owned()),
        "[a-z{}:]{1,12}",
        Just("n".repeat(20_000)),
    ]
}

fn score() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        Just(None),
        Just(Some(f64::NAN)),
        Just(Some(f64::INFINITY)),
        Just(Some(f64::NEG_INFINITY)),
        Just(Some(-0.0)),
        Just(Some(f64::MIN_POSITIVE / 2.0)),
        Just(Some(f64::MAX)),
        any::<f64>().prop_map(Some),
    ]
}

fn big() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(usize::MAX),
        Just(usize::MAX - 1),
        Just(1 << 32),
        any::<usize>()
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Sorted),
        Just(Kind::TimeSorted),
        Just(Kind::Scheduled)
    ]
}

/// Where a command carries counts or positions: `ZPOPMIN`'s count, `ZRANGE`'s
/// positions, what follows `LIMIT` and `COUNT`; for a script call, every integer
/// argument that is not a score or a time (those carry a fraction or are small).
fn integer_arguments(cmd: &redset::core::Command) -> Vec<usize> {
    let args = cmd.args();
    let mut at = match cmd.name() {
        "ZPOPMIN" => vec![2],
        "ZRANGE" => vec![2, 3],
        _ => Vec::new(),
    };
    for (i, arg) in args.iter().enumerate() {
        match arg.as_slice() {
            b"LIMIT" => at.extend([i + 1, i + 2]),
            b"COUNT" => at.push(i + 1),
            b"18446744073709551615" if cmd.name() == "EVALSHA" => at.push(i),
            _ => {}
        }
    }
    at.retain(|&i| i < args.len());
    at
}

/// Every count or position is a number Redis parses as an integer (scores and times are
/// doubles, which it parses whatever their size), and a script's count or duration
/// argument is no wrapped-around 2^64 - 1.
fn check_integers(cmd: &Command) {
    for at in integer_arguments(cmd) {
        let text = std::str::from_utf8(&cmd.args()[at]).unwrap();
        let n: i128 = text.parse().unwrap_or(0);
        assert!(
            n <= i64::MAX as i128,
            "argument {n} out of Redis's range in {cmd:?}"
        );
    }
}

/// Drives `op` with `replies` (then the same reply again) until it is done or the
/// replies run out; sleeps resume at once. A panic fails the property.
fn drive<O: Operation>(mut op: O, replies: &[Reply]) {
    let mut step = op.start();
    let mut next = replies.iter().cycle();
    for _ in 0..(replies.len() * 2 + 4) {
        step = match step {
            Ok(Step::Send(cmd)) => {
                check_integers(&cmd);
                match next.next() {
                    Some(reply) => op.feed(reply.clone()),
                    None => return,
                }
            }
            Ok(Step::Pipeline(cmds)) => {
                cmds.iter().for_each(check_integers);
                match next.next() {
                    Some(reply) => op.feed(reply.clone()),
                    None => return,
                }
            }
            Ok(Step::Sleep(_) | Step::Now) => op.resume(1e9),
            Ok(Step::Done(_)) | Err(_) => return,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_operation_panics_on_extreme_inputs_or_random_replies(
        kind in kind(),
        name in name(),
        position in big(),
        count in big(),
        score in score(),
        now in prop_oneof![Just(0.0), Just(f64::MAX), Just(-1.0), any::<f64>()],
        server_clock in any::<bool>(),
        blocking in any::<bool>(),
        replies in proptest::collection::vec(reply(), 1..5),
    ) {
        let mut set = SetCore::new(name, kind, Utf8)
            .with_waiting(if blocking { Waiting::Blocking } else { Waiting::Polling });
        if server_clock {
            set = set.with_clock(Clock::Server);
        }
        let item = "item".to_owned();
        if let Ok(add) = set.add(&item, score, now) {
            drive(add, &replies);
        }
        if let Ok(many) = set.add_many([(&item, score), (&item, None)], AddOptions::default(), now) {
            drive(many, &replies);
        }
        drive(set.pop(now), &replies);
        drive(set.take(count, now), &replies);
        drive(set.peek(position, now), &replies);
        drive(set.peek_score(now), &replies);
        drive(set.score(&item).unwrap(), &replies);
        drive(set.contains(&item).unwrap(), &replies);
        drive(set.len(), &replies);
        drive(set.available(now), &replies);
        drive(set.clear(), &replies);
        drive(set.discard(&item).unwrap(), &replies);
        drive(set.claim(count, Duration::from_millis(position as u64), now), &replies);
        // A lease as a claim could have handed it out: tokens come from Redis's INCRBY.
        let token = position as u64 % (1 << 53);
        let done = [Lease::from_parts(item.clone(), item.clone().into_bytes(), token, u32::MAX, token, score.unwrap_or(f64::NAN))];
        drive(set.ack_and_claim(&done, count, Duration::from_millis(position as u64), now), &replies);
        drive(set.recover(), &replies);
        drive(set.in_flight(), &replies);
        drive(set.dead_letters(), &replies);
        drive(set.purge_dead(), &replies);
        drive(set.stats(now), &replies);
        let timeout = Duration::from_millis(count as u64 % 5000);
        drive(set.pop_wait(timeout, now), &replies);
        drive(set.take_wait(count, timeout, now), &replies);
        drive(set.claim_wait(count, Duration::from_secs(1), timeout, now), &replies);
    }
}
