//! The one error type of redset, shared by the core and every driver.

use std::fmt;

/// A boxed error from user code (a serializer) or from a transport.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What can go wrong in a redset operation.
///
/// ```
/// use redset::Error;
/// let err = Error::Empty { set: "jobs".into(), position: 0 };
/// assert_eq!(err.to_string(), "set \"jobs\" is empty");
/// assert!(err.is_empty());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// There is no (eligible) item at the requested position: the original's `KeyError`.
    #[error("{}", empty_message(set, *position))]
    Empty {
        /// The set's name.
        set: String,
        /// The position asked for (0 for `pop`/`peek`).
        position: usize,
    },
    /// An argument was rejected before anything was sent (a NaN score, say).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Redis answered with an error reply (`WRONGTYPE …`, `ERR …`, …).
    #[error("redis error: {message}")]
    Server {
        /// The error code: the first word of the reply (`WRONGTYPE`, `ERR`, …).
        code: String,
        /// The whole error text as the server sent it.
        message: String,
    },
    /// The connection failed: refused, dropped, timed out.
    #[error("connection error: {0}")]
    Connection(#[source] BoxError),
    /// The connection failed after a command that must not be sent twice (a `pop`, a
    /// `take`) may have reached the server: it may or may not have taken effect, so it
    /// was not retried. Use leases (`claim`) where that matters. Also a command that is
    /// safe to repeat (an `ack`) whose connection failed and whose repeat was answered
    /// with an error reply (`LOADING` from a restarted server): the first try may have
    /// taken effect all the same.
    #[error("connection failed, the outcome of {command} is unknown: {source}")]
    OutcomeUnknown {
        /// The command whose outcome is unknown.
        command: String,
        /// What the connection said, or the error reply to the repeat.
        #[source]
        source: BoxError,
    },
    /// A reply did not have the shape the operation expects.
    #[error("unexpected reply to {command}: {detail}")]
    Protocol {
        /// The command whose reply was wrong.
        command: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A scheduled pop waited its whole lock timeout for the original Python redset's
    /// lock (`name__lock`) to be released or to expire: the original's `LockTimeout`.
    /// Nothing was taken.
    #[error(
        "gave up after {} waiting for the original redset's lock {lock:?} on set {set:?}",
        super::Lasting(*.waited)
    )]
    LockTimeout {
        /// The set's name.
        set: String,
        /// The lock's key.
        lock: String,
        /// How long the pop waited.
        waited: std::time::Duration,
    },
    /// A lease is no longer held: it expired and the item was claimed again (a greater
    /// fencing token holds it now), or it was acked, retried or released already.
    /// Nothing was changed for these leases.
    #[error("lease(s) {tokens:?} on set {set:?} no longer held: expired and claimed again, or already settled")]
    LeaseLost {
        /// The set's name.
        set: String,
        /// The fencing tokens of the leases that were not held.
        tokens: Vec<u64>,
    },
    /// The serializer failed to turn an item into bytes.
    #[error("serializer error: {0}")]
    Serializer(#[source] BoxError),
    /// A write took effect on the master but reached fewer replicas than asked within
    /// the timeout (`WAIT`, see `SetCore::with_replication`): a failover now could lose
    /// it. Safe to repeat: adds and lease operations are idempotent.
    #[error("the write reached {acked} of {wanted} replica(s) in time; a failover could lose it")]
    NotReplicated {
        /// Replicas that acknowledged it.
        acked: u64,
        /// Replicas asked for.
        wanted: u64,
    },
    /// The server is too old for what was asked: it does not know the command (or a
    /// script's non-deterministic `TIME` before a write, before Redis 5).
    #[error("{command} needs {needs}; the server said: {message}")]
    Unsupported {
        /// The command the server refused.
        command: String,
        /// The server version the feature needs.
        needs: &'static str,
        /// What the server said.
        message: String,
    },
}

/// The oldest Redis that runs `command` as redset sends it.
pub(crate) fn needs_version(command: &str) -> &'static str {
    match command {
        "BZMPOP" => "Redis 7.0 (or Valkey 7.2)",
        "BZPOPMIN" => "Redis 6.0 for fractional timeouts",
        "ZPOPMIN" | "EVALSHA" | "EVAL" => "Redis 5.0 (scripts that read TIME then write: 5.0 with effects replication, the default since 7.0)",
        _ => "a newer Redis",
    }
}

fn empty_message(set: &str, position: usize) -> String {
    if position == 0 {
        format!("set {set:?} is empty")
    } else {
        format!("set {set:?} has no item at position {position}")
    }
}

impl Error {
    /// The kind of error by the name of its class in the npm package (`KeyError`,
    /// `ReplyError`, `ConnectionError`, …), as JS code and the dashboard's API see it.
    ///
    /// ```
    /// let err = redset::Error::Server { code: "WRONGTYPE".into(), message: "WRONGTYPE …".into() };
    /// assert_eq!(err.class_name(), "ReplyError");
    /// ```
    pub fn class_name(&self) -> &'static str {
        match self {
            Error::Empty { .. } => "KeyError",
            Error::InvalidInput(_) => "RangeError",
            Error::Server { .. } | Error::Unsupported { .. } => "ReplyError",
            Error::NotReplicated { .. } => "NotReplicated",
            Error::Connection(_) | Error::OutcomeUnknown { .. } => "ConnectionError",
            Error::Protocol { .. } => "ProtocolError",
            Error::Serializer(_) => "SerializerError",
            Error::LockTimeout { .. } => "LockTimeout",
            Error::LeaseLost { .. } => "LeaseLost",
        }
    }

    /// Whether this is the [`Error::Empty`] error (the original's `KeyError`).
    pub fn is_empty(&self) -> bool {
        matches!(self, Error::Empty { .. })
    }

    /// Whether this is [`Error::LeaseLost`].
    pub fn is_lease_lost(&self) -> bool {
        matches!(self, Error::LeaseLost { .. })
    }

    /// The server's error code, for [`Error::Server`].
    pub fn server_code(&self) -> Option<&str> {
        match self {
            Error::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// An error reply as an error: [`Error::Unsupported`] when it says the server is too
    /// old for `command`, else [`Error::Server`].
    pub(crate) fn from_reply(command: &str, code: String, message: String) -> Self {
        let too_old = (code == "ERR"
            && (mentions(&message, "unknown command")
                || mentions(&message, "timeout is not an integer")))
            || mentions(
                &message,
                "Write commands not allowed after non deterministic commands",
            );
        if too_old {
            return Error::Unsupported {
                command: command.to_owned(),
                needs: needs_version(command),
                message,
            };
        }
        Error::Server { code, message }
    }

    pub(crate) fn protocol(command: &str, detail: impl fmt::Display) -> Self {
        Error::Protocol {
            command: command.to_owned(),
            detail: detail.to_string(),
        }
    }
}

/// Whether `phrase` is in `message`. A plain scan of a short message: `str::contains`
/// brings the standard library's two-way searcher, 2 KB of the wasm module, for these
/// three checks alone.
fn mentions(message: &str, phrase: &str) -> bool {
    message
        .as_bytes()
        .windows(phrase.len())
        .any(|window| window == phrase.as_bytes())
}

/// A `Result` with redset's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
