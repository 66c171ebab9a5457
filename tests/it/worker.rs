//! `taskdb worker`: claims, runs CMD per task, heartbeats, retries, loss, graceful stop — with
//! real worker processes on a real PostgreSQL, and shell one-liners as CMD.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use crate::support::{wait_until, Sandbox, Spawned, Taskdb, TestDb, TestPg};

/// Insert tasks titled `titles` (in short-id order); their short ids.
fn tasks(db: &TestDb, titles: &[&str]) -> Vec<i64> {
    let titles: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    db.client()
        .query(
            "INSERT INTO tasks (title) SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) \
             ORDER BY n RETURNING short_id",
            &[&titles],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// `taskdb <args>` with the sandbox as TMPDIR (where workers make their private directories).
fn worker(sb: &Sandbox, args: &[&str]) -> Taskdb {
    sb.taskdb(args).env("TMPDIR", sb.path())
}

/// The private directories workers left in the sandbox's TMPDIR.
fn leftover_dirs(sb: &Sandbox) -> Vec<String> {
    std::fs::read_dir(sb.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("taskdb-worker-"))
        .collect()
}

/// (status, attempts, assigned_to, last_outcome) of a task.
fn state(db: &TestDb, short_id: i64) -> (String, i32, Option<String>, Option<String>) {
    let r = db
        .client()
        .query_one(
            "SELECT status, attempts, assigned_to, last_outcome FROM tasks WHERE short_id = $1",
            &[&short_id],
        )
        .unwrap();
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

/// The run contexts the worker recorded for a task (context_type, context_data), oldest first.
fn contexts(db: &TestDb, short_id: i64) -> Vec<(String, Value)> {
    db.client()
        .query(
            "SELECT c.context_type, c.context_data FROM task_contexts c JOIN tasks t ON t.id = c.task_id \
             WHERE t.short_id = $1 ORDER BY c.created_at, c.id",
            &[&short_id],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The pid a CMD wrote with `echo $$ > file` before `exec`ing, once it is there.
fn pid_in(file: &Path) -> i32 {
    wait_until(60, "the command to start", || {
        std::fs::read_to_string(file).is_ok_and(|s| s.ends_with('\n'))
    });
    std::fs::read_to_string(file)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Whether a process is gone (or a zombie nobody reaped yet).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// A small deterministic generator (splitmix64), so the dependency graph is the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` tasks; each depends on up to three random tasks with lower ids (so there is no cycle).
/// The short ids, and each task's dependencies by short id.
fn random_graph(db: &TestDb, n: usize, seed: u64) -> (Vec<i64>, HashMap<i64, Vec<i64>>) {
    let titles: Vec<String> = (0..n).map(|i| format!("job {i}")).collect();
    let refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let ids = tasks(db, &refs);
    let mut rng = Rng(seed);
    let mut deps: HashMap<i64, Vec<i64>> = HashMap::new();
    let (mut from, mut to) = (Vec::new(), Vec::new());
    for i in 1..n {
        let k = rng.below(4);
        let mut mine: Vec<i64> = (0..k).map(|_| ids[rng.below(i as u64) as usize]).collect();
        mine.sort();
        mine.dedup();
        for d in &mine {
            from.push(ids[i]);
            to.push(*d);
        }
        deps.insert(ids[i], mine);
    }
    db.client()
        .execute(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
             SELECT a.id, b.id FROM unnest($1::bigint[], $2::bigint[]) AS e(f, t) \
             JOIN tasks a ON a.short_id = e.f JOIN tasks b ON b.short_id = e.t",
            &[&from, &to],
        )
        .unwrap();
    (ids, deps)
}

#[test]
fn eight_workers_complete_four_hundred_dependent_tasks_once_each_in_order() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let (ids, deps) = random_graph(&db, 400, 13);
    let log = sb.path().join("runs.log");
    // `>>` opens with O_APPEND: each echo is one atomic write at the end of the shared file.
    let script = format!(
        "echo \"start $TASKDB_TASK_SHORT_ID $TASKDB_TASK_ATTEMPT\" >> {0}; \
         echo \"end $TASKDB_TASK_SHORT_ID $TASKDB_TASK_ATTEMPT\" >> {0}",
        log.display()
    );
    let workers: Vec<Spawned> = (0..8)
        .map(|i| {
            worker(&sb, &["worker", "--concurrency", "2", "--idle-exit", "3s"])
                .args([
                    "--assign",
                    &format!("worker-{i}"),
                    "--",
                    "sh",
                    "-c",
                    &script,
                ])
                .spawn()
        })
        .collect();
    for w in workers {
        w.wait(300).ok().no_panic();
    }

    // Every task completed, exactly once (one completion context each, none failed).
    let mut c = db.client();
    let rows = c
        .query(
            "SELECT t.short_id, t.status, t.attempts, \
                    count(x.*) FILTER (WHERE x.context_type = 'completion'), \
                    count(x.*) FILTER (WHERE x.context_type = 'error') \
               FROM tasks t LEFT JOIN task_contexts x ON x.task_id = t.id \
              GROUP BY t.id ORDER BY t.short_id",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), 400);
    for r in &rows {
        let (id, status, attempts, done, errors): (i64, String, i32, i64, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        assert_eq!(
            (status.as_str(), attempts, done, errors),
            ("completed", 1, 1, 0),
            "task #{id}"
        );
    }
    let holders: i64 = c
        .query_one(
            "SELECT count(DISTINCT context_data ->> 'holder') FROM task_contexts",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(holders >= 2, "the work was shared: {holders} holder(s)");

    // Never two runs of a task at once, and no task started before its dependencies ended.
    let text = std::fs::read_to_string(&log).unwrap();
    let mut running: HashMap<i64, bool> = HashMap::new();
    let mut ended_at: HashMap<i64, usize> = HashMap::new();
    let mut started_at: HashMap<i64, usize> = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split(' ').collect();
        assert_eq!(words.len(), 3, "line {n}: {line:?}");
        let id: i64 = words[1].parse().unwrap();
        let was = running.insert(id, words[0] == "start").unwrap_or(false);
        match words[0] {
            "start" => {
                assert!(!was, "#{id} started twice at once (line {n})");
                assert!(started_at.insert(id, n).is_none(), "#{id} ran twice");
            }
            "end" => {
                assert!(was, "#{id} ended without a start (line {n})");
                ended_at.insert(id, n);
            }
            other => panic!("line {n}: {other}"),
        }
    }
    assert_eq!(started_at.len(), 400);
    assert_eq!(ended_at.len(), 400);
    for id in &ids {
        for d in deps.get(id).into_iter().flatten() {
            assert!(
                ended_at[d] < started_at[id],
                "#{id} started (line {}) before its dependency #{d} ended (line {})",
                started_at[id],
                ended_at[d]
            );
        }
    }
}

#[test]
fn a_task_of_a_killed_worker_is_completed_by_another_after_its_lease_expires() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["survives a crash"])[0];
    let pidfile = sb.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let first = worker(
        &sb,
        &[
            "worker", "--lease", "2s", "--assign", "doomed", "--", "sh", "-c", &script,
        ],
    )
    .spawn();
    let cmd = pid_in(&pidfile);
    let killed_pid = first.pid();
    first.signal(libc::SIGKILL);
    let killed = first.wait(30);
    assert_eq!(killed.code, -1, "{killed}");
    // The command dies with its worker (it got SIGTERM as the worker died).
    wait_until(30, "the orphaned command to end", || gone(cmd));
    assert_eq!(state(&db, id).0, "in_progress");

    // Another worker waits for the lease to expire, then takes the task over.
    let second = worker(
        &sb,
        &["worker", "--once", "--idle-exit", "60s", "--lease", "2s"],
    )
    .args(["--assign", "rescuer", "--", "sh", "-c", "echo rescued"])
    .run();
    second
        .ok()
        .stderr_contains("rescued")
        .stderr_contains(&format!("#{id} \"survives a crash\" completed in"))
        .stderr_contains("(attempt 2)");
    let (status, attempts, holder, outcome) = state(&db, id);
    assert_eq!(
        (status.as_str(), attempts, holder.as_deref()),
        ("completed", 2, Some("rescuer"))
    );
    // kill -9 left the first worker's private directory (and its task file, 0600); the second
    // removed its own.
    let left = leftover_dirs(&sb);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].starts_with(&format!("taskdb-worker-{}-", killed_pid)),
        "{left:?}"
    );
    assert!(
        outcome.as_deref().unwrap_or("").contains("rescuer"),
        "{outcome:?}"
    );
}

#[test]
fn a_worker_whose_lease_is_taken_over_stops_its_command_and_leaves_the_task() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["contested"])[0];
    let pidfile = sb.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 600", pidfile.display());
    let worker = worker(
        &sb,
        &[
            "worker", "--once", "--lease", "3s", "--assign", "slow", "--grace", "5s",
        ],
    )
    .args(["--", "sh", "-c", &script])
    .spawn();
    let cmd = pid_in(&pidfile);
    // The lease runs out and the task is claimed again — under the same holder name (another
    // process of the same agent), in one transaction: the worker's next heartbeat waits for it
    // and is then refused, for the claim is no longer its attempt.
    db.client()
        .batch_execute(&format!(
            "BEGIN; UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE short_id = {id}; \
             SELECT claim_tasks('slow', interval '1 hour'); COMMIT;"
        ))
        .unwrap();
    let ran = worker.wait(60);
    ran.expect_exit(1)
        .no_panic()
        .stderr_contains(&format!("#{id} \"contested\" lost (lease taken over)"));
    assert!(gone(cmd), "the command was stopped");
    let (status, attempts, holder, _) = state(&db, id);
    assert_eq!(
        (status.as_str(), attempts, holder.as_deref()),
        ("in_progress", 2, Some("slow")),
        "the task is left to its new claim"
    );
    assert!(
        contexts(&db, id).is_empty(),
        "the lost attempt is not finished"
    );
}

