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
//!
//! Here: the merge of flags, environment and file into [`Settings`], and the defaults. The file's
//! types and parsing are in `file`, the `config show` rows in `show`, the `[health]` thresholds
//! in `thresholds`, the checks of file values serde cannot express in `validate`, secret
//! masking in `redact`, where waiting commands listen (or how often they poll) in `wait`, the
//! age recipients backups are encrypted to in `backup`, and read-only mode in `read_only`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;

use crate::exit::usage;
use crate::options::GlobalOpts;
use crate::platform::{data_home, hostname, is_root, state_home, Env, ProcessEnv};

mod backup;
mod file;
mod read_only;
pub mod redact;
mod show;
mod tasks;
pub mod thresholds;
mod validate;
mod wait;

pub use backup::{parse_recipient, parse_recipient_list, show_recipients, Recipient};
pub(crate) use file::describe_toml_error;
pub use file::{
    default_config_path, locate_config_file, parse_config, read_config_file, FileBackup,
    FileCloudflare, FileConfig, FileDatabase, FileHealth, FileLocal, FileMaintain, FileMigrate,
    FileTasks, FileThreshold, ThresholdValue,
};
pub use read_only::READ_ONLY_VAR;
pub use show::SettingEntry;
pub use tasks::{
    check_max_attempts, parse_lease, parse_wait, DEFAULT_MAX_ATTEMPTS, DEFAULT_RECONNECT_FOR,
    DEFAULT_TASK_LEASE, MAX_LEASE, MAX_MAX_ATTEMPTS,
};
pub use validate::parse_patroni_urls;
pub use wait::{
    parse_poll_interval, show_interval, ListenTarget, DEFAULT_POLL_INTERVAL, MAX_POLL_INTERVAL,
    MIN_POLL_INTERVAL,
};

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
    /// Read-only mode: reads prefer a standby, commands that write are refused.
    pub read_only: Sourced<bool>,
    /// Where waiting commands listen for `taskdb_ready` (`listen_url`).
    pub listen: Sourced<ListenTarget>,
    /// How often waiting commands poll when they cannot listen.
    pub poll_interval: Sourced<Duration>,
    pub local_data_dir: Sourced<PathBuf>,
    pub backup_dir: Sourced<PathBuf>,
    /// The age recipients backups are encrypted to (empty: not encrypted).
    pub backup_encrypt_to: Sourced<Vec<Recipient>>,
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

/// `taskdb health --timeout` / `[health] timeout` when neither is given.
pub const DEFAULT_HEALTH_TIMEOUT: &str = "10s";
/// The shortest health timeout accepted (flag or file).
pub const MIN_HEALTH_TIMEOUT: Duration = Duration::from_millis(100);
/// `taskdb health --alert-cooldown` / `[health] alert_cooldown` when neither is given.
pub const DEFAULT_HEALTH_ALERT_COOLDOWN: &str = "15m";

/// `taskdb maintain`'s defaults (its flags and `[maintain]` override them).
pub const DEFAULT_MAINTAIN_MONTHS_AHEAD: u32 = 3;
pub const DEFAULT_METRICS_RETENTION_DAYS: u32 = 30;
pub const DEFAULT_API_LOGS_RETENTION_DAYS: u32 = 7;
pub const DEFAULT_AUDIT_RETENTION_DAYS: u32 = 90;

/// A health timeout (flag or file): a duration of at least [`MIN_HEALTH_TIMEOUT`]. The error
/// is the reason alone; callers say where the value came from.
pub fn parse_health_timeout(text: &str) -> std::result::Result<Duration, String> {
    let d = crate::units::parse_duration(text)?;
    if d < MIN_HEALTH_TIMEOUT {
        return Err(format!(
            "{text:?} is too short (minimum {})",
            crate::units::format_duration(MIN_HEALTH_TIMEOUT.as_secs_f64())
        ));
    }
    Ok(d)
}

/// Whether an alert webhook (flag, env or file) is an http:// or https:// URL with a host.
pub fn is_webhook_url(url: &str) -> bool {
    reqwest::Url::parse(url)
        .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .unwrap_or(false)
}

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
        let file_src = || file_source(config_file.as_deref());

        let database = database_target(global, env, &file, &file_src);
        let connect_timeout = connect_timeout(env, &file, &file_src)?;
        let read_only = read_only::read_only(global, env, &file, &file_src)?;
        let listen = wait::listen(env, &file, &file_src);
        let poll_interval = wait::poll_interval(env, &file, &file_src)?;
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
        let backup_encrypt_to = backup::encrypt_to(env, &file, &file_src)?;
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
        let actor = actor(global, env, &file, &file_src);

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
            read_only,
            listen,
            poll_interval,
            local_data_dir,
            backup_dir,
            backup_encrypt_to,
            migrate_lock_timeout,
            migrate_lock_wait,
            actor,
            cloudflare_api_token,
            cloudflare_account_id,
            cloudflare_zone_id,
            cloudflare_base_url,
        })
    }
}

/// The source of a value read from the config file (named even when there is none).
fn file_source(config_file: Option<&Path>) -> Source {
    Source::File(
        config_file
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    )
}

/// `--database-url`, `DATABASE_URL`, `TASKDB_DATABASE_URL`, the file, then libpq's and the
/// seed's variables; nothing at all means the managed local cluster.
fn database_target(
    global: &GlobalOpts,
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> DatabaseTarget {
    if let Some(url) = &global.database_url {
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
    }
}

/// `TASKDB_CONNECT_TIMEOUT`, the file, `PGCONNECT_TIMEOUT`, the default (whole seconds).
fn connect_timeout(
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Result<Sourced<u64>> {
    let seconds = |var: &str, v: String| {
        v.parse().map_err(|_| {
            usage(format!(
                "{var} must be a whole number of seconds, got {v:?}"
            ))
        })
    };
    Ok(match env.get("TASKDB_CONNECT_TIMEOUT") {
        Some(v) => Sourced::new(
            seconds("TASKDB_CONNECT_TIMEOUT", v)?,
            Source::Env("TASKDB_CONNECT_TIMEOUT".into()),
        ),
        None => match (file.database.connect_timeout, env.get("PGCONNECT_TIMEOUT")) {
            (Some(v), _) => Sourced::new(v, file_src()),
            (None, Some(v)) => Sourced::new(
                seconds("PGCONNECT_TIMEOUT", v)?,
                Source::Env("PGCONNECT_TIMEOUT".into()),
            ),
            (None, None) => Sourced::new(DEFAULT_CONNECT_TIMEOUT_SECS, Source::Default),
        },
    })
}

/// `--actor`, `TASKDB_ACTOR`, the file, then `user@host`.
fn actor(
    global: &GlobalOpts,
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Sourced<String> {
    if let Some(a) = &global.actor {
        Sourced::new(a.clone(), Source::Flag("--actor".into()))
    } else if let Some(a) = env.get("TASKDB_ACTOR") {
        Sourced::new(a, Source::Env("TASKDB_ACTOR".into()))
    } else if let Some(a) = &file.actor {
        Sourced::new(a.clone(), file_src())
    } else {
        Sourced::new(default_actor(env), Source::Default)
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
        read_only: false,
    }
}

/// Environment variables from a map, for unit tests.
#[cfg(test)]
pub(crate) struct MapEnv(pub std::collections::HashMap<&'static str, &'static str>);

#[cfg(test)]
impl Env for MapEnv {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).map(|s| s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

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
}
