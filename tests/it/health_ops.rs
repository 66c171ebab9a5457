//! The operators' probes of `taskdb health` — backups, archiving, checkpoints, invalid indexes,
//! bloat, sequences, settings waiting for a restart, slow statements — each with its condition
//! provoked on a real server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::{wait_until, DedicatedPg, Sandbox, Taskdb, TestPg};

/// `taskdb --format json health <args>` against `url` (a hang fails after a minute).
fn health(sb: &Sandbox, url: &str, args: &[&str]) -> Taskdb {
    sb.taskdb(&["health"])
        .url(url)
        .args(args)
        .format_json()
        .timeout(Duration::from_secs(60))
}

/// Run it, expecting `code`; the probe `name` of the report.
#[track_caller]
fn probe_of(t: Taskdb, code: i32, name: &str) -> Value {
    let doc = t.expect_exit(code).json();
    crate::health::probe(&doc, name).clone()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

#[test]
fn a_default_run_leaves_out_bloat_and_slow_queries() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let doc = health(&sb, &db.url(), &[]).run().json();
    let names: Vec<&str> = doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| text(&p["name"]))
        .collect();
    for expected in [
        "invalid_indexes",
        "sequences",
        "checkpoints",
        "archiver",
        "pending_restart",
        "backup_age",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(
        !names.contains(&"bloat") && !names.contains(&"slow_queries"),
        "{names:?}"
    );
    // Named, they run.
    let doc = health(&sb, &db.url(), &["--check", "bloat,slow_queries"])
        .run()
        .json();
    assert_eq!(doc["probes"].as_array().unwrap().len(), 2, "{doc:#}");
}

/// Rewrite the `created_at` of the manifest of backup `dump` to `hours` ago.
fn age_backup(dump: &Path, hours: i64) {
    let manifest = PathBuf::from(format!("{}.json", dump.display()));
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    let then = chrono::Utc::now() - chrono::Duration::hours(hours);
    m["created_at"] = Value::String(then.to_rfc3339());
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn backup_age_follows_the_newest_intact_backup() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let check = ["--check", "backup_age"];
    // Nothing configured on this host: OK, and it says so.
    let p = probe_of(health(&sb, &db.url(), &check), 0, "backup_age");
    assert!(
        text(&p["message"]).contains("not configured on this host"),
        "{p:#}"
    );
    assert_eq!(p["details"]["configured"], false);
    assert!(p["value"].is_null());
    // Configured, but the directory does not exist: CRITICAL.
    let dir = sb.path().join("backups");
    let configured = |t: Taskdb| t.env("TASKDB_BACKUP_DIR", &dir);
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 2, "backup_age");
    assert!(text(&p["message"]).contains("does not exist"), "{p:#}");
    assert!(text(&p["message"]).contains("TASKDB_BACKUP_DIR"), "{p:#}");

    // A real backup: OK, its age the value.
    let created = configured(
        sb.taskdb(&["backup", "create", "--reason", "nightly"])
            .db(&db),
    )
    .ok_json();
    let dump = PathBuf::from(text(&created["path"]));
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 0, "backup_age");
    assert!(p["value"].as_f64().unwrap() < 3600.0, "{p:#}");
    assert_eq!(p["warn"].as_f64(), Some(26.0 * 3600.0));
    assert_eq!(p["crit"].as_f64(), Some(50.0 * 3600.0));
    assert_eq!(
        text(&p["details"]["newest"]),
        dump.file_name().unwrap().to_str().unwrap()
    );
    // Past 26 hours: WARNING; past 50: CRITICAL, with a hint.
    age_backup(&dump, 30);
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 1, "backup_age");
    assert!(p["value"].as_f64().unwrap() >= 30.0 * 3600.0, "{p:#}");
    age_backup(&dump, 60);
    let r = configured(sb.taskdb(&["--format", "nagios", "health", "--check", "backup_age"]))
        .url(db.url())
        .expect_exit(2);
    assert!(r.stdout.contains(" backup_age=2160"), "{r}");
    assert!(r.stdout.contains("s;93600;180000;0;"), "{r}");
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 2, "backup_age");
    assert!(p["hint"].is_string(), "{p:#}");
    // The thresholds come from the config file like any other.
    std::fs::write(
        sb.path().join("taskdb.toml"),
        "[health.thresholds.backup_age]\nwarn = \"3d\"\ncrit = \"7d\"\n",
    )
    .unwrap();
    probe_of(configured(health(&sb, &db.url(), &check)), 0, "backup_age");
    std::fs::remove_file(sb.path().join("taskdb.toml")).unwrap();

    // A newer backup whose file was cut short does not count: the older one answers, and the
    // damaged one is named.
    let created = configured(
        sb.taskdb(&["backup", "create", "--reason", "later"])
            .db(&db),
    )
    .ok_json();
    let newer = PathBuf::from(text(&created["path"]));
    let bytes = std::fs::read(&newer).unwrap();
    std::fs::write(&newer, &bytes[..bytes.len() / 2]).unwrap();
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 2, "backup_age");
    assert!(p["value"].as_f64().unwrap() >= 60.0 * 3600.0, "{p:#}");
    assert!(text(&p["message"]).contains("not intact"), "{p:#}");
    // No intact backup at all: CRITICAL, no value.
    std::fs::remove_file(&dump).unwrap();
    let p = probe_of(configured(health(&sb, &db.url(), &check)), 2, "backup_age");
    assert!(p["value"].is_null(), "{p:#}");
    assert!(
        text(&p["message"]).contains("none of the 2 backups"),
        "{p:#}"
    );
}

