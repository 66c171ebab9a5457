//! Connections: TLS modes against a server with a certificate made here, client certificates,
//! failover between hosts, pgpass, and every bad-input path (one line, exit code, no secrets).
//! All through `taskdb config check`, which connects exactly like every database command.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};

use crate::support::pg::{free_port, ExtraPg, ExtraPgSetup};
use crate::support::{Sandbox, Taskdb};

const PW_USER: &str = "pwuser";
const PW: &str = "correct-horse-battery";

/// Certificates made by the test: a CA, a server certificate for `localhost` only, a client
/// certificate for `certuser`, and an unrelated CA.
struct Pki {
    ca: String,
    other_ca: String,
    client_cert: String,
    client_key: String,
}

/// The TLS server: ssl=on with our certificate; `certuser` must present a client certificate,
/// `pwuser` a password (scram), everyone else is trusted over TLS only.
struct TlsServer {
    pg: ExtraPg,
    pki: Pki,
}

fn ca(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    (params.self_signed(&key).unwrap(), key)
}

fn leaf(
    names: &[&str],
    cn: &str,
    issuer: &rcgen::Certificate,
    issuer_key: &KeyPair,
) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    let cert = params.signed_by(&key, issuer, issuer_key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn tls_server() -> &'static TlsServer {
    static SERVER: OnceLock<TlsServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (ca_cert, ca_key) = ca("taskdb test CA");
        let (other_ca, _) = ca("some other CA");
        let (server_cert, server_key) = leaf(&["localhost"], "localhost", &ca_cert, &ca_key);
        let (client_cert, client_key) = leaf(&[], "certuser", &ca_cert, &ca_key);
        let pg = ExtraPg::start(ExtraPgSetup {
            conf: "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'ca.crt'\n",
            hba: Some(
                "local all all trust\n\
                 hostssl all certuser 127.0.0.1/32 cert\n\
                 host all pwuser 127.0.0.1/32 scram-sha-256\n\
                 hostssl all all 127.0.0.1/32 trust\n",
            ),
            files: vec![
                ("server.crt", server_cert.into_bytes()),
                ("server.key", server_key.into_bytes()),
                ("ca.crt", ca_cert.pem().into_bytes()),
            ],
        });
        let mut admin = pg.admin();
        admin
            .batch_execute("CREATE ROLE certuser LOGIN; SET password_encryption = 'scram-sha-256'")
            .unwrap();
        // The password is a test fixture; it goes in as a parameter-free literal on purpose.
        admin
            .batch_execute(&format!("CREATE ROLE {PW_USER} LOGIN PASSWORD '{PW}'"))
            .unwrap();
        TlsServer {
            pg,
            pki: Pki {
                ca: ca_cert.pem(),
                other_ca: other_ca.pem(),
                client_cert,
                client_key,
            },
        }
    })
}

/// A plain (no TLS) server whose sessions are read-only by default.
fn read_only_server() -> &'static ExtraPg {
    static SERVER: OnceLock<ExtraPg> = OnceLock::new();
    SERVER.get_or_init(|| {
        ExtraPg::start(ExtraPgSetup {
            conf: "default_transaction_read_only = on\n",
            hba: Some("local all all trust\nhost all all 127.0.0.1/32 trust\n"),
            files: vec![],
        })
    })
}

