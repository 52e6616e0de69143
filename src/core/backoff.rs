//! Exponential backoff with jitter: the delays of lease retries, and of the waits for
//! the original's lock.

use std::time::Duration;

/// The delay before a retried item can be claimed again: exponential with jitter and a
/// cap, as BullMQ's and Sidekiq's. The `n`-th delivery's retry waits
/// `min(cap, base × 2^(n−1))`, drawn uniformly from the upper half of that.
///
/// ```
/// use std::time::Duration;
/// use redset::core::Backoff;
/// let backoff = Backoff::default();
/// assert_eq!((backoff.base, backoff.cap), (Duration::from_secs(1), Duration::from_secs(300)));
/// let third = backoff.delay(3, 42);
/// assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first delivery (default 1 s).
    pub base: Duration,
    /// The longest delay (default 5 minutes).
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay after the `deliveries`-th delivery failed; `seed` draws the jitter.
    pub fn delay(&self, deliveries: u32, seed: u64) -> Duration {
        let doublings = deliveries.saturating_sub(1).min(31);
        let full = self
            .base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap);
        // In µs, so that millisecond steps (the lock's waits) keep their jitter.
        let full_us = full.as_micros().min(u128::from(u64::MAX)) as u64;
        let half = full_us / 2;
        Duration::from_micros(half + splitmix64(seed) % (full_us - half + 1))
    }
}

/// A well-mixed number from `seed`, for jitter: the core has no random source.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_in_the_upper_half() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        for deliveries in 1..70 {
            let full =
                Duration::from_millis(100 << (deliveries - 1).min(20)).min(Duration::from_secs(1));
            for seed in 0..20 {
                let d = backoff.delay(deliveries, seed);
                assert!(d >= full / 2 && d <= full, "{deliveries} {seed} {d:?}");
            }
        }
        let zero = Backoff {
            base: Duration::ZERO,
            cap: Duration::ZERO,
        };
        assert_eq!(zero.delay(3, 1), Duration::ZERO);
    }
}
