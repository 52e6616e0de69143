//! `add`: an item into the set, or a new score for it, waking a consumer waiting on
//! the set: by a `ZADD` and a check (set/zadd.rs), or in the add script when the set
//! has a deduplication window or groups.

use std::sync::LazyLock;

use super::{Scorer, SetCore};
use crate::core::dedup::window_arg;
use crate::core::operation::{Call, Either, Exchange, Operation};
use crate::core::protocol::{Arg, Decoder, Error, Result, Script};
use crate::core::schema::{ADD_KEYS, FLOW_KEYS};
use crate::core::serializer::{Dumps, Serializer};

/// `ZADD` of one or many members, with its flags, that writes the wake-up marker when
/// the set's head changed: `add` and each chunk of `add_many`.
pub static ADD: LazyLock<Script> =
    LazyLock::new(|| script!("set/add.lua", crate::core::flow::INCLUDES));

impl<S: Serializer> SetCore<S> {
    /// The score `add` uses: the explicit one (0 included), else the scorer's, else
    /// "now" for time-ordered kinds, else 0. NaN is rejected; ±inf are valid.
    ///
    /// ```
    /// use redset::core::{Kind, SetCore};
    /// let fifo = SetCore::new("jobs", Kind::TimeSorted, redset::Utf8);
    /// assert_eq!(fifo.resolve_score("a", None, 1700.0).unwrap(), 1700.0);
    /// assert_eq!(fifo.resolve_score("a", Some(0.0), 1700.0).unwrap(), 0.0);
    /// assert!(fifo.resolve_score("a", Some(f64::NAN), 1700.0).is_err());
    /// ```
    pub fn resolve_score<Q: ?Sized>(&self, item: &Q, score: Option<f64>, now: f64) -> Result<f64>
    where
        S: Dumps<Q>,
    {
        let scored = match self.item_scorer(score) {
            Some(scorer) => (
                self.target.serializer.score_ref(item, &**scorer),
                "scorer's score",
            ),
            None => self.score_not_by_item(score, now),
        };
        self.checked_score(scored)
    }

    /// The scorer that scores an item added at `score`: the set's, where no explicit
    /// score is given.
    pub(super) fn item_scorer(&self, score: Option<f64>) -> Option<&Scorer<S::Item>> {
        self.scorer.as_ref().filter(|_| score.is_none())
    }

    /// The score `add` uses where no scorer scores the item: the explicit one, else
    /// "now" for time-ordered kinds, else 0; with what it is, for an error.
    pub(super) fn score_not_by_item(&self, score: Option<f64>, now: f64) -> (f64, &'static str) {
        match score {
            Some(score) => (score, "score"),
            None if self.kind().scored_by_time() => (now, "clock's time"),
            None => (0.0, "default score"),
        }
    }

    /// `score` unless it is NaN, which `source` gave.
    pub(super) fn checked_score(&self, (score, source): (f64, &str)) -> Result<f64> {
        if score.is_nan() {
            return Err(Error::InvalidInput(format!(
                "the {source} for an item of {:?} is NaN",
                self.name()
            )));
        }
        Ok(score)
    }

    /// Adds the item or updates its score (a `ZADD`, which also wakes a consumer
    /// waiting on the set: pipelined with a check for one — in a small script that also
    /// counts a new item, for a set that counts — or in the add script when the set has
    /// a deduplication window or groups); yields the score used. Serializer errors and
    /// NaN scores fail here, before anything is sent.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut add = set.add("job-1", Some(2.5), 0.0).unwrap();
    /// let Step::Pipeline(cmds) = add.start().unwrap() else { unreachable!() };
    /// assert_eq!(format!("{cmds:?}"), r#"[["ZADD", "jobs", "2.5", "job-1"], ["EXISTS", "{jobs}:waiting"]]"#);
    /// let nobody_waits = Reply::Array(vec![Reply::Int(1), Reply::Int(0)]);
    /// assert!(matches!(add.feed(nobody_waits).unwrap(), Step::Done(2.5)));
    /// ```
    pub fn add<Q: ?Sized>(
        &self,
        item: &Q,
        score: Option<f64>,
        now: f64,
    ) -> Result<impl Operation<Output = f64>>
    where
        S: Dumps<Q>,
    {
        self.add_in_group(item, score, None, now)
    }

    /// [`add`](Self::add) into `group` (`None`: the grouper's, else the default group
    /// `""`) of a grouped set (see [`with_groups`](Self::with_groups)). A group given to
    /// a set that is not grouped is rejected with [`Error::InvalidInput`].
    ///
    /// ```
    /// use redset::core::{Groups, Kind, Operation, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_groups(Some(Groups::default()));
    /// let mut add = set.add_in_group("job-1", Some(1.0), Some("tenant-a"), 0.0).unwrap();
    /// let Step::Send(cmd) = add.start().unwrap() else { unreachable!() };
    /// assert!(format!("{cmd:?}").ends_with(r#""g", "0", "0", "1", "job-1", "tenant-a"]"#));
    /// assert!(SetCore::new("jobs", Kind::Sorted, redset::Utf8).add_in_group("a", None, Some("t"), 0.0).is_err());
    /// ```
    pub fn add_in_group<Q: ?Sized>(
        &self,
        item: &Q,
        score: Option<f64>,
        group: Option<&str>,
        now: f64,
    ) -> Result<impl Operation<Output = f64>>
    where
        S: Dumps<Q>,
    {
        let by_clock = self.score_is_now(score);
        let score = self.resolve_score(item, score, now)?;
        let group = self.group_of(item, group)?;
        let member = self.member(item)?;
        if self.adds_without_script() {
            let core = self.clone();
            let write = self.at(now, by_clock, move |now| {
                let score = if by_clock { now } else { score };
                core.waking_zadd(member, score)
            });
            return Ok(self.replicated(Either::Left(write)));
        }
        let keys = self.add_keys();
        let (options, dedup) = (self.script_options(), window_arg(self.dedup));
        let write = self.at(now, by_clock, move |now| {
            let score = if by_clock { now } else { score };
            let mut args = vec![options, dedup, b"0".to_vec(), Arg::from(score).0, member];
            args.extend(group);
            Exchange::new(Call::script(&ADD, keys, args), move |reply| {
                Decoder { command: "EVALSHA" }.integer(reply).map(|_| score)
            })
        });
        Ok(self.replicated(Either::Right(write)))
    }

    /// The add script's `KEYS`: a grouped set's have its flow keys too.
    pub(super) fn add_keys(&self) -> Vec<Vec<u8>> {
        let keys = &self.target.keys;
        match self.flow.groups {
            Some(_) => keys.list(&[ADD_KEYS, FLOW_KEYS].concat()),
            None => keys.list(ADD_KEYS),
        }
    }

    /// Whether `add` with this explicit score (or none) scores by the clock.
    pub(super) fn score_is_now(&self, score: Option<f64>) -> bool {
        score.is_none() && self.scorer.is_none() && self.kind().scored_by_time()
    }
}
