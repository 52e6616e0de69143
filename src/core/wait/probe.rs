//! The probe of a waiting operation: when something may next be handed out.

use std::sync::LazyLock;

use super::Times;
use crate::core::operation::{Call, Exchange};
use crate::core::protocol::{Decoder, Reply, Result, Script};
use crate::core::schema::{Keys, PROBE_KEYS};

/// When the set's next item may be handed out (its head, a grouped set's lines, the
/// flow control's limits) and its earliest lease deadline; it also says, for a minute,
/// that a consumer waits on the wake-up marker.
static WAIT_PROBE: LazyLock<Script> =
    LazyLock::new(|| script!("wait/probe.lua", crate::core::flow::INCLUDES));

/// The probe script with its `KEYS` by role, for the tests of every script's header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    vec![(&*WAIT_PROBE, PROBE_KEYS.to_vec())]
}

/// What the probe answers; times in seconds from when it answered, by the server's
/// clock, except the head's score (the set's clock).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Probed {
    /// The score of the next candidate: the set's head, or a grouped set's (`-inf`
    /// while a group is ready).
    head: Option<f64>,
    /// Until the earliest lease deadline.
    lease_in: Option<f64>,
    /// Until a grouped set's group held by its rate limit may go.
    held_in: Option<f64>,
    /// Until the set's rate limit or hold lets anything go.
    not_before: Option<f64>,
    paused: bool,
}

impl Probed {
    /// When (by the caller's clock) an item may next be handed out, if any is known:
    /// never while paused, never before the set's limits allow. A scheduled set's head
    /// is due at its score; any other set's is eligible now.
    pub fn item_at(&self, times: &Times, scheduled: bool) -> Option<f64> {
        if self.paused {
            return None;
        }
        let now = times.now;
        let head = self.head.map(|score| match scheduled {
            true => now + (score - times.due_now()),
            false => now,
        });
        let held = self.held_in.map(|seconds| now + seconds);
        let next = match (head, held) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.map(|at| at.max(now + self.not_before.unwrap_or(0.0)))
    }

    /// When (by the caller's clock) the earliest lease expires.
    pub fn lease_at(&self, times: &Times) -> Option<f64> {
        self.lease_in.map(|seconds| times.now + seconds)
    }
}

pub(super) type Probe = Exchange<fn(Reply) -> Result<Probed>>;

/// The probe of the set with these keys and options.
pub(super) fn probe(keys: &Keys, options: &[u8]) -> Probe {
    let decode: fn(Reply) -> Result<Probed> = decode;
    Exchange::new(
        Call::script(&WAIT_PROBE, keys.list(PROBE_KEYS), vec![options.to_vec()]),
        decode,
    )
}

/// The wait probe's reply: `[head score or nil, ms until the earliest lease or nil,
/// ms until a held group or nil, ms until the limits allow or nil, paused]`.
fn decode(reply: Reply) -> Result<Probed> {
    let decoder = Decoder { command: "EVALSHA" };
    let mut parts = decoder.parts(reply, 5, "the wait probe's reply")?;
    // Lua's false is a nil in RESP2 and a boolean in RESP3.
    let absent = |r: &Reply| matches!(r, Reply::Nil | Reply::Bool(false));
    let head = parts.next();
    let head = if absent(&head) {
        None
    } else {
        Some(decoder.score(head)?)
    };
    let seconds = |reply: Reply| -> Result<Option<f64>> {
        if absent(&reply) {
            return Ok(None);
        }
        Ok(Some(decoder.integer(reply)? as f64 / 1000.0))
    };
    Ok(Probed {
        head,
        lease_in: seconds(parts.next())?,
        held_in: seconds(parts.next())?,
        not_before: seconds(parts.next())?,
        paused: decoder.flag(parts.next())?,
    })
}