/// Write a file into the sandbox with mode 0600 and return its path.
fn private_file(sb: &Sandbox, name: &str, contents: &str) -> PathBuf {
    let path = sb.path().join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `taskdb --format json config check` with this database URL.
fn check(sb: &Sandbox, url: &str) -> Taskdb {
    sb.taskdb(&["--format", "json", "config", "check"]).url(url)
}

#[test]
fn verify_full_accepts_the_right_ca_and_refuses_a_wrong_ca_or_host_name() {
    let server = tls_server();
    let sb = Sandbox::new();
    let ca = private_file(&sb, "ca.crt", &server.pki.ca);
    let other = private_file(&sb, "other.crt", &server.pki.other_ca);
    let port = server.pg.port;

    // The certificate names localhost; hostaddr skips name resolution, the name is still
    // checked against `host`.
    let v = check(
        &sb,
        &format!(
            "host=localhost hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
            ca.display()
        ),
    ).ok().json();
    assert_eq!(v["tls"], true, "{v}");
    assert!(
        v["tls_version"].as_str().unwrap().starts_with("TLSv1."),
        "{v}"
    );
    assert!(!v["tls_cipher"].as_str().unwrap().is_empty(), "{v}");
    assert_eq!(v["port"], port);
    assert_eq!(v["user"], "postgres");
    assert_eq!(v["in_recovery"], false);

    // A CA that did not sign the server certificate.
    check(
        &sb,
        &format!(
            "postgres://postgres@localhost:{port}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}",
            other.display()
        ),
    ).refused(1, "certificate verify failed for host localhost").stderr_contains("hint:");

    // The system's trusted CAs do not include the test CA.
    check(
        &sb,
        &format!(
            "postgres://postgres@localhost:{port}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=system"
        ),
    ).refused(1, "not signed by a trusted CA");

    // The right CA, but the certificate does not name 127.0.0.1.
    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={}",
            ca.display()
        ),
    )
    .refused(1, "not valid for the name 127.0.0.1");

    // verify-ca checks the chain only: the same connection passes.
    let v = check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-ca&sslrootcert={}",
            ca.display()
        ),
    )
    .ok()
    .json();
    assert_eq!(v["tls"], true);
    // ... but still refuses a chain it cannot verify.
    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-ca&sslrootcert={}",
            other.display()
        ),
    )
    .refused(1, "not signed by a trusted CA");

    // require encrypts without verifying ...
    let v = check(
        &sb,
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require"),
    )
    .ok()
    .json();
    assert_eq!(v["tls"], true);
    // ... unless a root certificate is given: then the chain is verified, as in libpq.
    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=require&sslrootcert={}",
            other.display()
        ),
    )
    .refused(1, "certificate verify failed");
}

#[test]
fn tls_settings_come_from_pg_variables_when_the_url_has_none() {
    let server = tls_server();
    let sb = Sandbox::new();
    let ca = private_file(&sb, "ca.crt", &server.pki.ca);
    let other = private_file(&sb, "other.crt", &server.pki.other_ca);
    let url = format!(
        "postgres://postgres@localhost:{}/postgres?hostaddr=127.0.0.1",
        server.pg.port
    );
    let v = sb
        .taskdb(&["--format", "json", "config", "check"])
        .url(&url)
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", &ca)
        .ok()
        .json();
    assert_eq!(v["tls"], true);
    sb.taskdb(&["--format", "json", "config", "check"])
        .url(&url)
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", &other)
        .refused(1, "certificate verify failed");
    // The URL's own sslmode wins over PGSSLMODE.
    let v = sb
        .taskdb(&["--format", "json", "config", "check"])
        .url(format!("{url}&sslmode=require"))
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", sb.path().join("missing.crt"))
        .ok()
        .json();
    assert_eq!(v["tls"], true);
}

#[test]
fn client_certificate_authentication() {
    let server = tls_server();
    let sb = Sandbox::new();
    let ca = private_file(&sb, "ca.crt", &server.pki.ca);
    let cert = private_file(&sb, "client.crt", &server.pki.client_cert);
    let key = private_file(&sb, "client.key", &server.pki.client_key);
    let base = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=certuser dbname=postgres sslmode=verify-full sslrootcert={}",
        server.pg.port,
        ca.display()
    );
    let v = check(
        &sb,
        &format!("{base} sslcert={} sslkey={}", cert.display(), key.display()),
    )
    .ok()
    .json();
    assert_eq!(v["user"], "certuser");
    assert_eq!(v["tls"], true);

    // Without a certificate the server refuses.
    check(&sb, &base)
        .refused(1, "rejected user \"certuser\"")
        .stderr_contains("sslcert");

    // libpq's default location is used when present.
    let dir = sb.path().join(".postgresql");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&cert, dir.join("postgresql.crt")).unwrap();
    std::fs::copy(&key, dir.join("postgresql.key")).unwrap();
    assert_eq!(check(&sb, &base).ok().json()["user"], "certuser");

    // A key others can read is refused before connecting, as libpq does.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    check(
        &sb,
        &format!("{base} sslcert={} sslkey={}", cert.display(), key.display()),
    )
    .refused(1, "group or world access");
}

