//! Reads on standbys: which server a connection may use (`target_session_attrs`, all six values
//! of libpq 15) and what the process does with it (`--read-only`, or a command that writes).
//!
//! tokio-postgres knows only `any`, `read-write` and `read-only`, so taskdb decides itself: for
//! every host that accepts a connection, `connect` asks [`judge`] with the role the server
//! reported on connecting (PostgreSQL 14 and later report `in_hot_standby` and
//! `default_transaction_read_only`; older servers are asked, [`ServerRole::ask`]). Once connected,
//! [`settle`] refuses a command that writes on a standby (one line, before any statement), and
//! with `-v` says which standby a read went to and how far behind it is ([`replay_lag`]).

use anyhow::Result;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Connection};

use super::spec::{ConnSpec, Endpoint};
use crate::exit::{failed, usage};
use crate::output::Output;

/// `target_session_attrs`, as libpq 15 reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionAttrs {
    /// The first host that accepts (the default).
    Any,
    /// A session that accepts writes: not a standby, `default_transaction_read_only` off.
    ReadWrite,
    /// A session that does not: a standby, or `default_transaction_read_only` on.
    ReadOnly,
    /// A server that is not a standby.
    Primary,
    /// A hot standby (in recovery).
    Standby,
    /// A standby if one of the hosts is one, else any host.
    PreferStandby,
}

/// Every value and its name, in libpq's documentation order.
const ATTRS: &[(SessionAttrs, &str)] = &[
    (SessionAttrs::Any, "any"),
    (SessionAttrs::ReadWrite, "read-write"),
    (SessionAttrs::ReadOnly, "read-only"),
    (SessionAttrs::Primary, "primary"),
    (SessionAttrs::Standby, "standby"),
    (SessionAttrs::PreferStandby, "prefer-standby"),
];

/// What a refusal of an unknown value says it expected.
pub const EXPECTED_ATTRS: &str =
    "expected any, read-write, read-only, primary, standby or prefer-standby";

impl SessionAttrs {
    /// libpq's spelling (exact, as libpq compares it).
    pub fn parse(text: &str) -> Option<SessionAttrs> {
        ATTRS.iter().find(|(_, n)| *n == text).map(|(a, _)| *a)
    }

    pub fn name(self) -> &'static str {
        ATTRS
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("any", |(_, n)| n)
    }

    /// Whether a connection with these attrs lands on a standby when one answers (so a
    /// command that writes cannot use them).
    pub fn seeks_standby(self) -> bool {
        matches!(
            self,
            SessionAttrs::ReadOnly | SessionAttrs::Standby | SessionAttrs::PreferStandby
        )
    }
}

/// What a process's connections are for: set once per process (`Context`) from the command
/// and `--read-only`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A command that only reads: it goes where `target_session_attrs` sends it.
    Reads,
    /// `--read-only` (the text says where it was set): only commands that read run, and they
    /// prefer a standby.
    ReadOnly(String),
    /// A command that writes (`task create`): it needs the primary, never a standby.
    Writes(&'static str),
}

impl ConnSpec {
    /// Route this process's connections for `purpose`: `--read-only` prefers a standby (unless
    /// the connection string already asks for a standby or a read-only session); a command
    /// that writes is refused (exit 2, before connecting) when the connection string sends it
    /// to a standby.
    pub fn route(&mut self, purpose: Purpose) -> Result<()> {
        match &purpose {
            Purpose::ReadOnly(from) if !self.session_attrs.seeks_standby() => {
                self.session_attrs = SessionAttrs::PreferStandby;
                self.attrs_from = from.clone();
            }
            Purpose::Writes(command) if self.session_attrs.seeks_standby() => {
                return Err(usage(format!(
                    "`taskdb {command}` writes, but target_session_attrs={} (from {}) sends it to a standby, where nothing can be written: commands that write need read-write, primary or any",
                    self.session_attrs.name(),
                    self.attrs_from
                )));
            }
            _ => {}
        }
        self.purpose = purpose;
        Ok(())
    }
}

/// `, target_session_attrs=… (from …)` for the `-v` line that says where taskdb connects;
/// nothing for `any`.
pub(super) fn attrs_note(spec: &ConnSpec) -> String {
    match spec.session_attrs {
        SessionAttrs::Any => String::new(),
        attrs => format!(
            ", target_session_attrs={} from {}",
            attrs.name(),
            spec.attrs_from
        ),
    }
}

/// What a server says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRole {
    /// In recovery: a hot standby.
    pub hot_standby: bool,
    /// `default_transaction_read_only` is on (a session is read-only on a standby anyway).
    pub default_read_only: bool,
}

impl ServerRole {
    /// What a server of PostgreSQL 14 or later reported when the session started.
    pub(super) fn reported_by<S, T>(connection: &Connection<S, T>) -> Option<ServerRole>
    where
        S: AsyncRead + AsyncWrite + Unpin,
        T: AsyncRead + AsyncWrite + Unpin,
    {
        ServerRole::reported(
            connection.parameter("in_hot_standby"),
            connection.parameter("default_transaction_read_only"),
        )
    }

