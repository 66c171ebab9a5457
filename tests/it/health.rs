//! `taskdb health` against real servers: each condition is provoked, not simulated.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::metrics::parse_prometheus;
use crate::support::{DedicatedPg, Ran, Sandbox, Taskdb, TestPg};

/// Probes that need no taskdb schema.
const SCHEMALESS: &str = "connect,server,connections,hit_ratio,longest_transaction,idle_in_transaction,blocked,wraparound,database_size,dead_tuples,replication";

/// `taskdb health <args>` against `url` (a hang fails after a minute).
fn health(sb: &Sandbox, url: &str, args: &[&str]) -> Taskdb {
    sb.taskdb(&["health"])
        .url(url)
        .args(args)
        .timeout(Duration::from_secs(60))
}

pub(crate) fn probe<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no probe {name} in {doc:#}"))
}

#[test]
fn quiet_database_is_ok_in_every_format() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    // Other tests share this server and may hold transactions or locks for a while: the
    // cluster-wide probes get thresholds no test reaches (and a loaded machine may connect slowly).
    let quiet = [
        "--check",
        SCHEMALESS,
        "--warn",
        "connect_time=off",
        "--crit",
        "connect_time=off",
        "--warn",
        "longest_transaction=1h",
        "--crit",
        "longest_transaction=2h",
        "--warn",
        "idle_in_transaction=1h",
        "--crit",
        "idle_in_transaction=2h",
        "--warn",
        "blocked=1h",
        "--crit",
        "blocked=2h",
    ];
    let doc = health(&sb, &db.url(), &quiet)
        .format_json()
        .expect_exit(0)
        .json();
    assert_eq!(doc["status"], "healthy");
    assert_eq!(doc["state"], "OK");
    assert_eq!(doc["database"]["connected"], true);
    assert!(doc["database"]["response_time"].as_f64().unwrap() > 0.0);
    assert_eq!(doc["probes"].as_array().unwrap().len(), 11);
    let conns = probe(&doc, "connections");
    let (max, reserved): (i64, i64) = {
        let row = db
            .client()
            .query_one(
                "SELECT current_setting('max_connections')::int8, current_setting('superuser_reserved_connections')::int8",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(conns["details"]["max_connections"], max);
    assert_eq!(
        conns["details"]["usable"],
        max - reserved,
        "max_connections - superuser_reserved_connections"
    );
    assert_eq!(probe(&doc, "database_size")["unit"], "bytes");
    // Wraparound age agrees with the catalog.
    let age: i64 = db
        .client()
        .query_one(
            "SELECT max(age(datfrozenxid))::int8 FROM pg_database WHERE datallowconn",
            &[],
        )
        .unwrap()
        .get(0);
    let reported = probe(&doc, "wraparound")["value"].as_f64().unwrap() as i64;
    assert!((reported - age).abs() < 1000, "{reported} vs {age}");

    let mut args = vec!["--format", "nagios"];
    args.extend_from_slice(&quiet);
    let r = health(&sb, &db.url(), &args).ok();
    assert!(
        r.stdout.starts_with("POSTGRES_TASKDB OK: 11 probes OK"),
        "{r}"
    );
    assert_eq!(r.stdout.lines().count(), 1);
    let perf = r.stdout.split_once(" | ").unwrap().1;
    assert!(
        perf.contains(" connections=") && perf.contains(";0.8;0.95;0;1"),
        "{perf}"
    );

    let mut args = vec!["--format", "prometheus"];
    args.extend_from_slice(&quiet);
    let r = health(&sb, &db.url(), &args).ok();
    let series = parse_prometheus(&r.stdout);
    assert_eq!(series["taskdb_health_state"], 0.0);
    assert_eq!(series["taskdb_pg_up"], 1.0);
    assert_eq!(series["taskdb_pg_max_connections"], max as f64);
    assert!(series["taskdb_health_last_success_timestamp_seconds"] > 1.7e9);
    assert_eq!(series["taskdb_probe_up{probe=\"wraparound\"}"], 1.0);

    health(&sb, &db.url(), &quiet)
        .ok()
        .stdout_contains("overall: OK");
}

#[test]
fn idle_and_long_transactions_warn_then_go_critical() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    let pid: i32 = tx.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    std::thread::sleep(Duration::from_millis(1200));
    let sb = Sandbox::new();
    let check = ["--check", "idle_in_transaction,longest_transaction"];
    let mut args = check.to_vec();
    args.extend([
        "--warn",
        "idle_in_transaction=500ms",
        "--warn",
        "longest_transaction=500ms",
    ]);
    let doc = health(&sb, &db.url(), &args)
        .format_json()
        .expect_exit(1)
        .json();
    let idle = probe(&doc, "idle_in_transaction");
    assert_eq!(idle["state"], "WARNING");
    assert!(idle["value"].as_f64().unwrap() >= 1.0);
    let pids: Vec<i64> = idle["details"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pid"].as_i64().unwrap())
        .collect();
    assert!(pids.contains(&i64::from(pid)), "{idle:#}");
    assert_eq!(probe(&doc, "longest_transaction")["state"], "WARNING");

    args.extend(["--crit", "idle_in_transaction=1s"]);
    let doc = health(&sb, &db.url(), &args)
        .format_json()
        .expect_exit(2)
        .json();
    assert_eq!(doc["status"], "unhealthy");
    assert_eq!(probe(&doc, "idle_in_transaction")["state"], "CRITICAL");
    assert!(probe(&doc, "idle_in_transaction")["hint"].is_string());

    tx.rollback().unwrap();
    let r = health(
        &sb,
        &db.url(),
        &[
            "--check",
            "idle_in_transaction",
            "--warn",
            "idle_in_transaction=500ms",
        ],
    )
    .format_json()
    .run();
    let doc = r.json();
    let still: Vec<i64> = probe(&doc, "idle_in_transaction")["details"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pid"].as_i64().unwrap())
        .collect();
    assert!(
        !still.contains(&i64::from(pid)),
        "ended transaction still reported"
    );
    // Other tests share this server; only when nobody else idles is this OK.
    if still.is_empty() {
        assert_eq!(r.code, 0, "{doc:#}");
    }
}

#[test]
fn blocked_session_names_who_blocks_whom() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    db.client()
        .batch_execute("CREATE TABLE locked (x int)")
        .unwrap();
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    let holder_pid: i32 = tx.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
    tx.batch_execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let url = db.url();
    let waiter = std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);
        let res = c.simple_query("SELECT count(*) FROM locked");
        (pid, res.is_ok())
    });
    // Wait until the waiter really waits.
    let mut watcher = db.client();
    for _ in 0..100 {
        let n: i64 = watcher
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()", &[])
            .unwrap()
            .get(0);
        if n > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(600));
    let sb = Sandbox::new();
    let r = health(
        &sb,
        &db.url(),
        &[
            "--check",
            "blocked",
            "--warn",
            "blocked=200ms",
            "--crit",
            "blocked=1h",
        ],
    )
    .format_json()
    .run();
    let doc = r.json();
    let b = probe(&doc, "blocked");
    assert!(r.code >= 1, "{doc:#}");
    assert_eq!(b["state"], "WARNING", "{b:#}");
    let sessions = b["details"]["sessions"].as_array().unwrap();
    let ours = sessions
        .iter()
        .find(|s| {
            s["blocked_by"]
                .as_array()
                .unwrap()
                .contains(&Value::from(holder_pid))
        })
        .unwrap_or_else(|| panic!("holder {holder_pid} not named: {b:#}"));
    assert!(ours["waiting_seconds"].as_f64().unwrap() >= 0.2);
    assert!(
        b["message"].as_str().unwrap().contains("blocked session"),
        "{b:#}"
    );
    // The probe itself must not wait on the lock: it returned while the lock is held.
    tx.rollback().unwrap();
    let (waiter_pid, ok) = waiter.join().unwrap();
    assert!(ok);
    assert_eq!(ours["pid"].as_i64().unwrap(), i64::from(waiter_pid));
}

