//! Sharing a scheduled set with the Python original: its lock waited out, timed out,
//! or left out where a cluster refuses its key.

use std::time::Duration;

use super::*;

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