#[test]
fn a_failing_command_is_retried_then_the_task_fails_with_its_stderr_and_is_not_claimed_again() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["poison"])[0];
    let script = "echo \"to stdout\"; for i in $(seq 1 30); do echo \"noise $i\" >&2; done; \
                  echo \"attempt $TASKDB_TASK_ATTEMPT failed\" >&2; exit 3";
    let ran = worker(&sb, &["worker", "--max-attempts", "2", "--idle-exit", "0"])
        .args(["--", "sh", "-c", script])
        .run();
    ran.ok()
        .stdout_is("")
        .stderr_contains("to stdout")
        .stderr_contains("attempt 2 failed")
        .stderr_contains(&format!("#{id} \"poison\" failed (exit status 3) in"))
        .stderr_contains("(attempt 1; pending again)")
        .stderr_contains("(attempt 2; gave up: failed)");
    let (status, attempts, holder, outcome) = state(&db, id);
    assert_eq!((status.as_str(), attempts, holder), ("failed", 2, None));
    let outcome = outcome.unwrap();
    assert!(
        outcome.starts_with("gave up after 2 attempt(s)"),
        "{outcome}"
    );
    assert!(outcome.ends_with("exit status 3"), "{outcome}");

    let ctx = contexts(&db, id);
    assert_eq!(ctx.len(), 2, "{ctx:?}");
    for (n, (kind, data)) in ctx.iter().enumerate() {
        assert_eq!(kind, "error");
        assert_eq!(data["exit_code"], 3);
        assert_eq!(data["signal"], Value::Null);
        assert_eq!(data["attempt"], n + 1);
        assert!(data["duration_ms"].is_u64(), "{data}");
        let tail = data["stderr_tail"].as_str().unwrap();
        assert_eq!(tail.lines().count(), 20, "{tail}");
        assert!(tail.starts_with("noise 12\n"), "{tail}");
        assert!(
            tail.ends_with(&format!("attempt {} failed", n + 1)),
            "{tail}"
        );
    }
    // The poison task is not claimed again.
    worker(&sb, &["worker", "--once", "--", "sh", "-c", "exit 0"])
        .expect_exit(4)
        .stdout_is("");
    assert_eq!(state(&db, id).1, 2);
}

