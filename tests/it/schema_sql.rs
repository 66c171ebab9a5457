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

/// Shared setup (assertions on, `pg_temp.expect_error`) loaded before each file.
fn setup_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sql/lib/setup.sql")
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
            .arg(setup_file())
            .arg("-f")
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
const SET_PARENT: &str =
    "UPDATE tasks SET parent_task_id = $1::text::uuid WHERE id = $2::text::uuid";

/// A task as (uuid text, short id).
type Task = (String, i64);

/// One statement with its two uuid parameters.
struct Half {
    sql: &'static str,
    params: [String; 2],
}

/// How the race ended for the second (blocked) statement.
struct Outcome {
    /// The blocked statement's result.
    second: Result<u64, postgres::Error>,
    /// The second connection, back from its thread (for a retry).
    conn: postgres::Client,
}

/// Run `first` in an open transaction, start `second` on another connection (in a REPEATABLE
/// READ transaction whose snapshot is taken first, when `repeatable_read`), wait until it is
/// blocked on a lock (as pg_stat_activity shows it), then commit or roll back the first.
fn race(
    db: &TestDb,
    first: Half,
    second: Half,
    repeatable_read: bool,
    commit_first: bool,
) -> Outcome {
    let mut c0 = db.client();
    let mut ca = db.client();
    let mut cb = db.client();
    let pid_b: i32 = cb.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    let mut tx = ca.transaction().unwrap();
    tx.execute(first.sql, &[&first.params[0], &first.params[1]])
        .unwrap();
    let handle = std::thread::spawn(move || {
        let result = if repeatable_read {
            let mut t = cb
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .start()
                .unwrap();
            t.query("SELECT 1", &[]).unwrap(); // the snapshot is taken here
            let r = t.execute(second.sql, &[&second.params[0], &second.params[1]]);
            if r.is_ok() {
                t.commit().unwrap();
            }
            r
        } else {
            cb.execute(second.sql, &[&second.params[0], &second.params[1]])
        };
        (result, cb)
    });
    wait_until_blocked(&mut c0, pid_b);
    assert!(
        !handle.is_finished(),
        "the second statement finished while blocked"
    );
    if commit_first {
        tx.commit().unwrap();
    } else {
        tx.rollback().unwrap();
    }
    let (second, conn) = handle.join().unwrap();
    Outcome { second, conn }
}

/// Stored dependency edges among `tasks`, as (task, depends_on) uuid pairs.
fn edges(db: &TestDb, tasks: &[&Task]) -> Vec<(String, String)> {
    let ids: Vec<String> = tasks.iter().map(|t| t.0.clone()).collect();
    let mut v: Vec<(String, String)> = db
        .client()
        .query(
            "SELECT task_id::text, depends_on_task_id::text FROM task_dependencies \
             WHERE task_id::text = ANY($1)",
            &[&ids],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    v.sort();
    v
}

fn assert_db_error(result: &Result<u64, postgres::Error>, code: &str, message: &str) {
    let err = result
        .as_ref()
        .expect_err("the statement closing the cycle was accepted");
    let db_err = err.as_db_error().expect("a database error");
    assert_eq!(db_err.code().code(), code, "{db_err}");
    assert_eq!(db_err.message(), message);
}

fn chain(tasks: &[&Task]) -> String {
    tasks
        .iter()
        .map(|t| format!("#{}", t.1))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn dep(task: &Task, on: &Task) -> Half {
    Half {
        sql: INSERT_DEP,
        params: [task.0.clone(), on.0.clone()],
    }
}

#[test]
fn concurrent_halves_of_a_cycle_exactly_one_succeeds() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let (a, b) = (create_task(&mut c, "race a"), create_task(&mut c, "race b"));
    let out = race(&db, dep(&a, &b), dep(&b, &a), false, true);
    assert_db_error(
        &out.second,
        "TD001",
        &format!("dependency cycle: {}", chain(&[&b, &a, &b])),
    );
    assert_eq!(edges(&db, &[&a, &b]), vec![(a.0.clone(), b.0.clone())]);
}

#[test]
fn concurrent_half_cycle_goes_through_when_the_other_rolls_back() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let (a, b) = (create_task(&mut c, "race a"), create_task(&mut c, "race b"));
    let out = race(&db, dep(&a, &b), dep(&b, &a), false, false);
    assert_eq!(out.second.expect("no cycle after the rollback"), 1);
    assert_eq!(edges(&db, &[&a, &b]), vec![(b.0.clone(), a.0.clone())]);
}

