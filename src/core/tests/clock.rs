//! The server's `TIME` as "now".

use super::*;

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
