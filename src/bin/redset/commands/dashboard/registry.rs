//! The sets a dashboard shows: those named, in the order named, then (with discovery)
//! those found by their companion keys; and each one's kind: from `--kind`, or told
//! from its scores (the API's `kindGuessed`). An empty set has nothing to tell its kind
//! from: it reads as a sorted set until a later look finds items. A set found stays
//! listed while the dashboard runs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use redset::core::Kind;

use crate::connect::Redis;
use crate::discover;
use crate::exit::Failure;
use crate::kind::{KindSource, Kinds, KnownKind};
use crate::set::OpSet;

/// The kind of a set not told yet (or empty): read as a sorted set.
const UNTOLD: KnownKind = KnownKind {
    kind: Kind::Sorted,
    source: KindSource::Empty,
};

/// A set shown, and its kind as known now.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The set's name.
    pub name: String,
    /// Its kind, and how that is known.
    pub kind: KnownKind,
}

impl Entry {
    fn new(name: String, kinds: &Kinds) -> Entry {
        let kind = kinds.named(&name).map_or(UNTOLD, |kind| KnownKind {
            kind,
            source: KindSource::Flag,
        });
        Entry { name, kind }
    }

    /// Whether the kind was read off the scores (or is not known yet) rather than given.
    pub fn kind_guessed(&self) -> bool {
        self.kind.source != KindSource::Flag
    }
}

/// The sets shown; looked for again every `rescan`.
pub struct Registry {
    discover: bool,
    rescan: Duration,
    state: Mutex<State>,
}

struct State {
    entries: Vec<Entry>,
    looked: Option<Instant>,
}

impl Registry {
    /// The sets `named` (a name given twice is shown once), and with `discover` those
    /// found.
    pub fn new(kinds: &Kinds, named: Vec<String>, discover: bool, rescan: Duration) -> Registry {
        let mut entries: Vec<Entry> = Vec::with_capacity(named.len());
        for name in named {
            if !entries.iter().any(|e| e.name == name) {
                entries.push(Entry::new(name, kinds));
            }
        }
        Registry {
            discover,
            rescan,
            state: Mutex::new(State {
                entries,
                looked: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the list half-changed: keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The set shown under `name`.
    pub fn get(&self, name: &str) -> Option<Entry> {
        self.state()
            .entries
            .iter()
            .find(|e| e.name == name)
            .cloned()
    }

    /// Every set shown, in order.
    pub fn list(&self) -> Vec<Entry> {
        self.state().entries.clone()
    }

    /// Once every `rescan`: finds new sets (with discovery) and tells the kind of each
    /// set not told yet. A failed search is tried again at the next call; a set whose
    /// kind cannot be read now is told at the next look.
    pub async fn refresh(&self, redis: &Redis, kinds: &Kinds) -> Result<(), Failure> {
        if self
            .state()
            .looked
            .is_some_and(|at| at.elapsed() < self.rescan)
        {
            return Ok(());
        }
        let found = match self.discover {
            true => discover::find_sets(redis, false).await?,
            false => Vec::new(),
        };
        let untold: Vec<String> = {
            let mut state = self.state();
            for set in found {
                if !state.entries.iter().any(|e| e.name == set.name) {
                    state.entries.push(Entry::new(set.name, kinds));
                }
            }
            let untold = state
                .entries
                .iter()
                .filter(|e| e.kind.source == KindSource::Empty);
            untold.map(|e| e.name.clone()).collect()
        };
        let told = futures_util::future::join_all(untold.iter().map(|name| async move {
            OpSet::open(redis, kinds, name).await.map(|set| set.kind())
        }))
        .await;
        let mut state = self.state();
        for (name, kind) in untold.iter().zip(told) {
            if let (Ok(kind), Some(entry)) =
                (kind, state.entries.iter_mut().find(|e| &e.name == name))
            {
                entry.kind = kind;
            }
        }
        state.looked = Some(Instant::now());
        Ok(())
    }
}
