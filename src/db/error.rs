//! Database errors as taskdb reports them: SQLSTATE → exit code (refused input is 2, a missing
//! privilege 5, a server gone away 6, everything else 1) and one line, and the missing-schema
//! case said the one way that helps.

use crate::exit::{failed, lost_connection, not_permitted, unavailable, usage};

/// When an error means the database lacks taskdb's schema (a table, function or schema of
/// it does not exist: never migrated, or migrated by an older taskdb), the one line to show
/// instead of the server's `relation "tasks" does not exist`.
pub fn missing_schema(e: &tokio_postgres::Error) -> Option<String> {
    use tokio_postgres::error::SqlState;
    let db = e.as_db_error()?;
    let code = db.code();
    (*code == SqlState::UNDEFINED_TABLE
        || *code == SqlState::UNDEFINED_FUNCTION
        || *code == SqlState::INVALID_SCHEMA_NAME)
        .then(|| {
            format!(
                "the database has no (or an incomplete) taskdb schema ({}): run `taskdb migrate up`",
                db.message()
            )
        })
}

/// [`missing_schema`] anywhere in an error's chain.
pub fn missing_schema_in(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .filter_map(|c| c.downcast_ref::<tokio_postgres::Error>())
        .find_map(missing_schema)
}

/// The one line an error is reported as, after `error: ` on the CLI's stderr and as the MCP
/// server's tool errors: the context chain joined on one line ("outer: inner: cause"), a missing
/// schema and a write refused by a read-only session (a standby) said the one way that tells
/// what to do, no line breaks and no raw control characters
/// (messages quote data: titles, server and API texts).
pub fn error_line(err: &anyhow::Error) -> String {
    let text = missing_schema_in(err)
        .or_else(|| super::route::read_only_refusal_in(err))
        .unwrap_or_else(|| format!("{err:#}"))
        .replace('\n', " ");
    crate::output::escape_controls(&text).into_owned()
}

/// Turn a database error into an exit-coded error with one clear line.
///
/// The schema's rule violations (custom SQLSTATEs `TDnnn`, CHECK and unique violations,
/// invalid parameters) are refused input: exit 2 with the server's message. Everything else
/// is an operation failure (exit 1).
pub fn db_error(e: tokio_postgres::Error) -> anyhow::Error {
    if lost_connection(&e) {
        return unavailable(lost_text(&e));
    }
    let Some(db) = e.as_db_error() else {
        return failed(format!("database error: {e}"));
    };
    if let Some(text) = missing_schema(&e) {
        return failed(text);
    }
    if let Some(text) = refused_privilege(&e) {
        return crate::exit::Error::Denied(text).into();
    }
    // SQLSTATE 25006: a write on a standby (or a read-only session): one line naming the fix.
    if let Some(text) = super::route::read_only_refusal(&e) {
        return failed(text);
    }
    let code = db.code().code();
    let msg = db.message().to_string();
    let refused = code.starts_with("TD")
        || matches!(
            code,
            "23514" | "23505" | "23503" | "22023" | "22P02" | "23502" | "22001" | "22P05" | "22021"
        );
    if refused {
        let text = match (code, db.constraint()) {
            ("23505", Some("workflows_one_active_per_task")) => {
                "the task already has an active (initialized or running) workflow".to_string()
            }
            ("23505", Some("tasks_external_key_key")) => {
                "another task already has this external key".to_string()
            }
            ("23514", Some(c)) => format!("{msg} (constraint {c})"),
            // Not the holder of a claim: say who is (the DETAIL), in the one line.
            ("TD030", _) => match db.detail() {
                Some(detail) => format!("{msg}: {detail}"),
                None => msg,
            },
            _ => msg,
        };
        usage(text)
    } else {
        failed(format!("database error: {msg}"))
    }
}

