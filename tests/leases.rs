//! Leases on a real redis-server: claim, ack, fencing, extend, retry, dead letters,
//! recovery, stats, and a consumer whose clock is an hour off.

mod support;

use std::thread::sleep;
use std::time::Duration;

use redis::Commands;
use redset::core::{Kind, Operation, SetCore, Step};
use redset::{Error, FnSerializer, Retried, ScheduledSet, SortedSet, Text};
use support::{now, RedisServer};

fn s(v: &str) -> String {
    v.to_owned()
}

fn server_ms(conn: &mut redis::Connection) -> u64 {
    let (secs, micros): (u64, u64) = redis::cmd("TIME").query(conn).unwrap();
    secs * 1000 + micros / 1000
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn claim_hands_out_leases_with_growing_tokens_and_ack_settles_them() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    for (i, item) in ["a", "b", "c"].iter().enumerate() {
        set.add_with_score(&s(item), i as f64).unwrap();
    }
    let before = server_ms(&mut server.conn());
    let leases = set.claim(2, Duration::from_secs(30)).unwrap();
    assert_eq!(
        leases.iter().map(|l| l.item.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(leases[0].token < leases[1].token);
    assert_eq!(leases[0].deliveries, 1);
    assert_eq!(leases[1].score, 1.0);
    let deadline = leases[0].deadline_ms();
    assert!(deadline >= before + 30_000 && deadline < before + 31_000);
    assert_eq!(set.len().unwrap(), 1, "len counts waiting items");
    assert_eq!(set.in_flight().unwrap(), 2);
    set.ack(&leases[0]).unwrap();
    set.ack_many(&leases[1..]).unwrap();
    assert_eq!(set.in_flight().unwrap(), 0);
    // Acking twice: the lease is no longer held.
    let err = set.ack(&leases[0]).unwrap_err();
    assert!(
        matches!(&err, Error::LeaseLost { tokens, .. } if tokens == &[leases[0].token]),
        "{err}"
    );
    assert!(set.claim(0, Duration::from_secs(1)).unwrap().is_empty());
    let last = set.claim(5, Duration::from_secs(1)).unwrap();
    assert_eq!(last.len(), 1);
    assert!(last[0].token > leases[1].token);
    // The companion keys share the set's slot (hash tag `{jobs}`).
    let keys: Vec<String> = server.conn().keys("*").unwrap();
    assert!(
        keys.iter().all(|k| k == "jobs" || k.starts_with("{jobs}:")),
        "{keys:?}"
    );
}

#[test]
fn a_lease_that_expired_and_was_claimed_again_is_fenced_off() {
    let server = RedisServer::start();
    let mut first = SortedSet::new(server.conn(), "jobs");
    let mut second = SortedSet::new(server.conn(), "jobs");
    first.add(&s("x")).unwrap();
    let mut stale = first.claim(1, 50 * MS).unwrap().remove(0);
    sleep(80 * MS);
    let fresh = second.claim(1, Duration::from_secs(30)).unwrap().remove(0);
    assert_eq!(fresh.item, "x");
    assert_eq!(fresh.deliveries, 2);
    assert!(fresh.token > stale.token);
    // The first consumer can change nothing any more.
    assert!(first.ack(&stale).unwrap_err().is_lease_lost());
    assert!(first
        .extend(&mut stale, Duration::from_secs(60))
        .unwrap_err()
        .is_lease_lost());
    assert!(first.retry(&stale, None).unwrap_err().is_lease_lost());
    assert!(first.release(&stale).unwrap_err().is_lease_lost());
    assert_eq!(first.in_flight().unwrap(), 1);
    assert_eq!(first.len().unwrap(), 0);
    // ack_many acks what is still held and names what is not.
    let err = second
        .ack_many(&[fresh.clone(), stale.clone()])
        .unwrap_err();
    assert!(
        matches!(&err, Error::LeaseLost { tokens, .. } if tokens == &[stale.token]),
        "{err}"
    );
    assert_eq!(second.in_flight().unwrap(), 0);
}

#[test]
fn extend_keeps_a_lease_past_its_first_deadline() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    let mut other = SortedSet::new(server.conn(), "jobs");
    set.add(&s("slow")).unwrap();
    // Extended every quarter of the lease, five times: past the first deadline, and a
    // stall of up to three quarters of the lease between two extends is survived.
    let lease_for = Duration::from_secs(1);
    let mut lease = set.claim(1, lease_for).unwrap().remove(0);
    let first_deadline = lease.deadline_ms();
    for _ in 0..5 {
        sleep(lease_for / 4);
        set.extend(&mut lease, lease_for).unwrap();
        assert!(other.claim(1, Duration::from_secs(1)).unwrap().is_empty());
    }
    assert!(lease.deadline_ms() > first_deadline + lease_for.as_millis() as u64 / 4);
    set.ack(&lease).unwrap();
    assert_eq!(set.stats().unwrap().in_flight, 0);
}

#[test]
fn retries_back_off_then_dead_letters_keep_the_reason_and_can_be_requeued() {
    let server = RedisServer::start();
    let mut admin = server.conn();
    let base = 40 * MS;
    let mut set = SortedSet::new(server.conn(), "jobs")
        .max_deliveries(3)
        .backoff(redset::Backoff {
            base,
            cap: Duration::from_secs(1),
        });
    set.add_with_score(&s("flaky"), 7.0).unwrap();
    let lease_for = Duration::from_secs(5);
    // When the item may be claimed again (server clock, ms): at once at first.
    let mut due_ms = 0;
    for delivery in 1..=3u32 {
        let lease = (0..1000)
            .find_map(|_| {
                let lease = set.claim(1, lease_for).unwrap().pop();
                if lease.is_none() {
                    sleep(10 * MS);
                }
                lease
            })
            .expect("the retried item comes back");
        assert_eq!(lease.deliveries, delivery);
        assert_eq!(lease.score, 7.0, "it comes back with its score");
        // Compared by the server's clock, so it holds however slow this machine is.
        let claimed_ms = lease.deadline_ms() - lease_for.as_millis() as u64;
        assert!(claimed_ms >= due_ms, "claimed before its backoff ended");
        let before = server_ms(&mut admin);
        let outcome = set
            .retry_with(&lease, None, &format!("boom {delivery}"))
            .unwrap();
        let after = server_ms(&mut admin);
        if delivery < 3 {
            // Held for the backoff (20-40 ms, then 40-80 ms), then back in the set.
            let Retried::Requeued { at_ms } = outcome else {
                panic!("requeued expected, got {outcome:?}")
            };
            let full = (base * 2u32.pow(delivery - 1)).as_millis() as u64;
            assert!(
                at_ms >= before + full / 2 && at_ms <= after + full,
                "a backoff of {} ms after delivery {delivery}",
                at_ms.saturating_sub(before)
            );
            due_ms = at_ms;
        } else {
            assert_eq!(outcome, Retried::Dead);
        }
    }
    let dead = set.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].item.as_deref(), Some("flaky"));
    assert_eq!(dead[0].reason, "boom 3");
    assert_eq!(dead[0].deliveries, 3);
    assert!(dead[0].time > std::time::UNIX_EPOCH);
    let stats = set.stats().unwrap();
    assert_eq!((stats.waiting, stats.in_flight, stats.dead), (0, 0, 1));
    assert_eq!(set.requeue_dead(&dead).unwrap(), 1);
    let again = set.claim(1, Duration::from_secs(5)).unwrap().remove(0);
    assert_eq!(
        (again.item.as_str(), again.deliveries, again.score),
        ("flaky", 1, 7.0)
    );
    set.retry_with(&again, Some(Duration::ZERO), "").unwrap();
    assert_eq!(set.len().unwrap(), 1, "no delay: back at once");
    assert_eq!(set.purge_dead().unwrap(), 0);
}

