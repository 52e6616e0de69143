//! The original Python redset's `tests/test_sets.py`, case by case, in our own words:
//! each test is named `<OriginalClass>_<original_test_name>` in snake case, so the two
//! can be read side by side. Where we differ on purpose, the comment says so.
//!
//! The original's items are cast to `str` by default; here the default `Utf8`
//! serializer stores `String`s, so `add(i)` becomes `add(&i.to_string())`.

mod support;

use redset::{
    Error, FnSerializer, Json, RedisSet, ScheduledSet, Serializer, SortedSet, Synchronous, Text,
    TimeSortedSet, Utf8,
};
use support::{now, RedisServer};

fn s(v: impl ToString) -> String {
    v.to_string()
}

fn sorted(server: &RedisServer) -> SortedSet<redis::Connection> {
    SortedSet::new(server.conn(), "ss_test")
}

fn time_sorted(server: &RedisServer) -> TimeSortedSet<redis::Connection> {
    TimeSortedSet::new(server.conn(), "tss_test")
}

fn scheduled(server: &RedisServer) -> ScheduledSet<redis::Connection> {
    ScheduledSet::new(server.conn(), "scheduled_set_test")
}

/// A set of any kind on a blocking connection, with the default serializer.
type AnySet<K> = RedisSet<K, Synchronous<redis::Connection>, Utf8>;

// The cases the original repeats for each of its classes, written once.

fn length_case<K>(mut ss: AnySet<K>) {
    for i in 0..5 {
        ss.add(&s(i)).unwrap();
    }
    assert_eq!(ss.len().unwrap(), 5);
}

fn contains_case<K>(mut ss: AnySet<K>) {
    for i in 0..5 {
        ss.add(&s(i)).unwrap();
    }
    assert!(ss.contains(&s(0)).unwrap());
    assert!(!ss.contains(&s(-1)).unwrap());
}

fn add_dup_case<K>(mut ss: AnySet<K>, dup_added_at: f64) {
    for i in 0..5 {
        ss.add(&s(i)).unwrap();
    }
    ss.add_with_score(&s(0), dup_added_at).unwrap();
    assert_eq!(ss.len().unwrap(), 5);
    assert_eq!(
        ss.score(&s(0)).unwrap().unwrap() as i64,
        dup_added_at as i64
    );
}

fn clear_case<K>(mut ss: AnySet<K>) {
    assert!(!ss.clear().unwrap());
    for i in 0..5 {
        ss.add(&s(i)).unwrap();
    }
    assert!(ss.clear().unwrap());
    assert_eq!(ss.len().unwrap(), 0);
}

fn discard_case<K>(ss: &mut AnySet<K>) {
    ss.add(&s(0)).unwrap();
    assert!(ss.discard(&s(0)).unwrap());
    assert!(!ss.discard(&s(0)).unwrap());
}

fn peek_case<K>(mut ss: AnySet<K>) {
    assert!(matches!(ss.peek(), Err(Error::Empty { .. }))); // the original's KeyError
    ss.add(&s(0)).unwrap();
    for _ in 0..2 {
        assert_eq!(ss.peek().unwrap(), Some(s(0)));
    }
}

// ---- SortedSetTest -------------------------------------------------------------------

