//! Exit codes are API: this is the one table of them (README "Exit codes" mirrors it).
//!
//! | code | meaning                                                        |
//! |------|----------------------------------------------------------------|
//! | 0    | success (health: OK)                                           |
//! | 1    | operation failed: database, API, I/O (health: WARNING)         |
//! | 2    | invalid usage or input (health: CRITICAL)                      |
//! | 3    | health: UNKNOWN (a probe could not run, or a health usage error) |
//! | 4    | nothing to claim: `task next --claim --wait` / `worker --once` found no task |
//! | 5    | not permitted by the database's privileges (SQLSTATE 42501: the connected role lacks a grant, or `role` commands without CREATEROLE) |
//! | 6    | the database server is unreachable or the connection was lost (a failover, a restart): retryable |
//! | 130  | interrupted by SIGINT (Ctrl-C); statements in flight were cancelled |
//! | 143  | terminated by SIGTERM; statements in flight were cancelled     |

use std::fmt;

/// A process exit code with a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u8);

impl Exit {
    pub const SUCCESS: Exit = Exit(0);
    pub const FAILURE: Exit = Exit(1);
    pub const USAGE: Exit = Exit(2);
    /// 128 + the signal number, as shells report a process a signal ended.
    pub const INTERRUPTED: Exit = Exit(130);
    pub const TERMINATED: Exit = Exit(143);
    /// Nagios states for `taskdb health`.
    pub const NAGIOS_OK: Exit = Exit(0);
    pub const NAGIOS_WARNING: Exit = Exit(1);
    pub const NAGIOS_CRITICAL: Exit = Exit(2);
    pub const NAGIOS_UNKNOWN: Exit = Exit(3);
    /// `task next --claim --wait` waited and nothing arrived; `worker --once` found nothing.
    pub const NOTHING_CLAIMED: Exit = Exit(4);
    /// The database refused for lack of a privilege (SQLSTATE 42501), or a `role` command's
    /// connected role cannot manage roles.
    pub const NOT_PERMITTED: Exit = Exit(5);
    /// No server could be reached, or the connection broke (a failover, a restart): nothing
    /// was half-applied, and trying again later may succeed.
    pub const UNAVAILABLE: Exit = Exit(6);
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.0)
    }
}

/// Errors that choose an exit code. Anything else that reaches `main` is an operation failure (1).
///
/// Construct them with [`usage`] / [`failed`] or `Err(Error::Usage(..))?`; they travel inside
/// `anyhow::Error` and `main` finds them by downcasting the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the user: a flag value, a file, an id. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// The operation could not be done (database, API, I/O). Exit 1.
    #[error("{0}")]
    Failed(String),
    /// The database server could not be reached or the connection was lost. Exit 6.
    #[error("{0}")]
    Unavailable(String),
    /// A command that decided its own exit code after printing what it had to say
    /// (e.g. `health`, `migrate status --check`). Nothing more is printed.
    #[error("exit {0:?}")]
    Silent(Exit),
    /// An error that must exit with a specific code and message (e.g. health usage errors → 3).
    #[error("{1}")]
    WithCode(Exit, String),
    /// The server refused for lack of a privilege (SQLSTATE 42501), in its words; exit 5. The
    /// top level adds which role was connected (`db::explain_refusal`).
    #[error("{0}")]
    Denied(String),
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A file over its size limit (see `limits`); travels inside an `io::Error` so call sites keep
/// their handling, and [`code_for`] still finds it (exit 2).
#[derive(Debug)]
pub struct TooLarge {
    pub limit: u64,
    pub what: &'static str,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "larger than the {} limit for {}",
            crate::units::size_text(self.limit),
            self.what
        )
    }
}

impl std::error::Error for TooLarge {}

/// `Err(usage("…"))?` — invalid usage or input, exit 2.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    Error::Usage(msg.into()).into()
}

/// `Err(failed("…"))?` — the operation failed, exit 1.
pub fn failed(msg: impl Into<String>) -> anyhow::Error {
    Error::Failed(msg.into()).into()
}

/// `Err(not_permitted("…"))?` — the database's privileges do not allow it, exit 5.
pub fn not_permitted(msg: impl Into<String>) -> anyhow::Error {
    Error::WithCode(Exit::NOT_PERMITTED, msg.into()).into()
}

/// `text` instead of `err`'s message: a refusal of the server's privileges stays one (exit 5),
/// a server that went away stays retryable (exit 6), anything else is an operation failure
/// (exit 1).
pub fn failed_as(err: &anyhow::Error, text: String) -> anyhow::Error {
    let denied = err
        .chain()
        .any(|c| matches!(c.downcast_ref::<Error>(), Some(Error::Denied(_))));
    if denied {
        Error::Denied(text).into()
    } else if code_for(err) == Exit::UNAVAILABLE {
        unavailable(text)
    } else {
        failed(text)
    }
}

/// `Err(unavailable("…"))?` — no server reachable, or the connection lost; retryable, exit 6.
pub fn unavailable(msg: impl Into<String>) -> anyhow::Error {
    Error::Unavailable(msg.into()).into()
}

/// Whether a database error means the server went away or cannot serve yet, rather than that
/// the statement was wrong: the connection closed or broke (an I/O error), or the server ended
/// the session or refused it for now (SQLSTATE class 08; class 57P: `57P01` admin shutdown —
/// also a switchover or a postmaster that died —, `57P02` crash shutdown, `57P03` cannot
/// connect now; any other FATAL error, which ends the session). The statement's transaction
/// then either committed whole or not at all.
pub fn lost_connection(e: &tokio_postgres::Error) -> bool {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return code.starts_with("08") || code.starts_with("57P") || db.severity() == "FATAL";
    }
    if e.is_closed() {
        return true;
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The exit code for an error that reached `main`, found by walking the chain.
pub fn code_for(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return match e {
                Error::Usage(_) => Exit::USAGE,
                Error::Failed(_) => Exit::FAILURE,
                Error::Denied(_) => Exit::NOT_PERMITTED,
                Error::Unavailable(_) => Exit::UNAVAILABLE,
                Error::Silent(code) | Error::WithCode(code, _) => *code,
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return Exit::SUCCESS;
            }
            // A file over its size limit is bad input, whoever passed the error up.
            if io.get_ref().is_some_and(|inner| inner.is::<TooLarge>()) {
                return Exit::USAGE;
            }
        }
        // A database error passed up with context only (not through `db::db_error`).
        if let Some(pg) = cause.downcast_ref::<tokio_postgres::Error>() {
            if lost_connection(pg) {
                return Exit::UNAVAILABLE;
            }
        }
    }
    Exit::FAILURE
}

/// True when the error is a closed stdout (`taskdb … | head`): exit quietly. A broken pipe
/// under a database error is the server's socket (a server that died), not stdout.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    for c in err.chain() {
        if c.is::<tokio_postgres::Error>() {
            return false;
        }
        if c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn usage_errors_exit_2_even_with_context() {
        let err = Err::<(), _>(usage("bad id"))
            .context("while reading")
            .unwrap_err();
        assert_eq!(code_for(&err), Exit::USAGE);
    }

    #[test]
    fn unknown_errors_exit_1() {
        assert_eq!(code_for(&anyhow::anyhow!("boom")), Exit::FAILURE);
    }

    #[test]
    fn broken_pipe_exits_0() {
        let err: anyhow::Error = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert!(is_broken_pipe(&err));
        assert_eq!(code_for(&err), Exit::SUCCESS);
    }
}
