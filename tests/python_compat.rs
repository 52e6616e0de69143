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

/// The original's consumer (`tests/support/python_consumer.py`), started and waiting
/// for the go signal on its stdin.
fn python_consumer(server: &RedisServer, kind: &str, name: &str) -> std::process::Child {
    use std::io::BufRead;
    let python = std::env::var("REDSET_PYTHON")
        .expect("REDSET_PYTHON: a Python with redset 0.5.1 and redis 2.10");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/python_consumer.py"
    );
    let mut child = Command::new(python)
        .arg(script)
        .arg(server.socket())
        .args([kind, name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the python consumer");
    let mut ready = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");
    child
}

/// 20 000 due items drained by 2 consumers of the original and 2 of this crate at once;
/// returns (items popped by Python, duplicated, lost).
fn mixed_fleet(kind: &str) -> (usize, usize, usize) {
    use std::collections::HashSet;
    use std::io::{Read, Write};

    const ITEMS: usize = 20_000;
    let server = RedisServer::start();
    let name = format!("fleet:{kind}");
    let mut admin = server.conn();
    for chunk in (0..ITEMS).collect::<Vec<_>>().chunks(5_000) {
        let mut zadd = redis::cmd("ZADD");
        zadd.arg(&name);
        for i in chunk {
            zadd.arg(*i as f64).arg(i.to_string()); // every score long past: all due
        }
        zadd.exec(&mut admin).unwrap();
    }
    let mut pythons: Vec<_> = (0..2)
        .map(|_| python_consumer(&server, kind, &name))
        .collect();
    for python in &mut pythons {
        python.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    }
    let rust: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (server, name) = (&server, &name);
                scope.spawn(move || {
                    let mut got = Vec::new();
                    let mut sorted = SortedSet::new(server.conn(), name.as_str());
                    let mut scheduled = ScheduledSet::new(server.conn(), name.as_str());
                    loop {
                        let popped = if kind == "scheduled" {
                            scheduled.pop()
                        } else {
                            sorted.pop()
                        };
                        match popped {
                            Ok(item) => got.push(item.unwrap()),
                            Err(e) if e.is_empty() => return got,
                            Err(e) => panic!("{e}"),
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut from_python = Vec::new();
    for mut python in pythons {
        let mut out = String::new();
        python
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(python.wait().unwrap().success());
        let items: Vec<String> = serde_json::from_str(out.trim()).unwrap();
        from_python.extend(items);
    }
    let all: Vec<&String> = rust.iter().flatten().chain(&from_python).collect();
    let unique: HashSet<&String> = all.iter().copied().collect();
    let left: u64 = redis::cmd("ZCARD").arg(&name).query(&mut admin).unwrap();
    assert_eq!(left, 0);
    (
        from_python.len(),
        all.len() - unique.len(),
        ITEMS - unique.len(),
    )
}

#[test]
#[ignore = "needs REDSET_PYTHON (a Python with redset 0.5.1); ./run test runs it"]
fn mixed_fleet_of_python_and_rust_consumers_delivers_each_item_once() {
    for kind in ["scheduled", "sorted"] {
        let (python, duplicated, lost) = mixed_fleet(kind);
        println!("{kind}: 2 Python + 2 Rust consumers, 20000 items: Python popped {python}, duplicated {duplicated}, lost {lost}");
        assert_eq!((duplicated, lost), (0, 0), "{kind}");
        assert!(python > 0, "{kind}: the Python consumers popped nothing");
    }
}
