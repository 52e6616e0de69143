//! Pause and resume: while the `flow` hash says "paused", the scripts that hand items
//! out hand out nothing (producers go on adding); `resume` writes the wake-up marker, so
//! waiting consumers wake at once rather than at their next probe.

use std::sync::LazyLock;

use crate::core::operation::{Call, Exchange, Operation};
use crate::core::protocol::{Command, Decoder, Script};
use crate::core::schema::{Keys, FLOW, RESUME_KEYS};

static RESUME: LazyLock<Script> = LazyLock::new(|| script!("flow/resume.lua"));

/// The resume script with its `KEYS` by role, for the tests of every script's header.
#[cfg(test)]
pub(crate) fn scripts() -> Vec<(&'static Script, Vec<&'static str>)> {
    vec![(&*RESUME, RESUME_KEYS.to_vec())]
}

/// `HSET flow paused 1`: from the next claim on, nothing is handed out.
pub(crate) fn pause(keys: &Keys) -> impl Operation<Output = ()> {
    let cmd = Command::new("HSET")
        .arg(keys.get(FLOW))
        .arg("paused")
        .arg("1");
    Exchange::new(Call::Command(cmd), |reply| {
        Decoder { command: "HSET" }.integer(reply).map(drop)
    })
}

/// The resume script: no longer paused, and waiting consumers woken.
pub(crate) fn resume(keys: &Keys) -> impl Operation<Output = ()> {
    let call = Call::script(&RESUME, keys.list(RESUME_KEYS), Vec::new());
    Exchange::new(call, |reply| {
        Decoder { command: "EVALSHA" }.integer(reply).map(drop)
    })
}

/// `HEXISTS flow paused`.
pub(crate) fn is_paused(keys: &Keys) -> impl Operation<Output = bool> {
    let cmd = Command::new("HEXISTS").arg(keys.get(FLOW)).arg("paused");
    Exchange::new(Call::Command(cmd), |reply| {
        Decoder { command: "HEXISTS" }.flag(reply)
    })
}
