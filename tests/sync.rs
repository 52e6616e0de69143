//! The synchronous driver against a real redis-server, over RESP2 and RESP3.

mod support;

use std::sync::{Arc, Mutex};

use redis::Commands;
use redset::{Bytes, Error, Json, ScheduledSet, SortedSet, Text, TimeSortedSet};
use support::{now, RedisServer};

fn s(v: &str) -> String {
    v.to_owned()
}

/// Runs `check` once on a RESP2 connection and once on a RESP3 one.
fn each_protocol(check: impl Fn(&RedisServer, redis::Connection)) {
    let server = RedisServer::start();
    check(&server, server.conn());
    redis::cmd("FLUSHALL").exec(&mut server.conn()).unwrap();
    check(&server, server.conn_resp3());
}

#[test]
fn add_uses_default_zero_explicit_scores_and_scorer() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "jobs");
        assert_eq!(set.add(&s("a")).unwrap(), 0.0);
        assert_eq!(set.add_with_score(&s("b"), 2.5).unwrap(), 2.5);
        assert_eq!(set.score(&s("a")).unwrap(), Some(0.0));
        assert_eq!(set.score(&s("b")).unwrap(), Some(2.5));
        assert_eq!(set.score(&s("missing")).unwrap(), None);
        // Re-adding updates the score and does not duplicate the item.
        assert_eq!(set.add_with_score(&s("a"), 7.0).unwrap(), 7.0);
        assert_eq!(set.len().unwrap(), 2);
        assert_eq!(set.score(&s("a")).unwrap(), Some(7.0));

        let mut scored =
            SortedSet::new(set.into_connection(), "scored").scorer(|w: &String| w.len() as f64);
        assert_eq!(scored.add(&s("four")).unwrap(), 4.0);
        // An explicit 0 is kept, not replaced by the scorer (the original's bug).
        assert_eq!(scored.add_with_score(&s("zero"), 0.0).unwrap(), 0.0);
        assert_eq!(scored.score(&s("zero")).unwrap(), Some(0.0));
    });
}

#[test]
fn the_key_is_the_name_and_members_are_the_serialized_bytes() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "exact:name").serializer(Text::<u32>::new());
    set.add_with_score(&42, 1.0).unwrap();
    let raw: Vec<(Vec<u8>, f64)> = server
        .conn()
        .zrange_withscores("exact:name", 0, -1)
        .unwrap();
    assert_eq!(raw, vec![(b"42".to_vec(), 1.0)]);
    let keys: Vec<String> = server.conn().keys("*").unwrap();
    assert_eq!(
        keys,
        vec![s("exact:name")],
        "no lock key or other key is created"
    );
}

#[test]
fn pop_returns_lowest_first_and_empty_names_the_set() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "queue");
        set.add_with_score(&s("late"), 3.0).unwrap();
        set.add_with_score(&s("early"), -1.0).unwrap();
        set.add_with_score(&s("middle"), 1.0).unwrap();
        assert_eq!(set.pop().unwrap(), Some(s("early")));
        assert_eq!(set.pop().unwrap(), Some(s("middle")));
        assert_eq!(set.pop().unwrap(), Some(s("late")));
        let err = set.pop().unwrap_err();
        assert!(err.is_empty(), "{err:?}");
        assert!(err.to_string().contains("queue"), "{err}");
        assert!(matches!(err, Error::Empty { ref set, position: 0 } if set == "queue"));
    });
}

#[test]
fn empty_string_and_zero_are_items() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "falsy");
        set.add_with_score(&s(""), 1.0).unwrap();
        set.add_with_score(&s("0"), 2.0).unwrap();
        assert!(set.contains(&s("")).unwrap());
        assert_eq!(set.peek().unwrap(), Some(s("")));
        assert_eq!(set.pop().unwrap(), Some(s("")));
        assert_eq!(set.take(5).unwrap(), vec![s("0")]);
        assert!(set.is_empty().unwrap());
    });
}

