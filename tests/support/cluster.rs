//! A real Redis Cluster for tests: 3 masters and 3 replicas of `redis-server` (or
//! `REDSET_SERVER`) on loopback ports in a temp dir, joined by `redis-cli --cluster
//! create … --cluster-replicas 1`, with a short node timeout so a failover takes about
//! two seconds; killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisCluster {
    nodes: Vec<(u16, Child)>,
    dir: tempfile::TempDir,
    /// One cluster at a time in a test binary: six servers each, syncing replicas,
    /// are a lot for a two-core machine.
    _turn: std::sync::MutexGuard<'static, ()>,
}

static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A cluster node of `binary` answering PING on a port free when picked (not one of
/// `taken`), in its own directory under `dir`. Another process may take a port between
/// its pick and the server's bind, and the server then exits: it starts again on
/// another port.
fn start_node(binary: &str, dir: &std::path::Path, taken: &[u16]) -> (u16, Child) {
    for _ in 0..5 {
        let port = super::free_port(taken, true);
        let node_dir = dir.join(port.to_string());
        std::fs::create_dir_all(&node_dir).unwrap();
        let mut child = Command::new(binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "1000"])
            // Replicas sync at once, and may always take over.
            .args(["--repl-diskless-sync-delay", "0"])
            .args(["--cluster-replica-validity-factor", "0"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&node_dir)
            .arg("--logfile")
            .arg(node_dir.join("redis.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH");
        // A node that exits has most likely lost its port.
        let exited = || matches!(child.try_wait(), Ok(Some(_)));
        if ready_within_a_minute(port, exited, |conn| {
            redis::cmd("PING").query::<String>(conn).is_ok()
        }) {
            return (port, child);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no cluster node would start on loopback in five tries");
}

/// Whether the node on `port` is `ready` within a minute, asked every 50 ms until then
/// or until it has `gone`.
fn ready_within_a_minute(
    port: u16,
    mut gone: impl FnMut() -> bool,
    ready: impl Fn(&mut redis::Connection) -> bool,
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    while Instant::now() < deadline && !gone() {
        if let Ok(mut conn) = client.get_connection() {
            if ready(&mut conn) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl RedisCluster {
    pub fn start() -> RedisCluster {
        let turn = TURN.lock().unwrap_or_else(|poison| poison.into_inner());
        let dir = tempfile::tempdir().expect("temp dir");
        let binary = std::env::var("REDSET_SERVER").unwrap_or_else(|_| "redis-server".into());
        // Made first, so that the nodes started are killed if a later one fails.
        let mut cluster = RedisCluster {
            nodes: Vec::new(),
            dir,
            _turn: turn,
        };
        for _ in 0..6 {
            let taken: Vec<u16> = cluster.nodes.iter().map(|(port, _)| *port).collect();
            let node = start_node(&binary, cluster.dir.path(), &taken);
            cluster.nodes.push(node);
        }
        let ports: Vec<u16> = cluster.nodes.iter().map(|(port, _)| *port).collect();
        let addresses: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect("redis-cli");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        cluster.wait_until_ok();
        cluster
    }

    fn wait_for(&self, port: u16, ready: impl Fn(&mut redis::Connection) -> bool) {
        if !ready_within_a_minute(port, || false, ready) {
            panic!("cluster node {port} not ready within 60 s");
        }
    }

    /// Until every live node says the cluster is OK and has every slot.
    pub fn wait_until_ok(&self) {
        for &(port, _) in &self.nodes {
            self.wait_for(port, |conn| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(conn)
                    .unwrap_or_default();
                info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
            });
        }
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|(port, _)| format!("redis://127.0.0.1:{port}/"))
            .collect()
    }

    pub fn client(&self) -> redis::cluster::ClusterClient {
        redis::cluster::ClusterClient::new(self.urls()).expect("cluster client")
    }

    pub fn conn(&self) -> redis::cluster::ClusterConnection {
        self.client().get_connection().expect("cluster connection")
    }

    /// The port of the master that serves `key`'s slot now.
    pub fn master_of(&self, key: &str) -> u16 {
        let slot = redset::core::hash_slot(key.as_bytes());
        let client = redis::Client::open(self.urls()[0].as_str()).unwrap();
        let mut conn = client.get_connection().unwrap();
        let slots: Vec<redis::Value> = redis::cmd("CLUSTER").arg("SLOTS").query(&mut conn).unwrap();
        for range in slots {
            let redis::Value::Array(parts) = range else {
                continue;
            };
            let (Some(redis::Value::Int(lo)), Some(redis::Value::Int(hi))) =
                (parts.first(), parts.get(1))
            else {
                continue;
            };
            if (*lo..=*hi).contains(&i64::from(slot)) {
                if let Some(redis::Value::Array(master)) = parts.get(2) {
                    if let Some(redis::Value::Int(port)) = master.get(1) {
                        return *port as u16;
                    }
                }
            }
        }
        panic!("no master for slot {slot}");
    }

    /// SIGKILLs the node on `port` (its replica takes over after the node timeout).
    pub fn kill(&mut self, port: u16) {
        if let Some((_, child)) = self.nodes.iter_mut().find(|(p, _)| *p == port) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.nodes.retain(|(p, _)| *p != port);
    }

    /// One set name per master, each in a slot that master serves.
    pub fn names_on_each_master(&self, prefix: &str) -> Vec<String> {
        let mut found: Vec<(u16, String)> = Vec::new();
        for i in 0.. {
            let name = format!("{prefix}-{i}");
            let master = self.master_of(&name);
            if !found.iter().any(|(m, _)| *m == master) {
                found.push((master, name));
            }
            if found.len() == 3 {
                break;
            }
        }
        found.into_iter().map(|(_, name)| name).collect()
    }

    pub fn log(&self) -> String {
        self.nodes
            .iter()
            .map(|(port, _)| {
                let log = std::fs::read_to_string(
                    self.dir.path().join(port.to_string()).join("redis.log"),
                );
                format!("--- node {port} ---\n{}", log.unwrap_or_default())
            })
            .collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log());
        }
        for (_, child) in &mut self.nodes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
