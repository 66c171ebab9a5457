//! `taskdb migrate`: up/down/status/validate against a real server, including concurrency,
//! SIGKILL mid-run, round trips, divergence and bad input.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::schema::pg_dump_schema;
use crate::support::{Sandbox, TestDb, TestPg};

/// `migrate status --format json` rows.
fn status(sb: &Sandbox, db: &TestDb) -> Vec<Value> {
    sb.taskdb(&["migrate", "status"])
        .db(db)
        .ok_json()
        .as_array()
        .unwrap()
        .clone()
}

/// Every migration version shipped in the binary.
fn shipped_versions(sb: &Sandbox) -> Vec<i64> {
    let db = TestPg::get().fresh_db();
    status(sb, &db)
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect()
}

/// `pg_dump --schema-only` of a database (comments and random \restrict keys dropped).
fn schema(db: &TestDb) -> String {
    pg_dump_schema(db, &[])
        .lines()
        .filter(|l| {
            !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict")
        })
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn backup_files(sb: &Sandbox) -> Vec<String> {
    let dir = sb.path().join("state/taskdb/backups");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn up_applies_everything_once_and_status_is_clean() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    assert!(!versions.is_empty());
    sb.taskdb(&["migrate", "status", "--check"])
        .db(&db)
        .expect_exit(1);

    let summary = sb.taskdb(&["migrate", "up"]).db(&db).ok_json();
    assert_eq!(summary["steps"].as_array().unwrap().len(), versions.len());
    assert_eq!(summary["from_version"], 0);
    assert_eq!(
        summary["to_version"].as_i64().unwrap(),
        *versions.last().unwrap()
    );
    // An empty database needs no backup.
    assert!(summary["backup"].is_null());
    assert!(backup_files(&sb).is_empty());

    let h: Vec<i64> = db
        .migration_history()
        .iter()
        .map(|(v, _)| i64::from(*v))
        .collect();
    assert_eq!(h, versions);
    sb.taskdb(&["migrate", "status", "--check"]).db(&db).ok();
    assert!(status(&sb, &db).iter().all(|r| r["state"] == "applied"));

    // Again: nothing to do.
    sb.taskdb(&["migrate", "up"])
        .db(&db)
        .ok()
        .stderr_contains("nothing to do");
}

#[test]
fn up_takes_a_verified_backup_when_the_database_holds_data() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    assert!(versions.len() >= 2, "needs two migrations");
    let first = versions[0].to_string();
    sb.taskdb(&["migrate", "up", "--target", &first])
        .db(&db)
        .ok();
    assert_eq!(db.migration_history().len(), 1);
    let summary = sb.taskdb(&["migrate", "up"]).db(&db).ok_json();
    let backup = summary["backup"].as_str().expect("a backup path");
    assert!(
        backup.contains(&format!("_v{first}_before-migrate-up")),
        "{backup}"
    );
    let files = backup_files(&sb);
    assert_eq!(files.len(), 2, "{files:?}"); // the dump and its manifest
    assert!(files.iter().any(|f| f.ends_with(".dump.json")));
}

#[test]
fn dry_run_prints_the_sql_and_changes_nothing() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let text = sb
        .taskdb(&["migrate", "up", "--dry-run"])
        .db(&db)
        .ok()
        .stdout;
    assert!(text.contains("-- migrations/V"), "{text}");
    assert!(text.to_uppercase().contains("CREATE TABLE"), "{text}");
    assert!(db.migration_history().is_empty());
    let tables: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "dry run created tables");
}

#[test]
fn eight_concurrent_ups_all_succeed_and_apply_each_migration_once() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    let children: Vec<_> = (0..8)
        .map(|_| {
            sb.taskdb(&["--format", "json", "migrate", "up", "--no-backup"])
                .db(&db)
                .spawn()
        })
        .collect();
    let mut applied_total = 0;
    for child in children {
        let summary = child.wait(300).ok().json();
        applied_total += summary["steps"].as_array().unwrap().len();
    }
    // Each migration was applied by exactly one of the eight.
    assert_eq!(applied_total, versions.len());
    let h: Vec<i64> = db
        .migration_history()
        .iter()
        .map(|(v, _)| i64::from(*v))
        .collect();
    assert_eq!(h, versions);
}

