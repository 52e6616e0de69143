//! The document's task system, end to end, made crash-safe: producer and consumer
//! processes share a prioritized `SortedSet` of tasks; consumers claim tasks on leases
//! and ack them when done, a failed task comes back after an exponential backoff
//! through its lease, and the parent SIGKILLs one consumer mid-run. When the npm
//! package is built (`pkg/`), Node processes join in on the same set. The parent checks
//! that every task was acked, none twice, and none lost.
//!
//! `cargo run --release --bin redset-demo` starts its own redis-server (from PATH) on a
//! unix socket unless `REDIS_URL` is set; `REDIS_URL=redis-cluster://host:port,host:port`
//! runs it on a Redis Cluster (`./run demo --cluster` starts one).
//!
//! Workers: `redset-demo produce URL N` adds tasks `N*2000 ..`, then counts itself done;
//! `redset-demo consume URL N PRODUCERS` works until `PRODUCERS` producers are done
//! and nothing is waiting or in flight, printing `WORKED id` when it did a task's work,
//! `ACKED id` once the ack succeeded, `RETRY id` for a failure, and a summary.
//! `js/demo-worker.mjs` speaks the same protocol.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use redis::Commands;
use redset::{Json, Reconnecting, RedisSet, Scored, Sorted, SortedSet, Synchronous};
use serde::{Deserialize, Serialize};

const RUST_PRODUCERS: u32 = 2;
const RUST_CONSUMERS: u32 = 4;
const NODE_PRODUCERS: u32 = 1;
const NODE_CONSUMERS: u32 = 2;
const TASKS_PER_PRODUCER: u32 = 2000;
const TASKS: &str = "demo:tasks";
const PRODUCERS_DONE: &str = "demo:producers-done";
/// How long a consumer may hold a task before it goes back to the set.
const LEASE: Duration = Duration::from_secs(1);
const DEADLINE: Duration = Duration::from_secs(120);

/// A unit of work. Its priority is its score: lower runs sooner.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Task {
    id: u32,
    priority: u32,
}

impl Task {
    /// Every fifth task fails on its first delivery, to exercise retries.
    fn succeeds(&self, deliveries: u32) -> bool {
        !self.id.is_multiple_of(5) || deliveries > 1
    }
}

/// A scored set's type says so (`Scored<Sorted>`): its serializer is fixed.
type Tasks = RedisSet<Scored<Sorted>, Synchronous<Conn>, Json<Task>>;

fn tasks(url: &str) -> Tasks {
    SortedSet::new(connect(url), TASKS)
        .serializer(Json::new())
        .scorer(|task: &Task| f64::from(task.priority))
        .backoff(redset::Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_secs(1),
        })
}

/// A connection to one server, or to a cluster (`redis-cluster://host:port,…`) that
/// connects anew after a failure, so it follows a failover.
enum Conn {
    Single(redis::Connection),
    Cluster(Box<Reconnecting<redis::cluster::ClusterClient>>),
}

impl Conn {
    fn inner(&mut self) -> &mut dyn redis::ConnectionLike {
        match self {
            Conn::Single(conn) => conn,
            Conn::Cluster(conn) => conn.as_mut(),
        }
    }
}

impl redis::ConnectionLike for Conn {
    fn req_packed_command(&mut self, cmd: &[u8]) -> redis::RedisResult<redis::Value> {
        self.inner().req_packed_command(cmd)
    }
    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> redis::RedisResult<Vec<redis::Value>> {
        self.inner().req_packed_commands(cmd, offset, count)
    }
    fn get_db(&self) -> i64 {
        0
    }
    fn check_connection(&mut self) -> bool {
        self.inner().check_connection()
    }
    fn is_open(&self) -> bool {
        true
    }
}

