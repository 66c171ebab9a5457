//! Database roles for taskdb's clients (`taskdb role …`): login roles that join one of the group
//! roles migration V16 creates (`taskdb_reader`, `taskdb_agent`, `taskdb_operator`), their
//! passwords, what they may do, and dropping them.
//!
//! Passwords reach the server only as a SCRAM-SHA-256 verifier computed here
//! ([`scram_verifier`]), so the plaintext is in no statement the server logs or shows. Role
//! statements (CREATE/ALTER/DROP ROLE) take no parameters: names are quoted with
//! `escape_identifier`, literals with `escape_literal`; everything else uses parameters.

mod create;
mod drop;
mod list;
mod show;

pub use create::{create, set_password, NewRole, Outcome, ValidUntil};
pub use drop::{drop_role, held_tasks, Dropped, HeldTask};
pub use list::{list, RoleRow};
pub use show::{show, Grant, RoleDetails};

use anyhow::Result;
use serde::Serialize;

use crate::db::{db_error, Db};

/// What a login role is for: which group role it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Reader,
    Agent,
    Operator,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Reader, Kind::Agent, Kind::Operator];

    /// `reader`, `agent`, `operator`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Reader => "reader",
            Kind::Agent => "agent",
            Kind::Operator => "operator",
        }
    }

    /// The group role of the kind.
    pub fn group(self) -> &'static str {
        match self {
            Kind::Reader => "taskdb_reader",
            Kind::Agent => "taskdb_agent",
            Kind::Operator => "taskdb_operator",
        }
    }

    fn from_group(group: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.group() == group)
    }
}

/// The group roles' names, as a statement parameter.
fn groups() -> Vec<&'static str> {
    Kind::ALL.iter().map(|k| k.group()).collect()
}

/// The kinds of a role: the group roles it is a direct member of (none: not a taskdb role).
pub fn kinds_text(kinds: &[Kind]) -> String {
    if kinds.is_empty() {
        "none".into()
    } else {
        kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join("+")
    }
}

/// A role as it exists on the server.
#[derive(Debug, Clone)]
pub struct Existing {
    pub kinds: Vec<Kind>,
    pub can_login: bool,
    /// One of taskdb's group roles itself.
    pub is_group: bool,
}

/// The role `name`, if it exists: its kinds and whether it can log in.
pub async fn lookup(db: &Db, name: &str) -> Result<Option<Existing>> {
    let row = db
        .query_opt(
            "SELECT r.rolcanlogin, r.rolname = ANY($2::text[]), \
                    ARRAY(SELECT g.rolname::text FROM pg_auth_members m \
                            JOIN pg_roles g ON g.oid = m.roleid \
                           WHERE m.member = r.oid AND g.rolname = ANY($2::text[]) \
                           ORDER BY g.rolname) \
               FROM pg_roles r WHERE r.rolname = $1",
            &[&name, &groups()],
        )
        .await
        .map_err(db_error)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let groups: Vec<String> = row.try_get(2)?;
    Ok(Some(Existing {
        can_login: row.try_get(0)?,
        is_group: row.try_get(1)?,
        kinds: kinds_of(&groups),
    }))
}

/// Group role names → kinds, in [`Kind::ALL`] order.
fn kinds_of(groups: &[String]) -> Vec<Kind> {
    let mut kinds: Vec<Kind> = groups.iter().filter_map(|g| Kind::from_group(g)).collect();
    kinds.sort_by_key(|k| Kind::ALL.iter().position(|a| a == k));
    kinds
}

/// The connected role and whether it may create, change and drop roles (CREATEROLE or
/// superuser), and whether the group roles exist (the database was migrated to V16).
#[derive(Debug, Clone)]
pub struct Manager {
    pub role: String,
    pub can_manage: bool,
    pub groups_exist: bool,
}

/// Who is connected, and what of role management they may do.
pub async fn manager(db: &Db) -> Result<Manager> {
    let row = db
        .query_one(
            "SELECT current_user::text, r.rolcreaterole OR r.rolsuper, \
                    (SELECT count(*) FROM pg_roles g WHERE g.rolname = ANY($1::text[])) = 3 \
               FROM pg_roles r WHERE r.rolname = current_user",
            &[&groups()],
        )
        .await
        .map_err(db_error)?;
    Ok(Manager {
        role: row.try_get(0)?,
        can_manage: row.try_get(1)?,
        groups_exist: row.try_get(2)?,
    })
}

/// A quoted identifier for a role statement.
fn ident(name: &str) -> String {
    postgres_protocol::escape::escape_identifier(name)
}

/// The SCRAM-SHA-256 verifier of `password` (random salt), as `ALTER ROLE … PASSWORD` takes it:
/// the server stores it as it is and never sees the password.
pub fn scram_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_scram_and_salted() {
        let a = scram_verifier("correct horse");
        let b = scram_verifier("correct horse");
        assert!(a.starts_with("SCRAM-SHA-256$4096:"), "{a}");
        assert_ne!(a, b, "a random salt each time");
        assert!(!a.contains("correct horse"));
    }

    #[test]
    fn kinds_come_in_a_fixed_order() {
        let groups = vec!["taskdb_operator".to_string(), "taskdb_reader".to_string()];
        assert_eq!(kinds_of(&groups), vec![Kind::Reader, Kind::Operator]);
        assert_eq!(kinds_text(&kinds_of(&groups)), "reader+operator");
        assert_eq!(kinds_text(&[]), "none");
    }

    #[test]
    fn names_are_quoted_as_identifiers() {
        assert_eq!(ident("agent \"x\" y"), "\"agent \"\"x\"\" y\"");
    }
}
