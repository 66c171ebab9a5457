//! Where settings come from, first match wins:
//! 1. command-line flags;
//! 2. environment: `DATABASE_URL`, `CLOUDFLARE_*`, `TASKDB_*`;
//! 3. the config file (`--config`, `TASKDB_CONFIG`, `./taskdb.toml`, `$XDG_CONFIG_HOME/taskdb/config.toml`);
//! 4. libpq's `PG*` variables and the seed's `DB_*` variables (database only). As in libpq, the
//!    `PG*` variables also fill keys a connection string leaves out (`PGSSLMODE`, `PGPASSWORD`, …);
//!    `PGCONNECT_TIMEOUT` ranks below `TASKDB_CONNECT_TIMEOUT` and the file;
//! 5. defaults; for the database, the managed local cluster.
//!
//! Every effective value remembers its source so `taskdb config show` can explain it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::exit::usage;
use crate::options::GlobalOpts;
use crate::platform::{config_home, data_home, hostname, is_root, state_home, Env, ProcessEnv};

pub mod redact;
pub mod thresholds;
mod validate;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Source {
    Flag(String),
    Env(String),
    File(String),
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(n) => write!(f, "flag {n}"),
            Source::Env(n) => write!(f, "env {n}"),
            Source::File(n) => write!(f, "file {n}"),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Sourced<T> {
    fn new(value: T, source: Source) -> Self {
        Sourced { value, source }
    }
}

// ---- the config file ------------------------------------------------------------------------

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
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDatabase {
    /// PostgreSQL URL or key=value conninfo.
    pub url: Option<String>,
    /// Seconds to wait for a connection.
    pub connect_timeout: Option<u64>,
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

// ---- effective settings -----------------------------------------------------------------------

/// Which database to use.
#[derive(Debug, Clone)]
pub enum DatabaseTarget {
    /// A connection string (URL or key=value conninfo) from a flag, env or file.
    Conninfo(Sourced<String>),
    /// Built from libpq `PG*` and/or the seed's `DB_*` variables: key → (value, variable).
    Environment(BTreeMap<&'static str, (String, String)>),
    /// Nothing configured: the managed local cluster.
    Local,
}

/// The effective settings of this process.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The parsed file (other modules read their own sections from it).
    pub file: FileConfig,
    pub database: DatabaseTarget,
    /// `PG*` variables that fill keys a connection string leaves out (key → (value, variable)).
    pub libpq_defaults: BTreeMap<&'static str, (String, String)>,
    pub connect_timeout: Sourced<u64>,
    pub local_data_dir: Sourced<PathBuf>,
    pub backup_dir: Sourced<PathBuf>,
    pub migrate_lock_timeout: Sourced<u64>,
    pub migrate_lock_wait: Sourced<u64>,
    pub actor: Sourced<String>,
    pub cloudflare_api_token: Option<Sourced<String>>,
    pub cloudflare_account_id: Option<Sourced<String>>,
    pub cloudflare_zone_id: Option<Sourced<String>>,
    pub cloudflare_base_url: Sourced<String>,
    /// `taskdb health` alert webhook (may embed a token: shown redacted).
    pub health_alert_webhook: Option<Sourced<String>>,
}

pub const DEFAULT_CLOUDFLARE_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_MIGRATE_LOCK_TIMEOUT_SECS: u64 = 5;
pub const DEFAULT_MIGRATE_LOCK_WAIT_SECS: u64 = 60;

impl Settings {
    /// Load settings from flags, the process environment and the config file.
    pub fn load(global: &GlobalOpts) -> Result<Settings> {
        Self::load_with(global, &ProcessEnv)
    }

    pub fn load_with(global: &GlobalOpts, env: &dyn Env) -> Result<Settings> {
        let config_file = locate_config_file(global, env);
        let file = match &config_file {
            Some(path) => read_config_file(path)?,
            None => FileConfig::default(),
        };
        let file_src = || {
            Source::File(
                config_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            )
        };

        let database = if let Some(url) = &global.database_url {
            DatabaseTarget::Conninfo(Sourced::new(
                url.clone(),
                Source::Flag("--database-url".into()),
            ))
        } else if let Some(url) = env.get("DATABASE_URL") {
            DatabaseTarget::Conninfo(Sourced::new(url, Source::Env("DATABASE_URL".into())))
        } else if let Some(url) = env.get("TASKDB_DATABASE_URL") {
            DatabaseTarget::Conninfo(Sourced::new(url, Source::Env("TASKDB_DATABASE_URL".into())))
        } else if let Some(url) = &file.database.url {
            DatabaseTarget::Conninfo(Sourced::new(url.clone(), file_src()))
        } else {
            let vars = libpq_environment(env);
            if vars.is_empty() {
                DatabaseTarget::Local
            } else {
                DatabaseTarget::Environment(vars)
            }
        };

        let connect_timeout = match env.get("TASKDB_CONNECT_TIMEOUT") {
            Some(v) => Sourced::new(
                v.parse().map_err(|_| {
                    usage(format!(
                        "TASKDB_CONNECT_TIMEOUT must be a whole number of seconds, got {v:?}"
                    ))
                })?,
                Source::Env("TASKDB_CONNECT_TIMEOUT".into()),
            ),
            None => match (file.database.connect_timeout, env.get("PGCONNECT_TIMEOUT")) {
                (Some(v), _) => Sourced::new(v, file_src()),
                (None, Some(v)) => Sourced::new(
                    v.parse().map_err(|_| {
                        usage(format!(
                            "PGCONNECT_TIMEOUT must be a whole number of seconds, got {v:?}"
                        ))
                    })?,
                    Source::Env("PGCONNECT_TIMEOUT".into()),
                ),
                (None, None) => Sourced::new(DEFAULT_CONNECT_TIMEOUT_SECS, Source::Default),
            },
        };

        let local_data_dir = pick_path(
            env,
            "TASKDB_LOCAL_DATA_DIR",
            file.local.data_dir.clone(),
            &file_src,
            default_local_data_dir(env),
        );
        let backup_dir = pick_path(
            env,
            "TASKDB_BACKUP_DIR",
            file.backup.dir.clone(),
            &file_src,
            state_home(env).join("taskdb").join("backups"),
        );

        let migrate_lock_timeout = pick_seconds(
            env,
            "TASKDB_MIGRATE_LOCK_TIMEOUT",
            file.migrate.lock_timeout,
            &file_src,
            DEFAULT_MIGRATE_LOCK_TIMEOUT_SECS,
        )?;
        let migrate_lock_wait = pick_seconds(
            env,
            "TASKDB_MIGRATE_LOCK_WAIT",
            file.migrate.lock_wait,
            &file_src,
            DEFAULT_MIGRATE_LOCK_WAIT_SECS,
        )?;

        let actor = if let Some(a) = &global.actor {
            Sourced::new(a.clone(), Source::Flag("--actor".into()))
        } else if let Some(a) = env.get("TASKDB_ACTOR") {
            Sourced::new(a, Source::Env("TASKDB_ACTOR".into()))
        } else if let Some(a) = &file.actor {
            Sourced::new(a.clone(), file_src())
        } else {
            Sourced::new(default_actor(env), Source::Default)
        };

        let cf = |var: &str, from_file: &Option<String>| -> Option<Sourced<String>> {
            env.get(var)
                .map(|v| Sourced::new(v, Source::Env(var.into())))
                .or_else(|| from_file.clone().map(|v| Sourced::new(v, file_src())))
        };
        let cloudflare_api_token = cf("CLOUDFLARE_API_TOKEN", &file.cloudflare.api_token);
        let cloudflare_account_id = cf("CLOUDFLARE_ACCOUNT_ID", &file.cloudflare.account_id);
        let cloudflare_zone_id = cf("CLOUDFLARE_ZONE_ID", &file.cloudflare.zone_id);
        let cloudflare_base_url = cf("CLOUDFLARE_BASE_URL", &file.cloudflare.base_url)
            .unwrap_or_else(|| {
                Sourced::new(DEFAULT_CLOUDFLARE_BASE_URL.to_string(), Source::Default)
            });

        let health_alert_webhook = cf("TASKDB_HEALTH_ALERT_WEBHOOK", &file.health.alert_webhook);

        Ok(Settings {
            health_alert_webhook,
            config_file,
            file,
            database,
            libpq_defaults: libpq_defaults(env),
            connect_timeout,
            local_data_dir,
            backup_dir,
            migrate_lock_timeout,
            migrate_lock_wait,
            actor,
            cloudflare_api_token,
            cloudflare_account_id,
            cloudflare_zone_id,
            cloudflare_base_url,
        })
    }

    /// Every effective setting as (key, display value, source), secrets redacted.
    pub fn entries(&self) -> Vec<SettingEntry> {
        let mut out = Vec::new();
        let mut push = |key: &str, value: String, source: &Source| {
            out.push(SettingEntry {
                key: key.to_string(),
                value,
                source: source.to_string(),
            });
        };
        push(
            "config_file",
            self.config_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none)".into()),
            &Source::Default,
        );
        match &self.database {
            DatabaseTarget::Conninfo(s) => {
                push("database.url", redact::conninfo(&s.value), &s.source);
                // PG* variables fill keys the connection string leaves out (as in libpq).
                let given = crate::conninfo::parse(&s.value).unwrap_or_default();
                for (key, (value, var)) in &self.libpq_defaults {
                    if !given.contains(key) {
                        let shown = if *key == "password" {
                            redact::MASK.to_string()
                        } else {
                            value.clone()
                        };
                        push(&format!("database.{key}"), shown, &Source::Env(var.clone()));
                    }
                }
            }
            DatabaseTarget::Environment(vars) => {
                for (key, (value, var)) in vars {
                    let shown = if *key == "password" {
                        redact::MASK.to_string()
                    } else {
                        value.clone()
                    };
                    push(&format!("database.{key}"), shown, &Source::Env(var.clone()));
                }
            }
            DatabaseTarget::Local => push(
                "database.url",
                "(managed local cluster)".into(),
                &Source::Default,
            ),
        }
        push(
            "database.connect_timeout",
            self.connect_timeout.value.to_string(),
            &self.connect_timeout.source,
        );
        push(
            "local.data_dir",
            self.local_data_dir.value.display().to_string(),
            &self.local_data_dir.source,
        );
        push(
            "backup.dir",
            self.backup_dir.value.display().to_string(),
            &self.backup_dir.source,
        );
        push(
            "migrate.lock_timeout",
            self.migrate_lock_timeout.value.to_string(),
            &self.migrate_lock_timeout.source,
        );
        push(
            "migrate.lock_wait",
            self.migrate_lock_wait.value.to_string(),
            &self.migrate_lock_wait.source,
        );
        push("actor", self.actor.value.clone(), &self.actor.source);
        match &self.cloudflare_api_token {
            Some(s) => push("cloudflare.api_token", "********".into(), &s.source),
            None => push("cloudflare.api_token", "(not set)".into(), &Source::Default),
        }
        for (key, val) in [
            ("cloudflare.account_id", &self.cloudflare_account_id),
            ("cloudflare.zone_id", &self.cloudflare_zone_id),
        ] {
            match val {
                Some(s) => push(key, s.value.clone(), &s.source),
                None => push(key, "(not set)".into(), &Source::Default),
            }
        }
        push(
            "cloudflare.base_url",
            self.cloudflare_base_url.value.clone(),
            &self.cloudflare_base_url.source,
        );
        match &self.health_alert_webhook {
            Some(s) => push("health.alert_webhook", redact::url(&s.value), &s.source),
            None => push("health.alert_webhook", "(not set)".into(), &Source::Default),
        }
        let file_src = Source::File(
            self.config_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
        let h = &self.file.health;
        for (key, value, default) in [
            ("health.timeout", &h.timeout, "10s"),
            ("health.alert_cooldown", &h.alert_cooldown, "15m"),
        ] {
            match value {
                Some(v) => push(key, v.clone(), &file_src),
                None => push(key, default.into(), &Source::Default),
            }
        }
        for (name, t) in &h.thresholds {
            let show = |v: &Option<ThresholdValue>| match v {
                Some(ThresholdValue::Number(n)) => n.to_string(),
                Some(ThresholdValue::Text(s)) => s.clone(),
                None => "(default)".into(),
            };
            push(
                &format!("health.thresholds.{name}"),
                format!("warn={} crit={}", show(&t.warn), show(&t.crit)),
                &file_src,
            );
        }
        let m = &self.file.maintain;
        for (key, value, default) in [
            ("maintain.months_ahead", m.months_ahead, 3),
            (
                "maintain.metrics_retention_days",
                m.metrics_retention_days,
                30,
            ),
            (
                "maintain.api_logs_retention_days",
                m.api_logs_retention_days,
                7,
            ),
            ("maintain.audit_retention_days", m.audit_retention_days, 90),
        ] {
            match value {
                Some(v) => push(key, v.to_string(), &file_src),
                None => push(key, default.to_string(), &Source::Default),
            }
        }
        out
    }
}

/// One row of `taskdb config show`.
#[derive(Debug, Clone, Serialize)]
pub struct SettingEntry {
    pub key: String,
    pub value: String,
    pub source: String,
}

impl crate::output::Row for SettingEntry {
    fn columns() -> &'static [&'static str] {
        &["key", "value", "source"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.key.clone(), self.value.clone(), self.source.clone()]
    }
}

fn pick_path(
    env: &dyn Env,
    var: &str,
    from_file: Option<PathBuf>,
    file_src: &dyn Fn() -> Source,
    default: PathBuf,
) -> Sourced<PathBuf> {
    if let Some(v) = env.get(var) {
        Sourced::new(PathBuf::from(v), Source::Env(var.into()))
    } else if let Some(p) = from_file {
        Sourced::new(p, file_src())
    } else {
        Sourced::new(default, Source::Default)
    }
}

/// A whole number of seconds from `var`, the file, or the default.
fn pick_seconds(
    env: &dyn Env,
    var: &str,
    from_file: Option<u64>,
    file_src: &dyn Fn() -> Source,
    default: u64,
) -> Result<Sourced<u64>> {
    if let Some(v) = env.get(var) {
        let secs = v.parse().map_err(|_| {
            usage(format!(
                "{var} must be a whole number of seconds, got {v:?}"
            ))
        })?;
        Ok(Sourced::new(secs, Source::Env(var.into())))
    } else if let Some(secs) = from_file {
        Ok(Sourced::new(secs, file_src()))
    } else {
        Ok(Sourced::new(default, Source::Default))
    }
}

/// libpq's connection variables (and the seed's `DB_*` equivalents): key → (`PG*` variable,
/// seed variable). Keys are libpq connection-string keys.
const LIBPQ_VARIABLES: &[(&str, &str, Option<&str>)] = &[
    ("host", "PGHOST", Some("DB_HOST")),
    ("hostaddr", "PGHOSTADDR", None),
    ("port", "PGPORT", Some("DB_PORT")),
    ("user", "PGUSER", Some("DB_USER")),
    ("password", "PGPASSWORD", Some("DB_PASSWORD")),
    ("dbname", "PGDATABASE", Some("DB_NAME")),
    ("sslmode", "PGSSLMODE", Some("DB_SSL_MODE")),
    ("sslrootcert", "PGSSLROOTCERT", None),
    ("sslcert", "PGSSLCERT", None),
    ("sslkey", "PGSSLKEY", None),
    ("application_name", "PGAPPNAME", None),
    ("target_session_attrs", "PGTARGETSESSIONATTRS", None),
    ("passfile", "PGPASSFILE", None),
];

/// Keys that say where to connect: only they make the environment a database target (a
/// password or an sslmode alone does not).
const LOCATION_KEYS: &[&str] = &["host", "hostaddr", "port", "user", "dbname"];

/// libpq's and the seed's connection variables; PG* wins over DB_* for the same key.
fn libpq_environment(env: &dyn Env) -> BTreeMap<&'static str, (String, String)> {
    let mut out = BTreeMap::new();
    for &(key, pg, seed) in LIBPQ_VARIABLES {
        if let Some(v) = env.get(pg) {
            out.insert(key, (v, pg.to_string()));
        } else if let Some(v) = seed.and_then(|s| env.get(s).map(|v| (v, s))) {
            out.insert(key, (v.0, v.1.to_string()));
        }
    }
    if !out.keys().any(|k| LOCATION_KEYS.contains(k)) {
        out.clear();
    }
    out
}

