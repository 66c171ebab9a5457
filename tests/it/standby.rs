//! Reads on standbys: a primary and a hot standby streaming from it (`pg_basebackup -R`, one
//! pair per test process) and the Patroni cluster's replicas. Read commands go to the standby
//! with `--read-only` or `target_session_attrs=prefer-standby|standby|read-only`, `-v` says how
//! far behind it is; commands that write are refused (in read-only mode and with those
//! attributes before connecting, exit 2; on a standby reached anyway before any statement,
//! exit 1; a read-only session's SQLSTATE 25006 said with the fix) and change nothing; a
//! standby that does not replay reads stale and `-v` says it is behind; prefer-standby falls
//! back to the primary when no standby is up; bad values are one line.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use serde_json::json;

use crate::mcp;
use crate::support::patroni::Patroni;
use crate::support::pg::{ExtraPg, ExtraPgSetup};
use crate::support::{block_on, wait_until, Sandbox};

/// A primary, a hot standby of it, and a migrated template database on the primary.
struct Pair {
    primary: ExtraPg,
    standby: ExtraPg,
}

const TEMPLATE: &str = "standby_template";

fn pair() -> &'static Pair {
    static PAIR: OnceLock<Pair> = OnceLock::new();
    PAIR.get_or_init(|| {
        let primary = ExtraPg::start(ExtraPgSetup::default());
        primary
            .admin()
            .batch_execute(&format!("CREATE DATABASE {TEMPLATE}"))
            .unwrap();
        Sandbox::new()
            .taskdb(&["migrate", "up", "--no-backup"])
            .url(url(&[primary.port], TEMPLATE, None))
            .ok();
        let standby = primary.standby();
        Pair { primary, standby }
    })
}

/// key=value conninfo over these ports on 127.0.0.1, in order.
fn url(ports: &[u16], dbname: &str, attrs: Option<&str>) -> String {
    let hosts = vec!["127.0.0.1"; ports.len()].join(",");
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    let mut s = format!(
        "host={hosts} port={} user=postgres dbname={dbname} sslmode=disable connect_timeout=5",
        ports.join(",")
    );
    if let Some(attrs) = attrs {
        s.push_str(&format!(" target_session_attrs={attrs}"));
    }
    s
}

fn client(port: u16, dbname: &str) -> postgres::Client {
    postgres::Client::connect(&url(&[port], dbname, None), postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}/{dbname}: {e}"))
}

/// Wait until the server at `standby` has replayed everything the primary has written.
fn replayed(primary: u16, standby: u16) {
    let lsn: String = client(primary, "postgres")
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .unwrap()
        .get(0);
    let mut s = client(standby, "postgres");
    wait_until(60, "the standby to replay the primary's WAL", || {
        s.query_one(
            "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
            &[&lsn],
        )
        .unwrap()
        .get(0)
    });
}

/// One test's database (a copy of the template, on the primary and replayed on the standby).
struct Db {
    name: String,
}