#[test]
fn role_without_pg_monitor_gets_unknown_with_a_hint() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let role = format!("nomon_{}", db.name);
    let mut admin = db.client();
    admin
        .batch_execute(&format!("CREATE ROLE {role} LOGIN"))
        .unwrap();
    let url = format!("{} user={role}", db.url());
    let sb = Sandbox::new();
    let doc = health(
        &sb,
        &url,
        &[
            "--check",
            "connections,idle_in_transaction,blocked,longest_transaction,replication,wraparound",
        ],
    )
    .format_json()
    .expect_exit(3)
    .json();
    for name in [
        "idle_in_transaction",
        "blocked",
        "longest_transaction",
        "replication",
    ] {
        let p = probe(&doc, name);
        assert_eq!(p["state"], "UNKNOWN", "{p:#}");
        assert_eq!(p["hint"], format!("GRANT pg_monitor TO {role};"));
    }
    assert_eq!(probe(&doc, "wraparound")["state"], "OK");
    // With the grant the same probes run.
    admin
        .batch_execute(&format!("GRANT pg_monitor TO {role}"))
        .unwrap();
    let doc = health(&sb, &url, &["--check", "idle_in_transaction,blocked"])
        .format_json()
        .run()
        .json();
    assert_ne!(probe(&doc, "blocked")["state"], "UNKNOWN");
    drop(doc);
    admin
        .batch_execute(&format!("REVOKE pg_monitor FROM {role}"))
        .unwrap();
    drop(admin);
    let name = db.name.clone();
    drop(db);
    pg.client("postgres")
        .batch_execute(&format!("DROP ROLE IF EXISTS nomon_{name}"))
        .unwrap();
}

