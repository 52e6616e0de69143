//! `redset groups SET`: a grouped set's figures per group — waiting, in flight, dead —
//! as the crate's `groups` reads them in one round trip: the groups with waiting items
//! first, then those with only leases or dead letters.

use redset::GroupStats;
use serde::Serialize;

use crate::exit::Failure;
use crate::render::{self, ALERT, NOTE};
use crate::set::OpSet;
use crate::Context;

const EXAMPLES: &str = "\
Examples:
  redset groups jobs
  redset groups jobs --limit 1000 --json";

const JSON_FIELDS: &str = "\
JSON (--json): an array, the groups with waiting items first (by name's length, then its
bytes), then the others by name:
  group       the group's name (\"\" is the default group: items added without one)
  waiting     its items in the set
  in_flight   its items leased (what its in-flight limit counts)
  dead        its items in the dead letters";

/// A grouped set's waiting, in-flight and dead items per group.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// The set.
    set: String,

    /// At most this many groups.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    limit: u32,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    group: &'a str,
    waiting: u64,
    in_flight: u64,
    dead: u64,
}

/// Runs `redset groups`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let limit = args.limit as usize;
    let groups = set.groups(limit).await?;
    if groups.is_empty() {
        return Err(Failure::NothingThere(format!(
            "{}: no groups (a set has them once an item is added to a group)",
            args.set
        )));
    }
    if context.json {
        let rows: Vec<GroupJson> = groups.iter().map(GroupJson::of).collect();
        render::print_json(&rows);
        return Ok(());
    }
    let mut table = render::table(
        &["GROUP", "WAITING", "IN FLIGHT", "DEAD"],
        &["WAITING", "IN FLIGHT", "DEAD"],
    );
    for group in &groups {
        table.add_row(cells(group));
    }
    render::print_table(&table);
    let shown = render::count(groups.len() as u64, "group", "groups");
    let note = match groups.len() >= limit {
        true => format!("the first {shown}: --limit shows more"),
        false => shown,
    };
    anstream::println!("{}", render::paint(NOTE, note));
    Ok(())
}

impl<'a> GroupJson<'a> {
    fn of(group: &'a GroupStats) -> Self {
        GroupJson {
            group: &group.group,
            waiting: group.waiting,
            in_flight: group.in_flight,
            dead: group.dead,
        }
    }
}

/// A group as the table's cells; the default group `""` as `(default)`.
fn cells(group: &GroupStats) -> Vec<String> {
    let name = match group.group.as_str() {
        "" => render::paint(NOTE, "(default)"),
        name => render::item_cell(name.as_bytes()),
    };
    let dead = match group.dead {
        0 => "0".to_owned(),
        n => render::paint(ALERT, n),
    };
    vec![
        name,
        group.waiting.to_string(),
        group.in_flight.to_string(),
        dead,
    ]
}
