//! `add` without the add script, for a set whose adds need nothing but the `ZADD` (no
//! deduplication window, no groups) and maybe counting: the `ZADD` pipelined with a
//! check of whether a consumer waits — or, for a set that counts, the same in the small
//! add_counted script, which also counts a new member — and the wake-up marker written
//! only when a consumer waits.
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

use std::sync::{Arc, LazyLock};

use super::SetCore;
use crate::core::clock::Clock;
use crate::core::operation::{Call, Either, Exchange, Operation, Step};
use crate::core::protocol::{Arg, Command, Decoder, Error, Reply, Result, Script};
use crate::core::schema::{Keys, ADD_COUNTED_KEYS, SET, WAITING, WAKE};
use crate::core::serializer::{Dumps, Serializer};

/// `ZADD` of one member that counts it when it is new, and whether a consumer waits:
/// the add of a set that counts and needs nothing else of the add script.
pub static ADD_COUNTED: LazyLock<Script> = LazyLock::new(|| script!("set/add_counted.lua"));

/// How long the marker lasts unread, in ms: as long as the add script's.
const MARKER_TTL_MS: &str = "60000";

/// The replies of `ZADD` and of the check (two, as a pipeline or the add_counted
/// script gives them): whether a consumer waits.
fn waiting(reply: Reply, command: &'static str) -> Result<bool> {
    let [added, waiting] = pair(reply, command)?;
    Decoder { command }.integer(added)?;
    Decoder { command }.flag(waiting)
}

/// The two replies of an array of two.
fn pair(reply: Reply, command: &'static str) -> Result<[Reply; 2]> {
    let replies = Decoder { command }.array(reply)?;
    <[Reply; 2]>::try_from(replies)
        .map_err(|got| Error::protocol(command, format!("{} replies to 2 commands", got.len())))
}

/// `ZADD key score member` pipelined with `EXISTS {key}:waiting`: whether a consumer
/// waits.
pub(super) struct ZaddAndCheck(Option<[Command; 2]>);

impl Operation for ZaddAndCheck {
    type Output = bool;

    fn start(&mut self) -> Result<Step<bool>> {
        let commands = self.0.take();
        commands
            .map(|commands| Step::Pipeline(commands.into()))
            .ok_or_else(|| Error::protocol("ZADD", "started twice"))
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<bool>> {
        waiting(reply, "ZADD").map(Step::Done)
    }

    fn repeatable(&self) -> bool {
        true
    }
}

/// The `ZADD` and the check (`F`: [`ZaddAndCheck`], or the add_counted script), then
/// the marker if a consumer waits.
pub(super) struct WakingZadd<F> {
    score: f64,
    keys: Arc<Keys>,
    first: F,
    phase: Phase,
}

enum Phase {
    /// The `ZADD` and the check are under way.
    Adding,
    /// The marker's `ZADD` and `PEXPIRE` are under way.
    Woken,
    Done,
}

impl<F: Operation<Output = bool>> WakingZadd<F> {
    /// After a step of the first round trip: the marker if a consumer waits.
    fn added(&mut self, step: Result<Step<bool>>) -> Result<Step<f64>> {
        match step?.done() {
            Err(pending) => Ok(pending),
            Ok(false) => {
                self.phase = Phase::Done;
                Ok(Step::Done(self.score))
            }
            Ok(true) => {
                self.phase = Phase::Woken;
                let wake = self.keys.get(WAKE);
                let marker = Command::new("ZADD").arg(wake).arg("0").arg("w");
                let expiry = Command::new("PEXPIRE").arg(wake).arg(MARKER_TTL_MS);
                Ok(Step::Pipeline(vec![marker, expiry]))
            }
        }
    }
}

impl<F: Operation<Output = bool>> Operation for WakingZadd<F> {
    type Output = f64;

