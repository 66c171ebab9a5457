//! Failover on a real Patroni cluster (support/patroni.rs): a drill in which four workers
//! complete 2,000 tasks while the leader is killed, commands during the failover, a waiting
//! claim that rides through it, and `migrate up` from two processes through a switchover.

use std::fs::File;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::patroni::{probe_result as patroni_probe, Patroni, PatroniDb};
use crate::support::{wait_until, DedicatedPg, Ran, Sandbox, Spawned};

const TASKS: i64 = 2000;

/// A count on the leader, or None while there is none (during the failover).
fn try_count(db: &PatroniDb, sql: &str) -> Option<i64> {
    let mut c = postgres::Client::connect(&db.url(), postgres::NoTls).ok()?;
    c.query_one(sql, &[]).ok().map(|r| r.get(0))
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Exit 6 with exactly one `error:` line containing `needle` (notes may precede it).
#[track_caller]
fn retryable(ran: &Ran, needle: &str) {
    ran.expect_exit(6).no_panic();
    let errors: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    if errors.len() != 1 || !errors[0].contains(needle) {
        ran.fail(&format!("expected one error line containing {needle:?}"));
    }
}

fn spawn_worker(sb: &Sandbox, url: &str, i: usize) -> Spawned {
    let log = File::create(sb.path().join(format!("worker-{i}.log"))).unwrap();
    let holder = format!("drill-{i}");
    sb.taskdb(&["worker", "--concurrency", "4", "--lease", "30s"])
        .args([
            "--reconnect-for",
            "3m",
            "--tag",
            "drill",
            "--assign",
            &holder,
        ])
        .args(["--", "true"])
        .url(url)
        .env("TMPDIR", sb.path())
        .spawn_with(Stdio::from(log.try_clone().unwrap()), Stdio::from(log))
}

#[test]
fn failover_drill_every_task_is_completed_exactly_once() {
    let cluster = Patroni::get();
    let _one_at_a_time = cluster.exclusive();
    let db = cluster.fresh_db();
    let url = db.url();
    let sb = Sandbox::new();
    sb.taskdb(&["migrate", "up", "--no-backup"]).url(&url).ok();
    db.client()
        .batch_execute(&format!(
            "INSERT INTO tasks (title, tags) \
             SELECT 'drill ' || g, ARRAY['drill'] FROM generate_series(1, {TASKS}) g"
        ))
        .unwrap();
    let probe = |extra: &[&str]| {
        sb.taskdb(&["--format", "json", "health", "--check", "patroni"])
            .args(["--patroni-url", &cluster.api_urls()])
            .args(extra)
            .url(&url)
            .run()
    };
    // The probe records the timeline it saw (its next run compares).
    let ran = probe(&["--record"]);
    ran.expect_exit(0);
    let timeline = patroni_probe(&ran)["details"]["timeline"].as_i64().unwrap();

    let workers: Vec<Spawned> = (0..4).map(|i| spawn_worker(&sb, &url, i)).collect();
    // A claim waiting for a task that only appears during the failover.
    let waiting = sb
        .taskdb(&["task", "next", "--claim", "--tag", "late", "--wait", "4m"])
        .args(["--reconnect-for", "3m", "--assign", "late-claimer"])
        .url(&url)
        .spawn();
    wait_until(180, "a fifth of the tasks completed", || {
        try_count(&db, "SELECT count(*) FROM tasks WHERE status = 'completed'")
            .is_some_and(|n| n >= TASKS / 5)
    });

    let kill_epoch = epoch_now();
    let killed_at = Instant::now();
    let old = cluster.kill_leader();
    // Meanwhile a write either fails at once with one line and exit 6 (no host accepts
    // writes, so nothing was sent) or succeeds on the new leader.
    let mut refused = 0;
    loop {
        let ran = sb
            .taskdb(&[
                "task",
                "create",
                "written during the failover",
                "--tag",
                "late",
            ])
            .url(&url)
            .run();
        if ran.code == 0 {
            break;
        }
        retryable(&ran, "could not connect to any of the 3 hosts");
        refused += 1;
        assert!(
            killed_at.elapsed() < Duration::from_secs(150),
            "no new leader within 150 s\n{ran}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let writable_after = killed_at.elapsed();
    let new = cluster.leader().expect("a new leader");
    assert_ne!(new, old, "the killed node cannot be the leader");

    // The waiting claim reconnected and took that task.
    let ran = waiting.wait(240);
    ran.ok().no_panic();
    let late: i64 = ran.text().parse().unwrap();

    // Every task completes: a claim whose answer was lost is held by nobody alive and comes
    // back when its lease ends.
    wait_until(300, "every drill task completed", || {
        try_count(
            &db,
            "SELECT count(*) FROM tasks WHERE status = 'completed' AND 'drill' = ANY (tags)",
        ) == Some(TASKS)
    });
    for w in &workers {
        w.signal(libc::SIGTERM);
    }
    for (i, w) in workers.into_iter().enumerate() {
        w.wait(120).expect_exit(143);
        let log = std::fs::read_to_string(sb.path().join(format!("worker-{i}.log"))).unwrap();
        assert!(!log.contains("panicked"), "worker {i}:\n{log}");
        if i == 0 {
            // What a worker said about the failover (its lines that are not a task's outcome).
            for line in log.lines().filter(|l| !l.starts_with('#')).take(12) {
                eprintln!("worker 0: {line}");
            }
        }
    }

    let mut c = db.client();
    // Exactly one completion per task, in the audit log and in the run contexts.
    let wrong: Vec<String> = c
        .query(
            "SELECT '#' || t.short_id || ': ' || \
                    (SELECT count(*) FROM audit_log a WHERE a.table_name = 'tasks' \
                        AND a.record_id = t.id::text AND a.action = 'UPDATE' \
                        AND a.new_values ->> 'status' = 'completed') || ' audit, ' || \
                    (SELECT count(*) FROM task_contexts x WHERE x.task_id = t.id \
                        AND x.context_type = 'completion') || ' contexts' AS line \
               FROM tasks t WHERE 'drill' = ANY (t.tags) \
             EXCEPT SELECT '#' || t.short_id || ': 1 audit, 1 contexts' FROM tasks t",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        wrong.is_empty(),
        "tasks not completed exactly once: {wrong:?}"
    );
    // The stall: the longest gap between two completions from just before the kill on.
    let row = c
        .query_one(
            "SELECT (SELECT max(gap) FROM (\
                      SELECT extract(epoch FROM a.occurred_at \
                             - lag(a.occurred_at) OVER (ORDER BY a.occurred_at))::float8 AS gap \
                        FROM audit_log a WHERE a.table_name = 'tasks' AND a.action = 'UPDATE' \
                         AND a.new_values ->> 'status' = 'completed' \
                         AND a.occurred_at > to_timestamp($1) - interval '5 seconds') g), \
                    (SELECT count(*) FROM tasks WHERE 'drill' = ANY (tags) AND attempts > 1)",
            &[&kill_epoch],
        )
        .unwrap();
    let (stall, retried): (f64, i64) = (row.get(0), row.get(1));
    eprintln!(
        "failover drill: killed the leader pg{old} (Patroni and postmaster, SIGKILL); writes \
         accepted again after {:.1} s (pg{new} promoted; {refused} `task create` runs refused \
         with exit 6 meanwhile); completions stalled {stall:.1} s; {retried} of {TASKS} tasks \
         needed a second attempt; the waiting claim got #{late}",
        writable_after.as_secs_f64()
    );

    // The killed node rejoins (pg_rewind), and the probe reports the new timeline once.
    cluster.start_node(old);
    cluster.heal();
    let ran = probe(&["--record"]);
    ran.expect_exit(1);
    let p = patroni_probe(&ran);
    let message = p["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "the timeline changed from {timeline} to {}",
            timeline + 1
        )),
        "{ran}"
    );
    probe(&[]).expect_exit(0);
}

/// Versions of the migrations this taskdb ships (from the files).
fn shipped_versions() -> Vec<i32> {
    let mut v: Vec<i32> = std::fs::read_dir("migrations")
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix('V')?;
            if name.ends_with(".down.sql") || !name.ends_with(".sql") {
                return None;
            }
            rest.split("__").next()?.parse().ok()
        })
        .collect();
    v.sort_unstable();
    v
}

