//! The waiting operations of a set (see the `wait` module for how they wait).

use std::time::Duration;

use super::SetCore;
use crate::core::clock::Clock;
use crate::core::lease::Lease;
use crate::core::operation::Operation;
use crate::core::serializer::Serializer;
use crate::core::wait::{Wait, WaitSpec};

/// "Nothing" of a take or a claim: an empty list.
fn none_found<T>() -> crate::core::Result<Vec<T>> {
    Ok(Vec::new())
}

/// A take's or a claim's try: `None` for "nothing eligible".
fn found<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

impl<S: Serializer + 'static> SetCore<S> {
    fn wait_spec<D, N>(&self, claims: bool, count: usize, decode: D, nothing: N) -> WaitSpec<D, N> {
        WaitSpec {
            kind: self.kind(),
            keys: self.target.keys.clone(),
            clock: self.clock(),
            waiting: self.waiting(),
            claims,
            count,
            decode,
            nothing,
            options: self.script_options(),
            flow: self.flow.on_pops(),
        }
    }

    /// Pops the next eligible item, waiting up to `timeout` for one; at the timeout the
    /// same [`Error::Empty`](crate::Error::Empty) as `pop`. How it waits is the set's
    /// [`Waiting`](crate::core::Waiting).
    ///
    /// ```
    /// use std::time::Duration;
    /// use redset::core::{Kind, Operation, Reply, SetCore, Step, Waiting};
    /// let set = SetCore::new("jobs", Kind::Sorted, redset::Utf8).with_waiting(Waiting::Blocking);
    /// let mut wait = set.pop_wait(Duration::from_secs(5), 0.0);
    /// wait.start().unwrap(); // ZPOPMIN: nothing there
    /// let Step::Send(block) = wait.feed(Reply::Array(vec![])).unwrap() else { panic!() };
    /// assert_eq!(format!("{block:?}"), r#"["BZPOPMIN", "jobs", "1.000"]"#);
    /// let popped = Reply::Array(vec![Reply::bulk("jobs"), Reply::bulk("a"), Reply::bulk("1")]);
    /// assert!(matches!(wait.feed(popped).unwrap(), Step::Done(Some(item)) if item == "a"));
    /// ```
    pub fn pop_wait(
        &self,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Option<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        let (target, empty) = (self.target.clone(), self.target.clone());
        let decode = move |raw: Vec<Vec<u8>>| raw.into_iter().next().map(|raw| target.load(&raw));
        let nothing = move || Err(empty.empty(0));
        let spec = self.wait_spec(false, 1, decode, nothing);
        Wait::new(spec, timeout, now, move |now| core.pop_found(now))
    }

    /// Takes up to `count` eligible items, waiting up to `timeout` for at least one; at
    /// the timeout an empty list. A blocking wait on a priority or FIFO set blocks with
    /// `BZMPOP` (Redis 7.0 or later; `BZPOPMIN` for one item).
    pub fn take_wait(
        &self,
        count: usize,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<S::Item>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        let target = self.target.clone();
        let decode = move |raw: Vec<Vec<u8>>| {
            found(
                raw.into_iter()
                    .filter_map(|raw| target.load(&raw))
                    .collect(),
            )
        };
        let spec = self.wait_spec(false, count, decode, none_found);
        // Nothing to take: no wait either.
        let timeout = if count == 0 { Duration::ZERO } else { timeout };
        Wait::new(spec, timeout, now, move |now| {
            core.take(count, now).map(found)
        })
    }

    /// Claims up to `count` eligible items for `lease`, waiting up to `timeout` for at
    /// least one (expired leases coming back count); at the timeout an empty list.
    pub fn claim_wait(
        &self,
        count: usize,
        lease: Duration,
        timeout: Duration,
        now: f64,
    ) -> impl Operation<Output = Vec<Lease<S::Item>>> + use<S> {
        let core = self.clone().with_clock(Clock::Client);
        let spec = self.wait_spec(true, count, |_| None, none_found);
        let timeout = if count == 0 { Duration::ZERO } else { timeout };
        Wait::new(spec, timeout, now, move |now| {
            core.claim(count, lease, now).map(found)
        })
    }
}