#[test]
fn expired_leases_come_back_or_die_after_the_maximum_deliveries() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs").max_deliveries(2);
    set.add_with_score(&s("a"), 1.0).unwrap();
    set.add_with_score(&s("b"), 2.0).unwrap();
    set.claim(2, 30 * MS).unwrap();
    sleep(60 * MS);
    let swept = set.recover().unwrap();
    assert_eq!((swept.requeued, swept.dead), (2, 0));
    assert_eq!(set.len().unwrap(), 2);
    let leases = set.claim(2, 30 * MS).unwrap();
    assert!(leases.iter().all(|l| l.deliveries == 2));
    sleep(60 * MS);
    // The next claim sweeps first: both reached the maximum, so both are dead.
    assert!(set.claim(2, 30 * MS).unwrap().is_empty());
    let dead = set.dead_letters().unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead[0].reason.contains("expired after 2 deliveries"),
        "{}",
        dead[0].reason
    );
    // release gives an item back without counting the delivery.
    set.requeue_dead(&dead).unwrap();
    let lease = set.claim(1, Duration::from_secs(5)).unwrap().remove(0);
    set.release(&lease).unwrap();
    assert_eq!(
        set.claim(1, Duration::from_secs(5)).unwrap()[0].deliveries,
        1
    );
    assert_eq!(set.purge_dead().unwrap(), 0);
}

