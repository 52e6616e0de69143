//! `redset in-flight SET`: each lease, earliest deadline first: the item, who holds it
//! (the fencing token) or that it is a retry waiting out its delay, its deliveries,
//! its deadline and the time left, by the server's clock.

use redset::InFlight;
use serde::Serialize;

use crate::exit::Failure;
use crate::render::{self, JsonItem, ALERT, NOTE, WAITING};
use crate::set::OpSet;
use crate::Context;

const EXAMPLES: &str = "\
Examples:
  redset in-flight jobs
  redset in-flight jobs --limit 1000 --json";

const JSON_FIELDS: &str = "\
JSON (--json): an array, earliest deadline first:
  item, binary   the member (as `redset peek --json` gives it)
  state          leased; expired (back to the set at the next claim or `redset recover`);
                 retry waiting (a retried item waiting out its delay, held by nobody);
                 retry due (its delay is over: back at the next claim or recover)
  token          the holder's fencing token, or null for a retry
  deliveries     how many times the item has been claimed
  score          the score it goes back to the set with
  deadline       when the lease expires or the delay ends (UTC, RFC 3339, server clock)
  time_left_s    seconds until then, 0 once past";

/// The leases in flight: item, holder, deliveries, deadline, time left.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// The set.
    set: String,

    /// List at most this many leases.
    #[arg(long, default_value_t = 100)]
    limit: usize,
}

/// What a lease is doing.
fn state(lease: &InFlight<Vec<u8>>) -> &'static str {
    match (lease.token, lease.time_left.is_zero()) {
        (Some(_), false) => "leased",
        (Some(_), true) => "expired",
        (None, false) => "retry waiting",
        (None, true) => "retry due",
    }
}

#[derive(Serialize)]
struct LeaseJson {
    #[serde(flatten)]
    item: JsonItem,
    state: &'static str,
    token: Option<u64>,
    deliveries: u32,
    score: f64,
    deadline: String,
    time_left_s: f64,
}

/// Runs `redset in-flight`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let leases = set.in_flight(args.limit).await?;
    if leases.is_empty() {
        return Err(Failure::NothingThere(format!(
            "{}: nothing in flight",
            args.set
        )));
    }
    if context.json {
        let rows: Vec<LeaseJson> = leases
            .iter()
            .map(|lease| LeaseJson {
                item: JsonItem::of(lease.member()),
                state: state(lease),
                token: lease.token,
                deliveries: lease.deliveries,
                score: lease.score,
                deadline: render::timestamp_ms(lease.deadline),
                time_left_s: lease.time_left.as_secs_f64(),
            })
            .collect();
        render::print_json(&rows);
        return Ok(());
    }
    let headers = ["ITEM", "HOLDER", "DELIVERIES", "DEADLINE", "LEFT"];
    let mut table = render::table(&headers, &["DELIVERIES", "LEFT"]);
    for lease in &leases {
        let holder = match lease.token {
            Some(token) => format!("token {token}"),
            None => render::paint(WAITING, "retry waiting"),
        };
        let left = if lease.time_left.is_zero() {
            render::paint(ALERT, state(lease))
        } else {
            render::duration(lease.time_left)
        };
        table.add_row(vec![
            render::item_cell(lease.member()),
            holder,
            lease.deliveries.to_string(),
            render::timestamp(lease.deadline),
            left,
        ]);
    }
    render::print_table(&table);
    let total = set.stats().await?.in_flight;
    let expired = leases.iter().filter(|l| l.time_left.is_zero()).count();
    let mut note = format!("{} of {} in flight", leases.len(), total);
    if expired > 0 {
        note += &format!("; {expired} past their deadline (`redset recover` returns them)");
    }
    anstream::println!("{}", render::paint(NOTE, note));
    Ok(())
}
