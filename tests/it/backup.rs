//! `taskdb backup`: create/list/verify/restore against a real server, and refusal of bad files.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{wait_until, Sandbox, Spawned, TestDb, TestPg};

/// Row count and an md5 over the sorted rows of every user table: equal maps = identical rows.
pub(crate) fn table_checksums(db: &TestDb) -> Vec<(String, i64, String)> {
    let mut c = db.client();
    let tables: Vec<String> = c
        .query(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let row = c
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {t} x"
                    ),
                    &[],
                )
                .unwrap();
            (t, row.get(0), row.get(1))
        })
        .collect()
}

/// A migrated database with rows of our own (independent of the schema's tables).
pub(crate) fn db_with_data() -> TestDb {
    let db = TestPg::get().migrated_db();
    db.client()
        .batch_execute(
            "CREATE TABLE bk_items (id int PRIMARY KEY, label text NOT NULL, payload jsonb);
             INSERT INTO bk_items SELECT g, 'item ' || g, jsonb_build_object('n', g) FROM generate_series(1, 2000) g;
             CREATE TABLE bk_notes (id serial PRIMARY KEY, body text);
             INSERT INTO bk_notes (body) SELECT repeat('x', g % 50) FROM generate_series(1, 300) g;",
        )
        .unwrap();
    db
}

/// `taskdb backup create --reason <reason>` on `db`: its JSON report.
fn create(sb: &Sandbox, db: &TestDb, reason: &str) -> Value {
    sb.taskdb(&["backup", "create", "--reason", reason])
        .db(db)
        .ok_json()
}

pub(crate) fn backup_dir(sb: &Sandbox) -> PathBuf {
    sb.path().join("state/taskdb/backups")
}

#[test]
fn create_writes_a_private_verified_dump_with_a_manifest() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let created = create(&sb, &db, "Before the big change!");
    let path = PathBuf::from(created["path"].as_str().unwrap());
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with(&format!("{}_", db.name)), "{name}");
    assert!(name.ends_with("_before-the-big-change.dump"), "{name}");
    assert!(name.contains("T") && name.contains("Z_v"), "{name}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&backup_dir(&sb)), 0o700);
    let manifest_path = PathBuf::from(created["manifest_path"].as_str().unwrap());
    assert_eq!(mode(&manifest_path), 0o600);
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for key in [
        "sha256",
        "size_bytes",
        "server_version",
        "pg_dump_version",
        "schema_version",
        "reason",
        "actor",
        "duration_ms",
        "created_at",
    ] {
        assert!(!manifest[key].is_null(), "manifest lacks {key}: {manifest}");
    }
    assert_eq!(manifest["actor"], "tester@test");
    assert_eq!(manifest["reason"], "Before the big change!");
    assert_eq!(
        manifest["size_bytes"].as_u64().unwrap(),
        std::fs::metadata(&path).unwrap().len()
    );

    let list = sb.taskdb(&["backup", "list"]).db(&db).ok_json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["sha256"], manifest["sha256"]);

    sb.taskdb(&["backup", "verify"]).arg(&path).ok();
}

#[test]
fn restore_over_the_current_database_gives_back_identical_rows() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let original = table_checksums(&db);
    let created = create(&sb, &db, "before change");
    let path = created["path"].as_str().unwrap().to_string();
    db.client()
        .batch_execute(
            "DELETE FROM bk_items WHERE id % 3 = 0;
             UPDATE bk_items SET label = 'changed' WHERE id < 100;
             INSERT INTO bk_notes (body) VALUES ('new');
             TRUNCATE refinery_schema_history;
             CREATE TABLE made_after_the_backup (x int);",
        )
        .unwrap();
    assert_ne!(table_checksums(&db), original);

    let restored = sb
        .taskdb(&["backup", "restore", &path, "--yes"])
        .db(&db)
        .ok_json();
    // A safety backup of the changed state was taken first.
    let safety = restored["safety_backup"].as_str().unwrap();
    assert!(Path::new(safety).is_file());
    // Exactly the backed-up state: same rows, and what was created afterwards is gone.
    assert_eq!(table_checksums(&db), original);
}

