//! The sans-IO core: every redset operation as commands out and replies in.
//!
//! Nothing here does I/O, reads a clock or knows a Redis client. [`SetCore`] holds a
//! set's name, kind, serializer and scorer and builds each operation as an
//! [`Operation`]; drivers ([`crate::SortedSet`] on the `redis` crate, the wasm
//! binding for Node) only carry [`Command`]s to Redis and [`Reply`]s back.
//!
//! One module per capability: `set` (the document's operations), `batch` (`add_many`),
//! `lease` (at-least-once claims, with fencing tokens), `wait` (waits that block on the
//! set or on its wake-up key, or poll), `clock` (the server's `TIME` as "now"),
//! `dedup` (idempotent adds), `replication` (`WAIT` after writes), `original_lock`
//! (sharing a scheduled set with the Python original), `keys` (companion keys in the
//! set's Cluster slot); every script is a `.lua` file under `scripts/`.

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
    Backoff, DeadLetter, InFlight, Lease, LeasePolicy, Recovered, Retried, Stats, MAX_DEAD_LISTED,
};
pub use operation::{too_many_steps, Map, Operation, Step, MAX_STEPS};
pub use original_lock::{original_lock_key, DEFAULT_LOCK_TIMEOUT};
pub use replication::{Replicated, Replication};
pub use reply::Reply;
pub use script::{Script, ADD, CLEAR, POP_DUE};
pub use serializer::{Bytes, Dumps, FnSerializer, Json, Serializer, Text, Utf8};
pub use set::{Entry, Kind, Scorer, SetCore, Undecodable, UndecodableHook, TAKE_CHUNK};
pub use wait::{Waiting, BLOCK_CAP, FIRST_POLL, POLL_CAP, SCHEDULED_CAP, WAKE};

#[cfg(test)]
mod tests;
