//! A grouped set's counts per group: waiting, in flight, dead.

use std::sync::LazyLock;

use crate::core::operation::{Call, Exchange, Operation};
use crate::core::protocol::{redis_index, Decoder, Error, Reply, Result, Script};
use crate::core::target::Target;

pub(super) static GROUP_STATS: LazyLock<Script> =
    LazyLock::new(|| script!("stats/groups.lua", &crate::core::lease::INCLUDES));

/// One group's counts.
///
/// ```
/// let group = redset::core::GroupStats { group: "tenant-a".into(), waiting: 3, in_flight: 1, dead: 0 };
/// assert_eq!(group.waiting + group.in_flight, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStats {
    /// The group's name ("" is the default group: items added without one).
    pub group: String,
    /// Its items waiting in the set.
    pub waiting: u64,
    /// Its items leased (what its in-flight limit counts).
    pub in_flight: u64,
    /// Its items in the dead letters.
    pub dead: u64,
}

/// The counts of the groups named.
pub(crate) fn group_stats<S>(
    target: &Target<S>,
    options: Vec<u8>,
    groups: &[&str],
) -> impl Operation<Output = Vec<GroupStats>> {
    let mut args = vec![options, b"groups".to_vec()];
    args.extend(groups.iter().map(|group| group.as_bytes().to_vec()));
    call(target, args)
}

/// The counts of up to `limit` groups with waiting, in-flight or dead items.
pub(crate) fn groups<S>(
    target: &Target<S>,
    options: Vec<u8>,
    limit: usize,
) -> impl Operation<Output = Vec<GroupStats>> {
    let args = vec![
        options,
        b"list".to_vec(),
        redis_index(limit).to_string().into_bytes(),
    ];
    call(target, args)
}

fn call<S>(target: &Target<S>, args: Vec<Vec<u8>>) -> impl Operation<Output = Vec<GroupStats>> {
    let call = Call::script(&GROUP_STATS, target.keys.lease(), args);
    Exchange::new(call, decode)
}

/// `[group, waiting, in flight, dead, ...]`.
fn decode(reply: Reply) -> Result<Vec<GroupStats>> {
    let d = Decoder { command: "EVALSHA" };
    let parts = d.array(reply)?;
    if parts.len() % 4 != 0 {
        return Err(Error::protocol(
            "EVALSHA",
            "group stats of the wrong length",
        ));
    }
    let mut out = Vec::with_capacity(parts.len() / 4);
    let mut it = parts.into_iter();
    while let (Some(group), Some(waiting), Some(in_flight), Some(dead)) =
        (it.next(), it.next(), it.next(), it.next())
    {
        out.push(GroupStats {
            group: String::from_utf8_lossy(&d.member(group)?).into_owned(),
            waiting: d.count(waiting)?,
            in_flight: d.count(in_flight)?,
            dead: d.count(dead)?,
        });
    }
    Ok(out)
}