#[test]
fn restore_into_a_new_database_copies_every_row() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let original = table_checksums(&db);
    let created = create(&sb, &db, "copy");
    let path = created["path"].as_str().unwrap().to_string();
    let copy_name = format!("{}_copy", db.name);
    sb.taskdb(&["backup", "restore", &path, "--into", &copy_name])
        .db(&db)
        .ok();
    let copy = TestDb {
        pg: db.pg,
        name: copy_name.clone(),
    };
    assert_eq!(table_checksums(&copy), original);
    // An existing name is refused.
    sb.taskdb(&["backup", "restore", &path, "--into", &copy_name])
        .db(&db)
        .expect_exit(2)
        .stderr_contains("already exists");
    // A name that is not a plain identifier is refused.
    sb.taskdb(&["backup", "restore", &path, "--into", "x\"; DROP DATABASE y"])
        .db(&db)
        .expect_exit(2);
}

#[test]
fn bad_backup_files_are_refused_before_anything_is_touched() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let created = create(&sb, &db, "good");
    let good = PathBuf::from(created["path"].as_str().unwrap());
    let bytes = std::fs::read(&good).unwrap();
    let original = table_checksums(&db);

    let dir = sb.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.dump");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.join("notes.dump");
    std::fs::write(&text, b"this is not a pg_dump archive\n").unwrap();
    // A truncated copy without a manifest: only reading it to the end can tell.
    let truncated = dir.join("truncated.dump");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    // The original, truncated in place: its manifest no longer matches.
    let cut_with_manifest = dir.join("cut.dump");
    std::fs::write(&cut_with_manifest, &bytes[..bytes.len() - 10]).unwrap();
    let mut manifest = good.as_os_str().to_os_string();
    manifest.push(".json");
    std::fs::copy(&manifest, dir.join("cut.dump.json")).unwrap();
    let missing = dir.join("missing.dump");

    for (file, expect) in [
        (&missing, "cannot read"),
        (&empty, "is empty"),
        (&text, "not a pg_dump custom-format archive"),
        (&truncated, "truncated or corrupt"),
        (&cut_with_manifest, "does not match its manifest"),
    ] {
        sb.taskdb(&["backup", "restore", "--yes"])
            .arg(file)
            .db(&db)
            .expect_exit(2)
            .stderr_contains(expect)
            .stderr_line();
        // verify: a missing file is bad input (2); a bad archive fails verification (1).
        let code = if file == &missing { 2 } else { 1 };
        sb.taskdb(&["backup", "verify"]).arg(file).expect_exit(code);
    }
    assert_eq!(table_checksums(&db), original);
    // No safety backup was taken for a refused restore.
    assert_eq!(std::fs::read_dir(backup_dir(&sb)).unwrap().count(), 2);
}

#[test]
fn an_unusable_backup_directory_fails_and_blocks_the_migration() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    // Root ignores permission bits; a path below a regular file cannot be created by anyone.
    let blocker = sb.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let dir = blocker.join("sub");
    sb.taskdb(&["backup", "create"])
        .db(&db)
        .env("TASKDB_BACKUP_DIR", &dir)
        .expect_exit(1)
        .stderr_contains("backup directory")
        .stderr_contains("not usable")
        .stderr_line();

    // migrate up on a database with data needs the backup: nothing is migrated without it.
    db.client()
        .batch_execute("CREATE TABLE precious (x int); INSERT INTO precious VALUES (1);")
        .unwrap();
    sb.taskdb(&["migrate", "up"])
        .db(&db)
        .env("TASKDB_BACKUP_DIR", &dir)
        .expect_exit(1)
        .stderr_contains("nothing was migrated");
    assert!(db.migration_history().is_empty());
}

#[test]
fn a_pg_dump_older_than_the_server_is_refused_naming_the_package() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    // A stand-in for an old client installation: pg_dump/pg_restore that report version 9.6.
    let bin = sb.path().join("oldbin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["pg_dump", "pg_restore", "psql", "initdb"] {
        let p = bin.join(tool);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\nexit 0\n"),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    sb.taskdb(&["backup", "create"])
        .db(&db)
        .env("TASKDB_PG_BINDIR", &bin)
        .expect_exit(1)
        .stderr_contains("postgresql-client-")
        .stderr_contains("9.6.24");
    assert!(!backup_dir(&sb).exists() || std::fs::read_dir(backup_dir(&sb)).unwrap().count() == 0);
}

