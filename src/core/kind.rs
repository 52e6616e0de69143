//! The three kinds of set, which differ only in scoring and eligibility.

/// The three kinds of set, which differ only in scoring and eligibility.
///
/// ```
/// use redset::core::Kind;
/// assert_eq!(Kind::Scheduled.type_name(), "ScheduledSet");
/// assert!(Kind::Scheduled.due_by_time() && !Kind::TimeSorted.due_by_time());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Priority order; the default score is 0.
    Sorted,
    /// FIFO: the default score is the time of `add`.
    TimeSorted,
    /// Like `TimeSorted`, but only items whose score is at most "now" are eligible.
    Scheduled,
}

impl Kind {
    /// The type name users see (`SortedSet`, …).
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::Sorted => "SortedSet",
            Kind::TimeSorted => "TimeSortedSet",
            Kind::Scheduled => "ScheduledSet",
        }
    }

    /// Whether "now" decides what is eligible: only in a scheduled set.
    pub fn due_by_time(self) -> bool {
        self == Kind::Scheduled
    }

    /// Whether `add` without a score or scorer scores by the clock.
    pub fn scored_by_time(self) -> bool {
        self != Kind::Sorted
    }
}
