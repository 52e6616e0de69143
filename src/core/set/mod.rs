//! A set without a connection: what it is (name, kind, serializer, scorer) and its
//! settings for every capability, and every operation on it as an [`Operation`].
//!
//! This is the top of the core: it holds each capability's settings and hands each
//! operation to the capability that builds it (the document's operations are here, in
//! one file per group; leases in `lease`, waits in `wait`, counts in `stats`). No
//! capability imports it back.

mod add;
mod add_many;
mod clear;
mod flow;
mod leases;
mod pop;
mod prepared;
mod read;
mod settings;
mod stats;
mod waits;
mod zadd;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::clock::{Clock, Clocked};
use super::flow::{FlowControl, Grouper};
use super::kind::Kind;
use super::lease::{LeasePolicy, Leases};
use super::operation::Operation;
use super::original_lock::{OriginalLock, DEFAULT_LOCK_TIMEOUT};
use super::protocol::{Error, Result};
use super::replication::{Replicated, Replication};
use super::schema::{Keys, ORIGINAL_LOCK, SET};
use super::serializer::{Dumps, Serializer};
use super::target::{log_undecodable, Target};
use super::wait::Waiting;

pub use add::ADD;
pub use add_many::{AddCondition, AddMany, AddOptions, ADD_MANY_CHUNK};
pub use clear::CLEAR;
pub use pop::TAKE_CHUNK;
pub use pop::{FLOW_POP, POP_DUE};
pub use prepared::{Prepared, PreparedOutput};
pub use read::Entry;
pub use zadd::PreparedAdd;

/// The set's own scripts with their `KEYS` by role, for the tests of every script's
/// header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static super::protocol::Script, Vec<&'static str>)> {
    use super::schema::{
        ADD_COUNTED_KEYS, ADD_KEYS, CLEAR_KEYS, FLOW_KEYS, LEASE_KEYS, ORIGINAL_LOCK, POP_DUE_KEYS,
    };
    vec![
        (&*ADD, [ADD_KEYS, FLOW_KEYS].concat()),
        (&*zadd::ADD_COUNTED, ADD_COUNTED_KEYS.to_vec()),
        (&*CLEAR, CLEAR_KEYS.to_vec()),
        (&*POP_DUE, [POP_DUE_KEYS, &[ORIGINAL_LOCK]].concat()),
        (&*FLOW_POP, [LEASE_KEYS, &[ORIGINAL_LOCK]].concat()),
    ]
}

/// A scorer: gives an item its score when `add` is called without one.
pub type Scorer<T> = Arc<dyn Fn(&T) -> f64 + Send + Sync>;

/// Everything a set is, without a connection: name, kind, serializer, scorer, and the
/// settings of each capability.
///
/// Each method returns an [`Operation`] that a driver runs. "Now" (UNIX seconds) is
/// always an argument: the core reads no clock.
///
/// ```
/// use redset::core::{Kind, Operation, Reply, SetCore, Step};
/// use redset::Utf8;
/// let set = SetCore::new("jobs", Kind::Sorted, Utf8);
/// let mut peek = set.peek(0, 0.0);
/// let Step::Send(cmd) = peek.start().unwrap() else { unreachable!() };
/// assert_eq!(format!("{cmd:?}"), r#"["ZRANGE", "jobs", "0", "0"]"#);
/// let reply = Reply::Array(vec![Reply::bulk("a")]);
/// assert!(matches!(peek.feed(reply).unwrap(), Step::Done(Some(item)) if item == "a"));
/// ```
pub struct SetCore<S: Serializer> {
    target: Target<S>,
    scorer: Option<Scorer<S::Item>>,
    original_lock: Option<OriginalLock>,
    lease_policy: LeasePolicy,
    clock: Clock,
    waiting: Waiting,
    /// The deduplication window of adds (see the `dedup` module).
    dedup: Option<Duration>,
    /// What writes wait for (see the `replication` module).
    replication: Option<Replication>,
    /// Whether the scripts count what they do (see [`with_metrics`](Self::with_metrics)).
    metrics: bool,
    /// Pause, rate limits and groups (see the `flow` module, and `set/flow.rs`).
    flow: FlowControl,
    /// Gives an item its group when `add` is not told one.
    grouper: Option<Grouper<S::Item>>,
}

