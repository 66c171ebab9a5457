//! The security probe's checks, each judged from [`Facts`] read beforehand: pure functions, so
//! every condition and every "could not see it" case is tested without a server.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::hba::Reach;
use super::Deployment;
use crate::health::State;
use crate::settings::thresholds::Thresholds;
use crate::units::format_duration;

/// How a login role's password is stored (`pg_authid.rolpassword`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Password {
    None,
    Md5,
    Scram,
    /// Anything else (a plain-text password from before PostgreSQL 10).
    Other,
}

/// A `trust` rule of `pg_hba.conf`, with the login roles its user column admits.
#[derive(Debug, Clone)]
pub struct TrustRule {
    pub line: i32,
    /// `host all all 0.0.0.0/0`
    pub shown: String,
    pub reach: Reach,
    pub admits: Vec<String>,
}

/// What `pg_hba_file_rules` says, when the probe's role may read it.
#[derive(Debug, Clone, Default)]
pub struct Hba {
    pub trust: Vec<TrustRule>,
    /// Lines whose method accepts an MD5 hash (`md5`, `password`).
    pub md5_lines: Vec<i32>,
}

/// A login role whose `VALID UNTIL` is near.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub role: String,
    pub seconds: f64,
    /// RFC 3339, UTC.
    pub at: String,
}

/// Everything the checks judge, read in one go by the probe.
#[derive(Debug, Clone)]
pub struct Facts {
    pub session_user: String,
    pub superuser: bool,
    pub bypassrls: bool,
    /// Superuser or BYPASSRLS roles the session's user is a member of (can `SET ROLE` to).
    pub escalates_to: Vec<String>,
    pub password_encryption: String,
    /// Where that value comes from (`pg_settings.source`: default, configuration file,
    /// database, user, …).
    pub password_encryption_source: String,
    pub ssl: bool,
    /// `listen_addresses` is not empty: the server accepts TCP connections at all.
    pub listens_on_tcp: bool,
    /// `unix_socket_permissions` lets others than the server's user and group connect.
    pub socket_open_to_all: bool,
    /// Login roles' stored passwords; None when `pg_authid` is not visible (superuser only).
    pub passwords: Option<BTreeMap<String, Password>>,
    /// None when `pg_hba_file_rules` is not visible.
    pub hba: Option<Hba>,
    /// Login roles expiring within the `role_expiry` threshold, soonest first.
    pub expiring: Vec<Expiring>,
}

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub state: State,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The offending roles or pg_hba.conf lines; for an UNKNOWN check the roles it could not
    /// judge, if any.
    pub items: Vec<serde_json::Value>,
}

impl Check {
    fn ok(check: &'static str, message: impl Into<String>) -> Check {
        Check {
            check,
            state: State::Ok,
            message: message.into(),
            hint: None,
            items: Vec::new(),
        }
    }

    fn bad(check: &'static str, state: State, message: String, hint: String) -> Check {
        Check {
            check,
            state,
            message,
            hint: Some(hint),
            items: Vec::new(),
        }
    }

    fn with_items(mut self, items: Vec<serde_json::Value>) -> Check {
        self.items = items;
        self
    }
}

/// Every check, in the documented order.
pub fn all(f: &Facts, d: &Deployment, t: &Thresholds) -> Vec<Check> {
    vec![
        superuser(f, d),
        password_encryption(f),
        md5_passwords(f),
        trust_rules(f),
        passwordless_logins(f, d),
        ssl(f, d),
        expiring_roles(f, t),
    ]
}

/// A role name as SQL needs it in a hint (quoted unless it is a plain lower-case name).
pub fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

/// `line 7` or `lines 7, 9`.
fn lines(numbers: impl IntoIterator<Item = i32>) -> String {
    let n: Vec<String> = numbers.into_iter().map(|l| l.to_string()).collect();
    format!(
        "line{} {}",
        if n.len() == 1 { "" } else { "s" },
        n.join(", ")
    )
}

/// The hint for a part of the server the probe's role may not read.
pub fn hba_grant_hint(role: &str) -> String {
    let r = ident(role);
    format!(
        "let the monitoring role read pg_hba.conf: GRANT SELECT ON pg_hba_file_rules TO {r}; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO {r};"
    )
}

