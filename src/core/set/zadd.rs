//! `add` without the add script, for a set whose adds need nothing but the `ZADD` (no
//! deduplication window, no counting, no groups): the `ZADD` pipelined with a check of
//! whether a consumer waits, and the wake-up marker written only when one does.
//!
//! No wake-up is lost. A waiting consumer's probe script sets `{name}:waiting` (for a
//! minute; it probes again within half of it) and reads the set's head in one atomic
//! step, then blocks on the marker. This `ZADD` comes either before that probe, which
//! then sees the item, or after it; then the `EXISTS` pipelined behind the `ZADD` runs
//! later still and sees the flag, and the marker is written. The marker persists until
//! a consumer's blocking pop takes it, so a block that starts after it returns at once
//! and one under way returns when it is written. What changes against the script: the
//! marker is written on every add while a consumer waits, not only when the head
//! changed; a consumer woken for an item it cannot take yet probes and blocks again.

use std::sync::Arc;

use super::SetCore;
use crate::core::operation::{Operation, Step};
use crate::core::protocol::{Arg, Command, Decoder, Error, Reply, Result};
use crate::core::schema::{Keys, SET, WAITING, WAKE};
use crate::core::serializer::Serializer;

/// How long the marker lasts unread, in ms: as long as the add script's.
const MARKER_TTL_MS: &str = "60000";

/// `ZADD` and the check in one round trip, then the marker if a consumer waits.
pub(super) struct WakingZadd {
    score: f64,
    keys: Arc<Keys>,
    phase: Phase,
}

enum Phase {
    /// `ZADD key score member`, `EXISTS {key}:waiting`.
    Start([Command; 2]),
    Added,
    /// The marker's `ZADD` and `PEXPIRE` are under way.
    Woken,
    Done,
}

impl WakingZadd {
    fn decoder() -> Decoder<'static> {
        Decoder { command: "ZADD" }
    }

    /// The replies of a pipeline of two commands.
    fn pair(reply: Reply) -> Result<[Reply; 2]> {
        let replies = Self::decoder().array(reply)?;
        <[Reply; 2]>::try_from(replies)
            .map_err(|got| Error::protocol("ZADD", format!("{} replies to 2 commands", got.len())))
    }
}

impl Operation for WakingZadd {
    type Output = f64;

    fn start(&mut self) -> Result<Step<f64>> {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start(add) => {
                self.phase = Phase::Added;
                Ok(Step::Pipeline(add.into()))
            }
            _ => Err(Error::protocol("ZADD", "started twice")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<f64>> {
        let [first, second] = Self::pair(reply)?;
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Added => {
                Self::decoder().integer(first)?;
                let waiting = Decoder { command: "EXISTS" }.flag(second)?;
                if !waiting {
                    return Ok(Step::Done(self.score));
                }
                self.phase = Phase::Woken;
                let wake = self.keys.get(WAKE);
                let marker = Command::new("ZADD").arg(wake).arg("0").arg("w");
                let expiry = Command::new("PEXPIRE").arg(wake).arg(MARKER_TTL_MS);
                Ok(Step::Pipeline(vec![marker, expiry]))
            }
            Phase::Woken => {
                Decoder { command: "ZADD" }.ok(first)?;
                Decoder { command: "PEXPIRE" }.ok(second)?;
                Ok(Step::Done(self.score))
            }
            _ => Err(Error::protocol("ZADD", "reply fed to a finished operation")),
        }
    }

    /// `ZADD` of a member at a score, and the marker: the same again changes nothing.
    fn repeatable(&self) -> bool {
        true
    }
}

impl<S: Serializer> SetCore<S> {
    /// Whether `add` can go without the add script: nothing but the `ZADD` is needed
    /// (no deduplication window, no counting, no groups).
    pub(super) fn adds_without_script(&self) -> bool {
        self.dedup.is_none() && !self.metrics && self.flow.groups.is_none()
    }

    /// The `add` of `member` at `score` as a [`WakingZadd`].
    pub(super) fn waking_zadd(&self, member: Vec<u8>, score: f64) -> WakingZadd {
        let keys = &self.target.keys;
        let zadd = Command::new("ZADD")
            .arg(keys.get(SET))
            .arg(score)
            .arg(Arg(member));
        let check = Command::new("EXISTS").arg(keys.get(WAITING));
        WakingZadd {
            score,
            keys: keys.clone(),
            phase: Phase::Start([zadd, check]),
        }
    }
}