#[test]
fn each_claim_keeps_its_maximum_deliveries_with_the_set_for_operators() {
    let server = RedisServer::start();
    let mut watcher = SortedSet::new(server.conn(), "jobs");
    assert_eq!(watcher.stats().unwrap().max_deliveries, None);
    let mut strict = SortedSet::new(server.conn(), "jobs").max_deliveries(1);
    strict.add(&s("a")).unwrap();
    assert_eq!(strict.claim(1, 30 * MS).unwrap().len(), 1);
    assert_eq!(watcher.stats().unwrap().max_deliveries, Some(1));
    // The last claim's maximum is the one kept, even a claim that finds nothing.
    let mut lenient = SortedSet::new(server.conn(), "jobs").max_deliveries(7);
    assert!(lenient.claim(1, Duration::from_secs(5)).unwrap().is_empty());
    assert_eq!(watcher.stats().unwrap().max_deliveries, Some(7));
    // A client's own recover goes by its own maximum, whatever was kept.
    sleep(60 * MS);
    let swept = strict.recover().unwrap();
    assert_eq!((swept.requeued, swept.dead), (0, 1));
}

#[test]
fn an_item_that_fails_to_deserialize_on_claim_goes_to_the_dead_letters() {
    let server = RedisServer::start();
    let mut raw = server.conn();
    let _: () = raw.zadd("nums", "12", 1).unwrap();
    let _: () = raw.zadd("nums", "not a number", 2).unwrap();
    let _: () = raw.zadd("nums", "13", 3).unwrap();
    let mut set = SortedSet::new(server.conn(), "nums").serializer(Text::<u32>::new());
    let leases = set.claim(10, Duration::from_secs(5)).unwrap();
    assert_eq!(leases.iter().map(|l| l.item).collect::<Vec<_>>(), [12, 13]);
    let dead = set.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].item, None);
    assert_eq!(dead[0].member(), b"not a number");
    assert!(
        dead[0].reason.starts_with("undecodable"),
        "{}",
        dead[0].reason
    );
    assert_eq!(
        set.in_flight().unwrap(),
        2,
        "nothing lost, nothing left leased"
    );
    // A serializer that fails on one item only.
    let picky = FnSerializer::new(
        |s: &String| Ok(s.clone().into_bytes()),
        |b: &[u8]| match b {
            b"bad" => Err("no".into()),
            _ => Ok(String::from_utf8(b.to_vec())?),
        },
    );
    let mut set = SortedSet::new(server.conn(), "words").serializer(picky);
    set.add(&s("bad")).unwrap();
    assert!(set.claim(1, Duration::from_secs(5)).unwrap().is_empty());
    assert_eq!(set.stats().unwrap().dead, 1);
}