#[test]
fn a_command_that_cannot_start_or_is_killed_fails_the_attempt() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["missing tool"])[0];
    worker(&sb, &["worker", "--once", "--", "/nonexistent/tool", "arg"])
        .expect_exit(1)
        .no_panic()
        .stderr_contains("failed (cannot start: /nonexistent/tool: No such file");
    let (status, attempts, _, outcome) = state(&db, id);
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(outcome.unwrap().contains("cannot start"));

    worker(&sb, &["worker", "--once", "--", "sh", "-c", "kill -9 $$"])
        .expect_exit(1)
        .stderr_contains("failed (killed by signal 9 (SIGKILL))");
    let ctx = contexts(&db, id);
    assert_eq!(ctx[0].1["exit_code"], Value::Null);
    assert_eq!(ctx[1].1["exit_code"], Value::Null);
    assert_eq!(ctx[1].1["signal"], 9);
}

/// A worker whose stderr goes to a file (read while it runs).
fn spawn_logged(sb: &Sandbox, args: &[&str]) -> (Spawned, std::path::PathBuf) {
    let log = sb.path().join("worker.err");
    let file = std::fs::File::create(&log).unwrap();
    (
        worker(sb, args).spawn_with(Stdio::piped(), Stdio::from(file)),
        log,
    )
}

