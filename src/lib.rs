//! Redis-backed sorted sets that many processes can produce into and consume from
//! safely: a priority work set ([`SortedSet`]), a FIFO set ([`TimeSortedSet`]) and a
//! scheduler that hands items out only when their time has come ([`ScheduledSet`]).
//!
//! The logic lives in the sans-IO [`core`]; the drivers here carry its commands over
//! the `redis` crate (sync at the top level, tokio in [`aio`]).
//!
//! ```no_run
//! # fn main() -> redset::Result<()> {
//! let client = redis::Client::open("redis://127.0.0.1/").unwrap();
//! let mut jobs = redset::SortedSet::new(client.get_connection().unwrap(), "jobs");
//! jobs.add_with_score("resize-42", 1.0)?;
//! assert_eq!(jobs.pop()?, Some("resize-42".to_string()));
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod core;

pub use crate::core::{
    Backoff, Bytes, Clock, DeadLetter, Dumps, Entry, Error, FnSerializer, GroupStats, Groups,
    InFlight, Json, Lease, RateLimit, RateLimited, Recovered, Result, Retried, Serializer, Stats,
    Text, Utf8,
};

#[cfg(feature = "native")]
mod native;

#[cfg(feature = "tokio")]
pub use native::aio;
#[cfg(feature = "native")]
pub use native::testing;
#[cfg(feature = "native")]
#[allow(deprecated)]
pub use native::Blocking;
#[cfg(feature = "native")]
pub use native::{
    Connect, Consume, Grouped, Reconnecting, RedisSet, Scheduled, ScheduledKind, ScheduledSet,
    Scored, SetKind, Sorted, SortedSet, Synchronous, TimeSorted, TimeSortedSet, Unscored,
};
#[cfg(feature = "tokio")]
pub use native::{Processed, WorkerOptions};

#[cfg(target_arch = "wasm32")]
mod wasm;
