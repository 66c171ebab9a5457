//! `taskdb bench`: runs, reports, cleans up its scratch database, and reports a lost server;
//! the claim workload's minimal-queue anchor. The scratch database name is per server, so the
//! tests take turns ([`SCRATCH`]).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

use crate::support::{Sandbox, TestPg};

/// Held by each test for its whole run: there is one scratch database per server.
static SCRATCH: Mutex<()> = Mutex::new(());

fn scratch_turn() -> MutexGuard<'static, ()> {
    SCRATCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

const SCRATCH_DB: &str = "taskdb_bench_scratch";

/// A table of that name exists in the scratch database.
fn scratch_has_table(table: &str) -> bool {
    TestPg::get()
        .client(SCRATCH_DB)
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .unwrap()
        .get(0)
}

fn scratch_exists(db: &crate::support::TestDb) -> bool {
    db.client()
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = 'taskdb_bench_scratch'",
            &[],
        )
        .unwrap()
        .is_some()
}

#[test]
fn bench_runs_cleans_up_and_reports_a_lost_server() {
    let _turn = scratch_turn();
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::on(&db);

    // A short run: JSON report with every operation of the mix, and no scratch left behind.
    let report = sb
        .taskdb(&["bench", "--duration", "1s", "--warmup", "0s"])
        .args(["--clients", "3", "--seed-rows", "1000"])
        .timeout(Duration::from_secs(120))
        .ok_json();
    let ops: Vec<&str> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["operation"].as_str().unwrap())
        .collect();
    for op in [
        "create_task",
        "get_task",
        "update_status",
        "list_ready",
        "claim_next",
        "record_metric",
        "log_api_call",
        "total",
    ] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
    assert_eq!(report["errors"], 0);
    assert!(
        report["operations"].as_array().unwrap().last().unwrap()["count"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(!scratch_exists(&db), "scratch database left behind");

    // Leftovers from a crashed run: refused until cleaned.
    db.client()
        .batch_execute("CREATE DATABASE taskdb_bench_scratch")
        .unwrap();
    sb.taskdb(&["bench", "--duration", "1s"])
        .expect_exit(1)
        .stderr_contains("bench --clean");
    sb.taskdb(&["bench", "--clean"]).ok();
    assert!(!scratch_exists(&db));

    // The server goes away mid-run (its backends are terminated): an error, not a hang.
    let child = sb
        .taskdb(&[
            "bench",
            "--duration",
            "60s",
            "--warmup",
            "0s",
            "--clients",
            "2",
            "--seed-rows",
            "500",
        ])
        .spawn();
    // Wait until the workload is running in the scratch database, then cut it off.
    let admin = || TestPg::get().client("postgres");
    let mut running = false;
    for _ in 0..600 {
        let n: i64 = admin()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'taskdb_bench_scratch' AND application_name = 'taskdb bench'",
                &[],
            )
            .unwrap()
            .get(0);
        if n >= 2 {
            running = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(running, "bench never started its clients");
    std::thread::sleep(Duration::from_millis(500));
    admin()
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'taskdb_bench_scratch'",
        )
        .unwrap();
    child
        .wait(300)
        .expect_exit(1)
        .stderr_contains("went away")
        .no_panic();
    assert!(
        !scratch_exists(&db),
        "scratch database left behind after the failure"
    );
}

/// The row of `operation` in a JSON report's `operations`.
fn operation<'a>(report: &'a Value, operation: &str) -> Option<&'a Value> {
    report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == operation)
}