const AUTHID_HINT: &str = "stored password hashes are in pg_authid, which only a superuser can \
     read: run `taskdb health --check security` once as a superuser";

fn superuser(f: &Facts, d: &Deployment) -> Check {
    const NAME: &str = "superuser";
    let mut what = Vec::new();
    if f.superuser {
        what.push("a superuser".to_string());
    } else if f.bypassrls {
        what.push("BYPASSRLS (row-level security does not apply)".to_string());
    }
    if !f.escalates_to.is_empty() {
        what.push(format!(
            "a member of {} (SET ROLE gives superuser or BYPASSRLS)",
            list(&f.escalates_to)
        ));
    }
    let items = vec![json!({"role": f.session_user, "superuser": f.superuser,
                            "bypassrls": f.bypassrls, "escalates_to": f.escalates_to})];
    if what.is_empty() {
        return Check::ok(
            NAME,
            format!("connects as {}: no superuser, no BYPASSRLS", f.session_user),
        );
    }
    let found = format!("taskdb connects as {}, {}", f.session_user, what.join(", "));
    if d.managed_local {
        // The managed local cluster's own role, reachable only by the OS user who owns the
        // cluster's files (a 0700 socket directory; TCP needs a password nobody has).
        return Check::ok(
            NAME,
            format!("{found}: the managed local cluster's own role, reachable only through its private socket"),
        )
        .with_items(items);
    }
    let mut hint = "everyday commands (health included) need no superuser: connect them as a \
                    login role of taskdb_operator or taskdb_reader (`taskdb role create NAME \
                    --kind operator|reader`; GRANT pg_monitor TO NAME for health) and keep the \
                    superuser for migrate and role"
        .to_string();
    if !f.escalates_to.is_empty() {
        let me = ident(&f.session_user);
        for r in &f.escalates_to {
            hint.push_str(&format!("; REVOKE {} FROM {me};", ident(r)));
        }
    }
    Check::bad(NAME, State::Warning, found, hint).with_items(items)
}

fn password_encryption(f: &Facts) -> Check {
    const NAME: &str = "password_encryption";
    let value = &f.password_encryption;
    if value == "scram-sha-256" {
        return Check::ok(NAME, "password_encryption is scram-sha-256");
    }
    let (from, fix) = match f.password_encryption_source.as_str() {
        "database" => (
            "set on this database",
            "ALTER DATABASE <db> RESET password_encryption;".to_string(),
        ),
        "user" => (
            "set on a role",
            format!(
                "ALTER ROLE {} RESET password_encryption;",
                ident(&f.session_user)
            ),
        ),
        "client" | "session" => (
            "set by the client",
            "remove password_encryption from the client's options (PGOPTIONS)".to_string(),
        ),
        _ => (
            "set in the server's configuration",
            "ALTER SYSTEM SET password_encryption = 'scram-sha-256'; SELECT pg_reload_conf();"
                .to_string(),
        ),
    };
    Check::bad(
        NAME,
        State::Warning,
        format!("password_encryption is {value} ({from}): new passwords are stored as MD5 hashes"),
        format!("{fix} Then set the passwords made meanwhile again"),
    )
    .with_items(vec![
        json!({"value": value, "source": f.password_encryption_source}),
    ])
}

fn md5_passwords(f: &Facts) -> Check {
    const NAME: &str = "md5_passwords";
    if let Some(pw) = &f.passwords {
        let md5: Vec<String> = pw
            .iter()
            .filter(|(_, k)| **k == Password::Md5)
            .map(|(r, _)| r.clone())
            .collect();
        if md5.is_empty() {
            return Check::ok(NAME, "no login role has an MD5 password");
        }
        let items = md5.iter().map(|r| json!({"role": r})).collect();
        let first = ident(&md5[0]);
        return Check::bad(
            NAME,
            State::Warning,
            format!("login roles with an MD5 password: {}", list(&md5)),
            format!(
                "set their passwords again with password_encryption = 'scram-sha-256' (psql: \\password {first}), then use scram-sha-256 instead of md5 in pg_hba.conf"
            ),
        )
        .with_items(items);
    }
    // Without pg_authid: an MD5 hash can only be used through an `md5` or `password` rule.
    match &f.hba {
        Some(h) if h.md5_lines.is_empty() => Check::ok(
            NAME,
            "no pg_hba.conf rule accepts an MD5 password (md5, password), so no role can log in with one",
        ),
        Some(h) => Check::bad(
            NAME,
            State::Unknown,
            format!(
                "pg_hba.conf accepts MD5 passwords on {}; which roles have one is not visible to {}",
                lines(h.md5_lines.iter().copied()),
                f.session_user
            ),
            format!("{AUTHID_HINT}, or use scram-sha-256 on those lines"),
        ),
        None => Check::bad(
            NAME,
            State::Unknown,
            format!(
                "neither password hashes (pg_authid) nor pg_hba.conf (pg_hba_file_rules) are visible to {}",
                f.session_user
            ),
            hba_grant_hint(&f.session_user),
        ),
    }
}