#[test]
fn full_connections_on_a_small_cluster_warn_then_go_critical() {
    let pg = DedicatedPg::start(&["max_connections=8", "superuser_reserved_connections=3"]);
    let sb = Sandbox::new();
    let url = pg.conninfo("postgres");
    let args = ["--check", "connections"];
    let doc = health(&sb, &url, &args).format_json().expect_exit(0).json();
    assert_eq!(probe(&doc, "connections")["details"]["usable"], 5);
    let mut held: Vec<postgres::Client> = (0..4).map(|_| pg.client("postgres")).collect();
    let r = health(&sb, &url, &args).format_json().run();
    let doc = r.json();
    let c = probe(&doc, "connections");
    assert_eq!(c["value"].as_f64().unwrap(), 0.8, "{c:#}");
    assert_eq!((r.code, c["state"].as_str().unwrap()), (1, "WARNING"));
    held.push(pg.client("postgres"));
    let doc = health(&sb, &url, &args).format_json().expect_exit(2).json();
    assert!(probe(&doc, "connections")["message"]
        .as_str()
        .unwrap()
        .starts_with("5 of 5 usable connections"));
    drop(held);
}

/// SIGCONT on drop, so a failing assertion never leaves the server frozen.
struct Frozen(Vec<i32>);
impl Drop for Frozen {
    fn drop(&mut self) {
        for pid in &self.0 {
            unsafe { libc::kill(*pid, libc::SIGCONT) };
        }
    }
}

#[test]
fn paused_server_returns_within_the_timeout() {
    let pg = DedicatedPg::start(&[]);
    let url = pg.conninfo("postgres");
    let sb = Sandbox::new();
    let frozen = Frozen(pg.server_pids());
    for pid in &frozen.0 {
        assert_eq!(unsafe { libc::kill(*pid, libc::SIGSTOP) }, 0);
    }
    let doc = health(&sb, &url, &["--timeout", "2s"])
        .format_json()
        .expect_exit(2)
        .json();
    assert_eq!(doc["database"]["connected"], false);
    let c = probe(&doc, "connect");
    assert_eq!(c["state"], "CRITICAL");
    assert!(c["message"].as_str().unwrap().contains("timeout"), "{c:#}");
    assert_eq!(probe(&doc, "wraparound")["state"], "UNKNOWN");
    drop(frozen);
    // The server works again after SIGCONT.
    health(&sb, &url, &["--check", "connect"])
        .format_json()
        .ok()
        .json();
}

#[test]
fn unreachable_database_is_critical() {
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "host={} port=5432 user=postgres dbname=postgres",
        dir.path().display()
    );
    let r = health(
        &sb,
        &url,
        &["--format", "nagios", "--check", "connect,wraparound"],
    )
    .expect_exit(2);
    assert!(
        r.stdout
            .starts_with("POSTGRES_TASKDB CRITICAL: connect CRITICAL: "),
        "{r}"
    );
}