#[test]
fn undecodable_items_are_removed_reported_and_skipped() {
    each_protocol(|server, conn| {
        let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let log = seen.clone();
        let mut set = SortedSet::new(conn, "mixed")
            .serializer(Text::<u32>::new())
            .on_undecodable(move |bad| {
                log.lock()
                    .unwrap()
                    .push((bad.set.to_owned(), bad.raw_preview()))
            });
        let _: () = server.conn().zadd("mixed", "not-a-number", 1.0).unwrap();
        set.add_with_score(&7, 2.0).unwrap();
        assert_eq!(set.pop().unwrap(), None, "a bad item pops as None");
        assert_eq!(set.len().unwrap(), 1, "and is removed");
        let _: () = server.conn().zadd("mixed", "bad-again", 0.0).unwrap();
        assert_eq!(set.take(10).unwrap(), vec![7], "take leaves bad items out");
        assert!(set.is_empty().unwrap());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0], (s("mixed"), s("\"not-a-number\"")));
    });
}

#[test]
fn take_is_ordered_bounded_and_zero_takes_nothing() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "batch").serializer(Text::<u32>::new());
        for i in (0..10).rev() {
            set.add_with_score(&i, i as f64).unwrap();
        }
        assert_eq!(set.take(0).unwrap(), Vec::<u32>::new());
        assert_eq!(set.len().unwrap(), 10);
        assert_eq!(set.take(3).unwrap(), vec![0, 1, 2]);
        assert_eq!(set.take(100).unwrap(), (3..10).collect::<Vec<_>>());
        assert_eq!(set.take(5).unwrap(), Vec::<u32>::new());
    });
}

#[test]
fn take_one_hundred_thousand_in_one_call() {
    let server = RedisServer::start();
    for name in ["big-sorted", "big-scheduled"] {
        let mut pipe = redis::pipe();
        for i in 0..100_000u32 {
            pipe.zadd(name, i, i as f64).ignore();
        }
        pipe.exec(&mut server.conn()).unwrap();
    }
    let mut sorted = SortedSet::new(server.conn(), "big-sorted").serializer(Text::<u32>::new());
    let got = sorted.take(100_000).unwrap();
    assert_eq!(got, (0..100_000).collect::<Vec<_>>());
    let mut scheduled =
        ScheduledSet::new(server.conn(), "big-scheduled").serializer(Text::<u32>::new());
    let got = scheduled.take(100_000).unwrap();
    assert_eq!(got, (0..100_000).collect::<Vec<_>>());
    assert!(scheduled.is_empty().unwrap());
}

#[test]
fn peek_and_peek_score_remove_nothing() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "peeks");
        assert!(set.peek().unwrap_err().is_empty());
        assert_eq!(set.peek_score().unwrap(), None);
        set.add_with_score(&s("b"), 2.0).unwrap();
        set.add_with_score(&s("a"), 1.0).unwrap();
        assert_eq!(set.peek().unwrap(), Some(s("a")));
        assert_eq!(set.peek_at(1).unwrap(), Some(s("b")));
        let err = set.peek_at(2).unwrap_err();
        assert!(matches!(err, Error::Empty { position: 2, .. }), "{err:?}");
        assert_eq!(set.peek_score().unwrap(), Some(1.0));
        assert_eq!(set.len().unwrap(), 2);
    });
}

#[test]
fn peek_items_lists_eligible_items_with_scores_in_order() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "jobs");
    for (item, score) in [("c", 3.0), ("a", 1.0), ("b", 2.0)] {
        set.add_with_score(item, score).unwrap();
    }
    let listed = |entries: Vec<redset::Entry<String>>| {
        entries
            .into_iter()
            .map(|e| (e.item.unwrap(), e.score))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(set.peek_items(0, 2).unwrap()),
        [(s("a"), 1.0), (s("b"), 2.0)]
    );
    assert_eq!(listed(set.peek_items(2, 10).unwrap()), [(s("c"), 3.0)]);
    assert!(set.peek_items(5, 10).unwrap().is_empty());
    assert!(set.peek_items(0, 0).unwrap().is_empty());
    assert_eq!(set.len().unwrap(), 3, "nothing removed");

    // A scheduled set lists only what is due.
    let mut due = redset::ScheduledSet::new(server.conn(), "retries");
    due.add_with_score("later", now() + 3600.0).unwrap();
    due.add_with_score("now", now() - 1.0).unwrap();
    let entries = due.peek_items(0, 10).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].item.as_deref(), Some("now"));
    assert_eq!(entries[0].member(), b"now");
}

