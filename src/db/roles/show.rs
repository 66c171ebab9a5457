//! `role show`: a role's attributes and what it may do in this database — the privileges it has
//! on taskdb's schema, tables, sequences and functions (its own and its groups', as the server
//! computes them), and the row-level security policies that apply to it.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{groups, kinds_of, Kind};
use crate::db::{db_error, Db};
use crate::output::Row;

/// One privilege line: an object and what the role may do with it.
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    /// database, schema, table, sequence, function, policy.
    pub object_type: String,
    pub object: String,
    pub privileges: String,
}

impl Row for Grant {
    fn columns() -> &'static [&'static str] {
        &["type", "object", "privileges"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.object_type.clone(),
            self.object.clone(),
            self.privileges.clone(),
        ]
    }
}

/// A role and its effective grants in this database.
#[derive(Debug, Clone, Serialize)]
pub struct RoleDetails {
    pub name: String,
    pub kinds: Vec<Kind>,
    pub login: bool,
    pub superuser: bool,
    pub bypass_rls: bool,
    pub create_role: bool,
    pub create_db: bool,
    /// None: never expires.
    pub valid_until: Option<DateTime<Utc>>,
    /// -1: no limit.
    pub connection_limit: i32,
    /// Every role it is a direct member of.
    pub member_of: Vec<String>,
    /// scram-sha-256, md5, none; None when the connected role may not see it (superuser only).
    pub password: Option<String>,
    pub grants: Vec<Grant>,
}

/// The role `name` (None: no such role) and its grants on the schema `tasks` lives in.
pub async fn show(db: &Db, name: &str) -> Result<Option<RoleDetails>> {
    let Some(row) = db
        .query_opt(
            "SELECT r.rolcanlogin, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, \
                    CASE WHEN r.rolvaliduntil = 'infinity' THEN NULL ELSE r.rolvaliduntil END, \
                    r.rolconnlimit, \
                    ARRAY(SELECT g.rolname::text FROM pg_auth_members m \
                            JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) \
               FROM pg_roles r WHERE r.rolname = $1",
            &[&name],
        )
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let member_of: Vec<String> = row.try_get(7)?;
    let taskdb_groups: Vec<String> = member_of
        .iter()
        .filter(|g| groups().contains(&g.as_str()))
        .cloned()
        .collect();
    let mut grants = place_grants(db, name).await?;
    grants.extend(relation_grants(db, name).await?);
    grants.extend(function_grants(db, name).await?);
    grants.extend(policies(db, name).await?);
    Ok(Some(RoleDetails {
        name: name.to_string(),
        kinds: kinds_of(&taskdb_groups),
        login: row.try_get(0)?,
        superuser: row.try_get(1)?,
        bypass_rls: row.try_get(2)?,
        create_role: row.try_get(3)?,
        create_db: row.try_get(4)?,
        valid_until: row.try_get(5)?,
        connection_limit: row.try_get(6)?,
        member_of,
        password: password_kind(db, name).await?,
        grants,
    }))
}

/// The schema taskdb lives in (that of `tasks`), as SQL.
const SCHEMA: &str = "(SELECT c.relnamespace FROM pg_class c WHERE c.oid = 'tasks'::regclass)";

/// The kind of password it has, if the connected role may read pg_authid (superusers).
async fn password_kind(db: &Db, name: &str) -> Result<Option<String>> {
    let visible: bool = db
        .query_one("SELECT has_table_privilege('pg_authid', 'SELECT')", &[])
        .await
        .map_err(db_error)?
        .try_get(0)?;
    if !visible {
        return Ok(None);
    }
    let row = db
        .query_one(
            "SELECT CASE WHEN a.rolpassword IS NULL THEN 'none' \
                         WHEN a.rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256' \
                         WHEN a.rolpassword LIKE 'md5%' THEN 'md5' ELSE 'other' END \
               FROM pg_authid a WHERE a.rolname = $1",
            &[&name],
        )
        .await
        .map_err(db_error)?;
    Ok(Some(row.try_get(0)?))
}

/// The database and the schema: CONNECT, TEMPORARY, CREATE / USAGE, CREATE.
async fn place_grants(db: &Db, name: &str) -> Result<Vec<Grant>> {
    let sql = format!(
        "SELECT current_database()::text, \
                array_to_string(ARRAY(SELECT p FROM unnest(ARRAY['CONNECT', 'TEMPORARY', 'CREATE']) p \
                                       WHERE has_database_privilege($1, current_database(), p)), ', '), \
                {SCHEMA}::regnamespace::text, \
                array_to_string(ARRAY(SELECT p FROM unnest(ARRAY['USAGE', 'CREATE']) p \
                                       WHERE has_schema_privilege($1, {SCHEMA}, p)), ', ')"
    );
    let row = db.query_one(&sql, &[&name]).await.map_err(db_error)?;
    Ok(vec![
        grant("database", row.try_get(0)?, row.try_get(1)?),
        grant("schema", row.try_get(2)?, row.try_get(3)?),
    ])
}