#[test]
fn replication_seen_from_primary_and_standby() {
    let primary = DedicatedPg::start(&["wal_level=replica", "max_wal_senders=5"]);
    let standby = DedicatedPg::standby_of(&primary, "standby1");
    let sb = Sandbox::new();
    let purl = primary.conninfo("postgres");
    let surl = standby.conninfo("postgres");
    // Wait for the standby to stream.
    let mut p = primary.client("postgres");
    for _ in 0..200 {
        let n: i64 = p
            .query_one(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                &[],
            )
            .unwrap()
            .get(0);
        if n == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    p.batch_execute("CREATE TABLE r AS SELECT generate_series(1, 1000) AS x")
        .unwrap();
    let doc = health(
        &sb,
        &purl,
        &["--check", "replication", "--crit", "standbys=1"],
    )
    .format_json()
    .expect_exit(0)
    .json();
    let r = probe(&doc, "replication");
    assert_eq!(r["details"]["role"], "primary");
    let standbys = r["details"]["standbys"].as_array().unwrap();
    assert_eq!(standbys.len(), 1, "{r:#}");
    assert_eq!(standbys[0]["state"], "streaming");
    assert_eq!(standbys[0]["slot_name"], "standby1");
    assert_eq!(r["details"]["slots"][0]["active"], true);

    let doc = health(&sb, &surl, &["--check", "server,replication"])
        .format_json()
        .expect_exit(0)
        .json();
    let r = probe(&doc, "replication");
    assert_eq!(r["details"]["role"], "standby");
    assert_eq!(r["details"]["wal_receiver"], "streaming");
    assert!(r["details"]["lag_bytes"].as_f64().unwrap() >= 0.0);
    assert!(r["details"]["lag_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(probe(&doc, "server")["details"]["in_recovery"], true);
    // A standby whose primary stays idle reports no lag: the LSN guard, not now() - last replay.
    std::thread::sleep(Duration::from_millis(1500));
    // Alerting from a standby (read-only, even with the alert table replicated from the
    // primary) uses the state file and still works.
    p.batch_execute(include_str!("../../migrations/V7__health_alert_state.sql"))
        .unwrap();
    for _ in 0..100 {
        let mut s = standby.client("postgres");
        let there: bool = s
            .query_one("SELECT to_regclass('health_alert_state') IS NOT NULL", &[])
            .unwrap()
            .get(0);
        if there {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let (hook, got) = listener(200);
    let r = health(
        &sb,
        &surl,
        &[
            "--check",
            "server",
            "--crit",
            "uptime=100d",
            "--alert-webhook",
            &hook,
        ],
    )
    .expect_exit(2);
    assert_eq!(got.lock().unwrap().len(), 1, "{r}");
    let doc = health(&sb, &surl, &["--check", "replication"])
        .format_json()
        .run()
        .json();
    assert_eq!(
        probe(&doc, "replication")["value"].as_f64().unwrap(),
        0.0,
        "{doc:#}"
    );

    // The standby goes away: its slot turns inactive (CRITICAL) and it is missing (standbys=1).
    standby.stop();
    for _ in 0..100 {
        let n: i64 = p
            .query_one(
                "SELECT count(*) FROM pg_replication_slots WHERE active",
                &[],
            )
            .unwrap()
            .get(0);
        if n == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let doc = health(
        &sb,
        &purl,
        &["--check", "replication", "--crit", "standbys=1"],
    )
    .format_json()
    .expect_exit(2)
    .json();
    let msg = probe(&doc, "replication")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("slot standby1 is inactive"), "{msg}");
    assert!(msg.contains("only 0 standby(s) streaming"), "{msg}");
}

#[test]
fn textfile_is_replaced_atomically_and_keeps_the_last_success() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taskdb.prom");
    let p = path.to_str().unwrap();
    let r = health(
        &sb,
        &db.url(),
        &[
            "--check",
            "connect,wraparound",
            "--textfile",
            p,
            "--format",
            "nagios",
        ],
    )
    .ok();
    assert!(
        r.stdout.starts_with("POSTGRES_TASKDB OK"),
        "stdout keeps the chosen format"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let series = parse_prometheus(&text);
    let success = series["taskdb_health_last_success_timestamp_seconds"];
    assert_eq!(series["taskdb_pg_up"], 1.0);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["taskdb.prom".to_string()],
        "no temp file left behind"
    );
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(&path).unwrap().ino();

    // Database gone: the file is rewritten (rename: a new inode), pg_up 0, last success kept.
    let gone = tempfile::tempdir().unwrap();
    let bad = format!(
        "host={} user=postgres dbname=postgres",
        gone.path().display()
    );
    health(&sb, &bad, &["--check", "connect", "--textfile", p]).expect_exit(2);
    let text = std::fs::read_to_string(&path).unwrap();
    let series = parse_prometheus(&text);
    assert_eq!(series["taskdb_pg_up"], 0.0);
    assert_eq!(series["taskdb_health_state"], 2.0);
    assert_eq!(
        series["taskdb_health_last_success_timestamp_seconds"],
        success
    );
    assert_ne!(std::fs::metadata(&path).unwrap().ino(), inode);
}

#[test]
fn the_textfile_never_follows_a_planted_symlink() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taskdb.prom");
    // Someone who can write to the directory plants symlinks at every name the old predictable
    // temp file (".taskdb.prom.tmp.<pid>") could take next, pointing at a file of theirs.
    let victim = sb.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let next_pid = std::process::Command::new("true").spawn().unwrap().id();
    for pid in next_pid..next_pid + 3000 {
        std::os::unix::fs::symlink(&victim, dir.path().join(format!(".taskdb.prom.tmp.{pid}")))
            .unwrap();
    }
    sb.taskdb(&[
        "health",
        "--check",
        "connect",
        "--textfile",
        path.to_str().unwrap(),
    ])
    .url(db.url())
    .ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let written = std::fs::symlink_metadata(&path).unwrap();
    assert!(written.file_type().is_file(), "a regular file, not a link");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(written.permissions().mode() & 0o777, 0o644);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .contains("taskdb_pg_up 1\n"));
    // Nothing of ours left behind: only the target and the planted links.
    let ours: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with(".taskdb.prom.tmp."))
        .collect();
    assert_eq!(ours, vec!["taskdb.prom".to_string()]);
}

/// A tiny HTTP server recording request bodies; answers `status`.
fn listener(status: u16) -> (String, Arc<Mutex<Vec<Value>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook/secret-token", l.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body_start;
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    body_start = i + 4;
                    break;
                }
            }
            let head = String::from_utf8_lossy(&buf[..body_start]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            while buf.len() < body_start + len {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body: Value =
                serde_json::from_slice(&buf[body_start..body_start + len]).unwrap_or(Value::Null);
            sink.lock().unwrap().push(body);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, got)
}

fn alert_cycle(sb: &Sandbox, url: &str) {
    let (hook, got) = listener(200);
    let count = || got.lock().unwrap().len();
    let base = ["--check", "database_size", "--alert-webhook", hook.as_str()];
    let warn = ["--warn", "database_size=1"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        let r = health(sb, url, &a).run();
        assert!(
            !r.stderr.contains("secret-token"),
            "webhook URL leaked: {r}"
        );
        r.code
    };
    assert_eq!(with(&[]), 0);
    assert_eq!(count(), 0, "OK on a first run is not news");
    assert_eq!(with(&warn), 1);
    assert_eq!(count(), 1);
    {
        let g = got.lock().unwrap();
        assert_eq!(g[0]["state"], "WARNING");
        assert_eq!(g[0]["previous_state"], "OK");
        assert_eq!(g[0]["problems"][0]["probe"], "database_size");
        assert!(g[0]["text"].as_str().unwrap().contains("WARNING"));
    }
    assert_eq!(with(&warn), 1);
    assert_eq!(
        count(),
        1,
        "same state within the cooldown: no second alert"
    );
    assert_eq!(with(&[]), 0);
    assert_eq!(count(), 2, "recovery is announced");
    assert_eq!(got.lock().unwrap()[1]["state"], "OK");
    assert_eq!(with(&warn), 1);
    assert_eq!(count(), 2, "WARNING again within its cooldown: suppressed");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        with(&["--warn", "database_size=1", "--alert-cooldown", "200ms"]),
        1
    );
    assert_eq!(count(), 3, "after the cooldown a reminder goes out");
    assert_eq!(got.lock().unwrap()[2]["reminder"], true);
}

