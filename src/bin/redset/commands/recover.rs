//! `redset recover SET`: returns every expired lease to the set now, rather than at
//! the next claim: to the dead letters instead once the item has had the maximum
//! deliveries. Asks first.

use serde::Serialize;

use crate::confirm::confirm;
use crate::exit::Failure;
use crate::render;
use crate::set::OpSet;
use crate::Context;

/// Leases looked at to count the expired ones (earliest deadline first).
const LOOK_AT: usize = 10_000;

const EXAMPLES: &str = "\
Examples:
  redset recover jobs                        asks, then returns the expired leases
  redset recover jobs --max-deliveries 10 --yes

An item goes to the dead letters instead once it has had --max-deliveries deliveries: give the
number the set's consumers use (the library's default is 5), which Redis does not record.

JSON (--json): {\"set\", \"requeued\": back in the set, \"dead\": moved to the dead letters}";

/// Returns every expired lease to the set (or to the dead letters).
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The set.
    set: String,

    /// An expired item goes to the dead letters once it has had this many deliveries.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    max_deliveries: u32,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Serialize)]
struct RecoveredJson<'a> {
    set: &'a str,
    requeued: u64,
    dead: u64,
}

/// Runs `redset recover`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set)
        .await?
        .max_deliveries(args.max_deliveries)
        .counting_as_it_does()
        .await?;
    let leases = set.in_flight(LOOK_AT).await?;
    let expired = leases.iter().filter(|l| l.time_left.is_zero()).count();
    if expired == 0 {
        return Err(Failure::NothingThere(format!(
            "{}: no expired leases ({} in flight)",
            args.set,
            leases.len()
        )));
    }
    let at_least = if expired == LOOK_AT { "at least " } else { "" };
    let question = format!(
        "Return {at_least}{} of {} to the set (to the dead letters after {} deliveries)?",
        render::count(expired as u64, "expired lease", "expired leases"),
        args.set,
        args.max_deliveries
    );
    confirm(&question, args.yes)?;
    let recovered = set.recover().await?;
    if context.json {
        render::print_json(&RecoveredJson {
            set: &args.set,
            requeued: recovered.requeued,
            dead: recovered.dead,
        });
    } else {
        println!(
            "recovered {} of {}: {} back in the set, {} to the dead letters",
            render::count(
                recovered.requeued + recovered.dead,
                "expired lease",
                "expired leases"
            ),
            args.set,
            recovered.requeued,
            recovered.dead
        );
    }
    Ok(())
}
