//! The lease scripts' arguments and replies as they go over the wire: the records the
//! scripts write, and the decoding of what they answer.

use std::time::Duration;

use super::record::Lease;
use crate::core::protocol::{parse_f64, Decoder, Error, Reply, Result};

/// A lease time or delay in ms, at most 2^52 (about 140 000 years): the scripts add it
/// to the server's time as a Lua double, which stays exact below 2^53.
pub(super) fn duration_ms(d: Duration) -> usize {
    const MAX_MS: u128 = 1 << 52;
    d.as_millis().min(MAX_MS).min(usize::MAX as u128) as usize
}

/// A dead letter's record as `bury` writes it: "deliveries time score reason".
#[derive(Default)]
pub(super) struct DeadRecord {
    pub deliveries: u32,
    pub time: u64,
    pub score: f64,
    pub reason: String,
}

impl DeadRecord {
    /// A record that does not parse gives zeros and an empty reason: listing the dead
    /// letters never fails on one of them.
    pub fn parse(record: &[u8]) -> Self {
        let text = String::from_utf8_lossy(record);
        let mut parts = text.splitn(4, ' ');
        let (Some(deliveries), Some(time), Some(score)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return DeadRecord::default();
        };
        DeadRecord {
            deliveries: deliveries.parse().unwrap_or(0),
            time: time.parse().unwrap_or(0),
            score: parse_f64(score.as_bytes()).unwrap_or(f64::NAN), // "inf" and "-inf" included
            reason: parts.next().unwrap_or_default().to_owned(),
        }
    }
}

/// A lease record as the claim script writes it: "token deliveries score", then
/// " group" for an item of a grouped set (not read here).
pub(super) struct LeaseRecord {
    /// 0 for a retry waiting out its delay, held by nobody.
    pub token: u64,
    pub deliveries: u32,
    pub score: f64,
}

impl LeaseRecord {
    /// Zeros (and a NaN score) for a record that does not parse, so that listing never
    /// fails on one.
    pub fn parse(record: &[u8]) -> Self {
        let text = String::from_utf8_lossy(record);
        let mut parts = text.splitn(4, ' ');
        let mut next = || parts.next().unwrap_or_default();
        LeaseRecord {
            token: next().parse().unwrap_or(0),
            deliveries: next().parse().unwrap_or(0),
            score: parse_f64(next().as_bytes()).unwrap_or(f64::NAN),
        }
    }
}

/// One claimed member before its item is loaded.
pub(super) struct Claimed {
    pub member: Vec<u8>,
    pub token: u64,
    pub deliveries: u32,
    pub deadline_ms: u64,
    pub score: f64,
}

/// What an ack sends: (member, token) pairs, and the tokens in the same order.
#[derive(Default)]
pub(super) struct Acks {
    pub args: Vec<Vec<u8>>,
    pub tokens: Vec<u64>,
}

impl Acks {
    pub fn of<T>(leases: &[Lease<T>]) -> Self {
        let mut acks = Acks::default();
        for lease in leases {
            acks.args.push(lease.member.clone());
            acks.args.push(lease.token.to_string().into_bytes());
            acks.tokens.push(lease.token);
        }
        acks
    }
}

/// The tokens at the (1-based) positions a script reported as not acked.
pub(super) fn lost_tokens(positions: &[i64], tokens: &[u64]) -> Vec<u64> {
    positions
        .iter()
        .filter_map(|&p| {
            tokens
                .get(usize::try_from(p).ok()?.checked_sub(1)?)
                .copied()
        })
        .collect()
}

/// The claim script's reply: the leases, or `{"lost", positions…}` when an ack sent
/// with the claim was no longer held (then nothing was claimed).
pub(super) fn decode_claim(reply: Reply, set: &str, acked: &[u64]) -> Result<Vec<Claimed>> {
    let d = Decoder { command: "EVALSHA" };
    let Reply::Array(mut parts) = d.ok(reply)? else {
        return Err(Error::protocol("EVALSHA", "claim reply is not an array"));
    };
    if matches!(parts.first(), Some(Reply::Bulk(word)) if word == b"lost") {
        let positions = d.integers(Reply::Array(parts.split_off(1)))?;
        return Err(Error::LeaseLost {
            set: set.to_owned(),
            tokens: lost_tokens(&positions, acked),
        });
    }
    if parts.len() < 2 || (parts.len() - 2) % 5 != 0 {
        return Err(Error::protocol(
            "EVALSHA",
            "claim reply of the wrong length",
        ));
    }
    let mut out = Vec::with_capacity((parts.len() - 2) / 5);
    let mut it = parts.into_iter().skip(2);
    while let (Some(member), Some(token), Some(count), Some(deadline), Some(score)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    {
        out.push(Claimed {
            member: d.member(member)?,
            token: d.count(token)?,
            deliveries: u32::try_from(d.count(count)?).unwrap_or(u32::MAX),
            deadline_ms: d.count(deadline)?,
            score: d.score(score)?,
        });
    }
    Ok(out)
}
