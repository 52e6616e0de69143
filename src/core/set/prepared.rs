//! Prepared operations: those that are one command and one reply on a set, given as
//! the command and the decoder of its reply that the operation itself uses. A driver
//! for which stepping an operation costs more than carrying a command (the wasm binding,
//! where each crossing and each JS value made from wasm counts) sends the command and
//! hands over the reply, without an operation in between; the set's semantics stay
//! here. Most are the same command on every call (`pop` and `take(n)` by `ZPOPMIN`,
//! `peek` of a set whose items are all eligible, `len`), which such a driver keeps; a
//! scheduled set's `pop` and `take(n)` carry the time, `has` and `score` the item.

use super::SetCore;
use crate::core::clock::Clock;
use crate::core::operation::Call;
use crate::core::original_lock::{OriginalLock, TimedCall};
use crate::core::protocol::{Bulks, Command, Decoder, Reply, Result};
use crate::core::serializer::{Dumps, Serializer};

/// An operation that may be prepared (see [`SetCore::prepared`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prepared {
    /// [`SetCore::pop`].
    Pop,
    /// [`SetCore::take`] of this many.
    Take(usize),
    /// [`SetCore::peek`] at this position.
    Peek(usize),
    /// [`SetCore::len`].
    Len,
    /// [`SetCore::contains`] (the item is given to [`SetCore::prepared_for`]).
    Contains,
    /// [`SetCore::score`] (the item is given to [`SetCore::prepared_for`]).
    Score,
}

impl Prepared {
    /// Whether its command may be sent again after its connection failed: not a pop's
    /// or a take's, which may have taken effect (as the operations say).
    ///
    /// ```
    /// use redset::core::Prepared;
    /// assert!(!Prepared::Pop.repeatable());
    /// assert!(Prepared::Len.repeatable());
    /// ```
    pub fn repeatable(self) -> bool {
        !matches!(self, Prepared::Pop | Prepared::Take(_))
    }

    /// Whether its command only reads (every one but a pop's and a take's).
    ///
    /// ```
    /// use redset::core::Prepared;
    /// assert!(Prepared::Contains.reads_only());
    /// assert!(!Prepared::Take(3).reads_only());
    /// ```
    pub fn reads_only(self) -> bool {
        matches!(
            self,
            Prepared::Peek(_) | Prepared::Len | Prepared::Contains | Prepared::Score
        )
    }

    /// Whether its result carries a score of the reply (a `score`'s): the rest only check
    /// the scores their replies carry, so a driver may have its client decode them as
    /// numbers, exactly or not (node-redis 5's RESP3 doubles are off in the last digit),
    /// where that is cheaper than as text.
    ///
    /// ```
    /// use redset::core::Prepared;
    /// assert!(Prepared::Score.keeps_scores());
    /// assert!(!Prepared::Take(100).keeps_scores());
    /// ```
    pub fn keeps_scores(self) -> bool {
        matches!(self, Prepared::Score)
    }
}

/// What a prepared operation gives for its reply.
#[derive(Debug, PartialEq)]
pub enum PreparedOutput<T> {
    /// A pop's or a peek's item (`None`: it failed to deserialize, and was reported).
    Item(Option<T>),
    /// A take's items.
    Items(Vec<T>),
    /// A count.
    Count(u64),
    /// A score, if the item is there.
    Score(Option<f64>),
    /// Whether the item is there.
    Flag(bool),
    /// The reply does not finish the operation, which did nothing yet: the original's
    /// lock was held, the server did not have the script, or a cluster refused the
    /// lock's key. The driver starts the operation and feeds it this reply in place of
    /// sending its first command (the command it was prepared with): the operation goes
    /// on as it would have (waits out the lock, falls back to `EVAL`, drops the lock's
    /// key). It carries the reply, for the driver to feed.
    Unprepared(Reply),
}

