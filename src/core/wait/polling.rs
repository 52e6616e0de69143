//! Waiting by polling, for a connection that other commands share: sleeps between
//! tries — a scheduled set until its next item is due (one probe command), at most
//! [`SCHEDULED_CAP`]; the other kinds from [`FIRST_POLL`], doubling to [`POLL_CAP`]; a
//! flow-controlled set until the wait probe says its limits let the next item go.

use std::sync::Arc;

use super::probe::{probe, Probe};
use super::{sleep_for, Times, FIRST_POLL, POLL_CAP, SCHEDULED_CAP};
use crate::core::operation::{Operation, Pending, Step};
use crate::core::protocol::{Command, Decoder, Error, Reply, Result};
use crate::core::schema::Keys;

/// How long a probe's answer that the next item is far off is trusted: the try every
/// [`SCHEDULED_CAP`] still pops what falls due meanwhile; the probe only lets the wait
/// wake before the cap.
const PROBE_TRUSTED: f64 = 3.0;

pub(super) struct Polling {
    /// The set's key, for a scheduled set's probe of its next due score; `None` for
    /// the other kinds, whose head is always eligible.
    scheduled: Option<Vec<u8>>,
    polls: u32,
    /// A scheduled set's next due score, as the last probe saw it, and when.
    hint: Option<(f64, f64)>,
    /// A flow-controlled set's wait probe: its keys, options word and whether it is
    /// scheduled; and the probe in flight.
    flow: Option<(Arc<Keys>, Vec<u8>, bool)>,
    probing: Option<Probe>,
}

impl Polling {
    pub fn new(scheduled: Option<Vec<u8>>) -> Self {
        Polling {
            scheduled,
            polls: 0,
            hint: None,
            flow: None,
            probing: None,
        }
    }

    /// Polling a flow-controlled set: each wait asks the wait probe when the limits let
    /// the next item go.
    pub fn probing(keys: Arc<Keys>, options: Vec<u8>, scheduled: bool) -> Self {
        Polling {
            flow: Some((keys, options, scheduled)),
            ..Polling::new(None)
        }
    }

    /// A try found nothing: probe for the next due item, or sleep.
    pub fn idle(&mut self, times: &Times) -> Result<Pending> {
        if let Some((keys, options, _)) = &self.flow {
            let mut asked = probe(keys, options);
            let Step::Send(cmd) = asked.start()? else {
                return Err(Error::protocol("wait", "the probe sent nothing"));
            };
            self.probing = Some(asked);
            return Ok(Step::Send(cmd));
        }
        Ok(self.idle_unprobed(times))
    }

    fn idle_unprobed(&mut self, times: &Times) -> Pending {
        let cap = SCHEDULED_CAP.as_secs_f64();
        match (&self.scheduled, self.hint) {
            // The next item is still far off and the probe saying so is recent.
            (Some(_), Some((due, at)))
                if due - times.due_now() > cap && times.now - at < PROBE_TRUSTED =>
            {
                self.sleep(Some(due), times)
            }
            (Some(key), _) => Step::Send(
                Command::new("ZRANGE")
                    .arg(key.as_slice())
                    .arg("0")
                    .arg("0")
                    .arg("WITHSCORES"),
            ),
            (None, _) => self.sleep(None, times),
        }
    }

    /// The probe's reply: sleep until the head is due (or the limits let it go).
    pub fn feed(&mut self, reply: Reply, times: &Times) -> Result<Pending> {
        if let (Some(asked), Some((_, _, scheduled))) = (&mut self.probing, &self.flow) {
            let probed = match asked.feed(reply)?.done() {
                Ok(probed) => probed,
                Err(pending) => return Ok(pending),
            };
            self.probing = None;
            return Ok(match probed.item_at(times, *scheduled) {
                Some(at) => {
                    let wanted = (at - times.now).clamp(0.001, SCHEDULED_CAP.as_secs_f64());
                    sleep_for(wanted.min(times.left()))
                }
                None => self.sleep(None, times),
            });
        }
        let next = Decoder { command: "ZRANGE" }
            .pairs(reply)?
            .first()
            .map(|(_, score)| *score);
        self.hint = next.map(|due| (due, times.now));
        Ok(self.sleep(next, times))
    }

    /// Sleeps until the next try: until `next_due` (a scheduled set's next score), or
    /// by the polling schedule; never past the deadline.
    fn sleep(&mut self, next_due: Option<f64>, times: &Times) -> Pending {
        let wanted = match next_due {
            Some(due) => (due - times.due_now())
                .max(0.001)
                .min(SCHEDULED_CAP.as_secs_f64()),
            None if self.scheduled.is_some() => SCHEDULED_CAP.as_secs_f64(),
            None => {
                let poll = FIRST_POLL.as_secs_f64() * f64::from(1u32 << self.polls.min(10));
                self.polls += 1;
                poll.min(POLL_CAP.as_secs_f64())
            }
        };
        sleep_for(wanted.min(times.left()))
    }
}