#[test]
fn webhook_alerts_on_changes_with_a_cooldown() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    // No health_alert_state table in a bare database: the state file stands in.
    alert_cycle(&Sandbox::new(), &db.url());
}

#[test]
fn failing_webhook_never_changes_the_exit_code() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let (hook, got) = listener(500);
    health(
        &sb,
        &db.url(),
        &[
            "--check",
            "database_size",
            "--warn",
            "database_size=1",
            "--alert-webhook",
            &hook,
        ],
    )
    .expect_exit(1)
    .stderr_contains("alert not delivered: webhook answered HTTP 500");
    assert_eq!(got.lock().unwrap().len(), 1);
    // Not delivered, so the next run tries again.
    health(
        &sb,
        &db.url(),
        &[
            "--check",
            "database_size",
            "--warn",
            "database_size=1",
            "--alert-webhook",
            &hook,
        ],
    )
    .expect_exit(1);
    assert_eq!(got.lock().unwrap().len(), 2);
    // Nobody listening at all.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    health(
        &sb,
        &db.url(),
        &[
            "--check",
            "database_size",
            "--alert-webhook",
            &format!("http://{closed}/x"),
            "--warn",
            "database_size=1",
        ],
    )
    .expect_exit(1)
    .stderr_contains("alert not delivered");
}

#[test]
fn bad_input_exits_unknown_and_writes_nothing() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("taskdb.prom");
    let missing = dir.path().join("missing").join("taskdb.prom");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--check", "nosuch"],
            "--check \"nosuch\": no such probe",
        ),
        (vec!["--warn", "connections=abc"], "not a ratio"),
        (vec!["--warn", "connections"], "expected NAME=VALUE"),
        (vec!["--warn", "nosuch=1"], "unknown threshold"),
        (
            vec!["--warn", "connections=90%", "--crit", "connections=50%"],
            "crit 50.0% is below warn 90.0%",
        ),
        (vec!["--crit", "hit_ratio=99%"], "is above warn"),
        (vec!["--timeout", "soon"], "not a duration"),
        (vec!["--timeout=-5s"], "negative"),
        (vec!["--alert-webhook", "ftp://x"], "http:// or https://"),
        (vec!["--textfile", missing.to_str().unwrap()], "missing"),
        (
            vec!["--textfile", under_file.to_str().unwrap()],
            "is not a directory",
        ),
        (vec!["--format", "csv"], "not supported by health"),
    ];
    for (args, expect) in cases {
        let mut all = args.clone();
        all.push("--record");
        health(&sb, &db.url(), &all).refused(3, expect);
    }
    assert!(!missing.parent().unwrap().exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
    // clap's own errors (an unknown flag, a missing value) are health usage errors too.
    health(&sb, &db.url(), &["--no-such-flag"]).expect_exit(3);
    health(&sb, &db.url(), &["--check"]).expect_exit(3);
}

#[test]
fn schema_workflows_and_metrics_probes_on_the_taskdb_schema() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let check = ["--check", "schema,stuck_workflows,metrics_freshness"];
    let doc = health(&sb, &db.url(), &check)
        .format_json()
        .expect_exit(0)
        .json();
    assert!(probe(&doc, "schema")["message"]
        .as_str()
        .unwrap()
        .contains("up to date"));
    assert_eq!(
        probe(&doc, "metrics_freshness")["message"],
        "no metrics recorded yet"
    );

    let mut c = db.client();
    c.batch_execute(
        "SELECT update_workflow_status((create_workflow(NULL, 'standard', NULL, 5)).id, 'running');
         UPDATE workflows SET started_at = now() - interval '2 hours';
         SELECT record_metric('app_heartbeat', 1, 'app', p_recorded_at => now() - interval '2 hours');",
    )
    .unwrap();
    let doc = health(&sb, &db.url(), &check)
        .format_json()
        .expect_exit(2)
        .json();
    assert_eq!(probe(&doc, "stuck_workflows")["state"], "WARNING");
    assert_eq!(probe(&doc, "stuck_workflows")["value"], 1.0);
    let fresh = probe(&doc, "metrics_freshness");
    assert_eq!(fresh["state"], "CRITICAL", "two hours old > 1h");
    assert!(fresh["value"].as_f64().unwrap() >= 7200.0);

    // A migration file that changed after it was applied: divergent, CRITICAL.
    c.batch_execute("UPDATE refinery_schema_history SET checksum = '1' WHERE version = 1")
        .unwrap();
    let doc = health(&sb, &db.url(), &["--check", "schema"])
        .format_json()
        .run()
        .json();
    assert_eq!(probe(&doc, "schema")["state"], "CRITICAL", "{doc:#}");
    assert!(probe(&doc, "schema")["message"]
        .as_str()
        .unwrap()
        .contains("divergent"));
    // Not yet applied: pending, WARNING.
    // Nothing applied: all pending, WARNING.
    let fresh_db = pg.fresh_db();
    let doc = health(&sb, &fresh_db.url(), &["--check", "schema"])
        .format_json()
        .expect_exit(1)
        .json();
    assert!(probe(&doc, "schema")["message"]
        .as_str()
        .unwrap()
        .contains("pending"));
    assert_eq!(
        probe(&doc, "schema")["hint"],
        "apply them: taskdb migrate up"
    );
}