#[test]
fn contains_discard_clear_len() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "misc");
        assert!(set.is_empty().unwrap());
        assert!(!set.clear().unwrap(), "clearing a missing key is false");
        set.add(&s("x")).unwrap();
        set.add(&s("y")).unwrap();
        assert!(set.contains(&s("x")).unwrap());
        assert!(!set.contains(&s("z")).unwrap());
        assert!(set.discard(&s("x")).unwrap());
        assert!(!set.discard(&s("x")).unwrap());
        assert_eq!(set.len().unwrap(), 1);
        assert!(set.clear().unwrap());
        assert_eq!(set.len().unwrap(), 0);
    });
}

#[test]
fn display_and_debug_show_kind_and_name() {
    let server = RedisServer::start();
    let set = SortedSet::new(server.conn(), "jobs");
    assert_eq!(set.to_string(), "SortedSet(\"jobs\")");
    assert!(format!("{set:?}").contains("SortedSet") && format!("{set:?}").contains("jobs"));
    assert_eq!(
        TimeSortedSet::new(server.conn(), "t").to_string(),
        "TimeSortedSet(\"t\")"
    );
    assert_eq!(
        ScheduledSet::new(server.conn(), "s").to_string(),
        "ScheduledSet(\"s\")"
    );
    assert_eq!(set.name(), "jobs");
}

#[test]
fn nan_is_rejected_before_sending_and_infinities_round_trip() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "scores");
        let err = set.add_with_score(&s("nan"), f64::NAN).unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        assert_eq!(set.len().unwrap(), 0, "nothing was stored");
        let mut nan_scorer =
            SortedSet::new(set.into_connection(), "scores").scorer(|_: &String| f64::NAN);
        assert!(matches!(
            nan_scorer.add(&s("x")),
            Err(Error::InvalidInput(_))
        ));
        let mut set = SortedSet::new(nan_scorer.into_connection(), "scores");
        set.add_with_score(&s("top"), f64::INFINITY).unwrap();
        set.add_with_score(&s("bottom"), f64::NEG_INFINITY).unwrap();
        assert_eq!(set.score(&s("top")).unwrap(), Some(f64::INFINITY));
        assert_eq!(set.peek_score().unwrap(), Some(f64::NEG_INFINITY));
        assert_eq!(set.pop().unwrap(), Some(s("bottom")));
        // Tiny, huge and fractional scores survive the trip exactly.
        for score in [
            1e-300,
            1.7976931348623157e308,
            0.1 + 0.2,
            -0.0,
            1732391234.123456,
        ] {
            set.add_with_score(&s("exact"), score).unwrap();
            assert_eq!(set.score(&s("exact")).unwrap(), Some(score));
        }
    });
}

#[test]
fn a_key_of_another_type_gives_the_servers_wrongtype_error() {
    each_protocol(|server, conn| {
        let _: () = server.conn().set("plain", "string").unwrap();
        let mut set = SortedSet::new(conn, "plain");
        let err = set.add(&s("x")).unwrap_err();
        assert_eq!(err.server_code(), Some("WRONGTYPE"), "{err:?}");
        assert!(
            err.to_string()
                .contains("WRONGTYPE Operation against a key"),
            "{err}"
        );
        assert!(matches!(set.pop(), Err(Error::Server { .. })));
        assert!(matches!(set.take(3), Err(Error::Server { .. })));
        assert!(matches!(set.peek(), Err(Error::Server { .. })));
        assert!(matches!(set.len(), Err(Error::Server { .. })));
        let mut scheduled = ScheduledSet::new(set.into_connection(), "plain");
        assert_eq!(
            scheduled.pop().unwrap_err().server_code(),
            Some("WRONGTYPE")
        );
        assert_eq!(
            scheduled.available().unwrap_err().server_code(),
            Some("WRONGTYPE")
        );
    });
}

