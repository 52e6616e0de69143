//! Idempotent producers, opt in: a deduplication window for `add` and `add_many`.
//!
//! With a window set, the [`ADD`](super::ADD) script remembers each member it added,
//! for the window, in the companion key [`DEDUP`] (member → until when, by the server's
//! clock), and skips a member it remembers, even one consumed meanwhile: a producer that
//! retries an add whose reply it lost (a dropped connection, a restart) does not
//! deliver the item twice. As SQS FIFO's five-minute window, or BullMQ's job ids, with
//! the member as the id.

use std::time::Duration;

use super::keys::companion_key;
use super::serializer::Serializer;
use super::set::SetCore;

/// The suffix of the companion key that holds the deduplication window's members.
pub const DEDUP: &str = "dedup";

impl<S: Serializer> SetCore<S> {
    /// Adds skip any member added within the last `window` (`None`: no window, the
    /// default), even if it was consumed meanwhile. `add` still gives the score it
    /// would have used; `add_many` counts only what it added.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8)
    ///     .with_dedup_window(Some(Duration::from_secs(300)));
    /// assert_eq!(set.dedup_window(), Some(Duration::from_secs(300)));
    /// ```
    pub fn with_dedup_window(mut self, window: Option<Duration>) -> Self {
        self.dedup = window.filter(|w| !w.is_zero());
        self
    }

    /// The deduplication window of adds, if any.
    pub fn dedup_window(&self) -> Option<Duration> {
        self.dedup
    }

    /// The window as the [`ADD`](super::ADD) script's first argument: ms, 0 for none
    /// (a window under a millisecond is one).
    pub(super) fn dedup_arg(&self) -> Vec<u8> {
        let ms = self
            .dedup
            .map_or(0, |w| w.as_millis().clamp(1, i64::MAX as u128));
        ms.to_string().into_bytes()
    }

    /// The dedup window's companion key.
    pub(super) fn dedup_key(&self) -> Vec<u8> {
        companion_key(self.name(), DEDUP).into_bytes()
    }
}