#[test]
fn record_stores_every_value_in_one_go() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let r = health(
        &sb,
        &db.url(),
        &[
            "--check",
            SCHEMALESS,
            "--record",
            "--format",
            "prometheus",
            "--warn",
            "connect_time=off",
            "--crit",
            "connect_time=off",
        ],
    )
    .run();
    // (The state depends on other tests' sessions too; what matters here is the recording.)
    assert!(r.code <= 2, "{r}");
    let series = parse_prometheus(&r.stdout);
    let mut c = db.client();
    let rows = c
        .query("SELECT metric_name, metric_value, tags, metric_type FROM system_metrics WHERE component = 'health'", &[])
        .unwrap();
    let probe_samples = series
        .keys()
        .filter(|k| k.starts_with("taskdb_pg_"))
        .count();
    // Every probe sample, plus one probe_state.<probe> row per probe.
    assert_eq!(rows.len(), probe_samples + 11, "{series:?}");
    let find = |name: &str| rows.iter().find(|r| r.get::<_, String>(0) == name).unwrap();
    let max: i64 = c
        .query_one("SELECT current_setting('max_connections')::int8", &[])
        .unwrap()
        .get(0);
    assert_eq!(find("pg_max_connections").get::<_, f64>(1), max as f64);
    assert_eq!(find("pg_blocks_hit_total").get::<_, String>(3), "counter");
    assert_eq!(
        find("probe_state.connections").get::<_, Value>(2)["state"],
        "OK"
    );
    // One statement: every row has the same recorded_at (now() of one transaction).
    let distinct: i64 = c
        .query_one(
            "SELECT count(DISTINCT recorded_at) FROM system_metrics WHERE component = 'health'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(distinct, 1);
    // The freshness probe sees the recording.
    let doc = health(&sb, &db.url(), &["--check", "metrics_freshness"])
        .format_json()
        .ok()
        .json();
    assert!(probe(&doc, "metrics_freshness")["value"].as_f64().unwrap() < 600.0);
    // With counters recorded, the hit ratio is judged over the window since then.
    c.batch_execute("CREATE TABLE scanme AS SELECT g AS x FROM generate_series(1, 100000) g")
        .unwrap();
    for _ in 0..4 {
        c.query_one("SELECT sum(x) FROM scanme", &[]).unwrap();
    }
    std::thread::sleep(Duration::from_millis(1200)); // backends flush their stats at most every second
    let doc = health(&sb, &db.url(), &["--check", "hit_ratio"])
        .format_json()
        .run()
        .json();
    let h = probe(&doc, "hit_ratio");
    assert!(
        h["details"]["window"]
            .as_str()
            .unwrap()
            .starts_with("since the last recorded run"),
        "{h:#}"
    );
    let v = h["value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&v));
    c.batch_execute("DROP TABLE scanme").unwrap();
    // And the xid burn rate since the recorded run gives a time to wraparound.
    for _ in 0..20 {
        c.query_one("SELECT txid_current()", &[]).unwrap();
    }
    let doc = health(&sb, &db.url(), &["--check", "wraparound"])
        .format_json()
        .run()
        .json();
    let w = probe(&doc, "wraparound");
    assert!(
        w["details"]["xids_per_second"].as_f64().unwrap() > 0.0,
        "{w:#}"
    );
    assert!(
        w["details"]["seconds_to_wraparound"].as_f64().unwrap() > 0.0,
        "{w:#}"
    );
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .contains("to wraparound at this pace"),
        "{w:#}"
    );
    // Bad input with --record records nothing.
    health(&sb, &db.url(), &["--record", "--warn", "connections=abc"]).expect_exit(3);
    let after: i64 = c
        .query_one("SELECT count(*) FROM system_metrics", &[])
        .unwrap()
        .get(0);
    assert_eq!(after as usize, rows.len());
}

#[test]
fn webhook_cooldown_state_lives_in_the_database() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    alert_cycle(&Sandbox::new(), &db.url());
    let (state, sent): (String, Value) = {
        let row = db
            .client()
            .query_one("SELECT last_state, sent FROM health_alert_state", &[])
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(state, "WARNING");
    assert!(
        sent.get("WARNING").is_some() && sent.get("OK").is_some(),
        "{sent}"
    );
    // Two cron hosts (different homes, so different state files) share the database's memory.
    let (hook, got) = listener(200);
    let args = [
        "--check",
        "database_size",
        "--warn",
        "database_size=1",
        "--alert-webhook",
        hook.as_str(),
    ];
    assert_eq!(health(&Sandbox::new(), &db.url(), &args).run().code, 1);
    assert_eq!(got.lock().unwrap().len(), 1);
    assert_eq!(health(&Sandbox::new(), &db.url(), &args).run().code, 1);
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "the second host knows it was already sent"
    );
}

