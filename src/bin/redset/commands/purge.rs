//! `redset purge SET`: deletes every dead letter of the set. Asks first.

use serde::Serialize;

use crate::confirm::confirm;
use crate::exit::Failure;
use crate::render;
use crate::set::OpSet;
use crate::Context;

const EXAMPLES: &str = "\
Examples:
  redset purge jobs           asks, then deletes every dead letter of jobs
  redset purge jobs --yes     without asking (for scripts)

`redset dead jobs` lists them first; `redset requeue` puts them back instead.

JSON (--json): {\"set\", \"purged\": how many dead letters were deleted}";

/// Deletes every dead letter of the set.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The set.
    set: String,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Serialize)]
struct PurgedJson<'a> {
    set: &'a str,
    purged: u64,
}

/// Runs `redset purge`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let dead = set.stats().await?.dead;
    if dead == 0 {
        return Err(Failure::NothingThere(format!(
            "{}: no dead letters",
            args.set
        )));
    }
    let question = format!(
        "Delete {} of {} for good?",
        render::count(dead, "dead letter", "dead letters"),
        args.set
    );
    confirm(&question, args.yes)?;
    let purged = set.purge().await?;
    if context.json {
        render::print_json(&PurgedJson {
            set: &args.set,
            purged,
        });
    } else {
        println!(
            "purged {} of {}",
            render::count(purged, "dead letter", "dead letters"),
            args.set
        );
    }
    Ok(())
}
