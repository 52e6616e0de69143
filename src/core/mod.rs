//! The sans-IO core: every redset operation as commands out and replies in.
//!
//! Nothing here does I/O, reads a clock or knows a Redis client. [`SetCore`] holds a
//! set's name, kind, serializer and scorer and builds each operation as an
//! [`Operation`]; drivers ([`crate::SortedSet`] on the `redis` crate, the wasm
//! binding for Node) only carry [`Command`]s to Redis and [`Reply`]s back.
//!
//! Room left for what comes next, all of it within this shape: a blocking pop is a
//! `BZPOPMIN` call whose empty reply means "timed out"; batch adds with
//! `NX`/`XX`/`GT`/`LT` are one `ZADD` built from many members; leases are a two-key
//! script (the set and an in-flight set sharing a `{hash tag}` for Redis Cluster); and a
//! server clock is a script variant that reads `TIME` instead of taking "now".

mod batch;
mod clock;
mod command;
mod dedup;
mod error;
mod keys;
mod lease;
mod operation;
mod original_lock;
mod replication;
mod reply;
mod script;
mod serializer;
mod set;
mod wait;

pub use batch::{AddCondition, AddMany, AddOptions, ADD_MANY_CHUNK};
pub use clock::Clock;
pub use command::{Arg, Command};
pub use dedup::DEDUP;
pub use error::{BoxError, Error, Result};
pub use keys::{companion_key, hash_slot};
pub use lease::{
    Backoff, DeadLetter, Lease, LeasePolicy, Recovered, Retried, Stats, MAX_DEAD_LISTED,
};
pub use operation::{too_many_steps, Map, Operation, Step, MAX_STEPS};
pub use original_lock::{original_lock_key, DEFAULT_LOCK_TIMEOUT};
pub use replication::{Replicated, Replication};
pub use reply::Reply;
pub use script::{Script, ADD, CLEAR, POP_DUE};
pub use serializer::{Bytes, Dumps, FnSerializer, Json, Serializer, Text, Utf8};
pub use set::{Kind, Scorer, SetCore, Undecodable, UndecodableHook, TAKE_CHUNK};
pub use wait::{Waiting, BLOCK_CAP, FIRST_POLL, POLL_CAP, SCHEDULED_CAP, WAKE};

#[cfg(test)]
mod tests;