#[test]
fn a_run_killed_mid_way_is_completed_by_the_next_up() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    assert!(versions.len() >= 2, "needs two migrations");
    let mut child = sb
        .taskdb(&["migrate", "up", "--no-backup"])
        .db(&db)
        .env("TASKDB_TEST_MIGRATION_DELAY_MS", "60000")
        .spawn_with(Stdio::null(), Stdio::null());
    // Wait until the first migration is committed, then kill while it sleeps before the next.
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.migration_history().is_empty() {
        assert!(Instant::now() < deadline, "first migration never applied");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.child.kill().unwrap(); // SIGKILL
    child.child.wait().unwrap();
    let partial = db.migration_history().len();
    assert!(partial >= 1 && partial < versions.len(), "{partial}");

    sb.taskdb(&["migrate", "up", "--no-backup"]).db(&db).ok();
    let h: Vec<i64> = db
        .migration_history()
        .iter()
        .map(|(v, _)| i64::from(*v))
        .collect();
    assert_eq!(h, versions);
    // History matches the schema: the same as a database migrated in one go.
    let reference = pg.migrated_db();
    assert_eq!(schema(&db), schema(&reference));
}

#[test]
fn up_then_down_everything_then_up_gives_the_same_schema() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    sb.taskdb(&["migrate", "up"]).db(&db).ok();
    sb.taskdb(&["migrate", "down", "--target", "0", "--yes", "--no-backup"])
        .db(&db)
        .ok();
    assert!(db.migration_history().is_empty());
    let left: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
               AND c.relname NOT LIKE 'refinery\\_schema\\_history%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "down --target 0 left relations behind");
    sb.taskdb(&["migrate", "up"]).db(&db).ok();
    let reference = pg.migrated_db();
    assert_eq!(schema(&db), schema(&reference));
}

#[test]
fn down_takes_a_backup_and_reverts_the_newest() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let before = db.migration_history();
    // Dry run: prints the down SQL, changes nothing.
    sb.taskdb(&["migrate", "down", "--dry-run"])
        .db(&db)
        .ok()
        .stdout_contains(".down.sql");
    assert_eq!(db.migration_history(), before);
    // Without a terminal and without --yes: refused, exit 2, nothing changed.
    sb.taskdb(&["migrate", "down"])
        .db(&db)
        .expect_exit(2)
        .stderr_contains("--yes");
    assert_eq!(db.migration_history(), before);
    assert!(backup_files(&sb).is_empty());

    let summary = sb
        .taskdb(&["migrate", "down", "--steps", "1", "--yes"])
        .db(&db)
        .ok_json();
    assert!(summary["backup"].as_str().unwrap().ends_with(".dump"));
    assert_eq!(db.migration_history(), before[..before.len() - 1].to_vec());
    assert_eq!(backup_files(&sb).len(), 2);
    let st = status(&sb, &db);
    assert_eq!(st.last().unwrap()["state"], "pending");
}

#[test]
fn an_edited_applied_migration_is_divergent_and_up_refuses() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    let first = versions[0].to_string();
    sb.taskdb(&["migrate", "up", "--target", &first])
        .db(&db)
        .ok();
    // Files are embedded in the binary, so "edited afterwards" = the recorded checksum differs.
    db.client()
        .execute(
            "UPDATE refinery_schema_history SET checksum = '12345' WHERE version = $1",
            &[&(versions[0] as i32)],
        )
        .unwrap();
    let st = status(&sb, &db);
    assert_eq!(st[0]["state"], "divergent");
    sb.taskdb(&["migrate", "status", "--check"])
        .db(&db)
        .expect_exit(1);
    sb.taskdb(&["migrate", "up"])
        .db(&db)
        .expect_exit(1)
        .stderr_contains(&format!("migrations/V{first}__"))
        .stderr_contains("divergent")
        .stderr_line();
    assert_eq!(db.migration_history().len(), 1, "up changed something");
    sb.taskdb(&["migrate", "validate"]).db(&db).expect_exit(1);
}

