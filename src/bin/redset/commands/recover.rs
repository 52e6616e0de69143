//! `redset recover SET`: returns every expired lease to the set now, rather than at
//! the next claim: to the dead letters instead once the item has had the maximum
//! deliveries — its consumers' own, which each claim keeps with the set, unless
//! `--max-deliveries` says otherwise. Asks first.

use serde::Serialize;

use crate::confirm::confirm;
use crate::exit::Failure;
use crate::render;
use crate::set::{OpSet, PolicyFrom};
use crate::Context;

/// Leases looked at to count the expired ones (earliest deadline first).
const LOOK_AT: usize = 10_000;

const EXAMPLES: &str = "\
Examples:
  redset recover jobs                        asks, then returns the expired leases
  redset recover jobs --max-deliveries 10 --yes

An item goes to the dead letters instead once it has had as many deliveries as the set's
consumers allow: each claim keeps its maximum with the set (in its flow hash), and recover
uses the last one kept — the library's default, 5, if no claim has kept one yet.
--max-deliveries overrides it.

JSON (--json): {\"set\", \"requeued\": back in the set, \"dead\": moved to the dead letters,
\"max_deliveries\": the maximum it applied}";

/// Returns every expired lease to the set (or to the dead letters).
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The set.
    set: String,

    /// An expired item goes to the dead letters once it has had this many deliveries
    /// [default: the maximum the set's consumers last claimed with, else 5]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_deliveries: Option<u32>,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Serialize)]
struct RecoveredJson<'a> {
    set: &'a str,
    requeued: u64,
    dead: u64,
    max_deliveries: u32,
}

/// Runs `redset recover`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let (set, max, from) = OpSet::open(&context.redis, &context.kinds, &args.set)
        .await?
        .recovering_as_its_consumers(args.max_deliveries)
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
    let whose = match from {
        PolicyFrom::Flag => "as --max-deliveries says",
        PolicyFrom::Consumers => "as its consumers claim",
        PolicyFrom::Default => "the default: no consumer has claimed with its own yet",
    };
    let question = format!(
        "Return {at_least}{} of {} to the set (to the dead letters after {max} deliveries, \
         {whose})?",
        render::count(expired as u64, "expired lease", "expired leases"),
        args.set,
    );
    confirm(&question, args.yes)?;
    let recovered = set.recover().await?;
    if context.json {
        render::print_json(&RecoveredJson {
            set: &args.set,
            requeued: recovered.requeued,
            dead: recovered.dead,
            max_deliveries: max,
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
