//! Waiting in Redis, for a connection of the wait's own: `BZPOPMIN` / `BZMPOP` on the
//! set itself (a priority or FIFO set's pop or take), or on the set's wake-up marker
//! (a scheduled set, a flow-controlled set, and every claim) until the next item may be
//! handed out or the next lease expires, as a probe script saw them.

use super::probe::{probe, Probe};
use super::{sleep_for, Times, BLOCK_CAP};
use crate::core::operation::{Operation, Pending, Step};
use crate::core::protocol::{redis_index, Command, Decoder, Error, Reply, Result};
use crate::core::schema::{Keys, WAKE};

/// How often a blocking wait probes at least, renewing the "someone waits" key, in
/// seconds.
const PROBE_EVERY: f64 = 30.0;
/// The shortest block: a timeout of 0 would block for ever.
const BLOCK_FLOOR: f64 = 0.002;
/// How late a server may time out a blocked command (its clock tick at the default
/// `hz` of 10), in seconds: a wait sleeps the last stretch before it must act instead.
const BLOCK_SLACK: f64 = 0.1;

/// What a blocking wait blocks on.
pub(super) enum BlockOn {
    /// `BZPOPMIN` on the set itself (`BZMPOP` for a take of more than one): what it
    /// pops is the result (the wait's decoder makes the members its output).
    Set { count: usize },
    /// `BZPOPMIN` on the wake-up marker, then try again; `claims` also wakes for the
    /// leases' deadlines.
    Marker { claims: bool },
}

/// What a block on the set popped (its members), or the wait's next step.
pub(super) type Popped = std::result::Result<Vec<Vec<u8>>, Pending>;

/// When something may next become eligible, as the probe saw it.
#[derive(Debug, Clone, Copy)]
struct Next {
    /// When the probe saw it (by the caller's clock).
    at: f64,
    /// When an item may next be handed out (by the caller's clock), if any is known.
    item: Option<f64>,
    /// When the earliest lease expires (by the caller's clock), if any.
    lease: Option<f64>,
}

enum Phase {
    Idle,
    /// The probe script is in flight.
    Probing(Probe),
    /// A blocking command (this one) is in flight.
    Blocked(&'static str),
}

/// One type whatever the wait's output: its steps are [`Pending`], and what a block on
/// the set pops goes back to the wait as members, so the wasm module has this code
/// once (issue 20's size target).
pub(super) struct Blocking {
    keys: std::sync::Arc<Keys>,
    /// The set's options word, for the probe.
    options: Vec<u8>,
    on: BlockOn,
    /// Only a scheduled set's head has a time; any other set's head is eligible now.
    scheduled: bool,
    phase: Phase,
    /// What the last probe saw; `None` once a wake-up may have changed it.
    next: Option<Next>,
    /// A block on the set itself timed out: block again rather than try (it just saw
    /// the set empty), unless the deadline has come.
    reblock: bool,
    /// Tries in a row that should have found something and did not.
    quick: u32,
}

impl Blocking {
    pub fn new(keys: std::sync::Arc<Keys>, options: Vec<u8>, on: BlockOn, scheduled: bool) -> Self {
        Blocking {
            keys,
            options,
            on,
            scheduled,
            phase: Phase::Idle,
            next: None,
            reblock: false,
            quick: 0,
        }
    }

    /// Whether, after the time, the wait should block again rather than try.
    pub fn reblocks(&mut self) -> bool {
        std::mem::take(&mut self.reblock)
    }