#[test]
fn sigterm_releases_a_task_whose_command_outlives_the_grace_and_exits_143() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["long job"])[0];
    let pidfile = sb.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 60", pidfile.display());
    let worker = worker(&sb, &["worker", "--grace", "1s", "--", "sh", "-c", &script]).spawn();
    let cmd = pid_in(&pidfile);
    worker.signal(libc::SIGTERM);
    worker
        .wait(60)
        .expect_exit(143)
        .no_panic()
        .stdout_is("")
        .stderr_contains("stopping: no more claims")
        .stderr_contains(&format!("#{id} \"long job\" released (worker stopped)"))
        .stderr_contains("error: interrupted by SIGTERM");
    assert!(gone(cmd));
    let (status, attempts, holder, outcome) = state(&db, id);
    assert_eq!((status.as_str(), attempts, holder), ("pending", 1, None));
    assert!(outcome.unwrap().ends_with(": worker stopped"));
    assert!(
        contexts(&db, id).is_empty(),
        "a release is not a failed attempt"
    );
    assert_eq!(leftover_dirs(&sb), Vec::<String>::new());
}

#[test]
fn a_command_that_ends_within_the_grace_finishes_its_task() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let ids = tasks(&db, &["almost done", "not started"]);
    let (started, go) = (sb.path().join("started"), sb.path().join("go"));
    let script = format!(
        "touch {}; while [ ! -e {} ]; do sleep 0.02; done",
        started.display(),
        go.display()
    );
    let (worker, log) = spawn_logged(&sb, &["worker", "--", "sh", "-c", &script]);
    wait_until(60, "the command to start", || started.exists());
    worker.signal(libc::SIGTERM);
    wait_until(60, "the worker to stop claiming", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains("stopping"))
    });
    std::fs::write(&go, "").unwrap();
    worker.wait(60).expect_exit(143);
    let err = std::fs::read_to_string(&log).unwrap();
    assert!(err.contains("\"almost done\" completed in"), "{err}");
    assert_eq!(state(&db, ids[0]).0, "completed");
    assert_eq!(
        state(&db, ids[1]).1,
        0,
        "nothing is claimed after the signal"
    );
}

