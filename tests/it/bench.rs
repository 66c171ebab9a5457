//! `taskdb bench`: runs, reports, cleans up its scratch database, and reports a lost server.
//! One test function on purpose: the scratch database name is per server.

use std::time::Duration;

use crate::support::{Sandbox, TestPg};

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
