//! The document's task system, end to end: producer and consumer processes share a
//! prioritized `SortedSet` of tasks, and failed tasks come back through a
//! `ScheduledSet` with exponential backoff. The parent checks that every task was
//! processed exactly once.
//!
//! `cargo run --release --bin redset-demo` starts its own redis-server (from PATH) on a
//! unix socket unless `REDIS_URL` is set.

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{Json, ScheduledSet, SortedSet};
use serde::{Deserialize, Serialize};

const PRODUCERS: u32 = 2;
const CONSUMERS: u32 = 4;
const TASKS_PER_PRODUCER: u32 = 500;
const TASKS: &str = "demo:tasks";
const RETRIES: &str = "demo:retries";
const PRODUCERS_DONE: &str = "demo:producers-done";
const DEADLINE: Duration = Duration::from_secs(120);

/// A unit of work. Its priority is its score: lower runs sooner.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Task {
    id: u32,
    priority: u32,
    attempts: u32,
}

impl Task {
    /// Every fifth task fails on its first attempt, to exercise retries.
    fn succeeds(&self) -> bool {
        !self.id.is_multiple_of(5) || self.attempts > 0
    }
}

fn tasks(url: &str) -> SortedSet<redis::Connection, Json<Task>> {
    SortedSet::new(connect(url), TASKS)
        .serializer(Json::new())
        .scorer(|task: &Task| f64::from(task.priority))
}

fn retries(url: &str) -> ScheduledSet<redis::Connection, Json<Task>> {
    ScheduledSet::new(connect(url), RETRIES).serializer(Json::new())
}

fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

fn produce(url: &str, producer: u32) -> redset::Result<()> {
    let mut tasks = tasks(url);
    for n in 0..TASKS_PER_PRODUCER {
        let id = producer * TASKS_PER_PRODUCER + n;
        tasks.add(&Task {
            id,
            priority: id % 10,
            attempts: 0,
        })?;
    }
    let _: u32 = tasks
        .connection()
        .incr(PRODUCERS_DONE, 1)
        .map_err(|e| redset::Error::Connection(e.into()))?;
    Ok(())
}

/// Works until the producers are done and both sets are empty; prints one `DONE id`
/// line per task processed, then a summary line.
fn consume(url: &str, consumer: u32) -> redset::Result<()> {
    let (mut tasks, mut retries) = (tasks(url), retries(url));
    let (mut done, mut retried) = (Vec::new(), 0);
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        let mut batch = retries.take(10)?;
        match tasks.pop() {
            Ok(Some(task)) => batch.push(task),
            Ok(None) => {}
            Err(e) if e.is_empty() => {}
            Err(e) => return Err(e),
        }
        if batch.is_empty() {
            let producers: u32 = tasks
                .connection()
                .get::<_, Option<u32>>(PRODUCERS_DONE)
                .ok()
                .flatten()
                .unwrap_or(0);
            if producers == PRODUCERS && tasks.is_empty()? && retries.is_empty()? {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        for task in batch {
            if task.succeeds() {
                println!("DONE {}", task.id);
                done.push(task.id);
            } else {
                let backoff = 0.05 * 2f64.powi(task.attempts as i32);
                let again = Task {
                    attempts: task.attempts + 1,
                    ..task
                };
                retries.add_with_score(&again, now() + backoff)?;
                println!("RETRY {}", again.id);
                retried += 1;
            }
        }
    }
    println!(
        "consumer {consumer}: processed {} tasks, scheduled {retried} retries",
        done.len()
    );
    Ok(())
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A redis-server of the demo's own, on a unix socket in a fresh temp dir.
struct OwnServer {
    child: Child,
    dir: std::path::PathBuf,
}

impl OwnServer {
    fn start() -> OwnServer {
        let dir = std::env::temp_dir().join(format!("redset-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no"])
            .arg("--unixsocket")
            .arg(dir.join("redis.sock"))
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH, or set REDIS_URL");
        let server = OwnServer { child, dir };
        for _ in 0..500 {
            if redis::Client::open(server.url())
                .and_then(|c| c.get_connection())
                .is_ok()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not start");
    }

    fn url(&self) -> String {
        format!("redis+unix://{}", self.dir.join("redis.sock").display())
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn(role: &str, url: &str, n: u32) -> Child {
    Command::new(std::env::current_exe().expect("own path"))
        .args([role, url, &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn a worker process")
}

fn run_demo() -> ExitCode {
    let own = std::env::var("REDIS_URL").is_err().then(OwnServer::start);
    let url = std::env::var("REDIS_URL")
        .unwrap_or_else(|_| own.as_ref().map(OwnServer::url).unwrap_or_default());
    let mut control = connect(&url);
    let _: () = redis::cmd("DEL")
        .arg(TASKS)
        .arg(RETRIES)
        .arg(PRODUCERS_DONE)
        .query(&mut control)
        .unwrap();

    let started = Instant::now();
    let consumers: Vec<Child> = (0..CONSUMERS).map(|c| spawn("consume", &url, c)).collect();
    let producers: Vec<Child> = (0..PRODUCERS).map(|p| spawn("produce", &url, p)).collect();
    for p in producers {
        assert!(
            p.wait_with_output().expect("producer").status.success(),
            "a producer failed"
        );
    }
    let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
    let mut retried = 0;
    for (c, child) in consumers.into_iter().enumerate() {
        let out = child.wait_with_output().expect("consumer");
        let text = String::from_utf8_lossy(&out.stdout);
        for id in text.lines().filter_map(|l| l.strip_prefix("DONE ")) {
            *seen.entry(id.parse().expect("task id")).or_default() += 1;
        }
        retried += text.lines().filter(|l| l.starts_with("RETRY ")).count();
        match text.lines().last() {
            Some(summary) if out.status.success() => println!("{summary}"),
            _ => {
                eprintln!("consumer {c} failed");
                return ExitCode::FAILURE;
            }
        }
    }
    let expected = PRODUCERS * TASKS_PER_PRODUCER;
    let duplicated = seen.values().filter(|&&n| n > 1).count();
    let lost = (0..expected).filter(|id| !seen.contains_key(id)).count();
    println!(
        "demo: {PRODUCERS} producers added {expected} tasks; {CONSUMERS} consumer processes processed {} distinct tasks ({} after a retry) in {:.2?}; duplicated: {duplicated}, lost: {lost}",
        seen.len(),
        retried,
        started.elapsed()
    );
    if duplicated == 0 && lost == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let worker = |f: fn(&str, u32) -> redset::Result<()>| match f(
        &args[2],
        args[3].parse().expect("worker number"),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", args[1]);
            ExitCode::FAILURE
        }
    };
    match args.get(1).map(String::as_str) {
        Some("produce") => worker(produce),
        Some("consume") => worker(consume),
        _ => run_demo(),
    }
}
