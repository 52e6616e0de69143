//! The write commands: `requeue`, `purge`, `recover`, `pause`, `resume`. Each asks on a
//! terminal (and declining changes nothing), refuses without `--yes` elsewhere, and
//! says what it changed; every change is checked in Redis.

use redset::SortedSet;
use serde_json::json;

use crate::fixtures::work_set;
use crate::run::{redset, redset_on_terminal};
use crate::support::RedisServer;

/// The set's waiting items, in flight, and dead letters, as the crate reads them.
fn state(server: &RedisServer, name: &str) -> (Vec<(String, f64)>, u64, Vec<String>) {
    let mut set = SortedSet::new(server.conn(), name);
    let waiting = set
        .peek_items(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| (e.item.unwrap(), e.score))
        .collect();
    let dead = set
        .dead_letters()
        .unwrap()
        .into_iter()
        .map(|d| d.item.unwrap())
        .collect();
    (waiting, set.in_flight().unwrap(), dead)
}

fn w(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(i, s)| (i.to_string(), *s)).collect()
}

#[test]
fn requeue_asks_and_puts_dead_letters_back_with_their_scores() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    let url = server.url();
    let before = state(&server, "jobs");
    assert_eq!(before.2, ["d", "e"]);

    // Not a terminal, no --yes: refused, nothing changed.
    redset(&url, &["requeue", "jobs", "d"])
        .expect(3)
        .says("--yes");
    // Declined on a terminal: nothing changed.
    let (code, shown) = redset_on_terminal(
        &url,
        &["requeue", "jobs", "--all"],
        "Requeue 2 dead letters of jobs",
        "n",
    );
    assert_eq!(code, 3, "{shown}");
    assert!(
        shown.contains("(d, e)"),
        "the question names them:\n{shown}"
    );
    assert_eq!(state(&server, "jobs"), before);

    // By item, with --yes: d goes back with its score, 4.
    let done = redset(&url, &["requeue", "jobs", "d", "--yes"]).expect(0);
    assert_eq!(done.stdout.trim(), "requeued 1 dead letter into jobs");
    let (waiting, in_flight, dead) = state(&server, "jobs");
    assert_eq!(waiting, w(&[("d", 4.0), ("g", 7.0), ("h", 8.0)]));
    assert_eq!((in_flight, dead), (before.1, vec!["e".to_owned()]));

    // Not dead (any more): nothing to do.
    redset(&url, &["requeue", "jobs", "d", "zzz", "--yes"])
        .expect(4)
        .says("not in the dead letters: d, zzz");

    // By text, answering yes on a terminal.
    let (code, shown) = redset_on_terminal(
        &url,
        &["requeue", "jobs", "--grep", "BAD"],
        "Requeue 1 dead letter",
        "y",
    );
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("requeued 1 dead letter into jobs"),
        "{shown}"
    );
    assert_eq!(state(&server, "jobs").2, Vec::<String>::new());
    redset(&url, &["requeue", "jobs", "--all", "--yes"]).expect(4);
}

#[test]
fn requeue_all_says_how_many_in_json() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    let ran = redset(
        &server.url(),
        &["requeue", "jobs", "--all", "--yes", "--json"],
    )
    .expect(0);
    assert_eq!(
        ran.json(),
        json!({"set": "jobs", "asked": 2, "requeued": 2})
    );
    let (waiting, _, dead) = state(&server, "jobs");
    assert_eq!(
        waiting,
        w(&[("d", 4.0), ("e", 5.0), ("g", 7.0), ("h", 8.0)])
    );
    assert!(dead.is_empty());
}

#[test]
fn purge_asks_then_deletes_every_dead_letter() {
    let server = RedisServer::start();
    work_set(server.conn(), "jobs");
    let url = server.url();
    let before = state(&server, "jobs");

    redset(&url, &["purge", "jobs"]).expect(3);
    let (code, shown) = redset_on_terminal(
        &url,
        &["purge", "jobs"],
        "Delete 2 dead letters of jobs for good?",
        "n",
    );
    assert_eq!(code, 3, "{shown}");
    assert!(shown.contains("declined: nothing changed"), "{shown}");
    assert_eq!(state(&server, "jobs"), before);

    let (code, shown) = redset_on_terminal(&url, &["purge", "jobs"], "for good?", "y");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("purged 2 dead letters of jobs"), "{shown}");
    let after = state(&server, "jobs");
    assert_eq!(
        (&after.0, after.1, after.2.len()),
        (&before.0, before.1, 0),
        "only the dead letters went"
    );

    redset(&url, &["purge", "jobs", "--yes"])
        .expect(4)
        .says("jobs: no dead letters");
}