impl<S: Serializer> SetCore<S> {
    /// A set of the given kind, stored at the Redis key `name`.
    ///
    /// A scheduled set honours the original Python redset's lock by default (see
    /// [`with_original_lock`](Self::with_original_lock)).
    pub fn new(name: impl Into<String>, kind: Kind, serializer: S) -> Self {
        let name: Arc<str> = Arc::from(name.into());
        let keys = Arc::new(Keys::new(&name));
        let original_lock = kind
            .due_by_time()
            .then(|| OriginalLock::new(keys.get(ORIGINAL_LOCK).to_vec(), DEFAULT_LOCK_TIMEOUT));
        SetCore {
            target: Target {
                name,
                kind,
                keys,
                serializer: Arc::new(serializer),
                on_undecodable: Arc::new(log_undecodable),
            },
            original_lock,
            scorer: None,
            lease_policy: LeasePolicy::default(),
            clock: Clock::Client,
            waiting: Waiting::Polling,
            dedup: None,
            replication: None,
            metrics: false,
            flow: FlowControl::default(),
            grouper: None,
        }
    }

    /// The set's name, which is also its Redis key.
    pub fn name(&self) -> &str {
        &self.target.name
    }

    /// The set's serializer.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// use redset::Serializer;
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// assert_eq!(set.serializer().dumps(&"a".to_string()).unwrap(), b"a");
    /// ```
    pub fn serializer(&self) -> &S {
        &self.target.serializer
    }

    /// The set's kind.
    pub fn kind(&self) -> Kind {
        self.target.kind
    }

    /// `ARGV[1]` of the lease and add scripts and of the wait probe: the set's options,
    /// letters (some with numbers) separated by spaces: "m" counts; the flow control's
    /// limits and groups (`scripts/flow/options.lua`).
    fn script_options(&self) -> Vec<u8> {
        let metrics = self.metrics.then(|| "m".to_owned());
        let words: Vec<String> = metrics.into_iter().chain(self.flow.options()).collect();
        words.join(" ").into_bytes()
    }

    /// The companion keys this set uses, by role (`leases`, `lease-records`,
    /// `deliveries`, `fence`, `dead`, `dead-records`, `wake`, `waiting`, `dedup`): all in
    /// the set's Cluster slot.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// assert_eq!(set.companion_keys()[0], ("leases", "{jobs}:leases".to_string()));
    /// ```
    pub fn companion_keys(&self) -> Vec<(&'static str, String)> {
        self.target.keys.companions()
    }

    /// Swaps the serializer. The scorer and the grouper, typed for the old items, are
    /// dropped.
    pub fn with_serializer<S2: Serializer>(self, serializer: S2) -> SetCore<S2> {
        SetCore {
            target: Target {
                name: self.target.name,
                kind: self.target.kind,
                keys: self.target.keys,
                serializer: Arc::new(serializer),
                on_undecodable: self.target.on_undecodable,
            },
            scorer: None,
            original_lock: self.original_lock,
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            metrics: self.metrics,
            flow: self.flow,
            grouper: None,
        }
    }

    /// `make(now)` with "now" by this set's clock: the caller's `now`, or the server's
    /// time when the set runs on it and `needs_now`.
    fn at<O: Operation, M: FnOnce(f64) -> O>(
        &self,
        now: f64,
        needs_now: bool,
        make: M,
    ) -> Clocked<O, M> {
        Clocked::new(self.clock, needs_now, now, make)
    }

    /// `op`, then `WAIT` if the set asks for replicas.
    fn replicated<O: Operation>(&self, op: O) -> Replicated<O> {
        Replicated::new(op, self.replication, self.target.keys.get(SET))
    }

    /// What the lease operations need of this set.
    fn leases(&self) -> Leases<S> {
        Leases {
            target: self.target.clone(),
            policy: self.lease_policy,
            lock: self.original_lock.clone(),
            replication: self.replication,
            clock: self.clock,
            options: self.script_options(),
        }
    }

    /// The member an item is stored as.
    pub(super) fn member<Q: ?Sized>(&self, item: &Q) -> Result<Vec<u8>>
    where
        S: Dumps<Q>,
    {
        self.target
            .serializer
            .dumps_ref(item)
            .map_err(Error::Serializer)
    }
}

/// A cheap copy: the serializer, scorer and hooks are shared.
impl<S: Serializer> Clone for SetCore<S> {
    fn clone(&self) -> Self {
        SetCore {
            target: self.target.clone(),
            scorer: self.scorer.clone(),
            original_lock: self.original_lock.clone(),
            lease_policy: self.lease_policy,
            clock: self.clock,
            waiting: self.waiting,
            dedup: self.dedup,
            replication: self.replication,
            metrics: self.metrics,
            flow: self.flow,
            grouper: self.grouper.clone(),
        }
    }
}

impl<S: Serializer> fmt::Display for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({:?})", self.kind().type_name(), self.name())
    }
}

impl<S: Serializer> fmt::Debug for SetCore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(self.kind().type_name())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}
