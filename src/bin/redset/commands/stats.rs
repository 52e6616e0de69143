//! `redset stats [SET…]`: waiting, due, in flight, dead, the oldest due item's age and
//! whether the set is paused or held per set, as a table or JSON; `--watch` refreshes
//! it (see `watch`).

use std::time::Duration;

use redset::core::Kind;
use redset::Stats;
use serde::Serialize;

use super::{named_or_found, watch};
use crate::exit::Failure;
use crate::kind::{KindSource, KnownKind};
use crate::render::{self, ALERT, NOTE, WAITING};
use crate::set::{read_all, Reading};
use crate::Context;

const EXAMPLES: &str = "\
Examples:
  redset stats                          every set found (see `redset sets`)
  redset stats jobs retries --json      two sets, as JSON
  redset stats jobs --watch             refreshed every 2 s, with items/s in and out
  redset stats --kind retries=scheduled retries
  redset --url redis-cluster://127.0.0.1:7000,127.0.0.1:7001 stats";

const JSON_FIELDS: &str = "\
JSON (--json): an array with one object per set:
  set               the set's name
  kind              sorted, time-sorted, scheduled, or unknown (an empty set)
  kind_from         flag (--kind), scores (told from the scores), or empty
  waiting           items in the set, due or not
  due               items that can be taken now (in a scheduled set, those whose time has come)
  in_flight         leased items, and retried items waiting out their delay
  dead              dead letters
  oldest_due_age_s  seconds the oldest due item has waited (time-ordered kinds; null for a
                    sorted set, whose scores are priorities, or when none is due)
  paused            whether the set is paused (`redset pause`): nothing is handed out
  held_for_s        seconds a handler's rate limit (rate_limited) still holds the set:
                    nothing is handed out meanwhile; null when none does
  error             in place of the counts, when the set could not be read
With --watch, one line per refresh: {\"time\", \"interval_s\", \"sets\": [...]}, each set also with
  in, out           items into the set (added, or back from a lease or the dead letters) and
                    claimed from it since the last refresh: exact for a set that counts
                    (server-side counters); else from its fencing counter, without pops
  in_per_s, out_per_s  the same per second
  (all four null on the first refresh)";

/// Waiting, due, in flight, dead and the oldest due age of each set.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// The sets; without any, every set `redset sets` finds.
    sets: Vec<String>,

    /// Refresh in place (on a terminal) every --interval, with items/s in and out.
    #[arg(long)]
    watch: bool,

    /// How often --watch refreshes.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration, requires = "watch")]
    interval: Duration,

    /// Stop --watch after this many refreshes (default: until Ctrl-C).
    #[arg(long, requires = "watch")]
    count: Option<u64>,
}

/// Runs `redset stats`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let names = named_or_found(context, args.sets).await?;
    if args.watch {
        return watch::run(context, &names, args.interval, args.count).await;
    }
    let readings = read_all(&context.redis, &context.kinds, &names).await;
    if context.json {
        let rows: Vec<StatsJson> = readings.iter().map(StatsJson::of).collect();
        render::print_json(&rows);
    } else {
        let mut table = table(&[]);
        for reading in &readings {
            table.add_row(cells(reading));
        }
        render::print_table(&table);
    }
    match readings.into_iter().find_map(|r| r.result.err()) {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// A set's counts in JSON: see `JSON_FIELDS`.
#[derive(Debug, Serialize)]
pub struct StatsJson {
    set: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    counts: Option<CountsJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct CountsJson {
    kind: &'static str,
    kind_from: KindSource,
    waiting: u64,
    due: u64,
    in_flight: u64,
    dead: u64,
    oldest_due_age_s: Option<f64>,
    paused: bool,
    held_for_s: Option<f64>,
}

impl StatsJson {
    /// The JSON of one reading.
    pub fn of(reading: &Reading) -> StatsJson {
        let (counts, error) = match &reading.result {
            Ok((kind, stats)) => (
                Some(CountsJson {
                    kind: kind.json_name(),
                    kind_from: kind.source,
                    waiting: stats.waiting,
                    due: stats.due,
                    in_flight: stats.in_flight,
                    dead: stats.dead,
                    oldest_due_age_s: oldest_due_age(kind, stats).map(|d| d.as_secs_f64()),
                    paused: stats.paused,
                    held_for_s: stats.held_for.map(|d| d.as_secs_f64()),
                }),
                None,
            ),
            Err(failure) => (None, Some(failure.to_string())),
        };
        StatsJson {
            set: reading.name.clone(),
            counts,
            error,
        }
    }
}

/// How long the oldest due item has waited: zero when none is due in a time-ordered
/// set, unknown (`None`) in a sorted set, whose scores are priorities.
pub fn oldest_due_age(kind: &KnownKind, stats: &Stats) -> Option<Duration> {
    match kind.kind {
        Kind::Sorted => None,
        Kind::TimeSorted | Kind::Scheduled => Some(stats.oldest_due_age.unwrap_or_default()),
    }
}

/// The stats table's headers, then `extra` ones.
pub fn table(extra: &[&str]) -> comfy_table::Table {
    let numbers = [
        "WAITING",
        "DUE",
        "IN FLIGHT",
        "DEAD",
        "OLDEST DUE",
        "IN/S",
        "OUT/S",
    ];
    let mut headers = vec![
        "SET",
        "KIND",
        "WAITING",
        "DUE",
        "IN FLIGHT",
        "DEAD",
        "OLDEST DUE",
        "STATE",
    ];
    headers.extend_from_slice(extra);
    render::table(&headers, &numbers)
}

/// A reading as the table's cells: set, kind, waiting, due, in flight, dead, oldest due,
/// state.
pub fn cells(reading: &Reading) -> Vec<String> {
    let (kind, stats) = match &reading.result {
        Ok(read) => read,
        Err(failure) => return vec![reading.name.clone(), render::paint(ALERT, failure)],
    };
    let kind_cell = match kind.source {
        KindSource::Flag => kind.label(),
        _ => render::paint(NOTE, kind.label()),
    };
    let dead = match stats.dead {
        0 => "0".to_owned(),
        n => render::paint(ALERT, n),
    };
    let oldest = oldest_due_age(kind, stats).map_or("-".to_owned(), render::duration);
    vec![
        reading.name.clone(),
        kind_cell,
        stats.waiting.to_string(),
        stats.due.to_string(),
        stats.in_flight.to_string(),
        dead,
        oldest,
        state(stats),
    ]
}

/// Whether the set hands items out: `running`, or `paused` and `held 12s` (a handler's
/// rate limit), which stop it.
pub fn state(stats: &Stats) -> String {
    let held = stats
        .held_for
        .map(|left| format!("held {}", render::duration(left)));
    match (stats.paused, held) {
        (false, None) => "running".to_owned(),
        (true, None) => render::paint(WAITING, "paused"),
        (false, Some(held)) => render::paint(WAITING, held),
        (true, Some(held)) => render::paint(WAITING, format!("paused, {held}")),
    }
}
