//! `redset`: see and steer running redset sets from a shell — their counts (per group
//! too), next items, leases and dead letters, the dead-letter and expired-lease
//! commands, pause and resume, a
//! Prometheus endpoint and the web dashboard. Built on the crate's public API
//! (`redset::aio`), so what it reads and changes is what the library does.
//!
//! One module per subcommand under `commands/`; `connect` (URLs, Redis or Cluster),
//! `set` (a set of any kind), `kind` (which kind, from a flag or the scores),
//! `discover` (finding sets), `render` (tables, times, colour), `confirm`,
//! `progress`, `serve` (the HTTP servers) and `throughput` (items in and out) are
//! shared by them.

mod commands;
mod confirm;
mod connect;
mod discover;
mod exit;
mod kind;
mod progress;
mod render;
mod serve;
mod set;
mod throughput;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::commands::{
    dashboard, dead, groups, in_flight, metrics, pause, peek, purge, recover, requeue, sets, stats,
};
use crate::exit::Failure;
use crate::kind::KindFlag;

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  Redis could not be reached, or answered with an error
  2  usage: the command line is wrong
  3  not confirmed: the question was declined, or could not be asked (not a terminal, no --yes)
  4  nothing there: no set found, nothing listed, nothing to change";

/// See and steer redset sets: counts, groups, next items, leases, dead letters, pause
/// and resume, metrics, and a web dashboard.
#[derive(Debug, Parser)]
#[command(name = "redset", version, about, after_help = EXIT_CODES)]
#[command(
    long_about = "See and steer redset sets: counts (per group too), next items, leases, dead \
letters, pause and resume, a \
Prometheus endpoint, and a web dashboard.

A server is named by a URL: redis://[user:password@]host:port[/db], rediss:// for TLS, \
redis+unix:///path/to.sock. A Redis Cluster is named by redis-cluster://host:port,host:port \
(rediss-cluster:// with TLS), by several --url, or by --cluster."
)]
struct Cli {
    /// The server: redis://, rediss:// (TLS), redis+unix://, or redis-cluster://h1:p1,h2:p2.
    /// Give it more than once for a cluster's nodes.
    #[arg(
        long,
        env = "REDIS_URL",
        global = true,
        default_value = "redis://127.0.0.1:6379/",
        hide_env_values = true
    )]
    url: Vec<String>,

    /// The URL names a node of a Redis Cluster.
    #[arg(long, global = true)]
    cluster: bool,

    /// The sets' kind, for what counts as due: `sorted`, `time-sorted` or `scheduled`
    /// for every set, or SET=KIND for one (repeatable). Without it the kind is told from
    /// the scores, and the output says so.
    #[arg(long, global = true, value_name = "KIND|SET=KIND")]
    kind: Vec<KindFlag>,

    /// How long to wait for a connection or a reply.
    #[arg(long, global = true, default_value = "5s", value_parser = humantime::parse_duration)]
    timeout: Duration,

    /// Print JSON for scripts instead of a table (fields: `redset help COMMAND`).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Stats(stats::Args),
    Groups(groups::Args),
    Sets(sets::Args),
    Peek(peek::Args),
    InFlight(in_flight::Args),
    Dead(dead::Args),
    Requeue(requeue::Args),
    Purge(purge::Args),
    Recover(recover::Args),
    Pause(pause::PauseArgs),
    Resume(pause::ResumeArgs),
    Metrics(metrics::Args),
    Dashboard(dashboard::Args),
}

/// What every subcommand is given besides its own arguments.
pub struct Context {
    /// Where the sets are.
    pub redis: connect::Redis,
    /// The kinds the user named.
    pub kinds: kind::Kinds,
    /// JSON output.
    pub json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return Failure::Io(err).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let target = connect::Target::parse(&cli.url, cli.cluster)?;
    let context = Context {
        redis: connect::Redis::new(target, cli.timeout),
        kinds: kind::Kinds::new(cli.kind),
        json: cli.json,
    };
    match cli.command {
        Command::Stats(args) => stats::run(&context, args).await,
        Command::Groups(args) => groups::run(&context, args).await,
        Command::Sets(args) => sets::run(&context, args).await,
        Command::Peek(args) => peek::run(&context, args).await,
        Command::InFlight(args) => in_flight::run(&context, args).await,
        Command::Dead(args) => dead::run(&context, args).await,
        Command::Requeue(args) => requeue::run(&context, args).await,
        Command::Purge(args) => purge::run(&context, args).await,
        Command::Recover(args) => recover::run(&context, args).await,
        Command::Pause(args) => pause::pause(&context, args).await,
        Command::Resume(args) => pause::resume(&context, args).await,
        Command::Metrics(args) => metrics::run(context, args).await,
        Command::Dashboard(args) => dashboard::run(context, args).await,
    }
}
