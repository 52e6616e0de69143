//! The workers' escape hatch: a handler that meets an outside rate limit says so.

use std::fmt;
use std::time::Duration;

use crate::core::protocol::Lasting;

/// What a worker's handler returns (or wraps in its error) when it meets an outside
/// rate limit — an HTTP 429, say: the worker gives the item back without counting a
/// delivery, and the whole set hands out nothing for `retry_after` (see
/// [`SetCore::rate_limited`](crate::core::SetCore::rate_limited)).
///
/// ```
/// use std::time::Duration;
/// let limited = redset::RateLimited { retry_after: Duration::from_secs(2) };
/// assert_eq!(limited.to_string(), "rate limited: retry after 2s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    /// How long the set should hand out nothing.
    pub retry_after: Duration,
}

impl fmt::Display for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limited: retry after {}", Lasting(self.retry_after))
    }
}

impl std::error::Error for RateLimited {}