#[test]
fn a_second_signal_stops_the_commands_at_once_and_releases_their_tasks() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let ids = tasks(&db, &["stubborn a", "stubborn b"]);
    let dir = sb.path().join("pids");
    std::fs::create_dir(&dir).unwrap();
    // Both ignore SIGTERM; only SIGKILL ends them.
    let script = format!(
        "trap '' TERM; echo $$ > {}/$TASKDB_TASK_SHORT_ID; while :; do sleep 0.05; done",
        dir.display()
    );
    let (worker, log) = spawn_logged(
        &sb,
        &[
            "worker",
            "--concurrency",
            "2",
            "--grace",
            "1h",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    let pids: Vec<i32> = ids
        .iter()
        .map(|id| pid_in(&dir.join(id.to_string())))
        .collect();
    worker.signal(libc::SIGINT);
    wait_until(60, "the first signal to be taken", || {
        std::fs::read_to_string(&log).is_ok_and(|s| s.contains("stopping"))
    });
    worker.signal(libc::SIGINT);
    worker.wait(60).expect_exit(130).no_panic();
    let err = std::fs::read_to_string(&log).unwrap();
    for (id, pid) in ids.iter().zip(&pids) {
        assert!(err.contains(&format!("#{id} \"stubborn")), "{err}");
        wait_until(30, "the command to be killed", || gone(*pid));
        let (status, attempts, holder, _) = state(&db, *id);
        assert_eq!((status.as_str(), attempts, holder), ("pending", 1, None));
    }
    assert_eq!(err.matches("released (worker stopped)").count(), 2, "{err}");
}

#[test]
fn bad_input_is_one_line_exit_2_and_changes_nothing() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let id = tasks(&db, &["untouched"])[0];
    let before = db.counts();
    for (args, needle) in [
        (vec!["worker"], "say what to run"),
        (vec!["worker", "--once"], "say what to run"),
        (
            vec!["worker", "--concurrency", "0", "--", "true"],
            "--concurrency \"0\": must be 1 to 1000",
        ),
        (
            vec!["worker", "--concurrency", "many", "--", "true"],
            "--concurrency",
        ),
        (
            vec!["worker", "--lease", "0", "--", "true"],
            "too short for a lease",
        ),
        (vec!["worker", "--lease", "-5m", "--", "true"], "negative"),
        (
            vec!["worker", "--lease", "off", "--", "true"],
            "a worker needs a lease",
        ),
        (
            vec!["worker", "--max-tasks", "0", "--", "true"],
            "--max-tasks \"0\": must be",
        ),
        (
            vec!["worker", "--max-attempts", "0", "--", "true"],
            "--max-attempts",
        ),
        (
            vec!["worker", "--once", "--max-tasks", "2", "--", "true"],
            "cannot be combined",
        ),
        (vec!["worker", "--grace", "soon", "--", "true"], "--grace"),
        (
            vec!["worker", "--idle-exit", "-1s", "--", "true"],
            "--idle-exit",
        ),
        (
            vec!["worker", "--assign", " ", "--", "true"],
            "--assign needs a name",
        ),
        (vec!["worker", "--", ""], "is empty"),
        (
            vec!["--format", "csv", "worker", "--", "true"],
            "--format csv is not supported",
        ),
    ] {
        worker(&sb, &args).refused(2, needle);
    }
    // clap's own errors (an unknown flag, a command without --): exit 2 as well.
    worker(&sb, &["worker", "--bogus", "--", "true"])
        .expect_exit(2)
        .stdout_is("")
        .stderr_contains("--bogus");
    worker(&sb, &["worker", "true"])
        .expect_exit(2)
        .stdout_is("")
        .stderr_contains("unexpected argument");
    assert_eq!(db.counts(), before);
    assert_eq!(state(&db, id), ("pending".into(), 0, None, None));
}

#[test]
fn once_on_an_empty_queue_exits_4() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    worker(&sb, &["worker", "--once", "--", "true"])
        .expect_exit(4)
        .stdout_is("")
        .no_panic();
    worker(
        &sb,
        &["worker", "--once", "--idle-exit", "1s", "--", "true"],
    )
    .expect_exit(4);
    // Tasks that are not claimable (blocked, or of another tag or type) are nothing to claim.
    let ids = tasks(&db, &["first", "second"]);
    sb.taskdb(&[
        "task",
        "deps",
        "add",
        &ids[1].to_string(),
        &ids[0].to_string(),
    ])
    .ok();
    sb.taskdb(&["task", "update", &ids[0].to_string(), "--tag", "web"])
        .ok();
    worker(&sb, &["worker", "--once", "--tag", "db", "--", "true"]).expect_exit(4);
    worker(
        &sb,
        &["worker", "--once", "--type", "bug_fix", "--", "true"],
    )
    .expect_exit(4);
    worker(
        &sb,
        &[
            "worker",
            "--max-tasks",
            "5",
            "--idle-exit",
            "0",
            "--tag",
            "web",
            "--",
            "true",
        ],
    )
    .ok()
    .stderr_contains(&format!("#{} \"first\" completed", ids[0]));
    worker(&sb, &["worker", "--once", "--", "true"]).ok();
    assert_eq!(state(&db, ids[1]).0, "completed");
}

