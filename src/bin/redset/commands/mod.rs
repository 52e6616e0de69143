//! One module per subcommand: its arguments (with `--help` text and examples) and
//! what it does.

pub mod dashboard;
pub mod dead;
pub mod groups;
pub mod in_flight;
pub mod metrics;
pub mod pause;
pub mod peek;
pub mod purge;
pub mod recover;
pub mod requeue;
pub mod sets;
pub mod stats;
mod watch;

use crate::discover;
use crate::exit::Failure;
use crate::Context;

/// The sets named, or else every set found (`redset sets`); none at all is
/// [`Failure::NothingThere`].
async fn named_or_found(context: &Context, named: Vec<String>) -> Result<Vec<String>, Failure> {
    if !named.is_empty() {
        return Ok(named);
    }
    let found = discover::find_sets(&context.redis, false).await?;
    if found.is_empty() {
        return Err(Failure::NothingThere(format!(
            "no sets found on {} (none has leases, dead letters or waits yet: name them)",
            context.redis.target().describe()
        )));
    }
    Ok(found.into_iter().map(|f| f.name).collect())
}
