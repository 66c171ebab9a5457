use super::*;
use crate::health::tunnel::DeployedTunnel;

/// A server with nothing to find, seen by a superuser-free role that may read everything.
fn clean() -> Facts {
    Facts {
        session_user: "mon".into(),
        superuser: false,
        bypassrls: false,
        escalates_to: vec![],
        password_encryption: "scram-sha-256".into(),
        password_encryption_source: "default".into(),
        ssl: false,
        listens_on_tcp: true,
        socket_open_to_all: true,
        passwords: Some(BTreeMap::from([
            ("mon".to_string(), Password::Scram),
            ("postgres".to_string(), Password::None),
        ])),
        hba: Some(Hba::default()),
        expiring: vec![],
    }
}

fn run(f: &Facts, d: &Deployment) -> Vec<Check> {
    all(f, d, &Thresholds::defaults())
}

fn get<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks.iter().find(|c| c.check == name).unwrap()
}

/// One check, judged alone.
fn one(f: &Facts, d: &Deployment, name: &str) -> Check {
    get(&run(f, d), name).clone()
}

fn state(f: &Facts, d: &Deployment, name: &str) -> State {
    one(f, d, name).state
}

fn hint(c: &Check) -> &str {
    c.hint.as_deref().unwrap_or_default()
}

fn rule(line: i32, reach: Reach, admits: &[&str]) -> TrustRule {
    TrustRule {
        line,
        shown: format!("rule {line}"),
        reach,
        admits: admits.iter().map(|s| s.to_string()).collect(),
    }
}

fn tunnel() -> Deployment {
    Deployment {
        managed_local: false,
        tunnel: Some(DeployedTunnel {
            name: "taskdb".into(),
            hostname: Some("db.example.com".into()),
        }),
    }
}

#[test]
fn a_clean_server_passes_every_check() {
    let checks = run(&clean(), &Deployment::default());
    assert_eq!(checks.len(), 7);
    for c in &checks {
        assert_eq!(c.state, State::Ok, "{c:?}");
        assert!(c.hint.is_none() && c.items.is_empty(), "{c:?}");
    }
}

#[test]
fn superuser_bypassrls_and_a_way_to_become_one_warn() {
    let d = Deployment::default();
    for change in [
        |f: &mut Facts| f.superuser = true,
        |f: &mut Facts| f.bypassrls = true,
        |f: &mut Facts| f.escalates_to = vec!["postgres".into()],
    ] {
        let mut f = clean();
        change(&mut f);
        let c = one(&f, &d, "superuser");
        assert_eq!(c.state, State::Warning, "{c:?}");
        assert!(c.message.starts_with("taskdb connects as mon, "), "{c:?}");
        assert!(hint(&c).contains("taskdb role create"), "{c:?}");
    }
    let mut f = clean();
    f.escalates_to = vec!["Admins".into()];
    assert!(hint(&one(&f, &d, "superuser")).ends_with("REVOKE \"Admins\" FROM mon;"));
    // The managed local cluster's own superuser is what taskdb set up: reported, not raised.
    let mut f = clean();
    f.superuser = true;
    let local = Deployment {
        managed_local: true,
        tunnel: None,
    };
    let c = one(&f, &local, "superuser");
    assert_eq!(c.state, State::Ok);
    assert!(c.message.contains("managed local cluster"), "{c:?}");
}

#[test]
fn password_encryption_names_where_it_is_set() {
    let d = Deployment::default();
    for (source, fix) in [
        ("configuration file", "ALTER SYSTEM SET password_encryption"),
        ("default", "ALTER SYSTEM SET password_encryption"),
        ("database", "ALTER DATABASE <db> RESET"),
        ("user", "ALTER ROLE mon RESET"),
    ] {
        let mut f = clean();
        f.password_encryption = "md5".into();
        f.password_encryption_source = source.into();
        let c = one(&f, &d, "password_encryption");
        assert_eq!(c.state, State::Warning);
        assert!(hint(&c).starts_with(fix), "{source}: {c:?}");
    }
}

#[test]
fn md5_hashes_warn_and_without_pg_authid_the_rules_decide() {
    let d = Deployment::default();
    let mut f = clean();
    f.passwords
        .as_mut()
        .unwrap()
        .insert("old app".into(), Password::Md5);
    let c = one(&f, &d, "md5_passwords");
    assert_eq!(c.state, State::Warning);
    assert_eq!(c.message, "login roles with an MD5 password: old app");
    assert!(hint(&c).contains("\\password \"old app\""));
    // Not a superuser: no md5/password rule means no role can log in with an MD5 hash.
    f.passwords = None;
    assert_eq!(state(&f, &d, "md5_passwords"), State::Ok);
    f.hba.as_mut().unwrap().md5_lines = vec![92];
    let c = one(&f, &d, "md5_passwords");
    assert_eq!(c.state, State::Unknown);
    assert!(c.message.contains("MD5 passwords on line 92;"), "{c:?}");
    // Neither visible: the grant that makes the rules visible.
    f.hba = None;
    let c = one(&f, &d, "md5_passwords");
    assert_eq!(c.state, State::Unknown);
    assert!(hint(&c).contains("GRANT SELECT ON pg_hba_file_rules TO mon; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO mon;"));
}