#[test]
fn an_index_left_invalid_by_a_failed_concurrent_build_warns() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let mut c = db.client();
    c.batch_execute("CREATE TABLE dupes (x int); INSERT INTO dupes VALUES (1), (1), (2);")
        .unwrap();
    let check = ["--check", "invalid_indexes"];
    let p = probe_of(health(&sb, &db.url(), &check), 0, "invalid_indexes");
    assert_eq!(p["value"], 0.0);
    // A unique index built concurrently over duplicates fails and stays behind, INVALID.
    let e = c
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY dupes_x ON dupes (x)")
        .unwrap_err();
    assert!(
        e.to_string().contains("duplicate") || e.as_db_error().is_some(),
        "{e}"
    );
    let valid: bool = c
        .query_one(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'dupes_x'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!valid);
    let p = probe_of(health(&sb, &db.url(), &check), 1, "invalid_indexes");
    assert_eq!(p["value"], 1.0);
    assert!(
        text(&p["message"]).contains("public.dupes_x on dupes"),
        "{p:#}"
    );
    assert!(
        text(&p["hint"]).contains("DROP INDEX CONCURRENTLY"),
        "{p:#}"
    );
    assert_eq!(p["details"]["indexes"][0]["unique"], true);
    c.batch_execute("DROP INDEX dupes_x").unwrap();
    probe_of(health(&sb, &db.url(), &check), 0, "invalid_indexes");
}

