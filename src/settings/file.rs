//! The config file: its TOML types (one struct per section, unknown keys refused), where it is
//! found (`--config`, `TASKDB_CONFIG`, `./taskdb.toml`, XDG) and how it is read and parsed, with
//! errors that name the file, line and key. Merging it with flags and the environment is
//! `settings`' job ([`super::Settings::load_with`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use crate::exit::usage;
use crate::options::GlobalOpts;
use crate::platform::{config_home, Env};

/// The TOML config file. Unknown keys are errors (with file, line and key).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Who is acting (audit log).
    pub actor: Option<String>,
    #[serde(default)]
    pub database: FileDatabase,
    #[serde(default)]
    pub local: FileLocal,
    #[serde(default)]
    pub backup: FileBackup,
    #[serde(default)]
    pub migrate: FileMigrate,
    #[serde(default)]
    pub cloudflare: FileCloudflare,
    #[serde(default)]
    pub health: FileHealth,
    #[serde(default)]
    pub maintain: FileMaintain,
    #[serde(default)]
    pub tasks: FileTasks,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDatabase {
    /// PostgreSQL URL or key=value conninfo.
    pub url: Option<String>,
    /// Seconds to wait for a connection.
    pub connect_timeout: Option<u64>,
    /// Where waiting commands run `LISTEN taskdb_ready`: `off`, or a URL/conninfo (default: a
    /// dedicated connection like the main one).
    pub listen_url: Option<String>,
    /// How often waiting commands poll when they cannot listen, e.g. "1s".
    pub poll_interval: Option<String>,
    /// Only read (as `--read-only`): reads prefer a standby, commands that write are refused.
    pub read_only: Option<bool>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLocal {
    /// Where the managed local cluster keeps its data.
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBackup {
    /// Where backups are written.
    pub dir: Option<PathBuf>,
    /// age recipients (`age1…`) every backup is encrypted to: one, or a list; empty or unset:
    /// not encrypted.
    #[serde(default, deserialize_with = "one_or_many")]
    pub encrypt_to: Option<Vec<String>>,
}

/// A string or a list of strings. Unlike serde's own errors, a wrong type never quotes a string
/// (a secret key pasted where a recipient belongs must not be echoed).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Visitor).map(Some)
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMigrate {
    /// Seconds a DDL statement may wait for a table lock before it is retried.
    pub lock_timeout: Option<u64>,
    /// Seconds `migrate up|down` waits for another run's migration lock.
    pub lock_wait: Option<u64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCloudflare {
    pub api_token: Option<String>,
    pub account_id: Option<String>,
    pub zone_id: Option<String>,
    pub base_url: Option<String>,
}

/// `[health]`: defaults for `taskdb health`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHealth {
    /// Bound on the whole run, e.g. "10s".
    pub timeout: Option<String>,
    /// URL to POST alerts to when the overall state changes.
    pub alert_webhook: Option<String>,
    /// Patroni REST API base URL(s) of the `patroni` probe, e.g. "http://db1:8008"; several
    /// separated by commas are tried in order.
    pub patroni_url: Option<String>,
    /// Minimum time between two alerts for the same state, e.g. "15m".
    pub alert_cooldown: Option<String>,
    /// `[health.thresholds.NAME] warn = … crit = …`
    #[serde(default)]
    pub thresholds: BTreeMap<String, FileThreshold>,
}

/// One threshold's warn/crit values: numbers, or strings with units ("5m", "80%", "16MB", "off").
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileThreshold {
    pub warn: Option<ThresholdValue>,
    pub crit: Option<ThresholdValue>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ThresholdValue {
    Number(f64),
    Text(String),
}

/// `[maintain]`: what `taskdb maintain` keeps (its flags override these).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMaintain {
    /// Monthly partitions to keep ready ahead of the current month.
    pub months_ahead: Option<u32>,
    /// Days of system_metrics to keep.
    pub metrics_retention_days: Option<u32>,
    /// Days of api_access_logs to keep.
    pub api_logs_retention_days: Option<u32>,
    /// Days of audit log to keep.
    pub audit_retention_days: Option<u32>,
}

/// `[tasks]`: defaults for claims (`task next --claim`, `taskdb worker`; their flags override).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTasks {
    /// How long a claim holds a task unless extended, e.g. "15m", or "off".
    pub lease: Option<String>,
    /// Attempts before a task whose leases expire or whose runs fail is given up (failed).
    pub max_attempts: Option<u32>,
    /// How long a worker or a waiting claim keeps reconnecting when the database cannot be
    /// reached (a failover), e.g. "60s"; "0s": give up at once.
    pub reconnect_for: Option<String>,
}

/// The config file to read: `--config`, `TASKDB_CONFIG`, `./taskdb.toml`, XDG. Explicit paths are
/// returned even when missing (reading them then fails with a clear error).
pub fn locate_config_file(global: &GlobalOpts, env: &dyn Env) -> Option<PathBuf> {
    if let Some(p) = &global.config {
        return Some(p.clone());
    }
    if let Some(p) = env.get("TASKDB_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let local = PathBuf::from("taskdb.toml");
    if local.is_file() {
        return Some(local);
    }
    let xdg = default_config_path(env);
    xdg.is_file().then_some(xdg)
}

/// `$XDG_CONFIG_HOME/taskdb/config.toml` (or `~/.config/taskdb/config.toml`).
pub fn default_config_path(env: &dyn Env) -> PathBuf {
    config_home(env).join("taskdb").join("config.toml")
}

/// Read and parse a config file; errors name the file, line and key (exit 2).
pub fn read_config_file(path: &Path) -> Result<FileConfig> {
    // /dev/null is an explicit "no config" (handy in scripts and tests).
    let text = crate::limits::read(path, crate::limits::SMALL_FILE, "config files")
        .map_err(|e| usage(format!("cannot read config file {}: {e}", path.display())))?;
    let text = String::from_utf8(text)
        .map_err(|_| usage(format!("config file {} is not valid UTF-8", path.display())))?;
    parse_config(&text).map_err(|e| usage(format!("config file {}{}", path.display(), e)))
}

/// Parse config text; the error text starts with `:LINE: ` where a position is known.
pub fn parse_config(text: &str) -> std::result::Result<FileConfig, String> {
    let file = toml::from_str::<FileConfig>(text).map_err(|e| describe_toml_error(text, &e))?;
    super::validate::check(text, &file)?;
    Ok(file)
}

pub(crate) fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().replace('\n', " ");
    let Some(span) = err.span() else {
        return format!(": {message}");
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim();
    // The section the line is in, so nested keys are named in full.
    let section = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(['[', ']']).trim().to_string());
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    match (key, section) {
        (Some(k), Some(s)) => format!(":{line_no}: key `{s}.{k}`: {message}"),
        (Some(k), None) => format!(":{line_no}: key `{k}`: {message}"),
        _ => format!(":{line_no}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_name_line_and_key() {
        let err =
            parse_config("[database]\nurl = \"x\"\nconnect_timeout = \"soon\"\n").unwrap_err();
        assert!(
            err.starts_with(":3: key `database.connect_timeout`"),
            "{err}"
        );
        let err = parse_config("actor = \"a\"\nbogus = 1\n").unwrap_err();
        assert!(err.starts_with(":2: key `bogus`"), "{err}");
        assert!(err.contains("unknown field"), "{err}");
        assert!(parse_config("not toml [").is_err());
    }
}
