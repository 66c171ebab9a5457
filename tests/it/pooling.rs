//! Through PgBouncer in transaction pooling mode (`support::pgbouncer`): every command family
//! works with several clients in parallel sharing a pool of 2 server connections, each
//! client's writes audited with its own actor; nothing a command sets leaks to the next
//! client of a server connection; `migrate` and `backup restore` refuse with the fix; waiting
//! claims fall back to polling or listen on `listen_url`; `bench` and workers run with 200
//! client connections on a server with `max_connections = 50`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::support::pgbouncer::{Bouncer, BouncerSetup};
use crate::support::{wait_until, DedicatedPg, Sandbox, Spawned, TestDb, TestPg};

/// Clients running the scenario at once.
const CLIENTS: usize = 4;

fn actor(i: usize) -> String {
    format!("agent-{i}")
}

fn tag(i: usize) -> String {
    format!("pool-{i}")
}

/// One client's task/workflow/metrics scenario through the pool, as `actor(i)`, on tasks
/// tagged `tag(i)`; checks what each command returns.
fn client_scenario(url: &str, i: usize) {
    let sb = Sandbox::on_url(url);
    let (who, tag) = (actor(i), tag(i));
    let run = |args: &[&str]| {
        sb.taskdb(&["--actor", &who])
            .args(args)
            .timeout(Duration::from_secs(120))
    };
    let first = run(&["task", "create", &format!("{tag} first"), "--tag", &tag])
        .ok()
        .text();
    let second = run(&[
        "task",
        "create",
        &format!("{tag} second"),
        "--tag",
        &tag,
        "--depends-on",
        &first,
        "--priority",
        "high",
    ])
    .ok()
    .text();
    let listed = run(&["task", "list", "--tag", &tag]).ok_json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let shown = run(&["task", "show", &first]).ok_json();
    assert_eq!(shown["dependents"][0]["short_id"].to_string(), second);
    run(&[
        "task",
        "update",
        &first,
        "--title",
        &format!("{tag} first, renamed"),
    ])
    .ok();
    let deps = run(&["task", "deps", "list", &second]).ok_json();
    assert_eq!(deps[0]["short_id"].to_string(), first, "{deps}");
    run(&["task", "status", &first, "in-progress"]).ok();
    run(&["task", "status", &first, "done"]).ok();
    // The blocker is done: the second task is the one to claim.
    let claimed = run(&["task", "next", "--claim", "--tag", &tag, "--lease", "10m"]).ok_json();
    assert_eq!(claimed["short_id"].to_string(), second);
    assert_eq!(claimed["assigned_to"], who.as_str());
    run(&["task", "heartbeat", &second]).ok();
    run(&["task", "release", &second]).ok();
    let history = run(&["task", "history", &first]).ok_json();
    let entries = history.as_array().unwrap();
    assert!(entries.len() >= 4, "{history}");
    assert!(
        entries.iter().all(|h| h["actor"] == who.as_str()),
        "{history}"
    );

    let wf = run(&["workflow", "create", &first, "--steps", "1"])
        .ok()
        .text();
    let w = run(&["workflow", "step", &wf, "build"]).ok_json();
    assert_eq!(w["status"], "completed", "{w}");
    let w = run(&["workflow", "show", &wf]).ok_json();
    assert_eq!(w["steps"][0]["name"], "build");

    let name = format!("pool.client_{i}");
    run(&[
        "metrics",
        "record",
        &name,
        &format!("{i}.5"),
        "--component",
        &tag,
    ])
    .ok();
    let dump = run(&["metrics", "dump", "--name", &name]).ok_json();
    assert_eq!(dump[0]["value"], i as f64 + 0.5, "{dump}");
}

