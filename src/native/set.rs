//! The document's operations on the native driver, written once for both transports
//! (see [`methods`](super::methods)): add, pop, take, peek, score, contains, len,
//! clear, discard, and `available` on scheduled sets.

use super::methods::methods;
use super::ScheduledKind;
use crate::core::{Dumps, Entry, Operation, Prepared};

methods! {
    // `len` and `is_empty` talk to Redis, so both return `Result`; clippy expects `bool`.
    #[allow(clippy::len_without_is_empty)]
    impl[K] for SortedSet {
        /// Adds the item (or updates its score) with the scorer's score; returns it.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let score = jobs.add("job-1")?; // or &String::from("job-1")
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add[Q: ?Sized](item: &Q) -> f64 where [S: Dumps<Q>]
            = run_add(item, None);

        /// Adds the item (or updates its score) with this score, 0 included; returns it.
        /// A NaN score is rejected with [`Error::InvalidInput`](crate::Error::InvalidInput).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// assert_eq!(jobs.add_with_score("urgent", -1.0)?, -1.0);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add_with_score[Q: ?Sized](item: &Q, score: f64) -> f64 where [S: Dumps<Q>]
            = run_add(item, Some(score));

        /// Atomically removes and returns the next eligible item.
        ///
        /// [`Error::Empty`](crate::Error::Empty) if there is none; `Ok(None)` if the removed
        /// item failed to deserialize (it is logged).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// match jobs.pop() {
        ///     Ok(Some(job)) => println!("working on {job}"),
        ///     Ok(None) => println!("dropped an unreadable item"),
        ///     Err(e) if e.is_empty() => println!("nothing to do"),
        ///     Err(e) => return Err(e),
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn pop() -> Option<S::Item>
            = run_prepared(Prepared::Pop => Item) |core, now| Ok(core.pop(now));

        /// Atomically removes and returns at most `count` eligible items, in score order, in
        /// one round trip. Items that fail to deserialize are logged and left out.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// for job in jobs.take(100)? { println!("{job}"); }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn take(count: usize) -> Vec<S::Item>
            = run_prepared(Prepared::Take(count) => Items) |core, now| Ok(core.take(count, now));

        /// The next eligible item, without removing it.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let next = jobs.peek()?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn peek() -> Option<S::Item>
            = run_prepared(Prepared::Peek(0) => Item) |core, now| Ok(core.peek(0, now));

        /// The eligible item at `position` (0 is the next), without removing it;
        /// [`Error::Empty`](crate::Error::Empty) if there is none.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let third = jobs.peek_at(2)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn peek_at(position: usize) -> Option<S::Item>
            = run_prepared(Prepared::Peek(position) => Item) |core, now| Ok(core.peek(position, now));

        /// Up to `count` eligible items from `position` on, with their scores, without
        /// removing them: what the next pops would hand out (an item that fails to
        /// deserialize has `item: None`).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// for entry in jobs.peek_items(0, 10)? {
        ///     println!("{:?} at {}", entry.item, entry.score);
        /// }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn peek_items(position: usize, count: usize) -> Vec<Entry<S::Item>>
            = run |core, now| Ok(core.peek_items(position, count, now));

        /// The score of the next eligible item, or `None`.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// if let Some(score) = jobs.peek_score()? { println!("next at {score}"); }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn peek_score() -> Option<f64>
            = run |core, now| Ok(core.peek_score(now));

        /// The item's score, or `None` if it is not in the set.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let score = jobs.score("job-1")?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn score[Q: ?Sized](item: &Q) -> Option<f64> where [S: Dumps<Q>]
            = run_prepared(Prepared::Score => Score, for item) |core, _now| core.score(item);

        /// Whether the item is in the set (due or not).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let queued = jobs.contains("job-1")?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn contains[Q: ?Sized](item: &Q) -> bool where [S: Dumps<Q>]
            = run_prepared(Prepared::Contains => Flag, for item) |core, _now| core.contains(item);

        /// How many items the set holds (due or not).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// println!("{} queued", jobs.len()?);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn len() -> u64
            = run_prepared(Prepared::Len => Count) |core, _now| Ok(core.len());

        /// Whether the set holds no item at all.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// if jobs.is_empty()? { println!("idle"); }
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn is_empty() -> bool
            = run |core, _now| Ok(core.len().map(|n| n == 0));

        /// Deletes the set; true if it existed.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// jobs.clear()?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn clear() -> bool
            = run |core, _now| Ok(core.clear());

        /// Removes the item; true if it was there.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let removed = jobs.discard("job-1")?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn discard[Q: ?Sized](item: &Q) -> bool where [S: Dumps<Q>]
            = run |core, _now| core.discard(item);
    }
}

methods! {
    impl[K: ScheduledKind] for ScheduledSet {
        /// How many items are due now (`len` counts all of them).
        ///
        /// ```no_run
        /// # let mut retries = redset::ScheduledSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "retries");
        /// println!("{} of {} retries are due", retries.available()?, retries.len()?);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn available() -> u64
            = run |core, now| Ok(core.available(now));
    }
}