#[test]
fn a_locked_table_makes_its_probe_unknown_not_a_hang() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.batch_execute("LOCK TABLE workflows IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let sb = Sandbox::new();
    // The probes' lock_timeout (2s) gives up first.
    let doc = health(&sb, &db.url(), &["--check", "stuck_workflows,wraparound"])
        .format_json()
        .expect_exit(3)
        .json();
    let p = probe(&doc, "stuck_workflows");
    assert_eq!(p["state"], "UNKNOWN");
    assert!(
        p["hint"].as_str().unwrap().contains("holds a lock"),
        "{p:#}"
    );
    assert_eq!(
        probe(&doc, "wraparound")["state"],
        "OK",
        "other probes still report"
    );
    // A --timeout shorter than that: the deadline ends the probe.
    let doc = health(
        &sb,
        &db.url(),
        &["--check", "stuck_workflows", "--timeout", "1s"],
    )
    .format_json()
    .expect_exit(3)
    .json();
    assert!(probe(&doc, "stuck_workflows")["message"]
        .as_str()
        .unwrap()
        .contains("timed out"));
    tx.rollback().unwrap();
}

#[test]
fn thresholds_and_webhook_from_the_config_file() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let cfg = sb.path().join("taskdb.toml");
    let (hook, got) = listener(200);
    std::fs::write(
        &cfg,
        format!(
            "[health]\ntimeout = \"20s\"\nalert_webhook = \"{hook}\"\n\n[health.thresholds.database_size]\nwarn = 1\ncrit = \"1TB\"\n"
        ),
    )
    .unwrap();
    let doc = health(&sb, &db.url(), &["--check", "database_size"])
        .format_json()
        .expect_exit(1)
        .json();
    let p = probe(&doc, "database_size");
    assert_eq!(p["warn"], 1.0);
    assert_eq!(p["crit"], 1024f64.powi(4));
    assert_eq!(
        got.lock().unwrap().len(),
        1,
        "the config's webhook was used"
    );
    // Flags beat the file.
    health(
        &sb,
        &db.url(),
        &["--check", "database_size", "--warn", "database_size=off"],
    )
    .format_json()
    .ok()
    .json();
    // config show: the webhook's path (its token) is not printed.
    let text = sb.taskdb(&["config", "show"]).db(&db).run().stdout;
    assert!(
        text.contains("health.alert_webhook") && !text.contains("secret-token"),
        "{text}"
    );
    assert!(text.contains("health.thresholds.database_size"), "{text}");

    // A bad threshold or an unknown key in the file: health usage errors (3).
    std::fs::write(&cfg, "[health.thresholds.nosuch]\nwarn = 1\n").unwrap();
    health(&sb, &db.url(), &["--check", "connect"])
        .run()
        .expect_exit(3)
        .stderr_contains("taskdb.toml:2: key `health.thresholds.nosuch.warn`: unknown threshold");
    std::fs::write(&cfg, "[health.thresholds.connections]\nwarn = \"lots\"\n").unwrap();
    health(&sb, &db.url(), &["--check", "connect"])
        .expect_exit(3)
        .stderr_contains("not a ratio");
    std::fs::write(&cfg, "[health]\nbogus = 1\n").unwrap();
    health(&sb, &db.url(), &["--check", "connect"])
        .expect_exit(3)
        .stderr_contains("health.bogus");
}

#[test]
fn check_and_skip_choose_probes_in_documented_order() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    let doc = health(
        &sb,
        &db.url(),
        &[
            "--check",
            "wraparound,connect,database_size",
            "--check",
            "server",
            "--skip",
            "database_size",
        ],
    )
    .format_json()
    .run()
    .json();
    let names: Vec<&str> = doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["connect", "server", "wraparound"]);
    let r = health(&sb, &db.url(), &["--format", "human", "--check", "server"]).ok();
    assert!(
        r.stdout.contains("│ server") && r.stdout.contains("overall: OK"),
        "{r}"
    );
    health(&sb, &db.url(), &["--check", "connect", "--skip", "connect"])
        .expect_exit(3)
        .stderr_contains("no probe left");
}