#[test]
fn a_sequence_near_its_end_warns_then_goes_critical() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE jobs (id serial PRIMARY KEY);
         CREATE TABLE events (id integer);
         CREATE SEQUENCE events_id_seq AS bigint OWNED BY events.id;
         CREATE SEQUENCE spinning AS integer CYCLE;
         SELECT setval('spinning', 2147483000);
         SELECT nextval('events_id_seq');
         INSERT INTO jobs DEFAULT VALUES;",
    )
    .unwrap();
    let check = ["--check", "sequences"];
    let p = probe_of(health(&sb, &db.url(), &check), 0, "sequences");
    assert!(
        p["value"].as_f64().unwrap() < 0.01,
        "a cycling sequence never runs out: {p:#}"
    );
    // serial: an integer sequence, 93% used.
    c.batch_execute("SELECT setval('jobs_id_seq', 2000000000)")
        .unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 1, "sequences");
    assert!(
        (p["value"].as_f64().unwrap() - 0.9313).abs() < 0.001,
        "{p:#}"
    );
    assert!(text(&p["message"]).contains("public.jobs_id_seq"), "{p:#}");
    assert_eq!(p["details"]["sequences"][0]["calls_left"], 147483647.0);
    // A bigint sequence feeding an integer column runs out with the column.
    c.batch_execute("SELECT setval('events_id_seq', 2100000000)")
        .unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 2, "sequences");
    assert!(
        text(&p["message"]).contains("public.events_id_seq"),
        "{p:#}"
    );
    assert!(
        text(&p["message"]).contains("feeding integer column events.id"),
        "{p:#}"
    );
    assert_eq!(p["details"]["sequences"][0]["limit"], 2147483647);
    assert!(text(&p["hint"]).contains("bigint"), "{p:#}");
    // Made bigint, the column no longer ends it.
    c.batch_execute("ALTER TABLE events ALTER COLUMN id TYPE bigint")
        .unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 1, "sequences");
    assert!(text(&p["message"]).contains("public.jobs_id_seq"), "{p:#}");
}

#[test]
fn bloat_is_estimated_then_measured_with_pgstattuple() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let mut c = db.client();
    // About 13 MB of rows; then nine in ten deleted all over the table, so VACUUM frees the
    // space inside the pages but cannot give the pages back.
    c.batch_execute(
        "CREATE TABLE swollen (id int, pad text) WITH (autovacuum_enabled = off);
         INSERT INTO swollen SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g;
         CREATE TABLE lean (id int, pad text) WITH (autovacuum_enabled = off);
         INSERT INTO lean SELECT g, repeat('y', 100) FROM generate_series(1, 100000) g;
         ANALYZE lean;",
    )
    .unwrap();
    for sql in [
        "DELETE FROM swollen WHERE id % 10 <> 0",
        "VACUUM swollen",
        "ANALYZE swollen",
    ] {
        c.batch_execute(sql).unwrap();
    }
    let check = ["--check", "bloat"];
    let p = probe_of(health(&sb, &db.url(), &check), 2, "bloat");
    let worst = &p["details"]["relations"][0];
    assert_eq!(worst["name"], "swollen", "{p:#}");
    assert_eq!(worst["method"], "estimate");
    let ratio = worst["ratio"].as_f64().unwrap();
    assert!((0.8..0.95).contains(&ratio), "{p:#}");
    let lean = p["details"]["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "lean")
        .unwrap_or_else(|| panic!("lean in {p:#}"));
    assert!(lean["ratio"].as_f64().unwrap() < 0.15, "{p:#}");
    assert!(text(&p["hint"]).contains("pg_repack"), "{p:#}");
    // With pgstattuple the same tables are measured.
    c.batch_execute("CREATE EXTENSION pgstattuple").unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 2, "bloat");
    let worst = &p["details"]["relations"][0];
    assert_eq!(
        (text(&worst["name"]), text(&worst["method"])),
        ("swollen", "pgstattuple"),
        "{p:#}"
    );
    assert!(
        (0.8..0.95).contains(&worst["ratio"].as_f64().unwrap()),
        "{p:#}"
    );
    assert!(
        text(&p["message"]).contains("measured with pgstattuple"),
        "{p:#}"
    );
    // Rewritten, it is lean again.
    c.batch_execute("VACUUM FULL swollen").unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 0, "bloat");
    assert!(p["value"].as_f64().unwrap() < 0.5, "{p:#}");
}

