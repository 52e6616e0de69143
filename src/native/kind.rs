//! The kinds of set as types, so that each has exactly the methods it should whatever
//! the builder chain: `available()` on every scheduled kind, `serializer()` only
//! before `scorer()`.

use std::marker::PhantomData;

use crate::core::Kind;

/// Marks which of the three set kinds a [`RedisSet`](super::RedisSet) is.
pub trait SetKind {
    /// The kind the core implements.
    const KIND: Kind;
}

/// Marker for [`SortedSet`](crate::SortedSet): priority order, default score 0.
#[derive(Debug)]
pub enum Sorted {}
/// Marker for [`TimeSortedSet`](crate::TimeSortedSet): FIFO by time of `add`.
#[derive(Debug)]
pub enum TimeSorted {}
/// Marker for [`ScheduledSet`](crate::ScheduledSet): only due items are handed out.
#[derive(Debug)]
pub enum Scheduled {}

impl SetKind for Sorted {
    const KIND: Kind = Kind::Sorted;
}
impl SetKind for TimeSorted {
    const KIND: Kind = Kind::TimeSorted;
}
impl SetKind for Scheduled {
    const KIND: Kind = Kind::Scheduled;
}

/// Marks a set of kind `K` that has a scorer: what
/// [`scorer`](super::RedisSet::scorer) gives.
/// Its serializer can no longer change, since the scorer is typed for its items, so
/// `.scorer(f).serializer(s)` does not compile (rather than dropping the scorer):
///
/// ```compile_fail
/// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
/// let set = redset::SortedSet::new(conn, "words")
///     .scorer(|w: &String| w.len() as f64)
///     .serializer(redset::Text::<u32>::new()); // error: no `serializer` once scored
/// ```
#[derive(Debug)]
pub struct Scored<K>(PhantomData<fn() -> K>);

impl<K: SetKind> SetKind for Scored<K> {
    const KIND: Kind = K::KIND;
}

/// Marks a set of kind `K` whose items get their group from a grouper: what
/// [`group_by`](super::RedisSet::group_by) gives. Like [`Scored`], its serializer (and
/// scorer) can no longer change, since the grouper is typed for its items.
///
/// ```compile_fail
/// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
/// let set = redset::SortedSet::new(conn, "jobs")
///     .group_by(|job: &String| job[..1].to_owned())
///     .scorer(|job: &String| job.len() as f64); // error: the scorer comes before
/// ```
#[derive(Debug)]
pub struct Grouped<K>(PhantomData<fn() -> K>);

impl<K: SetKind> SetKind for Grouped<K> {
    const KIND: Kind = K::KIND;
}

/// The scheduled kinds, with or without a scorer: what `available()` and the other
/// methods of scheduled sets alone are implemented for, so that no builder chain loses
/// them.
///
/// ```no_run
/// # let conn = redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap();
/// let mut retries = redset::ScheduledSet::new(conn, "retries").scorer(|_: &String| 3600.0);
/// let due = retries.available()?;
/// # Ok::<(), redset::Error>(())
/// ```
pub trait ScheduledKind: SetKind {}
impl ScheduledKind for Scheduled {}
impl ScheduledKind for Scored<Scheduled> {}
impl ScheduledKind for Grouped<Scheduled> {}
impl ScheduledKind for Grouped<Scored<Scheduled>> {}

/// The kinds without a scorer yet, whose serializer and scorer may still be chosen.
pub trait Unscored: SetKind + sealed::Sealed {}
impl Unscored for Sorted {}
impl Unscored for TimeSorted {}
impl Unscored for Scheduled {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Sorted {}
    impl Sealed for super::TimeSorted {}
    impl Sealed for super::Scheduled {}
}
