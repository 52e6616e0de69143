//! Counters and stats.

use std::time::Duration;

use super::*;

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