#[test]
fn scheduled_sets_lease_only_due_items_and_retry_to_a_later_score() {
    let server = RedisServer::start();
    let mut set = ScheduledSet::new(server.conn(), "retries");
    set.add_with_score(&s("due"), now() - 1.0).unwrap();
    set.add_with_score(&s("later"), now() + 3600.0).unwrap();
    let leases = set.claim(10, Duration::from_secs(5)).unwrap();
    assert_eq!(leases.len(), 1);
    assert_eq!(leases[0].item, "due");
    let stats = set.stats().unwrap();
    assert_eq!((stats.waiting, stats.due, stats.in_flight), (1, 0, 1));
    assert_eq!(stats.oldest_due_age, None);
    let before = now();
    let Retried::Requeued { at_ms } = set
        .retry_with(&leases[0], Some(Duration::from_secs(60)), "")
        .unwrap()
    else {
        panic!("requeued expected")
    };
    let score = set.score(&s("due")).unwrap().unwrap();
    assert!((score - at_ms as f64 / 1000.0).abs() < 0.01);
    assert!(score > before + 59.0 && score < before + 61.0);
    assert!(set.claim(10, Duration::from_secs(5)).unwrap().is_empty());
    // The original's lock is honoured by claims too.
    let _: () = server.conn().set("retries__lock", now() + 20.0).unwrap();
    set.add_with_score(&s("now"), now() - 1.0).unwrap();
    let mut locked = ScheduledSet::new(server.conn(), "retries").lock_timeout(50 * MS);
    assert!(matches!(
        locked.claim(1, Duration::from_secs(5)).unwrap_err(),
        Error::LockTimeout { .. }
    ));
    let stats = set.stats().unwrap();
    assert!(stats.oldest_due_age.unwrap() >= Duration::from_millis(900));
}

/// Runs a core operation over a connection, with the caller's idea of "now".
fn run<O: Operation>(conn: &mut redis::Connection, mut op: O) -> O::Output {
    let mut step = op.start().unwrap();
    loop {
        step = match step {
            Step::Done(out) => return out,
            Step::Send(cmd) => {
                let mut redis_cmd = redis::cmd(cmd.name());
                for arg in &cmd.args()[1..] {
                    redis_cmd.arg(&arg[..]);
                }
                let reply = match redis_cmd.query::<redis::Value>(conn) {
                    Ok(value) => to_reply(value),
                    // An error reply (NOSCRIPT the first time) goes to the core.
                    Err(e) => redset::core::Reply::error(&format!(
                        "{} {}",
                        e.code().expect("an error reply"),
                        e.detail().unwrap_or_default()
                    )),
                };
                op.feed(reply).unwrap()
            }
            Step::Pipeline(cmds) => {
                let mut pipe = redis::pipe();
                for cmd in &cmds {
                    pipe.add_command(redis::cmd(cmd.name()).arg(&cmd.args()[1..]).clone());
                }
                let values: Vec<redis::Value> = pipe.ignore_errors().query(conn).unwrap();
                op.feed(to_reply(redis::Value::Array(values))).unwrap()
            }
            Step::Sleep(_) | Step::Now => panic!("no sleep expected"),
        }
    }
}

fn to_reply(value: redis::Value) -> redset::core::Reply {
    use redset::core::Reply;
    match value {
        redis::Value::Nil => Reply::Nil,
        redis::Value::Int(n) => Reply::Int(n),
        redis::Value::BulkString(b) => Reply::Bulk(b),
        redis::Value::Array(items) => Reply::Array(items.into_iter().map(to_reply).collect()),
        redis::Value::Okay => Reply::Status("OK".into()),
        redis::Value::SimpleString(s) => Reply::Status(s),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_consumer_whose_clock_is_an_hour_off_claims_and_acks_correctly() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    run(&mut conn, set.add(&s("x"), Some(1.0), 0.0).unwrap());
    let ahead = now() + 3600.0;
    let behind = now() - 3600.0;
    // An hour ahead: the lease still lasts 30 s by the server's clock (long enough to
    // outlive the steps below on a slow machine; an hour is what a skew would add).
    let lease_for = Duration::from_secs(30);
    let lease = run(&mut conn, set.claim(1, lease_for, ahead)).remove(0);
    let server_now = server_ms(&mut conn);
    assert!(lease.deadline_ms() <= server_now + lease_for.as_millis() as u64);
    // An hour behind: sees the lease as live, not expired long ago, and claims nothing.
    assert!(run(&mut conn, set.claim(1, lease_for, behind)).is_empty());
    run(&mut conn, set.ack(std::slice::from_ref(&lease)));
    assert_eq!(run(&mut conn, set.in_flight()), 0);
    // And it expires on time for the clock that is behind, too.
    run(&mut conn, set.add(&s("y"), Some(1.0), 0.0).unwrap());
    run(&mut conn, set.claim(1, 100 * MS, ahead));
    sleep(150 * MS);
    let again = run(&mut conn, set.claim(1, 100 * MS, behind));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].deliveries, 2);
}

