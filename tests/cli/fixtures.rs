//! Sets in every state an operator meets, made with the crate's own API.

use std::time::{Duration, Instant};

use redis::ConnectionLike;
use redset::{Retried, ScheduledSet, SortedSet, TimeSortedSet};

use crate::run::PATIENCE;
use crate::support::now;

/// What [`work_set`] leaves in its set, to check the CLI against.
pub struct WorkSet {
    pub waiting: Vec<&'static str>,
    pub leased: Vec<&'static str>,
    pub expired: &'static str,
    pub retry_waiting: &'static str,
    /// Dead letters and their reasons, oldest first.
    pub dead: Vec<(&'static str, &'static str)>,
}

/// A priority set `name` with items leased (`a`, `b`), waiting out a retry's delay
/// (`c`), dead with reasons (`d`, `e`), leased with an expired lease (`f`) and waiting
/// (`g`, `h`). Every item's score is its place in `a`…`h` (1–8).
pub fn work_set<C: ConnectionLike>(conn: C, name: &str) -> WorkSet {
    let hour = Duration::from_secs(3600);
    // Allowing two deliveries, a retried item comes back; allowing one, it dies.
    let mut set = SortedSet::new(conn, name).max_deliveries(2);
    for (i, item) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        set.add_with_score(*item, (i + 1) as f64).unwrap();
    }
    assert_eq!(set.claim(2, hour).unwrap().len(), 2); // a, b
    let c = set.claim(1, hour).unwrap().remove(0);
    assert!(matches!(
        set.retry(&c, hour).unwrap(),
        Retried::Requeued { .. }
    ));
    let mut set = SortedSet::new(set.into_connection(), name).max_deliveries(1);
    for reason in ["upstream timeout", "bad input"] {
        let lease = set.claim(1, hour).unwrap().remove(0); // d, then e
        assert_eq!(set.retry_with(&lease, None, reason).unwrap(), Retried::Dead);
    }
    // Last, as a later claim would sweep it back: a lease that runs out at once.
    let f = set.claim(1, Duration::from_millis(1)).unwrap().remove(0);
    assert_eq!(f.item, "f");
    let deadline = Instant::now() + PATIENCE;
    while !set
        .in_flight_items(10)
        .unwrap()
        .iter()
        .any(|lease| lease.item.as_deref() == Some("f") && lease.time_left.is_zero())
    {
        assert!(Instant::now() < deadline, "a 1 ms lease never expired");
        std::thread::sleep(Duration::from_millis(5));
    }
    WorkSet {
        waiting: vec!["g", "h"],
        leased: vec!["a", "b"],
        expired: "f",
        retry_waiting: "c",
        dead: vec![("d", "upstream timeout"), ("e", "bad input")],
    }
}

/// A scheduled set with `x` due a minute ago and `y` due in an hour.
pub fn scheduled_set<C: ConnectionLike>(conn: C, name: &str) {
    let mut set = ScheduledSet::new(conn, name);
    set.add_with_score("x", now() - 60.0).unwrap();
    set.add_with_score("y", now() + 3600.0).unwrap();
}

/// A FIFO set with two items added now.
pub fn fifo_set<C: ConnectionLike>(conn: C, name: &str) {
    let mut set = TimeSortedSet::new(conn, name);
    set.add("first").unwrap();
    set.add("second").unwrap();
}