    /// From the parameters a server of PostgreSQL 14 or later reports when the session starts;
    /// None when it reported them not (an older server).
    fn reported(
        in_hot_standby: Option<&str>,
        default_read_only: Option<&str>,
    ) -> Option<ServerRole> {
        Some(ServerRole {
            hot_standby: in_hot_standby? == "on",
            default_read_only: default_read_only? == "on",
        })
    }

    /// Ask the server (what libpq does with servers before 14).
    pub(super) async fn ask(client: &Client) -> Result<ServerRole> {
        let row = one_row(
            client,
            "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'",
        )
        .await?;
        Ok(ServerRole {
            hot_standby: row.get(0) == Some("t"),
            default_read_only: row.get(1) == Some("t"),
        })
    }
}

/// The first row of a statement sent with the simple protocol (no prepared statement, so it
/// works the same through a transaction-pooling proxy).
async fn one_row(client: &Client, sql: &str) -> Result<tokio_postgres::SimpleQueryRow> {
    client
        .simple_query(sql)
        .await
        .map_err(super::db_error)?
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .ok_or_else(|| failed("the server answered a SELECT with no row"))
}

/// A connection that suits the spec, the host it reached, and what that server said about
/// its role (None: an older server that was not asked, with `target_session_attrs=any`).
pub(super) struct Opened {
    pub client: Client,
    pub endpoint: Endpoint,
    pub role: Option<ServerRole>,
}

/// Whether a host that accepted a connection will do.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    Use,
    /// prefer-standby on a server that is not a standby: used if no standby answers.
    Fallback,
    /// Passed over: why (naming the host), and the hint.
    Skip(String, &'static str),
}

/// libpq 15's rules for `target_session_attrs`, for the server at `at`.
pub(super) fn judge(attrs: SessionAttrs, role: ServerRole, at: &str) -> Verdict {
    let read_only = role.hot_standby || role.default_read_only;
    let why_read_only = if role.hot_standby {
        "a hot standby"
    } else {
        "default_transaction_read_only=on"
    };
    match attrs {
        SessionAttrs::Any => Verdict::Use,
        SessionAttrs::ReadWrite if read_only => Verdict::Skip(
            format!("the server at {at} is read-only ({why_read_only})"),
            "target_session_attrs=read-write needs a writable primary among the hosts (during a failover: try again once a replica is promoted)",
        ),
        SessionAttrs::ReadOnly if !read_only => Verdict::Skip(
            format!("the server at {at} is not read-only (a primary)"),
            "target_session_attrs=read-only needs a standby (or a server with default_transaction_read_only=on) among the hosts; prefer-standby falls back to the primary",
        ),
        SessionAttrs::Primary if role.hot_standby => Verdict::Skip(
            format!("the server at {at} is a standby (in recovery)"),
            "target_session_attrs=primary needs the primary among the hosts (during a failover: try again once a replica is promoted)",
        ),
        SessionAttrs::Standby if !role.hot_standby => Verdict::Skip(
            format!("the server at {at} is not a standby (a primary)"),
            "target_session_attrs=standby needs a hot standby among the hosts; prefer-standby falls back to the primary",
        ),
        SessionAttrs::PreferStandby if !role.hot_standby => Verdict::Fallback,
        _ => Verdict::Use,
    }
}

/// After connecting: a command that writes is refused on a standby (exit 1, before any
/// statement: connect to the primary); with `-v`, a read on a standby says how stale it may be.
pub(super) async fn settle(spec: &ConnSpec, opened: &Opened, out: &Output) -> Result<()> {
    let writes = match spec.purpose {
        Purpose::Writes(command) => Some(command),
        _ => None,
    };
    if writes.is_none() && out.verbose == 0 {
        return Ok(());
    }
    let role = match opened.role {
        Some(role) => role,
        None => ServerRole::ask(&opened.client).await?,
    };
    if !role.hot_standby {
        return Ok(());
    }
    let at = opened.endpoint.label();
    if let Some(command) = writes {
        return Err(failed(format!(
            "the server at {at} is a standby (in recovery): `taskdb {command}` writes, which needs the primary; connect to it (list every node with target_session_attrs=read-write, which finds it); nothing was changed"
        )));
    }
    out.debug(
        1,
        match replay_lag(&opened.client).await {
            Ok(lag) => format!("reading from standby {at}: {lag}"),
            Err(e) => format!("reading from standby {at} (its replay lag is unknown: {e:#})"),
        },
    );
    Ok(())
}

/// How far a standby is behind, as it sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayLag {
    /// Since the last replayed transaction committed on the primary, while WAL waits to be
    /// replayed; 0 when everything received is replayed (an idle primary is not lag).
    pub seconds: f64,
    /// WAL received but not yet replayed. What the primary has not sent yet is not seen here.
    pub bytes: f64,
    /// The WAL receiver's status (`streaming`); None when there is none (disconnected from the
    /// primary), Some(None) when this role may not see it (pg_read_all_stats).
    pub receiver: Option<Option<String>>,
}

