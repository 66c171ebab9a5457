//! `taskdb health --check security`: each condition is set up on a real server and seen to
//! fire, and seen not to fire on the same server set up cleanly. Roles are cluster-wide and
//! the shared cluster runs other tests at the same time, so roles get unique names and the
//! assertions look for the named role rather than counting.

use std::time::Duration;

use serde_json::Value;

use crate::support::cf_fake::CfFake;
use crate::support::pg::{ExtraPg, ExtraPgSetup};
use crate::support::{wait_until, Sandbox, Taskdb, TestDb, TestPg};

/// `taskdb --format json health --check security <args>` against `url`.
fn security(sb: &Sandbox, url: &str, args: &[&str]) -> Taskdb {
    sb.taskdb(&["health", "--check", "security"])
        .url(url)
        .args(args)
        .format_json()
        .timeout(Duration::from_secs(60))
}

/// The security probe of a report.
fn probe(doc: &Value) -> &Value {
    doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "security")
        .unwrap_or_else(|| panic!("no security probe in {doc:#}"))
}

/// One check of the security probe.
fn check<'a>(doc: &'a Value, name: &str) -> &'a Value {
    probe(doc)["details"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {doc:#}"))
}

fn state<'a>(doc: &'a Value, name: &str) -> &'a str {
    check(doc, name)["state"].as_str().unwrap()
}

fn message<'a>(doc: &'a Value, name: &str) -> &'a str {
    check(doc, name)["message"].as_str().unwrap()
}

/// The check is in state `expect` and its message says `needle`.
#[track_caller]
fn says(doc: &Value, name: &str, expect: &str, needle: &str) {
    let c = check(doc, name);
    assert_eq!(c["state"], expect, "{c:#}");
    assert!(message(doc, name).contains(needle), "{c:#}");
}

fn hint<'a>(doc: &'a Value, name: &str) -> &'a str {
    check(doc, name)["hint"].as_str().unwrap_or_default()
}

/// Whether `role` is one of the check's items.
fn names(doc: &Value, name: &str, role: &str) -> bool {
    check(doc, name)["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["role"] == role)
}

/// A test on the shared cluster: its database, a sandbox, and the roles it makes (unique
/// names), dropped however the test ends: the database first, since grants made in it would
/// keep a role from being dropped.
struct Shared {
    db: TestDb,
    sb: Sandbox,
    roles: Vec<String>,
}

fn shared() -> Shared {
    Shared {
        db: TestPg::get().fresh_db(),
        sb: Sandbox::new(),
        roles: Vec::new(),
    }
}

impl Shared {
    /// `CREATE ROLE <prefix>_<database> <options>` (as the superuser, after `setup`).
    fn role(&mut self, prefix: &str, setup: &str, options: &str) -> String {
        let name = format!("{prefix}_{}", self.db.name);
        self.roles.push(name.clone());
        self.db
            .pg
            .client("postgres")
            .batch_execute(&format!("{setup} CREATE ROLE {name} {options}"))
            .unwrap();
        name
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut c = self.db.pg.client("postgres");
        c.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.db.name
        ))
        .unwrap_or_default();
        for n in &self.roles {
            let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {n}"));
        }
    }
}

