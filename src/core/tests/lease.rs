//! Leases: claims, acks, extensions, retries, recovery and dead letters.

use std::time::Duration;

use super::*;
use crate::Text;

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