#[test]
fn json_lines_carry_each_outcome_and_the_command_sees_its_task() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let ids = tasks(&db, &["good", "bad"]);
    let out = sb.path().join("seen");
    std::fs::create_dir(&out).unwrap();
    // The command keeps its environment and a copy of the task file, and fails for "bad".
    let script = format!(
        "d={}/$TASKDB_TASK_SHORT_ID; mkdir $d; env | grep ^TASKDB_TASK_ | sort > $d/env; \
         cp \"$TASKDB_TASK_FILE\" $d/task.json; stat -c %a \"$TASKDB_TASK_FILE\" > $d/mode; \
         echo \"$TASKDB_TASK_FILE\" > $d/path; echo on-stdout; \
         grep -q '\"title\": \"good\"' \"$TASKDB_TASK_FILE\" || exit 5",
        out.display()
    );
    let ran = worker(
        &sb,
        &[
            "worker",
            "--max-tasks",
            "2",
            "--max-attempts",
            "1",
            "--assign",
            "j",
        ],
    )
    .args(["--", "sh", "-c", &script])
    .format_json()
    .ok();
    ran.stderr_contains("on-stdout").stdout_lacks("on-stdout");
    let lines: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| ran.fail(&format!("{l}: {e}"))))
        .collect();
    assert_eq!(lines.len(), 2, "{}", ran.stdout);
    for v in &lines {
        let good = v["title"] == "good";
        let short_id = ids[usize::from(!good)];
        assert_eq!(v["short_id"], short_id);
        assert_eq!(v["outcome"], if good { "completed" } else { "failed" });
        assert_eq!(v["exit_code"], if good { 0 } else { 5 });
        assert_eq!(v["signal"], Value::Null);
        assert_eq!(v["attempt"], 1);
        assert_eq!(v["holder"], "j");
        assert_eq!(v["status"], if good { "completed" } else { "failed" });
        assert!(v["duration_ms"].is_u64());
        let task_id = v["task_id"].as_str().unwrap();

        let seen = out.join(short_id.to_string());
        let env = std::fs::read_to_string(seen.join("env")).unwrap();
        assert!(
            env.contains(&format!("TASKDB_TASK_ID={task_id}\n")),
            "{env}"
        );
        assert!(
            env.contains(&format!("TASKDB_TASK_SHORT_ID={short_id}\n")),
            "{env}"
        );
        assert!(env.contains("TASKDB_TASK_ATTEMPT=1\n"), "{env}");
        assert!(env.contains("TASKDB_TASK_HOLDER=j\n"), "{env}");
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(seen.join("task.json")).unwrap())
                .unwrap();
        assert_eq!(file["id"], task_id);
        assert_eq!(file["status"], "in_progress");
        assert_eq!(file["assigned_to"], "j");
        assert_eq!(file["attempts"], 1);
        assert!(file["lease_expires_at"].is_string());
        assert_eq!(std::fs::read_to_string(seen.join("mode")).unwrap(), "600\n");
        let path = std::fs::read_to_string(seen.join("path")).unwrap();
        assert!(!Path::new(path.trim()).exists(), "the task file is removed");
    }
    assert_eq!(leftover_dirs(&sb), Vec::<String>::new());
}

/// An idle worker listens: with polling made useless (10 minutes), a task created later is
/// picked up at once by the notification, not by a poll.
#[test]
fn an_idle_worker_wakes_on_a_new_task_by_notification() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let w = worker(&sb, &["-v", "worker", "--max-tasks", "1", "--", "true"])
        .env("TASKDB_POLL_INTERVAL", "10m")
        .spawn();
    wait_until(30, "the worker to listen", || db.listeners() > 0);
    // Let it make its first (empty) claim and go idle.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ids = tasks(&db, &["arrives later"]);
    let ran = w.wait(30);
    ran.ok().stderr_contains("LISTEN taskdb_ready");
    assert_eq!(state(&db, ids[0]).0, "completed");
}
