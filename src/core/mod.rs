//! The sans-IO core: every redset operation as commands out and replies in.
//!
//! Nothing here does I/O, reads a clock or knows a Redis client. [`SetCore`] holds a
//! set's name, kind, serializer, scorer and settings and builds each operation as an
//! [`Operation`]; drivers ([`crate::SortedSet`] on the `redis` crate, the wasm binding
//! for Node) only carry [`Command`]s to Redis and [`Reply`]s back.
//!
//! Layered by capability, one concept per file, no module importing one that imports
//! it back:
//!
//! - the base, which knows no capability: `protocol` (commands, replies and their
//!   decoding, scripts, the error type), `operation` (the [`Operation`] contract and
//!   the pieces operations are made of, with the one `EVALSHA` → `EVAL` fallback),
//!   `schema` (every key and every script's `KEYS` order), `kind`, `serializer`,
//!   `target` (the set an operation acts on), `backoff`, `clock` (the server's `TIME`
//!   as "now");
//! - the capabilities, on the base: `flow` (flow control enforced by the server: pause,
//!   rate limits, fair groups; below `lease`, whose claims obey it), `lease`
//!   (at-least-once claims with fencing tokens and dead letters), `wait` (waits that
//!   block or poll), `stats`, `original_lock`
//!   (sharing a scheduled set with the Python original), `replication` (`WAIT` after
//!   writes), `dedup` (idempotent adds);
//! - `set` on top: [`SetCore`], which holds every capability's settings and hands each
//!   operation to its capability; the document's own operations live there.
//!
//! A new capability gets its own module (a folder when it has several concepts) that
//! imports only the base and the capabilities below it, its keys in `schema`, its
//! scripts under `scripts/`, and its `SetCore` methods in a file of `set/`.
//! Every script is a `.lua` file under `scripts/`, opening with its `KEYS` and `ARGV`.

/// The source of the script at `path` under `scripts/` as it is sent: without its
/// comments and indentation (`build.rs` strips them, so no binary carries them).
#[cfg(not(test))]
macro_rules! lua {
    ($path:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/scripts/", $path))
    };
}

/// In the core's unit tests, the documented source: the header test reads each
/// script's `KEYS` comments.
#[cfg(test)]
macro_rules! lua {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/core/scripts/",
            $path
        ))
    };
}

/// The script at `path` under `scripts/`, with the helpers it includes put in place
/// from `helpers` (none by default), as a [`Script`]: its SHA1 the one `build.rs`
/// computed of it so resolved.
#[cfg(not(test))]
macro_rules! script {
    ($path:literal) => {
        script!($path, &[])
    };
    ($path:literal, $helpers:expr) => {
        $crate::core::protocol::Script::built(
            lua!($path),
            include_str!(concat!(env!("OUT_DIR"), "/scripts/", $path, ".sha1")),
            $helpers,
        )
    };
}

/// In the core's unit tests, the documented source, hashed at run time.
#[cfg(test)]
macro_rules! script {
    ($path:literal) => {
        script!($path, &[])
    };
    ($path:literal, $helpers:expr) => {
        $crate::core::protocol::Script::with_includes(lua!($path), $helpers)
    };
}

mod backoff;
mod clock;
mod dedup;
mod flow;
mod kind;
mod lease;
mod operation;
mod original_lock;
mod protocol;
mod replication;
mod schema;
mod serializer;
mod set;
mod stats;
mod target;
mod wait;

pub use backoff::Backoff;
pub use clock::Clock;
pub use flow::{Grouper, Groups, RateLimit, RateLimited, MAX_GROUP_LEN};
pub use kind::Kind;
pub use lease::{DeadLetter, InFlight, Lease, LeasePolicy, Recovered, Retried, MAX_DEAD_LISTED};
pub use operation::{too_many_steps, Map, Operation, Step, MAX_STEPS};
pub use original_lock::DEFAULT_LOCK_TIMEOUT;
pub use protocol::{Arg, BoxError, Bulks, Command, Error, Lasting, Reply, Result, Script};
pub use replication::{Replicated, Replication};
pub use schema::{
    companion_key, companion_of, hash_slot, original_lock_key, COMPANIONS, COUNTERS, DEAD,
    DEAD_RECORDS, DEDUP, DELIVERIES, FENCE, FLOW, GROUPS_HELD, GROUPS_LATER, GROUPS_READY,
    GROUP_DEAD, GROUP_INDEX, GROUP_IN_FLIGHT, GROUP_OF, GROUP_RATE, LEASES, LEASE_RECORDS, WAITING,
    WAKE,
};
pub use serializer::{Bytes, Dumps, FnSerializer, Json, Serializer, Text, Utf8};
pub use set::{
    AddCondition, AddMany, AddOptions, Entry, Prepared, PreparedAdd, PreparedOutput, Scorer,
    SetCore, ADD_MANY_CHUNK, TAKE_CHUNK,
};
pub use stats::{Counters, GroupStats, Stats};
pub use target::{Undecodable, UndecodableHook};
pub use wait::{Waiting, BLOCK_CAP, FIRST_POLL, POLL_CAP, SCHEDULED_CAP};

pub use set::{ADD, CLEAR, FLOW_POP, POP_DUE};

#[cfg(test)]
mod tests;
