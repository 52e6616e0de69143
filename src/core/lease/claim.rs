//! `claim` and `ack_and_claim`: the claim script (waiting out the original's lock for a
//! scheduled set), then, if any item failed to deserialize, the script that buries
//! those in the dead letters.

use std::sync::LazyLock;
use std::time::Duration;

use super::record::{from_ms, Lease};
use super::wire::{decode_claim, duration_ms, Acks, Claimed};
use super::Leases;
use crate::core::clock::Clocked;
use crate::core::operation::{Call, Either, Exchange, Operation, Step, Then};
use crate::core::original_lock::{LockAware, TimedCall};
use crate::core::protocol::{redis_index, Arg, Decoder, Error, Reply, Result, Script};
use crate::core::serializer::Serializer;
use crate::core::target::Target;

pub(super) static CLAIM: LazyLock<Script> =
    LazyLock::new(|| script!("lease/claim.lua", &super::INCLUDES));
pub(super) static BURY: LazyLock<Script> =
    LazyLock::new(|| script!("lease/bury.lua", &super::INCLUDES));

/// How many expired leases one `claim` returns to the set before it claims.
const RECOVER_PER_CLAIM: usize = 100;

impl<S: Serializer> Leases<S> {
    /// See [`SetCore::claim`](crate::core::SetCore::claim).
    pub fn claim(
        self,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        self.claim_after(Acks::default(), count, lease, now)
    }

    /// See [`SetCore::ack_and_claim`](crate::core::SetCore::ack_and_claim).
    pub fn ack_and_claim<T>(
        self,
        done: &[Lease<T>],
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        if self.replication.is_some() && !done.is_empty() {
            // The ack waits for the replicas before anything is claimed.
            let ack = self.ack(done);
            return Either::Right(Then::new(ack, self.claim(count, lease, now)));
        }
        Either::Left(self.claim_after(Acks::of(done), count, lease, now))
    }

    fn claim_after(
        self,
        acks: Acks,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        let (clock, by_time) = (self.clock, self.target.kind.due_by_time());
        Clocked::new(clock, by_time, now, move |now| {
            self.claim_at(acks, count, lease, now)
        })
    }

    fn claim_at(
        self,
        acks: Acks,
        count: usize,
        lease: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> {
        let target = &self.target;
        let mut args = vec![
            self.options.clone(),
            Arg::from(redis_index(count)).0,
            Arg::from(duration_ms(lease)).0,
            Arg::from(self.policy.max_deliveries as usize).0,
            Arg::from(RECOVER_PER_CLAIM).0,
            target.due_by(now),
        ];
        args.extend(acks.args);
        let scheduled = target.kind.due_by_time();
        let call = TimedCall {
            script: &CLAIM,
            keys: target.keys.lease(),
            args,
            now_arg: scheduled.then_some(5),
        };
        let lock = self.lock.as_ref().filter(|_| scheduled);
        let (set, tokens) = (target.name.to_string(), acks.tokens);
        let claim = LockAware::new(target.name.clone(), call, lock, now, move |reply| {
            decode_claim(reply, &set, &tokens)
        });
        Claim {
            stage: Stage::Claiming(claim),
            bury_args: self.args(Vec::new()),
            target: self.target,
        }
    }
}

enum Stage<C, T> {
    Claiming(C),
    /// Undecodable items are being buried; then these leases are handed out.
    Burying(Exchange<fn(Reply) -> Result<u64>>, Vec<Lease<T>>),
    Finished,
}

/// The claim, then the burial of what does not deserialize.
struct Claim<C, S: Serializer> {
    stage: Stage<C, S::Item>,
    target: Target<S>,
    /// The bury script's arguments before the (member, token, reason) triples.
    bury_args: Vec<Vec<u8>>,
}

fn buried_count(reply: Reply) -> Result<u64> {
    Decoder { command: "EVALSHA" }.count(reply)
}

impl<C, S> Claim<C, S>
where
    C: Operation<Output = Vec<Claimed>>,
    S: Serializer,
{
    fn claimed(&mut self, claimed: Vec<Claimed>) -> Result<Step<Vec<Lease<S::Item>>>> {
        let mut leases = Vec::with_capacity(claimed.len());
        let mut buried = self.bury_args.clone();
        for c in claimed {
            match self.target.loads(&c.member) {
                Ok(item) => leases.push(Lease {
                    item,
                    token: c.token,
                    deliveries: c.deliveries,
                    score: c.score,
                    deadline: from_ms(c.deadline_ms),
                    member: c.member,
                }),
                Err(error) => {
                    buried.push(c.member);
                    buried.push(c.token.to_string().into_bytes());
                    buried.push(format!("undecodable: {error}").into_bytes());
                }
            }
        }
        if buried.len() == self.bury_args.len() {
            self.stage = Stage::Finished;
            return Ok(Step::Done(leases));
        }
        let decode: fn(Reply) -> Result<u64> = buried_count;
        let call = Call::script(&BURY, self.target.keys.lease(), buried);
        let mut bury = Exchange::new(call, decode);
        let step = bury.start()?;
        self.stage = Stage::Burying(bury, leases);
        match step {
            Step::Send(cmd) => Ok(Step::Send(cmd)),
            _ => Err(Error::protocol("EVALSHA", "bury sent nothing")),
        }
    }

    fn advance(&mut self, step: Result<Step<Vec<Claimed>>>) -> Result<Step<Vec<Lease<S::Item>>>> {
        match step?.done() {
            Ok(claimed) => self.claimed(claimed),
            Err(pending) => Ok(pending),
        }
    }

    fn buried(&mut self, step: Result<Step<u64>>) -> Result<Step<Vec<Lease<S::Item>>>> {
        if let Err(pending) = step?.done() {
            return Ok(pending);
        }
        match std::mem::replace(&mut self.stage, Stage::Finished) {
            Stage::Burying(_, leases) => Ok(Step::Done(leases)),
            _ => Err(Error::protocol("EVALSHA", "buried outside a claim")),
        }
    }
}

impl<C, S> Operation for Claim<C, S>
where
    C: Operation<Output = Vec<Claimed>>,
    S: Serializer,
{
    type Output = Vec<Lease<S::Item>>;

    fn start(&mut self) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            Stage::Claiming(op) => {
                let step = op.start();
                self.advance(step)
            }
            _ => Err(Error::protocol("EVALSHA", "claim started twice")),
        }
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            Stage::Claiming(op) => {
                let step = op.feed(reply);
                self.advance(step)
            }
            Stage::Burying(op, _) => {
                let step = op.feed(reply);
                self.buried(step)
            }
            Stage::Finished => Err(Error::protocol(
                "EVALSHA",
                "reply fed to a finished operation",
            )),
        }
    }

    fn resume(&mut self, now: f64) -> Result<Step<Self::Output>> {
        match &mut self.stage {
            Stage::Claiming(op) => {
                let step = op.resume(now);
                self.advance(step)
            }
            _ => Err(Error::protocol("EVALSHA", "resumed without having slept")),
        }
    }

    /// A claim whose reply was lost leaves leases nobody holds: they expire and come
    /// back, so claiming again loses nothing. Burying again finds nothing twice.
    fn repeatable(&self) -> bool {
        true
    }
}
