//! The counts of a set on the native driver, written once for both transports.

use super::methods::methods;
use crate::core::Stats;

methods! {
    impl[K] for SortedSet {
        /// How many items are leased (or waiting out a retry's delay).
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// println!("{} waiting, {} in flight", jobs.len()?, jobs.in_flight()?);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn in_flight() -> u64
            = run |core, _now| Ok(core.in_flight());

        /// Waiting, due, in flight, dead, and the oldest due item's age, in one round trip.
        ///
        /// ```no_run
        /// # let mut jobs = redset::SortedSet::new(redis::Client::open("redis://127.0.0.1/").unwrap().get_connection().unwrap(), "jobs");
        /// let stats = jobs.stats()?;
        /// println!("{} due, {} in flight, {} dead", stats.due, stats.in_flight, stats.dead);
        /// # Ok::<(), redset::Error>(())
        /// ```
        fn stats() -> Stats
            = run |core, now| Ok(core.stats(now));
    }
}