fn hba_unknown(name: &'static str, f: &Facts) -> Check {
    Check::bad(
        name,
        State::Unknown,
        format!(
            "pg_hba.conf is not visible to {} (pg_hba_file_rules)",
            f.session_user
        ),
        hba_grant_hint(&f.session_user),
    )
}

fn rule_item(r: &TrustRule) -> serde_json::Value {
    json!({"line": r.line, "rule": r.shown, "reach": r.reach, "admits": r.admits})
}

fn trust_rules(f: &Facts) -> Check {
    const NAME: &str = "trust_rules";
    let Some(h) = &f.hba else {
        return hba_unknown(NAME, f);
    };
    let open: Vec<&TrustRule> = h.trust.iter().filter(|r| r.reach.off_host()).collect();
    if open.is_empty() {
        return Check::ok(NAME, "no trust rule for connections from other machines");
    }
    let shown: Vec<String> = open
        .iter()
        .map(|r| {
            let via = if r.reach == Reach::Tunnel {
                ", which the deployed tunnel forwards to"
            } else {
                ""
            };
            format!("line {} ({}{via})", r.line, r.shown)
        })
        .collect();
    Check::bad(
        NAME,
        State::Warning,
        format!(
            "pg_hba.conf trusts connections from other machines without a password: {}",
            shown.join(", ")
        ),
        format!(
            "use scram-sha-256 instead of trust on pg_hba.conf {} (or remove them), then SELECT pg_reload_conf();",
            lines(open.iter().map(|r| r.line))
        ),
    )
    .with_items(open.iter().map(|r| rule_item(r)).collect())
}

/// A login role without a password that a trust rule admits, and through which rule.
struct Admitted<'a> {
    role: &'a str,
    rule: &'a TrustRule,
}

/// The trust rules through which someone can actually connect: TCP ones only while the
/// server listens on TCP; the socket only when others may open it, and never for the managed
/// local cluster (its socket directory is private).
fn usable_rules<'a>(f: &'a Facts, h: &'a Hba, d: &Deployment) -> Vec<&'a TrustRule> {
    h.trust
        .iter()
        .filter(|r| match r.reach {
            Reach::Socket => f.socket_open_to_all && !d.managed_local,
            _ => f.listens_on_tcp,
        })
        .filter(|r| !r.admits.is_empty())
        .collect()
}

fn passwordless_logins(f: &Facts, d: &Deployment) -> Check {
    const NAME: &str = "passwordless_logins";
    let Some(h) = &f.hba else {
        return hba_unknown(NAME, f);
    };
    let rules = usable_rules(f, h, d);
    if rules.is_empty() {
        return Check::ok(NAME, "no trust rule lets anyone log in without a password");
    }
    let Some(pw) = &f.passwords else {
        let mut roles: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.admits.iter().map(String::as_str))
            .collect();
        roles.sort_unstable();
        roles.dedup();
        return Check::bad(
            NAME,
            State::Unknown,
            format!(
                "trust rules ({}) admit login roles {}; which of them have no password is not visible to {}",
                lines(rules.iter().map(|r| r.line)),
                roles.join(", "),
                f.session_user
            ),
            AUTHID_HINT.to_string(),
        )
        .with_items(roles.iter().map(|r| json!({"role": r})).collect());
    };
    let admitted: Vec<Admitted> = rules
        .iter()
        .flat_map(|rule| {
            rule.admits
                .iter()
                .filter(|r| pw.get(*r) == Some(&Password::None))
                .map(move |role| Admitted { role, rule })
        })
        .collect();
    if admitted.is_empty() {
        return Check::ok(NAME, "every login role a trust rule admits has a password");
    }
    passwordless_found(&admitted)
}