#[test]
fn trust_for_other_machines_warns_and_loopback_only_with_a_tunnel() {
    let mut f = clean();
    f.hba.as_mut().unwrap().trust = vec![
        rule(89, Reach::Socket, &["postgres"]),
        rule(91, Reach::Loopback, &["mon"]),
    ];
    assert_eq!(state(&f, &Deployment::default(), "trust_rules"), State::Ok);
    f.hba.as_mut().unwrap().trust[1].reach = Reach::Tunnel;
    let c = one(&f, &tunnel(), "trust_rules");
    assert_eq!(c.state, State::Warning);
    assert!(c
        .message
        .contains("line 91 (rule 91, which the deployed tunnel forwards to)"));
    f.hba
        .as_mut()
        .unwrap()
        .trust
        .push(rule(99, Reach::Network, &[]));
    let c = one(&f, &tunnel(), "trust_rules");
    assert_eq!(c.items.len(), 2);
    assert!(hint(&c).contains("lines 91, 99"), "{c:?}");
    f.hba = None;
    let c = one(&f, &Deployment::default(), "trust_rules");
    assert_eq!(c.state, State::Unknown);
    assert!(hint(&c).starts_with("let the monitoring role read pg_hba.conf"));
}

#[test]
fn passwordless_logins_by_where_they_come_from() {
    let d = Deployment::default();
    let with = |rules: Vec<TrustRule>| {
        let mut f = clean();
        f.hba.as_mut().unwrap().trust = rules;
        f
    };
    // A role with a password under trust is the trust_rules finding, not this one.
    let f = with(vec![rule(99, Reach::Network, &["mon"])]);
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Ok);
    assert_eq!(state(&f, &d, "trust_rules"), State::Warning);
    // postgres has none: from other machines CRITICAL, from this host WARNING.
    let f = with(vec![rule(99, Reach::Network, &["mon", "postgres"])]);
    let c = one(&f, &d, "passwordless_logins");
    assert_eq!(c.state, State::Critical);
    assert!(c.message.contains("postgres (line 99: rule 99)"), "{c:?}");
    assert!(!c.message.contains("mon"), "{c:?}");
    let f = with(vec![rule(91, Reach::Loopback, &["postgres"])]);
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Warning);
    // The same loopback rule while the tunnel forwards to it.
    let f = with(vec![rule(91, Reach::Tunnel, &["postgres"])]);
    assert_eq!(state(&f, &tunnel(), "passwordless_logins"), State::Critical);
    // No TCP listener: TCP rules admit nobody.
    let mut f = with(vec![rule(99, Reach::Network, &["postgres"])]);
    f.listens_on_tcp = false;
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Ok);
    // The socket: only when others may open it, and never the managed local cluster's.
    let mut f = with(vec![rule(89, Reach::Socket, &["postgres"])]);
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Warning);
    let local = Deployment {
        managed_local: true,
        tunnel: None,
    };
    assert_eq!(state(&f, &local, "passwordless_logins"), State::Ok);
    f.socket_open_to_all = false;
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Ok);
    // Without pg_authid: the roles are named, their passwords unknown.
    let mut f = with(vec![rule(99, Reach::Network, &["postgres"])]);
    f.passwords = None;
    let c = one(&f, &d, "passwordless_logins");
    assert_eq!(c.state, State::Unknown);
    assert!(hint(&c).contains("pg_authid"), "{c:?}");
    // A rule that admits no login role matters to nobody here.
    let mut f = with(vec![rule(99, Reach::Network, &[])]);
    f.passwords = None;
    assert_eq!(state(&f, &d, "passwordless_logins"), State::Ok);
}

#[test]
fn ssl_off_warns_only_with_a_deployed_tunnel() {
    let f = clean();
    assert_eq!(state(&f, &Deployment::default(), "ssl"), State::Ok);
    let c = one(&f, &tunnel(), "ssl");
    assert_eq!(c.state, State::Warning);
    assert!(c
        .message
        .contains("tunnel taskdb is deployed (db.example.com)"));
    let mut f = clean();
    f.ssl = true;
    assert_eq!(state(&f, &tunnel(), "ssl"), State::Ok);
}

#[test]
fn expiring_roles_follow_the_role_expiry_threshold() {
    let mut f = clean();
    f.expiring = vec![
        Expiring {
            role: "soon".into(),
            seconds: 3.0 * 86_400.0,
            at: "2030-01-04T00:00:00Z".into(),
        },
        Expiring {
            role: "later".into(),
            seconds: 20.0 * 86_400.0,
            at: "2030-01-21T00:00:00Z".into(),
        },
    ];
    let d = Deployment::default();
    let c = one(&f, &d, "expiring_roles");
    assert_eq!(c.state, State::Warning);
    assert_eq!(
        c.message,
        "login roles expire within 7d00h: soon in 3d00h (2030-01-04T00:00:00Z)"
    );
    let flags = |w: &[&str], c: &[&str]| {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Thresholds::build(&Default::default(), &v(w), &v(c)).unwrap()
    };
    let t = flags(&["role_expiry=30d"], &["role_expiry=5d"]);
    let c = all(&f, &d, &t);
    let c = get(&c, "expiring_roles");
    assert_eq!(c.state, State::Critical);
    assert_eq!(c.items.len(), 2);
    let t = flags(&["role_expiry=off"], &[]);
    assert_eq!(get(&all(&f, &d, &t), "expiring_roles").state, State::Ok);
}

#[test]
fn role_names_are_quoted_for_sql_when_needed() {
    assert_eq!(ident("taskdb_reader"), "taskdb_reader");
    assert_eq!(ident("Admin"), "\"Admin\"");
    assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    assert_eq!(ident("1x"), "\"1x\"");
    assert_eq!(ident(""), "\"\"");
}