#[test]
fn slow_queries_says_how_to_enable_pg_stat_statements() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let check = ["--check", "slow_queries"];
    let p = probe_of(health(&sb, &db.url(), &check), 3, "slow_queries");
    assert!(text(&p["message"]).contains("not installed"), "{p:#}");
    assert!(
        text(&p["hint"]).contains("shared_preload_libraries"),
        "{p:#}"
    );
    assert!(
        text(&p["hint"]).contains("CREATE EXTENSION pg_stat_statements"),
        "{p:#}"
    );
    // Installed, but the server did not load the library.
    db.client()
        .batch_execute("CREATE EXTENSION pg_stat_statements")
        .unwrap();
    let p = probe_of(health(&sb, &db.url(), &check), 3, "slow_queries");
    assert!(text(&p["message"]).contains("not loaded"), "{p:#}");
}

/// `pg_stat_archiver` of `c`: (failed_count, failing now).
fn archiver(c: &mut postgres::Client) -> (i64, bool) {
    let row = c
        .query_one(
            "SELECT failed_count, last_failed_time IS NOT NULL
               AND (last_archived_time IS NULL OR last_failed_time > last_archived_time)
             FROM pg_stat_archiver",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

/// ALTER SYSTEM SET name = value and reload, waiting until new sessions see it.
fn reconfigure(pg: &DedicatedPg, name: &str, value: &str) {
    let mut admin = pg.client("postgres");
    admin
        .batch_execute(&format!("ALTER SYSTEM SET {name} = '{value}'"))
        .unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    wait_until(30, &format!("{name} = {value}"), || {
        let now: String = pg
            .client("postgres")
            .query_one("SELECT current_setting($1)", &[&name])
            .unwrap()
            .get(0);
        now == value
    });
}

/// Some WAL, and a switch to the next segment: one more segment for the archiver.
fn new_segment(c: &mut postgres::Client) {
    c.batch_execute("INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal();")
        .unwrap();
}

#[test]
fn server_wide_conditions_on_a_cluster_of_its_own() {
    let pg = DedicatedPg::start(&[
        "archive_mode=on",
        "shared_preload_libraries=pg_stat_statements",
    ]);
    pg.client("postgres")
        .batch_execute("CREATE DATABASE ops")
        .unwrap();
    let url = pg.conninfo("ops");
    let sb = Sandbox::new();
    // The schema, for --record's windows.
    sb.taskdb(&["migrate", "up", "--no-backup"]).url(&url).ok();
    let mut c = pg.client("ops");
    c.batch_execute("CREATE TABLE wal_filler (x int)").unwrap();

    // Archiving on, nothing to archive with yet: OK.
    let p = probe_of(health(&sb, &url, &["--check", "archiver"]), 0, "archiver");
    assert_eq!(p["details"]["active"], true, "{p:#}");
    // A failing archive_command: CRITICAL.
    reconfigure(&pg, "archive_command", "false");
    new_segment(&mut c);
    wait_until(60, "an archiving failure", || archiver(&mut c).0 > 0);
    let args = ["--check", "archiver", "--record"];
    let p = probe_of(health(&sb, &url, &args), 2, "archiver");
    assert!(
        text(&p["message"]).starts_with("archiving is failing"),
        "{p:#}"
    );
    assert!(text(&p["hint"]).contains("archive_command"), "{p:#}");
    let recorded = archiver(&mut c).0;
    // More failures, then archiving recovers: failures since the recorded run are a WARNING.
    new_segment(&mut c);
    wait_until(60, "another failure", || archiver(&mut c).0 > recorded);
    reconfigure(&pg, "archive_command", "true");
    new_segment(&mut c);
    wait_until(60, "archiving to work again", || !archiver(&mut c).1);
    let p = probe_of(health(&sb, &url, &args), 1, "archiver");
    assert!(p["value"].as_f64().unwrap() >= 1.0, "{p:#}");
    assert!(
        text(&p["message"]).contains("since the last recorded run"),
        "{p:#}"
    );
    assert_eq!(p["details"]["failing"], false);
    // None since that run: OK; the lifetime failures no longer count.
    let p = probe_of(health(&sb, &url, &["--check", "archiver"]), 0, "archiver");
    assert_eq!(p["value"], 0.0, "{p:#}");

    // Checkpoints: requested ones (here by CHECKPOINT) since the recorded run.
    health(&sb, &url, &["--check", "checkpoints", "--record"]).run();
    let requested = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT checkpoints_req FROM pg_stat_bgwriter", &[])
            .unwrap()
            .get(0)
    };
    let before = requested(&mut c);
    for _ in 0..3 {
        c.batch_execute("CHECKPOINT").unwrap();
    }
    wait_until(60, "three requested checkpoints", || {
        requested(&mut c) >= before + 3
    });
    let p = probe_of(
        health(&sb, &url, &["--check", "checkpoints"]),
        1,
        "checkpoints",
    );
    assert!(p["value"].as_f64().unwrap() >= 0.5, "{p:#}");
    assert!(
        text(&p["details"]["window"]).starts_with("in the last"),
        "{p:#}"
    );
    assert!(text(&p["hint"]).contains("max_wal_size"), "{p:#}");

    // A setting that needs a restart: WARNING, naming it and the value waiting.
    let check = ["--check", "pending_restart"];
    probe_of(health(&sb, &url, &check), 0, "pending_restart");
    reconfigure(&pg, "work_mem", "8MB"); // reloadable: not pending
    let current: String = c.query_one("SHOW shared_buffers", &[]).unwrap().get(0);
    let next = if current == "64MB" { "32MB" } else { "64MB" };
    let mut admin = pg.client("postgres");
    admin
        .batch_execute(&format!("ALTER SYSTEM SET shared_buffers = '{next}'"))
        .unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    wait_until(30, "shared_buffers pending a restart", || {
        pg.client("postgres")
            .query_one(
                "SELECT pending_restart FROM pg_settings WHERE name = 'shared_buffers'",
                &[],
            )
            .unwrap()
            .get(0)
    });
    let p = probe_of(health(&sb, &url, &check), 1, "pending_restart");
    let settings = p["details"]["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 1, "{p:#}");
    assert_eq!(settings[0]["name"], "shared_buffers");
    assert_eq!(settings[0]["current"], current.as_str());
    assert_eq!(settings[0]["after_restart"], next);
    assert!(
        text(&p["message"]).contains(&format!("shared_buffers {current} -> {next}")),
        "{p:#}"
    );
    assert!(text(&p["hint"]).contains("restart"), "{p:#}");

    // pg_stat_statements loaded and installed: the slowest statement on average, never the
    // text of a utility statement (its constants are not replaced).
    c.batch_execute("CREATE EXTENSION pg_stat_statements")
        .unwrap();
    for _ in 0..5 {
        c.batch_execute("SELECT pg_sleep(0.05)").unwrap();
        c.batch_execute("DO $$BEGIN PERFORM pg_sleep(0.08); PERFORM 'sekrit-literal'; END$$")
            .unwrap();
    }
    let args = ["--check", "slow_queries", "--warn", "slow_queries=20ms"];
    let r = health(&sb, &url, &args).expect_exit(1);
    r.lacks("sekrit-literal");
    let p = probe_of(health(&sb, &url, &args), 1, "slow_queries");
    assert!(p["value"].as_f64().unwrap() >= 0.05, "{p:#}");
    assert!(text(&p["message"]).contains("SELECT pg_sleep($1)"), "{p:#}");
    assert!(
        p["details"]["statements"][0]["calls"].as_i64().unwrap() >= 5,
        "{p:#}"
    );
    // Prometheus: the same value, at full precision (no rounding to 6 decimals).
    let r = sb
        .taskdb(&["--format", "prometheus", "health"])
        .args(args)
        .url(&url)
        .expect_exit(1);
    let series = crate::support::metrics::parse_prometheus(&r.stdout);
    assert_eq!(
        series["taskdb_pg_statement_mean_seconds_max{datname=\"ops\"}"],
        p["value"].as_f64().unwrap(),
        "{r}"
    );
}
