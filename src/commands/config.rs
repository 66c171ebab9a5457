//! `taskdb config show|path|init|check`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::context::Context;
use crate::db::session::session_info;
use crate::exit::{usage, Exit};
use crate::options::Format;
use crate::platform::ProcessEnv;
use crate::settings;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    cmd: ConfigCmd,
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Print every effective setting and where it came from (secrets redacted)
    Show,
    /// Print the config file in use (or where `config init` would write one)
    Path,
    /// Write a commented config file (0600); asks at a terminal, flag-driven otherwise
    Init(InitArgs),
    /// Connect with the effective settings and report the server reached (a preflight check)
    #[command(
        long_about = "Connect with the effective settings and report the server reached.\n\n\
Uses exactly what every database command uses: the connection string or PG*/DB_* variables, \
TLS (sslmode, sslrootcert, sslcert/sslkey), the password from the string, PGPASSWORD or \
~/.pgpass, every host in turn with target_session_attrs, and connect_timeout. Prints the server \
version, the host and port reached, database, user, TLS (protocol and cipher), whether the \
server is in recovery (a standby) and how long connecting took.\n\n\
Exit 0 when connected; 6 with one line and a hint when no host could be reached (refused, \
timeout, starting, read-only: retryable); 1 when not for another reason (authentication, \
missing database, TLS); 2 when the settings do not parse.",
        after_help = "Examples:\n  \
taskdb config check\n  \
taskdb --format json config check\n  \
taskdb --database-url 'postgres://app@db1:5432,db2:5432/taskdb?target_session_attrs=read-write&sslmode=verify-full&sslrootcert=/etc/taskdb/ca.pem' config check"
    )]
    Check,
}

#[derive(Debug, Args)]
struct InitArgs {
    /// Where to write [default: --config, TASKDB_CONFIG, or $XDG_CONFIG_HOME/taskdb/config.toml]
    #[arg(long, value_name = "FILE")]
    path: Option<PathBuf>,
    /// Overwrite an existing file
    #[arg(long)]
    force: bool,
    /// Directory for backups
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<PathBuf>,
    /// Data directory of the managed local cluster
    #[arg(long, value_name = "DIR")]
    local_data_dir: Option<PathBuf>,
    /// Cloudflare account id
    #[arg(long, value_name = "ID")]
    cloudflare_account_id: Option<String>,
    /// Cloudflare zone id
    #[arg(long, value_name = "ID")]
    cloudflare_zone_id: Option<String>,
    /// Never ask, even at a terminal
    #[arg(long)]
    no_input: bool,
}

pub async fn run(args: ConfigArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        ConfigCmd::Show => {
            ctx.out.list(&ctx.settings.entries())?;
            Ok(Exit::SUCCESS)
        }
        ConfigCmd::Path => {
            match &ctx.settings.config_file {
                Some(path) => ctx.out.line(path.display().to_string())?,
                None => {
                    let path = settings::default_config_path(&ProcessEnv);
                    ctx.out.line(path.display().to_string())?;
                    ctx.out
                        .note("(no config file yet; `taskdb config init` writes one there)");
                }
            }
            Ok(Exit::SUCCESS)
        }
        ConfigCmd::Init(init) => init_config(init, ctx).await,
        ConfigCmd::Check => check(ctx).await,
    }
}

/// What `config check` reports.
#[derive(Debug, Serialize)]
struct ConnectionCheck {
    server_version: String,
    host: String,
    port: u16,
    database: String,
    user: String,
    tls: bool,
    tls_version: Option<String>,
    tls_cipher: Option<String>,
    in_recovery: bool,
    connect_ms: f64,
}