impl<S: Serializer> SetCore<S> {
    /// The command of `which` at `now` when the operation is that one command and its
    /// reply; `None` when the operation must run (a flow-controlled set's pop, a pop
    /// followed by `WAIT`, a take of nothing or of more than one chunk, a scheduled
    /// set's peek, anything that needs the server's time first; `Contains` and `Score`,
    /// which take [`prepared_for`](Self::prepared_for)).
    ///
    /// ```
    /// use redset::core::{Kind, Prepared, PreparedOutput, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let pop = set.prepared(Prepared::Pop, 0.0).unwrap();
    /// assert_eq!(format!("{pop:?}"), r#"["ZPOPMIN", "jobs", "1"]"#);
    /// assert!(set.prepared_is_fixed(Prepared::Pop));
    /// let reply = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1")]);
    /// assert_eq!(set.prepared_output(Prepared::Pop, reply).unwrap(), PreparedOutput::Item(Some("a".into())));
    /// ```
    pub fn prepared(&self, which: Prepared, now: f64) -> Option<Command> {
        self.prepare(which, now).map(|(cmd, _)| cmd)
    }

    /// Where the command of `which` carries the time, when the time is all that
    /// changes between calls with the same argument (a scheduled set's `pop` and
    /// `take(n)`): the index among the command's [`args`](Command::args), name first. A
    /// driver may keep the command made once and put each call's
    /// [`prepared_score`](Self::prepared_score) there; it makes it again after a reply
    /// that did not finish the operation ([`PreparedOutput::Unprepared`]), after which
    /// the command may differ (a cluster that refused the original's lock: the lock's
    /// key goes). `None` for a command that is fixed or not prepared.
    ///
    /// ```
    /// use redset::core::{Kind, Prepared, SetCore};
    /// let set = SetCore::new("jobs", Kind::Scheduled, redset::Utf8);
    /// let at = set.prepared_time_at(Prepared::Pop).unwrap();
    /// let mut kept = set.prepared(Prepared::Pop, 10.0).unwrap().into_args();
    /// kept[at] = set.prepared_score(12.5);
    /// assert_eq!(kept, set.prepared(Prepared::Pop, 12.5).unwrap().into_args());
    /// assert_eq!(SetCore::new("jobs", Kind::Sorted, redset::Utf8).prepared_time_at(Prepared::Pop), None);
    /// ```
    pub fn prepared_time_at(&self, which: Prepared) -> Option<usize> {
        self.prepare(which, 0.0).and_then(|(_, at)| at)
    }

    /// Where the command of `Contains` or `Score` carries the item's member (`None` for
    /// the others): a driver that knows an item's member without the core (a set of
    /// strings, whose member is an item's UTF-8) may keep the command and put each
    /// call's member there.
    ///
    /// ```
    /// use redset::core::{Kind, Prepared, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let at = set.prepared_member_at(Prepared::Contains).unwrap();
    /// let mut kept = set.prepared_for(Prepared::Contains, "a").unwrap().unwrap().into_args();
    /// kept[at] = b"b".to_vec();
    /// assert_eq!(kept, set.prepared_for(Prepared::Contains, "b").unwrap().unwrap().into_args());
    /// assert_eq!(set.prepared_member_at(Prepared::Len), None);
    /// ```
    pub fn prepared_member_at(&self, which: Prepared) -> Option<usize> {
        matches!(which, Prepared::Contains | Prepared::Score).then_some(Self::SCORE_MEMBER_AT)
    }