/// When the server refused for lack of a privilege (SQLSTATE 42501: `permission denied for
/// table tasks`, `must be owner of table tasks`, a row-level security policy), its message.
pub fn refused_privilege(e: &tokio_postgres::Error) -> Option<String> {
    let db = e.as_db_error()?;
    (*db.code() == tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
        .then(|| db.message().to_string())
}

/// An error that a missing privilege caused, as one line naming what was refused and the
/// connected `role` (when known) with where to look: exit 5. Any other error is returned as it
/// is. Applied once, to whatever a command returns, so that a refusal reads the same however
/// deep it surfaced (through [`db_error`] or a driver error with context).
pub fn explain_refusal(err: anyhow::Error, role: Option<&str>) -> anyhow::Error {
    let mut parts: Vec<String> = Vec::new();
    let mut what = None;
    for cause in err.chain() {
        if let Some(pg) = cause.downcast_ref::<tokio_postgres::Error>() {
            what = refused_privilege(pg);
            break;
        }
        if let Some(crate::exit::Error::Denied(text)) = cause.downcast_ref::<crate::exit::Error>() {
            what = Some(text.clone());
            break;
        }
        parts.push(cause.to_string());
    }
    let Some(what) = what else {
        return err;
    };
    parts.push(what);
    let who = match role {
        Some(r) => {
            format!("the connected role {r} lacks this privilege; see `taskdb role show {r}`")
        }
        None => "the connected role lacks this privilege; see `taskdb role show ROLE`".into(),
    };
    not_permitted(format!("{} ({who})", parts.join(": ")))
}

/// Whether `err` says the connection it happened on is gone (a statement that found it closed,
/// broken or ended by the server: exit 6, see [`db_error`]), or that no server could be reached:
/// either way a long-lived session opens a new connection rather than reuse this one.
pub fn connection_lost(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        matches!(
            c.downcast_ref::<crate::exit::Error>(),
            Some(crate::exit::Error::Unavailable(_))
        ) || c
            .downcast_ref::<tokio_postgres::Error>()
            .is_some_and(lost_connection)
    })
}

/// The one line for a connection that broke or a session the server ended (exit 6): what
/// happened, and that the transaction in flight is all-or-nothing.
pub fn lost_text(e: &tokio_postgres::Error) -> String {
    let what = match e.as_db_error() {
        Some(db) => format!(
            "the server ended the session: {} (SQLSTATE {})",
            db.message(),
            db.code().code()
        ),
        None => format!(
            "lost the connection to the server ({})",
            super::connect::full_text(e)
        ),
    };
    format!(
        "{what}; the transaction in flight committed whole or not at all; try again once the server is back"
    )
}

/// `SQLSTATE` of a database error, if it is one.
pub fn sqlstate(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().map(|d| d.code().code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{code_for, Error, Exit};
    use anyhow::Context as _;

    #[test]
    fn a_refused_privilege_names_the_role_and_exits_5() {
        let err = Err::<(), _>(anyhow::Error::from(Error::Denied(
            "permission denied for table tasks".into(),
        )))
        .context("cannot prune system_metrics")
        .unwrap_err();
        let explained = explain_refusal(err, Some("agent_7"));
        assert_eq!(code_for(&explained), Exit::NOT_PERMITTED);
        assert_eq!(
            explained.to_string(),
            "cannot prune system_metrics: permission denied for table tasks \
             (the connected role agent_7 lacks this privilege; see `taskdb role show agent_7`)"
        );
        let unknown = explain_refusal(Error::Denied("permission denied".into()).into(), None);
        assert!(unknown
            .to_string()
            .ends_with("see `taskdb role show ROLE`)"));
    }

    #[test]
    fn other_errors_pass_through_unchanged() {
        let err = explain_refusal(usage("bad id"), Some("r"));
        assert_eq!(err.to_string(), "bad id");
        assert_eq!(code_for(&err), Exit::USAGE);
        // An explained refusal is final: its text does not grow when explained again.
        let once = explain_refusal(Error::Denied("x".into()).into(), Some("r"));
        let text = once.to_string();
        assert_eq!(explain_refusal(once, Some("r")).to_string(), text);
    }
}