#[test]
fn concurrent_cycle_under_repeatable_read_is_a_serialization_failure_then_a_cycle() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let (a, b) = (create_task(&mut c, "race a"), create_task(&mut c, "race b"));
    let mut out = race(&db, dep(&a, &b), dep(&b, &a), true, true);
    let err = out
        .second
        .as_ref()
        .expect_err("stale snapshot accepted the cycle");
    assert_eq!(err.code().map(|c| c.code()), Some("40001"), "{err}");
    // The client retries, as it should after 40001: now the cycle is seen.
    let retry = out.conn.execute(INSERT_DEP, &[&b.0, &a.0]);
    assert_db_error(
        &retry,
        "TD001",
        &format!("dependency cycle: {}", chain(&[&b, &a, &b])),
    );
    assert_eq!(edges(&db, &[&a, &b]), vec![(a.0.clone(), b.0.clone())]);
}

#[test]
fn concurrent_longer_cycle_is_refused() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let a = create_task(&mut c, "race a");
    let b = create_task(&mut c, "race b");
    let cc = create_task(&mut c, "race c");
    c.execute(INSERT_DEP, &[&a.0, &b.0]).unwrap();
    let out = race(&db, dep(&b, &cc), dep(&cc, &a), false, true);
    assert_db_error(
        &out.second,
        "TD001",
        &format!("dependency cycle: {}", chain(&[&cc, &a, &b, &cc])),
    );
    let mut expected = vec![(a.0.clone(), b.0.clone()), (b.0.clone(), cc.0.clone())];
    expected.sort();
    assert_eq!(edges(&db, &[&a, &b, &cc]), expected);
}

#[test]
fn concurrent_hierarchy_cycle_is_refused() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let d = create_task(&mut c, "race d");
    let e = create_task(&mut c, "race e");
    let first = Half {
        sql: SET_PARENT,
        params: [e.0.clone(), d.0.clone()],
    };
    let second = Half {
        sql: SET_PARENT,
        params: [d.0.clone(), e.0.clone()],
    };
    let out = race(&db, first, second, false, true);
    assert_db_error(
        &out.second,
        "TD002",
        &format!("task hierarchy cycle: {}", chain(&[&e, &d, &e])),
    );
    let parent_of_e: Option<String> = c
        .query_one(
            "SELECT parent_task_id::text FROM tasks WHERE id = $1::text::uuid",
            &[&e.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(parent_of_e, None);
}

const COMPLETE: &str = "SELECT 1 FROM update_task_status($1::text::uuid, $2)";

fn complete(task: &Task) -> Half {
    Half {
        sql: COMPLETE,
        params: [task.0.clone(), "completed".into()],
    }
}

/// tasks.open_blockers of a task (V9's count of its unfinished blocking dependencies).
fn open_blockers(db: &TestDb, task: &Task) -> i32 {
    db.client()
        .query_one(
            "SELECT open_blockers FROM tasks WHERE id = $1::text::uuid",
            &[&task.0],
        )
        .unwrap()
        .get(0)
}

#[test]
fn edge_added_while_its_target_is_completed_is_counted_right_in_either_order() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();

    // The edge commits first; the completion waited, then sees it and unblocks x.
    let (a, x) = (
        create_task(&mut c, "ready a"),
        create_task(&mut c, "ready x"),
    );
    race(&db, dep(&x, &a), complete(&a), false, true)
        .second
        .unwrap();
    assert_eq!(open_blockers(&db, &x), 0, "completion after the edge");

    // The completion commits first; the edge waited, then counts b as completed.
    let (b, y) = (
        create_task(&mut c, "ready b"),
        create_task(&mut c, "ready y"),
    );
    race(&db, complete(&b), dep(&y, &b), false, true)
        .second
        .unwrap();
    assert_eq!(open_blockers(&db, &y), 0, "edge after the completion");

    // The completion rolls back: the edge counts its target as open.
    let (d, z) = (
        create_task(&mut c, "ready d"),
        create_task(&mut c, "ready z"),
    );
    race(&db, complete(&d), dep(&z, &d), false, false)
        .second
        .unwrap();
    assert_eq!(open_blockers(&db, &z), 1, "completion rolled back");

    // A plain UPDATE of the status takes no lock that conflicts with the new edge's foreign-key
    // check: the graph lock is what makes it wait and then see the edge.
    let (e, w) = (
        create_task(&mut c, "ready e"),
        create_task(&mut c, "ready w"),
    );
    let plain = Half {
        sql: "UPDATE tasks SET status = $2 WHERE id = $1::text::uuid",
        params: [e.0.clone(), "completed".into()],
    };
    race(&db, dep(&w, &e), plain, false, true).second.unwrap();
    assert_eq!(open_blockers(&db, &w), 0, "plain UPDATE after the edge");
}

