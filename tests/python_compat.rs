//! The wire format against the original: the Python redset 0.5.1 (with redis-py 2.10)
//! and this crate read each other's sets. Needs a Python that has them, named by
//! `REDSET_PYTHON`; `./run test` makes one in target/py-venv and runs this.

mod support;

use std::process::Command;

use redset::{Json, ScheduledSet, SortedSet};
use support::RedisServer;

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Task {
    id: u32,
    url: String,
}

/// Runs Python code with `r` (a redis client on the server's socket), `redset`, and a
/// namedtuple `Task(id, url)` in scope; returns what it printed.
fn python(server: &RedisServer, code: &str) -> String {
    let python = std::env::var("REDSET_PYTHON")
        .expect("REDSET_PYTHON: a Python with redset 0.5.1 and redis 2.10");
    let prelude = format!(
        "import json, time, redis, redset, redset.serializers\nfrom collections import namedtuple\nTask = namedtuple('Task', 'id url')\nr = redis.Redis(unix_socket_path={:?})\n",
        server.socket().display().to_string()
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(prelude + code)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs REDSET_PYTHON (a Python with redset 0.5.1); ./run test runs it"]
fn python_writes_rust_reads() {
    let server = RedisServer::start();
    python(
        &server,
        "s = redset.SortedSet(r, 'plain')\ns.add('a', 2)\ns.add('b', 1)\n\
         j = redset.SortedSet(r, 'tasks', serializer=redset.serializers.NamedtupleSerializer(Task))\n\
         j.add(Task(1, 'x'), 5)\n\
         t = redset.ScheduledSet(r, 'sched')\nt.add('due')\nt.add('later', time.time() + 3600)\n",
    );
    let mut plain = SortedSet::new(server.conn(), "plain");
    assert_eq!(plain.score(&"a".to_string()).unwrap(), Some(2.0));
    assert_eq!(plain.pop().unwrap(), Some("b".to_string()));
    assert_eq!(plain.take(5).unwrap(), vec!["a".to_string()]);
    let mut tasks = SortedSet::new(server.conn(), "tasks").serializer(Json::<Task>::new());
    assert_eq!(
        tasks.pop().unwrap(),
        Some(Task {
            id: 1,
            url: "x".into()
        })
    );
    let mut sched = ScheduledSet::new(server.conn(), "sched");
    assert_eq!(sched.available().unwrap(), 1);
    assert_eq!(sched.pop().unwrap(), Some("due".to_string()));
    assert!(sched.pop().unwrap_err().is_empty());
    assert_eq!(sched.len().unwrap(), 1);
}

#[test]
#[ignore = "needs REDSET_PYTHON (a Python with redset 0.5.1); ./run test runs it"]
fn rust_writes_python_reads() {
    let server = RedisServer::start();
    let mut plain = SortedSet::new(server.conn(), "plain");
    plain.add_with_score(&"x".to_string(), 1.5).unwrap();
    plain.add_with_score(&"y".to_string(), -1.0).unwrap();
    let mut tasks = SortedSet::new(server.conn(), "tasks").serializer(Json::<Task>::new());
    tasks
        .add(&Task {
            id: 2,
            url: "z".into(),
        })
        .unwrap();
    let mut fifo = redset::TimeSortedSet::new(server.conn(), "fifo");
    fifo.add(&"first".to_string()).unwrap();
    fifo.add(&"second".to_string()).unwrap();
    let printed = python(
        &server,
        "s = redset.SortedSet(r, 'plain')\n\
         j = redset.SortedSet(r, 'tasks', serializer=redset.serializers.NamedtupleSerializer(Task))\n\
         f = redset.TimeSortedSet(r, 'fifo')\n\
         print(json.dumps([s.score('x'), s.pop(), s.take(5), list(j.pop()), f.take(2), len(f)]))\n",
    );
    assert_eq!(
        printed.trim(),
        r#"[1.5, "y", ["x"], [2, "z"], ["first", "second"], 0]"#
    );
}