#[test]
fn a_priority_set_leases_items_of_any_score() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    set.add_with_score(&s("far"), 1e12).unwrap();
    set.add_with_score(&s("inf"), f64::INFINITY).unwrap();
    let leases = set.claim(5, Duration::from_secs(5)).unwrap();
    assert_eq!(leases.len(), 2);
    assert_eq!(leases[1].score, f64::INFINITY);
    set.release(&leases[1]).unwrap();
    assert_eq!(set.score(&s("inf")).unwrap(), Some(f64::INFINITY));
}

#[test]
fn clear_takes_the_leases_and_dead_letters_with_it_and_tokens_keep_growing() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs").max_deliveries(1);
    set.add_many(["a", "b", "c"]).unwrap();
    // "a" on a lease that expires soon; "b" on one that lasts until its retry.
    let mut held = set.claim(1, 30 * MS).unwrap();
    held.extend(set.claim(1, Duration::from_secs(30)).unwrap());
    set.retry(&held[1], None).unwrap(); // max 1 delivery: dead
    assert!(set.clear().unwrap());
    sleep(60 * MS);
    // The expired lease does not bring "a" back into the cleared set.
    assert!(set.claim(5, Duration::from_secs(1)).unwrap().is_empty());
    let stats = set.stats().unwrap();
    assert_eq!((stats.waiting, stats.in_flight, stats.dead), (0, 0, 0));
    assert!(!set.clear().unwrap());
    set.add("a").unwrap();
    let again = set.claim(1, Duration::from_secs(1)).unwrap().remove(0);
    assert!(again.token > held[1].token, "no token is handed out twice");
    assert!(set.ack(&held[0]).unwrap_err().is_lease_lost());
}

#[test]
fn a_claim_of_usize_max_items_claims_them_all() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    set.add_many(["a", "b"]).unwrap();
    assert_eq!(
        set.claim(usize::MAX, Duration::from_secs(1)).unwrap().len(),
        2
    );
}

#[test]
fn ack_and_claim_settles_the_last_lease_and_hands_out_the_next_in_one_round_trip() {
    let server = RedisServer::start();
    let mut admin = server.conn();
    let mut set = SortedSet::new(server.conn(), "jobs");
    for (i, item) in ["a", "b", "c"].iter().enumerate() {
        set.add_with_score(&s(item), i as f64).unwrap();
    }
    let first = set.claim(1, Duration::from_secs(30)).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut admin)
        .unwrap();
    let next = set
        .ack_and_claim(&first, 2, Duration::from_secs(30))
        .unwrap();
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut admin)
        .unwrap();
    assert!(stats.contains("cmdstat_evalsha:calls=1,"), "{stats}");
    let items: Vec<_> = next.iter().map(|l| l.item.as_str()).collect();
    assert_eq!(items, ["b", "c"]);
    assert!(next
        .iter()
        .all(|l| l.token > first[0].token && l.deliveries == 1));
    assert_eq!((set.len().unwrap(), set.in_flight().unwrap()), (0, 2));
    // Nothing left to claim: the acks still land.
    assert!(set
        .ack_and_claim(&next, 1, Duration::from_secs(30))
        .unwrap()
        .is_empty());
    assert_eq!(set.in_flight().unwrap(), 0);
    // Fresh items claimed and acked leave no companion key behind but the counter and
    // the flow hash (where each claim keeps its maximum deliveries).
    let mut keys: Vec<String> = admin.keys("*").unwrap();
    keys.sort();
    assert_eq!(keys, ["{jobs}:fence", "{jobs}:flow"], "{keys:?}");
    // With nothing to ack it is a claim.
    set.add(&s("d")).unwrap();
    let none: &[redset::Lease<String>] = &[];
    assert_eq!(
        set.ack_and_claim(none, 1, Duration::from_secs(30)).unwrap()[0].item,
        "d"
    );
}