#[test]
fn superuser_bypassrls_and_membership_warn_a_plain_role_does_not() {
    let mut t = shared();
    let plain = t.role("sec_plain", "", "LOGIN");
    let bypass = t.role("sec_bypass", "", "LOGIN BYPASSRLS");
    let member = t.role("sec_member", "", "LOGIN IN ROLE postgres");
    let Shared { db, sb, .. } = &t;
    let as_role = |role: &str| format!("{} user={role}", db.url());

    // The test suite's own connection: the superuser postgres.
    let r = security(sb, &db.url(), &[]).run();
    let doc = r.json();
    assert_eq!(state(&doc, "superuser"), "WARNING", "{doc:#}");
    assert_eq!(
        check(&doc, "superuser")["message"],
        "taskdb connects as postgres, a superuser"
    );
    let all_hints = probe(&doc)["hint"].as_str().unwrap();
    assert!(all_hints.contains("taskdb role create NAME"), "{all_hints}");
    assert!(r.code >= 1, "{r}");

    let doc = security(sb, &as_role(&bypass), &[]).run().json();
    assert_eq!(state(&doc, "superuser"), "WARNING", "{doc:#}");
    assert!(message(&doc, "superuser").contains("BYPASSRLS"));

    // Not a superuser itself, but SET ROLE postgres is one statement away.
    let doc = security(sb, &as_role(&member), &[]).run().json();
    assert_eq!(state(&doc, "superuser"), "WARNING", "{doc:#}");
    assert!(hint(&doc, "superuser").contains(&format!("REVOKE postgres FROM {member};")));

    let doc = security(sb, &as_role(&plain), &[]).run().json();
    assert_eq!(state(&doc, "superuser"), "OK", "{doc:#}");
    assert_eq!(
        check(&doc, "superuser")["message"],
        format!("connects as {plain}: no superuser, no BYPASSRLS")
    );

    // Part of a default run (this database has no taskdb schema, so without those probes).
    let doc = sb
        .taskdb(&[
            "health",
            "--skip",
            "schema,stuck_workflows,metrics_freshness",
        ])
        .url(db.url())
        .format_json()
        .run()
        .json();
    assert_eq!(
        check(&doc, "superuser")["message"],
        "taskdb connects as postgres, a superuser"
    );
}

#[test]
fn md5_passwords_expiring_roles_and_password_encryption_on_the_shared_cluster() {
    let mut t = shared();
    let md5 = t.role(
        "sec_md5",
        "SET password_encryption = 'md5';",
        "LOGIN PASSWORD 'not-a-real-secret-1'",
    );
    let scram = t.role(
        "sec_scram",
        "SET password_encryption = 'scram-sha-256';",
        "LOGIN PASSWORD 'not-a-real-secret-2'",
    );
    let soon = t.role(
        "sec_exp3",
        "",
        &format!(
            "LOGIN VALID UNTIL '{}'",
            (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339()
        ),
    );
    let later = t.role(
        "sec_exp30",
        "",
        &format!(
            "LOGIN VALID UNTIL '{}'",
            (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339()
        ),
    );
    let Shared { db, sb, .. } = &t;

    let r = security(sb, &db.url(), &[]).run();
    let doc = r.json();
    // The superuser reads pg_authid: the MD5 hash is seen, the SCRAM one is not flagged.
    assert_eq!(probe(&doc)["details"]["visible"]["pg_authid"], true);
    assert_eq!(state(&doc, "md5_passwords"), "WARNING", "{doc:#}");
    assert!(names(&doc, "md5_passwords", &md5), "{doc:#}");
    assert!(!names(&doc, "md5_passwords", &scram), "{doc:#}");
    assert!(hint(&doc, "md5_passwords").contains("scram-sha-256"));
    // Expiring in 3 days is within the default 7; in 30 days is not.
    assert_eq!(state(&doc, "expiring_roles"), "WARNING", "{doc:#}");
    assert!(names(&doc, "expiring_roles", &soon), "{doc:#}");
    assert!(!names(&doc, "expiring_roles", &later), "{doc:#}");
    assert!(hint(&doc, "expiring_roles").contains("VALID UNTIL"));
    assert_eq!(state(&doc, "password_encryption"), "OK", "{doc:#}");
    // Nothing in any secret reached the output.
    r.lacks("not-a-real-secret");

    // The threshold decides: 60 days takes in the later role, a 5-day crit makes it CRITICAL.
    let doc = security(
        sb,
        &db.url(),
        &["--warn", "role_expiry=60d", "--crit", "role_expiry=5d"],
    )
    .run()
    .json();
    assert!(names(&doc, "expiring_roles", &later), "{doc:#}");
    assert_eq!(state(&doc, "expiring_roles"), "CRITICAL", "{doc:#}");
    assert_eq!(probe(&doc)["state"], "CRITICAL");

    // password_encryption = md5 for this database only: found, with the fix for that source.
    db.client()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET password_encryption = 'md5'",
            db.name
        ))
        .unwrap();
    let doc = security(sb, &db.url(), &[]).run().json();
    assert_eq!(state(&doc, "password_encryption"), "WARNING", "{doc:#}");
    assert!(hint(&doc, "password_encryption").starts_with("ALTER DATABASE"));

    // Both roles fixed: no longer named.
    let mut c = db.pg.client("postgres");
    c.batch_execute(&format!(
        "SET password_encryption = 'scram-sha-256'; ALTER ROLE {md5} PASSWORD 'not-a-real-secret-3'; \
         ALTER ROLE {soon} VALID UNTIL 'infinity'"
    ))
    .unwrap();
    let doc = security(sb, &db.url(), &[]).run().json();
    assert!(!names(&doc, "md5_passwords", &md5), "{doc:#}");
    assert!(!names(&doc, "expiring_roles", &soon), "{doc:#}");
}

