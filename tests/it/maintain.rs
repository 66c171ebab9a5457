//! `taskdb maintain`: partitions ahead, retention across several months, ANALYZE, and two
//! overlapping runs.

use std::time::Duration;

use crate::support::metrics::{month_name, seed_months};
use crate::support::{Sandbox, Taskdb, TestPg};

/// The key `taskdb maintain` locks ("taskdbmt").
const LOCK_KEY: i64 = 0x7461_736b_6462_6d74;

/// `taskdb --format json maintain <args>` on the sandbox's database (a hang fails after two
/// minutes).
fn maintain(sb: &Sandbox, args: &[&str]) -> Taskdb {
    sb.taskdb(&["--format", "json", "maintain"])
        .args(args)
        .timeout(Duration::from_secs(120))
}

#[test]
fn maintain_creates_partitions_applies_retention_and_is_idempotent() {
    let db = TestPg::get().migrated_db();
    let old = seed_months(&db);
    let mut c = db.client();
    // Audit rows: a recent one (written by the trigger) and one made old.
    c.batch_execute(
        "SELECT create_task('t1');
         UPDATE audit_log SET occurred_at = now() - interval '200 days'
          WHERE id = (SELECT min(id) FROM audit_log);
         SELECT create_task('t2');",
    )
    .unwrap();
    let audit_before: i64 = c
        .query_one("SELECT count(*) FROM audit_log", &[])
        .unwrap()
        .get(0);
    c.batch_execute(
        "INSERT INTO api_access_logs (endpoint, method, occurred_at) VALUES
           ('/old', 'GET', now() - interval '20 days'), ('/new', 'GET', now())",
    )
    .unwrap();
    let ahead4 = month_name(&mut c, -4);
    let sb = Sandbox::on(&db);
    let doc = maintain(&sb, &["--months-ahead", "4"]).ok().json();
    assert_eq!(doc["skipped"], false);
    let created: Vec<&str> = doc["partitions_created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(created.contains(&ahead4.as_str()), "{created:?}");
    assert!(
        created.contains(&ahead4.replace("system_metrics", "api_access_logs").as_str()),
        "{created:?}"
    );
    let ret = doc["retention"].as_array().unwrap();
    let by = |t: &str| ret.iter().find(|r| r["table"] == t).unwrap().clone();
    assert_eq!(by("system_metrics")["rows_removed"], 4, "{doc:#}");
    assert_eq!(
        by("system_metrics")["partitions_dropped"]
            .as_array()
            .unwrap()
            .len(),
        old.len()
    );
    assert_eq!(by("api_access_logs")["rows_removed"], 1);
    assert_eq!(by("audit_log")["rows_removed"], 1);
    let audit_after: i64 = c
        .query_one("SELECT count(*) FROM audit_log", &[])
        .unwrap()
        .get(0);
    assert_eq!(audit_after, audit_before - 1);
    let analyzed: Vec<&str> = doc["analyzed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for t in [
        "tasks",
        "workflows",
        "system_metrics",
        "api_access_logs",
        "audit_log",
    ] {
        assert!(analyzed.contains(&t), "{t} not analyzed: {analyzed:?}");
    }
    let analyzed_at: Option<chrono::DateTime<chrono::Utc>> = c
        .query_one(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'tasks'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(analyzed_at.is_some());

    // Idempotent: nothing new to create or remove.
    let doc = maintain(&sb, &["--months-ahead", "4"]).ok().json();
    assert_eq!(doc["partitions_created"].as_array().unwrap().len(), 0);
    assert!(doc["retention"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["rows_removed"] == 0));

    // 0 days keeps a table forever; the config file supplies the others.
    let cfg = sb.path().join("taskdb.toml");
    std::fs::write(
        &cfg,
        "[maintain]\nmonths_ahead = 1\nmetrics_retention_days = 1\n",
    )
    .unwrap();
    c.batch_execute("INSERT INTO api_access_logs (endpoint, method, occurred_at) VALUES ('/old2', 'GET', now() - interval '20 days')")
        .unwrap();
    let doc = maintain(&sb, &["--api-logs-days", "0"]).ok().json();
    let tables: Vec<&str> = doc["retention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["table"].as_str().unwrap())
        .collect();
    assert_eq!(tables, vec!["audit_log", "system_metrics"]);
    assert_eq!(doc["retention"][1]["keep_days"], 1);
    let kept: i64 = c
        .query_one(
            "SELECT count(*) FROM api_access_logs WHERE endpoint = '/old2'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(kept, 1);
}

#[test]
fn maintain_recounts_a_wrong_open_blocker_count() {
    let db = TestPg::get().migrated_db();
    let mut c = db.client();
    let (blocked, free): (i64, i64) = {
        let r = c
            .query_one(
                "WITH a AS (SELECT * FROM create_task('blocker')), \
                      b AS (SELECT * FROM create_task('blocked', p_depends_on => ARRAY[(SELECT id FROM a)])), \
                      f AS (SELECT * FROM create_task('free')) \
                 SELECT (SELECT short_id FROM b), (SELECT short_id FROM f)",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    // A client wrote the derived column itself: the blocked task looks ready, the free one not.
    c.batch_execute(&format!(
        "UPDATE tasks SET open_blockers = 0 WHERE short_id = {blocked}; \
         UPDATE tasks SET open_blockers = 2 WHERE short_id = {free};"
    ))
    .unwrap();
    assert_eq!(db.open_blocker_mismatches().len(), 2);
    let sb = Sandbox::on(&db);
    let doc = maintain(&sb, &[]).ok().json();
    assert_eq!(
        doc["blocker_counts_fixed"],
        serde_json::json!([blocked, free])
    );
    assert!(db.open_blocker_mismatches().is_empty());
    let doc = maintain(&sb, &[]).run().json();
    assert_eq!(doc["blocker_counts_fixed"], serde_json::json!([]));
    // The human report says so too.
    sb.taskdb(&["maintain"]).run().stdout_contains("consistent");
}

#[test]
fn overlapping_runs_skip_or_wait_and_never_fail() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut holder = db.client();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
        .unwrap();
    let r = maintain(&sb, &[]).ok();
    assert_eq!(r.json()["skipped"], true);
    r.stderr_contains("another taskdb maintain is running");

    // --wait waits for the holder, then does the work.
    let child = maintain(&sb, &["--wait"]).spawn();
    std::thread::sleep(Duration::from_millis(700));
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .unwrap();
    let doc = child.wait(120).ok().json();
    assert_eq!(doc["skipped"], false);

    // Two at once: both exit 0, at most one skipped.
    let (a, b) = (maintain(&sb, &[]).spawn(), maintain(&sb, &[]).spawn());
    let runs = [a.wait(120), b.wait(120)];
    let mut skipped = 0;
    for r in &runs {
        if r.ok().json()["skipped"] == true {
            skipped += 1;
        }
    }
    assert!(skipped <= 1);
}

#[test]
fn maintain_bad_input_exits_2() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    for args in [
        vec!["maintain", "--months-ahead", "500"],
        vec!["maintain", "--audit-days", "-1"],
        vec!["--format", "prometheus", "maintain"],
    ] {
        sb.taskdb(&args).expect_exit(2).stdout_is("");
    }
}
