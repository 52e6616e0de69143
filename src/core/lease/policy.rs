//! A set's lease settings: how many deliveries before the dead letters, and the backoff
//! of `retry`.

use crate::core::backoff::Backoff;

/// A set's lease settings: the maximum deliveries and the backoff of `retry`.
///
/// ```
/// let policy = redset::core::LeasePolicy::default();
/// assert_eq!(policy.max_deliveries, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeasePolicy {
    /// After this many deliveries a failed or expired item goes to the dead letters
    /// (default 5).
    pub max_deliveries: u32,
    /// The delay of `retry` without an explicit one.
    pub backoff: Backoff,
}

impl Default for LeasePolicy {
    fn default() -> Self {
        LeasePolicy {
            max_deliveries: 5,
            backoff: Backoff::default(),
        }
    }
}