    /// A score as prepared commands carry it: the time where
    /// [`prepared_time_at`](Self::prepared_time_at) says (a scheduled pop takes what is
    /// scored up to it), and a kept add's score (see
    /// [`prepared_add_score`](Self::prepared_add_score)).
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Scheduled, redset::Utf8);
    /// assert_eq!(set.prepared_score(1700.5), b"1700.5");
    /// assert_eq!(set.prepared_score(f64::INFINITY), b"inf");
    /// ```
    pub fn prepared_score(&self, score: f64) -> Vec<u8> {
        TimedCall::time_arg(score)
    }

    /// [`prepared`](Self::prepared), with where the command carries the time.
    fn prepare(&self, which: Prepared, now: f64) -> Option<(Command, Option<usize>)> {
        let by_zpopmin = !self.pops_by_script() && self.replication.is_none();
        let by_script = self.kind().due_by_time()
            && !self.flow.on_pops()
            && self.replication.is_none()
            && self.clock == Clock::Client;
        let chunk = |count: usize| (1..=super::TAKE_CHUNK).contains(&count);
        let fixed = |cmd: Command| Some((cmd, None));
        match which {
            Prepared::Pop if by_zpopmin => fixed(self.zpopmin(1)),
            Prepared::Take(count) if by_zpopmin && chunk(count) => fixed(self.zpopmin(count)),
            Prepared::Pop if by_script => self.scheduled_removal(1, now),
            Prepared::Take(count) if by_script && chunk(count) => {
                self.scheduled_removal(count, now)
            }
            Prepared::Peek(position) if !self.kind().due_by_time() => {
                fixed(self.range(position, 1, false, now))
            }
            Prepared::Len => fixed(self.len_command()),
            _ => None,
        }
    }

    /// The command of `Contains` or `Score` for `item` (`None` for the others).
    /// Serializer errors fail here, as the operation's do.
    pub fn prepared_for<Q: ?Sized>(&self, which: Prepared, item: &Q) -> Result<Option<Command>>
    where
        S: Dumps<Q>,
    {
        Ok(match which {
            Prepared::Contains | Prepared::Score => Some(self.score_command(self.member(item)?)),
            _ => None,
        })
    }

    /// Whether the command of `which` is the same on every call on this set, so that a
    /// driver may keep it: not when it carries the time or an item.
    pub fn prepared_is_fixed(&self, which: Prepared) -> bool {
        match which {
            Prepared::Pop | Prepared::Take(_) => !self.kind().due_by_time(),
            Prepared::Peek(_) | Prepared::Len => true,
            Prepared::Contains | Prepared::Score => false,
        }
    }

    /// The output of prepared `which` for the reply to its command: what the operation
    /// gives, by the operation's own decoder (so the same errors: `Empty` for a pop or
    /// peek of nothing, server errors for error replies), or
    /// [`PreparedOutput::Unprepared`] when the reply does not finish the operation.
    pub fn prepared_output(
        &self,
        which: Prepared,
        reply: Reply,
    ) -> Result<PreparedOutput<S::Item>> {
        let target = &self.target;
        let scheduled = self.kind().due_by_time();
        if matches!(which, Prepared::Pop | Prepared::Take(_))
            && scheduled
            && self.unprepared(&reply)
        {
            return Ok(PreparedOutput::Unprepared(reply));
        }
        Ok(match which {
            Prepared::Pop => {
                let raw = Self::popped(scheduled, reply)?.into_iter().next();
                PreparedOutput::Item(Self::pop_output(target, raw)?)
            }
            Prepared::Take(_) => {
                PreparedOutput::Items(Self::take_output(target, Self::popped(scheduled, reply)?))
            }
            Prepared::Peek(position) => {
                let decoder = Decoder { command: "ZRANGE" };
                PreparedOutput::Item(Self::peek_output(target, position, &decoder, reply)?)
            }
            Prepared::Len => PreparedOutput::Count(Decoder { command: "ZCARD" }.count(reply)?),
            Prepared::Score => PreparedOutput::Score(Self::score_output(reply)?),
            Prepared::Contains => PreparedOutput::Flag(Self::score_output(reply)?.is_some()),
        })
    }

    /// The members a prepared `take` removed, in order, before the serializer makes
    /// them items: for a driver that makes many items at once more cheaply than one by
    /// one (the wasm binding makes a strings set's items as one JS string, cut in JS).
    /// It gives each member that its own items cannot hold to [`load`](Self::load),
    /// which reports it. `None` where the reply does not finish the take (see
    /// [`PreparedOutput::Unprepared`]); the same errors as
    /// [`prepared_output`](Self::prepared_output) otherwise.
    ///
    /// ```
    /// use redset::core::{Kind, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let reply = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1"), Reply::bulk("b"), Reply::bulk("2")]);
    /// assert_eq!(set.prepared_members(reply).unwrap(), Some(vec![b"a".to_vec(), b"b".to_vec()]));
    /// ```
    pub fn prepared_members(&self, reply: Reply) -> Result<Option<Vec<Vec<u8>>>> {
        let scheduled = self.kind().due_by_time();
        if scheduled && self.unprepared(&reply) {
            return Ok(None);
        }
        Self::popped(scheduled, reply).map(Some)
    }

    /// [`prepared_members`](Self::prepared_members) of a reply given as [`Bulks`], read
    /// in place: no value per member (an array reply always finishes the take). A
    /// driver gives the members it cannot make items of to [`load`](Self::load).
    ///
    /// ```
    /// use redset::core::{Bulks, Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let reply = Bulks::new(b"a1b2", &[1, 1, 1, 1], 2).unwrap();
    /// assert_eq!(set.prepared_members_in(&reply).unwrap(), [b"a", b"b"]);
    /// let nan = Bulks::new(b"anan", &[1, 3], 2).unwrap();
    /// assert!(set.prepared_members_in(&nan).is_err());
    /// ```
    pub fn prepared_members_in<'a>(&self, reply: &Bulks<'a>) -> Result<Vec<&'a [u8]>> {
        match self.kind().due_by_time() {
            true => Decoder { command: "EVALSHA" }.member_slices(reply),
            false => Decoder { command: "ZPOPMIN" }.pair_member_slices(reply),
        }
    }

    /// A prepared `take`'s items from a reply given as [`Bulks`], as
    /// [`prepared_output`](Self::prepared_output) gives them from the [`Reply`]: each
    /// member read where it lies, one that fails to deserialize reported and left out.
    ///
    /// ```
    /// use redset::core::{Bulks, Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let (a, one, bad, two) = (b"a".to_vec(), b"1".to_vec(), vec![0xff], b"2".to_vec());
    /// let reply = Bulks::from_strings(vec![&a[..], &one[..], &bad[..], &two[..]], 1).unwrap();
    /// assert_eq!(set.prepared_items_in(&reply).unwrap(), ["a"]);
    /// ```
    pub fn prepared_items_in(&self, reply: &Bulks<'_>) -> Result<Vec<S::Item>> {
        let members = self.prepared_members_in(reply)?;
        Ok(members
            .into_iter()
            .filter_map(|raw| self.target.load(raw))
            .collect())
    }

    /// The member a prepared `pop` removed, before the serializer makes it an item (see
    /// [`prepared_members`](Self::prepared_members)): `Empty` when there was none, as
    /// the pop's.
    ///
    /// ```
    /// use redset::core::{Kind, Reply, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let reply = Reply::Array(vec![Reply::bulk("a"), Reply::bulk("1")]);
    /// assert_eq!(set.prepared_member(reply).unwrap(), Some(b"a".to_vec()));
    /// assert!(set.prepared_member(Reply::Array(vec![])).is_err());
    /// ```
    pub fn prepared_member(&self, reply: Reply) -> Result<Option<Vec<u8>>> {
        let Some(members) = self.prepared_members(reply)? else {
            return Ok(None);
        };
        let raw = members.into_iter().next();
        raw.map(Some).ok_or_else(|| self.target.empty(0))
    }

    /// The item of a removed `raw` member, or `None` once its failure to deserialize is
    /// reported to the undecodable hook, as every removal does.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// assert_eq!(set.load(b"a"), Some("a".to_string()));
    /// assert_eq!(set.load(&[0xff]), None);
    /// ```
    pub fn load(&self, raw: &[u8]) -> Option<S::Item> {
        self.target.load(raw)
    }

    /// A scheduled set's pop script call at `now`, with the original's lock when it is
    /// honoured, as the operation's first command; and where it carries the time.
    fn scheduled_removal(&self, count: usize, now: f64) -> Option<(Command, Option<usize>)> {
        let mut call = self.removal_call(count, now);
        let lock = OriginalLock::usable(self.original_lock.as_ref());
        call.keys.extend(lock.map(|lock| lock.key.clone()));
        // `EVALSHA sha numkeys`, the keys, then the arguments.
        let at = call.now_arg.map(|arg| 3 + call.keys.len() + arg);
        let cmd = Call::script(call.script, call.keys, call.args).into_command()?;
        Some((cmd, at))
    }

    /// Whether a scheduled pop's reply says that nothing was taken and the operation
    /// must run: the lock held (its expiry), `NOSCRIPT`, or `CROSSSLOT` for the lock.
    fn unprepared(&self, reply: &Reply) -> bool {
        let honours_lock = OriginalLock::usable(self.original_lock.as_ref()).is_some();
        match reply {
            Reply::Bulk(_) | Reply::Status(_) => honours_lock,
            Reply::Error { code, .. } => {
                code == "NOSCRIPT" || (code == "CROSSSLOT" && honours_lock)
            }
            _ => false,
        }
    }
}
