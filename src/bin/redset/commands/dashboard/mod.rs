//! `redset dashboard --listen ADDR [SET…]`: the web dashboard's Rust host. It serves
//! the page of `src/dashboard/` (compiled in: nothing from a CDN, it works offline) and
//! the JSON API documented at the top of its `api.js`, the same routes, JSON and status
//! codes as the Node host (`redset/dashboard`).
//!
//! Each set's `stats()` is read once per `--refresh` whatever the number of pages open
//! (`sampler`), with a history point every `--history-step` (`history`); the sets are
//! those named and, with `--discover` or when none is named, those found by their
//! companion keys (`registry`). Changes need the token given at start (`guard`), and
//! each is logged on stderr.

mod extract;
mod guard;
mod history;
mod page;
mod reads;
mod registry;
mod reply;
mod routes;
mod sampler;
mod shared;
mod views;
mod writes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use self::guard::Guard;
use self::registry::Registry;
use self::sampler::Sampler;
use self::shared::SharedReads;
use crate::exit::Failure;
use crate::{render, serve, Context};

const EXAMPLES: &str = "\
Examples:
  redset dashboard                                  every set found, on http://127.0.0.1:8080/
  redset dashboard jobs retries --kind retries=scheduled
  REDSET_DASHBOARD_TOKEN=$(openssl rand -base64 24) redset dashboard --discover jobs
  redset dashboard --listen 0.0.0.0:8080 --allow-remote   (others can reach it: see below)

Read-only unless given a token (16 characters or more; best from the environment, as a
command line shows in `ps`). The page asks for it and sends it in the X-Redset-Token header
of each change, a POST from the page's own origin; a purge, a requeue of every dead letter, a
pause and a resume ask first, and every change is logged on stderr.

It listens on loopback only unless --allow-remote: the page and its reads (items, dead
letters and their reasons) are open to whoever reaches it, over plain HTTP. Put it behind
a TLS proxy with its own authentication to share it (--origin for the proxy's origin).";

/// Serves the web dashboard: every set's figures and charts, its items, leases, groups
/// and dead letters, and (with a token) requeue, purge, recover, pause and resume.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The sets to show; without any, every set found (as with --discover).
    sets: Vec<String>,

    /// The address to serve on: loopback unless --allow-remote (port 0: any free port,
    /// printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// Serve on an address other than loopback, which others can reach: the page and
    /// its reads are open to them.
    #[arg(long)]
    allow_remote: bool,

    /// Allows changes (requeue, purge, recover, pause, resume) to requests that carry
    /// it; at least 16 characters. Read-only without it.
    #[arg(long, env = "REDSET_DASHBOARD_TOKEN", hide_env_values = true)]
    token: Option<String>,

    /// Another origin whose pages may post changes, e.g. a proxy's
    /// `https://ops.example.com` (repeatable).
    #[arg(long = "origin", value_name = "ORIGIN")]
    origins: Vec<String>,

    /// Also show every set found by its companion keys, besides those named.
    #[arg(long)]
    discover: bool,

    /// How often each set's stats are read (and the page refreshes).
    #[arg(long, default_value = "2s", value_parser = period)]
    refresh: Duration,

    /// How often to look for sets again, and tell the kinds of those still empty.
    #[arg(long, default_value = "30s", value_parser = period)]
    rescan: Duration,

    /// The time between two points of the chart.
    #[arg(long, default_value = "10s", value_parser = period)]
    history_step: Duration,

    /// How far back the chart goes, kept in memory from the dashboard's start.
    #[arg(long, default_value = "1h", value_parser = period)]
    history: Duration,

    /// `recover` sends an expired item to the dead letters once it has had this many
    /// deliveries [default: the maximum the set's consumers last claimed with, else 5]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_deliveries: Option<u32>,
}

/// A duration of 100 ms or more.
fn period(text: &str) -> Result<Duration, String> {
    let period = humantime::parse_duration(text).map_err(|err| err.to_string())?;
    if period < Duration::from_millis(100) {
        return Err("at least 100ms".into());
    }
    Ok(period)
}

/// Everything a request or a refresh works with.
pub struct Dashboard {
    context: Context,
    registry: Registry,
    sampler: Sampler,
    guard: Guard,
    shared: SharedReads,
    /// `--max-deliveries`: recover's maximum over the one the consumers keep.
    max_deliveries: Option<u32>,
}

impl Dashboard {
    /// Logs a change or a failure on stderr: the time, who asked (`-`: the dashboard
    /// itself), and what happened.
    fn log(&self, peer: &str, message: &str) {
        eprintln!(
            "{} {peer} redset dashboard: {message}",
            render::timestamp(SystemTime::now())
        );
    }

    /// One refresh: the sets looked for when due, then every set's stats.
    async fn refresh(&self) {
        if let Err(failure) = self
            .registry
            .refresh(&self.context.redis, &self.context.kinds)
            .await
        {
            self.log("-", &format!("finding sets failed: {failure}"));
        }
        self.sampler
            .sample_all(&self.context.redis, &self.registry.list())
            .await;
    }

    /// Refreshes every `--refresh`, a refresh at a time, for as long as it serves.
    async fn keep_refreshing(self: Arc<Self>) {
        loop {
            self.refresh().await;
            tokio::time::sleep(self.sampler.refresh()).await;
        }
    }
}

/// Runs `redset dashboard` until Ctrl-C or SIGTERM.
pub async fn run(context: Context, args: Args) -> Result<(), Failure> {
    let remote = !args.listen.ip().is_loopback();
    if remote && !args.allow_remote {
        return Err(Failure::Usage(format!(
            "{} is not a loopback address: the dashboard's page and reads would be open to \
             whoever reaches it; add --allow-remote to mean it",
            args.listen.ip()
        )));
    }
    let guard = Guard::new(args.token.as_deref(), &args.origins)?;
    let (listener, address) = serve::listen(args.listen).await?;
    let showing = match (args.sets.is_empty(), args.discover) {
        (true, _) => "every set found".to_owned(),
        (false, false) => args.sets.join(", "),
        (false, true) => format!("{} and every set found", args.sets.join(", ")),
    };
    eprintln!(
        "redset: serving the dashboard on http://{address}/ for {showing} on {}; {}",
        context.redis.target().describe(),
        guard.describe()
    );
    if remote {
        eprintln!(
            "redset: WARNING: listening on {address}, beyond loopback: anyone who reaches it \
             reads the sets' items and dead letters, over plain HTTP{}",
            if guard.allows_writes() {
                ", and the token travels in clear: serve it behind a TLS proxy"
            } else {
                ""
            }
        );
    }
    let discover = args.discover || args.sets.is_empty();
    let dashboard = Arc::new(Dashboard {
        registry: Registry::new(&context.kinds, args.sets, discover, args.rescan),
        sampler: Sampler::new(args.refresh, args.history_step, args.history),
        context,
        guard,
        shared: SharedReads::default(),
        max_deliveries: args.max_deliveries,
    });
    tokio::spawn(dashboard.clone().keep_refreshing());
    serve::until_stopped(listener, routes::router(dashboard)).await
}
