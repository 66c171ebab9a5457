//! `[tasks]`: the defaults of claims (`task next --claim`, `taskdb worker`; their flags
//! override them) — how long a lease holds a task and how many attempts a task gets — and the
//! checks both the flags and the config file use.

use std::time::Duration;

use anyhow::Result;

use super::Settings;

/// `[tasks] lease` / `--lease` when neither is given: how long a claim holds a task.
pub const DEFAULT_TASK_LEASE: &str = "15m";
/// `[tasks] max_attempts` / `--max-attempts` when neither is given.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// `[tasks] reconnect_for` / `--reconnect-for` when neither is given: how long a worker or a
/// waiting claim keeps trying to reach the database (a Patroni failover takes about its `ttl`).
pub const DEFAULT_RECONNECT_FOR: &str = "60s";
/// The most attempts a task may be given (the schema's bound).
pub const MAX_MAX_ATTEMPTS: u32 = 1000;
/// The longest lease accepted (a year): a longer one is a mistake, and `off` says "forever".
pub const MAX_LEASE: Duration = Duration::from_secs(366 * 86_400);

/// A lease (flag or file): a duration from 1s to [`MAX_LEASE`], or `off` (None: no lease, the
/// claim holds the task until it is finished or released). The error is the reason alone.
pub fn parse_lease(text: &str) -> std::result::Result<Option<Duration>, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let d = crate::units::parse_duration(text)?;
    if d < Duration::from_secs(1) {
        return Err(format!(
            "{text:?} is too short for a lease (minimum 1s, or `off`)"
        ));
    }
    if d > MAX_LEASE {
        return Err(format!(
            "{text:?} is too long for a lease (maximum 366d, or `off`)"
        ));
    }
    Ok(Some(d))
}

/// How long to wait (`--wait`, the worker's `--grace` and `--idle-exit`): a duration from 0 to
/// [`MAX_LEASE`]. The error is the reason alone.
pub fn parse_wait(text: &str) -> std::result::Result<Duration, String> {
    let d = crate::units::parse_duration(text)?;
    if d > MAX_LEASE {
        return Err(format!("{text:?} is too long (maximum 366d)"));
    }
    Ok(d)
}

/// Max attempts (flag or file): 1 to [`MAX_MAX_ATTEMPTS`].
pub fn check_max_attempts(n: u32) -> std::result::Result<u32, String> {
    if (1..=MAX_MAX_ATTEMPTS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "max attempts must be 1 to {MAX_MAX_ATTEMPTS} (got {n})"
        ))
    }
}

/// Claim defaults: `[tasks]` (checked when the file was read), else the built-in defaults.
impl Settings {
    /// The lease a claim takes unless `--lease` says otherwise (None: `off`).
    pub fn task_lease(&self) -> Result<Option<Duration>> {
        let text = self
            .file
            .tasks
            .lease
            .as_deref()
            .unwrap_or(DEFAULT_TASK_LEASE);
        parse_lease(text).map_err(|why| crate::exit::usage(format!("config [tasks] lease: {why}")))
    }

    /// How far a heartbeat extends the lease: `extend` when given (`Some(None)` is `off`, which
    /// a heartbeat refuses), else the `[tasks] lease` setting (refused when that is `off`).
    pub fn heartbeat_extension(&self, extend: Option<Option<Duration>>) -> Result<Duration> {
        match extend {
            Some(Some(d)) => Ok(d),
            Some(None) => Err(crate::exit::usage(
                "--extend off: a heartbeat extends a lease; to hold a task without one, claim it with --lease off",
            )),
            None => self.task_lease()?.ok_or_else(|| {
                crate::exit::usage(
                    "[tasks] lease is off: say how long to extend the lease with --extend",
                )
            }),
        }
    }

    /// How long to keep reconnecting unless `--reconnect-for` says otherwise.
    pub fn reconnect_for(&self) -> Result<Duration> {
        let text = self
            .file
            .tasks
            .reconnect_for
            .as_deref()
            .unwrap_or(DEFAULT_RECONNECT_FOR);
        parse_wait(text)
            .map_err(|why| crate::exit::usage(format!("config [tasks] reconnect_for: {why}")))
    }

    /// Attempts before a task is given up unless `--max-attempts` or the task says otherwise.
    pub fn max_attempts(&self) -> Result<u32> {
        let n = self.file.tasks.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        check_max_attempts(n)
            .map_err(|why| crate::exit::usage(format!("config [tasks] max_attempts: {why}")))
    }
}
