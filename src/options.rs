//! The options every command shares (`--format`, `--color`, `--database-url`, …) and their
//! value types. They sit on the ground floor so that `settings` and `output` can read them
//! without reaching up into the command-line definition (`cli`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

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

    /// Only read: send reads to a standby when one of the hosts is one
    /// (target_session_attrs=prefer-standby) and refuse commands that write [env:
    /// TASKDB_READ_ONLY]
    #[arg(long, global = true)]
    pub read_only: bool,
}

/// What a command does with the database: `--read-only` refuses the commands that write
/// (before connecting), and a command that writes is refused on a standby.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseUse {
    /// Reads it, or does not use it: may run on a standby.
    Reads,
    /// Writes (the command, for messages: "task create"): needs the primary.
    Writes(&'static str),
    /// Reads only under `--read-only`, writes otherwise (`taskdb mcp`: its read-only mode).
    WritesUnlessReadOnly(&'static str),
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

/// Where the Cloudflare API token comes from when not CLOUDFLARE_API_TOKEN / the config file.
#[derive(Debug, Clone, Args)]
pub struct ApiTokenOpt {
    /// Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)
    #[arg(long, value_name = "FILE")]
    pub api_token_file: Option<PathBuf>,
}