/// Each client's tasks and workflows were audited with its actor, and only with it.
fn assert_audited_by_their_clients(db: &TestDb) {
    let rows = db
        .client()
        .query(
            "SELECT t.title, a.actor, count(*) FROM audit_log a \
               JOIN tasks t ON a.record_id = t.id::text AND a.table_name = 'tasks' \
              GROUP BY 1, 2 \
             UNION ALL \
             SELECT t.title || ' (workflow)', a.actor, count(*) FROM audit_log a \
               JOIN workflows w ON a.record_id = w.id::text AND a.table_name = 'workflows' \
               JOIN tasks t ON t.id = w.task_id \
              GROUP BY 1, 2",
            &[],
        )
        .unwrap();
    let mut per_client: BTreeMap<usize, i64> = BTreeMap::new();
    for r in &rows {
        let (title, who, n): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
        let i = (0..CLIENTS)
            .find(|i| title.starts_with(&format!("{} ", tag(*i))))
            .unwrap_or_else(|| panic!("an audit row of a task no client made: {title}"));
        assert_eq!(who, actor(i), "{title}");
        *per_client.entry(i).or_default() += n;
    }
    for i in 0..CLIENTS {
        // create ×2, update, status ×2, claim, heartbeat, release; the workflow's rows.
        assert!(
            per_client.get(&i).copied().unwrap_or(0) >= 9,
            "{per_client:?}"
        );
    }
}

/// What a fresh client of the pool finds set on its server connection: taskdb's settings
/// (the actor, JIT off, read-only) must have ended with taskdb's transactions.
fn assert_nothing_left_on_the_server_connections(bouncer: &Bouncer, db: &TestDb) {
    let mut c = postgres::Client::connect(&bouncer.url(db), postgres::NoTls).unwrap();
    for _ in 0..10 {
        let row = c
            .query_one(
                "SELECT coalesce(current_setting('taskdb.actor', true), ''), \
                        current_setting('jit'), current_setting('transaction_read_only')",
                &[],
            )
            .unwrap();
        let (who, jit, ro): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        assert_eq!((who.as_str(), ro.as_str()), ("", "off"));
        assert_eq!(jit, server_jit(db));
    }
}

/// The server's own `jit` setting.
fn server_jit(db: &TestDb) -> String {
    db.client()
        .query_one("SELECT current_setting('jit')", &[])
        .unwrap()
        .get(0)
}

