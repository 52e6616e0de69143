//! A duration as text in messages, as `Duration`'s `Debug` writes it (`2s`, `1.5s`,
//! `250ms`), without `Debug`'s decimal formatter: the f64 formatter the module carries
//! anyway writes the number (2 KB less of the wasm module, issue 20).

use std::fmt;
use std::time::Duration;

/// `Duration` in the unit `Debug` would pick: seconds from one second up, else
/// milliseconds, microseconds or nanoseconds.
///
/// ```
/// use std::time::Duration;
/// use redset::core::Lasting;
/// assert_eq!(Lasting(Duration::from_millis(1500)).to_string(), "1.5s");
/// assert_eq!(Lasting(Duration::from_millis(250)).to_string(), "250ms");
/// assert_eq!(Lasting(Duration::from_micros(2)).to_string(), "2µs");
/// assert_eq!(Lasting(Duration::ZERO).to_string(), "0ns");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lasting(pub Duration);

impl fmt::Display for Lasting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.subsec_nanos();
        if self.0.as_secs() > 0 {
            write!(f, "{}s", self.0.as_secs_f64())
        } else if nanos >= 1_000_000 {
            write!(f, "{}ms", f64::from(nanos) / 1e6)
        } else if nanos >= 1_000 {
            write!(f, "{}µs", f64::from(nanos) / 1e3)
        } else {
            write!(f, "{nanos}ns")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_debug_writes() {
        for duration in [
            Duration::ZERO,
            Duration::from_nanos(7),
            Duration::from_nanos(1_500),
            Duration::from_micros(999),
            Duration::from_millis(1),
            Duration::from_millis(250),
            Duration::from_micros(2_500),
            Duration::from_secs(1),
            Duration::from_millis(1_500),
            Duration::from_millis(61_250),
            Duration::from_secs(86_400),
            Duration::from_nanos(1_000_000_001),
        ] {
            assert_eq!(Lasting(duration).to_string(), format!("{duration:?}"));
        }
    }
}
