//! Batch producers on the native driver, written once for both transports: see
//! [`AddOptions`].

use super::methods::methods;
use crate::core::{AddOptions, Dumps};

methods! {
    impl[K] for SortedSet {
        /// Adds many items with the scores `add` would give them, one round trip per 5000;
        /// gives how many were new. A NaN score or a serializer error rejects the whole
        /// batch before anything is sent.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let added = jobs.add_many(["a", "b", "c"])?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add_many['a, Q: ?Sized + 'a](items: impl IntoIterator<Item = &'a Q>) -> u64 where [S: Dumps<Q>]
            = run |core, now| {
                let items = items.into_iter().map(|item| (item, None));
                core.add_many(items, AddOptions::default(), now)
            };

        /// [`add_many`](Self::add_many) with an explicit score per item (`None`: the
        /// scorer's) and the `ZADD` condition: only new, only existing, greater, less, and
        /// whether to count changed scores too.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// use redset::core::{AddCondition, AddOptions};
        /// let only_new = AddOptions { condition: Some(AddCondition::OnlyNew), ..AddOptions::default() };
        /// jobs.add_many_with([("a", Some(1.0)), ("b", None)], only_new)?;
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn add_many_with['a, Q: ?Sized + 'a](
            items: impl IntoIterator<Item = (&'a Q, Option<f64>)>,
            options: AddOptions,
        ) -> u64 where [S: Dumps<Q>]
            = run |core, now| core.add_many(items, options, now);
    }
}
