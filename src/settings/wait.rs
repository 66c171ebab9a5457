//! How a command that waits for work (`task next --claim --wait`, an idle `taskdb worker`)
//! learns that a task became claimable: where it runs `LISTEN taskdb_ready`
//! (`[database] listen_url`, `TASKDB_LISTEN_URL`) and how often it polls when it cannot listen
//! (`[database] poll_interval`, `TASKDB_POLL_INTERVAL`). `db::listen` does the waiting.

use std::fmt;
use std::time::Duration;

use anyhow::Result;

use super::{FileConfig, Source, Sourced};
use crate::exit::usage;
use crate::platform::Env;

/// Where the waiting side listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenTarget {
    /// A dedicated connection made like the main one (the default).
    Database,
    /// `off`: never listen, always poll (e.g. only a transaction-pooling PgBouncer is reachable).
    Off,
    /// A dedicated connection to this URL or key=value conninfo (e.g. the server itself when the
    /// main URL goes through a transaction-pooling PgBouncer). May hold a password: shown only
    /// through `settings::redact`.
    Conninfo(String),
}

impl fmt::Display for ListenTarget {
    /// For `config show`: the password of a URL is masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenTarget::Database => f.write_str("(the database URL)"),
            ListenTarget::Off => f.write_str("off"),
            ListenTarget::Conninfo(s) => f.write_str(&super::redact::conninfo(s)),
        }
    }
}

/// How often a waiter polls when it cannot listen.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The shortest poll interval accepted: shorter is a busy loop against the server.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// The longest: a waiter must notice expired leases within minutes, not hours.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(600);

/// A poll interval from the environment or the file: a duration (`500ms`, `2s`) between
/// [`MIN_POLL_INTERVAL`] and [`MAX_POLL_INTERVAL`]. The error is the reason alone.
pub fn parse_poll_interval(text: &str) -> std::result::Result<Duration, String> {
    let d = crate::units::parse_duration(text)?;
    if d < MIN_POLL_INTERVAL {
        return Err(format!(
            "{text:?} is too short (minimum {}: shorter would be a busy loop)",
            show_interval(MIN_POLL_INTERVAL)
        ));
    }
    if d > MAX_POLL_INTERVAL {
        return Err(format!(
            "{text:?} is too long (maximum {})",
            show_interval(MAX_POLL_INTERVAL)
        ));
    }
    Ok(d)
}

/// `250ms`, `1s`, `1.5s`, `10m00s`: exact, unlike rounding to whole seconds.
pub fn show_interval(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        crate::units::format_duration(d.as_secs_f64())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// A listen target from its text: `off` (any case) or a connection string (parsed when the
/// waiter opens, where a bad one is exit 2 naming its source).
fn listen_target(text: &str) -> ListenTarget {
    if text.trim().eq_ignore_ascii_case("off") {
        ListenTarget::Off
    } else {
        ListenTarget::Conninfo(text.to_string())
    }
}

/// `TASKDB_LISTEN_URL`, `[database] listen_url`, else a connection like the main one.
pub(super) fn listen(
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Sourced<ListenTarget> {
    const VAR: &str = "TASKDB_LISTEN_URL";
    if let Some(v) = env.get(VAR) {
        Sourced::new(listen_target(&v), Source::Env(VAR.into()))
    } else if let Some(v) = &file.database.listen_url {
        Sourced::new(listen_target(v), file_src())
    } else {
        Sourced::new(ListenTarget::Database, Source::Default)
    }
}

/// `TASKDB_POLL_INTERVAL`, `[database] poll_interval` (checked when the file is read), the default.
pub(super) fn poll_interval(
    env: &dyn Env,
    file: &FileConfig,
    file_src: &dyn Fn() -> Source,
) -> Result<Sourced<Duration>> {
    const VAR: &str = "TASKDB_POLL_INTERVAL";
    if let Some(v) = env.get(VAR) {
        let d = parse_poll_interval(&v).map_err(|e| usage(format!("{VAR}: {e}")))?;
        Ok(Sourced::new(d, Source::Env(VAR.into())))
    } else if let Some(v) = &file.database.poll_interval {
        let d =
            parse_poll_interval(v).map_err(|e| usage(format!("[database] poll_interval: {e}")))?;
        Ok(Sourced::new(d, file_src()))
    } else {
        Ok(Sourced::new(DEFAULT_POLL_INTERVAL, Source::Default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{MapEnv, Settings};

    fn load(vars: &[(&'static str, &'static str)]) -> Result<Settings> {
        Settings::load_with(
            &crate::settings::test_global_opts(),
            &MapEnv(vars.iter().copied().collect()),
        )
    }

    #[test]
    fn listen_url_defaults_to_the_database_and_off_means_poll() {
        let s = load(&[]).unwrap();
        assert_eq!(s.listen.value, ListenTarget::Database);
        assert_eq!(s.listen.source, Source::Default);
        assert_eq!(s.poll_interval.value, DEFAULT_POLL_INTERVAL);
        let s = load(&[("TASKDB_LISTEN_URL", " OFF ")]).unwrap();
        assert_eq!(s.listen.value, ListenTarget::Off);
        assert_eq!(s.listen.source, Source::Env("TASKDB_LISTEN_URL".into()));
        let s = load(&[("TASKDB_LISTEN_URL", "postgres://u:hunter2@direct:5432/db")]).unwrap();
        let shown = s.listen.value.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("direct:5432"), "{shown}");
    }

    #[test]
    fn poll_interval_is_bounded() {
        let s = load(&[("TASKDB_POLL_INTERVAL", "250ms")]).unwrap();
        assert_eq!(s.poll_interval.value, Duration::from_millis(250));
        for bad in ["10ms", "0", "2h", "soon", "-1s"] {
            let err = load(&[("TASKDB_POLL_INTERVAL", bad)]).unwrap_err();
            assert!(
                err.to_string().starts_with("TASKDB_POLL_INTERVAL: "),
                "{bad}: {err}"
            );
        }
        assert_eq!(show_interval(Duration::from_millis(250)), "250ms");
        assert_eq!(show_interval(Duration::from_millis(1500)), "1.5s");
        assert_eq!(show_interval(Duration::from_secs(1)), "1s");
        assert_eq!(show_interval(MAX_POLL_INTERVAL), "10m00s");
    }
}