#[test]
fn ack_and_claim_with_a_lost_lease_acks_the_rest_and_claims_nothing() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    let mut other = SortedSet::new(server.conn(), "jobs");
    for item in ["a", "b", "c"] {
        set.add(&s(item)).unwrap();
    }
    let mut held = set.claim(2, 50 * MS).unwrap();
    sleep(80 * MS);
    // Both leases expired; another consumer claims "a" again, then "b".
    let taken = other.claim(1, Duration::from_secs(30)).unwrap();
    assert_eq!(taken[0].item, "a");
    let fresh = other.claim(1, Duration::from_secs(30)).unwrap();
    assert_eq!(fresh[0].item, "b");
    // The stale lease on "a" and the current one on "b", acked with a claim.
    held.truncate(1);
    let done = [held[0].clone(), fresh[0].clone()];
    let err = set
        .ack_and_claim(&done, 5, Duration::from_secs(30))
        .unwrap_err();
    assert!(
        matches!(&err, Error::LeaseLost { tokens, .. } if tokens == &[held[0].token]),
        "{err}"
    );
    // "b" was acked and nothing was claimed: "a" is still the other's, "c" waits.
    assert_eq!(set.in_flight().unwrap(), 1);
    assert!(other.ack(&taken[0]).is_ok());
    assert_eq!(set.len().unwrap(), 1);
}

#[test]
fn ack_and_claim_under_the_originals_lock_changes_nothing_until_it_is_free() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let mut set = ScheduledSet::new(server.conn(), "due").lock_timeout(50 * MS);
    set.add_with_score(&s("a"), now() - 2.0).unwrap();
    set.add_with_score(&s("b"), now() - 1.0).unwrap();
    let first = set.claim(1, Duration::from_secs(30)).unwrap();
    let _: () = conn.set("due__lock", now() + 20.0).unwrap();
    assert!(matches!(
        set.ack_and_claim(&first, 1, Duration::from_secs(30))
            .unwrap_err(),
        Error::LockTimeout { .. }
    ));
    assert_eq!((set.in_flight().unwrap(), set.len().unwrap()), (1, 1));
    let _: () = conn.del("due__lock").unwrap();
    let next = set
        .ack_and_claim(&first, 1, Duration::from_secs(30))
        .unwrap();
    assert_eq!(next[0].item, "b");
    assert_eq!(set.in_flight().unwrap(), 1);
}

#[test]
fn ack_and_claim_waiting_for_replicas_acks_first_then_claims() {
    let server = RedisServer::start();
    // No replica: WAIT 0 answers at once, and the ack is its own round trip.
    let mut set = SortedSet::new(server.conn(), "jobs").wait_for_replicas(0, 100 * MS);
    set.add(&s("a")).unwrap();
    set.add(&s("b")).unwrap();
    let first = set.claim(1, Duration::from_secs(30)).unwrap();
    let next = set
        .ack_and_claim(&first, 1, Duration::from_secs(30))
        .unwrap();
    assert_eq!(next[0].item, "b");
    assert_eq!(set.in_flight().unwrap(), 1);
    let stale = set
        .ack_and_claim(&first, 1, Duration::from_secs(30))
        .unwrap_err();
    assert!(stale.is_lease_lost(), "{stale}");
}

