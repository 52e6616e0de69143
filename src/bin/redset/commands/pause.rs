//! `redset pause SET` and `redset resume SET`: stop every consumer of a set handing out
//! items — claims in every runtime, and pops of a set with flow control — and start
//! them again. Both ask first, as every change does: a pause stops work everywhere, a
//! resume lets it go again.

use redset::Stats;
use serde::Serialize;

use crate::confirm::confirm;
use crate::exit::Failure;
use crate::render;
use crate::set::OpSet;
use crate::Context;

const PAUSE_EXAMPLES: &str = "\
Examples:
  redset pause jobs           asks, then pauses jobs
  redset pause jobs --yes     without asking (for scripts)

While paused, claims hand out nothing (they still ack and take back expired leases), and so
do the pops of a set with flow control; producers go on adding, and leases already held run
on. `redset stats` shows the set paused; `redset resume jobs` lets it go again.

JSON (--json): {\"set\", \"paused\": true}";

const RESUME_EXAMPLES: &str = "\
Examples:
  redset resume jobs          asks, then resumes jobs
  redset resume jobs --yes    without asking (for scripts)

Consumers waiting on the set claim at once.

JSON (--json): {\"set\", \"paused\": false}";

/// Pauses a set: no consumer is handed an item until it is resumed.
#[derive(Debug, clap::Args)]
#[command(after_help = PAUSE_EXAMPLES)]
pub struct PauseArgs {
    /// The set.
    set: String,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

/// Resumes a paused set: its consumers claim again at once.
#[derive(Debug, clap::Args)]
#[command(after_help = RESUME_EXAMPLES)]
pub struct ResumeArgs {
    /// The set.
    set: String,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Serialize)]
struct PausedJson<'a> {
    set: &'a str,
    paused: bool,
}

/// Runs `redset pause`.
pub async fn pause(context: &Context, args: PauseArgs) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let stats = set.stats().await?;
    if stats.paused {
        return Err(Failure::NothingThere(format!(
            "{} is paused already (`redset resume {}` resumes it)",
            args.set, args.set
        )));
    }
    let question = format!(
        "Pause {}? No consumer, in any runtime, is handed an item until it is resumed ({}); \
         producers go on adding.",
        args.set,
        figures(&stats)
    );
    confirm(&question, args.yes)?;
    set.pause().await?;
    report(context, &args.set, true, || {
        format!(
            "paused {}: nothing is handed out until `redset resume {}` ({})",
            args.set,
            args.set,
            figures(&stats)
        )
    });
    Ok(())
}

/// Runs `redset resume`.
pub async fn resume(context: &Context, args: ResumeArgs) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let stats = set.stats().await?;
    if !stats.paused {
        return Err(Failure::NothingThere(format!("{} is not paused", args.set)));
    }
    let question = format!(
        "Resume {}? Its consumers, in every runtime, are handed items again at once ({}).",
        args.set,
        figures(&stats)
    );
    confirm(&question, args.yes)?;
    set.resume().await?;
    report(context, &args.set, false, || {
        let held = match stats.held_for {
            Some(left) => format!(
                "; a handler's rate limit still holds it for {}",
                render::duration(left)
            ),
            None => String::new(),
        };
        format!(
            "resumed {}: its consumers are handed items again ({}){held}",
            args.set,
            figures(&stats)
        )
    });
    Ok(())
}

/// `12 waiting, 3 in flight`: what the change concerns.
fn figures(stats: &Stats) -> String {
    format!("{} waiting, {} in flight", stats.waiting, stats.in_flight)
}

/// Says what changed: JSON, or `text()`.
fn report(context: &Context, set: &str, paused: bool, text: impl FnOnce() -> String) {
    if context.json {
        render::print_json(&PausedJson { set, paused });
    } else {
        println!("{}", text());
    }
}
