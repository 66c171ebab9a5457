//! The `security` probe: how taskdb connects (superuser, BYPASSRLS), how passwords are stored
//! (`password_encryption`, MD5 hashes), who gets in without a password (`trust` rules of
//! `pg_hba.conf`, login roles without one), TLS while a tunnel is deployed, and login roles
//! about to expire.
//!
//! Here: reading the facts (three catalog queries; `pg_authid` and `pg_hba_file_rules` only
//! when the role may read them, otherwise the checks that need them say UNKNOWN with the grant
//! that would let them run) and turning the checks into one probe result. The checks
//! themselves: `checks`; placing a pg_hba.conf rule on or off this host: `hba`.

use std::collections::BTreeMap;

use serde_json::json;

use super::ProbeCtx;
use crate::db::Db;
use crate::health::tunnel::DeployedTunnel;
use crate::health::{ProbeResult, State, Unit};
use crate::settings::thresholds::Thresholds;

mod checks;
mod hba;

pub use checks::{Check, Facts};
use checks::{Expiring, Hba, Password, TrustRule};

/// What taskdb knows about where it runs, beyond the server: facts the checks need.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// The target is the managed local cluster (`taskdb local`), which taskdb set up itself.
    pub managed_local: bool,
    /// The Cloudflare Tunnel `tunnel deploy` left on this host (the `--tunnel` name).
    pub tunnel: Option<DeployedTunnel>,
}

pub(in crate::health::probes) async fn security(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
    let facts = read_facts(p.client, p.t, p.deployment).await?;
    Ok(result(&facts, p.deployment, p.t))
}

/// The probe result of the checks: the worst check's state; the number of checks that found
/// something as the value; the findings, worst first, as message and hint.
pub fn result(facts: &Facts, d: &Deployment, t: &Thresholds) -> ProbeResult {
    let checks = checks::all(facts, d, t);
    let mut r = ProbeResult::new("security", Unit::Count);
    let mut bad: Vec<&Check> = checks.iter().filter(|c| c.state != State::Ok).collect();
    bad.sort_by_key(|c| std::cmp::Reverse(c.state));
    for c in &checks {
        r.raise(c.state);
    }
    let found = checks
        .iter()
        .filter(|c| matches!(c.state, State::Warning | State::Critical))
        .count();
    r.value = Some(found as f64);
    r.message = if bad.is_empty() {
        format!("{} checks OK ({})", checks.len(), checks[0].message)
    } else {
        bad.iter()
            .map(|c| format!("{}: {}", c.check, c.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    // One line per distinct hint, naming the checks it answers.
    let mut hints: Vec<(Vec<&str>, &str)> = Vec::new();
    for c in &bad {
        let Some(h) = c.hint.as_deref() else { continue };
        match hints.iter_mut().find(|(_, text)| *text == h) {
            Some((names, _)) => names.push(c.check),
            None => hints.push((vec![c.check], h)),
        }
    }
    if !hints.is_empty() {
        let lines: Vec<String> = hints
            .iter()
            .map(|(names, h)| format!("{}: {h}", names.join(", ")))
            .collect();
        r.hint = Some(lines.join(" — "));
    }
    r.details = json!({
        "session_user": facts.session_user,
        "managed_local": d.managed_local,
        "tunnel": d.tunnel.as_ref().map(|t| json!({"name": t.name, "hostname": t.hostname})),
        "visible": {"pg_authid": facts.passwords.is_some(), "pg_hba_file_rules": facts.hba.is_some()},
        "checks": checks,
    });
    for c in &checks {
        let label = || vec![("check", c.check.to_string())];
        r.sample(
            "security_check_state",
            "State of each security check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
            Unit::Count,
            label(),
            f64::from(c.state.code()),
        );
        if c.state != State::Unknown {
            r.sample(
                "security_findings",
                "Roles or pg_hba.conf lines each security check found",
                Unit::Count,
                label(),
                c.items.len() as f64 * f64::from(u8::from(c.state != State::Ok)),
            );
        }
    }
    r
}

async fn read_facts(
    client: &Db,
    t: &Thresholds,
    d: &Deployment,
) -> Result<Facts, tokio_postgres::Error> {
    // The session's role (not SET ROLE's), what it can become, the settings, and what it may
    // read. Membership through pg_has_role: a superuser is a member of everything, so only
    // asked for a role that is not one.
    let row = client
        .query_one(
            "SELECT session_user::text, r.rolsuper, r.rolbypassrls,
                    ARRAY(SELECT o.rolname::text FROM pg_catalog.pg_roles o
                          WHERE (o.rolsuper OR o.rolbypassrls) AND o.oid <> r.oid
                            AND NOT r.rolsuper AND pg_has_role(r.oid, o.oid, 'MEMBER')
                          ORDER BY 1),
                    current_setting('password_encryption'),
                    (SELECT source FROM pg_catalog.pg_settings WHERE name = 'password_encryption'),
                    current_setting('ssl') = 'on',
                    current_setting('listen_addresses') <> '',
                    right(current_setting('unix_socket_permissions'), 1) <> '0',
                    has_table_privilege('pg_catalog.pg_authid', 'SELECT'),
                    has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT')
                      AND has_function_privilege('pg_catalog.pg_hba_file_rules()', 'EXECUTE')
             FROM pg_catalog.pg_roles r WHERE r.rolname = session_user",
            &[],
        )
        .await?;
    // The rest depends only on what may be read: pipelined on the one connection.
    let (authid, hba_visible): (bool, bool) = (row.get(9), row.get(10));
    let (passwords, hba, expiring) = tokio::try_join!(
        async {
            match authid {
                true => read_passwords(client).await.map(Some),
                false => Ok(None),
            }
        },
        async {
            match hba_visible {
                true => read_hba(client, d.tunnel.is_some()).await.map(Some),
                false => Ok(None),
            }
        },
        read_expiring(client, t),
    )?;
    Ok(Facts {
        session_user: row.get(0),
        superuser: row.get(1),
        bypassrls: row.get(2),
        escalates_to: row.get(3),
        password_encryption: row.get(4),
        password_encryption_source: row.get::<_, Option<String>>(5).unwrap_or_default(),
        ssl: row.get(6),
        listens_on_tcp: row.get(7),
        socket_open_to_all: row.get(8),
        passwords,
        hba,
        expiring,
    })
}

/// How each login role's password is stored (superuser only: the caller checked).
async fn read_passwords(client: &Db) -> Result<BTreeMap<String, Password>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT rolname::text,
                    CASE WHEN rolpassword IS NULL THEN 'none'
                         WHEN rolpassword LIKE 'md5%' THEN 'md5'
                         WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram'
                         ELSE 'other' END
             FROM pg_catalog.pg_authid WHERE rolcanlogin",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let kind = match row.get::<_, &str>(1) {
                "none" => Password::None,
                "md5" => Password::Md5,
                "scram" => Password::Scram,
                _ => Password::Other,
            };
            (row.get(0), kind)
        })
        .collect())
}