#[test]
fn a_plain_pg_dump_archive_verifies_and_restores_without_a_manifest() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let file = sb.path().join("plain.dump");
    let out = std::process::Command::new(db.pg.bindir.join("pg_dump"))
        .args(["-Fc", "-d", &db.url(), "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = sb.taskdb(&["backup", "verify"]).arg(&file).ok_json();
    assert!(v["manifest"].is_null());
    assert!(v["toc_entries"].as_u64().unwrap() > 10);
    let copy_name = format!("{}_plain", db.name);
    sb.taskdb(&["backup", "restore", "--into", &copy_name])
        .arg(&file)
        .db(&db)
        .ok();
    let copy = TestDb {
        pg: db.pg,
        name: copy_name,
    };
    assert_eq!(table_checksums(&copy), table_checksums(&db));
}

/// A backup as `backup create` leaves it: a dump (here a stand-in) and its manifest.
fn fake_backup(dir: &Path, database: &str, days_ago: i64) -> PathBuf {
    let created = chrono::Utc::now() - chrono::Duration::days(days_ago);
    let file = format!(
        "{database}_{}_v7_nightly.dump",
        created.format("%Y%m%dT%H%M%SZ")
    );
    std::fs::write(dir.join(&file), vec![0u8; 1024]).unwrap();
    let manifest = serde_json::json!({
        "file": file, "database": database, "created_at": created, "size_bytes": 1024,
        "sha256": "00", "server_version": "15", "pg_dump_version": "15", "schema_version": 7,
        "reason": "nightly", "actor": "cron", "host": "db1", "duration_ms": 10, "format": "custom"
    });
    std::fs::write(dir.join(format!("{file}.json")), manifest.to_string()).unwrap();
    dir.join(file)
}

pub(crate) fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn prune_deletes_old_backups_but_never_the_newest_of_a_database() {
    let sb = Sandbox::new();
    let dir = backup_dir(&sb);
    std::fs::create_dir_all(&dir).unwrap();
    let a30 = fake_backup(&dir, "app", 30);
    let a20 = fake_backup(&dir, "app", 20);
    let a10 = fake_backup(&dir, "app", 10);
    let a1 = fake_backup(&dir, "app", 1);
    let b40 = fake_backup(&dir, "other", 40);
    std::fs::write(dir.join("notes.dump"), "not ours").unwrap();
    // The directory holding just these backups (dump + manifest each) and the stranger.
    let only = |kept: &[&PathBuf]| {
        let mut v = vec!["notes.dump".to_string()];
        for p in kept {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            v.push(format!("{name}.json"));
            v.push(name);
        }
        v.sort();
        v
    };
    let prune = |args: &[&str]| sb.taskdb(&["backup", "prune"]).args(args);

    // Bad input changes nothing (exit 2).
    for bad in [
        &[][..],
        &["--keep", "0"],
        &["--older-than", "soon"],
        &["--keep", "-1"],
    ] {
        prune(bad).expect_exit(2);
    }
    let before = files_in(&dir);
    assert_eq!(before.len(), 11);

    // A dry run names what would go and deletes nothing.
    let r = prune(&["--older-than", "14d", "--dry-run", "--format", "json"]).ok();
    let listed = r.json();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec![a30.to_str().unwrap(), a20.to_str().unwrap()]);
    r.stderr_contains("would delete 2 backup(s)");
    assert_eq!(files_in(&dir), before);

    // Older than 14 days: app's two oldest go; other's only backup stays although it is older.
    prune(&["--older-than", "14d"]).ok();
    assert_eq!(files_in(&dir), only(&[&a10, &a1, &b40]));

    // Keep the newest one of each database; again: nothing left to do.
    prune(&["--keep", "1"]).ok();
    assert_eq!(files_in(&dir), only(&[&a1, &b40]));
    prune(&["--keep", "1"])
        .ok()
        .stderr_contains("deleted 0 backup(s)");
    assert_eq!(files_in(&dir).len(), 5);
}

/// Live (not zombie) processes whose command line mentions `marker`.
pub(crate) fn processes_mentioning(marker: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .map(|s| {
                s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(true);
        if !zombie && String::from_utf8_lossy(&cmdline).contains(marker) {
            pids.push(pid);
        }
    }
    pids
}

/// Sessions of taskdb and its pg_dump (application_name `taskdb backup`) running a statement.
pub(crate) fn active_pg_dump_sessions(db: &TestDb) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
             AND application_name LIKE 'taskdb%' AND state = 'active'",
            &[&db.name],
        )
        .unwrap()
        .get(0)
}

