//! `redset metrics --listen ADDR [SET…]`: `/metrics` for Prometheus, in the OpenMetrics
//! text format (`prometheus-client`) over HTTP (`axum` on tokio).
//!
//! Each scrape reads each set's counts anew, in one round trip per set (`stats()`),
//! into a registry made for that scrape, so a set that is gone leaves no stale series.
//! Kinds are told from the scores once, and again when the sets are looked for again.
//! The exporter's own series (`redset_up`, `redset_read_errors_total`) say when Redis
//! could not be read, so a scrape during an outage still answers.
//!
//! Per-set series come in groups observed from the same readings: `gauges`, and the
//! server-side `counters` of sets that count; with `--groups N`, the per-group `groups`
//! gauges of grouped sets, from a second round trip.

mod counters;
mod gauges;
mod groups;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::Mutex;

use self::counters::CounterSeries;
use self::gauges::Gauges;
use self::groups::GroupGauges;
use crate::exit::Failure;
use crate::kind::{KindSource, KnownKind};
use crate::set::OpSet;
use crate::{discover, serve, Context};

/// What Prometheus is told the body is.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

const EXAMPLES: &str = "\
Examples:
  redset metrics                                    every set found, on 127.0.0.1:9464
  redset metrics --listen 0.0.0.0:9464 jobs retries
  redset metrics --kind retries=scheduled

Series (a `set` label on each but the first two):
  redset_up                            1 when this scrape could read Redis, else 0
  redset_read_errors_total             reads of a set that failed, since start
  redset_waiting_items                 items in the set, due or not
  redset_due_items                     items that can be taken now
  redset_in_flight_items               leased items, and retries waiting out their delay
  redset_dead_items                    dead letters
  redset_oldest_due_age_seconds        how long the oldest due item has waited (time-ordered
                                       sets only; 0 when none is due)
  redset_paused                        1 while the set is paused, else 0
  redset_held_seconds                  how long a handler's rate limit still holds the set
                                       (0 when none does)
With --groups N, for each of a grouped set's first N groups (a `group` label too):
  redset_group_waiting_items, redset_group_in_flight_items, redset_group_dead_items
For sets that count (.metrics(true) / { metrics: true } in their clients), the server's totals:
  redset_added_items_total, redset_claimed_items_total, redset_acked_items_total,
  redset_retried_items_total, redset_released_items_total, redset_dead_lettered_items_total,
  redset_recovered_items_total, redset_requeued_items_total";

/// Serves `/metrics` for Prometheus: each set's counts, read at each scrape.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The sets; without any, every set `redset sets` finds, looked for again every --rescan.
    sets: Vec<String>,

    /// The address to serve on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:9464")]
    listen: SocketAddr,

    /// How often to look for sets again and tell their kinds anew.
    #[arg(long, default_value = "1m", value_parser = humantime::parse_duration)]
    rescan: Duration,

    /// Also serve per-group gauges for up to this many groups of each grouped set (a
    /// second round trip per set; each group is a series of its own). 0: none.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=10_000))]
    groups: u32,
}

/// The label of every per-set series.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SetLabels {
    /// The set's name.
    pub set: String,
}

/// The sets served and their kinds, as last looked for.
#[derive(Default)]
struct Known {
    sets: Vec<String>,
    kinds: HashMap<String, KnownKind>,
    looked: Option<Instant>,
}

struct Exporter {
    context: Context,
    named: Vec<String>,
    rescan: Duration,
    group_limit: usize,
    known: Mutex<Known>,
    read_errors: Family<SetLabels, Counter>,
}

/// Runs `redset metrics` until Ctrl-C or SIGTERM.
pub async fn run(context: Context, args: Args) -> Result<(), Failure> {
    let (listener, address) = serve::listen(args.listen).await?;
    let serving = if args.sets.is_empty() {
        format!(
            "every set found (looked for again every {})",
            crate::render::duration(args.rescan)
        )
    } else {
        args.sets.join(", ")
    };
    eprintln!(
        "redset: serving http://{address}/metrics for {serving} on {}",
        context.redis.target().describe()
    );
    let exporter = Arc::new(Exporter {
        context,
        named: args.sets,
        rescan: args.rescan,
        group_limit: args.groups as usize,
        known: Mutex::default(),
        read_errors: Family::default(),
    });
    let app = Router::new()
        .route("/metrics", get(serve_metrics))
        .route("/", get(index))
        .with_state(exporter);
    serve::until_stopped(listener, app).await
}