#[test]
fn failover_picks_the_writable_host() {
    let ro = read_only_server();
    let rw = tls_server();
    let sb = Sandbox::new();

    // Without target_session_attrs the first host that answers wins, read-only or not.
    let v = check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres",
            ro.port, rw.pg.port
        ),
    )
    .ok()
    .json();
    assert_eq!(v["port"], ro.port);

    // With read-write the read-only server is skipped (URL and key=value forms).
    let v = check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
            ro.port, rw.pg.port
        ),
    ).ok().json();
    assert_eq!(v["port"], rw.pg.port);
    let v = check(
        &sb,
        &format!(
            "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=postgres target_session_attrs=read-write",
            ro.port, rw.pg.port
        ),
    ).ok().json();
    assert_eq!(v["port"], rw.pg.port);

    // A first host that refuses connections is skipped too.
    let closed = free_port();
    let v = check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{closed},127.0.0.1:{}/postgres?target_session_attrs=read-write",
            rw.pg.port
        ),
    ).ok().json();
    assert_eq!(v["port"], rw.pg.port);

    // Only read-only hosts: one line naming each host and why.
    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{closed},127.0.0.1:{}/postgres?target_session_attrs=read-write",
            ro.port
        ),
    ).refused(6, "could not connect to any of the 2 hosts").stderr_contains(&format!("connection refused by 127.0.0.1:{closed}"))
    .stderr_contains(&format!("127.0.0.1:{} is read-only", ro.port));
}

#[test]
fn sslmode_require_against_a_server_without_ssl() {
    let ro = read_only_server();
    let sb = Sandbox::new();
    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=require",
            ro.port
        ),
    )
    .refused(1, "does not support SSL, but sslmode=require requires it");
    // prefer falls back to plain text.
    let v = check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=prefer",
            ro.port
        ),
    )
    .ok()
    .json();
    assert_eq!(v["tls"], false);
}

#[test]
fn wrong_password_names_the_user_and_never_the_password() {
    let server = tls_server();
    let sb = Sandbox::new();
    let port = server.pg.port;
    let wrong = "not-the-Right-pw-4711";
    check(
        &sb,
        &format!("postgres://{PW_USER}:{wrong}@127.0.0.1:{port}/postgres?sslmode=require"),
    )
    .refused(
        1,
        &format!("password authentication failed for user \"{PW_USER}\" at 127.0.0.1:{port}"),
    )
    .stderr_lacks(wrong);
    // -vv does not leak it either.
    sb.taskdb(&["-vv", "config", "check"])
        .url(format!(
            "postgres://{PW_USER}:{wrong}@127.0.0.1:{port}/postgres"
        ))
        .expect_exit(1)
        .lacks(wrong);

    // The right one works; PGPASSWORD is used when the URL has none.
    let url = format!("postgres://{PW_USER}@127.0.0.1:{port}/postgres");
    let r = sb
        .taskdb(&["--format", "json", "config", "check"])
        .url(&url)
        .env("PGPASSWORD", PW)
        .ok();
    assert_eq!(r.json()["user"], PW_USER);
    r.lacks(PW);

    // No password anywhere: say so.
    check(&sb, &url).refused(1, "asks for a password for user \"pwuser\"");
}