/// Start `backup create` (with `extra` arguments) while a lock keeps pg_dump waiting; return
/// the child once pg_dump is waiting on the lock (the transaction holding it is `locker`).
pub(crate) fn backup_blocked_by_a_lock(sb: &Sandbox, db: &TestDb, extra: &[&str]) -> Spawned {
    let mut child = sb
        .taskdb(&["backup", "create", "--reason", "interrupted"])
        .args(extra)
        .db(db)
        .spawn();
    wait_until(60, "pg_dump to wait on the lock", || {
        if let Some(status) = child.child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("backup create ended early ({status}): {err}");
        }
        db.client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
                 AND application_name LIKE 'taskdb%' AND wait_event_type = 'Lock'",
                &[&db.name],
            )
            .unwrap()
            .get::<_, i64>(0)
            > 0
    });
    child
}

pub(crate) fn taskdb_files(dir: &Path) -> Vec<String> {
    files_in(dir)
        .into_iter()
        .filter(|f| f.contains("_interrupted"))
        .collect()
}

#[test]
fn sigterm_during_backup_create_stops_pg_dump_and_leaves_no_dump() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let dir = backup_dir(&sb);
    let marker = dir.to_string_lossy().to_string();
    let mut locker = db.client();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE bk_items IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let child = backup_blocked_by_a_lock(&sb, &db, &[]);
    assert!(!processes_mentioning(&marker).is_empty(), "pg_dump runs");
    child.signal(libc::SIGTERM);
    child.wait(60).expect_exit(143).stderr_line();
    wait_until(30, "pg_dump to exit", || {
        processes_mentioning(&marker).is_empty()
    });
    // pg_dump cancelled its statement, although the lock is still held.
    wait_until(30, "pg_dump's statement to stop", || {
        active_pg_dump_sessions(&db) == 0
    });
    tx.rollback().unwrap();
    assert_eq!(taskdb_files(&dir), Vec::<String>::new());
}

#[test]
fn a_killed_backup_create_leaves_only_an_incomplete_file_that_prune_removes() {
    let db = db_with_data();
    let sb = Sandbox::new();
    let dir = backup_dir(&sb);
    let marker = dir.to_string_lossy().to_string();
    let mut locker = db.client();
    let mut tx = locker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE bk_items IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut child = backup_blocked_by_a_lock(&sb, &db, &[]);
    // While it runs, the partial file is work in progress: neither listed nor pruned.
    assert_eq!(
        sb.taskdb(&["backup", "prune", "--keep", "1"])
            .db(&db)
            .ok_json(),
        serde_json::json!([])
    );
    assert_eq!(taskdb_files(&dir).len(), 1, "{:?}", files_in(&dir));
    child.child.kill().unwrap();
    child.child.wait().unwrap();
    // pg_dump died with taskdb and cancelled its statement.
    wait_until(30, "pg_dump to exit", || {
        processes_mentioning(&marker).is_empty()
    });
    wait_until(30, "pg_dump's statement to stop", || {
        active_pg_dump_sessions(&db) == 0
    });
    tx.rollback().unwrap();
    let left = taskdb_files(&dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].ends_with(".dump.partial"),
        "no final-named dump: {left:?}"
    );
    // As if it had been killed between writing the manifest and the rename: the manifest
    // belongs to the incomplete backup (one row, and prune removes both).
    let final_name = left[0].trim_end_matches(".partial").to_string();
    let manifest = serde_json::json!({
        "file": final_name, "database": db.name, "created_at": chrono::Utc::now(), "size_bytes": 1,
        "sha256": "00", "server_version": "15", "pg_dump_version": "15", "schema_version": 1,
        "reason": "interrupted", "actor": "x", "host": "h", "duration_ms": 1, "format": "custom"
    });
    std::fs::write(dir.join(format!("{final_name}.json")), manifest.to_string()).unwrap();
    let left = taskdb_files(&dir);

    let r = sb.taskdb(&["backup", "list"]).db(&db).format_json().ok();
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["status"], "incomplete");
    assert_eq!(list[0]["reason"], "interrupted");
    r.stderr_contains("1 incomplete backup(s)");
    sb.taskdb(&["backup", "list"])
        .db(&db)
        .run()
        .stdout_contains("incomplete (");

    // A stranger with a similar name is never touched.
    std::fs::write(dir.join("mine.dump.partial"), "not ours").unwrap();
    sb.taskdb(&["backup", "prune", "--keep", "1", "--dry-run"])
        .ok()
        .stderr_contains("would delete 0 backup(s) and 1 incomplete one(s)");
    assert_eq!(taskdb_files(&dir), left, "dry run deletes nothing");
    sb.taskdb(&["backup", "prune", "--keep", "1"]).ok();
    assert_eq!(taskdb_files(&dir), Vec::<String>::new());
    assert_eq!(files_in(&dir), vec!["mine.dump.partial".to_string()]);
}
