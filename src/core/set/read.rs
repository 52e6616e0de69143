//! The reads of the document: `peek`, `peek_score`, `score`, `contains`, `len`,
//! `available`, and `peek_items` for operators. None changes anything.

use super::SetCore;
use crate::core::operation::{Call, Exchange, Operation};
use crate::core::protocol::{redis_index, Command, Decoder, Reply, Result};
use crate::core::schema::SET;
use crate::core::serializer::{Dumps, Serializer};
use crate::core::target::Target;

/// An item waiting in the set, as [`SetCore::peek_items`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<T> {
    /// The item, or `None` if it does not deserialize (see `member`).
    pub item: Option<T>,
    /// Its score.
    pub score: f64,
    member: Vec<u8>,
}

impl<T> Entry<T> {
    /// The member as stored in Redis.
    pub fn member(&self) -> &[u8] {
        &self.member
    }
}

/// A read-only command and the decoder of its reply.
fn read<T>(
    cmd: Command,
    decode: impl FnOnce(&Decoder<'_>, Reply) -> Result<T>,
) -> impl Operation<Output = T> {
    let name = cmd.name().to_owned();
    Exchange::new(Call::Command(cmd), move |reply| {
        decode(&Decoder { command: &name }, reply)
    })
}

impl<S: Serializer> SetCore<S> {
    /// The eligible members from `position` on, without removing them; with scores.
    /// Positions past what Redis parses (`i64::MAX`) are clamped to it: nothing is there
    /// either way, and the answer stays "empty" rather than "out of range".
    pub(super) fn range(
        &self,
        position: usize,
        count: usize,
        with_scores: bool,
        now: f64,
    ) -> Command {
        let key = self.target.keys.get(SET);
        let end = redis_index(position.saturating_add(count.saturating_sub(1)));
        let (position, count) = (redis_index(position), redis_index(count));
        let scheduled = self.kind().due_by_time();
        let cmd = if scheduled {
            Command::new("ZRANGEBYSCORE").arg(key).arg("-inf").arg(now)
        } else {
            Command::new("ZRANGE").arg(key).arg(position).arg(end)
        };
        let cmd = if with_scores {
            cmd.arg("WITHSCORES")
        } else {
            cmd
        };
        if scheduled {
            cmd.arg("LIMIT").arg(position).arg(count)
        } else {
            cmd
        }
    }

    /// The eligible item at `position` (0 = next), without removing it.
    ///
    /// [`Error::Empty`](crate::Error::Empty) when there is none; `Ok(None)` when it
    /// fails to deserialize.
    pub fn peek(&self, position: usize, now: f64) -> impl Operation<Output = Option<S::Item>> {
        let core = self.clone();
        self.at(now, self.kind().due_by_time(), move |now| {
            let target = core.target.clone();
            read(core.range(position, 1, false, now), move |d, reply| {
                Self::peek_output(&target, position, d, reply)
            })
        })
    }

    /// What `peek` gives for the reply to its range of one member at `position`.
    pub(super) fn peek_output(
        target: &Target<S>,
        position: usize,
        decoder: &Decoder<'_>,
        reply: Reply,
    ) -> Result<Option<S::Item>> {
        let raw = decoder.members(reply)?.into_iter().next();
        Ok(target.load(&raw.ok_or_else(|| target.empty(position))?))
    }

    /// Up to `count` eligible items from `position` on, in order, with their scores,
    /// without removing them: what the next pops would hand out. An item that fails to
    /// deserialize is listed with `item: None` (and its member).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut peek = set.peek_items(0, 2, 0.0);
    /// let Step::Send(cmd) = peek.start().unwrap() else { unreachable!() };
    /// assert_eq!(format!("{cmd:?}"), r#"["ZRANGE", "jobs", "0", "1", "WITHSCORES"]"#);
    /// let reply = Reply::Array(["a", "1", "b", "2"].map(Reply::bulk).to_vec());
    /// let Step::Done(entries) = peek.feed(reply).unwrap() else { panic!() };
    /// assert_eq!((entries[1].item.as_deref(), entries[1].score), (Some("b"), 2.0));
    /// ```
    pub fn peek_items(
        &self,
        position: usize,
        count: usize,
        now: f64,
    ) -> impl Operation<Output = Vec<Entry<S::Item>>> {
        let core = self.clone();
        self.at(now, self.kind().due_by_time(), move |now| {
            let call = match count {
                0 => Call::Known(Reply::Array(Vec::new())),
                _ => Call::Command(core.range(position, count, true, now)),
            };
            let target = core.target.clone();
            Exchange::new(call, move |reply| {
                let pairs = Decoder { command: "ZRANGE" }.pairs(reply)?;
                Ok(pairs
                    .into_iter()
                    .map(|(member, score)| Entry {
                        item: target.loads(&member).ok(),
                        score,
                        member,
                    })
                    .collect())
            })
        })
    }

    /// The score of the next eligible item, if any.
    pub fn peek_score(&self, now: f64) -> impl Operation<Output = Option<f64>> {
        let core = self.clone();
        self.at(now, self.kind().due_by_time(), move |now| {
            read(core.range(0, 1, true, now), |d, reply| {
                Ok(d.pairs(reply)?.into_iter().next().map(|(_, score)| score))
            })
        })
    }

    /// `ZSCORE`: the item's score, or `None` if it is not in the set.
    pub fn score<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = Option<f64>>>
    where
        S: Dumps<Q>,
    {
        let cmd = self.score_command(self.member(item)?);
        Ok(read(cmd, |_, reply| Self::score_output(reply)))
    }

    /// Where [`score_command`](Self::score_command) carries the member: `ZSCORE key
    /// member`.
    pub(super) const SCORE_MEMBER_AT: usize = 2;

    /// `ZSCORE key member`.
    pub(super) fn score_command(&self, member: Vec<u8>) -> Command {
        Command::new("ZSCORE")
            .arg(self.target.keys.get(SET))
            .arg(member)
    }

    /// What `score` gives for the reply to its `ZSCORE`.
    pub(super) fn score_output(reply: Reply) -> Result<Option<f64>> {
        Decoder { command: "ZSCORE" }.optional_score(reply)
    }

    /// Whether the item is in the set (eligible or not).
    pub fn contains<Q: ?Sized>(&self, item: &Q) -> Result<impl Operation<Output = bool>>
    where
        S: Dumps<Q>,
    {
        Ok(self.score(item)?.map(|score| score.is_some()))
    }

    /// `ZCARD`: how many items, eligible or not.
    pub fn len(&self) -> impl Operation<Output = u64> {
        read(self.len_command(), |d, reply| d.count(reply))
    }

    /// `ZCARD key`.
    pub(super) fn len_command(&self) -> Command {
        Command::new("ZCARD").arg(self.target.keys.get(SET))
    }

    /// `ZCOUNT -inf now`: how many items are due at `now`.
    pub fn available(&self, now: f64) -> impl Operation<Output = u64> {
        let keys = self.target.keys.clone();
        self.at(now, true, move |now| {
            let cmd = Command::new("ZCOUNT")
                .arg(keys.get(SET))
                .arg("-inf")
                .arg(now);
            read(cmd, |d, reply| d.count(reply))
        })
    }
}
