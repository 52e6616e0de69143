//! The original Python redset's `tests/test_serializers.py`, in our own words.

mod support;

use redset::{Json, SortedSet};
use support::RedisServer;

/// The original's `DiscoTask = namedtuple('DiscoTask', 'tiger,woods')`: a struct with
/// `Json<T>`, the counterpart of `NamedtupleSerializer` (both store a JSON object).
#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct DiscoTask {
    tiger: String,
    woods: String,
}

#[test]
fn test_nt_serializer_test_nt_serializer() {
    let server = RedisServer::start();
    let mut ss =
        SortedSet::new(server.conn(), "TestNTSerializer").serializer(Json::<DiscoTask>::new());
    let dt = DiscoTask {
        tiger: "larry".into(),
        woods: "david".into(),
    };
    ss.add(&dt).unwrap();
    assert_eq!(ss.len().unwrap(), 1);
    assert!(ss.contains(&dt).unwrap());
    assert_eq!(ss.pop().unwrap(), Some(dt));
}