#[test]
fn in_flight_items_list_holders_retries_and_expired_leases_for_operators() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs").backoff(redset::Backoff {
        base: Duration::from_secs(60),
        cap: Duration::from_secs(60),
    });
    for (i, item) in ["held", "retried", "expired", "waiting"].iter().enumerate() {
        set.add_with_score(&s(item), i as f64).unwrap();
    }
    let mut leases = set.claim(3, Duration::from_secs(30)).unwrap();
    set.retry(&leases[1], None).unwrap();
    set.extend(&mut leases[2], MS).unwrap();
    sleep(Duration::from_millis(20));
    // Undecodable members are listed too, as members.
    redis::cmd("ZADD")
        .arg("{jobs}:leases")
        .arg(server_ms(&mut server.conn()) + 60_000)
        .arg(b"\xff")
        .exec(&mut server.conn())
        .unwrap();

    let listed = set.in_flight_items(10).unwrap();
    let by_item: Vec<_> = listed[..3]
        .iter()
        .map(|l| (l.item.as_deref(), l.token, l.deliveries, l.score))
        .collect();
    assert_eq!(
        by_item,
        [
            (Some("expired"), Some(leases[2].token), 1, 2.0),
            (Some("held"), Some(leases[0].token), 1, 0.0),
            (Some("retried"), None, 1, 1.0),
        ]
    );
    assert_eq!((listed[3].item.as_deref(), listed[3].token), (None, None));
    assert_eq!(
        listed[0].time_left,
        Duration::ZERO,
        "expired, not yet recovered"
    );
    let left = listed[1].time_left;
    assert!(
        left > Duration::from_secs(25) && left <= Duration::from_secs(30),
        "{left:?}"
    );
    assert_eq!(listed[1].deadline, leases[0].deadline);
    assert!(
        listed[2].time_left > Duration::from_secs(29),
        "a retry's delay"
    );
    assert_eq!(listed[3].member(), b"\xff");
    assert!(listed[3].score.is_nan(), "no record to read a score from");
    assert_eq!(set.in_flight_items(2).unwrap().len(), 2, "bounded");
    assert!(set.in_flight_items(0).unwrap().is_empty());
    assert_eq!(
        set.peek_items(0, 5).unwrap()[0].item.as_deref(),
        Some("waiting")
    );
}

#[test]
fn counters_count_exactly_what_the_scripts_did_when_the_set_counts() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs")
        .metrics(true)
        .max_deliveries(2);
    assert_eq!(set.stats().unwrap().counters, None, "never counted yet");
    set.add_many(["a", "b", "c", "d", "e"]).unwrap();
    set.add("a").unwrap(); // a re-add: nothing new
                           // Counting changed scores too (CH): a new score for "c" is not a new item, "f" is.
    let changed = redset::core::AddOptions {
        count_changed: true,
        ..Default::default()
    };
    let (c, f) = ("c", "f");
    assert_eq!(
        set.add_many_with([(c, Some(7.0)), (f, None)], changed)
            .unwrap(),
        2
    );
    // A producer that does not count adds uncounted.
    SortedSet::new(server.conn(), "jobs")
        .add("uncounted")
        .unwrap();
    let leases = set.claim(4, Duration::from_secs(30)).unwrap();
    set.ack(&leases[0]).unwrap();
    set.retry_with(&leases[1], Some(Duration::ZERO), "")
        .unwrap();
    set.release(&leases[2]).unwrap();
    let mut short = leases[3].clone();
    set.extend(&mut short, MS).unwrap();
    sleep(Duration::from_millis(20));
    assert_eq!(set.recover().unwrap().requeued, 1);
    // "b" again (its second delivery), retried past the maximum: dead, then requeued.
    let again = set.claim(10, Duration::from_secs(30)).unwrap();
    let b = again.iter().find(|l| l.item == "b").unwrap();
    assert_eq!(set.retry(b, None).unwrap(), Retried::Dead);
    let dead = set.dead_letters().unwrap();
    assert_eq!(set.requeue_dead(&dead).unwrap(), 1);
    let acked: Vec<_> = again.into_iter().filter(|l| l.item != "b").collect();
    set.ack_many(&acked).unwrap();

    let counters = set.stats().unwrap().counters.unwrap();
    assert_eq!(
        counters,
        redset::core::Counters {
            added: 6,
            claimed: 4 + 6,
            acked: 1 + 5,
            retried: 1,
            released: 1,
            dead: 1,
            recovered: 1,
            requeued: 1,
        }
    );
    // The counters outlive clear(), as a Prometheus counter does.
    set.clear().unwrap();
    assert_eq!(set.stats().unwrap().counters, Some(counters));
}