#[test]
fn completion_racing_an_edge_under_repeatable_read_is_a_serialization_failure() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let (a, x) = (
        create_task(&mut c, "ready a"),
        create_task(&mut c, "ready x"),
    );
    let mut out = race(&db, dep(&x, &a), complete(&a), true, true);
    let err = out
        .second
        .as_ref()
        .expect_err("a stale snapshot completed the task without seeing the new edge");
    assert_eq!(err.code().map(|c| c.code()), Some("40001"), "{err}");
    assert_eq!(open_blockers(&db, &x), 1, "a is still pending");
    // The retry sees the edge and unblocks x.
    out.conn.execute(COMPLETE, &[&a.0, &"completed"]).unwrap();
    assert_eq!(open_blockers(&db, &x), 0, "after the retry");
}

/// One random change per call, errors (cycles, duplicates, refused transitions, deadlocks)
/// swallowed: what several agents and operators do to the graph at once.
const STRESS_STEP: &str = r#"
CREATE FUNCTION stress_step(p_pick int, p_a int, p_b int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a uuid := (SELECT id FROM tasks ORDER BY short_id OFFSET p_a LIMIT 1);
    b uuid := (SELECT id FROM tasks ORDER BY short_id OFFSET p_b LIMIT 1);
    st text;
BEGIN
    CASE p_pick
        WHEN 0, 1 THEN INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (a, b);
        WHEN 2 THEN DELETE FROM task_dependencies WHERE task_id = a;
        WHEN 3 THEN
            SELECT status INTO st FROM tasks WHERE id = a;
            PERFORM update_task_status(a, CASE WHEN st = 'completed' THEN 'in_progress' ELSE 'completed' END);
        WHEN 4 THEN
            UPDATE tasks SET status = CASE WHEN status = 'completed' THEN 'pending' ELSE 'completed' END WHERE id = b;
        WHEN 5 THEN
            UPDATE task_dependencies SET dependency_type = CASE WHEN dependency_type = 'blocks' THEN 'related' ELSE 'blocks' END
             WHERE task_id = a;
        ELSE DELETE FROM tasks WHERE id = b;
    END CASE;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
"#;

#[test]
fn concurrent_random_graph_and_status_changes_keep_open_blockers_exact() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    c.batch_execute(
        "INSERT INTO tasks (title) SELECT 'stress ' || i FROM generate_series(1, 60) AS i",
    )
    .unwrap();
    c.batch_execute(STRESS_STEP).unwrap();
    let workers: Vec<_> = (0..6u64)
        .map(|w| {
            let mut conn = db.client();
            // Deadlocks are among the expected outcomes; find them fast.
            conn.batch_execute("SET deadlock_timeout = '20ms'").unwrap();
            std::thread::spawn(move || {
                // A small LCG per worker: reproducible, no dependency.
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ (w + 1);
                let mut next = move |n: u64| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % n) as i32
                };
                let mut done = 0;
                for _ in 0..100 {
                    // Deletes of whole tasks are rare (1 in 40); the pool shrinks slowly.
                    let pick = if next(40) == 0 { 6 } else { next(6) };
                    let outcome: String = conn
                        .query_one(
                            "SELECT stress_step($1, $2, $3)",
                            &[&pick, &next(50), &next(50)],
                        )
                        .unwrap()
                        .get(0);
                    done += usize::from(outcome == "ok");
                }
                done
            })
        })
        .collect();
    let succeeded: usize = workers.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(succeeded > 100, "too few changes went through: {succeeded}");
    let wrong = db.open_blocker_mismatches();
    assert!(
        wrong.is_empty(),
        "open_blockers off after the storm: {wrong:?}"
    );
}
