//! A set's figures over the last span (an hour by default), kept in memory while the
//! dashboard runs: one point per step, oldest first, older points dropped. Each series
//! is a name and a unit: the depths of `stats()` (items), and for a set that counts
//! server-side, the items in and out per second between points. A new series is one
//! more entry in [`SERIES`]: the API and the page chart any series by unit.

use std::collections::VecDeque;
use std::time::Duration;

use redset::Stats;
use serde::Serialize;

use crate::throughput;

/// One reading of a set's stats, and when (ms since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// When it was read.
    pub at_ms: u64,
    /// What was read.
    pub stats: Stats,
}

/// Items per second into a set and out of it (claimed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// Added, or back from a lease or the dead letters.
    pub in_per_sec: f64,
    /// Claimed.
    pub out_per_sec: f64,
}

/// The flow between two readings, as `redset stats --watch` counts it; `None` unless
/// both have the server-side counters (and some time passed).
pub fn flow(before: &Reading, after: &Reading) -> Option<Flow> {
    let (was, is) = (before.stats.counters?, after.stats.counters?);
    let seconds = after.at_ms.checked_sub(before.at_ms)? as f64 / 1000.0;
    if seconds <= 0.0 {
        return None;
    }
    let per_sec = |from: u64, to: u64| to.saturating_sub(from) as f64 / seconds;
    Some(Flow {
        in_per_sec: per_sec(throughput::entered(&was), throughput::entered(&is)),
        out_per_sec: per_sec(was.claimed, is.claimed),
    })
}

/// The series, by name in the API and unit; [`values`] gives a reading's, in order.
const SERIES: [(&str, &str); 6] = [
    ("waiting", "items"),
    ("due", "items"),
    ("inFlight", "items"),
    ("dead", "items"),
    ("in", "items/s"),
    ("out", "items/s"),
];

/// A point's value of each of [`SERIES`]: the depths, and the flow since the last
/// point (none where the set did not count).
fn values(stats: &Stats, flow: Option<Flow>) -> [Option<f64>; SERIES.len()] {
    [
        Some(stats.waiting as f64),
        Some(stats.due as f64),
        Some(stats.in_flight as f64),
        Some(stats.dead as f64),
        flow.map(|f| f.in_per_sec),
        flow.map(|f| f.out_per_sec),
    ]
}

/// One set's points.
#[derive(Debug)]
pub struct History {
    step_ms: u64,
    capacity: usize,
    times: VecDeque<u64>,
    /// Per series of [`SERIES`], a value per time; `None` is a gap, drawn as one.
    values: Vec<VecDeque<Option<f64>>>,
    /// The reading of the last point, the base of the next point's flow.
    last: Option<Reading>,
}

/// The history as the API gives it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    step_ms: u64,
    span_ms: u64,
    t: Vec<u64>,
    series: Vec<SeriesView>,
}

#[derive(Debug, Serialize)]
struct SeriesView {
    name: &'static str,
    unit: &'static str,
    values: Vec<Option<f64>>,
}

impl History {
    /// A point every `step` over the last `span`.
    pub fn new(step: Duration, span: Duration) -> History {
        let step_ms = u64::try_from(step.as_millis()).unwrap_or(u64::MAX).max(1);
        let span_ms = u64::try_from(span.as_millis()).unwrap_or(u64::MAX);
        let capacity = usize::try_from(span_ms.div_ceil(step_ms))
            .unwrap_or(usize::MAX)
            .max(1);
        History {
            step_ms,
            capacity,
            times: VecDeque::new(),
            values: SERIES.iter().map(|_| VecDeque::new()).collect(),
            last: None,
        }
    }

    /// Records `reading` if a step has passed since the last point; a reading within
    /// the same step is not a new point.
    pub fn record(&mut self, reading: Reading) {
        if let Some(last) = &self.last {
            if reading.at_ms.saturating_sub(last.at_ms) < self.step_ms {
                return;
            }
        }
        let flow = self.last.as_ref().and_then(|last| flow(last, &reading));
        self.last = Some(reading);
        self.times.push_back(reading.at_ms);
        for (series, value) in self.values.iter_mut().zip(values(&reading.stats, flow)) {
            series.push_back(value);
        }
        if self.times.len() > self.capacity {
            self.times.pop_front();
            self.values.iter_mut().for_each(|v| {
                v.pop_front();
            });
        }
    }

    /// The points as the API gives them.
    pub fn view(&self) -> HistoryView {
        HistoryView {
            step_ms: self.step_ms,
            span_ms: self.capacity as u64 * self.step_ms,
            t: self.times.iter().copied().collect(),
            series: SERIES
                .iter()
                .zip(&self.values)
                .map(|(&(name, unit), values)| SeriesView {
                    name,
                    unit,
                    values: values.iter().copied().collect(),
                })
                .collect(),
        }
    }
}
