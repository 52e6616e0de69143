//! A blocking connection that reconnects: what `SortedSet::from_client` runs on.

use redis::{Client, Connection, ConnectionLike, RedisResult, Value};

/// A `redis::ConnectionLike` made from a [`Client`]: it connects on first use, drops
/// its connection when a command fails for a connection reason (a server restart, a
/// dropped socket), and connects again for the next command. Which commands may be
/// sent again is the set's decision, not this connection's.
///
/// ```no_run
/// let client = redis::Client::open("redis://127.0.0.1/").unwrap();
/// let jobs = redset::SortedSet::new(redset::Reconnecting::new(client), "jobs");
/// ```
pub struct Reconnecting {
    client: Client,
    conn: Option<Connection>,
}

impl Reconnecting {
    /// Connects lazily, on the first command.
    pub fn new(client: Client) -> Self {
        Reconnecting { client, conn: None }
    }

    fn connection(&mut self) -> RedisResult<&mut Connection> {
        if !self.conn.as_ref().is_some_and(Connection::is_open) {
            self.conn = Some(self.client.get_connection()?);
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

impl ConnectionLike for Reconnecting {
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

impl std::fmt::Debug for Reconnecting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reconnecting")
            .field("connected", &self.conn.is_some())
            .finish_non_exhaustive()
    }
}
