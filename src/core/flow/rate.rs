//! A rate limit: at most `max` items per period, with a stated burst, enforced as a
//! GCRA (generic cell rate algorithm) by the server's clock.

use std::time::Duration;

use crate::core::protocol::{Error, Lasting, Result};

/// At most `max` items per `per`, with up to `burst` handed out at once: a GCRA, the
/// token bucket as one number per limit (its theoretical arrival time), kept in Redis and
/// checked by the scripts that hand items out, by the server's clock.
///
/// Items go one every `per / max` on average; an idle limit lets `burst` go at once.
/// So no window of length `w` ever sees more than `burst + max * w / per` items — unlike
/// a fixed window, which lets twice its limit through across a window's edge.
///
/// ```
/// use std::time::Duration;
/// use redset::core::RateLimit;
/// let limit = RateLimit::with_burst(200, Duration::from_secs(1), 10)?;
/// assert_eq!((limit.max(), limit.per(), limit.burst()), (200, Duration::from_secs(1), 10));
/// assert!(RateLimit::new(0, Duration::from_secs(1)).is_err());
/// # Ok::<(), redset::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    max: u32,
    per_ms: u64,
    burst: u32,
}

/// The longest period: the scripts add it to the server's time as a Lua double.
const MAX_PERIOD_MS: u64 = 1 << 40;

impl RateLimit {
    /// At most `max` items per `per`, one at a time (a burst of 1: items evenly spaced,
    /// `per / max` apart). `max` must be at least 1 and `per` at least a millisecond
    /// (it counts in whole milliseconds).
    pub fn new(max: u32, per: Duration) -> Result<RateLimit> {
        RateLimit::with_burst(max, per, 1)
    }

    /// At most `max` items per `per`, up to `burst` of them at once (at least 1).
    pub fn with_burst(max: u32, per: Duration, burst: u32) -> Result<RateLimit> {
        let per_ms = u64::try_from(per.as_millis()).unwrap_or(u64::MAX);
        if max == 0 || burst == 0 {
            return Err(Error::InvalidInput(format!(
                "a rate limit needs at least 1 item per period and a burst of at least 1 (got {max} and {burst})"
            )));
        }
        if !(1..=MAX_PERIOD_MS).contains(&per_ms) {
            return Err(Error::InvalidInput(format!(
                "a rate limit's period must be from 1 ms to 2^40 ms (got {})",
                Lasting(per)
            )));
        }
        Ok(RateLimit { max, per_ms, burst })
    }

    /// Items per period.
    pub fn max(&self) -> u32 {
        self.max
    }

    /// The period, in whole milliseconds.
    pub fn per(&self) -> Duration {
        Duration::from_millis(self.per_ms)
    }

    /// How many items may go at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The limit in the options word: `letter` (`r` for the set's, `q` for each
    /// group's), then `max/ms/burst` (see `scripts/flow/options.lua`).
    pub(crate) fn option(&self, letter: char) -> String {
        format!("{letter}{}/{}/{}", self.max, self.per_ms, self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_and_written_as_options() {
        let limit = RateLimit::with_burst(200, Duration::from_millis(1500), 10).unwrap();
        assert_eq!(limit.option('r'), "r200/1500/10");
        assert!(RateLimit::new(1, Duration::from_micros(999)).is_err());
        assert!(RateLimit::with_burst(1, Duration::from_secs(1), 0).is_err());
        assert!(RateLimit::new(1, Duration::MAX).is_err());
        assert_eq!(
            RateLimit::new(3, Duration::from_secs(1)).unwrap().burst(),
            1
        );
    }
}