fn connect(url: &str) -> Conn {
    if let Some(nodes) = url.strip_prefix("redis-cluster://") {
        let nodes: Vec<String> = nodes.split(',').map(|n| format!("redis://{n}/")).collect();
        let client = redis::cluster::ClusterClient::new(nodes)
            .unwrap_or_else(|e| panic!("cannot use the cluster {url}: {e}"));
        return Conn::Cluster(Box::new(Reconnecting::new(client)));
    }
    Conn::Single(
        redis::Client::open(url)
            .and_then(|c| c.get_connection())
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}")),
    )
}

fn produce(url: &str, producer: u32) -> redset::Result<()> {
    let mut tasks = tasks(url);
    for n in 0..TASKS_PER_PRODUCER {
        let id = producer * TASKS_PER_PRODUCER + n;
        tasks.add(&Task {
            id,
            priority: id % 10,
        })?;
    }
    let _: u32 = tasks
        .connection()
        .incr(PRODUCERS_DONE, 1)
        .map_err(|e| redset::Error::Connection(e.into()))?;
    Ok(())
}

/// Works until `producers` producers are done and nothing is waiting or in flight.
fn consume(url: &str, consumer: u32, producers: u32) -> redset::Result<()> {
    let mut tasks = tasks(url);
    let (mut done, mut retried) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        // Waits (blocked in Redis) until a task comes or a retried one is due again.
        let leases = tasks.claim_wait(10, LEASE, Duration::from_millis(250))?;
        if leases.is_empty() {
            let finished: Option<u32> = tasks.connection().get(PRODUCERS_DONE).unwrap_or(None);
            let stats = tasks.stats()?;
            if finished == Some(producers) && stats.waiting == 0 && stats.in_flight == 0 {
                break;
            }
            continue;
        }
        for lease in leases {
            if !lease.item.succeeds(lease.deliveries) {
                tasks.retry(&lease, None)?; // back after the backoff
                println!("RETRY {}", lease.item.id);
                retried += 1;
                continue;
            }
            println!("WORKED {}", lease.item.id);
            match tasks.ack(&lease) {
                Ok(()) => {
                    println!("ACKED {}", lease.item.id);
                    done += 1;
                }
                // Held too long: another consumer has it now, and will ack it.
                Err(e) if e.is_lease_lost() => {}
                Err(e) => return Err(e),
            }
        }
    }
    println!("rust consumer {consumer}: acked {done} tasks, retried {retried}");
    Ok(())
}

/// A redis-server of the demo's own, on a unix socket in a fresh temp dir.
struct OwnServer {
    child: Child,
    dir: PathBuf,
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

/// The Node worker, when the npm package has been built and Node is on PATH.
fn node_worker() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let worker = root.join("js/demo-worker.mjs");
    let ready = root.join("pkg/index.js").exists()
        && Command::new("node").arg("--version").output().is_ok();
    ready.then_some(worker)
}

struct Worker {
    label: String,
    child: Child,
}

fn spawn(node: Option<&Path>, role: &str, url: &str, args: &[u32]) -> Worker {
    let mut cmd = match node {
        Some(worker) => {
            let mut cmd = Command::new("node");
            cmd.arg(worker);
            cmd
        }
        None => Command::new(std::env::current_exe().expect("own path")),
    };
    cmd.args([role, url]).args(args.iter().map(u32::to_string));
    let child = cmd.stdout(Stdio::piped()).spawn().expect("spawn a worker");
    let runtime = if node.is_some() { "node" } else { "rust" };
    Worker {
        label: format!("{runtime} {role} {}", args[0]),
        child,
    }
}

