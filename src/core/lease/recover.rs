//! `recover()`: the expired-lease sweep on its own, repeated while a round trip filled
//! its limit.

use std::sync::LazyLock;

use super::record::Recovered;
use super::Leases;
use crate::core::operation::{Call, Exchange, Operation, Step};
use crate::core::protocol::{Arg, Decoder, Error, Reply, Result, Script};

pub(super) static RECOVER: LazyLock<Script> =
    LazyLock::new(|| script!("lease/recover.lua", &super::INCLUDES));

/// How many expired leases one round trip of `recover()` handles.
const RECOVER_PER_CALL: usize = 1000;

impl<S> Leases<S> {
    /// See [`SetCore::recover`](crate::core::SetCore::recover).
    pub fn recover(&self) -> impl Operation<Output = Recovered> {
        let keys = self.target.keys.lease();
        let args = self.args(vec![
            Arg::from(RECOVER_PER_CALL).0,
            Arg::from(self.policy.max_deliveries as usize).0,
        ]);
        Recover {
            round: sweep(keys.clone(), args.clone()),
            keys,
            args,
            total: Recovered::default(),
        }
    }
}

type Round = Exchange<fn(Reply) -> Result<Recovered>>;

/// One round of the sweep: how many went back to the set and to the dead letters.
fn sweep(keys: Vec<Vec<u8>>, args: Vec<Vec<u8>>) -> Round {
    let decode: fn(Reply) -> Result<Recovered> = |reply| {
        let numbers = Decoder { command: "EVALSHA" }.integers(reply)?;
        let [requeued, dead] = <[i64; 2]>::try_from(numbers)
            .map_err(|_| Error::protocol("EVALSHA", "recover reply of the wrong length"))?;
        Ok(Recovered {
            requeued: u64::try_from(requeued).unwrap_or(0),
            dead: u64::try_from(dead).unwrap_or(0),
        })
    };
    Exchange::new(Call::script(&RECOVER, keys, args), decode)
}

struct Recover {
    round: Round,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
    total: Recovered,
}

impl Recover {
    fn after(&mut self, step: Step<Recovered>) -> Result<Step<Recovered>> {
        let round = match step.done() {
            Ok(round) => round,
            Err(pending) => return Ok(pending),
        };
        // Saturating: the counts are the server's reply, and no reply may panic the core.
        self.total.requeued = self.total.requeued.saturating_add(round.requeued);
        self.total.dead = self.total.dead.saturating_add(round.dead);
        // A full round means more may be expired: sweep again, within the step bound.
        if round.requeued.saturating_add(round.dead) >= RECOVER_PER_CALL as u64 {
            self.round = sweep(self.keys.clone(), self.args.clone());
            return self.start();
        }
        Ok(Step::Done(self.total))
    }
}

impl Operation for Recover {
    type Output = Recovered;

    fn start(&mut self) -> Result<Step<Recovered>> {
        let step = self.round.start()?;
        self.after(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Recovered>> {
        let step = self.round.feed(reply)?;
        self.after(step)
    }

    fn repeatable(&self) -> bool {
        true
    }
}
