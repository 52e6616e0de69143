//! The read commands: `stats`, `sets`, `peek`, `in-flight`, `dead`, `groups`, in both outputs,
//! with the exit codes for nothing there and for Redis out of reach.

use redset::SortedSet;
use serde_json::json;

use crate::fixtures::{fifo_set, scheduled_set, work_set};
use crate::run::redset;
use crate::support::RedisServer;

#[test]
fn stats_counts_each_state_and_tells_the_kind_from_the_scores() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    scheduled_set(server.conn(), "retries");
    fifo_set(server.conn(), "fifo");
    let url = server.url();

    let ran = redset(&url, &["stats", "jobs", "retries", "fifo", "--json"]).expect(0);
    let sets = ran.json();
    let jobs = &sets[0];
    assert_eq!(jobs["set"], "jobs");
    assert_eq!(
        (&jobs["kind"], &jobs["kind_from"]),
        (&json!("sorted"), &json!("scores"))
    );
    // g, h wait; a, b leased, c retrying, f expired are in flight; d, e dead.
    assert_eq!(
        [
            &jobs["waiting"],
            &jobs["due"],
            &jobs["in_flight"],
            &jobs["dead"]
        ],
        [&json!(2), &json!(2), &json!(4), &json!(2)]
    );
    assert_eq!(jobs["oldest_due_age_s"], json!(null));
    let retries = &sets[1];
    assert_eq!(retries["kind"], "scheduled");
    assert_eq!(
        (&retries["waiting"], &retries["due"]),
        (&json!(2), &json!(1))
    );
    let age = retries["oldest_due_age_s"].as_f64().unwrap();
    assert!(
        (60.0..3600.0).contains(&age),
        "x was due a minute ago: {age}"
    );
    assert_eq!(sets[2]["kind"], "time-sorted");
    assert_eq!(sets[2]["due"], 2);

    // The table: the same figures, one row a set, and the kind with how it is known.
    let table = redset(&url, &["stats", "jobs", "retries"]).expect(0);
    assert!(table.stdout.starts_with("SET"), "{}", table.stdout);
    assert_eq!(
        table.row("jobs"),
        ["jobs", "sorted", "(scores)", "2", "2", "4", "2", "-", "running"]
    );
    let retries = table.row("retries");
    assert_eq!(
        retries[..6],
        ["retries", "scheduled", "(scores)", "2", "1", "0"]
    );
    assert!(
        retries[7].ends_with('m') || retries[7].ends_with('s'),
        "{retries:?}"
    );
    // No colour when the output is not a terminal.
    assert!(!table.stdout.contains('\x1b'), "{:?}", table.stdout);

    // A kind named on the command line wins, and the output says so.
    let named = redset(
        &url,
        &["stats", "retries", "--kind", "retries=sorted", "--json"],
    )
    .expect(0);
    assert_eq!(named.json()[0]["kind_from"], "flag");
    assert_eq!(
        named.json()[0]["due"],
        2,
        "a sorted set's items are all due"
    );
}

#[test]
fn sets_are_found_by_their_companion_keys_or_as_sorted_sets() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    work_set(server.conn(), "{tenant-1}jobs");
    scheduled_set(server.conn(), "retries");
    // A key named like a companion, of a name that holds a string: no set.
    let mut conn = server.conn();
    redis::cmd("SET")
        .arg("lookalike")
        .arg("a string")
        .exec(&mut conn)
        .unwrap();
    redis::cmd("SET")
        .arg("{lookalike}:dead")
        .arg("x")
        .exec(&mut conn)
        .unwrap();
    // Known by flow control's keys alone: a paused set ({paused}:flow), a grouped set
    // whose items were only added (its group keys: the line, the index, each item's
    // group and the group's place, kept beside its in-flight count).
    SortedSet::new(server.conn(), "paused").pause().unwrap();
    let mut tenants = SortedSet::new(server.conn(), "tenants").grouped();
    tenants.add_to_group("acme", "a1").unwrap();
    let url = server.url();

    let found = redset(&url, &["sets", "--json"]).expect(0).json();
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["set"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["jobs", "paused", "tenants", "{tenant-1}jobs"],
        "retries has no companion key, lookalike is a string"
    );
    assert_eq!(found[1]["found_by"], json!(["flow"]));
    assert_eq!(found[1]["paused"], true);
    assert_eq!(
        found[2]["found_by"],
        json!(["group-in-flight", "group-index", "group-of", "groups-ready"])
    );
    let found_by: Vec<&str> = found[0]["found_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for companion in ["leases", "lease-records", "fence", "dead", "dead-records"] {
        assert!(found_by.contains(&companion), "{found_by:?}");
    }
    assert_eq!(found[0]["dead"], 2);

    let every = redset(&url, &["sets", "--zsets", "--json"])
        .expect(0)
        .json();
    let names: Vec<&str> = every
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["set"].as_str().unwrap())
        .collect();
    // The companions that are sorted sets themselves ({jobs}:leases, :dead) are not sets.
    assert_eq!(
        names,
        ["jobs", "paused", "retries", "tenants", "{tenant-1}jobs"]
    );
    assert_eq!(every[2]["found_by"], json!(["zset"]));
    assert_eq!(every[2]["kind"], "scheduled");

    let table = redset(&url, &["sets"]).expect(0);
    let row = table.row("jobs");
    assert!(
        row.last().unwrap().contains("leases") || row.join(" ").contains("leases,"),
        "{row:?}"
    );

    let empty = RedisServer::start();
    redset(&empty.url(), &["sets"])
        .expect(4)
        .says("no sets found");
    redset(&empty.url(), &["stats"]).expect(4);
}