impl std::fmt::Display for ReplayLag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "replay lag {:.1} s / {} received but not yet replayed",
            self.seconds,
            crate::units::format_bytes(self.bytes)
        )?;
        match &self.receiver {
            Some(Some(status)) => write!(f, " (WAL receiver {status})"),
            Some(None) => Ok(()),
            None => f.write_str(
                " (no WAL receiver: not connected to a primary, so reads may be far behind)",
            ),
        }
    }
}

/// The standby's replay lag (the `replication` health probe's measure).
pub async fn replay_lag(client: &Client) -> Result<ReplayLag> {
    let row = one_row(
        client,
        "SELECT COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8,
                CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                     ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
                END::float8,
                EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
                (SELECT status FROM pg_stat_wal_receiver LIMIT 1)",
    )
    .await?;
    let number = |i: usize| row.get(i).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    Ok(ReplayLag {
        bytes: number(0),
        seconds: number(1),
        receiver: (row.get(2) == Some("t")).then(|| row.get(3).map(str::to_string)),
    })
}

/// When the server refused a write because the session is read-only (SQLSTATE 25006: a
/// standby, or `default_transaction_read_only`), the one line that names the fix.
pub fn read_only_refusal(e: &tokio_postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    (*db.code() == SqlState::READ_ONLY_SQL_TRANSACTION).then(|| {
        format!(
            "the server refused to write, the session is read-only ({}): it is a standby, or default_transaction_read_only is on; connect to the primary (target_session_attrs=read-write over every node finds it)",
            db.message()
        )
    })
}

/// [`read_only_refusal`] anywhere in an error's chain.
pub fn read_only_refusal_in(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .filter_map(|c| c.downcast_ref::<tokio_postgres::Error>())
        .find_map(read_only_refusal)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIMARY: ServerRole = ServerRole {
        hot_standby: false,
        default_read_only: false,
    };
    const STANDBY: ServerRole = ServerRole {
        hot_standby: true,
        default_read_only: false,
    };
    const READ_ONLY_PRIMARY: ServerRole = ServerRole {
        hot_standby: false,
        default_read_only: true,
    };

    fn uses(attrs: SessionAttrs, role: ServerRole) -> bool {
        judge(attrs, role, "h:1") == Verdict::Use
    }

    #[test]
    fn every_libpq_value_parses_and_nothing_else() {
        for (attrs, name) in ATTRS {
            assert_eq!(SessionAttrs::parse(name), Some(*attrs));
            assert_eq!(attrs.name(), *name);
        }
        for bad in ["", "Primary", "read_write", "prefer-primary", "any "] {
            assert_eq!(SessionAttrs::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn judged_as_libpq_15_does() {
        use SessionAttrs::*;
        for role in [PRIMARY, STANDBY, READ_ONLY_PRIMARY] {
            assert!(uses(Any, role));
        }
        assert!(uses(ReadWrite, PRIMARY));
        assert!(!uses(ReadWrite, STANDBY) && !uses(ReadWrite, READ_ONLY_PRIMARY));
        assert!(uses(ReadOnly, STANDBY) && uses(ReadOnly, READ_ONLY_PRIMARY));
        assert!(!uses(ReadOnly, PRIMARY));
        assert!(uses(Primary, PRIMARY) && uses(Primary, READ_ONLY_PRIMARY));
        assert!(!uses(Primary, STANDBY));
        assert!(uses(Standby, STANDBY));
        assert!(!uses(Standby, PRIMARY) && !uses(Standby, READ_ONLY_PRIMARY));
        assert!(uses(PreferStandby, STANDBY));
        assert_eq!(judge(PreferStandby, PRIMARY, "h:1"), Verdict::Fallback);
        let Verdict::Skip(why, _) = judge(ReadWrite, STANDBY, "h:1") else {
            panic!("a standby is skipped for read-write")
        };
        assert_eq!(why, "the server at h:1 is read-only (a hot standby)");
    }

    #[test]
    fn reported_roles_need_both_parameters() {
        assert_eq!(ServerRole::reported(Some("on"), Some("off")), Some(STANDBY));
        assert_eq!(ServerRole::reported(None, Some("off")), None);
        assert_eq!(ServerRole::reported(Some("off"), None), None);
    }

    #[test]
    fn the_lag_in_one_line() {
        let lag = ReplayLag {
            seconds: 0.42,
            bytes: 2048.0,
            receiver: Some(Some("streaming".into())),
        };
        assert_eq!(
            lag.to_string(),
            "replay lag 0.4 s / 2 kB received but not yet replayed (WAL receiver streaming)"
        );
        let gone = ReplayLag {
            receiver: None,
            ..lag
        };
        assert!(gone.to_string().ends_with("so reads may be far behind)"));
    }
}