fn run_demo() -> ExitCode {
    let own = std::env::var("REDIS_URL").is_err().then(OwnServer::start);
    let url = std::env::var("REDIS_URL")
        .unwrap_or_else(|_| own.as_ref().map(OwnServer::url).unwrap_or_default());
    let mut control = connect(&url);
    tasks(&url)
        .clear()
        .expect("clear the task set and its leases");
    let _: () = control.del(PRODUCERS_DONE).unwrap();

    let node = node_worker();
    let (node_producers, node_consumers) = match node {
        Some(_) => (NODE_PRODUCERS, NODE_CONSUMERS),
        None => {
            println!(
                "(pkg/ is not built or node is missing: Rust workers only; `./run demo` builds it)"
            );
            (0, 0)
        }
    };
    let producers = RUST_PRODUCERS + node_producers;
    let started = Instant::now();
    let mut consumers: Vec<Worker> = (0..RUST_CONSUMERS)
        .map(|c| spawn(None, "consume", &url, &[c, producers]))
        .collect();
    consumers.extend(
        (0..node_consumers).map(|c| spawn(node.as_deref(), "consume", &url, &[c, producers])),
    );
    let mut producing: Vec<Worker> = (0..RUST_PRODUCERS)
        .map(|p| spawn(None, "produce", &url, &[p]))
        .collect();
    producing.extend(
        (0..node_producers).map(|p| spawn(node.as_deref(), "produce", &url, &[RUST_PRODUCERS + p])),
    );
    // A consumer dies mid-run; what it held comes back when its leases expire.
    std::thread::sleep(Duration::from_millis(300));
    let victim = &mut consumers[0];
    victim.child.kill().expect("SIGKILL a consumer");
    victim.label += " (killed)";
    let mut failed = false;
    for worker in producing {
        let ok = worker
            .child
            .wait_with_output()
            .is_ok_and(|out| out.status.success());
        if !ok {
            eprintln!("{} failed", worker.label);
            failed = true;
        }
    }
    let mut acked: BTreeMap<u32, u32> = BTreeMap::new();
    let mut worked: BTreeMap<u32, u32> = BTreeMap::new();
    let mut retried = 0;
    for worker in consumers {
        let killed = worker.label.ends_with("(killed)");
        let out = worker.child.wait_with_output().expect("consumer output");
        let text = String::from_utf8_lossy(&out.stdout);
        for id in text.lines().filter_map(|l| l.strip_prefix("ACKED ")) {
            *acked.entry(id.parse().expect("task id")).or_default() += 1;
        }
        for id in text.lines().filter_map(|l| l.strip_prefix("WORKED ")) {
            *worked.entry(id.parse().expect("task id")).or_default() += 1;
        }
        retried += text.lines().filter(|l| l.starts_with("RETRY ")).count();
        match text.lines().last() {
            _ if killed => println!("{}: SIGKILLed mid-run", worker.label),
            Some(summary) if out.status.success() => println!("{summary}"),
            _ => {
                eprintln!("{} failed", worker.label);
                failed = true;
            }
        }
    }
    let expected = producers * TASKS_PER_PRODUCER;
    // A task acked twice would have been handed out again after its ack. A task nobody
    // worked on is lost. (The killed consumer may have acked a task and died before
    // printing so: it still worked on it, and the set below shows it settled.)
    let duplicated = acked.values().filter(|&&n| n > 1).count();
    let lost = (0..expected).filter(|id| !worked.contains_key(id)).count();
    let twice = worked.values().filter(|&&n| n > 1).count();
    let left = tasks(&url).stats().expect("stats");
    let unsettled = left.waiting + left.in_flight + left.dead;
    println!(
        "demo: {producers} producers ({node_producers} node) added {expected} tasks; {} consumers ({node_consumers} node, 1 killed mid-run) worked on {} distinct tasks ({twice} twice: held by the killed one), {retried} retries, in {:.2?}; left unsettled: {unsettled}; duplicated after ack: {duplicated}, lost: {lost}",
        RUST_CONSUMERS + node_consumers,
        worked.len(),
        started.elapsed()
    );
    if failed || duplicated > 0 || lost > 0 || unsettled > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u32>().ok());
    let result = match (args.get(1).map(String::as_str), args.get(2), number(3)) {
        (Some("produce"), Some(url), Some(n)) => produce(url, n),
        (Some("consume"), Some(url), Some(n)) => {
            consume(url, n, number(4).unwrap_or(RUST_PRODUCERS))
        }
        _ => return run_demo(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", args[1]);
            ExitCode::FAILURE
        }
    }
}