    fn start(&mut self) -> Result<Step<f64>> {
        let step = self.first.start();
        self.added(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<f64>> {
        match self.phase {
            Phase::Adding => {
                let step = self.first.feed(reply);
                self.added(step)
            }
            Phase::Woken => {
                let [marker, expiry] = pair(reply, "ZADD")?;
                Decoder { command: "ZADD" }.ok(marker)?;
                Decoder { command: "PEXPIRE" }.ok(expiry)?;
                self.phase = Phase::Done;
                Ok(Step::Done(self.score))
            }
            Phase::Done => Err(Error::protocol("ZADD", "reply fed to a finished operation")),
        }
    }

    /// `ZADD` of a member at a score, and the marker: the same again changes nothing (a
    /// counted add counts a member once, when it is new).
    fn repeatable(&self) -> bool {
        true
    }
}

impl<S: Serializer> SetCore<S> {
    /// Whether `add` can go without the add script: nothing but the `ZADD` (and, for a
    /// set that counts, its count) is needed: no deduplication window, no groups.
    pub(super) fn adds_without_script(&self) -> bool {
        self.dedup.is_none() && self.flow.groups.is_none()
    }

    /// The `add` of `member` at `score` as a [`WakingZadd`].
    pub(super) fn waking_zadd(
        &self,
        member: Vec<u8>,
        score: f64,
    ) -> WakingZadd<impl Operation<Output = bool>> {
        let keys = &self.target.keys;
        let first = if self.metrics {
            let args = vec![Arg::from(score).0, member];
            let call = Call::script(&ADD_COUNTED, keys.list(ADD_COUNTED_KEYS), args);
            Either::Right(Exchange::new(call, |reply| waiting(reply, "EVALSHA")))
        } else {
            let commands = [self.zadd_command(member, score), self.prepared_add_check()];
            Either::Left(ZaddAndCheck(Some(commands)))
        };
        WakingZadd {
            score,
            keys: keys.clone(),
            first,
            phase: Phase::Adding,
        }
    }
}

/// An `add` that is its `ZADD` and the check alone, prepared for a driver to send
/// without stepping an operation (see [`SetCore::prepared_add`]).
///
/// ```
/// use redset::core::{Kind, SetCore};
/// let fifo = SetCore::new("jobs", Kind::TimeSorted, redset::Utf8);
/// let add = fifo.prepared_add("job-1", None, 1700.5).unwrap().unwrap();
/// assert_eq!(add.score, 1700.5); // the clock's time, as the add's result
/// assert_eq!(format!("{:?}", add.zadd), r#"["ZADD", "jobs", "1700.5", "job-1"]"#);
/// ```
#[derive(Debug)]
pub struct PreparedAdd {
    /// The `ZADD`, sent with [`SetCore::prepared_add_check`] in one round trip.
    pub zadd: Command,
    /// The score the item is added at: the add's result.
    pub score: f64,
}

impl<S: Serializer> SetCore<S> {
    /// `ZADD key score member`.
    fn zadd_command(&self, member: Vec<u8>, score: f64) -> Command {
        Command::new("ZADD")
            .arg(self.target.keys.get(SET))
            .arg(score)
            .arg(Arg(member))
    }

    /// The `ZADD` of `add(item, score)` at `now`, where the add is that command and the
    /// check alone ([`prepared_add_check`](Self::prepared_add_check), sent with it in one
    /// round trip); `None` where the add must run as an operation: a deduplication
    /// window, groups, counting, replicas to wait for, or a score from the server's
    /// clock. Serializer errors and NaN scores fail here, as the operation's do.
    ///
    /// ```
    /// use redset::core::{Kind, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let add = set.prepared_add("job-1", Some(2.5), 0.0).unwrap().unwrap();
    /// assert_eq!(format!("{:?}", add.zadd), r#"["ZADD", "jobs", "2.5", "job-1"]"#);
    /// assert_eq!(format!("{:?}", set.prepared_add_check()), r#"["EXISTS", "{jobs}:waiting"]"#);
    /// let nobody_waits = Reply::Array(vec![Reply::Int(1), Reply::Int(0)]);
    /// assert_eq!(set.prepared_added(nobody_waits).unwrap(), None);
    /// assert!(set.clone().with_metrics(true).prepared_add("job-1", None, 0.0).unwrap().is_none());
    /// ```
    pub fn prepared_add<Q: ?Sized>(
        &self,
        item: &Q,
        score: Option<f64>,
        now: f64,
    ) -> Result<Option<PreparedAdd>>
    where
        S: Dumps<Q>,
    {
        if !self.prepares_add(score) {
            return Ok(None);
        }
        let score = self.resolve_score(item, score, now)?;
        let zadd = self.zadd_command(self.member(item)?, score);
        Ok(Some(PreparedAdd { zadd, score }))
    }

    /// Whether an add at `score` (`None`: the set's own) is its `ZADD` and the check
    /// alone (see [`prepared_add`](Self::prepared_add)).
    fn prepares_add(&self, score: Option<f64>) -> bool {
        let server_time = self.clock == Clock::Server && self.score_is_now(score);
        self.adds_without_script() && !self.metrics && self.replication.is_none() && !server_time
    }

    /// Where a prepared add's `ZADD` carries the score and the member: `ZADD key score
    /// member`. A driver that knows an item's member without the core (a set of
    /// strings, whose member is an item's UTF-8) may keep the command and put each
    /// call's member there, and its [`prepared_add_score`](Self::prepared_add_score) as
    /// [`prepared_score`](Self::prepared_score) writes it.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let (score_at, member_at) = SetCore::<redset::Utf8>::PREPARED_ADD_AT;
    /// let mut kept = set.prepared_add("a", Some(1.0), 0.0).unwrap().unwrap().zadd.into_args();
    /// let score = set.prepared_add_score(Some(2.5), 0.0).unwrap().unwrap();
    /// kept[score_at] = set.prepared_score(score);
    /// kept[member_at] = b"b".to_vec();
    /// assert_eq!(kept, set.prepared_add("b", Some(2.5), 0.0).unwrap().unwrap().zadd.into_args());
    /// ```
    pub const PREPARED_ADD_AT: (usize, usize) = (2, 3);

    /// The score a prepared add at `score` (`None`: the set's own) adds at, where it
    /// does not hang on the item: `None` where the add must run as an operation, or
    /// where the set's scorer scores the item (see [`prepared_add`](Self::prepared_add)).
    /// A NaN score fails here, as the operation's does.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let fifo = SetCore::new("jobs", Kind::TimeSorted, redset::Utf8);
    /// assert_eq!(fifo.prepared_add_score(None, 1700.5).unwrap(), Some(1700.5));
    /// assert_eq!(fifo.prepared_add_score(Some(2.0), 1700.5).unwrap(), Some(2.0));
    /// assert!(fifo.prepared_add_score(Some(f64::NAN), 0.0).is_err());
    /// let scored = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_scorer(std::sync::Arc::new(|item: &String| item.len() as f64));
    /// assert_eq!(scored.prepared_add_score(None, 0.0).unwrap(), None);
    /// assert_eq!(scored.prepared_add_score(Some(3.0), 0.0).unwrap(), Some(3.0));
    /// ```
    pub fn prepared_add_score(&self, score: Option<f64>, now: f64) -> Result<Option<f64>> {
        if !self.prepares_add(score) || self.item_scorer(score).is_some() {
            return Ok(None);
        }
        self.checked_score(self.score_not_by_item(score, now))
            .map(Some)
    }

    /// The check a prepared add's `ZADD` goes with: `EXISTS {key}:waiting`, the same on
    /// every call on this set (a driver keeps it).
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let check = set.prepared_add_check();
    /// assert_eq!(format!("{check:?}"), r#"["EXISTS", "{jobs}:waiting"]"#);
    /// ```
    pub fn prepared_add_check(&self) -> Command {
        Command::new("EXISTS").arg(self.target.keys.get(WAITING))
    }

    /// What the replies to a prepared add's `ZADD` and check (an array of the two) come
    /// to: `None` when the add is done (no consumer waits); else replies for the driver
    /// to feed to `add` of the item at the prepared score, as the answer to its first
    /// step (the same two commands), so that it writes the wake-up marker. The add's
    /// own errors otherwise.
    ///
    /// ```
    /// use redset::core::{Kind, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let waits = Reply::Array(vec![Reply::Int(0), Reply::Int(1)]);
    /// assert!(set.prepared_added(waits).unwrap().is_some());
    /// assert!(set.prepared_added(Reply::Array(vec![Reply::error("WRONGTYPE no"), Reply::Int(0)])).is_err());
    /// ```
    pub fn prepared_added(&self, reply: Reply) -> Result<Option<Reply>> {
        if !waiting(reply, "ZADD")? {
            return Ok(None);
        }
        // What the operation reads of them: a `ZADD` that went through, and the flag.
        Ok(Some(Reply::Array(vec![Reply::Int(0), Reply::Int(1)])))
    }
}
