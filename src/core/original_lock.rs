//! Living beside the original Python redset: the lock its `ScheduledSet` pops under.
//!
//! The original pops from a scheduled set in three commands under a client-side lock
//! (the key `name + "__lock"`, holding an expiry timestamp): a `ZRANGEBYSCORE`, a
//! separate `ZREM`, then `DEL` of the lock; it returns what it read whether or not its
//! `ZREM` removed anything. A pop that runs between its read and its remove would hand
//! out the same items twice. So redset's scheduled pop (and claim) checks that lock
//! inside its script, atomically: while it holds an expiry that has not passed, nothing
//! is taken and the operation sleeps a short, jittered, growing while and tries again,
//! for at most the lock timeout. redset never takes the lock itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::backoff::Backoff;
use super::operation::{Call, Exchange, Operation, Pending, Step};
use super::protocol::{parse_f64, Arg, Error, Reply, Result, Script};

/// How long a scheduled pop waits for the original's lock before giving up with
/// [`Error::LockTimeout`]: the original's own default `lock_timeout`.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The most times one pop sleeps on the lock, whatever the timeout, so that every
/// operation stays within [`MAX_STEPS`](super::MAX_STEPS).
const MAX_LOCK_WAITS: u32 = 1000;

/// Whether and how long a scheduled set's pops wait for the original's lock.
#[derive(Debug, Clone)]
pub(crate) struct OriginalLock {
    pub key: Vec<u8>,
    pub timeout: Duration,
    /// Set once a server answered `CROSSSLOT`: on Redis Cluster the lock key lives in
    /// another slot (and the original, which has no Cluster support, cannot be there),
    /// so this set's pops (all its clones share it) go on without it.
    pub cross_slot: Arc<AtomicBool>,
}

impl OriginalLock {
    pub fn new(key: Vec<u8>, timeout: Duration) -> Self {
        OriginalLock {
            key,
            timeout,
            cross_slot: Arc::default(),
        }
    }

    /// The lock, unless a cluster said its key is in another slot.
    pub fn usable(lock: Option<&OriginalLock>) -> Option<&OriginalLock> {
        lock.filter(|lock| !lock.cross_slot.load(Ordering::Relaxed))
    }
}

/// A script call whose argument `args[now_arg]`, if any, is "now", renewed on every
/// call.
pub(crate) struct TimedCall {
    pub script: &'static Script,
    pub keys: Vec<Vec<u8>>,
    pub args: Vec<Vec<u8>>,
    pub now_arg: Option<usize>,
}

impl TimedCall {
    /// "Now" as `args[now_arg]` carries it.
    pub fn time_arg(now: f64) -> Vec<u8> {
        Arg::from(now).0
    }
}

/// The request in flight: its raw reply is what [`LockAware`] reads.
type Raw = Exchange<fn(Reply) -> Result<Reply>>;

/// A script call that honours the original's lock: the scheduled pop or take, the lease
/// claim for a scheduled set. While the script answers that the lock is held (with its
/// expiry, a bulk string), it sleeps and calls it again with the clock's new time in
/// its `now` argument.
pub(crate) struct LockAware<F> {
    locking: Locking,
    decode: Option<F>,
    /// A claim may be sent again; a pop may not.
    repeatable: bool,
}

/// A [`LockAware`] call but the decoder of its reply: one type whatever the decoder, so
/// that every such call shares this code (issue 20's size target).
struct Locking {
    set: Arc<str>,
    call: TimedCall,
    /// The lock's key, when it is honoured (also the last of the call's keys).
    lock: Option<Vec<u8>>,
    /// Where to say that the lock key is in another slot.
    cross_slot: Option<Arc<AtomicBool>>,
    lock_timeout: Duration,
    started: f64,
    now: f64,
    waits: u32,
    waited: Duration,
    request: Raw,
}

/// The script's own reply, or a step of the lock's (a sleep, a command).
type Answer = Result<std::result::Result<Reply, Pending>>;

impl<F> LockAware<F> {
    /// The lock's key, when given, is passed as the script's last key.
    pub fn new(
        set: Arc<str>,
        mut call: TimedCall,
        lock: Option<&OriginalLock>,
        now: f64,
        decode: F,
    ) -> Self {
        let lock = OriginalLock::usable(lock);
        call.keys.extend(lock.map(|lock| lock.key.clone()));
        let mut locking = Locking {
            set,
            call,
            lock: lock.map(|lock| lock.key.clone()),
            cross_slot: lock.map(|lock| lock.cross_slot.clone()),
            lock_timeout: lock.map_or(Duration::ZERO, |lock| lock.timeout),
            started: now,
            now,
            waits: 0,
            waited: Duration::ZERO,
            request: Exchange::new(Call::Known(Reply::Nil), Ok as fn(Reply) -> Result<Reply>),
        };
        locking.request = locking.request_at(now);
        LockAware {
            locking,
            decode: Some(decode),
            repeatable: true,
        }
    }

    /// The same, for a call that must not be sent twice (a pop).
    pub fn once(mut self) -> Self {
        self.repeatable = false;
        self
    }
}

impl Locking {
    fn request_at(&mut self, now: f64) -> Raw {
        let TimedCall {
            script,
            keys,
            args,
            now_arg,
        } = &mut self.call;
        if let Some(arg) = now_arg.and_then(|i| args.get_mut(i)) {
            *arg = TimedCall::time_arg(now);
        }
        let raw: fn(Reply) -> Result<Reply> = Ok;
        Exchange::new(Call::script(script, keys.clone(), args.clone()), raw)
    }