#[test]
fn claim_is_measured_against_the_minimal_queue() {
    let _turn = scratch_turn();
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::on(&db);
    let short = ["--duration", "1s", "--warmup", "0s", "--clients", "2"];

    // JSON: taskdb's claim in `operations`, the anchor beside it, and their ratio.
    let report = sb
        .taskdb(&["bench", "--workload", "claim", "--seed-rows", "1000"])
        .args(short)
        .timeout(Duration::from_secs(120))
        .ok_json();
    assert_eq!(report["errors"], 0);
    assert!(
        operation(&report, "claim_next").unwrap()["count"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        operation(&report, "queue_anchor").is_none(),
        "the anchor is not one of taskdb's operations"
    );
    let anchor = &report["anchor"];
    assert_eq!(anchor["operation"], "queue_anchor");
    assert!(anchor["count"].as_u64().unwrap() > 0, "{anchor}");
    assert_eq!(anchor["errors"], 0);
    assert_eq!(anchor["empty_claims"], 0, "the anchor ran dry: {anchor}");
    assert!(anchor["queue_rows"].as_u64().unwrap() >= 1000, "{anchor}");
    for key in [
        "ops_per_sec",
        "avg_ms",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
    ] {
        assert!(anchor[key].as_f64().unwrap() > 0.0, "{key}: {anchor}");
    }
    // The ratio of claims that took a row per second (all of them, unless a pool ran dry).
    let ratio = report["claim_vs_anchor"].as_f64().unwrap();
    assert!(ratio.is_finite() && ratio > 0.0, "{ratio}");
    let took = |count: &Value, empty: &Value, secs: &Value| {
        (count.as_u64().unwrap() - empty.as_u64().unwrap()) as f64 / secs.as_f64().unwrap()
    };
    let claim = operation(&report, "claim_next").unwrap();
    let claim_rate = took(
        &claim["count"],
        &report["empty_claims"],
        &report["duration_s"],
    );
    let anchor_rate = took(
        &anchor["count"],
        &anchor["empty_claims"],
        &anchor["duration_s"],
    );
    assert!(
        (ratio - claim_rate / anchor_rate).abs() <= 1e-9 * ratio,
        "{ratio}"
    );
    assert!(!scratch_exists(&db), "scratch database left behind");

    // The table: the anchor's row next to claim_next's, and the ratio in words. With --keep,
    // the scratch database holds the tasks but not the anchor's table.
    let ran = sb
        .taskdb(&[
            "bench",
            "--workload",
            "claim",
            "--seed-rows",
            "1000",
            "--keep",
        ])
        .args(short)
        .timeout(Duration::from_secs(120))
        .ok();
    let table = ran.text();
    let names: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|w| ["claim_next", "queue_anchor", "total"].contains(w))
        .collect();
    assert_eq!(names, ["claim_next", "queue_anchor", "total"], "{table}");
    ran.stderr_contains("× the minimal queue");
    assert!(scratch_has_table("tasks"));
    assert!(
        !scratch_has_table("bench_queue"),
        "the anchor's table was left"
    );
    sb.taskdb(&["bench", "--clean"]).ok();
    assert!(!scratch_exists(&db));
}

#[test]
fn the_queue_workload_measures_the_anchor_alone_and_pgbench_can_run_it() {
    let _turn = scratch_turn();
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::on(&db);

    // 100 rows cannot last a second: the queue is grown until it does, so no claim idles.
    let report = sb
        .taskdb(&["bench", "--workload", "queue", "--seed-rows", "100"])
        .args(["--duration", "1s", "--warmup", "0s", "--clients", "2"])
        .timeout(Duration::from_secs(120))
        .ok_json();
    let names: Vec<&Value> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["operation"])
        .collect();
    assert_eq!(names, ["queue_anchor", "total"]);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["empty_claims"], 0, "the queue ran dry: {report}");
    assert_eq!(report["anchor"]["empty_claims"], 0);
    assert_eq!(
        report["anchor"]["count"],
        operation(&report, "queue_anchor").unwrap()["count"]
    );
    assert!(report["claim_vs_anchor"].is_null());
    assert!(!scratch_exists(&db));

    // --prepare-only keeps the queue (and seeds no tasks); pgbench runs the printed script.
    let script = sb
        .taskdb(&["bench", "--workload", "queue", "--pgbench-script"])
        .ok()
        .text();
    sb.taskdb(&[
        "bench",
        "--workload",
        "queue",
        "--prepare-only",
        "--seed-rows",
        "500",
    ])
    .timeout(Duration::from_secs(120))
    .ok();
    let count = |sql: &str| -> i64 {
        TestPg::get()
            .client(SCRATCH_DB)
            .query_one(sql, &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(
        count("SELECT count(*) FROM bench_queue WHERE status = 'pending'"),
        500
    );
    assert_eq!(count("SELECT count(*) FROM tasks"), 0);
    let file = sb.path().join("queue.sql");
    std::fs::write(&file, script).unwrap();
    let out = std::process::Command::new(crate::support::pg::bindir().join("pgbench"))
        .args(["-n", "-M", "prepared", "-c", "2", "-t", "50", "-f"])
        .arg(&file)
        .arg(TestPg::get().conninfo(SCRATCH_DB))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pgbench: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        count("SELECT count(*) FROM bench_queue WHERE status = 'in_progress'"),
        100
    );
    assert_eq!(count("SELECT count(DISTINCT assigned) FROM bench_queue"), 2);
    sb.taskdb(&["bench", "--clean"]).ok();
    assert!(!scratch_exists(&db));
}