#[test]
fn peek_lists_the_next_items_and_only_due_ones_of_a_scheduled_set() {
    let server = RedisServer::start();
    let work = work_set(server.conn(), "jobs");
    scheduled_set(server.conn(), "retries");
    let url = server.url();

    let next = redset(&url, &["peek", "jobs", "--json"]).expect(0).json();
    assert_eq!(
        next.as_array()
            .unwrap()
            .iter()
            .map(|e| e["item"].as_str().unwrap())
            .collect::<Vec<_>>(),
        work.waiting
    );
    assert_eq!(
        next,
        json!([
            {"position": 0, "item": "g", "binary": false, "score": 7.0, "time": null},
            {"position": 1, "item": "h", "binary": false, "score": 8.0, "time": null},
        ])
    );
    let one = redset(&url, &["peek", "jobs", "1", "--from", "1", "--json"])
        .expect(0)
        .json();
    assert_eq!(one[0]["item"], "h");

    let due = redset(&url, &["peek", "retries"]).expect(0);
    assert_eq!(due.row("0")[1], "x");
    assert!(due.row("0").join(" ").ends_with("ago"), "{}", due.stdout);
    assert!(!due.stdout.contains(" y "), "y is not due:\n{}", due.stdout);
    let all = redset(&url, &["peek", "retries", "--all", "--json"])
        .expect(0)
        .json();
    assert_eq!(all[1]["item"], "y");
    assert!(all[1]["time"].as_str().unwrap().ends_with('Z'));

    redset(&url, &["peek", "missing"])
        .expect(4)
        .says("missing: no items");
}

#[test]
fn in_flight_shows_holders_deadlines_and_retries_waiting() {
    let server = RedisServer::start();
    let work = work_set(server.conn(), "jobs");
    let url = server.url();

    let leases = redset(&url, &["in-flight", "jobs", "--json"])
        .expect(0)
        .json();
    let leases = leases.as_array().unwrap();
    assert_eq!(leases.len(), 4);
    // Earliest deadline first: the expired lease, then the hour-long ones.
    assert_eq!(leases[0]["item"], work.expired);
    assert_eq!(leases[0]["state"], "expired");
    assert_eq!(leases[0]["time_left_s"], 0.0);
    let by_item = |item: &str| leases.iter().find(|l| l["item"] == item).unwrap().clone();
    for item in &work.leased {
        let lease = by_item(item);
        assert_eq!(lease["state"], "leased");
        assert!(lease["token"].as_u64().unwrap() > 0);
        assert_eq!(lease["deliveries"], 1);
        assert!(lease["time_left_s"].as_f64().unwrap() > 3000.0);
    }
    let retry = by_item(work.retry_waiting);
    assert_eq!(
        (&retry["state"], &retry["token"]),
        (&json!("retry waiting"), &json!(null))
    );

    let table = redset(&url, &["in-flight", "jobs"]).expect(0);
    assert_eq!(table.row(work.expired).last().unwrap(), "expired");
    assert!(table
        .row(work.retry_waiting)
        .join(" ")
        .contains("retry waiting"));
    assert!(table.row("a").join(" ").contains("token"));
    assert!(
        table
            .stdout
            .contains("4 of 4 in flight; 1 past their deadline"),
        "{}",
        table.stdout
    );

    redset(&url, &["in-flight", "missing"]).expect(4);
}

