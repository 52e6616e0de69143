//! The write commands: `requeue`, `purge`, `recover`. Each asks on a terminal (and
//! declining changes nothing), refuses without `--yes` elsewhere, and says what it
//! changed; every change is checked in Redis.

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
fn recover_returns_expired_leases_and_buries_after_the_max_deliveries() {
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
    assert_eq!(state(&server, "jobs"), before);

    let done = redset(&url, &["recover", "jobs", "--yes"]).expect(0);
    assert_eq!(
        done.stdout.trim(),
        "recovered 1 expired lease of jobs: 1 back in the set, 0 to the dead letters"
    );
    let (waiting, in_flight, dead) = state(&server, "jobs");
    assert_eq!(waiting, w(&[(work.expired, 6.0), ("g", 7.0), ("h", 8.0)]));
    assert_eq!((in_flight, dead.len()), (before.1 - 1, 2));
    redset(&url, &["recover", "jobs", "--yes"]).expect(4);

    // With one delivery allowed, an expired item goes to the dead letters instead.
    let other = RedisServer::start();
    work_set(other.conn(), "jobs");
    let ran = redset(
        &other.url(),
        &[
            "recover",
            "jobs",
            "--max-deliveries",
            "1",
            "--yes",
            "--json",
        ],
    )
    .expect(0);
    assert_eq!(ran.json(), json!({"set": "jobs", "requeued": 0, "dead": 1}));
    let dead = redset(
        &other.url(),
        &["dead", "jobs", "--grep", "expired", "--json"],
    )
    .expect(0)
    .json();
    assert_eq!(dead[0]["item"], work.expired);
    assert_eq!(dead[0]["reason"], "lease expired after 1 deliveries");
}
