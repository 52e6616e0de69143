//! Every set's `stats()`, read once per refresh (one round trip per set) whatever the
//! number of pages open: the latest reading for the API with the items in and out per
//! second since the one before (for a set that counts), and a point per history step.
//! The pages read what the sampler holds, so Redis sees the same few commands per
//! second however many are open.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use super::history::{flow, Flow, History, HistoryView, Reading};
use super::registry::Entry;
use super::reply::ErrorView;
use super::views::epoch_ms;
use crate::connect::Redis;
use crate::exit::Failure;
use crate::set::OpSet;

/// The readings of every set, by name.
pub struct Sampler {
    refresh: Duration,
    history_step: Duration,
    history_span: Duration,
    samples: Mutex<HashMap<String, Sample>>,
    /// Whether a first pass over every set has ended.
    passed: watch::Sender<bool>,
}

/// What the sampler knows of one set.
struct Sample {
    /// The last good reading.
    latest: Option<Reading>,
    /// The reading the flow is counted from: half a refresh or more before `latest`.
    base: Option<Reading>,
    flow: Option<Flow>,
    /// Why the last read failed, if it did (the last good figures stay).
    error: Option<ErrorView>,
    /// When the read that gave `latest` was asked.
    asked: Option<Instant>,
    history: History,
}

/// A set's latest figures, as the API shows them.
pub struct Latest {
    /// The last good reading, if any.
    pub reading: Option<Reading>,
    /// Items in and out per second over the last refresh or so (a set that counts).
    pub flow: Option<Flow>,
    /// Why the last read failed, if it did.
    pub error: Option<ErrorView>,
}

impl Sampler {
    /// A reading every `refresh`, a history point every `history_step` over the last
    /// `history_span`.
    pub fn new(refresh: Duration, history_step: Duration, history_span: Duration) -> Sampler {
        Sampler {
            refresh,
            history_step,
            history_span,
            samples: Mutex::default(),
            passed: watch::Sender::new(false),
        }
    }

    /// How often every set is read.
    pub fn refresh(&self) -> Duration {
        self.refresh
    }

    fn samples(&self) -> MutexGuard<'_, HashMap<String, Sample>> {
        // A panic elsewhere cannot leave a sample half-written: keep serving them.
        self.samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads every set in `entries`, all at once.
    pub async fn sample_all(&self, redis: &Redis, entries: &[Entry]) {
        let reads = entries.iter().map(|entry| self.sample_set(redis, entry));
        futures_util::future::join_all(reads).await;
        self.passed.send_replace(true);
    }

    /// Once the first pass has ended, so that no request sees sets not read yet.
    pub async fn ready(&self) {
        let mut passed = self.passed.subscribe();
        // The sender lives as long as `self`: waiting cannot fail.
        let _ = passed.wait_for(|passed| *passed).await;
    }

    /// Reads one set's stats now (also after a change, so that its effect shows at
    /// once).
    pub async fn sample_set(&self, redis: &Redis, entry: &Entry) {
        let asked = Instant::now();
        let read = async {
            let conn = redis.conn().await?;
            let set = OpSet::of_kind(conn, &entry.name, entry.kind);
            Ok::<_, Failure>(set.stats().await?)
        };
        let result = read.await;
        let at_ms = epoch_ms(SystemTime::now());
        let mut samples = self.samples();
        let sample = samples.entry(entry.name.clone()).or_insert_with(|| Sample {
            latest: None,
            base: None,
            flow: None,
            error: None,
            asked: None,
            history: History::new(self.history_step, self.history_span),
        });
        // A read asked before the one kept (a pass overtaken by a change's) is older.
        if sample.asked.is_some_and(|kept| asked < kept) {
            return;
        }
        let stats = match result {
            Ok(stats) => stats,
            Err(failure) => {
                sample.error = Some(ErrorView::of(&failure));
                return;
            }
        };
        let reading = Reading { at_ms, stats };
        sample.latest = Some(reading);
        sample.error = None;
        sample.asked = Some(asked);
        // A flow over half a refresh at least: a change's read right after a pass would
        // divide by a few ms.
        let half_refresh = u64::try_from(self.refresh.as_millis() / 2).unwrap_or(u64::MAX);
        if sample
            .base
            .is_none_or(|base| at_ms.saturating_sub(base.at_ms) >= half_refresh)
        {
            sample.flow = sample.base.and_then(|base| flow(&base, &reading));
            sample.base = Some(reading);
        }
        sample.history.record(reading);
    }

    /// A set's latest figures; `None` before its first read.
    pub fn latest(&self, name: &str) -> Option<Latest> {
        self.samples().get(name).map(|sample| Latest {
            reading: sample.latest,
            flow: sample.flow,
            error: sample.error.clone(),
        })
    }

    /// A set's history; `None` before its first read.
    pub fn history(&self, name: &str) -> Option<HistoryView> {
        self.samples().get(name).map(|sample| sample.history.view())
    }
}
