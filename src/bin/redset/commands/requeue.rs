//! `redset requeue SET [ITEM…|--all|--grep TEXT]`: dead letters back into the set,
//! with the score they had and their deliveries counted afresh. Asks first.

use std::ffi::OsString;

use serde::Serialize;

use super::dead;
use crate::confirm::confirm;
use crate::exit::Failure;
use crate::render;
use crate::set::OpSet;
use crate::{progress, Context};

/// Dead letters requeued per round trip.
const CHUNK: usize = 1000;
/// Items named in the question and the report; the rest are counted.
const NAMED: usize = 5;

const EXAMPLES: &str = "\
Examples:
  redset requeue jobs job-17 job-18      two dead letters, by item
  redset requeue jobs --grep timeout     those whose item or reason mentions \"timeout\"
  redset requeue jobs --all --yes        every one, without asking (for scripts)

It asks before it changes anything (on a terminal; elsewhere it needs --yes), then says what
it requeued.

JSON (--json): {\"set\", \"asked\": dead letters chosen, \"requeued\": how many were still dead
and went back}";

/// Puts dead letters back into the set.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The set.
    set: String,

    /// The dead letters to requeue, by item (as stored).
    #[arg(required_unless_present_any = ["all", "grep"], conflicts_with_all = ["all", "grep"])]
    items: Vec<OsString>,

    /// Every dead letter.
    #[arg(long, conflicts_with = "grep")]
    all: bool,

    /// The dead letters whose item or reason holds this text (ignoring case).
    #[arg(long, value_name = "TEXT")]
    grep: Option<String>,

    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Serialize)]
struct RequeuedJson<'a> {
    set: &'a str,
    asked: usize,
    requeued: u64,
}

/// Runs `redset requeue`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set)
        .await?
        .counting_as_it_does()
        .await?;
    let (letters, cut) = dead::select(&set, args.grep.as_deref()).await?;
    let mut chosen: Vec<Vec<u8>> = letters.iter().map(|l| l.member().to_vec()).collect();
    let mut missing = Vec::new();
    if !args.items.is_empty() {
        let named: Vec<Vec<u8>> = args
            .items
            .iter()
            .map(|i| i.as_encoded_bytes().to_vec())
            .collect();
        missing = named
            .iter()
            .filter(|n| !chosen.contains(n))
            .map(|n| render::item_text(n))
            .collect();
        // Beyond a cut listing a named item may still be dead: the script checks.
        chosen = if cut.is_some() {
            named
        } else {
            named.into_iter().filter(|n| chosen.contains(n)).collect()
        };
    }
    if !missing.is_empty() {
        anstream::eprintln!(
            "redset: {}: not in the dead letters: {}",
            args.set,
            missing.join(", ")
        );
    }
    if chosen.is_empty() {
        return Err(Failure::NothingThere(format!(
            "{}: no dead letters to requeue",
            args.set
        )));
    }
    let mut question = format!(
        "Requeue {} of {} into the set? {}",
        render::count(chosen.len() as u64, "dead letter", "dead letters"),
        args.set,
        named(&chosen)
    );
    if let Some(cut) = &cut {
        question += &format!(" ({cut}: run it again for the rest)");
    }
    confirm(&question, args.yes)?;
    let requeued = requeue(&set, &chosen).await?;
    if context.json {
        render::print_json(&RequeuedJson {
            set: &args.set,
            asked: chosen.len(),
            requeued,
        });
    } else {
        let gone = chosen.len() as u64 - requeued.min(chosen.len() as u64);
        let mut report = format!(
            "requeued {} into {}",
            render::count(requeued, "dead letter", "dead letters"),
            args.set
        );
        if gone > 0 {
            report += &format!(" ({gone} no longer dead: requeued or purged meanwhile)");
        }
        println!("{report}");
    }
    Ok(())
}

/// `(a, b, c and 4 more)`: the first items of `members`.
fn named(members: &[Vec<u8>]) -> String {
    let shown: Vec<String> = members
        .iter()
        .take(NAMED)
        .map(|m| render::item_cell(m))
        .collect();
    match members.len().saturating_sub(NAMED) {
        0 => format!("({})", shown.join(", ")),
        more => format!("({} and {more} more)", shown.join(", ")),
    }
}

/// Requeues `members` in round trips of [`CHUNK`], with progress; how many were dead.
pub async fn requeue(set: &OpSet, members: &[Vec<u8>]) -> Result<u64, Failure> {
    let bar = (members.len() > CHUNK).then(|| progress::bar(members.len() as u64, "requeueing"));
    let mut requeued = 0;
    for chunk in members.chunks(CHUNK) {
        requeued += set.requeue(chunk).await?;
        if let Some(bar) = &bar {
            bar.inc(chunk.len() as u64);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(requeued)
}
