//! Idempotent producers, opt in: a deduplication window for `add` and `add_many`.
//!
//! With a window set, the add script remembers each member it added, for the window,
//! in the companion key [`DEDUP`](super::schema::DEDUP) (member → until when, by the
//! server's clock), and skips a member it remembers, even one consumed meanwhile: a
//! producer that retries an add whose reply it lost (a dropped connection, a restart)
//! does not deliver the item twice. As SQS FIFO's five-minute window, or BullMQ's job
//! ids, with the member as the id.

use std::time::Duration;

/// A window as the add script's first argument: ms, 0 for none (a window under a
/// millisecond is one).
pub(crate) fn window_arg(window: Option<Duration>) -> Vec<u8> {
    let ms = window.map_or(0, |w| w.as_millis().clamp(1, i64::MAX as u128));
    ms.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_whole_milliseconds_at_least_one() {
        assert_eq!(window_arg(None), b"0");
        assert_eq!(window_arg(Some(Duration::from_micros(10))), b"1");
        assert_eq!(window_arg(Some(Duration::from_secs(300))), b"300000");
    }
}