fn passwordless_found(admitted: &[Admitted]) -> Check {
    const NAME: &str = "passwordless_logins";
    let critical = admitted.iter().any(|a| a.rule.reach.off_host());
    // The worst kind only, grouped by rule; a role is named once, under its first rule.
    let mut groups: Vec<(&TrustRule, Vec<&str>)> = Vec::new();
    let mut named: Vec<&str> = Vec::new();
    for a in admitted
        .iter()
        .filter(|a| a.rule.reach.off_host() == critical)
    {
        if named.contains(&a.role) {
            continue;
        }
        named.push(a.role);
        match groups.iter_mut().find(|(r, _)| r.line == a.rule.line) {
            Some((_, roles)) => roles.push(a.role),
            None => groups.push((a.rule, vec![a.role])),
        }
    }
    let shown: Vec<String> = groups
        .iter()
        .map(|(r, roles)| format!("{} (line {}: {})", roles.join(", "), r.line, r.shown))
        .collect();
    let (state, whence) = if critical {
        (State::Critical, "over TCP from other machines")
    } else {
        (State::Warning, "from this host")
    };
    let items = admitted
        .iter()
        .map(|a| json!({"role": a.role, "line": a.rule.line, "rule": a.rule.shown, "reach": a.rule.reach}))
        .collect();
    Check::bad(
        NAME,
        state,
        format!(
            "login roles without a password can log in {whence} under trust: {}",
            shown.join("; ")
        ),
        format!(
            "use scram-sha-256 (or peer on local lines) instead of trust on pg_hba.conf {}, then SELECT pg_reload_conf(); a role that must log in over TCP then needs a password (psql: \\password {})",
            lines(groups.iter().map(|(r, _)| r.line)),
            ident(named[0])
        ),
    )
    .with_items(items)
}

fn ssl(f: &Facts, d: &Deployment) -> Check {
    const NAME: &str = "ssl";
    if f.ssl {
        return Check::ok(NAME, "ssl is on");
    }
    match &d.tunnel {
        None => Check::ok(NAME, "ssl is off; no tunnel is deployed from this host"),
        Some(t) => Check::bad(
            NAME,
            State::Warning,
            format!(
                "ssl is off while tunnel {} is deployed{}: remote clients' connections are not encrypted end to end",
                t.name,
                t.hostname.as_deref().map(|h| format!(" ({h})")).unwrap_or_default()
            ),
            "give the server a certificate (ssl_cert_file, ssl_key_file), ALTER SYSTEM SET ssl = on; SELECT pg_reload_conf(); and connect remote clients with sslmode=verify-full".to_string(),
        )
        .with_items(vec![json!({"tunnel": t.name, "hostname": t.hostname})]),
    }
}

fn expiring_roles(f: &Facts, t: &Thresholds) -> Check {
    const NAME: &str = "expiring_roles";
    let (warn, crit) = t.get("role_expiry");
    if warn.is_none() && crit.is_none() {
        return Check::ok(NAME, "role_expiry thresholds are off");
    }
    let mut state = State::Ok;
    let mut shown = Vec::new();
    let mut items = Vec::new();
    for e in &f.expiring {
        let s = State::from(t.breach("role_expiry", e.seconds));
        if s == State::Ok {
            continue;
        }
        state = state.max(s);
        shown.push(format!(
            "{} in {} ({})",
            e.role,
            format_duration(e.seconds),
            e.at
        ));
        items.push(json!({"role": e.role, "seconds": e.seconds, "valid_until": e.at}));
    }
    let within = format_duration(warn.into_iter().chain(crit).fold(0.0, f64::max));
    if shown.is_empty() {
        return Check::ok(NAME, format!("no login role expires within {within}"));
    }
    let first = ident(items[0]["role"].as_str().unwrap_or_default());
    Check::bad(
        NAME,
        state,
        format!("login roles expire within {within}: {}", shown.join(", ")),
        format!(
            "their passwords stop working then: extend with ALTER ROLE {first} VALID UNTIL 'YYYY-MM-DD'; or drop roles no longer used"
        ),
    )
    .with_items(items)
}

#[cfg(test)]
mod tests;