#[test]
fn sorted_set_test_repr() {
    let server = RedisServer::start();
    // The original's repr also asked Redis for the length; ours does no I/O.
    assert_eq!(sorted(&server).to_string(), r#"SortedSet("ss_test")"#);
}

#[test]
fn sorted_set_test_length() {
    let server = RedisServer::start();
    length_case(sorted(&server));
}

#[test]
fn sorted_set_test_contains() {
    let server = RedisServer::start();
    contains_case(sorted(&server));
}

#[test]
fn sorted_set_test_ordering() {
    let server = RedisServer::start();
    let mut ss = sorted(&server);
    for i in 0..5 {
        ss.add_with_score(&s(i), f64::from(i)).unwrap();
    }
    let popped: Vec<String> = (0..5).map(|_| ss.pop().unwrap().unwrap()).collect();
    assert_eq!(popped, ["0", "1", "2", "3", "4"]);
}

#[test]
fn sorted_set_test_add_dup() {
    let server = RedisServer::start();
    add_dup_case(sorted(&server), 10.0);
}

#[test]
fn sorted_set_test_clear() {
    let server = RedisServer::start();
    clear_case(sorted(&server));
}

#[test]
fn sorted_set_test_discard() {
    let server = RedisServer::start();
    discard_case(&mut sorted(&server));
}

#[test]
fn sorted_set_test_peek() {
    let server = RedisServer::start();
    peek_case(sorted(&server));
}

#[test]
fn sorted_set_test_take() {
    let server = RedisServer::start();
    let mut ss = sorted(&server);
    for i in 0..5 {
        ss.add(&s(i)).unwrap();
    }
    let mut first = ss.take(2).unwrap();
    first.sort();
    assert_eq!(first, ["0", "1"]);
    let mut rest = ss.take(100).unwrap();
    rest.sort();
    assert_eq!(rest, ["2", "3", "4"]);
    assert_eq!(ss.len().unwrap(), 0);
    assert_eq!(ss.take(0).unwrap(), Vec::<String>::new());
    // take(-1): the count is a `usize` in Rust, so a negative count does not compile;
    // Node gives [] for it, as the original does.
}

// ---- SerializerTest ------------------------------------------------------------------

/// The original's `FakeJsonSerializer`: JSON, but loading fails on anything with "uhoh".
fn fake_json() -> impl Serializer<Item = serde_json::Value> {
    FnSerializer::new(
        |item: &serde_json::Value| Ok(serde_json::to_vec(item)?),
        |raw: &[u8]| {
            if String::from_utf8_lossy(raw).contains("uhoh") {
                return Err("omg unserializing failed!".into());
            }
            Ok(serde_json::from_slice(raw)?)
        },
    )
}

#[test]
fn serializer_test_add_and_pop() {
    let server = RedisServer::start();
    let mut ss = SortedSet::new(server.conn(), "json_ss_test").serializer(fake_json());
    ss.add_with_score(&serde_json::json!({"yo": "json"}), 1.0)
        .unwrap();
    // An explicit score of 0 is kept here; the original's `score or scorer(item)` also
    // ends at 0 for a SortedSet, so the order is the original's.
    ss.add_with_score(&serde_json::json!({"yo": "yaml"}), 0.0)
        .unwrap();
    assert!(ss.contains(&serde_json::json!({"yo": "json"})).unwrap());
    assert_eq!(ss.pop().unwrap(), Some(serde_json::json!({"yo": "yaml"})));
    assert_eq!(ss.pop().unwrap(), Some(serde_json::json!({"yo": "json"})));
    assert_eq!(ss.len().unwrap(), 0);
}

#[test]
fn serializer_test_cant_deserialize() {
    let server = RedisServer::start();
    let mut ss = SortedSet::new(server.conn(), "json_ss_test")
        .serializer(fake_json())
        .on_undecodable(|_| {}); // the original logged the exception
    ss.add_with_score(&serde_json::json!({"yo": "foo"}), 0.0)
        .unwrap();
    ss.add_with_score(&serde_json::json!({"yo": "uhoh!"}), 1.0)
        .unwrap();
    ss.add_with_score(&serde_json::json!({"yo": "hey"}), 2.0)
        .unwrap();
    assert_eq!(
        ss.take(3).unwrap(),
        [
            serde_json::json!({"yo": "foo"}),
            serde_json::json!({"yo": "hey"})
        ]
    );
}

#[test]
fn serializer_test_bad_serializer() {
    // The original falls back to `str` for a serializer object without dumps/loads. In
    // Rust a set's items have a type, and a serializer that does not implement the trait
    // does not compile; the default `Utf8` serializer is that `str` fallback.
    let server = RedisServer::start();
    let mut ss2 = SortedSet::new(server.conn(), "json_ss_test2");
    ss2.add_with_score(&s(1), 0.0).unwrap();
    ss2.add_with_score(&s(2), 1.0).unwrap();
    assert!(ss2.contains(&s(2)).unwrap());
    assert_eq!(ss2.pop().unwrap(), Some(s(1))); // a string, not an int
}

// ---- ScorerTest ----------------------------------------------------------------------

#[test]
fn scorer_test_scorer() {
    let server = RedisServer::start();
    // The original's `Ser`: loads=int, dumps=str.
    let mut ss = SortedSet::new(server.conn(), "scorer_ss_test")
        .serializer(Text::<i64>::new())
        .scorer(|i: &i64| -(*i as f64));
    for i in 0..5 {
        ss.add(&i).unwrap();
    }
    assert_eq!(ss.take(5).unwrap(), [4, 3, 2, 1, 0]);
}

// ---- TimeSortedSetTest ---------------------------------------------------------------

#[test]
fn time_sorted_set_test_length() {
    let server = RedisServer::start();
    length_case(time_sorted(&server));
}

#[test]
fn time_sorted_set_test_contains() {
    let server = RedisServer::start();
    contains_case(time_sorted(&server));
}

#[test]
fn time_sorted_set_test_add_at() {
    let server = RedisServer::start();
    let mut tss = time_sorted(&server);
    let now = now();
    for i in 0..5 {
        tss.add_with_score(&s(i), now - f64::from(i)).unwrap();
    }
    let popped: Vec<String> = (0..5).map(|_| tss.pop().unwrap().unwrap()).collect();
    assert_eq!(popped, ["4", "3", "2", "1", "0"]);
}

#[test]
fn time_sorted_set_test_add_dup() {
    let server = RedisServer::start();
    add_dup_case(time_sorted(&server), now() + 10.0);
}

#[test]
fn time_sorted_set_test_clear() {
    let server = RedisServer::start();
    clear_case(time_sorted(&server));
}

#[test]
fn time_sorted_set_test_discard() {
    let server = RedisServer::start();
    discard_case(&mut time_sorted(&server));
}

#[test]
fn time_sorted_set_test_peek() {
    let server = RedisServer::start();
    peek_case(time_sorted(&server));
}

#[test]
fn time_sorted_set_test_score() {
    let server = RedisServer::start();
    let mut tss = time_sorted(&server);
    assert_eq!(tss.score(&s(0)).unwrap(), None);
    let now = now();
    tss.add_with_score(&s(0), now).unwrap();
    assert_eq!(tss.score(&s(0)).unwrap().unwrap() as i64, now as i64);
}

#[test]
fn time_sorted_set_test_oldest_time() {
    let server = RedisServer::start();
    let mut tss = time_sorted(&server);
    assert_eq!(tss.peek_score().unwrap(), None);
    let now = now();
    for i in 0..3 {
        tss.add_with_score(&s(i), now - f64::from(i)).unwrap();
    }
    assert_eq!(
        tss.peek_score().unwrap().unwrap() as i64,
        (now - 2.0) as i64
    );
    tss.pop().unwrap();
    assert_eq!(
        tss.peek_score().unwrap().unwrap() as i64,
        (now - 1.0) as i64
    );
}

// ---- ScheduledSetTest ----------------------------------------------------------------

/// The original's `self.now`: a second ago, "to avoid having to sleep".
fn a_second_ago() -> f64 {
    now() - 1.0
}

#[test]
fn scheduled_set_test_schedule() {
    let server = RedisServer::start();
    let mut ss = scheduled(&server);
    let now = a_second_ago();
    ss.add_with_score(&s(1), now).unwrap();
    ss.add_with_score(&s(2), now + 1000.0).unwrap();
    assert_eq!(ss.pop().unwrap(), Some(s(1)));
    // The test file's latest revision expects None here; redset 0.5.1 itself raises
    // KeyError (checked against it), and so do we: Error::Empty.
    assert!(ss.pop().unwrap_err().is_empty());
    assert_eq!(ss.len().unwrap(), 1);
}

#[test]
fn scheduled_set_test_peek() {
    let server = RedisServer::start();
    let mut ss = scheduled(&server);
    assert!(ss.peek().unwrap_err().is_empty());
    let now = a_second_ago();
    ss.add_with_score(&s(1), now).unwrap();
    ss.add_with_score(&s(2), now + 1000.0).unwrap();
    assert_eq!(ss.peek().unwrap(), Some(s(1)));
    ss.pop().unwrap();
    assert!(ss.peek().unwrap_err().is_empty());
    assert_eq!(ss.len().unwrap(), 1);
}

#[test]
fn scheduled_set_test_take() {
    let server = RedisServer::start();
    let mut ss = scheduled(&server);
    let now = a_second_ago();
    ss.add_with_score(&s(1), now - 3.0).unwrap();
    ss.add_with_score(&s(2), now - 2.0).unwrap();
    ss.add_with_score(&s(3), now - 1.0).unwrap();
    let items = ss.take(2).unwrap();
    assert_eq!(items, ["1", "2"]);
    assert_eq!(ss.pop().unwrap(), Some(s(3)));
    assert_eq!(ss.len().unwrap(), 0);
    assert_eq!(ss.take(0).unwrap(), Vec::<String>::new());
    // take(-1): see sorted_set_test_take.
}

#[test]
fn scheduled_set_test_length() {
    let server = RedisServer::start();
    let mut ss = scheduled(&server);
    let now = a_second_ago();
    for i in 0..2 {
        ss.add_with_score(&s(i), now + 50.0).unwrap();
    }
    for i in 0..3 {
        ss.add_with_score(&s(i + 2), now - 50.0).unwrap();
    }
    assert_eq!(ss.len().unwrap(), 5);
}

#[test]
fn scheduled_set_test_contains() {
    let server = RedisServer::start();
    contains_case(scheduled(&server));
}

#[test]
fn scheduled_set_test_add_dup() {
    let server = RedisServer::start();
    add_dup_case(scheduled(&server), 10.0);
}

#[test]
fn scheduled_set_test_clear() {
    let server = RedisServer::start();
    clear_case(scheduled(&server));
}

#[test]
fn scheduled_set_test_discard() {
    let server = RedisServer::start();
    let mut ss = scheduled(&server);
    ss.add_with_score(&s(1), a_second_ago() + 50.0).unwrap();
    discard_case(&mut ss);
    assert!(ss.discard(&s(1)).unwrap());
    assert!(!ss.discard(&s(1)).unwrap());
}

// ---- docs/examples.rst: the task system ----------------------------------------------

#[test]
fn examples_task_system() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Task {
        foo: String,
        bar: String,
        priority: u32,
    }
    let server = RedisServer::start();
    let mut task_set = SortedSet::new(server.conn(), "tasks")
        .serializer(Json::<Task>::new())
        .scorer(|task: &Task| f64::from(task.priority));
    let task = |foo: &str, bar: &str, priority| Task {
        foo: foo.into(),
        bar: bar.into(),
        priority,
    };
    task_set.add(&task("yo", "baz", 1)).unwrap();
    task_set.add(&task("hey", "roar", 0)).unwrap();
    // The consuming daemon's loop body: take(10), lowest priority first.
    assert_eq!(
        task_set.take(10).unwrap(),
        [task("hey", "roar", 0), task("yo", "baz", 1)]
    );
    assert!(task_set.take(10).unwrap().is_empty());
}