    /// A try found nothing: block, or first probe when what it knew of the next due
    /// item and lease may be stale. `fresh`: the probe has just answered, so it is not
    /// asked again before a try.
    pub fn idle(&mut self, times: &Times, fresh: bool) -> Result<Pending> {
        let now = times.now;
        // Seconds until the wait must act: its deadline, the next item, the next lease
        // deadline.
        let mut until = times.left();
        if let BlockOn::Marker { claims } = self.on {
            // What the probe saw has passed, or a wake-up said it changed, or it is
            // time to say again that a consumer waits: ask again.
            let stale = self.next.is_none_or(|next| {
                next.item.is_some_and(|at| at <= now)
                    || (claims && next.lease.is_some_and(|at| at <= now))
                    || now - next.at > PROBE_EVERY
            });
            if stale && !fresh {
                let mut probe = probe(&self.keys, &self.options);
                let Step::Send(cmd) = probe.start()? else {
                    return Err(Error::protocol("wait", "the probe sent nothing"));
                };
                self.phase = Phase::Probing(probe);
                return Ok(Step::Send(cmd));
            }
            if let Some(next) = self.next {
                if let Some(at) = next.item {
                    until = until.min(at - now);
                }
                if let (true, Some(at)) = (claims, next.lease) {
                    until = until.min(at - now);
                }
            }
        }
        self.phase = Phase::Idle;
        // A server times blocked commands out on its clock tick (`hz`: 100 ms by
        // default), so the last stretch before a time to act is slept on the caller's
        // clock, exactly.
        if until <= BLOCK_SLACK {
            // Something should be eligible now, yet the last try found nothing (another
            // consumer was quicker, or the original's lock): try again at once, then
            // after 1 ms, doubling to 64 ms, rather than spin.
            let mut sleep = until.max(0.0);
            if until <= 0.0 {
                if self.quick > 0 {
                    sleep = 0.001 * f64::from(1u32 << (self.quick - 1).min(6));
                }
                self.quick += 1;
            }
            return Ok(sleep_for(sleep));
        }
        self.quick = 0;
        let seconds = block_seconds((until - BLOCK_SLACK).min(BLOCK_CAP.as_secs_f64()));
        let set = self.keys.get(crate::core::schema::SET);
        let cmd = match self.on {
            // BZMPOP timeout numkeys key MIN COUNT n: up to n at once (Redis 7.0).
            BlockOn::Set { count, .. } if count > 1 => Command::new("BZMPOP")
                .arg(seconds.as_str())
                .arg("1")
                .arg(set)
                .arg("MIN")
                .arg("COUNT")
                .arg(redis_index(count)),
            BlockOn::Set { .. } => Command::new("BZPOPMIN").arg(set).arg(seconds.as_str()),
            BlockOn::Marker { .. } => Command::new("BZPOPMIN")
                .arg(self.keys.get(WAKE))
                .arg(seconds.as_str()),
        };
        self.phase = Phase::Blocked(if cmd.name() == "BZMPOP" {
            "BZMPOP"
        } else {
            "BZPOPMIN"
        });
        Ok(Step::Send(cmd))
    }

    /// The reply to the probe or to the blocking command: the members a block on the
    /// set popped, or the wait's next step.
    pub fn feed(&mut self, reply: Reply, times: &Times) -> Result<Popped> {
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Probing(mut probe) => match probe.feed(reply)? {
                Step::Done(probed) => {
                    self.next = Some(Next {
                        at: times.now,
                        item: probed.item_at(times, self.scheduled),
                        lease: probed.lease_at(times),
                    });
                    self.idle(times, true).map(Err)
                }
                Step::Send(cmd) => {
                    self.phase = Phase::Probing(probe);
                    Ok(Err(Step::Send(cmd)))
                }
                _ => Err(Error::protocol("wait", "the probe asked for the time")),
            },
            Phase::Blocked(command) => self.unblocked(command, reply),
            Phase::Idle => Err(Error::protocol("wait", "a reply while sleeping")),
        }
    }

    /// The reply to `BZPOPMIN` / `BZMPOP`: items (blocking on the set), a wake-up, or
    /// nothing by the timeout; then the time, to try again.
    fn unblocked(&mut self, command: &'static str, reply: Reply) -> Result<Popped> {
        let decoder = Decoder { command };
        let popped = match decoder.ok(reply)? {
            Reply::Nil | Reply::Bool(false) => None,
            Reply::Array(parts) if parts.is_empty() => None,
            // BZPOPMIN: [key, member, score].
            Reply::Array(parts) if parts.len() == 3 => {
                let member = parts.into_iter().nth(1).unwrap_or(Reply::Nil);
                Some(vec![decoder.member(member)?])
            }
            // BZMPOP: [key, member/score pairs].
            Reply::Array(parts) if parts.len() == 2 => {
                let pairs = parts.into_iter().nth(1).unwrap_or(Reply::Nil);
                Some(Decoder { command: "BZMPOP" }.pair_members(pairs)?)
            }
            other => {
                return Err(Error::protocol(
                    "BZPOPMIN",
                    format!("expected nil or what was popped, got {}", other.kind()),
                ))
            }
        };
        match (&self.on, popped) {
            (BlockOn::Set { .. }, Some(members)) => return Ok(Ok(members)),
            // A wake-up: what the probe saw may have changed.
            (BlockOn::Marker { .. }, Some(_)) => self.next = None,
            (BlockOn::Set { .. }, None) => self.reblock = true,
            (BlockOn::Marker { .. }, None) => {}
        }
        Ok(Err(Step::Now))
    }

    /// A probe is a read; a blocking pop on the set is not repeatable (it removes an
    /// item), one on the wake-up marker is.
    pub fn repeatable(&self) -> bool {
        !matches!(
            (&self.phase, &self.on),
            (Phase::Blocked(_), BlockOn::Set { .. })
        )
    }
}

/// A blocking command's timeout in seconds: never 0, which would block for ever.
fn block_seconds(seconds: f64) -> String {
    format!("{:.3}", seconds.max(BLOCK_FLOOR))
}