#[test]
fn a_dropped_connection_is_a_connection_error() {
    let server = RedisServer::start();
    let mut set = SortedSet::new(server.conn(), "gone");
    set.add(&s("kept")).unwrap();
    let _: redis::RedisResult<()> = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .exec(&mut server.conn());
    // A pop is not repeated: its outcome is unknown, and the error says so.
    let err = set.pop().unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { command, .. } if command == "ZPOPMIN"),
        "{err:?}"
    );
    // A read is repeated once, which a plain connection cannot carry: a connection error.
    let err = set.len().unwrap_err();
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
    assert_eq!(
        SortedSet::new(server.conn(), "gone").len().unwrap(),
        1,
        "nothing lost"
    );
}

#[test]
fn a_set_from_a_client_reconnects_and_repeats_only_what_is_safe() {
    let mut server = RedisServer::start_durable();
    let mut set = SortedSet::from_client(server.client(), "jobs");
    set.add_many(["a", "b", "c"]).unwrap();
    server.kill_and_restart();
    // Safe to repeat: sent again on a new connection, no error at all.
    assert_eq!(set.len().unwrap(), 3);
    server.kill_and_restart();
    assert_eq!(set.add("d").unwrap(), 0.0);
    server.kill_and_restart();
    // Not safe to repeat: the pop fails, saying its outcome is unknown ...
    let err = set.pop().unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    // ... and the next call runs on a new connection.
    let popped = set.pop().unwrap().unwrap();
    assert!(["a", "b", "c", "d"].contains(&popped.as_str()));
    assert_eq!(set.len().unwrap(), 3, "the failed pop took nothing");
    // Leases are fenced, so claims and acks are repeated too.
    server.kill_and_restart();
    let leases = set.claim(3, std::time::Duration::from_secs(30)).unwrap();
    server.kill_and_restart();
    set.ack_many(&leases).unwrap();
    assert_eq!(set.stats().unwrap().in_flight, 0);
}

