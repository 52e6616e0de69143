//! Output for a person and for scripts: aligned tables with human durations and times
//! (coloured, but only on a terminal: `anstream` strips the colour elsewhere and
//! honours `NO_COLOR`), and JSON.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anstyle::{AnsiColor, Style};
use comfy_table::{presets, CellAlignment, Table};

/// The widest an item is shown in a table; JSON has it whole.
const ITEM_WIDTH: usize = 60;

/// Bold, for headers.
pub const HEADER: Style = Style::new().bold();
/// Red, for what needs a look: dead letters, expired leases.
pub const ALERT: Style = AnsiColor::Red.on_default();
/// Yellow, for what waits: retries waiting out their delay, items not due yet.
pub const WAITING: Style = AnsiColor::Yellow.on_default();
/// Dim, for notes: how a kind is known.
pub const NOTE: Style = Style::new().dimmed();

/// `text` in `style`.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// A table whose columns are aligned on spaces, without borders; columns named in
/// `right` (numbers) are aligned right.
pub fn table(headers: &[&str], right: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_header(headers.iter().map(|h| paint(HEADER, h)));
    for (i, header) in headers.iter().enumerate() {
        if let Some(column) = table.column_mut(i) {
            column.set_padding((0, 2));
            if right.contains(header) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    table
}

/// Prints a table on stdout.
pub fn print_table(table: &Table) {
    // comfy-table pads the last column too; a terminal does not need the trailing blanks.
    for line in table.lines() {
        anstream::println!("{}", line.trim_end());
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        // Only maps with non-string keys fail to serialize; none is printed here.
        Err(err) => eprintln!("redset: cannot write JSON: {err}"),
    }
}

/// An item as text: UTF-8 as it is, with control characters escaped; other bytes as
/// `\xNN` escapes.
pub fn item_text(member: &[u8]) -> String {
    match std::str::from_utf8(member) {
        Ok(text) => text
            .chars()
            .map(|c| match c.is_control() {
                true => c.escape_default().to_string(),
                false => c.to_string(),
            })
            .collect(),
        Err(_) => member.escape_ascii().to_string(),
    }
}

/// An item for a table: its text, cut to [`ITEM_WIDTH`] characters.
pub fn item_cell(member: &[u8]) -> String {
    let text = item_text(member);
    if text.chars().count() <= ITEM_WIDTH {
        return text;
    }
    let cut: String = text.chars().take(ITEM_WIDTH - 1).collect();
    format!("{cut}…")
}

/// An item for JSON: the member as a string when it is UTF-8 (`binary: false`), else
/// its bytes as `\xNN` escapes (`binary: true`).
#[derive(Debug, serde::Serialize)]
pub struct JsonItem {
    /// The item.
    pub item: String,
    /// Whether the member is not UTF-8 and `item` holds escapes.
    pub binary: bool,
}

impl JsonItem {
    /// The member as JSON shows it.
    pub fn of(member: &[u8]) -> JsonItem {
        match std::str::from_utf8(member) {
            Ok(text) => JsonItem {
                item: text.to_owned(),
                binary: false,
            },
            Err(_) => JsonItem {
                item: member.escape_ascii().to_string(),
                binary: true,
            },
        }
    }
}

/// A duration as a person reads it: `340ms`, `12s`, `3m 12s`, `2h 5m`, `3days 4h`
/// (the two largest units).
pub fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        return format!("{}ms", d.as_millis());
    }
    let whole = humantime::format_duration(Duration::from_secs(d.as_secs())).to_string();
    whole.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

/// A time relative to `now`: `3m 12s ago`, `in 2h 5m`, `now`.
pub fn relative(time: SystemTime, now: SystemTime) -> String {
    match time.duration_since(now) {
        Ok(ahead) if ahead >= Duration::from_millis(1) => format!("in {}", duration(ahead)),
        Ok(_) => "now".to_owned(),
        Err(behind) => format!("{} ago", duration(behind.duration())),
    }
}

/// A time as RFC 3339 in UTC, to the second.
pub fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// A time as RFC 3339 in UTC, to the millisecond, for JSON.
pub fn timestamp_ms(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

/// A score read as a UNIX time, if it is one that a `SystemTime` holds.
pub fn score_time(score: f64) -> Option<SystemTime> {
    let since = Duration::try_from_secs_f64(score).ok()?;
    UNIX_EPOCH.checked_add(since)
}

/// A score as Redis would print it: `3`, `1.5`, `1717000000.123`.
pub fn score(score: f64) -> String {
    if score.fract() == 0.0 && score.abs() < 1e15 {
        format!("{score:.0}")
    } else {
        score.to_string()
    }
}

/// `1 dead letter`, `3 dead letters`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(Duration::from_millis(340)), "340ms");
        assert_eq!(duration(Duration::from_secs(12)), "12s");
        assert_eq!(duration(Duration::from_millis(192_400)), "3m 12s");
        assert_eq!(duration(Duration::from_secs(7_530)), "2h 5m");
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(relative(now - Duration::from_secs(90), now), "1m 30s ago");
        assert_eq!(relative(now + Duration::from_secs(5), now), "in 5s");
        assert_eq!(relative(now, now), "now");
    }

    #[test]
    fn items_show_what_is_stored() {
        assert_eq!(item_text(b"job-1"), "job-1");
        assert_eq!(item_text(b"a\nb"), "a\\nb");
        assert_eq!(item_text(br#"{"id":1}"#), r#"{"id":1}"#);
        assert_eq!(item_text(&[0xff, b'a']), "\\xffa");
        assert!(JsonItem::of(&[0xff]).binary);
        assert_eq!(item_cell(&[b'x'; 100]).chars().count(), ITEM_WIDTH);
        assert_eq!(score(3.0), "3");
        assert_eq!(score(1.5), "1.5");
    }
}
