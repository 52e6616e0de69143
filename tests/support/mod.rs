//! A real `redis-server` for integration tests: started from PATH on a unix socket in
//! a temp dir, with persistence off, and killed on drop. `REDSET_SERVER` names another
//! server binary to run instead (`./run test` runs the suites on Valkey with it).
#![allow(dead_code)]

#[cfg(feature = "cluster")]
pub mod cluster;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// "Now" in UNIX seconds, as the sets' scores take it.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A loopback port free now (not one of `taken`), and its cluster-bus port (+10000) too
/// where `bus`: both below Linux's ephemeral range (32768 up), where a client's
/// connection may take a port between the pick and the server's bind. A server may still
/// lose it to another process: the cluster's nodes start again on another port.
pub fn free_port(taken: &[u16], bus: bool) -> u16 {
    for _ in 0..1000 {
        let port = 20_000 + (rand_u16() % 2_768);
        if taken.contains(&port) {
            continue;
        }
        let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
        if free(port) && (!bus || free(port + 10_000)) {
            return port;
        }
    }
    panic!("no free port on loopback");
}

fn rand_u16() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() as u16
}

pub struct RedisServer {
    child: Child,
    dir: tempfile::TempDir,
    durable: bool,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        Self::launch(tempfile::tempdir().expect("temp dir"), false)
    }

    /// A server that writes every command to its append-only file before answering
    /// (`appendfsync always`), so that what it acknowledged survives a SIGKILL.
    pub fn start_durable() -> RedisServer {
        Self::launch(tempfile::tempdir().expect("temp dir"), true)
    }

    fn spawn(dir: &std::path::Path, durable: bool) -> Child {
        let persistence: &[&str] = if durable {
            &["--appendonly", "yes", "--appendfsync", "always"]
        } else {
            &["--appendonly", "no"]
        };
        let binary = std::env::var("REDSET_SERVER").unwrap_or_else(|_| "redis-server".into());
        Command::new(binary)
            .args(["--port", "0", "--save", ""])
            .args(persistence)
            .arg("--unixsocket")
            .arg(dir.join("redis.sock"))
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH (the README's test command installs it)")
    }

    fn launch(dir: tempfile::TempDir, durable: bool) -> RedisServer {
        let child = Self::spawn(dir.path(), durable);
        let server = RedisServer {
            child,
            dir,
            durable,
        };
        server.wait_until_ready();
        server
    }

    /// SIGKILLs the server and starts it again on the same socket and files.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(self.socket());
        self.child = Self::spawn(self.dir.path(), self.durable);
        self.wait_until_ready();
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut conn) = self.client().get_connection() {
                if redis::cmd("PING").query::<String>(&mut conn).is_ok() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server did not answer within 10 s; its log:\n{}",
            self.log()
        );
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("client")
    }

    pub fn conn(&self) -> redis::Connection {
        self.client().get_connection().expect("connection")
    }

    /// A connection that speaks RESP3.
    pub fn conn_resp3(&self) -> redis::Connection {
        let url = format!("{}?protocol=resp3", self.url());
        redis::Client::open(url)
            .unwrap()
            .get_connection()
            .expect("resp3 connection")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- redis-server log ---\n{}", self.log());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
