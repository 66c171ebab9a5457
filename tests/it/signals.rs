//! SIGINT and SIGTERM: taskdb cancels the statement it has in flight before it exits, so the
//! server does not keep running it (and holding its locks) after the client is gone.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, TestDb, TestPg};

/// Poll `cond` every 50 ms for up to `secs` (a bound on a hang, not a timing assertion).
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Wait for a child with a bound; kill it if it hangs.
pub fn wait_child(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            panic!("the child did not exit within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// States of the sessions of `application_name` on the test database.
fn sessions(db: &TestDb, app: &str) -> Vec<(String, Option<String>)> {
    db.client()
        .query(
            "SELECT coalesce(state, ''), wait_event_type FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = $2",
            &[&db.name, &app],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn interrupted_statement_is_cancelled(signal: i32, code: i32, name: &str) {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let app = format!("taskdb-sig-{name}");
    let mut locker = db.client();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut child = sb
        .std_cmd()
        .env(
            "DATABASE_URL",
            format!("{} application_name={app}", db.url()),
        )
        .args(["task", "create", "blocked by a lock"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(30, "the command to wait on the lock", || {
        sessions(&db, &app)
            .iter()
            .any(|(state, wait)| state == "active" && wait.as_deref() == Some("Lock"))
    });
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let status = wait_child(&mut child, 30);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert_eq!(
        stderr,
        format!(
            "error: interrupted by {name}; asked the server to cancel the statement on its connection\n"
        )
    );
    assert!(
        !stderr.contains('\x1b'),
        "escape codes on a non-terminal: {stderr:?}"
    );
    // The server stopped the statement although the lock is still held.
    wait_until(30, "the server to stop the cancelled statement", || {
        !sessions(&db, &app)
            .iter()
            .any(|(state, _)| state == "active")
    });
    tx.rollback().unwrap();
    let n: i64 = db
        .client()
        .query_one("SELECT count(*) FROM tasks", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "the cancelled insert must not have happened");
}

#[test]
fn sigint_cancels_the_statement_in_flight_and_exits_130() {
    interrupted_statement_is_cancelled(libc::SIGINT, 130, "SIGINT");
}

#[test]
fn sigterm_cancels_the_statement_in_flight_and_exits_143() {
    interrupted_statement_is_cancelled(libc::SIGTERM, 143, "SIGTERM");
}