#[test]
fn bad_targets_and_steps_are_refused_with_exit_2_and_change_nothing() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    // Exit 2, an `error:` message, no panic.
    let bad = |args: &[&str]| {
        let r = sb.taskdb(args).db(&db).expect_exit(2);
        r.no_panic();
        assert!(r.stderr.starts_with("error:"), "{r}");
        r
    };
    bad(&["migrate", "up", "--target", "9999"]).stderr_contains("beyond the newest");
    bad(&["migrate", "up", "--target", "abc"]);
    // An output format the command cannot print is refused before anything is applied.
    bad(&["--format", "nagios", "migrate", "up"]).stderr_contains("--format nagios");
    bad(&["--format", "csv", "migrate", "up", "--dry-run"]);
    bad(&["migrate", "down", "--steps", "0", "--yes"]);
    assert!(db.migration_history().is_empty());

    sb.taskdb(&["migrate", "up"]).db(&db).ok();
    let before = db.migration_history();
    let first = versions[0].to_string();
    bad(&["migrate", "up", "--target", &first]).stderr_contains("below the current version");
    bad(&["migrate", "down", "--steps", "9999", "--yes"]).stderr_contains("only");
    bad(&["migrate", "down", "--target", "9999", "--yes"]);
    bad(&["migrate", "down", "--steps", "1", "--target", "0", "--yes"]);
    assert_eq!(db.migration_history(), before);
    assert!(backup_files(&sb).is_empty());
}

#[test]
fn a_second_runner_waits_for_the_lock_and_names_the_holder() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'holder-under-test'")
        .unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&0x7461_736b_6462_6d67_i64])
        .unwrap();
    sb.taskdb(&["migrate", "up", "--lock-wait", "1"])
        .db(&db)
        .expect_exit(1)
        .stderr_contains("holder-under-test")
        .stderr_contains("pid ");
    assert!(db.migration_history().is_empty());
    // Released: the next run goes through.
    holder
        .execute(
            "SELECT pg_advisory_unlock($1)",
            &[&0x7461_736b_6462_6d67_i64],
        )
        .unwrap();
    sb.taskdb(&["migrate", "up"]).db(&db).ok();
}

#[test]
fn validate_roundtrip_rehearses_every_migration() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let findings = sb
        .taskdb(&["migrate", "validate", "--roundtrip"])
        .db(&db)
        .ok_json();
    let findings = findings.as_array().unwrap();
    assert!(findings.iter().all(|f| f["ok"] == true), "{findings:?}");
    assert!(findings.iter().any(|f| f["check"] == "roundtrip"));
    // The scratch database is gone.
    let left: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'taskdb_validate_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

#[test]
fn ddl_blocked_by_a_long_transaction_is_rolled_back_and_retried() {
    use std::io::BufRead;
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    let first = versions[0].to_string();
    sb.taskdb(&["migrate", "up", "--target", &first])
        .db(&db)
        .ok();
    // A long transaction holding a lock the next migration's DDL needs (a FK to tasks).
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut child = sb
        .taskdb(&["migrate", "up", "--no-backup", "--lock-timeout", "1"])
        .db(&db)
        .spawn_with(Stdio::null(), Stdio::piped());
    let mut lines = std::io::BufReader::new(child.child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("retry 1/") {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("lock_timeout")),
        "no retry message: {seen:?}"
    );
    // The migration was rolled back meanwhile: still only the first version applied.
    let applied: i64 = pg
        .client(&db.name)
        .query_one("SELECT count(*) FROM refinery_schema_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(applied, 1);
    tx.rollback().unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    let status = child.child.wait().unwrap();
    assert!(status.success(), "{seen:?} {rest:?}");
    assert_eq!(db.migration_history().len(), versions.len());
}

#[test]
fn a_failing_migration_is_rolled_back_and_named_and_earlier_ones_stay() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let versions = shipped_versions(&sb);
    assert!(versions.len() >= 2, "needs two migrations");
    // The second migration creates `workflows`; an existing table of that name makes it fail.
    db.client()
        .batch_execute("CREATE TABLE workflows (x int)")
        .unwrap();
    sb.taskdb(&["migrate", "up", "--no-backup"])
        .db(&db)
        .expect_exit(1)
        .stderr_contains(&format!("migrations/V{}__", versions[1]))
        .stderr_contains("already exists")
        .stderr_contains("rolled back")
        .stderr_line();
    let h: Vec<i64> = db
        .migration_history()
        .iter()
        .map(|(v, _)| i64::from(*v))
        .collect();
    assert_eq!(h, versions[..1].to_vec());
    // Nothing of the failed migration is left: the only workflows table is ours.
    let cols: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'workflows'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(cols, 1);
}
