//! SIGINT and SIGTERM: taskdb cancels the statement it has in flight before it exits, so the
//! server does not keep running it (and holding its locks) after the client is gone.

use crate::support::pg::{ExtraPg, ExtraPgSetup};
use crate::support::{wait_until, Sandbox, TestPg};

/// Where the blocked command runs: a client on its database (for locking and watching),
/// the database name and the command's connection string (whose application_name it sets).
struct Target<'a> {
    client: &'a dyn Fn() -> postgres::Client,
    dbname: &'a str,
    url: String,
}

/// States of the sessions of `application_name` on the target database, and whether they
/// use TLS.
fn sessions(t: &Target<'_>, app: &str) -> Vec<(String, Option<String>, bool)> {
    (t.client)()
        .query(
            "SELECT coalesce(a.state, ''), a.wait_event_type, coalesce(s.ssl, false) \
             FROM pg_stat_activity a LEFT JOIN pg_stat_ssl s USING (pid) \
             WHERE a.datname = $1 AND a.application_name = $2",
            &[&t.dbname, &app],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn interrupted_statement_is_cancelled(t: &Target<'_>, signal: i32, code: i32, name: &str) {
    let sb = Sandbox::new();
    let app = format!("taskdb-sig-{name}");
    let tls = t.url.contains("sslmode=require");
    let mut locker = (t.client)();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let child = sb
        .taskdb(&["task", "create", "blocked by a lock"])
        .url(format!("{} application_name={app}", t.url))
        .spawn();
    wait_until(30, "the command to wait on the lock", || {
        sessions(t, &app).iter().any(|(state, wait, ssl)| {
            state == "active" && wait.as_deref() == Some("Lock") && *ssl == tls
        })
    });
    child.signal(signal);
    child.wait(30).expect_exit(code).stderr_is(&format!(
        "error: interrupted by {name}; asked the server to cancel the statement on its connection\n"
    ));
    // The server stopped the statement although the lock is still held.
    wait_until(30, "the server to stop the cancelled statement", || {
        !sessions(t, &app)
            .iter()
            .any(|(state, _, _)| state == "active")
    });
    tx.rollback().unwrap();
    let n: i64 = (t.client)()
        .query_one("SELECT count(*) FROM tasks", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "the cancelled insert must not have happened");
}

fn on_test_db(signal: i32, code: i32, name: &str) {
    let db = TestPg::get().migrated_db();
    let client = || db.client();
    let t = Target {
        client: &client,
        dbname: &db.name,
        url: db.url(),
    };
    interrupted_statement_is_cancelled(&t, signal, code, name);
}

#[test]
fn sigint_cancels_the_statement_in_flight_and_exits_130() {
    on_test_db(libc::SIGINT, 130, "SIGINT");
}

#[test]
fn sigterm_cancels_the_statement_in_flight_and_exits_143() {
    on_test_db(libc::SIGTERM, 143, "SIGTERM");
}

/// The cancel request of a TLS connection travels over TLS too (sslmode=require).
#[test]
fn sigint_cancels_the_statement_of_a_tls_connection() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pg = ExtraPg::start(ExtraPgSetup {
        conf: "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
        hba: Some("local all all trust\nhostssl all all 127.0.0.1/32 trust\n"),
        files: vec![
            ("server.crt", cert.cert.pem().into_bytes()),
            ("server.key", cert.key_pair.serialize_pem().into_bytes()),
        ],
    });
    pg.admin().batch_execute("CREATE DATABASE sigtls").unwrap();
    let url = format!(
        "host=127.0.0.1 port={} user=postgres dbname=sigtls sslmode=require",
        pg.port
    );
    let sb = Sandbox::new();
    sb.taskdb(&["migrate", "up", "--no-backup"]).url(&url).ok();
    let socket = format!(
        "host={} port={} user=postgres dbname=sigtls",
        pg.dir.display(),
        pg.port
    );
    let client = || postgres::Client::connect(&socket, postgres::NoTls).unwrap();
    let t = Target {
        client: &client,
        dbname: "sigtls",
        url,
    };
    interrupted_statement_is_cancelled(&t, libc::SIGINT, 130, "SIGINT");
}
