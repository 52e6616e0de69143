//! Finding sets: Redis has no list of them, so `SCAN` every server that holds keys
//! (each cluster master) for the companion keys a set gets once it has leases, dead
//! letters, waiting consumers, flow control, groups or a dedup window (`{jobs}:leases`,
//! `{jobs}:flow`, …: the core's [`COMPANIONS`](redset::core::COMPANIONS)), and read the
//! set's name back from each ([`companion_of`]) — unless that
//! name holds a key of another type. With `zsets`, every sorted set is a candidate
//! too: a set used only by `add` and `pop` (or by the Python original) has no
//! companion.

use std::collections::BTreeMap;

use redis::Value;
use redset::core::companion_of;

use crate::connect::{array, Conn, Node, Redis};
use crate::exit::Failure;
use crate::progress;

/// Keys asked for per `SCAN` round trip.
const SCAN_COUNT: usize = 1000;
/// A bound on `SCAN` round trips per server (a billion keys at [`SCAN_COUNT`]): the
/// cursor comes back to 0 long before.
const MAX_SCAN_ROUNDS: usize = 1_000_000;

/// A set found, and the evidence: the companion suffixes seen, or `zset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The set's name.
    pub name: String,
    /// What showed it: `leases`, `fence`, `dead`, … or `zset` (the key itself).
    pub found_by: Vec<String>,
}

/// Every key on `node` that matches `pattern` (a glob) or has `type`.
async fn scan(
    conn: &Conn,
    node: &Node,
    filter: (&str, &str),
    seen: &indicatif::ProgressBar,
) -> Result<Vec<String>, Failure> {
    let mut keys = Vec::new();
    let mut cursor = 0u64;
    for _ in 0..MAX_SCAN_ROUNDS {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(cursor)
            .arg(filter.0)
            .arg(filter.1)
            .arg("COUNT")
            .arg(SCAN_COUNT);
        let mut reply = array(conn.on_node(node, cmd).await?).into_iter();
        let (Some(next), Some(batch)) = (reply.next(), reply.next()) else {
            return Err(protocol("SCAN reply is not [cursor, keys]"));
        };
        cursor = match next {
            Value::BulkString(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| protocol("SCAN cursor is not a number"))?,
            _ => return Err(protocol("SCAN cursor is not a string")),
        };
        for key in array(batch) {
            if let Value::BulkString(bytes) = key {
                // Names are UTF-8 in every runtime's API; a key that is not is no set's.
                if let Ok(key) = String::from_utf8(bytes) {
                    keys.push(key);
                }
            }
            seen.inc(1);
        }
        if cursor == 0 {
            return Ok(keys);
        }
    }
    Err(protocol("SCAN did not finish"))
}

fn protocol(detail: &str) -> Failure {
    Failure::Redis(redset::Error::Protocol {
        command: "SCAN".into(),
        detail: detail.into(),
    })
}

/// The sets on every server, by name, with what showed each.
pub async fn find_sets(redis: &Redis, zsets: bool) -> Result<Vec<Found>, Failure> {
    let conn = redis.conn().await?;
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for node in conn.nodes().await? {
        let seen = progress::spinner(&format!("scanning {}", node.describe()));
        // Every companion key holds a `}`: its hash tag ends there.
        for key in scan(&conn, &node, ("MATCH", "*}*"), &seen).await? {
            let names = companion_of(&key);
            for (name, suffix) in &names {
                let evidence = found.entry(name.clone()).or_default();
                if !evidence.iter().any(|e| e == suffix) {
                    evidence.push((*suffix).to_owned());
                }
            }
        }
        if zsets {
            for key in scan(&conn, &node, ("TYPE", "zset"), &seen).await? {
                // A companion (leases, dead, wake) is a sorted set too, not a set.
                if companion_of(&key).is_empty() {
                    found.entry(key).or_default().push("zset".to_owned());
                }
            }
        }
        seen.finish_and_clear();
    }
    let mut sets = Vec::with_capacity(found.len());
    for (name, mut found_by) in found {
        if is_other_type(&conn, &name).await? {
            continue;
        }
        found_by.sort();
        sets.push(Found { name, found_by });
    }
    Ok(sets)
}

/// Whether `name` holds a key of another type than a sorted set: then keys named like
/// its companions are not a set's. A set whose items are all in flight or dead has no
/// key of its own (`none`).
async fn is_other_type(conn: &Conn, name: &str) -> Result<bool, Failure> {
    let mut conn = conn.clone();
    let kind: String = redis::cmd("TYPE").arg(name).query_async(&mut conn).await?;
    Ok(kind != "zset" && kind != "none")
}
