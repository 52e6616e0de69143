//! Waits that poll, sleep until due or block, and back off.

use std::time::Duration;

use super::*;

/// The wait probe's reply: the head's score and the ms until the earliest lease, no
/// held group, no limit, not paused.
fn probe_reply(head: Reply, lease: Reply) -> Reply {
    Reply::Array(vec![head, lease, Reply::Nil, Reply::Nil, Reply::Int(0)])
}

/// The sleeps an operation asked for, in seconds, from what `script_from` recorded.
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