/// The `trust` rules of pg_hba.conf with the login roles each admits, and the lines that
/// accept MD5 hashes. The user column matches as the server matches it: `all`, the name,
/// `+group` (members, directly or not — a superuser only if made a member), and from
/// PostgreSQL 16 on `/regex`. Rules with an error are skipped (the server skips them too).
async fn read_hba(client: &Db, tunnel_deployed: bool) -> Result<Hba, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT h.line_number, h.type, h.database, h.user_name, h.address, h.netmask,
                    h.auth_method,
                    ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_roles r
                          WHERE r.rolcanlogin AND EXISTS (
                            SELECT 1 FROM unnest(h.user_name) AS u(name)
                            WHERE u.name IN ('all', r.rolname)
                               OR (left(u.name, 1) = '+' AND (substr(u.name, 2) = r.rolname
                                   OR r.oid IN (
                                     WITH RECURSIVE m(oid) AS (
                                       SELECT am.member FROM pg_catalog.pg_auth_members am
                                       JOIN pg_catalog.pg_roles g ON g.oid = am.roleid
                                       WHERE g.rolname = substr(u.name, 2)
                                       UNION
                                       SELECT am.member FROM pg_catalog.pg_auth_members am
                                       JOIN m ON am.roleid = m.oid)
                                     SELECT oid FROM m)))
                               OR (left(u.name, 1) = '/'
                                   AND current_setting('server_version_num')::int >= 160000
                                   AND r.rolname ~ substr(u.name, 2)))
                          ORDER BY 1)
             FROM pg_catalog.pg_hba_file_rules h
             WHERE h.error IS NULL AND h.auth_method IN ('trust', 'md5', 'password')
             ORDER BY h.line_number",
            &[],
        )
        .await?;
    let mut hba = Hba::default();
    for row in &rows {
        let line: i32 = row.get(0);
        let kind: String = row.get(1);
        let method: &str = row.get(6);
        if method != "trust" {
            hba.md5_lines.push(line);
            continue;
        }
        let databases: Vec<String> = row.get::<_, Option<Vec<String>>>(2).unwrap_or_default();
        let users: Vec<String> = row.get::<_, Option<Vec<String>>>(3).unwrap_or_default();
        let address: Option<String> = row.get(4);
        let netmask: Option<String> = row.get(5);
        hba.trust.push(TrustRule {
            line,
            shown: hba::describe(
                &kind,
                &databases,
                &users,
                address.as_deref(),
                netmask.as_deref(),
            ),
            reach: hba::reach(
                &kind,
                address.as_deref(),
                netmask.as_deref(),
                tunnel_deployed,
            ),
            admits: row.get(7),
        });
    }
    Ok(hba)
}

/// Login roles whose `VALID UNTIL` falls within the larger `role_expiry` threshold.
async fn read_expiring(
    client: &Db,
    t: &Thresholds,
) -> Result<Vec<Expiring>, tokio_postgres::Error> {
    let (warn, crit) = t.get("role_expiry");
    let Some(within) = warn.into_iter().chain(crit).reduce(f64::max) else {
        return Ok(Vec::new());
    };
    let rows = client
        .query(
            "SELECT rolname::text, extract(epoch FROM rolvaliduntil - now())::float8,
                    to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
             FROM pg_catalog.pg_roles
             WHERE rolcanlogin AND rolvaliduntil > now()
               AND rolvaliduntil < now() + make_interval(secs => $1)
             ORDER BY rolvaliduntil, rolname LIMIT 1000",
            &[&within],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| Expiring {
            role: row.get(0),
            seconds: row.get(1),
            at: row.get(2),
        })
        .collect())
}
