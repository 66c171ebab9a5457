//! Command-line definition (clap derive). Nouns first, then verbs; each noun's arguments live in
//! its own module under `commands/`.

use clap::{Parser, Subcommand};

pub mod completions;

use anyhow::Result;

use crate::commands;
use crate::context::Context;
use crate::exit::Exit;
use crate::options::{DatabaseUse, GlobalOpts};

/// Run the PostgreSQL database of an AI-driven CI/CD system and expose it through Cloudflare.
///
/// With nothing configured, taskdb uses a local PostgreSQL cluster it manages itself
/// (see `taskdb local`). Settings come from flags, then environment variables, then the config
/// file, then libpq's PG* variables (see `taskdb config show`).
#[derive(Debug, Parser)]
#[command(
    name = "taskdb",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the local PostgreSQL cluster taskdb uses when nothing else is configured
    Local(commands::local::LocalArgs),
    /// Apply, revert, inspect and rehearse schema migrations (backups taken automatically)
    Migrate(commands::migrate::MigrateArgs),
    /// Create, list, verify and restore pg_dump backups
    Backup(commands::backup::BackupArgs),
    /// Create, find, claim and change tasks; import and export Task Master files
    Task(Box<commands::task::TaskArgs>),
    /// Track workflow runs of tasks: steps, failures, retries
    Workflow(commands::workflow::WorkflowArgs),
    /// Create, list, show, rotate and drop the database roles clients log in as
    ///
    /// Login roles of three kinds: reader (reads), agent (claims and works on the tasks it
    /// holds, only through the schema's functions), operator (all data, no DDL). See the README,
    /// "Roles and least privilege", for which role each command needs.
    Role(commands::role::RoleArgs),
    /// Claim tasks and run a command for each: heartbeats, retries, graceful stop
    ///
    /// Claims tasks (--tag, --type) with a lease, runs `CMD [ARGS…]` for each with the task in
    /// its environment, extends the lease while it runs, and ends the attempt with its exit
    /// status: 0 completes the task, anything else fails the attempt (retried until max
    /// attempts, then failed). Waits for work when nothing is claimable.
    Worker(commands::worker::WorkerArgs),
    /// Expose the database through a Cloudflare Tunnel behind Cloudflare Access
    Tunnel(commands::tunnel::TunnelArgs),
    /// Apply the zone's WAF rules, rate limiting and TLS settings from a policy
    Waf(commands::waf::WafArgs),
    /// Load-test the database with the seed system's operations (scratch database, dropped after)
    Bench(commands::bench::BenchArgs),
    /// Serve the task database to AI agents over the Model Context Protocol (stdio)
    ///
    /// Tools to take, work and close tasks (next_task with claim, heartbeat, set_task_status,
    /// release_task…), to find and read them, and a health summary; resources task://{id} and
    /// tasks://ready. Speaks MCP (JSON-RPC) on stdin/stdout until the client closes stdin.
    Mcp(commands::mcp::McpArgs),
    /// Show, locate or create the configuration
    Config(commands::config::ConfigArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Check the database: Nagios exit codes, Prometheus textfile, alerts
    ///
    /// Runs every probe (or those chosen with --check) on one connection, within --timeout for
    /// the whole run, and exits with the worst probe's Nagios code: 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN (severity OK < WARNING < UNKNOWN < CRITICAL). A probe that cannot
    /// run (missing pg_monitor, a timeout, a missing table) is UNKNOWN with a hint; a database
    /// that cannot be reached is CRITICAL. Formats (global --format): table (default; alias
    /// human), json, nagios, prometheus.
    Health(commands::health::HealthArgs),
    /// Record, print and expire samples in system_metrics
    Metrics(commands::metrics::MetricsArgs),
    /// Partitions ahead, retention, ANALYZE: the one cron entry for upkeep
    ///
    /// Creates the monthly partitions of system_metrics and api_access_logs for the next months,
    /// applies retention to system_metrics, api_access_logs and audit_log, recounts any wrong
    /// count of open blockers (tasks.open_blockers), ANALYZEs taskdb's tables and reports what
    /// it did. Settings: flags, then [maintain] in the config file, then
    /// defaults (3 months ahead; keep metrics 30 days, API access logs 7, audit log 90; 0 keeps
    /// a table forever). Idempotent; a second run while one is in progress skips (exit 0).
    Maintain(commands::maintain::MaintainArgs),
    /// Write man pages into a directory (used to regenerate man/)
    #[command(hide = true)]
    GenerateMan(completions::GenerateManArgs),
}

impl Command {
    /// Whether the command handles SIGINT/SIGTERM itself (`worker`: it lets running commands
    /// finish and releases their tasks) instead of being cancelled at once.
    pub fn handles_signals(&self) -> bool {
        matches!(self, Command::Worker(_))
    }

    /// What the command does with the database: read-only mode refuses the commands that
    /// write, and a command that writes is refused on a standby.
    pub fn database_use(&self) -> DatabaseUse {
        match self {
            Command::Migrate(args) => args.database_use(),
            Command::Backup(args) => args.database_use(),
            Command::Task(args) => args.database_use(),
            Command::Workflow(args) => args.database_use(),
            Command::Role(args) => args.database_use(),
            Command::Metrics(args) => args.database_use(),
            Command::Worker(_) => DatabaseUse::Writes("worker"),
            Command::Bench(_) => DatabaseUse::Writes("bench"),
            Command::Maintain(_) => DatabaseUse::Writes("maintain"),
            // Only its reading tools under --read-only (the name is for "`taskdb …` writes").
            Command::Mcp(_) => DatabaseUse::WritesUnlessReadOnly("mcp` without `--read-only"),
            // health --record writes where it can (never on a standby) and is refused in
            // read-only mode by `health` itself; the others read, or use no database.
            Command::Health(_)
            | Command::Config(_)
            | Command::Local(_)
            | Command::Tunnel(_)
            | Command::Waf(_)
            | Command::Completions(_)
            | Command::GenerateMan(_) => DatabaseUse::Reads,
        }
    }

    /// Run the command.
    pub async fn dispatch(self, ctx: &Context) -> Result<Exit> {
        match self {
            Command::Local(args) => commands::local::run(args, ctx).await,
            Command::Migrate(args) => commands::migrate::run(args, ctx).await,
            Command::Backup(args) => commands::backup::run(args, ctx).await,
            Command::Bench(args) => commands::bench::run(args, ctx).await,
            Command::Config(args) => commands::config::run(args, ctx).await,
            Command::Health(args) => commands::health::run(args, ctx).await,
            Command::Metrics(args) => commands::metrics::run(args, ctx).await,
            Command::Maintain(args) => commands::maintain::run(args, ctx).await,
            Command::Mcp(args) => commands::mcp::run(args, ctx).await,
            Command::Task(args) => commands::task::run(*args, ctx).await,
            Command::Workflow(args) => commands::workflow::run(args, ctx).await,
            Command::Role(args) => commands::role::run(args, ctx).await,
            Command::Worker(args) => commands::worker::run(args, ctx).await,
            Command::Tunnel(args) => commands::tunnel::run(args, ctx).await,
            Command::Waf(args) => commands::waf::run(args, ctx).await,
            Command::Completions(args) => completions::run(args),
            Command::GenerateMan(args) => completions::generate_man(args),
        }
    }
}
