//! `redset peek SET [N]`: the next items the set would hand out, without taking them.

use std::time::SystemTime;

use redset::core::Kind;
use redset::Entry;
use serde::Serialize;

use crate::exit::Failure;
use crate::render::{self, JsonItem, NOTE, WAITING};
use crate::set::OpSet;
use crate::{progress, Context};

/// Items read per round trip.
const CHUNK: usize = 1000;

const EXAMPLES: &str = "\
Examples:
  redset peek jobs              the next 10 items
  redset peek jobs 100 --json
  redset peek retries --all     a scheduled set's items, due or not";

const JSON_FIELDS: &str = "\
JSON (--json): an array, in the order the set hands items out:
  position   0 for the next item
  item       the member as stored (a string; with binary: true, \\xNN escapes)
  binary     whether the member is not UTF-8
  score      its score
  time       the score as a UTC time (RFC 3339) for a time-ordered set, else null";

/// The next items the set would hand out, with their scores.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// The set.
    set: String,

    /// How many items.
    #[arg(default_value_t = 10)]
    count: usize,

    /// Start this many items in.
    #[arg(long, default_value_t = 0)]
    from: usize,

    /// In a scheduled set, list items that are not due yet too.
    #[arg(long)]
    all: bool,
}

#[derive(Serialize)]
struct EntryJson {
    position: usize,
    #[serde(flatten)]
    item: JsonItem,
    score: f64,
    time: Option<String>,
}

/// Runs `redset peek`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let mut set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    if args.all {
        set = set.every_item(context.redis.conn().await?);
    }
    let entries = read(&set, args.from, args.count).await?;
    if entries.is_empty() {
        let what = if set.kind().kind == Kind::Scheduled {
            "nothing due (--all lists what is not due yet)"
        } else {
            "no items"
        };
        return Err(Failure::NothingThere(format!("{}: {what}", args.set)));
    }
    // Scores of the time-ordered kinds are UNIX times; a sorted set's are priorities.
    let timed = set.kind().kind != Kind::Sorted;
    let time_of = |entry: &Entry<Vec<u8>>| timed.then(|| render::score_time(entry.score)).flatten();
    if context.json {
        let rows: Vec<EntryJson> = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| EntryJson {
                position: args.from + i,
                item: JsonItem::of(entry.member()),
                score: entry.score,
                time: time_of(entry).map(render::timestamp_ms),
            })
            .collect();
        render::print_json(&rows);
        return Ok(());
    }
    let mut headers = vec!["#", "ITEM", "SCORE"];
    if timed {
        headers.push("WHEN");
    }
    let mut table = render::table(&headers, &["#", "SCORE"]);
    let now = SystemTime::now();
    for (i, entry) in entries.iter().enumerate() {
        let mut cells = vec![
            (args.from + i).to_string(),
            render::item_cell(entry.member()),
            render::score(entry.score),
        ];
        if let Some(time) = time_of(entry) {
            let when = render::relative(time, now);
            cells.push(if time > now {
                render::paint(WAITING, when)
            } else {
                when
            });
        }
        table.add_row(cells);
    }
    render::print_table(&table);
    anstream::println!(
        "{}",
        render::paint(NOTE, format!("{} read as {}", args.set, set.kind().label()))
    );
    Ok(())
}

/// `count` entries from `from` on, in round trips of [`CHUNK`], with progress.
async fn read(set: &OpSet, from: usize, count: usize) -> Result<Vec<Entry<Vec<u8>>>, Failure> {
    let bar = (count > CHUNK).then(|| progress::bar(count as u64, "reading"));
    let mut entries = Vec::with_capacity(count.min(CHUNK));
    while entries.len() < count {
        let want = (count - entries.len()).min(CHUNK);
        let chunk = set.peek(from + entries.len(), want).await?;
        let got = chunk.len();
        entries.extend(chunk);
        if let Some(bar) = &bar {
            bar.set_position(entries.len() as u64);
        }
        if got < want {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(entries)
}