impl Db {
    fn new() -> Db {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let p = pair();
        let name = format!(
            "sb_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        p.primary
            .admin()
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .unwrap();
        replayed(p.primary.port, p.standby.port);
        Db { name }
    }

    /// The hosts in `ports`, in order, with these attributes.
    fn url(&self, ports: &[u16], attrs: Option<&str>) -> String {
        url(ports, &self.name, attrs)
    }

    /// Tasks on the primary.
    fn tasks(&self) -> i64 {
        client(pair().primary.port, &self.name)
            .query_one("SELECT count(*) FROM tasks", &[])
            .unwrap()
            .get(0)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = pair().primary.admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// A fresh database, a sandbox, the URL a fleet uses for writes (every node with
/// `target_session_attrs=read-write`: the primary) and a task written through it (its id).
fn with_a_task(title: &str) -> (Db, Sandbox, String, String) {
    let (p, s) = (pair().primary.port, pair().standby.port);
    let db = Db::new();
    let sb = Sandbox::new();
    let fleet = db.url(&[p, s], Some("read-write"));
    let id = sb
        .taskdb(&["task", "create", title])
        .url(&fleet)
        .ok()
        .text();
    (db, sb, fleet, id)
}

#[test]
fn read_commands_go_to_the_standby_and_say_how_far_behind_it_is() {
    let (p, s) = (pair().primary.port, pair().standby.port);
    let (db, sb, fleet, id) = with_a_task("Read me on a standby");
    let wf = sb
        .taskdb(&["workflow", "create", &id])
        .url(&fleet)
        .ok()
        .text();
    sb.taskdb(&["metrics", "record", "queue_depth", "3"])
        .url(&fleet)
        .ok();
    replayed(p, s);
    let from_standby = format!("reading from standby 127.0.0.1:{s}: replay lag ");
    let reads: &[&[&str]] = &[
        &["task", "list"],
        &["task", "show", &id],
        &["task", "search", "standby"],
        &["task", "tree"],
        &["task", "history", &id],
        &["task", "export"],
        &["task", "next"],
        &["workflow", "list"],
        &["workflow", "show", &wf],
        &["metrics", "dump"],
        &["health", "--check", "connect,server"],
        &["config", "check"],
    ];
    for args in reads {
        sb.taskdb(&["--read-only", "-v"])
            .args(*args)
            .url(&fleet)
            .ok()
            .stderr_contains(&from_standby)
            .stderr_contains("(WAL receiver streaming)");
    }
    // What it read is the primary's data, replayed.
    let listed = sb
        .taskdb(&["--read-only", "task", "list"])
        .url(&fleet)
        .ok_json();
    assert_eq!(listed[0]["title"], "Read me on a standby", "{listed:#}");
    let health = sb
        .taskdb(&["--read-only", "health", "--check", "server"])
        .url(&fleet)
        .ok_json();
    assert_eq!(
        health["probes"][0]["details"]["in_recovery"], true,
        "{health:#}"
    );
    // TASKDB_READ_ONLY does the same; config check says where it went.
    let v = sb
        .taskdb(&["config", "check"])
        .url(&fleet)
        .env("TASKDB_READ_ONLY", "1")
        .ok_json();
    assert_eq!(
        (v["port"].as_u64(), v["in_recovery"].as_bool()),
        (Some(s.into()), Some(true))
    );

    // target_session_attrs in the connection string, in either spelling, without --read-only.
    let url_form = format!(
        "postgresql://postgres@127.0.0.1:{p},127.0.0.1:{s}/{}?target_session_attrs=prefer-standby&sslmode=disable",
        db.name
    );
    for url in [url_form, db.url(&[p, s], Some("prefer-standby"))] {
        sb.taskdb(&["-v", "task", "list"])
            .url(&url)
            .ok()
            .stderr_contains(&format!(
                "127.0.0.1:{p} is not a standby: used only if no standby answers"
            ))
            .stderr_contains(&from_standby);
    }
    let port = |attrs: &str, ports: &[u16]| {
        sb.taskdb(&["config", "check"])
            .url(db.url(ports, Some(attrs)))
            .ok_json()["port"]
            .as_u64()
    };
    assert_eq!(port("standby", &[p, s]), Some(s.into()));
    assert_eq!(port("read-only", &[p, s]), Some(s.into()));
    assert_eq!(port("primary", &[s, p]), Some(p.into()));
    assert_eq!(port("any", &[s, p]), Some(s.into()));

    // pg_dump reads from the standby too (the host the command's connection reached).
    let backup = sb
        .taskdb(&["--read-only", "-v", "--format", "json", "backup", "create"])
        .url(&fleet)
        .ok();
    backup.stderr_contains(&from_standby);
    assert_eq!(backup.json()["database"], db.name.as_str());
}

#[test]
fn writes_are_refused_on_a_standby_and_in_read_only_mode_and_change_nothing() {
    let (p, s) = (pair().primary.port, pair().standby.port);
    // Writing works through the fleet's URL (the primary).
    let (db, sb, fleet, id) = with_a_task("First");
    let before = db.tasks();
    assert_eq!(before, 1);

    // Read-only mode: refused before connecting (a URL nothing listens at says so too).
    let nowhere = url(&[crate::support::pg::free_port()], &db.name, None);
    for target in [&fleet, &nowhere] {
        sb.taskdb(&["--read-only", "task", "create", "Second"])
            .url(target)
            .refused(
                2,
                "`taskdb task create` writes to the database, but read-only mode is on (from flag --read-only): only commands that read run in it",
            );
    }
    sb.taskdb(&["task", "status", &id, "in_progress"])
        .url(&fleet)
        .env("TASKDB_READ_ONLY", "yes")
        .refused(2, "read-only mode is on (from env TASKDB_READ_ONLY)");
    sb.taskdb(&["--read-only", "health", "--record"])
        .url(&fleet)
        .refused(
            3,
            "--record writes the report to the database, but read-only mode is on",
        );
    // A connection string that seeks a standby: refused before connecting.
    for attrs in ["prefer-standby", "standby", "read-only"] {
        sb.taskdb(&["workflow", "create", &id])
            .url(db.url(&[p, s], Some(attrs)))
            .refused(
                2,
                &format!(
                    "`taskdb workflow create` writes, but target_session_attrs={attrs} (from env DATABASE_URL) sends it to a standby"
                ),
            );
    }
    // A standby reached anyway (`any`): refused once connected, before any statement.
    let standby_alone = db.url(&[s], None);
    let on_standby = format!("the server at 127.0.0.1:{s} is a standby (in recovery): `taskdb ");
    for args in [
        &["task", "create", "Second"][..],
        &["task", "status", &id, "in_progress"],
        &["metrics", "record", "queue_depth", "1"],
        &["migrate", "up"],
    ] {
        sb.taskdb(args)
            .url(&standby_alone)
            .refused(1, &on_standby)
            .stderr_contains("connect to it (list every node with target_session_attrs=read-write");
    }
    // A read-only session on the primary: the server refuses (SQLSTATE 25006), said with the fix.
    sb.taskdb(&["task", "create", "Second"])
        .url(format!(
            "{} options='-c default_transaction_read_only=on'",
            db.url(&[p], None)
        ))
        .refused(
            1,
            "the server refused to write, the session is read-only (cannot execute",
        )
        .stderr_contains("connect to the primary (target_session_attrs=read-write");
    assert_eq!(db.tasks(), before);
    let shown = sb.taskdb(&["task", "show", &id]).url(&fleet).ok_json();
    assert_eq!(shown["status"], "pending", "{shown:#}");
}

#[test]
fn prefer_standby_falls_back_to_the_primary_when_the_standby_is_down() {
    let p = pair().primary.port;
    let db = Db::new();
    // A standby of its own, to stop.
    let spare = pair().primary.standby();
    let sp = spare.port;
    replayed(p, sp);
    let sb = Sandbox::new();
    let prefer = db.url(&[sp, p], Some("prefer-standby"));
    sb.taskdb(&["-v", "task", "list"])
        .url(&prefer)
        .ok()
        .stderr_contains(&format!("reading from standby 127.0.0.1:{sp}: "));
    // A standby that does not replay (paused) answers with old data, and -v says it is behind.
    let mut on_spare = client(sp, "postgres");
    on_spare
        .batch_execute("SELECT pg_wal_replay_pause()")
        .unwrap();
    sb.taskdb(&["task", "create", "Not on the standby yet"])
        .url(db.url(&[p], None))
        .ok();
    wait_until(60, "the standby to receive WAL it does not replay", || {
        on_spare
            .query_one(
                "SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()",
                &[],
            )
            .unwrap()
            .get(0)
    });
    let stale = sb
        .taskdb(&["-v", "--format", "json", "task", "list"])
        .url(&prefer)
        .ok();
    assert_eq!(stale.json().as_array().map(Vec::len), Some(0), "{stale}");
    stale.stderr_contains(&format!("reading from standby 127.0.0.1:{sp}: replay lag "));
    let behind = !stale
        .stderr
        .contains(" / 0 bytes received but not yet replayed");
    assert!(behind, "{stale}");
    drop(on_spare);
    drop(spare);
    sb.taskdb(&["-v", "task", "list"])
        .url(&prefer)
        .ok()
        .stderr_contains(&format!("skipped 127.0.0.1:{sp}: connection refused"))
        .stderr_contains(&format!(
            "no standby answered: using 127.0.0.1:{p}, which is not one"
        ))
        .stderr_lacks("reading from standby");
    // --read-only over the fleet's URL falls back the same way.
    sb.taskdb(&["--read-only", "--format", "json", "config", "check"])
        .url(db.url(&[p, sp], Some("read-write")))
        .ok()
        .json()["port"]
        .as_u64()
        .filter(|port| *port == u64::from(p))
        .expect("the primary");
    // standby (no fallback): one line naming each host, exit 6 (retryable: roles change).
    sb.taskdb(&["task", "list"])
        .url(db.url(&[sp, p], Some("standby")))
        .refused(6, "could not connect to any of the 2 hosts")
        .stderr_contains(&format!("connection refused by 127.0.0.1:{sp}"))
        .stderr_contains(&format!(
            "the server at 127.0.0.1:{p} is not a standby (a primary)"
        ));
}

#[test]
fn bad_values_of_target_session_attrs_and_read_only_are_one_line() {
    let (p, s) = (pair().primary.port, pair().standby.port);
    let db = Db::new();
    let sb = Sandbox::new();
    sb.taskdb(&["task", "list"])
        .url(db.url(&[p, s], Some("standby")))
        .ok();
    let expected = "(expected any, read-write, read-only, primary, standby or prefer-standby)";
    for bad in ["secondary", "Standby", "prefer_standby"] {
        sb.taskdb(&["task", "list"])
            .url(db.url(&[p, s], Some(bad)))
            .refused(
                2,
                &format!(
                    "invalid target_session_attrs in the connection settings from env DATABASE_URL: `{bad}` {expected}"
                ),
            );
    }
    let url_form = format!(
        "postgres://postgres@127.0.0.1:{p}/{}?target_session_attrs=hot",
        db.name
    );
    sb.taskdb(&["task", "list"])
        .url(url_form)
        .refused(2, "invalid target_session_attrs");
    // libpq's variable fills in for the string, and is named when wrong.
    sb.taskdb(&["task", "list"])
        .url(db.url(&[p, s], None))
        .env("PGTARGETSESSIONATTRS", "replica")
        .refused(
            2,
            "invalid target_session_attrs in the connection settings from env PGTARGETSESSIONATTRS",
        );
    sb.taskdb(&["task", "list"])
        .url(db.url(&[p, s], None))
        .env("TASKDB_READ_ONLY", "maybe")
        .refused(
            2,
            "TASKDB_READ_ONLY must be 1, true, yes or on (or 0, false, no, off)",
        );
}

#[test]
fn mcp_read_only_reads_on_the_standby_and_a_writing_mcp_is_refused_there() {
    let (p, s) = (pair().primary.port, pair().standby.port);
    let (db, sb, fleet, _) = with_a_task("For the agent");
    replayed(p, s);
    block_on(async {
        let client = mcp::connect(&sb, &fleet, "viewer", &["--read-only"]).await;
        let listed = mcp::ok(mcp::call(&client, "list_tasks", json!({})).await);
        assert_eq!(listed["tasks"][0]["title"], "For the agent", "{listed:#}");
        client.cancel().await.unwrap();
        // Without --read-only the server writes: on the standby alone its calls are refused.
        let standby_alone = db.url(&[s], None);
        let client = mcp::connect(&sb, &standby_alone, "writer", &[]).await;
        let line = mcp::refused(mcp::call(&client, "list_tasks", json!({})).await);
        assert!(
            line.contains(&format!(
                "the server at 127.0.0.1:{s} is a standby (in recovery): `taskdb mcp` without `--read-only` writes"
            )),
            "{line}"
        );
        client.cancel().await.unwrap();
    });
    let log = std::fs::read_to_string(sb.path().join("mcp-viewer.log")).unwrap();
    assert!(
        log.contains(&format!("reading from standby 127.0.0.1:{s}: replay lag")),
        "{log}"
    );
}

#[test]
fn patroni_replicas_serve_reads_and_refuse_writes() {
    let cluster = Patroni::get();
    let _alone = cluster.exclusive();
    let db = cluster.fresh_db();
    let sb = Sandbox::new();
    sb.taskdb(&["migrate", "up", "--no-backup"])
        .url(db.url())
        .ok();
    let id = sb
        .taskdb(&["task", "create", "Written on the leader"])
        .url(db.url())
        .ok()
        .text();
    let leader = cluster.leader().expect("a leader");
    let replicas: Vec<usize> = (0..cluster.nodes.len()).filter(|i| *i != leader).collect();
    // Synchronous mode waits for the standby's flush, not its replay: wait for both replicas.
    for &r in &replicas {
        wait_until(60, "the replica to replay the task", || {
            sb.taskdb(&["task", "show", &id])
                .url(cluster.node_url(r, &db.name))
                .run()
                .code
                == 0
        });
    }
    // --read-only over every node (the URL that finds the leader for writes) reads on a replica.
    let ran = sb
        .taskdb(&["--read-only", "-v", "--format", "json", "task", "show", &id])
        .url(db.url())
        .ok();
    assert_eq!(ran.json()["title"], "Written on the leader");
    let on_replica = replicas.iter().any(|&r| {
        ran.stderr.contains(&format!(
            "reading from standby 127.0.0.1:{}: replay lag",
            cluster.nodes[r].pg_port
        ))
    });
    assert!(on_replica, "{ran}");
    // A write through a replica alone is refused, and nothing is written.
    let replica = replicas[0];
    sb.taskdb(&["task", "create", "Through a replica"])
        .url(cluster.node_url(replica, &db.name))
        .refused(1, "is a standby (in recovery): `taskdb task create` writes");
    let count: i64 = db
        .client()
        .query_one("SELECT count(*) FROM tasks", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}