#[test]
fn time_sorted_set_is_fifo_by_add_time() {
    each_protocol(|_, conn| {
        let mut set = TimeSortedSet::new(conn, "fifo");
        let before = now();
        let first = set.add(&s("first")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = set.add(&s("second")).unwrap();
        assert!(
            first >= before - 1.0 && first <= now() + 1.0,
            "{first} is now"
        );
        assert!(second > first);
        assert_eq!(set.pop().unwrap(), Some(s("first")));
        assert_eq!(set.pop().unwrap(), Some(s("second")));
        assert_eq!(
            set.add_with_score(&s("epoch"), 0.0).unwrap(),
            0.0,
            "explicit 0 is kept"
        );
    });
}

#[test]
fn scheduled_set_hands_out_only_due_items() {
    each_protocol(|_, conn| {
        let mut set = ScheduledSet::new(conn, "retries");
        let t = now();
        set.add_with_score(&s("future"), t + 3600.0).unwrap();
        set.add_with_score(&s("due-2"), t - 1.0).unwrap();
        set.add_with_score(&s("due-1"), t - 2.0).unwrap();
        let default = set.add(&s("due-now")).unwrap();
        assert!((default - t).abs() < 5.0, "default score is now");
        assert_eq!(set.len().unwrap(), 4);
        assert_eq!(set.available().unwrap(), 3);
        assert_eq!(set.peek().unwrap(), Some(s("due-1")));
        assert_eq!(set.peek_at(2).unwrap(), Some(s("due-now")));
        assert!(
            set.peek_at(3).unwrap_err().is_empty(),
            "the future item is not visible"
        );
        assert_eq!(set.peek_score().unwrap(), Some(t - 2.0));
        assert_eq!(set.pop().unwrap(), Some(s("due-1")));
        assert_eq!(set.take(10).unwrap(), vec![s("due-2"), s("due-now")]);
        assert!(set.pop().unwrap_err().is_empty());
        assert_eq!(set.take(10).unwrap(), Vec::<String>::new());
        assert_eq!(set.peek_score().unwrap(), None);
        assert!(set.contains(&s("future")).unwrap());
        assert_eq!(set.len().unwrap(), 1);
        assert_eq!(set.available().unwrap(), 0);
    });
}

#[test]
fn scheduled_pop_survives_a_script_flush() {
    each_protocol(|server, conn| {
        let mut set = ScheduledSet::new(conn, "flushed");
        set.add_with_score(&s("a"), 1.0).unwrap();
        set.add_with_score(&s("b"), 2.0).unwrap();
        redis::cmd("SCRIPT")
            .arg("FLUSH")
            .exec(&mut server.conn())
            .unwrap();
        assert_eq!(
            set.pop().unwrap(),
            Some(s("a")),
            "NOSCRIPT falls back to EVAL"
        );
        assert_eq!(set.pop().unwrap(), Some(s("b")), "and EVALSHA works again");
    });
}

#[test]
fn json_items_match_the_python_namedtuple_format() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Task {
        id: u32,
        url: String,
    }
    each_protocol(|server, conn| {
        let mut set = SortedSet::new(conn, "tasks").serializer(Json::<Task>::new());
        // As Python's json.dumps(nt._asdict()) writes it, with its spaces.
        let _: () = server
            .conn()
            .zadd("tasks", r#"{"id": 1, "url": "a"}"#, 1.0)
            .unwrap();
        set.add_with_score(&Task { id: 2, url: s("b") }, 2.0)
            .unwrap();
        assert_eq!(set.pop().unwrap(), Some(Task { id: 1, url: s("a") }));
        let raw: Vec<String> = server.conn().zrange("tasks", 0, -1).unwrap();
        assert_eq!(raw, vec![s(r#"{"id":2,"url":"b"}"#)]);
    });
}

#[test]
fn bytes_are_binary_safe() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "bin").serializer(Bytes);
        let item = vec![0u8, 255, 13, 10, 36];
        set.add(&item).unwrap();
        assert!(set.contains(&item).unwrap());
        assert_eq!(set.pop().unwrap(), Some(item));
    });
}

#[test]
fn a_failing_serializer_sends_nothing() {
    let server = RedisServer::start();
    let failing = redset::FnSerializer::new(
        |_: &String| Err("cannot serialize".into()),
        |b: &[u8]| Ok(String::from_utf8_lossy(b).into_owned()),
    );
    let mut set = SortedSet::new(server.conn(), "ser").serializer(failing);
    let err = set.add(&s("x")).unwrap_err();
    assert!(matches!(err, Error::Serializer(_)), "{err:?}");
    assert!(err.to_string().contains("cannot serialize"));
    assert!(matches!(set.discard(&s("x")), Err(Error::Serializer(_))));
    let exists: bool = server.conn().exists("ser").unwrap();
    assert!(!exists);
}

