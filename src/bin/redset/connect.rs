//! Where the sets are: one server or a Redis Cluster, named by URLs, and the
//! connection every command shares.
//!
//! A cluster is named by `redis-cluster://h1:p1,h2:p2` (`rediss-cluster://` with TLS;
//! credentials and query go to every node), by several `--url`s, or by `--cluster`.
//! TLS and passwords are the `redis` crate's URL syntax: `rediss://user:pass@host:port`.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, Value};
use tokio::sync::OnceCell;

use crate::exit::Failure;

/// The server(s) named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One Redis or Valkey server.
    Single(String),
    /// The seed nodes of a Redis Cluster.
    Cluster(Vec<String>),
}

impl Target {
    /// Reads `--url` (one or more) and `--cluster`.
    pub fn parse(urls: &[String], cluster: bool) -> Result<Target, Failure> {
        let mut nodes = Vec::new();
        let mut cluster = cluster || urls.len() > 1;
        for url in urls {
            let expanded = expand_cluster_url(url);
            cluster |= expanded.is_some();
            nodes.extend(expanded.unwrap_or_else(|| vec![url.clone()]));
        }
        for node in &nodes {
            redis::parse_redis_url(node)
                .ok_or_else(|| Failure::Usage(format!("not a Redis URL: {}", redact(node))))?;
        }
        match nodes.as_slice() {
            [] => Err(Failure::Usage("no --url given".into())),
            [one] if !cluster => Ok(Target::Single(one.clone())),
            _ => Ok(Target::Cluster(nodes)),
        }
    }

    /// The target for messages, without passwords.
    pub fn describe(&self) -> String {
        match self {
            Target::Single(url) => redact(url),
            Target::Cluster(nodes) => {
                let nodes: Vec<String> = nodes.iter().map(|n| redact(n)).collect();
                format!("the cluster of {}", nodes.join(", "))
            }
        }
    }
}

/// `redis-cluster://auth@h1:p1,h2:p2/rest` as one `redis://auth@hN:pN/rest` per node
/// (`rediss-cluster://` as `rediss://`); `None` for any other URL.
fn expand_cluster_url(url: &str) -> Option<Vec<String>> {
    let (scheme, rest) = url.split_once("-cluster://")?;
    let (authority, tail) = rest
        .find(['/', '?'])
        .map_or((rest, ""), |at| rest.split_at(at));
    let (auth, hosts) = match authority.rsplit_once('@') {
        Some((auth, hosts)) => (format!("{auth}@"), hosts),
        None => (String::new(), authority),
    };
    Some(
        hosts
            .split(',')
            .filter(|host| !host.is_empty())
            .map(|host| format!("{scheme}://{auth}{host}{tail}"))
            .collect(),
    )
}

/// A URL with its password (if any) replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((auth, host)) => {
            let user = auth.split_once(':').map_or("", |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..])
        }
        None => url.to_owned(),
    }
}

/// A connection to the target: cheap to clone, shared by every set a command opens.
/// A single server's reconnects after a failure (`ConnectionManager`); a cluster's
/// follows the slot map and failovers.
#[derive(Clone)]
pub enum Conn {
    /// One server.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(conn) => conn.get_db(),
            Conn::Cluster(conn) => conn.get_db(),
        }
    }
}

/// One server that holds keys: the single server, or a cluster master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// The single server.
    Single,
    /// A cluster master at this address.
    Master {
        /// Its host, as the cluster announces it.
        host: String,
        /// Its port.
        port: u16,
    },
}

impl Node {
    /// The node for progress and messages.
    pub fn describe(&self) -> String {
        match self {
            Node::Single => "the server".to_owned(),
            Node::Master { host, port } => format!("{host}:{port}"),
        }
    }
}

impl Conn {
    /// Sends `cmd` to `node` (a cluster master by address, or the single server).
    pub async fn on_node(&self, node: &Node, cmd: Cmd) -> redis::RedisResult<Value> {
        match (self, node) {
            (Conn::Cluster(conn), Node::Master { host, port }) => {
                let to = SingleNodeRoutingInfo::ByAddress {
                    host: host.clone(),
                    port: *port,
                };
                conn.clone()
                    .route_command(cmd, RoutingInfo::SingleNode(to))
                    .await
            }
            (conn, _) => conn.clone().req_packed_command(&cmd).await,
        }
    }

