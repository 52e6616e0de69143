//! Fair groups: an item may belong to a group (a tenant, a customer); claims go
//! round-robin over the groups with eligible items, each optionally within an in-flight
//! limit and a rate limit of its own. How a grouped set is stored: `scripts/flow/groups.lua`.

use std::sync::Arc;

use super::RateLimit;
use crate::core::protocol::{Error, Result};

/// Gives an item its group when `add` is not told one (like a scorer gives its score);
/// `None` when it cannot (a JS grouper that threw), and the add is rejected.
pub type Grouper<T> = Arc<dyn Fn(&T) -> Option<String> + Send + Sync>;

/// The longest group name, in bytes: its index entries begin with its length in two
/// bytes.
pub const MAX_GROUP_LEN: usize = u16::MAX as usize;

/// A grouped set's per-group limits.
///
/// ```
/// use redset::core::{Groups, Kind, SetCore};
/// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8)
///     .with_groups(Some(Groups { concurrency: Some(2), rate: None }));
/// assert_eq!(set.groups().unwrap().concurrency, Some(2));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Groups {
    /// At most this many items of one group in flight (leased) at once.
    pub concurrency: Option<u32>,
    /// Each group's own rate limit.
    pub rate: Option<RateLimit>,
}

impl Groups {
    /// The options word's part for these groups (see `scripts/flow/options.lua`).
    pub(crate) fn options(&self) -> Vec<String> {
        let mut words = vec!["g".to_owned()];
        words.extend(self.concurrency.map(|k| format!("k{k}")));
        words.extend(self.rate.map(|rate| rate.option('q')));
        words
    }
}

/// A group's name as the add script takes it: at most [`MAX_GROUP_LEN`] bytes.
pub(crate) fn group_arg(set: &str, group: &str) -> Result<Vec<u8>> {
    if group.len() > MAX_GROUP_LEN {
        return Err(Error::InvalidInput(format!(
            "a group of {set:?} is {} bytes long; at most {MAX_GROUP_LEN}",
            group.len()
        )));
    }
    Ok(group.as_bytes().to_vec())
}
