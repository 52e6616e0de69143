//! The set an operation acts on: its name, kind and keys, and how its members become
//! items. Every capability builds on it; it knows none of them.

use std::sync::Arc;

use super::kind::Kind;
use super::protocol::{Arg, BoxError, Error};
use super::schema::Keys;
use super::serializer::Serializer;

/// Called for each popped or peeked member that fails to deserialize.
pub type UndecodableHook = Arc<dyn Fn(&Undecodable<'_>) + Send + Sync>;

/// A member that the serializer could not load.
#[derive(Debug)]
pub struct Undecodable<'a> {
    /// The set's name.
    pub set: &'a str,
    /// The member's raw bytes.
    pub raw: &'a [u8],
    /// What the serializer said.
    pub error: &'a BoxError,
}

impl Undecodable<'_> {
    /// The raw bytes for a log line: escaped and cut to 64 bytes.
    ///
    /// ```
    /// let error: redset::core::BoxError = "bad".into();
    /// let bad = redset::core::Undecodable { set: "jobs", raw: b"a\nb", error: &error };
    /// assert_eq!(bad.raw_preview(), r#""a\nb""#);
    /// ```
    pub fn raw_preview(&self) -> String {
        const LIMIT: usize = 64;
        let shown = String::from_utf8_lossy(&self.raw[..self.raw.len().min(LIMIT)]);
        if self.raw.len() > LIMIT {
            format!("{shown:?}… ({} bytes)", self.raw.len())
        } else {
            format!("{shown:?}")
        }
    }
}

/// The default report of an undecodable member: a `tracing` warning.
pub(crate) fn log_undecodable(failure: &Undecodable<'_>) {
    tracing::warn!(
        set = failure.set,
        raw = %failure.raw_preview(),
        error = %failure.error,
        "removed an item that failed to deserialize"
    );
}

/// The set an operation acts on, shared (cheaply cloned) with each operation, so that
/// operations own their state and can outlive a borrow of the set.
pub(crate) struct Target<S> {
    pub name: Arc<str>,
    pub kind: Kind,
    pub keys: Arc<Keys>,
    pub serializer: Arc<S>,
    pub on_undecodable: UndecodableHook,
}

impl<S> Clone for Target<S> {
    fn clone(&self) -> Self {
        Target {
            name: self.name.clone(),
            kind: self.kind,
            keys: self.keys.clone(),
            serializer: self.serializer.clone(),
            on_undecodable: self.on_undecodable.clone(),
        }
    }
}

impl<S: Serializer> Target<S> {
    /// The item, or what the serializer said (no report: the caller decides).
    pub fn loads(&self, raw: &[u8]) -> Result<S::Item, BoxError> {
        self.serializer.loads(raw)
    }

    /// The item, or `None` once the failure is reported to the undecodable hook.
    pub fn load(&self, raw: &[u8]) -> Option<S::Item> {
        match self.serializer.loads(raw) {
            Ok(item) => Some(item),
            Err(error) => {
                (self.on_undecodable)(&Undecodable {
                    set: &self.name,
                    raw,
                    error: &error,
                });
                None
            }
        }
    }
}

impl<S> Target<S> {
    /// The original's `KeyError`: nothing (eligible) at `position`.
    pub fn empty(&self, position: usize) -> Error {
        Error::Empty {
            set: self.name.to_string(),
            position,
        }
    }

    /// The highest score that is eligible: "now" in a scheduled set, else "+inf".
    pub fn due_by(&self, now: f64) -> Vec<u8> {
        if self.kind.due_by_time() {
            Arg::from(now).0
        } else {
            b"+inf".to_vec()
        }
    }
}