#[test]
fn the_worker_workload_completes_tasks_and_times_claim_to_start() {
    let _turn = scratch_turn();
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::on(&db);
    let short = ["--duration", "1s", "--warmup", "0s", "--clients", "3"];

    // JSON: the three steps (and total) as operations, tasks/s, and the claim-to-start figures.
    let report = sb
        .taskdb(&["bench", "--workload", "worker", "--keep"])
        .args(short)
        .timeout(Duration::from_secs(120))
        .ok_json();
    let names: Vec<&Value> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["operation"])
        .collect();
    assert_eq!(names, ["claim", "heartbeat", "complete", "total"]);
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["empty_claims"], 0, "the seed ran dry: {report}");
    assert!(report["anchor"].is_null() && report["claim_vs_anchor"].is_null());
    let complete = operation(&report, "complete").unwrap();
    let completed = complete["count"].as_u64().unwrap();
    assert!(completed > 0, "{report}");
    for op in ["claim", "heartbeat"] {
        assert!(
            operation(&report, op).unwrap()["count"].as_u64().unwrap() >= completed,
            "{op}: {report}"
        );
    }
    let tasks_per_sec = report["tasks_per_sec"].as_f64().unwrap();
    assert!(tasks_per_sec > 0.0, "{report}");
    assert_eq!(report["tasks_per_sec"], complete["ops_per_sec"]);

    let c = &report["claim_to_start"];
    let produced = c["produced"].as_u64().unwrap();
    let claimed = c["claimed"].as_u64().unwrap();
    assert!(claimed > 0, "{c}");
    assert_eq!(claimed + c["unclaimed"].as_u64().unwrap(), produced, "{c}");
    let rate = c["rate_per_sec"].as_f64().unwrap();
    assert!((1.0..=200.0).contains(&rate), "{c}");
    assert_eq!(c["wait_mode"], "listen", "{c}");
    let ms = |key: &str| {
        let v = c[key].as_f64().unwrap_or_else(|| panic!("{key}: {c}"));
        assert!(v.is_finite() && v >= 0.0, "{key}: {c}");
        v
    };
    ms("avg_ms");
    assert!(
        ms("p50_ms") <= ms("p95_ms") && ms("p95_ms") <= ms("p99_ms"),
        "{c}"
    );
    assert!(ms("p99_ms") <= ms("max_ms"), "{c}");

    // In the kept scratch database: every completed task has exactly one completion context,
    // no other task has one, none is left claimed, and the producer's tasks were all taken.
    let scratch = || TestPg::get().client(SCRATCH_DB);
    let count = |sql: &str| -> i64 { scratch().query_one(sql, &[]).unwrap().get(0) };
    let done = count("SELECT count(*) FROM tasks WHERE status = 'completed'");
    assert!(
        done as u64 >= completed + claimed,
        "{done} completed: {report}"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM tasks t WHERE t.status = 'completed' AND (SELECT count(*) \
             FROM task_contexts c WHERE c.task_id = t.id AND c.context_type = 'completion') <> 1"
        ),
        0,
        "a completed task without exactly one completion context"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM task_contexts c JOIN tasks t ON t.id = c.task_id \
             WHERE c.context_type <> 'completion' OR t.status <> 'completed'"
        ),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM tasks WHERE status = 'in_progress'"),
        0
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM tasks WHERE tags @> ARRAY['bench-produced'] \
             AND status = 'completed'"
        ) as u64,
        claimed
    );
    sb.taskdb(&["bench", "--clean"]).ok();
    assert!(!scratch_exists(&db));

    // The table: the steps' rows, tasks/s and the latency in words. No pgbench script for it.
    let ran = sb
        .taskdb(&["bench", "--workload", "worker", "--seed-rows", "5000"])
        .args(short)
        .timeout(Duration::from_secs(120))
        .ok();
    let table = ran.text();
    for op in ["claim", "heartbeat", "complete", "total"] {
        assert!(
            table
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(op)),
            "{op}: {table}"
        );
    }
    ran.stderr_contains("tasks/s completed")
        .stderr_contains("claim-to-start: p50 ");
    assert!(!scratch_exists(&db));
    sb.taskdb(&["bench", "--workload", "worker", "--pgbench-script"])
        .refused(2, "--pgbench-script");
}