    /// The servers that hold keys: the single server, or every cluster master (from
    /// `CLUSTER SLOTS`, which every Redis and Valkey version with Cluster answers).
    pub async fn nodes(&self) -> redis::RedisResult<Vec<Node>> {
        if let Conn::Single(_) = self {
            return Ok(vec![Node::Single]);
        }
        let mut slots = redis::cmd("CLUSTER");
        slots.arg("SLOTS");
        let reply = self.clone().req_packed_command(&slots).await?;
        let mut masters: Vec<Node> = Vec::new();
        for range in array(reply) {
            // [first slot, last slot, [host, port, id, …], replicas…]
            let Some(master) = array(range).into_iter().nth(2) else {
                continue;
            };
            let mut parts = array(master).into_iter();
            let (Some(host), Some(Value::Int(port))) = (parts.next(), parts.next()) else {
                continue;
            };
            let host = match host {
                Value::BulkString(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Value::SimpleString(text) => text,
                _ => continue,
            };
            let node = Node::Master {
                host,
                port: u16::try_from(port).unwrap_or_default(),
            };
            if !masters.contains(&node) {
                masters.push(node);
            }
        }
        Ok(masters)
    }
}

/// The elements of an array reply; nothing for any other reply.
pub fn array(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        _ => Vec::new(),
    }
}

/// The target and its connection, made on first use and kept: a long-running command
/// (`metrics`, `stats --watch`) that starts while Redis is down connects once it is up.
pub struct Redis {
    target: Target,
    timeout: Duration,
    conn: OnceCell<Conn>,
}

impl Redis {
    /// Nothing is connected yet.
    pub fn new(target: Target, timeout: Duration) -> Redis {
        Redis {
            target,
            timeout,
            conn: OnceCell::new(),
        }
    }

    /// The target, for messages.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// How long a connection or a reply may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The shared connection, connecting first if needed.
    pub async fn conn(&self) -> Result<Conn, Failure> {
        let connect = async {
            match tokio::time::timeout(self.timeout, self.connect()).await {
                Ok(result) => result,
                Err(_) => Err(redis::RedisError::from((
                    redis::ErrorKind::Io,
                    "timed out connecting",
                    self.target.describe(),
                ))),
            }
        };
        self.conn
            .get_or_try_init(|| connect)
            .await
            .cloned()
            .map_err(|err| {
                let detail = format!("cannot connect to {}: {err}", self.target.describe());
                Failure::Redis(redset::Error::Connection(detail.into()))
            })
    }

    async fn connect(&self) -> redis::RedisResult<Conn> {
        match &self.target {
            Target::Single(url) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let client = redis::Client::open(url.as_str())?;
                Ok(Conn::Single(
                    ConnectionManager::new_with_config(client, config).await?,
                ))
            }
            Target::Cluster(nodes) => {
                let client = redis::cluster::ClusterClientBuilder::new(nodes.clone())
                    .connection_timeout(self.timeout)
                    .response_timeout(self.timeout)
                    .retries(1)
                    .build()?;
                Ok(Conn::Cluster(client.get_async_connection().await?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_url_names_every_node_with_the_same_credentials() {
        let target = Target::parse(
            &["rediss-cluster://u:pw@h1:7000,h2:7001/?protocol=resp3".into()],
            false,
        )
        .unwrap();
        assert_eq!(
            target,
            Target::Cluster(vec![
                "rediss://u:pw@h1:7000/?protocol=resp3".into(),
                "rediss://u:pw@h2:7001/?protocol=resp3".into(),
            ])
        );
        assert_eq!(
            target.describe(),
            "the cluster of rediss://u:***@h1:7000/?protocol=resp3, rediss://u:***@h2:7001/?protocol=resp3"
        );
    }

    #[test]
    fn several_urls_or_the_flag_make_a_cluster() {
        let two = ["redis://a:1".to_owned(), "redis://b:2".to_owned()];
        assert!(matches!(Target::parse(&two, false), Ok(Target::Cluster(n)) if n.len() == 2));
        let one = ["redis://a:1".to_owned()];
        assert!(matches!(Target::parse(&one, true), Ok(Target::Cluster(_))));
        assert!(matches!(Target::parse(&one, false), Ok(Target::Single(_))));
        let bad = ["http://a:1".to_owned()];
        assert!(matches!(Target::parse(&bad, false), Err(Failure::Usage(_))));
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(redact("redis://:secret@h:1/0"), "redis://:***@h:1/0");
        assert_eq!(redact("redis://h:1"), "redis://h:1");
        assert_eq!(
            redact("redis+unix:///tmp/r.sock"),
            "redis+unix:///tmp/r.sock"
        );
    }
}
