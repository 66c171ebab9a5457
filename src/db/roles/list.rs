//! `role list`: the login roles of taskdb's kinds, with what the server shows of their sessions.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{groups, kinds_of, kinds_text, Kind};
use crate::db::{db_error, Db};
use crate::output::{ts, Row};

/// One role of `role list`.
#[derive(Debug, Clone, Serialize)]
pub struct RoleRow {
    pub name: String,
    pub kinds: Vec<Kind>,
    pub login: bool,
    /// When its password stops working; None: never.
    pub valid_until: Option<DateTime<Utc>>,
    /// -1: no limit.
    pub connection_limit: i32,
    /// Its sessions now (every session's role is visible to everyone).
    pub connections: i64,
    /// The latest start or state change of its sessions now; None when it has none, or when
    /// the connected role may not see them (pg_read_all_stats).
    pub last_activity: Option<DateTime<Utc>>,
    /// Tasks it holds (in progress, claimed by this role).
    pub leases: i64,
}

impl Row for RoleRow {
    fn columns() -> &'static [&'static str] {
        &[
            "role",
            "kind",
            "login",
            "valid until",
            "conn limit",
            "connections",
            "last activity",
            "leases",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            kinds_text(&self.kinds),
            if self.login { "yes" } else { "no" }.into(),
            self.valid_until
                .map_or_else(|| "never".into(), |t| ts(Some(t))),
            if self.connection_limit < 0 {
                "none".into()
            } else {
                self.connection_limit.to_string()
            },
            self.connections.to_string(),
            match (self.last_activity, self.connections) {
                (Some(t), _) => ts(Some(t)),
                (None, 0) => String::new(),
                (None, _) => "(not visible)".into(),
            },
            self.leases.to_string(),
        ]
    }
}

/// Every role that is a direct member of a taskdb group role (the group roles themselves
/// excepted), by name.
pub async fn list(db: &Db) -> Result<Vec<RoleRow>> {
    let rows = db
        .query(
            "SELECT r.rolname::text, g.kinds, r.rolcanlogin, \
                    CASE WHEN r.rolvaliduntil = 'infinity' THEN NULL ELSE r.rolvaliduntil END, \
                    r.rolconnlimit, \
                    (SELECT count(*) FROM pg_stat_activity a WHERE a.usesysid = r.oid), \
                    (SELECT max(greatest(a.backend_start, a.state_change)) \
                       FROM pg_stat_activity a WHERE a.usesysid = r.oid), \
                    (SELECT count(*) FROM tasks t \
                      WHERE t.status = 'in_progress' AND t.holder_role = r.rolname) \
               FROM pg_roles r \
               JOIN LATERAL (SELECT array_agg(grp.rolname::text) AS kinds \
                               FROM pg_auth_members m JOIN pg_roles grp ON grp.oid = m.roleid \
                              WHERE m.member = r.oid AND grp.rolname = ANY($1::text[])) g \
                 ON g.kinds IS NOT NULL \
              WHERE r.rolname <> ALL ($1::text[]) \
              ORDER BY r.rolname",
            &[&groups()],
        )
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let groups: Vec<String> = r.try_get(1)?;
            Ok(RoleRow {
                name: r.try_get(0)?,
                kinds: kinds_of(&groups),
                login: r.try_get(2)?,
                valid_until: r.try_get(3)?,
                connection_limit: r.try_get(4)?,
                connections: r.try_get(5)?,
                last_activity: r.try_get(6)?,
                leases: r.try_get(7)?,
            })
        })
        .collect()
}