#[test]
fn cloudflare_tunnel_status_against_the_fake_api() {
    use crate::support::cf_fake::CfFake;
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let sb = Sandbox::new();
    // Not configured: not part of a default run; asked for explicitly, UNKNOWN.
    let doc = health(
        &sb,
        &db.url(),
        &["--skip", "stuck_workflows,metrics_freshness,schema"],
    )
    .format_json()
    .run()
    .json();
    assert!(doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["name"] != "tunnel"));
    assert!(doc.get("cloudflare").is_none());
    let doc = health(&sb, &db.url(), &["--check", "tunnel"])
        .format_json()
        .expect_exit(3)
        .json();
    assert_eq!(
        probe(&doc, "tunnel")["message"],
        "Cloudflare is not configured"
    );

    let fake = CfFake::start();
    let with_fake_env = |args: &[&str], account: Option<&str>| -> Ran {
        let mut cmd = health(&sb, &db.url(), args).format_json().envs(fake.env());
        if let Some(a) = account {
            cmd = cmd.env("CLOUDFLARE_ACCOUNT_ID", a);
        }
        let r = cmd.run();
        r.lacks(crate::support::cf_fake::TOKEN);
        r
    };
    let with_fake = |args: &[&str]| with_fake_env(args, None);
    // Nothing deployed from this host and no account configured: the token's only account.
    let doc = with_fake(&["--check", "tunnel"]).expect_exit(2).json();
    assert_eq!(
        probe(&doc, "tunnel")["message"],
        "no tunnel named taskdb in the Cloudflare account"
    );
    // A token that sees two accounts: cannot know which.
    fake.add_account("fedcba9876543210fedcba9876543210");
    let doc = with_fake(&["--check", "tunnel"]).expect_exit(3).json();
    assert!(probe(&doc, "tunnel")["message"]
        .as_str()
        .unwrap()
        .contains("CLOUDFLARE_ACCOUNT_ID"));
    let doc = with_fake_env(
        &["--check", "tunnel"],
        Some(crate::support::cf_fake::ACCOUNT),
    )
    .expect_exit(2)
    .json();
    assert_eq!(
        probe(&doc, "tunnel")["message"],
        "no tunnel named taskdb in the Cloudflare account"
    );

    fake.deploy_tunnel(&sb);
    // Deployed, but no cloudflared connected yet: inactive is CRITICAL.
    let doc = with_fake(&["--check", "tunnel,connect"])
        .expect_exit(2)
        .json();
    assert_eq!(doc["cloudflare"]["tunnel_status"], "inactive");
    let id = fake.live_tunnels()[0]["id"].as_str().unwrap().to_string();
    fake.add_connector(&id);
    let doc = with_fake(&["--check", "tunnel,connect"]).ok().json();
    assert_eq!(doc["cloudflare"]["tunnel_status"], "healthy");
    assert_eq!(probe(&doc, "tunnel")["value"], 1.0);
    // Configured: part of a default run.
    let doc = with_fake(&["--skip", "stuck_workflows,metrics_freshness,schema"]).json();
    assert!(doc["probes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "tunnel"));
    // The API failing is not knowing, not a tunnel fault.
    fake.fail("GET", "cfd_tunnel", 500, 100);
    let doc = with_fake(&["--check", "tunnel"]).expect_exit(3).json();
    assert!(probe(&doc, "tunnel")["message"]
        .as_str()
        .unwrap()
        .starts_with("could not ask Cloudflare"));
}

/// Issue 11: `password = x` (spaces around '=') and a quoted password with spaces leaked into
/// the report's target (shown while the database is unreachable) and the webhook body.
#[test]
fn passwords_never_reach_the_report_or_the_webhook() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let nowhere = tempfile::tempdir().unwrap();
    // The test server trusts its clients, so any password connects: only its display matters.
    let reachable = db.url();
    let unreachable = format!(
        "host={} port=5432 user=app dbname=t",
        nowhere.path().display()
    );
    for (spelling, secrets) in [
        ("password = S3cret", &["S3cret"][..]),
        (
            "password='correct horse battery staple'",
            &["correct", "horse", "battery", "staple"][..],
        ),
    ] {
        for (base, reached) in [(&unreachable, false), (&reachable, true)] {
            if base.starts_with("postgres") {
                continue; // TASKDB_TEST_DATABASE_URL is a URL: no key=value spelling to append
            }
            let url = format!("{base} {spelling}");
            let sb = Sandbox::new();
            let (hook, got) = listener(200);
            let leaked = |what: &str, text: &str| {
                for s in secrets {
                    assert!(!text.contains(s), "{what} shows {s:?} of {url:?}: {text}");
                }
            };
            let expect = if reached { 0 } else { 2 };
            let r = health(&sb, &url, &["--check", "connect,database_size"])
                .format_json()
                .run();
            let doc = r.json();
            assert_eq!(r.code, expect, "{doc:#}");
            leaked("health --format json", &doc.to_string());
            if !reached {
                assert_eq!(
                    doc["database"]["target"],
                    format!(
                        "host={} port=5432 user=app dbname=t password=********",
                        nowhere.path().display()
                    )
                );
            }
            let r = health(&sb, &url, &["-v", "--check", "connect,database_size"]).run();
            assert_eq!(r.code, expect, "{r}");
            leaked("health -v table", &r.all());
            let r = health(
                &sb,
                &url,
                &[
                    "--check",
                    "connect,database_size",
                    "--warn",
                    "database_size=1",
                    "--alert-webhook",
                    hook.as_str(),
                ],
            )
            .run();
            assert_eq!(r.code, if reached { 1 } else { 2 }, "{r}");
            leaked("health", &r.all());
            let bodies = got.lock().unwrap();
            assert_eq!(bodies.len(), 1, "the alert was posted");
            leaked("the webhook body", &bodies[0].to_string());
        }
    }
}