#[test]
fn an_unprivileged_role_gets_unknown_with_the_grant_not_a_false_ok() {
    let mut t = shared();
    let mon = t.role("sec_mon", "", "LOGIN IN ROLE pg_monitor");
    let Shared { db, sb, .. } = &t;
    let url = format!("{} user={mon}", db.url());

    let r = security(sb, &url, &[]).expect_exit(3);
    let doc = r.json();
    let grant = format!(
        "GRANT SELECT ON pg_hba_file_rules TO {mon}; GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO {mon};"
    );
    assert_eq!(
        probe(&doc)["details"]["visible"]["pg_hba_file_rules"],
        false
    );
    for name in ["trust_rules", "passwordless_logins", "md5_passwords"] {
        let c = check(&doc, name);
        assert_eq!(c["state"], "UNKNOWN", "{c:#}");
        assert!(c["hint"].as_str().unwrap().contains(&grant), "{c:#}");
    }
    // What it can see is judged.
    for name in ["superuser", "password_encryption", "ssl"] {
        assert_eq!(state(&doc, name), "OK", "{doc:#}");
    }
    assert!(probe(&doc)["hint"].as_str().unwrap().contains(&grant));

    // With the grant pg_hba.conf is read: this server trusts no other machine (it does not
    // even listen on TCP), and no md5/password rule exists, so no MD5 login is possible.
    // pg_hba_file_rules is a view of each database: granted where the probe connects.
    db.client().batch_execute(&grant).unwrap();
    let doc = security(sb, &url, &[]).run().json();
    assert_eq!(probe(&doc)["details"]["visible"]["pg_hba_file_rules"], true);
    assert_eq!(state(&doc, "trust_rules"), "OK", "{doc:#}");
    assert_eq!(state(&doc, "md5_passwords"), "OK", "{doc:#}");
    // Its socket is trusted and open to every local user, and which login roles have no
    // password only a superuser can see: still UNKNOWN, now with that reason.
    let c = check(&doc, "passwordless_logins");
    assert_eq!(c["state"], "UNKNOWN", "{c:#}");
    assert!(c["hint"].as_str().unwrap().contains("pg_authid"), "{c:#}");
    assert!(names(&doc, "passwordless_logins", &mon), "{c:#}");
}

/// A server set up cleanly: TCP on loopback with SCRAM, the socket closed to other users, a
/// certificate ready but ssl off.
const CLEAN_HBA: &str = "local all all trust\n\
                         host all all 127.0.0.1/32 scram-sha-256\n\
                         host all all ::1/128 scram-sha-256\n";

fn tls_files() -> Vec<(&'static str, Vec<u8>)> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    vec![
        ("server.crt", cert.cert.pem().into_bytes()),
        ("server.key", cert.key_pair.serialize_pem().into_bytes()),
    ]
}

