//! Flow control, enforced by the server: pause and resume, rate limits (a GCRA by the
//! server's clock) and fair groups (round-robin, with per-group limits), decided in the
//! scripts that hand items out (`scripts/flow/select.lua`, included by the claim script
//! and a flow-controlled set's pop) so that every consumer of a set, in every runtime,
//! obeys one set of limits.
//!
//! A set's limits travel in its options word (`ARGV[1]` of the lease scripts, the add
//! script and the wait probe; `scripts/flow/options.lua`); its state lives in the
//! companion keys [`FLOW_KEYS`](super::schema::FLOW_KEYS): the `flow` hash (paused, the
//! rate limit's theoretical arrival time, the `rate_limited` hold, the round-robin
//! counter) and a grouped set's index and lines (`scripts/flow/groups.lua`).
//! Claims always honour pause and the hold; pops and takes only on a set that opts in
//! ([`FlowControl::pops`]), else they stay the original's single commands.

mod groups;
mod limited;
mod pause;
mod rate;

pub(crate) use groups::group_arg;
pub use groups::{Grouper, Groups, MAX_GROUP_LEN};
pub use limited::RateLimited;
#[cfg(test)]
pub(crate) use pause::scripts;
pub(crate) use pause::{is_paused, pause, resume};
pub use rate::RateLimit;

/// The Lua helpers of flow control, by the names the scripts include them with.
pub(crate) const INCLUDES: &[(&str, &str)] = &[
    ("flow/options", lua!("flow/options.lua")),
    ("flow/groups", lua!("flow/groups.lua")),
    ("flow/select", lua!("flow/select.lua")),
];

/// A set's flow control settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FlowControl {
    /// Pops and takes hand out what the flow script allows (pause, limits, groups)
    /// rather than run the original's single commands.
    pub pops: bool,
    /// The set's rate limit.
    pub rate: Option<RateLimit>,
    /// Fair groups, with their limits.
    pub groups: Option<Groups>,
}

impl FlowControl {
    /// Whether pops and takes go through the flow script: the set opted in, or has a
    /// limit or groups to keep.
    pub fn on_pops(&self) -> bool {
        self.pops || self.rate.is_some() || self.groups.is_some()
    }

    /// The options word's parts for these settings.
    pub fn options(&self) -> Vec<String> {
        let mut words = Vec::new();
        words.extend(self.rate.map(|rate| rate.option('r')));
        words.extend(self.groups.iter().flat_map(Groups::options));
        words
    }
}
