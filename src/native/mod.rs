//! The native driver: carries the core's commands over the `redis` crate.
//!
//! It knows nothing of set semantics. Its files mirror the core's capabilities: the
//! document's operations (`set`), batches (`batch`), leases (`lease`), waits (`wait`),
//! counts (`stats`), flow control (`flow`), the worker (`worker`); each writes its methods once
//! ([`methods`](methods::methods)) for both transports — [`Synchronous`] (a
//! `redis::ConnectionLike`, `&mut self`) and, with the `tokio` feature, `aio::Async`
//! (`async`, `&self`) — whose loops share one [`Drive`](drive::Drive); `prepared` runs
//! the operations that are one command and its reply without stepping one. `convert` maps
//! commands, values and errors across; `trace` gives each call a `tracing` span; `kind` and `settings` are the set's type and
//! builder; `reconnect` and `testing` are connections of redset's own.

use std::fmt;
use std::marker::PhantomData;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::{Serializer, SetCore, Utf8};

#[cfg(feature = "tokio")]
pub mod aio;
mod batch;
mod convert;
mod drive;
mod flow;
mod kind;
mod lease;
mod methods;
mod prepared;
mod reconnect;
mod set;
mod settings;
mod stats;
mod sync;
pub mod testing;
mod trace;
mod wait;
#[cfg(feature = "tokio")]
mod worker;

pub use kind::{Grouped, Scheduled, ScheduledKind, Scored, SetKind, Sorted, TimeSorted, Unscored};
pub use reconnect::{Connect, Reconnecting};
#[allow(deprecated)]
pub use sync::Blocking;
pub use sync::{ScheduledSet, SortedSet, Synchronous, TimeSortedSet};
pub use wait::Consume;
#[cfg(feature = "tokio")]
pub use worker::{Processed, WorkerOptions};

/// A set on a Redis connection: `K` is its kind, `T` the transport (a synchronous
/// connection or an async one), `S` its serializer.
///
/// Use it through its aliases: [`SortedSet`](crate::SortedSet),
/// [`TimeSortedSet`](crate::TimeSortedSet), [`ScheduledSet`](crate::ScheduledSet), and
/// their async twins in `redset::aio`.
pub struct RedisSet<K, T, S: Serializer = Utf8> {
    transport: T,
    core: SetCore<S>,
    /// The commands of prepared operations that never change, made from `core`.
    kept: prepared::Kept,
    kind: PhantomData<fn() -> K>,
}

impl<K: SetKind, T> RedisSet<K, T, Utf8> {
    fn with_transport(transport: T, name: impl Into<String>) -> Self {
        RedisSet {
            transport,
            core: SetCore::new(name, K::KIND, Utf8),
            kept: prepared::Kept::default(),
            kind: PhantomData,
        }
    }
}

impl<K, T, S: Serializer> RedisSet<K, T, S> {
    /// The same set with `change` made to its core's settings; the commands kept from
    /// the settings before are dropped.
    fn reconfigure(mut self, change: impl FnOnce(SetCore<S>) -> SetCore<S>) -> Self {
        self.core = change(self.core);
        self.kept = prepared::Kept::default();
        self
    }
}

impl<K, T, S: Serializer> fmt::Display for RedisSet<K, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.core, f)
    }
}

impl<K, T, S: Serializer> fmt::Debug for RedisSet<K, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.core, f)
    }
}

/// Seconds since the UNIX epoch: "now" for time-ordered and scheduled sets.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