async fn index() -> &'static str {
    "redset metrics: see /metrics\n"
}

async fn serve_metrics(State(exporter): State<Arc<Exporter>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        exporter.scrape().await,
    )
}

/// Whether a failure is Redis out of reach, rather than an answer (a wrong type).
fn unreachable(failure: &Failure) -> bool {
    matches!(
        failure,
        Failure::Redis(redset::Error::Connection(_) | redset::Error::OutcomeUnknown { .. })
    )
}

impl Exporter {
    /// One scrape's text: every set read now.
    async fn scrape(&self) -> String {
        let (sets, kinds, mut up) = self.sets_and_kinds().await;
        let gauges = Gauges::default();
        let counters = CounterSeries::default();
        let group_gauges = GroupGauges::default();
        let reads = sets
            .iter()
            .map(|name| self.read(name, kinds.get(name).copied()));
        let readings = futures_util::future::join_all(reads).await;
        let mut told = Vec::new();
        for (name, reading) in sets.iter().zip(readings) {
            let set = SetLabels { set: name.clone() };
            match reading {
                Ok((kind, stats, groups)) => {
                    gauges.observe(&set, &kind, &stats);
                    group_gauges.observe(name, &groups);
                    if let Some(counted) = &stats.counters {
                        counters.observe(&set, counted);
                    }
                    // An empty set's kind is told again at the next scrape.
                    if kind.source != KindSource::Empty {
                        told.push((name.clone(), kind));
                    }
                }
                Err(failure) => {
                    up &= !unreachable(&failure);
                    self.read_errors.get_or_create(&set).inc();
                }
            }
        }
        self.known.lock().await.kinds.extend(told);

        let mut registry = Registry::with_prefix("redset");
        let redis_up: Gauge = Gauge::default();
        redis_up.set(i64::from(up));
        registry.register(
            "up",
            "Whether this scrape could read Redis (1) or not (0)",
            redis_up,
        );
        registry.register(
            "read_errors",
            "Reads of a set that failed, since the exporter started",
            self.read_errors.clone(),
        );
        gauges.register(&mut registry);
        counters.register(&mut registry);
        if self.group_limit > 0 {
            group_gauges.register(&mut registry);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
        text
    }

    /// A set's kind and counts — one round trip once its kind is known — and with
    /// `--groups`, its groups' (another).
    async fn read(
        &self,
        name: &str,
        known: Option<KnownKind>,
    ) -> Result<(KnownKind, redset::Stats, Vec<redset::GroupStats>), Failure> {
        let set = match known {
            Some(kind) => OpSet::of_kind(self.context.redis.conn().await?, name, kind),
            None => OpSet::open(&self.context.redis, &self.context.kinds, name).await?,
        };
        let stats = set.stats().await?;
        let groups = match self.group_limit {
            0 => Vec::new(),
            limit => set.groups(limit).await?,
        };
        Ok((set.kind(), stats, groups))
    }

    /// The sets to read and the kinds known; looks for sets (when none was named) and
    /// forgets the kinds told from scores every `rescan`. `false` when looking failed
    /// for want of Redis (the sets last found are read).
    async fn sets_and_kinds(&self) -> (Vec<String>, HashMap<String, KnownKind>, bool) {
        let mut known = self.known.lock().await;
        let mut up = true;
        if known.looked.is_none_or(|at| at.elapsed() >= self.rescan) {
            known
                .kinds
                .retain(|_, kind| kind.source == KindSource::Flag);
            if self.named.is_empty() {
                match discover::find_sets(&self.context.redis, false).await {
                    Ok(found) => {
                        known.sets = found.into_iter().map(|f| f.name).collect();
                        known.looked = Some(Instant::now());
                    }
                    Err(failure) => up = !unreachable(&failure),
                }
            } else {
                known.sets.clone_from(&self.named);
                known.looked = Some(Instant::now());
            }
        }
        (known.sets.clone(), known.kinds.clone(), up)
    }
}
