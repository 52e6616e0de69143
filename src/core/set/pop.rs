//! `pop` and `take`: eligible items removed atomically, lowest score first — one
//! `ZPOPMIN`, or for a scheduled set the pop script (which waits out the original's
//! lock when it honours it); on a flow-controlled set, the flow pop script (pause, rate
//! limits, round-robin over the groups).

use std::sync::LazyLock;

use super::SetCore;
use crate::core::operation::{Call, Either, Exchange, Operation, Step};
use crate::core::original_lock::{LockAware, TimedCall};
use crate::core::protocol::{redis_index, Arg, Command, Decoder, Error, Reply, Result, Script};
use crate::core::schema::{POP_DUE_KEYS, SET};
use crate::core::serializer::Serializer;
use crate::core::target::Target;

/// Atomically removes and returns up to `ARGV[2]` members of the set whose score is at
/// most `ARGV[1]`, lowest score first; with the original's lock among its keys, only
/// while that lock is not held (else it returns the lock's expiry).
pub static POP_DUE: LazyLock<Script> = LazyLock::new(|| script!("set/pop_due.lua"));

/// A flow-controlled set's pop and take: what `flow/select` hands out, removed for good.
pub static FLOW_POP: LazyLock<Script> =
    LazyLock::new(|| script!("flow/pop.lua", &crate::core::lease::INCLUDES));

/// The most items one atomic removal takes: a bigger `take` is several.
pub const TAKE_CHUNK: usize = 10_000;

impl<S: Serializer> SetCore<S> {
    /// Removes up to `count` eligible members, lowest score first, atomically.
    /// `decode` reads the reply.
    fn removal<T, F: FnOnce(Reply) -> Result<T>>(
        &self,
        count: usize,
        now: f64,
        decode: F,
    ) -> impl Operation<Output = T> {
        let scheduled = self.kind().due_by_time();
        match count {
            0 => Either::Left(Exchange::new(Call::Known(Reply::Array(Vec::new())), decode)),
            _ if self.pops_by_script() => {
                let call = self.removal_call(count, now);
                let name = self.target.name.clone();
                let lock = self.original_lock.as_ref().filter(|_| scheduled);
                Either::Right(LockAware::new(name, call, lock, now, decode).once())
            }
            _ => Either::Left(Exchange::new(Call::Command(self.zpopmin(count)), decode).once()),
        }
    }

    /// The script call of a removal by script (a scheduled set's, or the flow pop),
    /// without the original's lock.
    pub(super) fn removal_call(&self, count: usize, now: f64) -> TimedCall {
        let count = Arg::from(redis_index(count)).0;
        if self.flow.on_pops() {
            TimedCall {
                script: &FLOW_POP,
                keys: self.target.keys.lease(),
                args: vec![self.script_options(), self.target.due_by(now), count],
                now_arg: self.kind().due_by_time().then_some(1),
            }
        } else {
            TimedCall {
                script: &POP_DUE,
                keys: self.target.keys.list(POP_DUE_KEYS),
                args: vec![TimedCall::time_arg(now), count],
                now_arg: Some(0),
            }
        }
    }

    /// `ZPOPMIN key count`.
    pub(super) fn zpopmin(&self, count: usize) -> Command {
        Command::new("ZPOPMIN")
            .arg(self.target.keys.get(SET))
            .arg(redis_index(count))
    }

    /// Whether pops run a script (a scheduled set's, or the flow pop) rather than
    /// `ZPOPMIN`.
    pub(super) fn pops_by_script(&self) -> bool {
        self.kind().due_by_time() || self.flow.on_pops()
    }

    /// The members in the reply to a [`removal`](Self::removal): a script's
    /// (`by_script`) or `ZPOPMIN`'s.
    pub(super) fn popped(by_script: bool, reply: Reply) -> Result<Vec<Vec<u8>>> {
        match by_script {
            true => Decoder { command: "EVALSHA" }.members(reply),
            false => Decoder { command: "ZPOPMIN" }.pair_members(reply),
        }
    }

    /// One pop whose raw member (if any) `finish` turns into the output.
    fn pop_with<T>(
        &self,
        now: f64,
        finish: impl FnOnce(Option<Vec<u8>>) -> Result<T>,
    ) -> impl Operation<Output = T> {
        let (by_script, core) = (self.pops_by_script(), self.clone());
        self.at(now, self.kind().due_by_time(), move |now| {
            core.removal(1, now, move |reply| {
                finish(Self::popped(by_script, reply)?.into_iter().next())
            })
        })
    }

