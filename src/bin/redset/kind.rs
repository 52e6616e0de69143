//! Which kind a set is, since that decides what is due: a scheduled set's items are
//! due only once their score (a UNIX time) has come; every item of the other kinds is.
//! Redis does not record the kind, so it comes from `--kind`, or is told from the
//! scores, and the output says which.

use std::str::FromStr;

use redset::core::Kind;

/// Scores from this UNIX time on (2001-09-09) read as times, lower ones as priorities.
const TIMES_FROM: f64 = 1e9;
/// A score this far past the local clock is a time to come (a clock's skew is less).
const FUTURE_SLACK_S: f64 = 1.0;

/// One `--kind`: for every set, or for the set named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindFlag {
    set: Option<String>,
    kind: Kind,
}

impl FromStr for KindFlag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Ok(kind) = parse_kind(text) {
            return Ok(KindFlag { set: None, kind });
        }
        let (set, kind) = text
            .rsplit_once('=')
            .ok_or_else(|| format!("{text:?} is neither a kind nor SET=KIND"))?;
        Ok(KindFlag {
            set: Some(set.to_owned()),
            kind: parse_kind(kind)?,
        })
    }
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    match text {
        "sorted" => Ok(Kind::Sorted),
        "time-sorted" => Ok(Kind::TimeSorted),
        "scheduled" => Ok(Kind::Scheduled),
        other => Err(format!(
            "unknown kind {other:?}: sorted, time-sorted or scheduled"
        )),
    }
}

/// The name the CLI shows for a kind (and takes in `--kind`).
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Sorted => "sorted",
        Kind::TimeSorted => "time-sorted",
        Kind::Scheduled => "scheduled",
    }
}

/// Where a set's kind came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindSource {
    /// `--kind`.
    Flag,
    /// Told from the scores.
    Scores,
    /// The set is empty: nothing to tell it from; read as a sorted set (every count
    /// but in flight and dead is 0 either way).
    Empty,
}

/// A set's kind and how it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownKind {
    /// The kind the set is read as.
    pub kind: Kind,
    /// How it is known.
    pub source: KindSource,
}

impl KnownKind {
    /// `scheduled`, `time-sorted (scores)`, `- (empty)`: the kind for a table.
    pub fn label(&self) -> String {
        match self.source {
            KindSource::Flag => kind_name(self.kind).to_owned(),
            KindSource::Scores => format!("{} (scores)", kind_name(self.kind)),
            KindSource::Empty => "- (empty)".to_owned(),
        }
    }

    /// The kind for JSON: its name, or `unknown` for an empty set.
    pub fn json_name(&self) -> &'static str {
        match self.source {
            KindSource::Empty => "unknown",
            _ => kind_name(self.kind),
        }
    }
}

/// The kinds given with `--kind`.
#[derive(Debug, Default)]
pub struct Kinds {
    flags: Vec<KindFlag>,
}

impl Kinds {
    /// From the flags, in the order given (a later one wins).
    pub fn new(flags: Vec<KindFlag>) -> Kinds {
        Kinds { flags }
    }

    /// The kind named for `set`, by its own flag or one for every set.
    pub fn named(&self, set: &str) -> Option<Kind> {
        let own = self
            .flags
            .iter()
            .rev()
            .find(|f| f.set.as_deref() == Some(set));
        own.or_else(|| self.flags.iter().rev().find(|f| f.set.is_none()))
            .map(|f| f.kind)
    }
}

/// Tells the kind from the lowest and highest score (`None` for an empty set), `now`
/// being this machine's time:
/// - a score still to come: `scheduled`;
/// - every score a past time: `time-sorted` (a scheduled set whose items are all due
///   has the same counts);
/// - lower scores: priorities, `sorted`.
pub fn tell(lowest_highest: Option<(f64, f64)>, now: f64) -> KnownKind {
    let Some((lowest, highest)) = lowest_highest else {
        return KnownKind {
            kind: Kind::Sorted,
            source: KindSource::Empty,
        };
    };
    let kind = if highest >= TIMES_FROM && highest > now + FUTURE_SLACK_S {
        Kind::Scheduled
    } else if lowest >= TIMES_FROM {
        Kind::TimeSorted
    } else {
        Kind::Sorted
    };
    KnownKind {
        kind,
        source: KindSource::Scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_750_000_000.0;

    #[test]
    fn kinds_are_told_from_the_scores() {
        assert_eq!(tell(Some((0.0, 9.0)), NOW).kind, Kind::Sorted);
        assert_eq!(tell(Some((NOW - 60.0, NOW)), NOW).kind, Kind::TimeSorted);
        assert_eq!(
            tell(Some((NOW - 60.0, NOW + 3600.0)), NOW).kind,
            Kind::Scheduled
        );
        // Priorities that happen to be large are not times to come.
        assert_eq!(tell(Some((1.0, 1e8)), NOW).kind, Kind::Sorted);
        assert_eq!(tell(None, NOW).source, KindSource::Empty);
    }

    #[test]
    fn a_sets_own_flag_wins_over_the_general_one() {
        let kinds = Kinds::new(vec![
            "scheduled".parse().unwrap(),
            "jobs=sorted".parse().unwrap(),
            "a=b=time-sorted".parse().unwrap(),
        ]);
        assert_eq!(kinds.named("jobs"), Some(Kind::Sorted));
        assert_eq!(kinds.named("a=b"), Some(Kind::TimeSorted));
        assert_eq!(kinds.named("other"), Some(Kind::Scheduled));
        assert_eq!(Kinds::default().named("x"), None);
        assert!("jobs=fifo".parse::<KindFlag>().is_err());
    }
}
