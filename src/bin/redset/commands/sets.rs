//! `redset sets`: the sets that can be found, with their kind and counts.

use serde::Serialize;

use super::stats::{self, StatsJson};
use crate::discover::{self, Found};
use crate::exit::Failure;
use crate::render;
use crate::set::read_all;
use crate::Context;

const EXAMPLES: &str = "\
How sets are found: SCAN on every server that holds keys (each master of a cluster) for the
keys a set gets once it has leases, dead letters, waiting consumers or a dedup window:
{NAME}:leases, :lease-records, :deliveries, :fence, :dead, :dead-records, :wake, :waiting,
:dedup (a name with a hash tag, {t}jobs, has {t}jobs:leases). A set only ever added to and
popped has none: --zsets lists every sorted set as well, or name it (redset stats NAME).

Examples:
  redset sets
  redset sets --zsets --json
  redset --url redis-cluster://127.0.0.1:7000 sets";

const JSON_FIELDS: &str = "\
JSON (--json): an array with one object per set: the fields of `redset stats --json`, and
  found_by          what showed the set: the companion keys seen (leases, fence, dead, …),
                    or zset (the set's own key, with --zsets)";

/// The sets that can be found, with their kind (and how it is known) and counts.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// List every sorted set too, not only those with companion keys.
    #[arg(long)]
    zsets: bool,
}

#[derive(Serialize)]
struct SetJson<'a> {
    #[serde(flatten)]
    stats: StatsJson,
    found_by: &'a [String],
}

/// Runs `redset sets`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let found: Vec<Found> = discover::find_sets(&context.redis, args.zsets).await?;
    if found.is_empty() {
        return Err(Failure::NothingThere(format!(
            "no sets found on {}{}",
            context.redis.target().describe(),
            if args.zsets {
                ""
            } else {
                " (--zsets lists every sorted set)"
            }
        )));
    }
    let names: Vec<String> = found.iter().map(|f| f.name.clone()).collect();
    let readings = read_all(&context.redis, &context.kinds, &names).await;
    if context.json {
        let rows: Vec<SetJson> = readings
            .iter()
            .zip(&found)
            .map(|(reading, found)| SetJson {
                stats: StatsJson::of(reading),
                found_by: &found.found_by,
            })
            .collect();
        render::print_json(&rows);
    } else {
        let mut table = stats::table(&["FOUND BY"]);
        for (reading, found) in readings.iter().zip(&found) {
            let mut cells = stats::cells(reading);
            if reading.result.is_ok() {
                cells.push(found.found_by.join(", "));
            }
            table.add_row(cells);
        }
        render::print_table(&table);
    }
    Ok(())
}