fn grant(object_type: &str, object: String, privileges: String) -> Grant {
    Grant {
        object_type: object_type.into(),
        object,
        privileges: if privileges.is_empty() {
            "none".into()
        } else {
            privileges
        },
    }
}

/// Tables (not partitions: they are reached through their parent) and the sequences it may use
/// of the schema.
/// A table readable only column by column says which columns it may not read.
async fn relation_grants(db: &Db, name: &str) -> Result<Vec<Grant>> {
    let sql = format!(
        "SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, c.relname::text, \
                CASE WHEN c.relkind = 'S' THEN \
                    ARRAY(SELECT p FROM unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p \
                           WHERE has_sequence_privilege($1, c.oid, p)) \
                ELSE ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', \
                                                      'TRUNCATE', 'REFERENCES', 'TRIGGER']) p \
                            WHERE has_table_privilege($1, c.oid, p)) END, \
                c.relkind <> 'S' AND NOT has_table_privilege($1, c.oid, 'SELECT') \
                    AND has_any_column_privilege($1, c.oid, 'SELECT'), \
                ARRAY(SELECT a.attname::text FROM pg_attribute a \
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
                         AND NOT has_column_privilege($1, c.oid, a.attnum, 'SELECT') \
                       ORDER BY a.attnum) \
           FROM pg_class c \
          WHERE c.relnamespace = {SCHEMA} AND c.relkind IN ('r', 'p', 'S') AND NOT c.relispartition \
            AND (c.relkind <> 'S' OR has_sequence_privilege($1, c.oid, 'USAGE, SELECT, UPDATE')) \
          ORDER BY c.relkind = 'S', c.relname"
    );
    let rows = db.query(&sql, &[&name]).await.map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let mut privileges: Vec<String> = r.try_get(2)?;
            let by_column: bool = r.try_get(3)?;
            if by_column {
                let hidden: Vec<String> = r.try_get(4)?;
                privileges.insert(0, format!("SELECT (all columns but {})", hidden.join(", ")));
            }
            let kind: String = r.try_get(0)?;
            Ok(grant(&kind, r.try_get(1)?, privileges.join(", ")))
        })
        .collect()
}

/// The schema's own functions (not an extension's) it may execute; SECURITY DEFINER ones run
/// with the owner's privileges.
async fn function_grants(db: &Db, name: &str) -> Result<Vec<Grant>> {
    let sql = format!(
        "SELECT p.oid::regprocedure::text, p.prosecdef FROM pg_proc p \
          WHERE p.pronamespace = {SCHEMA} AND p.prokind IN ('f', 'p') \
            AND p.prorettype <> 'trigger'::regtype \
            AND has_function_privilege($1, p.oid, 'EXECUTE') \
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                               AND d.objid = p.oid AND d.deptype = 'e') \
          ORDER BY 1"
    );
    let rows = db.query(&sql, &[&name]).await.map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let definer: bool = r.try_get(1)?;
            let what = if definer {
                "EXECUTE (security definer: runs as the owner)"
            } else {
                "EXECUTE"
            };
            Ok(grant("function", r.try_get(0)?, what.into()))
        })
        .collect()
}

/// The row-level security policies of the schema's tables that apply to it.
async fn policies(db: &Db, name: &str) -> Result<Vec<Grant>> {
    let sql = format!(
        "SELECT format('%s on %s', pol.polname, c.relname), \
                CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                                WHEN 'd' THEN 'DELETE' ELSE 'ALL' END \
                || CASE WHEN pol.polpermissive THEN '' ELSE ' (restrictive)' END \
           FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid \
          WHERE c.relnamespace = {SCHEMA} \
            AND (pol.polroles = '{{0}}' \
                 OR EXISTS (SELECT 1 FROM unnest(pol.polroles) pr(oid) \
                             WHERE pg_has_role($1, pr.oid, 'USAGE'))) \
          ORDER BY c.relname, pol.polname"
    );
    let rows = db.query(&sql, &[&name]).await.map_err(db_error)?;
    rows.iter()
        .map(|r| Ok(grant("policy", r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