/// The `PG*` variables alone: like libpq, they fill in keys a connection string leaves out.
fn libpq_defaults(env: &dyn Env) -> BTreeMap<&'static str, (String, String)> {
    LIBPQ_VARIABLES
        .iter()
        .filter_map(|&(key, pg, _)| env.get(pg).map(|v| (key, (v, pg.to_string()))))
        .collect()
}

// ---- file discovery and parsing -----------------------------------------------------------------

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
    validate::check(text, &file)?;
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

/// As root the server runs as `postgres`, which cannot reach /root: keep the data in /var/lib.
fn default_local_data_dir(env: &dyn Env) -> PathBuf {
    if is_root() {
        PathBuf::from("/var/lib/taskdb/pg")
    } else {
        data_home(env).join("taskdb").join("pg")
    }
}

/// `user@host`, the default actor recorded in the audit log.
fn default_actor(env: &dyn Env) -> String {
    let user = env
        .get("USER")
        .or_else(|| env.get("LOGNAME"))
        .unwrap_or_else(|| {
            if is_root() {
                "root".into()
            } else {
                "unknown".into()
            }
        });
    format!("{user}@{}", hostname())
}

/// Global options with no flags and no config file (`/dev/null`), for unit tests.
#[cfg(test)]
pub(crate) fn test_global_opts() -> GlobalOpts {
    GlobalOpts {
        database_url: None,
        config: Some(PathBuf::from("/dev/null")),
        format: None,
        quiet: false,
        verbose: 0,
        yes: false,
        color: crate::options::ColorChoice::Never,
        actor: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct MapEnv(HashMap<&'static str, &'static str>);
    impl Env for MapEnv {
        fn get(&self, key: &str) -> Option<String> {
            self.0.get(key).map(|s| s.to_string())
        }
    }

    fn global() -> GlobalOpts {
        test_global_opts()
    }

    #[test]
    fn flag_beats_env_beats_libpq() {
        let env = MapEnv(HashMap::from([
            ("DATABASE_URL", "postgres://env/db"),
            ("PGHOST", "pghost"),
        ]));
        let mut g = global();
        g.database_url = Some("postgres://flag/db".into());
        let s = Settings::load_with(&g, &env).unwrap();
        match s.database {
            DatabaseTarget::Conninfo(c) => {
                assert_eq!(c.value, "postgres://flag/db");
                assert_eq!(c.source, Source::Flag("--database-url".into()));
            }
            other => panic!("unexpected {other:?}"),
        }
        let s = Settings::load_with(&global(), &env).unwrap();
        assert!(
            matches!(s.database, DatabaseTarget::Conninfo(ref c) if c.value == "postgres://env/db")
        );
    }

    #[test]
    fn pg_variables_beat_seed_variables_and_nothing_means_local() {
        let env = MapEnv(HashMap::from([
            ("PGHOST", "a"),
            ("DB_HOST", "b"),
            ("DB_PORT", "6543"),
        ]));
        let s = Settings::load_with(&global(), &env).unwrap();
        let DatabaseTarget::Environment(vars) = s.database else {
            panic!("expected environment target")
        };
        assert_eq!(vars["host"], ("a".to_string(), "PGHOST".to_string()));
        assert_eq!(vars["port"], ("6543".to_string(), "DB_PORT".to_string()));
        let s = Settings::load_with(&global(), &MapEnv(HashMap::new())).unwrap();
        assert!(matches!(s.database, DatabaseTarget::Local));
    }

    #[test]
    fn only_location_variables_make_a_target_and_pg_variables_are_defaults() {
        // A password or sslmode alone does not say where to connect: still the local cluster.
        let env = MapEnv(HashMap::from([
            ("PGPASSWORD", "pw"),
            ("PGSSLMODE", "require"),
            ("DB_SSL_MODE", "require"),
        ]));
        let s = Settings::load_with(&global(), &env).unwrap();
        assert!(matches!(s.database, DatabaseTarget::Local));
        assert_eq!(s.libpq_defaults["sslmode"].1, "PGSSLMODE");
        // The seed's variables are not libpq defaults for a URL.
        let env = MapEnv(HashMap::from([
            ("DB_SSL_MODE", "require"),
            ("DATABASE_URL", "postgres://h/d"),
        ]));
        let s = Settings::load_with(&global(), &env).unwrap();
        assert!(s.libpq_defaults.is_empty());
        // PGHOSTADDR alone is a place to connect to.
        let env = MapEnv(HashMap::from([("PGHOSTADDR", "127.0.0.1")]));
        let s = Settings::load_with(&global(), &env).unwrap();
        assert!(matches!(s.database, DatabaseTarget::Environment(_)));
    }

    #[test]
    fn connect_timeout_precedence() {
        let env = MapEnv(HashMap::from([("PGCONNECT_TIMEOUT", "3")]));
        let s = Settings::load_with(&global(), &env).unwrap();
        assert_eq!(s.connect_timeout.value, 3);
        assert_eq!(
            s.connect_timeout.source,
            Source::Env("PGCONNECT_TIMEOUT".into())
        );
        let env = MapEnv(HashMap::from([
            ("PGCONNECT_TIMEOUT", "3"),
            ("TASKDB_CONNECT_TIMEOUT", "5"),
        ]));
        assert_eq!(
            Settings::load_with(&global(), &env)
                .unwrap()
                .connect_timeout
                .value,
            5
        );
        let env = MapEnv(HashMap::from([("PGCONNECT_TIMEOUT", "soon")]));
        assert!(Settings::load_with(&global(), &env).is_err());
    }

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