#[test]
fn dead_lists_reasons_and_finds_by_text() {
    let server = RedisServer::start();
    let work = work_set(server.conn(), "jobs");
    let url = server.url();

    let dead = redset(&url, &["dead", "jobs", "--json"]).expect(0).json();
    let listed: Vec<(&str, &str)> = dead
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["item"].as_str().unwrap(), d["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, work.dead);
    assert_eq!(dead[0]["deliveries"], 1);
    assert_eq!(dead[0]["score"], 4.0);

    let found = redset(&url, &["dead", "jobs", "--grep", "TIMEOUT", "--json"])
        .expect(0)
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["item"], "d");
    let table = redset(&url, &["dead", "jobs"]).expect(0);
    assert!(
        table.row("e").join(" ").ends_with("bad input"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("2 dead letters"));
    redset(&url, &["dead", "jobs", "--grep", "no such text"])
        .expect(4)
        .says("no dead letters match");
}

#[test]
fn items_that_are_not_text_are_shown_escaped() {
    let server = RedisServer::start();
    let mut set = redset::SortedSet::new(server.conn(), "bin").serializer(redset::Bytes);
    set.add_with_score(&vec![0xff, b'a', b'\n'], 1.0).unwrap();
    let peeked = redset(&server.url(), &["peek", "bin", "--json"])
        .expect(0)
        .json();
    assert_eq!(peeked[0]["item"], "\\xffa\\n");
    assert_eq!(peeked[0]["binary"], true);
}

#[test]
fn exit_codes_say_what_happened() {
    // Nothing listens on port 1 of loopback: the connection is refused.
    redset("redis://127.0.0.1:1/", &["stats", "jobs"])
        .expect(1)
        .says("cannot connect");
    redset("redis://127.0.0.1:1/", &["stats", "--count", "2"])
        .expect(2)
        .says("--watch");
    redset("not-a-url", &["stats"]).expect(2);
    redset("redis://127.0.0.1:1/", &["no-such-command"]).expect(2);
    // A key of another type is Redis's answer: an error, exit 1.
    let server = RedisServer::start();
    redis::cmd("SET")
        .arg("text")
        .arg("x")
        .exec(&mut server.conn())
        .unwrap();
    redset(&server.url(), &["stats", "text", "--kind", "sorted"])
        .expect(1)
        .says("WRONGTYPE");
    let help = redset("redis://127.0.0.1:1/", &["--help"]).expect(0);
    assert!(help.stdout.contains("Exit codes"));
    for command in [
        "stats",
        "sets",
        "peek",
        "in-flight",
        "dead",
        "requeue",
        "purge",
        "recover",
        "metrics",
    ] {
        let help = redset("redis://127.0.0.1:1/", &[command, "--help"]).expect(0);
        assert!(
            help.stdout.contains("Examples:"),
            "{command} --help:\n{}",
            help.stdout
        );
    }
}

#[test]
fn groups_lists_each_groups_figures() {
    let server = RedisServer::start();
    let url = server.url();
    let mut jobs = SortedSet::new(server.conn(), "jobs")
        .grouped()
        .max_deliveries(1);
    for (group, item) in [
        ("acme", "a1"),
        ("acme", "a2"),
        ("acme", "a3"),
        ("zeta", "z1"),
        ("", "d1"),
    ] {
        jobs.add_to_group(group, item).unwrap();
    }
    let hour = std::time::Duration::from_secs(3600);
    // Round-robin: one of each group, then the next.
    let leases = jobs.claim(4, hour).unwrap();
    let failed = leases.iter().find(|l| l.item == "z1").unwrap();
    assert_eq!(jobs.retry(failed, hour).unwrap(), redset::Retried::Dead);

    let ran = redset(&url, &["groups", "jobs", "--json"]).expect(0);
    let figures: Vec<(String, u64, u64, u64)> = ran
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_owned(),
                g["waiting"].as_u64().unwrap(),
                g["in_flight"].as_u64().unwrap(),
                g["dead"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut stats = |group: &str| {
        let g = jobs.group_stats(group).unwrap();
        (group.to_owned(), g.waiting, g.in_flight, g.dead)
    };
    assert_eq!(figures, [stats("acme"), stats(""), stats("zeta")]);
    assert_eq!(figures[0], ("acme".to_owned(), 1, 2, 0));
    assert_eq!(figures[2], ("zeta".to_owned(), 0, 0, 1));

    let table = redset(&url, &["groups", "jobs"]).expect(0);
    assert_eq!(table.row("acme"), ["acme", "1", "2", "0"]);
    assert_eq!(table.row("(default)"), ["(default)", "0", "1", "0"]);
    assert!(table.stdout.contains("3 groups"), "{}", table.stdout);
    let cut = redset(&url, &["groups", "jobs", "--limit", "1"]).expect(0);
    assert!(
        cut.stdout.contains("the first 1 group: --limit shows more"),
        "{}",
        cut.stdout
    );

    SortedSet::new(server.conn(), "plain").add("x").unwrap();
    redset(&url, &["groups", "plain"])
        .expect(4)
        .says("no groups");
}