async fn check(ctx: &Context) -> Result<Exit> {
    // Validate the format before connecting, so a bad --format changes nothing.
    ctx.out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    let db = ctx.db().await?;
    let info = session_info(&db).await?;
    let report = ConnectionCheck {
        server_version: info.server_version,
        host: db.host.clone(),
        port: db.port,
        database: info.database,
        user: info.user,
        in_recovery: info.in_recovery,
        tls: info.tls,
        tls_version: info.tls_version,
        tls_cipher: info.tls_cipher,
        connect_ms: (db.connect_time.as_secs_f64() * 10_000.0).round() / 10.0,
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let fields = [
        ("server_version", report.server_version.clone()),
        ("host", report.host.clone()),
        ("port", report.port.to_string()),
        ("database", report.database.clone()),
        ("user", report.user.clone()),
        ("tls", if report.tls { "on" } else { "off" }.to_string()),
        ("tls_version", opt(&report.tls_version)),
        ("tls_cipher", opt(&report.tls_cipher)),
        ("in_recovery", report.in_recovery.to_string()),
        ("connect_ms", format!("{:.1}", report.connect_ms)),
    ];
    ctx.out.record(&report, &fields)?;
    Ok(Exit::SUCCESS)
}

/// Values that go into a new config file.
#[derive(Debug, Default)]
struct InitValues {
    database_url: Option<String>,
    actor: Option<String>,
    backup_dir: Option<PathBuf>,
    local_data_dir: Option<PathBuf>,
    cloudflare_account_id: Option<String>,
    cloudflare_zone_id: Option<String>,
}

async fn init_config(args: InitArgs, ctx: &Context) -> Result<Exit> {
    let path = args
        .path
        .clone()
        .or_else(|| ctx.global.config.clone())
        .or_else(|| std::env::var_os("TASKDB_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| settings::default_config_path(&ProcessEnv));
    if path.exists() && !args.force {
        return Err(usage(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        )));
    }
    let mut values = InitValues {
        database_url: ctx.global.database_url.clone(),
        actor: ctx.global.actor.clone(),
        backup_dir: args.backup_dir.clone(),
        local_data_dir: args.local_data_dir.clone(),
        cloudflare_account_id: args.cloudflare_account_id.clone(),
        cloudflare_zone_id: args.cloudflare_zone_id.clone(),
    };
    let interactive = !args.no_input && ctx.out.stdin_is_terminal() && ctx.out.stderr_is_terminal();
    if interactive {
        values = tokio::task::spawn_blocking(move || ask(values)).await??;
    }
    let text = render_config(&values);
    // What we write must read back: a typo in a flag value must not produce a broken file.
    settings::parse_config(&text)
        .map_err(|e| usage(format!("the generated config does not parse{e}")))?;
    crate::platform::write_private_file(&path, text.as_bytes())?;
    ctx.out.note(format!("wrote {}", path.display()));
    ctx.out.line(path.display().to_string())?;
    Ok(Exit::SUCCESS)
}

fn ask(mut v: InitValues) -> Result<InitValues> {
    use dialoguer::Input;
    let text = |prompt: &str, current: Option<String>| -> Result<Option<String>> {
        let answer: String = Input::new()
            .with_prompt(prompt)
            .with_initial_text(current.unwrap_or_default())
            .allow_empty(true)
            .interact_text()?;
        Ok(Some(answer.trim().to_string()).filter(|s| !s.is_empty()))
    };
    v.database_url = text(
        "Database URL (empty: the managed local cluster)",
        v.database_url,
    )?;
    v.actor = text("Actor for the audit log (empty: user@host)", v.actor)?;
    v.backup_dir = text(
        "Backup directory (empty: default)",
        v.backup_dir.map(|p| p.display().to_string()),
    )?
    .map(PathBuf::from);
    v.cloudflare_account_id = text(
        "Cloudflare account id (empty: none)",
        v.cloudflare_account_id,
    )?;
    v.cloudflare_zone_id = text("Cloudflare zone id (empty: none)", v.cloudflare_zone_id)?;
    Ok(v)
}

/// A commented config file: every key, set ones uncommented.
fn render_config(v: &InitValues) -> String {
    let line = |key: &str, value: Option<String>, example: &str| match value {
        Some(val) => format!("{key} = {}\n", toml_string(&val)),
        None => format!("# {key} = {example}\n"),
    };
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let mut s = String::new();
    s.push_str("# taskdb configuration. Precedence: flags > environment > this file > PG*/DB_* > defaults.\n");
    s.push_str("# `taskdb config show` prints the effective values and where each came from.\n\n");
    s.push_str("# Who is recorded in the audit log (default: user@host).\n");
    s.push_str(&line("actor", v.actor.clone(), "\"deploy-bot\""));
    s.push_str("\n[database]\n# URL or key=value conninfo. Unset: the managed local cluster (`taskdb local`).\n");
    s.push_str("# Prefer ~/.pgpass or PGPASSWORD to a password in this file. Several hosts:\n");
    s.push_str(
        "# postgresql://db1,db2/taskdb?target_session_attrs=read-write. TLS: sslmode=verify-full\n",
    );
    s.push_str(
        "# with sslrootcert=/path/to/ca.pem (or =system). `taskdb config check` tries it.\n",
    );
    s.push_str(&line(
        "url",
        v.database_url.clone(),
        "\"postgresql://taskdb@db.example.com:5432/taskdb?sslmode=verify-full\"",
    ));
    s.push_str("# Seconds to wait for a connection.\n# connect_timeout = 10\n");
    s.push_str(
        "# Where waiting commands (--wait, an idle worker) LISTEN for new work: unset = a second\n",
    );
    s.push_str("# connection like the one above; a direct URL when `url` goes through a transaction-pooling\n");
    s.push_str(
        "# PgBouncer (LISTEN cannot work there); \"off\" = poll every poll_interval instead.\n",
    );
    s.push_str(
        "# listen_url = \"postgresql://taskdb@db1.internal:5432/taskdb?sslmode=verify-full\"\n",
    );
    s.push_str("# poll_interval = \"1s\"\n");
    s.push_str(
        "# Only read (as --read-only): reads go to a standby when one of the hosts is one\n",
    );
    s.push_str("# (target_session_attrs=prefer-standby); commands that write are refused.\n");
    s.push_str("# read_only = false\n");
    s.push_str("\n[local]\n# Data directory of the managed local cluster.\n");
    s.push_str(&line(
        "data_dir",
        path(&v.local_data_dir),
        "\"/var/lib/taskdb/pg\"",
    ));
    s.push_str("\n[backup]\n# Where `backup create` and `migrate` write pg_dump backups.\n");
    s.push_str(&line("dir", path(&v.backup_dir), "\"/var/backups/taskdb\""));
    s.push_str(
        "# Encrypt every backup with age to these recipients (public keys from `age-keygen -y`);\n",
    );
    s.push_str("# restoring then needs `--identity KEYFILE`. Unset: backups are not encrypted.\n");
    s.push_str("# encrypt_to = [\"age1…\"]\n");
    s.push_str("\n[migrate]\n# Seconds a migration's DDL may wait for a table lock before it is retried.\n# lock_timeout = 5\n");
    s.push_str("# Seconds `migrate up|down` waits for another run holding the migration lock.\n# lock_wait = 60\n");
    s.push_str("\n[cloudflare]\n# The API token is best given as CLOUDFLARE_API_TOKEN.\n# api_token = \"…\"\n");
    s.push_str(&line(
        "account_id",
        v.cloudflare_account_id.clone(),
        "\"0123456789abcdef0123456789abcdef\"",
    ));
    s.push_str(&line(
        "zone_id",
        v.cloudflare_zone_id.clone(),
        "\"0123456789abcdef0123456789abcdef\"",
    ));
    s.push_str("# base_url = \"https://api.cloudflare.com/client/v4\"\n");
    s
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_config_parses_and_keeps_values() {
        let v = InitValues {
            database_url: Some("postgres://a@b/c \"quoted\"".into()),
            backup_dir: Some("/tmp/b".into()),
            ..Default::default()
        };
        let cfg = settings::parse_config(&render_config(&v)).unwrap();
        assert_eq!(
            cfg.database.url.as_deref(),
            Some("postgres://a@b/c \"quoted\"")
        );
        assert_eq!(cfg.backup.dir, Some(PathBuf::from("/tmp/b")));
        assert!(settings::parse_config(&render_config(&InitValues::default())).is_ok());
        // The commented examples are valid once uncommented.
        let examples = render_config(&InitValues::default())
            .replace("# listen_url =", "listen_url =")
            .replace("# poll_interval =", "poll_interval =");
        let cfg = settings::parse_config(&examples).unwrap();
        assert!(cfg.database.listen_url.is_some());
        assert_eq!(cfg.database.poll_interval.as_deref(), Some("1s"));
    }
}
