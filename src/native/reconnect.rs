//! A blocking connection that reconnects: what `SortedSet::from_client` (and, on Redis
//! Cluster, `from_cluster`) runs on.

use redis::{Client, ConnectionLike, RedisResult, Value};

/// What makes new blocking connections: a [`Client`], or with the `cluster` feature a
/// `redis::cluster::ClusterClient` (each new cluster connection reads the slot map
/// afresh, so one made after a failover finds the promoted replica).
pub trait Connect {
    /// The connection it makes.
    type Conn: ConnectionLike;
    /// A new connection.
    fn connect(&self) -> RedisResult<Self::Conn>;
}

impl Connect for Client {
    type Conn = redis::Connection;
    fn connect(&self) -> RedisResult<Self::Conn> {
        self.get_connection()
    }
}

#[cfg(feature = "cluster")]
impl Connect for redis::cluster::ClusterClient {
    type Conn = redis::cluster::ClusterConnection;
    fn connect(&self) -> RedisResult<Self::Conn> {
        self.get_connection()
    }
}

/// A `redis::ConnectionLike` made from a [`Client`] (or any [`Connect`]): it connects on
/// first use, drops its connection when a command fails for a connection reason (a
/// server restart, a dropped socket, a cluster master gone), and connects again for the
/// next command. Which commands may be sent again is the set's decision, not this
/// connection's.
///
/// ```no_run
/// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
/// let jobs = redset::SortedSet::new(redset::Reconnecting::new(client), "jobs");
/// ```
pub struct Reconnecting<F: Connect = Client> {
    client: F,
    conn: Option<F::Conn>,
}

impl<F: Connect> Reconnecting<F> {
    /// Connects lazily, on the first command.
    pub fn new(client: F) -> Self {
        Reconnecting { client, conn: None }
    }

    fn connection(&mut self) -> RedisResult<&mut F::Conn> {
        if !self.conn.as_ref().is_some_and(ConnectionLike::is_open) {
            self.conn = Some(self.client.connect()?);
        }
        Ok(self.conn.as_mut().expect("connected just above"))
    }

    /// Forgets the connection after a failure that was not the server's answer.
    fn after<T>(&mut self, result: RedisResult<T>) -> RedisResult<T> {
        if matches!(&result, Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error())
        {
            self.conn = None;
        }
        result
    }
}

impl<F: Connect> ConnectionLike for Reconnecting<F> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        let result = self
            .connection()
            .and_then(|conn| conn.req_packed_command(cmd));
        self.after(result)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        let result = self
            .connection()
            .and_then(|conn| conn.req_packed_commands(cmd, offset, count));
        self.after(result)
    }

    fn get_db(&self) -> i64 {
        self.conn.as_ref().map_or(0, ConnectionLike::get_db)
    }

    fn check_connection(&mut self) -> bool {
        self.connection().is_ok_and(|conn| conn.check_connection())
    }

    fn is_open(&self) -> bool {
        // It connects again when it must.
        true
    }
}

impl<F: Connect> std::fmt::Debug for Reconnecting<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnecting")
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}