#[test]
fn every_command_family_works_through_a_transaction_pool_with_clients_in_parallel() {
    let bouncer = Bouncer::shared();
    let db = TestPg::get().migrated_db();
    let url = bouncer.url(&db);
    std::thread::scope(|s| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let url = &url;
                s.spawn(move || client_scenario(url, i))
            })
            .collect();
        for c in clients {
            c.join().expect("a client's scenario failed");
        }
    });
    assert_audited_by_their_clients(&db);
    assert_nothing_left_on_the_server_connections(bouncer, &db);

    let sb = Sandbox::on_url(&url);
    // Task Master files: import, then export gives the file's tag back (the clients' own
    // tasks went to the default tag, `master`).
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/taskmaster/next-phase2.json");
    let report = sb
        .taskdb(&["task", "import", fixture.to_str().unwrap()])
        .ok_json();
    assert!(report["created"].as_i64().unwrap() > 0, "{report}");
    let original: Value = serde_json::from_slice(&std::fs::read(&fixture).unwrap()).unwrap();
    let exported = sb
        .taskdb(&["task", "export", "--tag", "blocked-only"])
        .ok_json();
    assert_eq!(
        exported["blocked-only"]["tasks"],
        original["blocked-only"]["tasks"]
    );

    // health: connected, the schema current, no probe broken by the pool.
    let health = sb
        .taskdb(&["health", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .run();
    let doc = health.json();
    for p in doc["probes"].as_array().unwrap() {
        assert_ne!(p["state"], "UNKNOWN", "{p}");
        assert_ne!(p["state"], "CRITICAL", "{p}");
    }
    let probe = |name: &str| {
        doc["probes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| health.fail(&format!("no {name} probe")))
    };
    assert_eq!(probe("connect")["state"], "OK");
    assert_eq!(probe("schema")["state"], "OK");

    // maintain, three times: its lock is a transaction's, so none finds it left held.
    for _ in 0..3 {
        let m = sb.taskdb(&["maintain"]).ok_json();
        assert_eq!(m["skipped"], false, "{m}");
    }
    let roles = sb.taskdb(&["role", "list"]).ok_json();
    assert!(roles.is_array(), "{roles}");
    // A second pooled sandbox, read-only MCP-style reads: show and list once more.
    let listed = sb.taskdb(&["task", "list"]).ok_json();
    assert!(listed.as_array().unwrap().len() >= 2 * CLIENTS);
}

/// Audit rows of the task titled `title`, by actor.
fn actors_of(db: &TestDb, title: &str) -> BTreeMap<String, i64> {
    db.client()
        .query(
            "SELECT a.actor, count(*) FROM audit_log a JOIN tasks t ON a.record_id = t.id::text \
              WHERE a.table_name = 'tasks' AND t.title = $1 GROUP BY 1",
            &[&title],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[test]
fn two_actors_on_one_server_connection_are_audited_apart_statement_by_statement() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    // One server connection for both clients: every transaction of one runs on the session
    // the other's just used.
    let bouncer = Bouncer::start(
        pg.socket_dir.as_deref().unwrap(),
        5432,
        &BouncerSetup {
            pool_size: 1,
            ..BouncerSetup::default()
        },
    );
    let url = bouncer.url(&db);
    let sb = Sandbox::on_url(&url);
    for who in ["alice", "bob"] {
        sb.taskdb(&[
            "--actor",
            who,
            "task",
            "create",
            &format!("{who}'s"),
            "--tag",
            who,
        ])
        .ok();
    }
    // Claims, heartbeats and releases are single statements outside any explicit transaction:
    // each carries its actor in its own.
    std::thread::scope(|s| {
        for who in ["alice", "bob"] {
            let sb = &sb;
            s.spawn(move || {
                for _ in 0..6 {
                    let t = sb
                        .taskdb(&["--actor", who, "task", "next", "--claim", "--tag", who])
                        .ok_json();
                    let id = t["short_id"].to_string();
                    sb.taskdb(&["--actor", who, "task", "heartbeat", &id]).ok();
                    sb.taskdb(&["--actor", who, "task", "release", &id]).ok();
                }
            });
        }
    });
    for who in ["alice", "bob"] {
        let actors = actors_of(&db, &format!("{who}'s"));
        assert_eq!(actors.keys().collect::<Vec<_>>(), [who], "{actors:?}");
        // The create, six claims and six releases (a heartbeat that only extends the lease
        // is not audited).
        assert!(actors[who] >= 13, "{actors:?}");
    }
    assert_nothing_left_on_the_server_connections(&bouncer, &db);
}

/// `task next --claim --wait` through the pool, `-v` on stderr into a file of the sandbox.
fn waiting_claim(sb: &Sandbox, tag: &str, vars: &[(&str, &str)]) -> (Spawned, PathBuf) {
    let log = sb.path().join(format!("wait-{tag}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let mut t = sb
        .taskdb(&[
            "-v", "task", "next", "--claim", "--tag", tag, "--wait", "60s",
        ])
        .format_json();
    for (k, v) in vars {
        t = t.env(k, v);
    }
    (t.spawn_with(std::process::Stdio::piped(), file.into()), log)
}

fn says(log: &PathBuf, needle: &str) -> bool {
    std::fs::read_to_string(log).is_ok_and(|t| t.contains(needle))
}

#[test]
fn a_waiting_claim_polls_through_the_pool_or_listens_on_listen_url() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on_url(Bouncer::shared().url(&db));

    // No listen_url: the test notification never arrives through the pool, so it polls.
    let (waiting, log) = waiting_claim(&sb, "polled", &[("TASKDB_POLL_INTERVAL", "200ms")]);
    wait_until(30, "the waiter to fall back to polling", || {
        says(&log, "waiting: polling every 200ms")
    });
    let id = sb
        .taskdb(&["task", "create", "for the poller", "--tag", "polled"])
        .ok()
        .text();
    let got = waiting.wait(60).ok().json();
    assert_eq!(got["short_id"].to_string(), id);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("cannot LISTEN (a transaction-pooling PgBouncer?)"),
        "{text}"
    );

    // listen_url straight to the server: it listens there, and only a notification can wake
    // it in time (polling every 10 minutes).
    let before = db.listeners();
    let (waiting, log) = waiting_claim(
        &sb,
        "notified",
        &[
            ("TASKDB_POLL_INTERVAL", "10m"),
            ("TASKDB_LISTEN_URL", &db.url()),
        ],
    );
    wait_until(30, "the waiter to LISTEN on the server", || {
        db.listeners() > before && says(&log, "waiting: LISTEN taskdb_ready")
    });
    let id = sb
        .taskdb(&["task", "create", "for the listener", "--tag", "notified"])
        .ok()
        .text();
    let got = waiting.wait(60).ok().json();
    assert_eq!(got["short_id"].to_string(), id);
}

#[test]
fn migrate_refuses_a_transaction_pool_and_works_through_session_pooling() {
    let pg = TestPg::get();
    let db = pg.fresh_db();
    let pooled = Sandbox::on_url(Bouncer::shared().url(&db));
    // It is there and reads through the pool...
    pooled.taskdb(&["migrate", "status"]).ok();
    // ... but does not run its steps there: nothing applied.
    pooled
        .taskdb(&["migrate", "up", "--no-backup"])
        .refused(1, "goes through a transaction-pooling proxy")
        .stderr_contains("connect directly to the server")
        .stderr_contains("nothing was changed");
    pooled
        .taskdb(&["--yes", "migrate", "down"])
        .refused(1, "goes through a transaction-pooling proxy");
    assert!(db.migration_history().is_empty());

    // Session pooling keeps a server session per client: it works there.
    let session = Bouncer::start(
        pg.socket_dir.as_deref().unwrap(),
        5432,
        &BouncerSetup {
            pool_mode: "session",
            ..BouncerSetup::default()
        },
    );
    let sb = Sandbox::on_url(session.url(&db));
    sb.taskdb(&["migrate", "up", "--no-backup"]).ok();
    assert!(!db.migration_history().is_empty());
    sb.taskdb(&["migrate", "status", "--check"]).ok();

    // backup restore over the database holds the migration lock too: refused the same way,
    // after the backup itself was taken through the pool.
    pooled.taskdb(&["task", "create", "kept"]).ok();
    let made = pooled.taskdb(&["backup", "create"]).ok_json();
    let file = made["path"].as_str().unwrap().to_string();
    pooled
        .taskdb(&["--yes", "backup", "restore", &file])
        .refused(1, "goes through a transaction-pooling proxy");
    let titles: Vec<String> = db
        .client()
        .query("SELECT title FROM tasks", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(titles, ["kept"]);
}

#[test]
fn bench_and_workers_run_with_200_clients_on_a_server_of_50_connections() {
    let server = DedicatedPg::start(&["max_connections=50"]);
    let bouncer = Bouncer::start(
        &server.dir,
        5432,
        &BouncerSetup {
            pool_size: 10,
            ..BouncerSetup::default()
        },
    );
    server
        .client("postgres")
        .batch_execute("CREATE DATABASE tasks")
        .unwrap();
    Sandbox::on_url(server.conninfo("tasks"))
        .taskdb(&["migrate", "up", "--no-backup"])
        .ok();
    server
        .client("tasks")
        .batch_execute("INSERT INTO tasks (title) SELECT 'job ' || i FROM generate_series(1, 60) i")
        .unwrap();

    // Workers through the pool: every task completed, exactly once.
    let sb = Sandbox::on_url(bouncer.conninfo("tasks"));
    let workers: Vec<Spawned> = (0..4)
        .map(|i| {
            sb.taskdb(&["worker", "--concurrency", "2", "--idle-exit", "3s"])
                .env("TMPDIR", sb.path())
                .args(["--assign", &format!("pooled-{i}"), "--", "sh", "-c", "true"])
                .spawn()
        })
        .collect();
    for w in workers {
        w.wait(300).ok().no_panic();
    }
    let rows = server
        .client("tasks")
        .query(
            "SELECT t.status, t.attempts, count(x.*) FILTER (WHERE x.context_type = 'completion') \
               FROM tasks t LEFT JOIN task_contexts x ON x.task_id = t.id GROUP BY t.id",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), 60);
    let outcomes: BTreeSet<(String, i32, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(outcomes, BTreeSet::from([("completed".to_string(), 1, 1)]));

    // bench with 200 clients: four times the server's connections, none of them refused.
    let report = Sandbox::on_url(bouncer.conninfo("postgres"))
        .taskdb(&[
            "bench",
            "--clients",
            "200",
            "--duration",
            "2s",
            "--warmup",
            "1s",
        ])
        .args(["--seed-rows", "1000"])
        .timeout(Duration::from_secs(300))
        .ok_json();
    assert_eq!(report["clients"], 200);
    assert_eq!(report["errors"], 0, "{report}");
    assert!(
        report["total_ops_per_sec"].as_f64().unwrap() > 0.0,
        "{report}"
    );
}