fn history(url: &str) -> Vec<i32> {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query(
        "SELECT version FROM refinery_schema_history ORDER BY version",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn a_switchover_during_two_concurrent_migrate_up_runs_applies_every_migration_once() {
    let cluster = Patroni::get();
    let _one_at_a_time = cluster.exclusive();
    let db = cluster.fresh_db();
    let url = db.url();
    let sb = Sandbox::new();
    let up = || sb.taskdb(&["migrate", "up"]).url(&url);
    // Five seconds between migrations (over a minute in all, far longer than a switchover
    // takes even on a loaded machine), so that the switchover lands mid-run.
    let slow = || up().env("TASKDB_TEST_MIGRATION_DELAY_MS", "5000");
    let runs = [slow().spawn(), slow().spawn()];
    wait_until(120, "the first migration applied", || {
        try_count(
            &db,
            "SELECT CASE WHEN to_regclass('refinery_schema_history') IS NULL THEN 0 \
             ELSE (SELECT count(*) FROM refinery_schema_history) END",
        )
        .is_some_and(|n| n >= 1)
    });
    let old = cluster.leader().unwrap();
    // In synchronous mode Patroni switches over to the synchronous standby. (patronictl exits 0
    // even when Patroni refuses, so the test looks for the new leader itself.)
    cluster.patronictl(&["switchover", "--force"]);
    wait_until(60, "a new leader", || {
        cluster.leader().is_some_and(|l| l != old)
    });
    let mut interrupted = 0;
    for run in runs {
        let ran = run.wait(240);
        if ran.code != 0 {
            // The server ended the session: what was applied stays, the rest is for a rerun.
            retryable(&ran, "");
            interrupted += 1;
            eprintln!(
                "switchover: a migrate up run: {}",
                ran.stderr.lines().last().unwrap_or("")
            );
        }
    }
    // Both sessions were on the old leader, which the switchover restarts as a replica.
    assert_eq!(
        interrupted, 2,
        "a run on the old leader was not interrupted"
    );
    // As a deploy script would: run again while the answer is "try again" (exit 6).
    let mut reruns = 0;
    loop {
        let ran = up().run();
        if ran.code == 0 {
            break;
        }
        retryable(&ran, "");
        eprintln!(
            "switchover: a rerun: {}",
            ran.stderr.lines().last().unwrap_or("")
        );
        reruns += 1;
        assert!(reruns < 60, "migrate up keeps failing\n{ran}");
        std::thread::sleep(Duration::from_secs(1));
    }
    assert_ne!(
        cluster.leader(),
        Some(old),
        "the switchover moved the leader"
    );
    // Every migration once, on the leader and on both replicas it streams to.
    let expected = shipped_versions();
    assert_eq!(history(&url), expected);
    sb.taskdb(&["migrate", "status", "--check"]).url(&url).ok();
    cluster.heal();
    for i in 0..cluster.nodes.len() {
        let node = cluster.node_url(i, &db.name);
        wait_until(60, "the history on every node", || {
            history(&node) == expected
        });
    }

    // pg_dump and pg_restore go to the host the command reached, the leader, even when the
    // first host listed is a replica (a restore there would fail: read-only).
    let replica_first = cluster.url_starting_with(old, &db.name);
    let created = sb
        .taskdb(&["backup", "create", "--reason", "after the switchover"])
        .url(&replica_first)
        .ok_json();
    let copy = format!("{}_copy", db.name);
    sb.taskdb(&["backup", "restore", created["path"].as_str().unwrap()])
        .args(["--into", &copy])
        .url(&replica_first)
        .ok();
    assert_eq!(history(&cluster.url(&copy)), expected);
    cluster
        .client("postgres")
        .batch_execute(&format!("DROP DATABASE {copy} WITH (FORCE)"))
        .unwrap();

    // Through one replica alone (no target_session_attrs): the lock would be granted there,
    // but the run refuses before changing anything.
    sb.taskdb(&["migrate", "up"])
        .url(cluster.node_url(old, &db.name))
        .refused(
            1,
            "is a standby (in recovery): `taskdb migrate up` writes, which needs the primary",
        );
}

#[test]
fn a_worker_and_a_waiting_claim_give_up_with_exit_6_once_reconnect_for_has_passed() {
    let pg = DedicatedPg::start(&[]);
    let url = pg.conninfo("postgres");
    let sb = Sandbox::new();
    sb.taskdb(&["migrate", "up", "--no-backup"]).url(&url).ok();
    sb.taskdb(&["task", "create", "before the outage"])
        .url(&url)
        .ok();
    let log = File::create(sb.path().join("worker.log")).unwrap();
    let worker = sb
        .taskdb(&[
            "worker",
            "--lease",
            "10s",
            "--reconnect-for",
            "2s",
            "--",
            "true",
        ])
        .url(&url)
        .env("TMPDIR", sb.path())
        .spawn_with(Stdio::from(log.try_clone().unwrap()), Stdio::from(log));
    let waiting = sb
        .taskdb(&["task", "next", "--claim", "--tag", "never", "--wait", "5m"])
        .args(["--reconnect-for", "2s"])
        .url(&url)
        .spawn();
    // Both connected and waiting: the task completed, two listening sessions.
    wait_until(60, "the task completed and both waiting", || {
        let mut c = pg.client("postgres");
        let done: i64 = c
            .query_one("SELECT count(*) FROM tasks WHERE status = 'completed'", &[])
            .unwrap()
            .get(0);
        let listening: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'taskdb listen'",
                &[],
            )
            .unwrap()
            .get(0);
        done == 1 && listening == 2
    });
    pg.stop();
    let ran = waiting.wait(60);
    retryable(&ran, "gave up after 2s of trying to reach the database");
    let ran = worker.wait(60);
    let log = std::fs::read_to_string(sb.path().join("worker.log")).unwrap();
    assert_eq!(ran.code, 6, "{log}");
    let errors: Vec<&str> = log.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{log}");
    assert!(
        errors[0].starts_with(
            "error: gave up after 2s of trying to reach the database ([tasks] reconnect_for): "
        ),
        "{log}"
    );
    assert!(
        log.contains("warning: claim failed (trying again for up to 2s"),
        "{log}"
    );
}