#[test]
fn scheduled_pop_honours_the_original_redsets_lock() {
    use std::time::{Duration, Instant};
    each_protocol(|server, conn| {
        let mut admin = server.conn();
        let mut set = ScheduledSet::new(conn, "retries").lock_timeout(Duration::from_millis(150));
        set.add_with_score(&s("due"), now() - 1.0).unwrap();

        // A lock whose expiry has passed is ignored, as the original ignores it.
        let _: () = admin.set("retries__lock", now() - 5.0).unwrap();
        assert_eq!(set.peek().unwrap(), Some(s("due")));
        set.add_with_score(&s("due"), now() - 1.0).unwrap();
        assert_eq!(set.pop().unwrap(), Some(s("due")));

        // A held lock: nothing is taken until its holder lets go (or it expires), and the
        // caller only sees the item come out a little later.
        set.add_with_score(&s("due"), now() - 1.0).unwrap();
        let _: () = admin.set("retries__lock", now() + 20.0).unwrap();
        let started = Instant::now();
        let err = set.take(10).unwrap_err();
        assert!(
            matches!(&err, Error::LockTimeout { set, lock, .. } if set == "retries" && lock == "retries__lock"),
            "{err}"
        );
        assert!(started.elapsed() >= Duration::from_millis(150));
        assert_eq!(set.len().unwrap(), 1, "nothing was taken");
        let held: f64 = admin.get("retries__lock").unwrap();
        assert!(held > now(), "redset never writes the lock");

        // A pop that waits long enough for any releaser takes the item only once the
        // lock is gone: the releaser notes the time before it deletes the lock.
        let mut set = set.lock_timeout(Duration::from_secs(10));
        let releaser = std::thread::spawn({
            let mut admin = server.conn();
            move || {
                std::thread::sleep(Duration::from_millis(60));
                let released = Instant::now();
                let _: () = admin.del("retries__lock").unwrap();
                released
            }
        });
        assert_eq!(set.pop().unwrap(), Some(s("due")));
        let popped = Instant::now();
        assert!(popped >= releaser.join().unwrap(), "popped under the lock");

        // Off (for Redis Cluster), the lock is not looked at.
        let _: () = admin.set("retries__lock", now() + 20.0).unwrap();
        set.add_with_score(&s("due"), now() - 1.0).unwrap();
        let mut unlocked = ScheduledSet::new(server.conn(), "retries").original_lock(false);
        assert_eq!(unlocked.pop().unwrap(), Some(s("due")));
        let _: () = admin.del("retries__lock").unwrap();
    });
}

#[test]
fn methods_that_take_an_item_accept_what_it_borrows_as() {
    let server = RedisServer::start();
    let mut words = SortedSet::new(server.conn(), "words").scorer(|w: &String| w.len() as f64);
    assert_eq!(words.add("four").unwrap(), 4.0); // a &str, scored through the String scorer
    assert_eq!(words.add(&s("three")).unwrap(), 5.0);
    assert_eq!(words.add_with_score("x", 0.5).unwrap(), 0.5);
    assert_eq!(words.score("four").unwrap(), Some(4.0));
    assert!(words.contains("three").unwrap());
    assert!(words.discard("x").unwrap());
    let mut raw = SortedSet::new(server.conn(), "raw").serializer(Bytes);
    raw.add(&b"\xff\x00"[..]).unwrap();
    raw.add(&vec![1u8, 2]).unwrap();
    assert!(raw.contains(&[1u8, 2][..]).unwrap());
    let mut numbers = SortedSet::new(server.conn(), "numbers").serializer(Text::<u32>::new());
    numbers.add(&7).unwrap(); // an integer literal takes the item's type
    assert_eq!(numbers.pop().unwrap(), Some(7));
}