    /// Atomically removes and returns the lowest-scored eligible item.
    ///
    /// [`Error::Empty`] when there is none; `Ok(None)` when the removed member failed to
    /// deserialize (it is reported to the undecodable hook).
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut pop = set.pop(0.0);
    /// let Step::Send(cmd) = pop.start().unwrap() else { unreachable!() };
    /// assert_eq!(format!("{cmd:?}"), r#"["ZPOPMIN", "jobs", "1"]"#);
    /// assert!(pop.feed(Reply::Array(vec![])).unwrap_err().is_empty());
    /// ```
    pub fn pop(&self, now: f64) -> impl Operation<Output = Option<S::Item>> {
        let target = self.target.clone();
        self.pop_with(now, move |raw| Self::pop_output(&target, raw))
    }

    /// What `pop` gives for the member it removed, if any.
    pub(super) fn pop_output(target: &Target<S>, raw: Option<Vec<u8>>) -> Result<Option<S::Item>> {
        Ok(target.load(&raw.ok_or_else(|| target.empty(0))?))
    }

    /// A pop that says "nothing" with `None` rather than `Empty`: a wait's try.
    pub(super) fn pop_found(&self, now: f64) -> impl Operation<Output = Option<Option<S::Item>>> {
        let target = self.target.clone();
        self.pop_with(now, move |raw| Ok(raw.map(|raw| target.load(&raw))))
    }

    /// Removes and returns at most `count` eligible items in score order; members that
    /// fail to deserialize are reported and left out. Up to [`TAKE_CHUNK`] items are
    /// one atomic removal; a bigger take is several, one after another, so that no
    /// single command runs long enough to outlast a client's timeout and a failure can
    /// lose at most the chunk in flight.
    ///
    /// ```
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8);
    /// let mut take = set.take(0, 0.0);
    /// assert!(matches!(take.start().unwrap(), Step::Done(items) if items.is_empty()));
    /// ```
    pub fn take(&self, count: usize, now: f64) -> impl Operation<Output = Vec<S::Item>> {
        let core = self.clone();
        self.at(now, self.kind().due_by_time(), move |now| TakeChunks {
            left: count,
            taken: Vec::new(),
            current: Some(core.take_chunk(count.min(TAKE_CHUNK), now)),
            make: move |n| core.take_chunk(n, now),
        })
    }

    /// One atomic removal of up to `count` items: the items, and how many members
    /// came out (undecodable ones included).
    fn take_chunk(&self, count: usize, now: f64) -> impl Operation<Output = (Vec<S::Item>, usize)> {
        let (by_script, target) = (self.pops_by_script(), self.target.clone());
        self.removal(count, now, move |reply| {
            let members = Self::popped(by_script, reply)?;
            let removed = members.len();
            Ok((Self::take_output(&target, members), removed))
        })
    }

    /// What `take` gives for the members it removed: the items, without those that fail
    /// to deserialize (reported).
    pub(super) fn take_output(target: &Target<S>, members: Vec<Vec<u8>>) -> Vec<S::Item> {
        members
            .into_iter()
            .filter_map(|raw| target.load(&raw))
            .collect()
    }
}

/// A `take` in chunks of at most [`TAKE_CHUNK`], until the count is reached or a chunk
/// comes out short (nothing more is eligible).
struct TakeChunks<T, O, M> {
    left: usize,
    taken: Vec<T>,
    current: Option<O>,
    make: M,
}

impl<T, O, M> TakeChunks<T, O, M>
where
    O: Operation<Output = (Vec<T>, usize)>,
    M: FnMut(usize) -> O,
{
    fn advance(&mut self, step: Result<Step<(Vec<T>, usize)>>) -> Result<Step<Vec<T>>> {
        let (items, removed) = match step?.done() {
            Ok(chunk) => chunk,
            Err(pending) => return Ok(pending),
        };
        let asked = self.left.min(TAKE_CHUNK);
        self.taken.extend(items);
        self.left -= removed.min(asked);
        if removed < asked || self.left == 0 {
            self.current = None;
            return Ok(Step::Done(std::mem::take(&mut self.taken)));
        }
        let mut next = (self.make)(self.left.min(TAKE_CHUNK));
        let step = next.start();
        self.current = Some(next);
        self.advance(step)
    }

    fn current(&mut self) -> Result<&mut O> {
        self.current
            .as_mut()
            .ok_or_else(|| Error::protocol("take", "fed a finished operation"))
    }
}

impl<T, O, M> Operation for TakeChunks<T, O, M>
where
    O: Operation<Output = (Vec<T>, usize)>,
    M: FnMut(usize) -> O,
{
    type Output = Vec<T>;

    fn start(&mut self) -> Result<Step<Vec<T>>> {
        let step = self.current()?.start();
        self.advance(step)
    }

    fn feed(&mut self, reply: Reply) -> Result<Step<Vec<T>>> {
        let step = self.current()?.feed(reply);
        self.advance(step)
    }

    fn resume(&mut self, now: f64) -> Result<Step<Vec<T>>> {
        let step = self.current()?.resume(now);
        self.advance(step)
    }
}