#[test]
fn pgpass_is_used_and_ignored_when_others_can_read_it() {
    let server = tls_server();
    let sb = Sandbox::new();
    let port = server.pg.port;
    let url = format!("postgres://{PW_USER}@127.0.0.1:{port}/postgres");
    let pgpass = private_file(
        &sb,
        ".pgpass",
        &format!("# taskdb test\nother:*:*:*:nope\n127.0.0.1:{port}:*:{PW_USER}:{PW}\n"),
    );
    let r = check(&sb, &url).ok();
    assert_eq!(r.json()["user"], PW_USER);
    r.stderr_is("");

    // PGPASSFILE points elsewhere.
    let elsewhere = private_file(&sb, "pgpass-elsewhere", &format!("*:*:*:{PW_USER}:{PW}\n"));
    std::fs::remove_file(&pgpass).unwrap();
    let v = sb
        .taskdb(&["--format", "json", "config", "check"])
        .url(&url)
        .env("PGPASSFILE", &elsewhere)
        .ok()
        .json();
    assert_eq!(v["user"], PW_USER);

    // A wrong password from the file: the message says where it came from.
    let bad = private_file(
        &sb,
        ".pgpass",
        &format!("*:*:*:{PW_USER}:wrong-from-file\n"),
    );
    check(&sb, &url)
        .refused(1, "password authentication failed")
        .stderr_contains(".pgpass")
        .stderr_lacks("wrong-from-file");

    // 0644: ignored with a warning, as libpq does.
    std::fs::write(&bad, format!("*:*:*:{PW_USER}:{PW}\n")).unwrap();
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o644)).unwrap();
    check(&sb, &url)
        .expect_exit(1)
        .stderr_contains("group or world access")
        .stderr_contains("asks for a password")
        .stderr_lacks(PW)
        .stdout_is("");
}

#[test]
fn missing_database_refused_port_and_timeout_are_one_line_each() {
    let server = tls_server();
    let sb = Sandbox::new();

    check(
        &sb,
        &format!(
            "postgres://postgres@127.0.0.1:{}/no_such_db?sslmode=require",
            server.pg.port
        ),
    )
    .refused(1, "database \"no_such_db\" does not exist")
    .stderr_contains("createdb");

    let closed = free_port();
    check(&sb, &format!("postgres://u@127.0.0.1:{closed}/db"))
        .refused(6, &format!("connection refused by 127.0.0.1:{closed}"));

    // A socket that accepts TCP connections but never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    check(
        &sb,
        &format!("postgres://u@127.0.0.1:{port}/db?connect_timeout=1"),
    )
    .refused(
        6,
        &format!("timed out after 1 s connecting to 127.0.0.1:{port}"),
    )
    .stderr_contains("connect_timeout");
    drop(silent);
}

#[test]
fn unparsable_urls_exit_2_naming_the_source_without_the_password() {
    let sb = Sandbox::new();
    let secret = "Sup3rSecretPw";
    let cases = [
        format!("postgres://bob:{secret}@db:notaport/x"),
        format!("postgres://bob:{secret}%zz@db/x"),
        format!("postgres://bob:{secret}@db/x?sslmode=sometimes"),
        format!("postgres://bob:{secret}@db/x?bogus_option=1"),
        format!("host=db password='{secret}"),
        format!("mysql://bob:{secret}@db/x"),
    ];
    for url in &cases {
        check(&sb, url)
            .refused(2, "env DATABASE_URL")
            .stderr_lacks(secret);
    }
    // From the flag and from the config file.
    sb.taskdb(&["--database-url", &cases[0], "config", "check"])
        .refused(2, "flag --database-url")
        .stderr_lacks(secret);
    let cfg = sb.path().join("taskdb.toml");
    std::fs::write(&cfg, format!("[database]\nurl = \"{}\"\n", cases[1])).unwrap();
    sb.taskdb(&["config", "check"])
        .refused(2, "file taskdb.toml")
        .stderr_lacks(secret);
    // sslrootcert=system needs verify-full (libpq's rule).
    check(
        &sb,
        "postgres://bob@db/x?sslmode=require&sslrootcert=system",
    )
    .refused(2, "sslrootcert=system needs sslmode=verify-full");
}

#[test]
fn config_check_table_output_and_the_local_test_database() {
    // The shared test cluster over its Unix socket: TLS off, same report.
    let pg = crate::support::TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let r = sb.taskdb(&["config", "check"]).db(&db).ok();
    for field in [
        "server_version",
        "host",
        "port",
        "database",
        "user",
        "tls",
        "in_recovery",
        "connect_ms",
    ] {
        r.stdout_contains(field);
    }
    r.stdout_contains(&db.name);
    let r = sb
        .taskdb(&["--format", "csv", "config", "check"])
        .db(&db)
        .ok();
    assert!(r
        .stdout
        .starts_with("server_version,host,port,database,user,tls,"));
}

