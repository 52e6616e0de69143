//! Flow control: the options word, flowing pops, grouped adds, waiting claims.

use std::sync::Arc;
use std::time::Duration;

use super::*;

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
