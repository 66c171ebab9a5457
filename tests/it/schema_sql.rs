//! The schema's own tests: every `tests/sql/*.sql` file run with psql on a freshly migrated
//! database, and the concurrent dependency-cycle case described in tests/sql/README.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::{TestDb, TestPg};

fn sql_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_sql_test_file_passes_on_a_fresh_migrated_database() {
    let pg = TestPg::get();
    let files = sql_files();
    assert!(!files.is_empty(), "no tests/sql/*.sql files");
    let mut failures = Vec::new();
    for file in &files {
        let db = pg.migrated_db();
        let out = std::process::Command::new(pg.bindir.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url(), "-f"])
            .arg(file)
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}: {}",
                file.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A task's (uuid as text, short id).
fn create_task(c: &mut postgres::Client, title: &str) -> Task {
    let row = c
        .query_one("SELECT id::text, short_id FROM create_task($1)", &[&title])
        .unwrap();
    (row.get(0), row.get(1))
}

/// Wait until `pid` is blocked on a lock, as pg_stat_activity shows it (no sleeps to decide).
fn wait_until_blocked(c: &mut postgres::Client, pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let row = c
            .query_opt(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .unwrap();
        if let Some(row) = row {
            if row.get::<_, Option<String>>(0).as_deref() == Some("Lock") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "the second insert never blocked");
        std::thread::sleep(Duration::from_millis(20));
    }
}

const INSERT_DEP: &str =
    "INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES ($1::text::uuid, $2::text::uuid)";

/// A task as (uuid text, short id).
type Task = (String, i64);

struct Race {
    /// The second (blocked) insert's outcome.
    second: Result<u64, postgres::Error>,
    /// Edges stored between the two tasks afterwards.
    edges: Vec<(String, String)>,
    a: Task,
    b: Task,
}

/// Two transactions insert the two halves of a cycle at once; `commit_first` decides whether the
/// first one commits or rolls back. Returns the second insert's result and the edges stored.
fn race(db: &TestDb, commit_first: bool) -> Race {
    let mut c0 = db.client();
    let mut ca = db.client();
    let mut cb = db.client();
    let a = create_task(&mut c0, "race a");
    let b = create_task(&mut c0, "race b");
    let pid_b: i32 = cb.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);

    let mut tx = ca.transaction().unwrap();
    tx.execute(INSERT_DEP, &[&a.0, &b.0]).unwrap();
    let (a_id, b_id) = (a.0.clone(), b.0.clone());
    let second = std::thread::spawn(move || cb.execute(INSERT_DEP, &[&b_id, &a_id]));
    wait_until_blocked(&mut c0, pid_b);
    assert!(
        !second.is_finished(),
        "the second insert finished while blocked"
    );
    if commit_first {
        tx.commit().unwrap();
    } else {
        tx.rollback().unwrap();
    }
    let result = second.join().unwrap();
    let edges = c0
        .query(
            "SELECT task_id::text, depends_on_task_id::text FROM task_dependencies \
             WHERE task_id IN ($1::text::uuid, $2::text::uuid)",
            &[&a.0, &b.0],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Race {
        second: result,
        edges,
        a,
        b,
    }
}

#[test]
fn concurrent_halves_of_a_cycle_exactly_one_succeeds() {
    let db = TestPg::get().migrated_db();
    let Race {
        second: result,
        edges,
        a,
        b,
    } = race(&db, true);
    let err = result.expect_err("the second half of the cycle was accepted");
    let db_err = err.as_db_error().expect("a database error");
    assert_eq!(db_err.code().code(), "TD001", "{db_err}");
    assert_eq!(
        db_err.message(),
        format!("dependency cycle: #{} → #{} → #{}", b.1, a.1, b.1)
    );
    assert_eq!(edges, vec![(a.0, b.0)]);
}

#[test]
fn concurrent_half_cycle_goes_through_when_the_other_rolls_back() {
    let db = TestPg::get().migrated_db();
    let Race {
        second: result,
        edges,
        a,
        b,
    } = race(&db, false);
    assert_eq!(result.expect("no cycle after the rollback"), 1);
    assert_eq!(edges, vec![(b.0, a.0)]);
}