#[test]
fn sslmode_allow_and_disable_follow_libpq() {
    let server = tls_server();
    let sb = Sandbox::new();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", server.pg.port);
    // The server takes `postgres` over TLS only: allow tries plain text, is turned down, and
    // retries with TLS.
    let v = check(&sb, &format!("{url}?sslmode=allow")).ok().json();
    assert_eq!(v["tls"], true);
    // disable never tries TLS, so pg_hba.conf turns it down, with a hint about sslmode.
    check(&sb, &format!("{url}?sslmode=disable"))
        .refused(1, "rejected user \"postgres\"")
        .stderr_contains("sslmode=require");
}

#[test]
fn pg_and_seed_variables_say_where_to_connect() {
    let server = tls_server();
    let sb = Sandbox::new();
    let port = server.pg.port.to_string();
    let v = sb
        .taskdb(&["--format", "json", "config", "check"])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", &port)
        .env("PGUSER", PW_USER)
        .env("PGDATABASE", "postgres")
        .env("PGPASSWORD", PW)
        .env("PGSSLMODE", "require")
        .env("PGAPPNAME", "taskdb-preflight")
        .ok()
        .json();
    assert_eq!(
        (v["user"].as_str(), v["tls"].as_bool()),
        (Some(PW_USER), Some(true))
    );
    // The seed's DB_* variables (DB_SSL_MODE=require: encrypted, unverified).
    let v = sb
        .taskdb(&["--format", "json", "config", "check"])
        .env("DB_HOST", "127.0.0.1")
        .env("DB_PORT", &port)
        .env("DB_USER", PW_USER)
        .env("DB_NAME", "postgres")
        .env("DB_PASSWORD", PW)
        .env("DB_SSL_MODE", "require")
        .ok()
        .json();
    assert_eq!(
        (v["port"].as_u64(), v["tls"].as_bool()),
        (Some(server.pg.port.into()), Some(true))
    );
    // A bad PGPORT names the variable (exit 2).
    sb.taskdb(&["config", "check"])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", "fivefourthreetwo")
        .refused(2, "env PGPORT");
    // PGCONNECT_TIMEOUT is the connect timeout unless taskdb's own setting is given.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port().to_string();
    sb.taskdb(&["config", "check"])
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", &silent_port)
        .env("PGCONNECT_TIMEOUT", "1")
        .refused(6, "timed out after 1 s");
    drop(silent);
}

#[test]
fn config_show_lists_pg_variables_that_fill_the_url() {
    let sb = Sandbox::new();
    let show = |url: &str| -> serde_json::Value {
        sb.taskdb(&["--format", "json", "config", "show"])
            .url(url)
            .env("PGSSLMODE", "verify-full")
            .env("PGPASSWORD", "pg-variable-secret")
            .env("PGCONNECT_TIMEOUT", "7")
            .run()
            .stdout_lacks("pg-variable-secret")
            .ok()
            .json()
    };
    let find = |v: &serde_json::Value, key: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|e| e["key"] == key)
            .cloned()
    };
    let v = show("postgres://app@db.example/taskdb");
    let mode = find(&v, "database.sslmode").expect("sslmode row");
    assert_eq!(
        (mode["value"].as_str(), mode["source"].as_str()),
        (Some("verify-full"), Some("env PGSSLMODE"))
    );
    assert_eq!(find(&v, "database.password").unwrap()["value"], "********");
    let timeout = find(&v, "database.connect_timeout").unwrap();
    assert_eq!(
        (timeout["value"].as_str(), timeout["source"].as_str()),
        (Some("7"), Some("env PGCONNECT_TIMEOUT"))
    );
    // Keys the URL has are not overridden, so not listed.
    let v = show("postgres://app:pw@db.example/taskdb?sslmode=require");
    assert!(find(&v, "database.sslmode").is_none());
    assert!(find(&v, "database.password").is_none());
}

