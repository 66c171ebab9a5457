//! The dependency cycle check at the scale a hostile or merely large client brings: a
//! 100,000-deep chain, a wide layered graph and a fan-in/fan-out hub, each added in one
//! statement, must be checked in time and memory linear in the graph (V13). Before V13 a
//! 4,000-deep chain took a minute and 1.1 GB in one backend, 100,000 made it OOM.

use std::path::Path;

use crate::support::{Sandbox, TestPg};

/// Peak resident memory of a server backend (it counts the shared buffers it touched too).
fn backend_peak_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// No statement may make a backend grow past this (the test cluster's shared_buffers is the
/// default 128 MB; V12 needed 1.1 GB for a 4,000-deep chain).
const BACKEND_PEAK_LIMIT_KIB: u64 = 512 * 1024;

fn cycle_error(result: Result<u64, postgres::Error>) -> String {
    let err = result.expect_err("the cycle was accepted");
    let db = err.as_db_error().expect("a database error");
    assert_eq!(db.code().code(), "TD001", "{db:?}");
    db.message().to_string()
}

#[test]
fn deep_wide_and_fan_graphs_are_checked_in_linear_time_and_memory() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let mut c = db.client();
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    c.batch_execute(
        "INSERT INTO tasks (title) SELECT 'n' || i FROM generate_series(1, 100000) AS i; \
         CREATE TEMP TABLE n AS SELECT short_id AS i, id FROM tasks; \
         CREATE UNIQUE INDEX ON n (i); ANALYZE n;",
    )
    .unwrap();
    let first: i64 = c.query_one("SELECT min(i) FROM n", &[]).unwrap().get(0);
    let edges = |c: &mut postgres::Client, sql: &str| c.execute(sql, &[]);

    // A 100,000-deep chain: i depends on i - 1, in one statement.
    let chain = format!(
        "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
         SELECT a.id, b.id FROM n a JOIN n b ON b.i = a.i - 1 WHERE a.i > {first}"
    );
    assert_eq!(edges(&mut c, &chain).unwrap(), 99_999);
    // Closing it: refused, naming a short cycle that starts at the new edge.
    let msg = cycle_error(edges(
        &mut c,
        &format!(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
             SELECT a.id, b.id FROM n a, n b WHERE a.i = {first} AND b.i = {first} + 99999"
        ),
    ));
    assert!(
        msg.starts_with(&format!("dependency cycle: #{first} → #{}", first + 99_999)),
        "{msg}"
    );
    assert!(msg.contains("... (99978 more) ..."), "{msg}");
    assert!(msg.len() < 400, "{msg}");
    // A wide graph: 333 layers of 300, every task depending on three of the layer below, plus
    // a hub that every task of the bottom layer depends on and that depends on nothing. It goes
    // in as 'related' edges, is analyzed so, then made 'blocks' in one UPDATE: the check runs
    // on statistics saying no edge blocks (which once made it a 100,000 x 100,000 nested loop).
    edges(&mut c, "DELETE FROM task_dependencies").unwrap();
    let wide = format!(
        "INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) \
         SELECT a.id, b.id, 'related' FROM n a \
           CROSS JOIN generate_series(0, 2) AS k \
           JOIN n b ON b.i = {first} + ((a.i - {first}) / 300 - 1) * 300 + ((a.i - {first}) * 7 + k * 101) % 300 \
          WHERE a.i - {first} >= 300 AND a.i - {first} < 99900"
    );
    let added = edges(&mut c, &wide).unwrap();
    assert!(added > 290_000, "{added}");
    c.batch_execute("ANALYZE task_dependencies").unwrap();
    let blocking = edges(
        &mut c,
        "UPDATE task_dependencies SET dependency_type = 'blocks'",
    )
    .unwrap();
    assert_eq!(blocking, added);
    let fan = format!(
        "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
         SELECT a.id, h.id FROM n a, n h WHERE h.i = {first} + 99999 AND a.i - {first} < 300"
    );
    assert_eq!(edges(&mut c, &fan).unwrap(), 300);
    // The hub depending on the top layer closes cycles through every path.
    let msg = cycle_error(edges(
        &mut c,
        &format!(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
             SELECT h.id, a.id FROM n a, n h WHERE h.i = {first} + 99999 AND a.i = {first} + 99800"
        ),
    ));
    assert!(
        msg.starts_with(&format!(
            "dependency cycle: #{} → #{}",
            first + 99_999,
            first + 99_800
        )),
        "{msg}"
    );
    // A shortcut in the same direction is no cycle.
    edges(
        &mut c,
        &format!(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
             SELECT a.id, b.id FROM n a, n b WHERE a.i = {first} + 99800 AND b.i = {first}"
        ),
    )
    .unwrap();

    if let Some(peak) = backend_peak_kib(pid) {
        assert!(
            peak < BACKEND_PEAK_LIMIT_KIB,
            "the backend grew to {peak} KiB (limit {BACKEND_PEAK_LIMIT_KIB})"
        );
    } else {
        assert!(
            std::env::var("TASKDB_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()),
            "cannot read the backend's /proc/{pid}/status although the test started the server"
        );
    }
}

/// Task Master's file of a chain: task i depends on task i - 1.
fn write_chain(path: &Path, n: usize, close: bool) {
    let mut tasks = Vec::with_capacity(n);
    for i in 1..=n {
        let deps: Vec<usize> = match i {
            1 if close => vec![n],
            1 => vec![],
            _ => vec![i - 1],
        };
        tasks.push(serde_json::json!({
            "id": i, "title": format!("step {i}"), "status": "pending", "dependencies": deps
        }));
    }
    let doc = serde_json::json!({"master": {"tasks": tasks}});
    std::fs::write(path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn a_100000_deep_chain_imports_and_a_closed_one_is_named_briefly() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let file = sb.path().join("chain.json");
    write_chain(&file, 100_000, false);
    let report = sb.taskdb(&["task", "import"]).arg(&file).ok_json();
    assert_eq!(report["created"], 100_000);
    assert_eq!(report["dependencies_added"], 99_999);
    assert!(db.open_blocker_mismatches().is_empty());

    // The same chain closed: the file's own check refuses it with one short line, exit 2.
    write_chain(&file, 100_000, true);
    let r = sb.taskdb(&["task", "import"]).arg(&file).expect_exit(2);
    r.stderr_contains("dependency cycle in the file")
        .stderr_contains("more) ...")
        .stderr_line();
    assert!(r.stderr.len() < 400, "{r}");
}
