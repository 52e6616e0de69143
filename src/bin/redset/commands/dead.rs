//! `redset dead SET`: the dead letters, oldest first, with why each died; searchable
//! by text in the item or the reason.

use std::time::SystemTime;

use redset::DeadLetter;
use serde::Serialize;

use crate::exit::Failure;
use crate::render::{self, JsonItem, NOTE};
use crate::set::OpSet;
use crate::Context;

const EXAMPLES: &str = "\
Examples:
  redset dead jobs
  redset dead jobs --grep timeout        items or reasons that mention \"timeout\"
  redset dead jobs --json";

const JSON_FIELDS: &str = "\
JSON (--json): an array, oldest first:
  item, binary   the member (as `redset peek --json` gives it)
  reason         why it died (the retry's reason, or \"lease expired after N deliveries\")
  deliveries     how many times it was delivered
  time           when it died (UTC, RFC 3339, server clock)
  score          the score it goes back to the set with on requeue";

/// The dead letters, oldest first, with their reasons.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = format!("{EXAMPLES}\n\n{JSON_FIELDS}"))]
pub struct Args {
    /// The set.
    set: String,

    /// Only dead letters whose item or reason holds this text (ignoring case).
    #[arg(long, value_name = "TEXT")]
    grep: Option<String>,
}

/// Whether `letter`'s item or reason holds `text`, ignoring case.
pub fn matches(letter: &DeadLetter<Vec<u8>>, text: &str) -> bool {
    let text = text.to_lowercase();
    render::item_text(letter.member())
        .to_lowercase()
        .contains(&text)
        || letter.reason.to_lowercase().contains(&text)
}

/// The set's dead letters, those matching `grep` if given; a note if the listing was
/// cut at [`redset::core::MAX_DEAD_LISTED`].
pub async fn select(
    set: &OpSet,
    grep: Option<&str>,
) -> Result<(Vec<DeadLetter<Vec<u8>>>, Option<String>), Failure> {
    let mut letters = set.dead_letters().await?;
    let listed = letters.len();
    let cut = if listed >= redset::core::MAX_DEAD_LISTED {
        let total = set.stats().await?.dead;
        (total > listed as u64).then(|| format!("only the oldest {listed} of {total} were read"))
    } else {
        None
    };
    if let Some(text) = grep {
        letters.retain(|letter| matches(letter, text));
    }
    Ok((letters, cut))
}

#[derive(Serialize)]
struct DeadJson<'a> {
    #[serde(flatten)]
    item: JsonItem,
    reason: &'a str,
    deliveries: u32,
    time: String,
    score: f64,
}

/// Runs `redset dead`.
pub async fn run(context: &Context, args: Args) -> Result<(), Failure> {
    let set = OpSet::open(&context.redis, &context.kinds, &args.set).await?;
    let (letters, cut) = select(&set, args.grep.as_deref()).await?;
    if let Some(cut) = &cut {
        anstream::eprintln!("{}", render::paint(NOTE, format!("redset: {cut}")));
    }
    if letters.is_empty() {
        let what = match &args.grep {
            Some(text) => format!("no dead letters match {text:?}"),
            None => "no dead letters".to_owned(),
        };
        return Err(Failure::NothingThere(format!("{}: {what}", args.set)));
    }
    if context.json {
        let rows: Vec<DeadJson> = letters
            .iter()
            .map(|letter| DeadJson {
                item: JsonItem::of(letter.member()),
                reason: &letter.reason,
                deliveries: letter.deliveries,
                time: render::timestamp_ms(letter.time),
                score: letter.score,
            })
            .collect();
        render::print_json(&rows);
        return Ok(());
    }
    let mut table = render::table(&["ITEM", "DELIVERIES", "DIED", "REASON"], &["DELIVERIES"]);
    let now = SystemTime::now();
    for letter in &letters {
        table.add_row(vec![
            render::item_cell(letter.member()),
            letter.deliveries.to_string(),
            render::relative(letter.time, now),
            letter.reason.clone(),
        ]);
    }
    render::print_table(&table);
    anstream::println!(
        "{}",
        render::paint(
            NOTE,
            render::count(letters.len() as u64, "dead letter", "dead letters")
        )
    );
    Ok(())
}