#[test]
fn failover_skips_a_hot_standby_and_reaches_the_primary() {
    let primary = ExtraPg::start(ExtraPgSetup::default());
    let standby = primary.standby();
    let sb = Sandbox::new();
    let hosts = format!("127.0.0.1:{},127.0.0.1:{}", standby.port, primary.port);
    // Any session: the standby, first in the list, answers (and says it is in recovery).
    let v = check(&sb, &format!("postgres://postgres@{hosts}/postgres"))
        .ok()
        .json();
    assert_eq!(
        (v["port"].as_u64(), v["in_recovery"].as_bool()),
        (Some(standby.port.into()), Some(true))
    );
    // read-write: the standby is passed over for the primary.
    let v = check(
        &sb,
        &format!("postgres://postgres@{hosts}/postgres?target_session_attrs=read-write"),
    )
    .ok()
    .json();
    assert_eq!(
        (v["port"].as_u64(), v["in_recovery"].as_bool()),
        (Some(primary.port.into()), Some(false))
    );
    // -v says which host was passed over and why.
    sb.taskdb(&["-v", "config", "check"])
        .url(format!(
            "postgres://postgres@{hosts}/postgres?target_session_attrs=read-write"
        ))
        .ok()
        .stderr_contains(&format!(
            "skipped 127.0.0.1:{}: the server at 127.0.0.1:{} is read-only",
            standby.port, standby.port
        ));
}

#[test]
fn commands_that_open_more_connections_keep_tls_verification() {
    // `bench` and `migrate validate --roundtrip` open their scratch databases through the same
    // connection spec: verify-full holds.
    let server = tls_server();
    let sb = Sandbox::new();
    let ca = private_file(&sb, "ca.crt", &server.pki.ca);
    let other = private_file(&sb, "other.crt", &server.pki.other_ca);
    let url = |root: &PathBuf| {
        format!(
            "host=localhost hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode=verify-full sslrootcert={}",
            server.pg.port,
            root.display()
        )
    };
    sb.taskdb(&["bench", "--prepare-only", "--seed-rows", "100"])
        .url(url(&ca))
        .ok();
    // pg_hba.conf takes `postgres` over TCP only with TLS, so the scratch database exists only
    // if bench's own connections used TLS (and passed verify-full).
    let scratch: i64 = server
        .pg
        .admin()
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = 'taskdb_bench_scratch'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(scratch, 1, "bench prepared its scratch database");
    server
        .pg
        .admin()
        .batch_execute("DROP DATABASE taskdb_bench_scratch WITH (FORCE)")
        .unwrap();
    sb.taskdb(&["bench", "--prepare-only", "--seed-rows", "100"])
        .url(url(&other))
        .refused(1, "certificate verify failed");

    // `migrate validate --roundtrip` rehearses on a scratch database through the same spec.
    sb.taskdb(&["--format", "json", "migrate", "validate", "--roundtrip"])
        .url(url(&ca))
        .ok();
}

#[test]
fn backups_reach_a_verify_full_server_with_the_same_certificates() {
    // pg_dump gets sslmode=verify-full, the root certificate and the client certificate
    // through its environment: certuser can only log in with its certificate, so the backup
    // works only if the child tool connects exactly as taskdb does.
    let server = tls_server();
    let sb = Sandbox::new();
    let ca = private_file(&sb, "ca.crt", &server.pki.ca);
    let cert = private_file(&sb, "client.crt", &server.pki.client_cert);
    let key = private_file(&sb, "client.key", &server.pki.client_key);
    let url = format!(
        "host=localhost hostaddr=127.0.0.1 port={} user=certuser dbname=postgres sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        server.pg.port,
        ca.display(),
        cert.display(),
        key.display()
    );
    sb.taskdb(&["--format", "json", "backup", "create", "--reason", "tls"])
        .url(&url)
        .ok();
    let list = sb
        .taskdb(&["--format", "json", "backup", "list"])
        .url(&url)
        .run()
        .json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}