    /// The lock is held until `expiry`: sleep, or give up when the timeout is spent.
    fn wait_for_lock(&mut self, expiry: &[u8]) -> Result<Duration> {
        let expiry: f64 = std::str::from_utf8(expiry)
            .ok()
            .and_then(|text| parse_f64(text.trim().as_bytes()))
            .ok_or_else(|| {
                Error::protocol(self.request.name(), "the lock's expiry is not a number")
            })?;
        // The clock may step back; the sleeps taken are a lower bound of the time spent.
        let spent = Duration::try_from_secs_f64(self.now - self.started)
            .unwrap_or_default()
            .max(self.waited);
        let left = self.lock_timeout.saturating_sub(spent);
        if left.is_zero() || self.waits >= MAX_LOCK_WAITS {
            return Err(Error::LockTimeout {
                set: self.set.to_string(),
                lock: String::from_utf8_lossy(self.lock.as_deref().unwrap_or_default())
                    .into_owned(),
                waited: spent,
            });
        }
        // Never past the moment the lock expires by the original's rule, nor past the
        // timeout: then one last try.
        let until_expiry =
            Duration::try_from_secs_f64(expiry + 0.011 - self.now).unwrap_or_default();
        let sleep = backoff(self.waits, self.now)
            .min(until_expiry.max(Duration::from_millis(1)))
            .min(left);
        self.waits += 1;
        self.waited += sleep;
        Ok(sleep)
    }

    /// The request's step read for the lock: a sleep while the lock is held, the call
    /// again without the lock key if a cluster refuses it, else the script's own reply.
    fn answered(&mut self, mut step: Step<Reply>) -> Answer {
        loop {
            let reply = match step.done() {
                Ok(reply) => reply,
                Err(pending) => return Ok(Err(pending)),
            };
            match reply {
                // The script answers a held lock with its expiry, a bulk string.
                Reply::Bulk(expiry) if self.lock.is_some() => {
                    return Ok(Err(Step::Sleep(self.wait_for_lock(&expiry)?)))
                }
                Reply::Status(expiry) if self.lock.is_some() => {
                    return Ok(Err(Step::Sleep(self.wait_for_lock(expiry.as_bytes())?)))
                }
                // A cluster refused the lock key, in another slot, before running
                // anything: the same call without it, and no more for this set.
                Reply::Error { code, .. } if code == "CROSSSLOT" && self.lock.is_some() => {
                    self.lock = None;
                    self.call.keys.pop();
                    if let Some(flag) = &self.cross_slot {
                        flag.store(true, Ordering::Relaxed);
                    }
                    self.request = self.request_at(self.now);
                    step = self.request.start()?;
                }
                reply => return Ok(Ok(reply)),
            }
        }
    }

    fn start(&mut self) -> Answer {
        let step = self.request.start()?;
        self.answered(step)
    }

    fn feed(&mut self, reply: Reply) -> Answer {
        let step = self.request.feed(reply)?;
        self.answered(step)
    }

    fn resume(&mut self, now: f64) -> Answer {
        if self.waits == 0 {
            return Err(Error::protocol("EVALSHA", "resumed without having slept"));
        }
        self.now = now;
        self.request = self.request_at(now);
        self.start()
    }
}

/// The sleeps between tries while the lock is held: 1 ms doubling to 32 ms, jittered in
/// the upper half so that waiting consumers spread out.
const LOCK_BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(1),
    cap: Duration::from_millis(32),
};

/// The sleep before the `attempt`-th retry (from 0). The core has no random source; the
/// clock's sub-microsecond digits are a fine seed for jitter.
fn backoff(attempt: u32, now: f64) -> Duration {
    LOCK_BACKOFF.delay(attempt + 1, now.to_bits() ^ u64::from(attempt))
}

impl<T, F: FnOnce(Reply) -> Result<T>> LockAware<F> {
    /// The script's own reply decoded; a step of the lock's passed on.
    fn answered(&mut self, answer: Answer) -> Result<Step<T>> {
        let reply = match answer? {
            Ok(reply) => reply,
            Err(pending) => return Ok(pending.widen()),
        };
        let decode = self.decode.take().ok_or_else(|| {
            Error::protocol(
                self.locking.request.name(),
                "reply fed to a finished operation",
            )
        })?;
        decode(reply).map(Step::Done)
    }
}

impl<T, F: FnOnce(Reply) -> Result<T>> Operation for LockAware<F> {
    type Output = T;

    fn start(&mut self) -> Result<Step<T>> {
        let answer = self.locking.start();
        self.answered(answer)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<T>> {
        let answer = self.locking.feed(reply);
        self.answered(answer)
    }

    fn repeatable(&self) -> bool {
        self.repeatable
    }

    fn resume(&mut self, now: f64) -> Result<Step<T>> {
        let answer = self.locking.resume(now);
        self.answered(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap_with_jitter_in_the_upper_half() {
        for attempt in 0..12 {
            let ceiling = Duration::from_micros(1000 << attempt.min(5));
            for now in [0.0, 1.5, 1_700_000_000.123_456, 1_700_000_000.123_457] {
                let sleep = backoff(attempt, now);
                assert!(sleep >= ceiling / 2 && sleep <= ceiling, "{attempt} {now}");
            }
        }
        assert_ne!(
            backoff(3, 1_700_000_000.123_456),
            backoff(3, 1_700_000_000.123_457)
        );
    }
}
