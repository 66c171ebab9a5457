//! Command-line definition (clap derive). Nouns first, then verbs; each noun's arguments live in
//! its own module under `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

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

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalOpts {
    /// PostgreSQL URL or key=value conninfo [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Config file to read instead of the default search [env: TASKDB_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format on stdout
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Print only data and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Answer yes to confirmations (required for destructive commands without a terminal)
    #[arg(short, long, global = true)]
    pub yes: bool,

    /// When to use colour (NO_COLOR is honoured with auto)
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]
    #[arg(long, global = true, value_name = "NAME")]
    pub actor: Option<String>,
}

/// Output formats. Not every command supports every format; those that don't say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Tables for people (the default)
    #[value(alias = "human")]
    Table,
    /// One stable JSON document (snake_case keys, RFC 3339 timestamps)
    Json,
    /// Comma-separated values with a header row
    Csv,
    /// Nagios plugin output (health)
    Nagios,
    /// Prometheus text exposition (health, metrics dump)
    Prometheus,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Nagios => "nagios",
            Format::Prometheus => "prometheus",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
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
    /// Expose the database through a Cloudflare Tunnel behind Cloudflare Access
    Tunnel(commands::tunnel::TunnelArgs),
    /// Apply the zone's WAF rules, rate limiting and TLS settings from a policy
    Waf(commands::waf::WafArgs),
    /// Load-test the database with the seed system's operations (scratch database, dropped after)
    Bench(commands::bench::BenchArgs),
    /// Show, locate or create the configuration
    Config(commands::config::ConfigArgs),
    /// Print a shell completion script
    Completions(commands::completions::CompletionsArgs),
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
    GenerateMan(commands::completions::GenerateManArgs),
}
