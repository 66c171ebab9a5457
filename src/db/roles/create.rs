//! `role create` (idempotent: an existing role of the same kind is kept, with the attributes
//! asked for applied) and the password change of `role rotate`.

use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{ident, kinds_text, lookup, Kind};
use crate::db::{db_error, Db};
use crate::exit::usage;

/// When a role's password stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntil {
    At(DateTime<Utc>),
    /// Never (`infinity`).
    Never,
}

impl ValidUntil {
    fn literal(self) -> String {
        let text = match self {
            ValidUntil::At(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
            ValidUntil::Never => "infinity".into(),
        };
        postgres_protocol::escape::escape_literal(&text)
    }
}

/// A login role to create (or to find as it is).
#[derive(Debug, Clone)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub kind: Kind,
    /// A SCRAM verifier ([`super::scram_verifier`]); None: no password (or, for an existing
    /// role, the one it has).
    pub verifier: Option<&'a str>,
    pub valid_until: Option<ValidUntil>,
    /// -1: no limit.
    pub connection_limit: Option<i32>,
}

impl NewRole<'_> {
    /// ` PASSWORD '…' VALID UNTIL '…' CONNECTION LIMIT n`, for what is given.
    fn options(&self) -> String {
        let mut sql = String::new();
        if let Some(v) = self.verifier {
            sql.push_str(" PASSWORD ");
            sql.push_str(&postgres_protocol::escape::escape_literal(v));
        }
        if let Some(v) = self.valid_until {
            sql.push_str(" VALID UNTIL ");
            sql.push_str(&v.literal());
        }
        if let Some(n) = self.connection_limit {
            sql.push_str(&format!(" CONNECTION LIMIT {n}"));
        }
        sql
    }

    /// The attributes it sets, by name (for the report).
    fn changes(&self) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.verifier.is_some() {
            changed.push("password");
        }
        if self.valid_until.is_some() {
            changed.push("valid until");
        }
        if self.connection_limit.is_some() {
            changed.push("connection limit");
        }
        changed
    }
}

/// What `role create` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    Created,
    /// The role was there, of the same kind; these attributes were set on it.
    Existed {
        changed: Vec<&'static str>,
    },
}

/// Create the login role `r.name` in `r.kind`'s group role, in one transaction; an existing role
/// of the same kind gets the attributes given and nothing else. A role of another kind, not a
/// taskdb role, or one of the group roles is refused (exit 2). Two sessions creating the same
/// role at once: the one that loses finds the other's role. `before_commit` runs last, before
/// the commit (writing a secret file): its error rolls everything back.
pub async fn create(
    client: &mut Db,
    r: &NewRole<'_>,
    before_commit: impl FnOnce() -> Result<()>,
) -> Result<Outcome> {
    let mut before_commit = Some(before_commit);
    for _ in 0..2 {
        let tx = client.transaction();
        let outcome = match lookup(&tx, r.name).await? {
            Some(existing) => {
                if existing.is_group {
                    return Err(usage(format!(
                        "{} is one of taskdb's group roles: a login role needs a name of its own",
                        r.name
                    )));
                }
                if existing.kinds != [r.kind] {
                    let is = if existing.kinds.is_empty() {
                        "is not a taskdb role".to_string()
                    } else {
                        format!("is a taskdb {} role", kinds_text(&existing.kinds))
                    };
                    return Err(usage(format!(
                        "role {} exists and {is}, not {}: drop it first or choose another name",
                        r.name,
                        a_kind(r.kind)
                    )));
                }
                let options = r.options();
                if !options.is_empty() {
                    let sql = format!("ALTER ROLE {}{options}", ident(r.name));
                    tx.batch_execute(&sql).await.map_err(db_error)?;
                }
                Outcome::Existed {
                    changed: r.changes(),
                }
            }
            None => {
                let sql = format!(
                    "CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION \
                     NOBYPASSRLS{} IN ROLE {}",
                    ident(r.name),
                    r.options(),
                    ident(r.kind.group())
                );
                match tx.batch_execute(&sql).await {
                    Ok(()) => Outcome::Created,
                    // Created by another session since we looked: look again.
                    Err(e) if concurrently_created(&e) => continue,
                    Err(e) => return Err(db_error(e)),
                }
            }
        };
        if let Some(hook) = before_commit.take() {
            hook()?;
        }
        tx.commit().await.map_err(db_error)?;
        return Ok(outcome);
    }
    Err(crate::exit::failed(format!(
        "role {} is being created and dropped by other sessions at the same time: try again",
        r.name
    )))
}

/// "a reader", "an agent", "an operator".
fn a_kind(kind: Kind) -> String {
    match kind {
        Kind::Reader => "a reader".into(),
        Kind::Agent | Kind::Operator => format!("an {}", kind.name()),
    }
}

/// A role created by another session between our look and our CREATE ROLE.
fn concurrently_created(e: &tokio_postgres::Error) -> bool {
    matches!(crate::db::sqlstate(e), Some("42710" | "23505"))
}

/// Set the password of `name` to the SCRAM verifier `verifier`, in the caller's transaction.
pub async fn set_password(db: &Db, name: &str, verifier: &str) -> Result<()> {
    let sql = format!(
        "ALTER ROLE {} PASSWORD {}",
        ident(name),
        postgres_protocol::escape::escape_literal(verifier)
    );
    db.batch_execute(&sql).await.map_err(db_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_say_only_what_is_given() {
        let mut r = NewRole {
            name: "a",
            kind: Kind::Agent,
            verifier: None,
            valid_until: None,
            connection_limit: None,
        };
        assert_eq!(r.options(), "");
        assert!(r.changes().is_empty());
        r.valid_until = Some(ValidUntil::Never);
        r.connection_limit = Some(4);
        assert_eq!(r.options(), " VALID UNTIL 'infinity' CONNECTION LIMIT 4");
        let t = DateTime::parse_from_rfc3339("2031-02-03T04:05:06Z")
            .unwrap()
            .with_timezone(&Utc);
        r.valid_until = Some(ValidUntil::At(t));
        assert_eq!(
            r.options(),
            " VALID UNTIL '2031-02-03T04:05:06Z' CONNECTION LIMIT 4"
        );
        assert_eq!(r.changes(), vec!["valid until", "connection limit"]);
    }
}