#[test]
fn recover_buries_after_the_maximum_its_consumers_claim_with_unless_told() {
    // The work set's last claims allowed one delivery: its expired item is buried.
    let server = RedisServer::start();
    let work = work_set(server.conn(), "jobs");
    let url = server.url();
    let before = state(&server, "jobs");

    redset(&url, &["recover", "jobs"]).expect(3);
    let (code, shown) = redset_on_terminal(
        &url,
        &["recover", "jobs"],
        "Return 1 expired lease of jobs",
        "n",
    );
    assert_eq!(code, 3, "{shown}");
    assert!(
        shown.contains("after 1 deliveries, as its consumers claim"),
        "the question says whose maximum:\n{shown}"
    );
    assert_eq!(state(&server, "jobs"), before);

    let ran = redset(&url, &["recover", "jobs", "--yes", "--json"]).expect(0);
    assert_eq!(
        ran.json(),
        json!({"set": "jobs", "requeued": 0, "dead": 1, "max_deliveries": 1})
    );
    let dead = redset(&url, &["dead", "jobs", "--grep", "expired", "--json"])
        .expect(0)
        .json();
    assert_eq!(dead[0]["item"], work.expired);
    assert_eq!(dead[0]["reason"], "lease expired after 1 deliveries");
    redset(&url, &["recover", "jobs", "--yes"]).expect(4);

    // --max-deliveries overrides it: the expired item goes back to the set.
    let other = RedisServer::start();
    work_set(other.conn(), "jobs");
    let done = redset(
        &other.url(),
        &["recover", "jobs", "--max-deliveries", "5", "--yes"],
    )
    .expect(0);
    assert_eq!(
        done.stdout.trim(),
        "recovered 1 expired lease of jobs: 1 back in the set, 0 to the dead letters"
    );
    let (waiting, in_flight, dead) = state(&other, "jobs");
    assert_eq!(waiting, w(&[(work.expired, 6.0), ("g", 7.0), ("h", 8.0)]));
    assert_eq!((in_flight, dead.len()), (before.1 - 1, 2));

    // Consumers that claim with another maximum change what recover uses: the last one
    // kept; with none kept (leases of a client before this), the default, 5.
    let third = RedisServer::start();
    let mut jobs = SortedSet::new(third.conn(), "jobs").max_deliveries(3);
    jobs.add("x").unwrap();
    jobs.claim(1, std::time::Duration::from_millis(1)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (code, shown) = redset_on_terminal(
        &third.url(),
        &["recover", "jobs"],
        "Return 1 expired lease",
        "n",
    );
    assert_eq!(code, 3, "{shown}");
    assert!(shown.contains("after 3 deliveries"), "{shown}");
    redis::cmd("HDEL")
        .arg("{jobs}:flow")
        .arg("max-deliveries")
        .exec(&mut third.conn())
        .unwrap();
    let (_, shown) = redset_on_terminal(
        &third.url(),
        &["recover", "jobs"],
        "Return 1 expired lease",
        "n",
    );
    assert!(shown.contains("after 5 deliveries, the default"), "{shown}");
}

#[test]
fn pause_and_resume_ask_then_stop_and_start_every_consumer() {
    let server = RedisServer::start();
    let url = server.url();
    let mut jobs = SortedSet::new(server.conn(), "jobs");
    jobs.add_many(["a", "b", "c"]).unwrap();
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(jobs.claim(1, hour).unwrap().len(), 1);

    // Not a terminal, no --yes: refused; declined on a terminal: nothing changed.
    redset(&url, &["pause", "jobs"]).expect(3).says("--yes");
    let (code, shown) = redset_on_terminal(&url, &["pause", "jobs"], "Pause jobs?", "n");
    assert_eq!(code, 3, "{shown}");
    assert!(shown.contains("2 waiting, 1 in flight"), "{shown}");
    assert!(!jobs.is_paused().unwrap());

    let (code, shown) = redset_on_terminal(&url, &["pause", "jobs"], "Pause jobs?", "y");
    assert_eq!(code, 0, "{shown}");
    assert!(
        shown.contains("paused jobs: nothing is handed out"),
        "{shown}"
    );
    assert!(jobs.is_paused().unwrap());
    assert!(
        jobs.claim(1, hour).unwrap().is_empty(),
        "a paused set hands out nothing"
    );
    redset(&url, &["pause", "jobs", "--yes"])
        .expect(4)
        .says("jobs is paused already");

    // stats shows it, in both outputs.
    let stats = redset(&url, &["stats", "jobs", "--json"]).expect(0).json();
    assert_eq!(
        (&stats[0]["paused"], &stats[0]["held_for_s"]),
        (&json!(true), &json!(null))
    );
    let state = || {
        let row = redset(&url, &["stats", "jobs"]).expect(0).row("jobs");
        row.last().unwrap().clone()
    };
    assert_eq!(state(), "paused");

    redset(&url, &["resume", "jobs"]).expect(3);
    let ran = redset(&url, &["resume", "jobs", "--yes", "--json"]).expect(0);
    assert_eq!(ran.json(), json!({"set": "jobs", "paused": false}));
    assert!(!jobs.is_paused().unwrap());
    assert_eq!(jobs.claim(1, hour).unwrap().len(), 1);
    redset(&url, &["resume", "jobs", "--yes"])
        .expect(4)
        .says("jobs is not paused");
    assert_eq!(state(), "running");

    // A handler's rate limit holds the set: stats says for how long.
    let lease = jobs.claim(1, hour).unwrap().remove(0);
    jobs.rate_limited(&lease, std::time::Duration::from_secs(600))
        .unwrap();
    let stats = redset(&url, &["stats", "jobs", "--json"]).expect(0).json();
    let held = stats[0]["held_for_s"].as_f64().unwrap();
    assert!((590.0..=600.0).contains(&held), "{held}");
    let table = redset(&url, &["stats", "jobs"]).expect(0);
    assert!(table.stdout.contains(" held 9m "), "{}", table.stdout);
}