#[test]
fn trust_rules_passwordless_logins_ssl_and_a_deployed_tunnel_on_a_dedicated_cluster() {
    let pg = ExtraPg::start(ExtraPgSetup {
        conf: "ssl = off\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
               unix_socket_permissions = 0770\n",
        hba: Some(CLEAN_HBA),
        files: tls_files(),
    });
    pg.admin()
        .batch_execute(
            "SET password_encryption = 'scram-sha-256';
             CREATE ROLE watcher LOGIN PASSWORD 'not-a-real-secret-4' IN ROLE pg_monitor;
             GRANT SELECT ON pg_hba_file_rules TO watcher;
             GRANT EXECUTE ON FUNCTION pg_hba_file_rules() TO watcher;
             CREATE ROLE withpw LOGIN PASSWORD 'not-a-real-secret-5';
             CREATE ROLE nopw LOGIN;",
        )
        .unwrap();
    let url = |user: &str| {
        format!(
            "host={} port={} user={user} dbname=postgres",
            pg.dir.display(),
            pg.port
        )
    };
    let hba = |extra: &str| {
        // pg_hba_file_rules reads the file as it is now, no reload needed.
        std::fs::write(pg.data.join("pg_hba.conf"), format!("{CLEAN_HBA}{extra}")).unwrap();
    };
    let sb = Sandbox::new();

    // Clean, seen by the least-privileged monitoring role: every check OK, exit 0.
    let doc = security(&sb, &url("watcher"), &[]).expect_exit(0).json();
    assert_eq!(probe(&doc)["state"], "OK", "{doc:#}");
    assert_eq!(probe(&doc)["value"], 0.0);
    assert_eq!(
        probe(&doc)["details"]["checks"].as_array().unwrap().len(),
        7
    );
    // Clean, seen by the superuser: only the superuser connection itself.
    let doc = security(&sb, &url("postgres"), &[]).expect_exit(1).json();
    for c in probe(&doc)["details"]["checks"].as_array().unwrap() {
        let expect = if c["check"] == "superuser" {
            "WARNING"
        } else {
            "OK"
        };
        assert_eq!(c["state"], expect, "{c:#}");
    }

    // A trust rule for another network, for a role that has a password: WARNING, naming
    // the line; not the passwordless CRITICAL.
    hba("host all withpw 192.168.0.0/16 trust\n");
    let doc = security(&sb, &url("postgres"), &[]).expect_exit(1).json();
    says(
        &doc,
        "trust_rules",
        "WARNING",
        "line 4 (host all withpw 192.168.0.0/16)",
    );
    assert!(
        hint(&doc, "trust_rules").contains("pg_hba.conf line 4"),
        "{doc:#}"
    );
    assert_eq!(state(&doc, "passwordless_logins"), "OK", "{doc:#}");
    // The monitoring role sees the rule too (its grant), not whose password is missing.
    let doc = security(&sb, &url("watcher"), &[]).expect_exit(3).json();
    assert_eq!(state(&doc, "trust_rules"), "WARNING", "{doc:#}");
    assert_eq!(state(&doc, "passwordless_logins"), "UNKNOWN", "{doc:#}");

    // A login role without a password, reachable over TCP under trust: CRITICAL.
    hba("host all withpw 192.168.0.0/16 trust\nhost all nopw samenet trust\n");
    let r = sb
        .taskdb(&["--format", "nagios", "health", "--check", "security"])
        .url(url("postgres"))
        .expect_exit(2);
    assert!(
        r.stdout
            .starts_with("POSTGRES_TASKDB CRITICAL: security CRITICAL: "),
        "{r}"
    );
    let doc = security(&sb, &url("postgres"), &[]).expect_exit(2).json();
    let c = check(&doc, "passwordless_logins");
    assert_eq!(c["state"], "CRITICAL", "{c:#}");
    assert!(names(&doc, "passwordless_logins", "nopw"), "{c:#}");
    assert!(!names(&doc, "passwordless_logins", "withpw"), "{c:#}");
    assert!(c["hint"].as_str().unwrap().contains("line 5"), "{c:#}");
    // Prometheus: one series per check.
    let r = sb
        .taskdb(&["health", "--check", "security", "--format", "prometheus"])
        .url(url("postgres"))
        .expect_exit(2);
    assert!(
        r.stdout
            .contains("taskdb_security_check_state{check=\"passwordless_logins\"} 2\n"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("taskdb_security_check_state{check=\"ssl\"} 0\n"),
        "{r}"
    );
    assert!(
        r.stdout
            .contains("taskdb_security_findings{check=\"trust_rules\"} 2\n"),
        "{r}"
    );

    // Back to clean: nothing found again.
    hba("");
    let doc = security(&sb, &url("watcher"), &[]).expect_exit(0).json();
    assert_eq!(probe(&doc)["state"], "OK", "{doc:#}");

    // initdb's own loopback trust: from this host only, so the trust rule is not flagged and
    // postgres (no password) can log in from here: a WARNING.
    let loopback = "host all all 127.0.0.1/32 trust\n";
    std::fs::write(
        pg.data.join("pg_hba.conf"),
        format!("{loopback}{CLEAN_HBA}"),
    )
    .unwrap();
    let doc = security(&sb, &url("postgres"), &[]).expect_exit(1).json();
    assert_eq!(state(&doc, "trust_rules"), "OK", "{doc:#}");
    assert_eq!(state(&doc, "passwordless_logins"), "WARNING", "{doc:#}");
    assert!(names(&doc, "passwordless_logins", "postgres"), "{doc:#}");
    assert_eq!(state(&doc, "ssl"), "OK", "{doc:#}");

    // Now a tunnel is deployed from this host: its connector forwards remote clients from
    // loopback, so that rule lets the world in (CRITICAL), and ssl = off is a WARNING.
    let fake = CfFake::start();
    fake.deploy_tunnel(&sb);
    let doc = security(&sb, &url("postgres"), &[]).expect_exit(2).json();
    says(
        &doc,
        "trust_rules",
        "WARNING",
        "which the deployed tunnel forwards to",
    );
    assert_eq!(state(&doc, "passwordless_logins"), "CRITICAL", "{doc:#}");
    says(
        &doc,
        "ssl",
        "WARNING",
        "tunnel taskdb is deployed (db.example.com)",
    );
    assert!(hint(&doc, "ssl").contains("ssl = on"), "{doc:#}");
    // Another tunnel name was not deployed: its loopback is this host's only.
    let doc = security(&sb, &url("postgres"), &["--tunnel", "other"])
        .expect_exit(1)
        .json();
    assert_eq!(state(&doc, "ssl"), "OK", "{doc:#}");
    assert_eq!(state(&doc, "passwordless_logins"), "WARNING", "{doc:#}");

    // TLS on (the certificate was there all along) and the clean rules: nothing found.
    hba("");
    let mut admin = pg.admin();
    admin.batch_execute("ALTER SYSTEM SET ssl = on").unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    wait_until(30, "ssl = on after the reload", || {
        let v: String = pg.admin().query_one("SHOW ssl", &[]).unwrap().get(0);
        v == "on"
    });
    let doc = security(&sb, &url("watcher"), &[]).expect_exit(0).json();
    assert_eq!(state(&doc, "ssl"), "OK", "{doc:#}");
    assert_eq!(check(&doc, "ssl")["message"], "ssl is on");
    assert_eq!(probe(&doc)["details"]["tunnel"]["name"], "taskdb");
}

/// Stops the managed local cluster of a sandbox however the test ends.
struct LocalCluster<'a>(&'a Sandbox);

impl Drop for LocalCluster<'_> {
    fn drop(&mut self) {
        let _ = self.0.taskdb(&["local", "stop"]).run();
    }
}

#[test]
fn the_managed_local_cluster_taskdb_sets_up_is_not_flagged() {
    // No database configured: health starts and uses `taskdb local`'s cluster. Creating it
    // (initdb, start) counts against the run's timeout: give a loaded machine more than 10 s.
    let sb = Sandbox::new();
    let _stop = LocalCluster(&sb);
    let doc = sb
        .taskdb(&["health", "--check", "security", "--timeout", "100s"])
        .format_json()
        .timeout(Duration::from_secs(120))
        .expect_exit(0)
        .json();
    assert_eq!(probe(&doc)["details"]["managed_local"], true);
    // It does connect as its superuser over the private socket: said, not raised.
    let c = check(&doc, "superuser");
    assert_eq!(c["state"], "OK", "{c:#}");
    assert!(
        c["message"].as_str().unwrap().contains("a superuser"),
        "{c:#}"
    );
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("managed local cluster"),
        "{c:#}"
    );
    for name in ["passwordless_logins", "trust_rules", "md5_passwords"] {
        assert_eq!(state(&doc, name), "OK", "{doc:#}");
    }
}