#[test]
fn add_many_adds_in_chunks_with_conditions_and_rejects_a_bad_batch_whole() {
    use redset::core::{AddCondition, AddOptions};
    let server = RedisServer::start();
    let mut words = SortedSet::new(server.conn(), "words").scorer(|w: &String| w.len() as f64);
    assert_eq!(words.add_many(["a", "bbb", "cc"]).unwrap(), 3);
    assert_eq!(words.take(3).unwrap(), ["a", "cc", "bbb"]);
    let many: Vec<String> = (0..12_345).map(|i| i.to_string()).collect();
    assert_eq!(words.add_many(&many).unwrap(), 12_345, "three chunks");
    assert_eq!(words.len().unwrap(), 12_345);
    words.clear().unwrap();

    let mut set = SortedSet::new(server.conn(), "scored");
    let with = |condition, count_changed| AddOptions {
        condition,
        count_changed,
    };
    set.add_many_with([("a", Some(5.0)), ("b", Some(5.0))], AddOptions::default())
        .unwrap();
    let only_new = with(Some(AddCondition::OnlyNew), false);
    assert_eq!(
        set.add_many_with([("a", Some(1.0)), ("c", Some(1.0))], only_new)
            .unwrap(),
        1
    );
    assert_eq!(set.score("a").unwrap(), Some(5.0));
    let only_existing = with(Some(AddCondition::OnlyExisting), true);
    assert_eq!(
        set.add_many_with([("a", Some(2.0)), ("d", Some(2.0))], only_existing)
            .unwrap(),
        1
    );
    assert!(!set.contains("d").unwrap());
    let greater = with(Some(AddCondition::Greater), true);
    assert_eq!(
        set.add_many_with([("a", Some(1.0)), ("b", Some(9.0))], greater)
            .unwrap(),
        1
    );
    let less = with(Some(AddCondition::Less), true);
    assert_eq!(
        set.add_many_with([("b", Some(0.5)), ("c", Some(7.0))], less)
            .unwrap(),
        1
    );
    assert_eq!(
        (
            set.score("a").unwrap(),
            set.score("b").unwrap(),
            set.score("c").unwrap()
        ),
        (Some(2.0), Some(0.5), Some(1.0))
    );
    // A NaN anywhere: nothing at all is sent.
    let err = set
        .add_many_with(
            [("x", Some(1.0)), ("y", Some(f64::NAN))],
            AddOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert!(!set.contains("x").unwrap());
    // A serializer that fails on one item: nothing at all is sent.
    let picky = redset::FnSerializer::new(
        |s: &String| {
            if s == "bad" {
                Err("no".into())
            } else {
                Ok(s.clone().into_bytes())
            }
        },
        |b: &[u8]| Ok(String::from_utf8(b.to_vec())?),
    );
    let mut picky = SortedSet::new(server.conn(), "picky").serializer(picky);
    let err = picky.add_many(&[s("ok"), s("bad")]).unwrap_err();
    assert!(matches!(err, Error::Serializer(_)), "{err}");
    assert_eq!(picky.len().unwrap(), 0);
    assert_eq!(picky.add_many(Vec::<&String>::new()).unwrap(), 0);
}

#[test]
fn extreme_positions_are_empty_not_a_panic_nor_out_of_range() {
    each_protocol(|_, conn| {
        let mut set = SortedSet::new(conn, "edge");
        set.add("a").unwrap();
        for position in [usize::MAX, usize::MAX - 1, i64::MAX as usize, 1] {
            let err = set.peek_at(position).unwrap_err();
            assert!(err.is_empty(), "{position}: {err}");
        }
        assert_eq!(set.take(usize::MAX).unwrap(), ["a"]);
    });
}

#[test]
fn a_dedup_window_skips_an_add_retried_after_its_item_was_consumed() {
    let server = RedisServer::start();
    // Every step before the sleep below must fall within the window: a second and a
    // half is what they take on a machine stalled for well over a second.
    let window = std::time::Duration::from_millis(1500);
    let mut producer = SortedSet::new(server.conn(), "jobs").dedup_window(window);
    let mut consumer = SortedSet::new(server.conn(), "jobs");
    producer.add("a").unwrap();
    assert_eq!(consumer.pop().unwrap().as_deref(), Some("a"));
    // The producer lost the reply and adds again: within the window, nothing is added.
    producer.add("a").unwrap();
    assert_eq!(consumer.len().unwrap(), 0);
    // A batch counts only what it added, a duplicate inside it included.
    assert_eq!(producer.add_many(["a", "b", "b", "c"]).unwrap(), 2);
    assert_eq!(consumer.take(10).unwrap(), ["b", "c"]);
    // A set without the window adds as before; after the window, so does this one.
    SortedSet::new(server.conn(), "jobs").add("a").unwrap();
    assert_eq!(consumer.pop().unwrap().as_deref(), Some("a"));
    std::thread::sleep(window + std::time::Duration::from_millis(100));
    producer.add("a").unwrap();
    assert_eq!(consumer.pop().unwrap().as_deref(), Some("a"));
    // The window's state is one companion key in the set's slot, gone after the window,
    // and clear() resets it.
    let keys: Vec<String> = server.conn().keys("*").unwrap();
    assert_eq!(keys, vec![s("{jobs}:dedup")]);
    producer.clear().unwrap();
    let keys: Vec<String> = server.conn().keys("*").unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}
