//! The probe of a blocking wait: when something may next become eligible.

use std::sync::LazyLock;

use crate::core::operation::{Call, Exchange};
use crate::core::protocol::{Decoder, Error, Reply, Result, Script};
use crate::core::schema::{Keys, PROBE_KEYS};

/// The score of the set's head and the ms until the earliest lease deadline (server
/// clock); it also says, for a minute, that a consumer waits on the wake-up marker.
static WAIT_PROBE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("../scripts/wait/probe.lua")));

/// The probe script with its `KEYS` by role, for the tests of every script's header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    vec![(&*WAIT_PROBE, PROBE_KEYS.to_vec())]
}

/// What the probe answers: the head's score, and the seconds until the earliest lease
/// deadline (by the server's clock, so relative).
pub(super) type Probed = (Option<f64>, Option<f64>);

pub(super) type Probe = Exchange<fn(Reply) -> Result<Probed>>;

/// The probe of the set with these keys.
pub(super) fn probe(keys: &Keys) -> Probe {
    let decode: fn(Reply) -> Result<Probed> = decode;
    Exchange::new(
        Call::script(&WAIT_PROBE, keys.list(PROBE_KEYS), Vec::new()),
        decode,
    )
}

/// The wait probe's reply: `[head score or nil, ms until the earliest lease or nil]`.
fn decode(reply: Reply) -> Result<Probed> {
    let decoder = Decoder { command: "EVALSHA" };
    let parts = decoder.array(reply)?;
    let [head, lease] = <[Reply; 2]>::try_from(parts)
        .map_err(|_| Error::protocol("EVALSHA", "the wait probe's reply has the wrong length"))?;
    // Lua's false is a nil in RESP2 and a boolean in RESP3.
    let absent = |r: &Reply| matches!(r, Reply::Nil | Reply::Bool(false));
    let head = if absent(&head) {
        None
    } else {
        Some(decoder.score(head)?)
    };
    let lease_in = if absent(&lease) {
        None
    } else {
        Some(decoder.integer(lease)? as f64 / 1000.0)
    };
    Ok((head, lease_in))
}
