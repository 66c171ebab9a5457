//! Leases on claims (V14): who holds a task, until when, in which attempt; heartbeats and
//! releases only by the holder; expired leases handed back at the next claim (or by
//! `maintain`); poison tasks given up at max attempts; bad input refused with nothing changed.

use serde_json::Value;

use crate::support::{wait_until, Sandbox, TestDb, TestPg};

fn create(sb: &Sandbox, title: &str, extra: &[&str]) -> String {
    let mut args = vec!["task", "create", title];
    args.extend_from_slice(extra);
    sb.taskdb(&args).ok().text()
}

/// Audit rows of task #`short` whose changed fields include `field`.
fn audited(db: &TestDb, short: i64, field: &str) -> i64 {
    db.client()
        .query_one(
            "SELECT count(*) FROM audit_log a JOIN tasks t ON a.record_id = t.id::text \
              WHERE t.short_id = $1 AND a.action = 'UPDATE' AND $2 = ANY(a.changed_fields)",
            &[&short, &field],
        )
        .unwrap()
        .get(0)
}

/// Wait until task `id`'s lease has expired by the server's clock (a bound on a hang).
fn wait_for_expiry(sb: &Sandbox, id: &str) {
    wait_until(20, "the lease to expire", || {
        let stale = sb.taskdb(&["task", "list", "--stale"]).ok_json();
        stale
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["short_id"].as_i64() == id.parse().ok())
    });
}

#[test]
fn a_claim_records_holder_lease_and_attempt_and_only_the_holder_extends_or_releases() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let id = create(&sb, "leased work", &[]);
    let t = sb
        .taskdb(&[
            "task", "next", "--claim", "--assign", "agent-1", "--lease", "10m",
        ])
        .ok_json();
    assert_eq!(t["status"], "in_progress");
    assert_eq!(t["assigned_to"], "agent-1");
    assert_eq!(t["attempts"], 1);
    let until = t["lease_expires_at"].as_str().unwrap().to_string();
    // The claim is audited (status, assignee, attempt, lease) in one row.
    assert_eq!(audited(&db, 1, "attempts"), 1);
    let shown = sb.taskdb(&["task", "show", &id]).ok();
    shown
        .stdout_contains("held by agent-1 until")
        .stdout_contains("attempts");

    // Anyone else: one line naming the holder, exit 2, nothing changed.
    let before = db.counts();
    sb.taskdb(&["task", "heartbeat", &id, "--assign", "agent-2"])
        .refused(
            2,
            "task #1 is not held by agent-2: it is held by agent-1 (attempt 1)",
        );
    sb.taskdb(&["task", "release", &id, "--assign", "agent-2"])
        .refused(2, "is not held by agent-2");
    sb.taskdb(&[
        "task",
        "release",
        &id,
        "--assign",
        "agent-1",
        "--attempt",
        "2",
    ])
    .refused(2, "is not held by agent-1");
    // The actor is the default holder.
    sb.taskdb(&["--actor", "agent-3", "task", "heartbeat", &id])
        .refused(2, "is not held by agent-3");
    // A heartbeat fenced to another attempt is refused too.
    sb.taskdb(&[
        "task",
        "heartbeat",
        &id,
        "--assign",
        "agent-1",
        "--attempt",
        "2",
    ])
    .refused(2, "is not held by agent-1");
    assert_eq!(db.counts(), before);
    let after = sb.taskdb(&["task", "show", &id]).ok_json();
    assert_eq!(after["lease_expires_at"].as_str().unwrap(), until);

    // The holder extends it: a later end, no audit row, updated_at unchanged.
    let hb = sb
        .taskdb(&[
            "task",
            "heartbeat",
            &id,
            "--assign",
            "agent-1",
            "--extend",
            "2h",
            "--attempt",
            "1",
        ])
        .ok_json();
    assert!(hb["lease_expires_at"].as_str().unwrap() > until.as_str());
    assert_eq!(hb["updated_at"], after["updated_at"]);
    assert_eq!(db.counts(), before);

    // The holder releases it: pending again, the note kept, audited; the attempt still counts.
    let r = sb
        .taskdb(&[
            "task",
            "release",
            &id,
            "--assign",
            "agent-1",
            "--note",
            "needs a GPU",
        ])
        .ok_json();
    assert_eq!(r["status"], "pending");
    assert_eq!(r["assigned_to"], Value::Null);
    assert_eq!(r["lease_expires_at"], Value::Null);
    assert_eq!(r["attempts"], 1);
    assert_eq!(
        r["last_outcome"],
        "released by agent-1 on attempt 1: needs a GPU"
    );
    assert_eq!(audited(&db, 1, "last_outcome"), 1);
    // Not held any more: a heartbeat by the old holder is refused, saying why.
    sb.taskdb(&["task", "heartbeat", &id, "--assign", "agent-1"])
        .refused(2, "is not held by agent-1: it is pending");
    let history = sb.taskdb(&["task", "history", &id]).ok();
    history.stdout_contains("released by agent-1");
}

#[test]
fn an_expired_lease_is_claimed_again_and_a_poison_task_stops_at_max_attempts() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let id = create(&sb, "flaky", &["--max-attempts", "2"]);
    let claim = |who: &str| {
        sb.taskdb(&["task", "next", "--claim", "--assign", who, "--lease", "1s"])
            .ok_json()
    };
    assert_eq!(claim("agent-1")["attempts"], 1);
    // Nothing else is claimable while the lease holds.
    assert_eq!(claim("agent-2"), Value::Null);
    wait_for_expiry(&sb, &id);
    // The next claim hands the expired lease back and takes it: a new attempt.
    let second = claim("agent-2");
    assert_eq!(second["short_id"].to_string(), id);
    assert_eq!(second["attempts"], 2);
    assert_eq!(second["assigned_to"], "agent-2");
    let outcome = second["last_outcome"].as_str().unwrap();
    assert!(
        outcome.starts_with("the lease of agent-1 expired at"),
        "{outcome}"
    );
    assert!(outcome.ends_with("(attempt 1 of 2)"), "{outcome}");
    wait_for_expiry(&sb, &id);
    // Its second lease expires too: with max attempts used it is given up, not claimed again.
    assert_eq!(claim("agent-3"), Value::Null);
    let t = sb.taskdb(&["task", "show", &id]).ok_json();
    assert_eq!(t["status"], "failed");
    assert_eq!(t["attempts"], 2);
    assert_eq!(t["lease_expires_at"], Value::Null);
    assert!(
        t["last_outcome"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 2 attempt(s): the lease of agent-2 expired"),
        "{t}"
    );
    // Expiry and give-up are in the audit trail.
    let history = sb.taskdb(&["task", "history", &id]).ok();
    history
        .stdout_contains("expired")
        .stdout_contains("in_progress → failed");
}

#[test]
fn maintain_hands_back_expired_leases_and_reports_them() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let id = create(&sb, "abandoned", &[]);
    create(&sb, "held", &[]);
    sb.taskdb(&[
        "task",
        "next",
        "--claim",
        "--assign",
        "dead-agent",
        "--lease",
        "1s",
    ])
    .ok();
    sb.taskdb(&["task", "next", "--claim", "--assign", "live-agent"])
        .ok();
    wait_for_expiry(&sb, &id);
    let stale = sb.taskdb(&["task", "list", "--stale"]).ok_json();
    assert_eq!(stale.as_array().unwrap().len(), 1, "{stale}");
    let report = sb.taskdb(&["maintain"]).ok_json();
    let expired = report["leases_expired"].as_array().unwrap();
    assert_eq!(expired.len(), 1, "{report}");
    assert_eq!(expired[0]["short_id"].to_string(), id);
    assert_eq!(expired[0]["status"], "pending");
    let t = sb.taskdb(&["task", "show", &id]).ok_json();
    assert_eq!(t["status"], "pending");
    assert_eq!(t["assigned_to"], Value::Null);
    // The live lease is untouched; a second run finds nothing.
    assert_eq!(
        sb.taskdb(&["task", "show", "2"]).ok_json()["assigned_to"],
        "live-agent"
    );
    let again = sb.taskdb(&["maintain"]).ok_json();
    assert_eq!(again["leases_expired"], serde_json::json!([]));
    sb.taskdb(&["--format", "table", "maintain"])
        .ok()
        .stdout_contains("none expired");
}

#[test]
fn limit_claims_several_in_order_and_lease_off_never_expires() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    for (title, prio) in [("low", "2"), ("high", "9"), ("mid", "5"), ("tagged", "1")] {
        create(&sb, title, &["-p", prio]);
    }
    sb.taskdb(&["task", "update", "4", "--tag", "gpu"]).ok();
    let got = sb
        .taskdb(&["task", "next", "--claim", "--limit", "2", "--lease", "off"])
        .ok_json();
    let ids: Vec<i64> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["short_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3]);
    assert!(got
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["lease_expires_at"].is_null()));
    // Text output: one id per line.
    sb.taskdb(&[
        "--format", "table", "task", "next", "--claim", "--limit", "5", "--tag", "gpu",
    ])
    .ok()
    .stdout_is("4\n");
    // Nothing left matching: an empty array with --limit, null without.
    assert_eq!(
        sb.taskdb(&["task", "next", "--claim", "--limit", "3", "--tag", "gpu"])
            .ok_json(),
        serde_json::json!([])
    );
    // [tasks] lease in the config file is the default lease.
    let cfg = sb.path().join("c.toml");
    std::fs::write(&cfg, "[tasks]\nlease = \"90s\"\nmax_attempts = 5\n").unwrap();
    let t = sb
        .taskdb(&["task", "next", "--claim"])
        .env("TASKDB_CONFIG", &cfg)
        .ok_json();
    assert_eq!(t["short_id"], 1);
    assert!(!t["lease_expires_at"].is_null());
    sb.taskdb(&["config", "show"])
        .env("TASKDB_CONFIG", &cfg)
        .ok()
        .stdout_contains("90s");
}

#[test]
fn bad_lease_input_is_refused_in_one_line_and_changes_nothing() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let id = create(&sb, "target", &[]);
    sb.taskdb(&["task", "next", "--claim", "--assign", "a"])
        .ok();
    create(&sb, "other", &[]);
    let before = db.counts();
    for (args, needle) in [
        (vec!["task", "next", "--claim", "--lease", "0"], "--lease"),
        (vec!["task", "next", "--claim", "--lease=-5s"], "negative"),
        (
            vec!["task", "next", "--claim", "--lease", "soon"],
            "--lease",
        ),
        (
            vec!["task", "next", "--claim", "--lease", "400d"],
            "too long",
        ),
        (vec!["task", "next", "--claim", "--limit", "0"], "--limit"),
        (
            vec!["task", "next", "--claim", "--limit", "1001"],
            "--limit",
        ),
        (
            vec!["task", "next", "--claim", "--max-attempts", "0"],
            "--max-attempts",
        ),
        (vec!["task", "next", "--lease", "5m"], "--claim"),
        (
            vec!["task", "next", "--claim", "--assign", " "],
            "--assign needs a name",
        ),
        (
            vec!["task", "heartbeat", "999", "--assign", "a"],
            "task #999 not found",
        ),
        (
            vec!["task", "heartbeat", "abc", "--assign", "a"],
            "malformed task id",
        ),
        (
            vec!["task", "heartbeat", &id, "--assign", "a", "--extend", "off"],
            "--extend off",
        ),
        (
            vec!["task", "heartbeat", &id, "--assign", "a", "--extend", "0s"],
            "--extend",
        ),
        (vec!["task", "release", "999", "--assign", "a"], "not found"),
        (
            vec![
                "task",
                "release",
                &id,
                "--assign",
                "a",
                "--note",
                "two\nlines",
            ],
            "--note",
        ),
        (
            vec!["task", "create", "x", "--max-attempts", "0"],
            "--max-attempts",
        ),
    ] {
        // One `error:` line (clap's usage errors add its hint line below it).
        let ran = sb.taskdb(&args).expect_exit(2);
        ran.stdout_is("").stderr_contains(needle).no_panic();
        assert!(
            ran.all().trim_start().starts_with("error: "),
            "{args:?}: {}",
            ran.all()
        );
    }
    // A wrong [tasks] value names the file's line and key, for every command.
    let cfg = sb.path().join("c.toml");
    std::fs::write(&cfg, "[tasks]\n\nlease = \"0s\"\n").unwrap();
    sb.taskdb(&["task", "list"])
        .env("TASKDB_CONFIG", &cfg)
        .refused(2, ":3: key `tasks.lease`");
    std::fs::write(&cfg, "[tasks]\nmax_attempts = 0\n").unwrap();
    sb.taskdb(&["task", "next", "--claim"])
        .env("TASKDB_CONFIG", &cfg)
        .refused(2, "tasks.max_attempts");
    assert_eq!(db.counts(), before);
    let t = sb.taskdb(&["task", "show", "2"]).ok_json();
    assert_eq!(t["status"], "pending");
}

/// `task next --claim --wait` in the background with polling made useless (10 minutes), so only
/// a notification — or the lease-expiry deadline — can wake it before the test's bound.
fn waiting_claim(sb: &Sandbox, db: &TestDb, who: &str) -> crate::support::Spawned {
    let before = db.listeners();
    let spawned = sb
        .taskdb(&["task", "next", "--claim", "--wait", "60s", "--assign", who])
        .format_json()
        .env("TASKDB_POLL_INTERVAL", "10m")
        .spawn();
    wait_until(30, "the waiter to LISTEN", || db.listeners() > before);
    // ... and to have tried to claim and found nothing (its main connection idle after a
    // statement: each one ends with its transaction's COMMIT): from here on only a wake-up can
    // make it claim (a task that becomes claimable before the waiter waits has notified it).
    wait_until(30, "the waiter's empty claim", || {
        db.client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                   AND pid <> pg_backend_pid() AND application_name = 'taskdb' \
                   AND state = 'idle' AND query = 'COMMIT'",
                &[],
            )
            .unwrap()
            .get::<_, i64>(0)
            > 0
    });
    spawned
}

#[test]
fn wait_wakes_on_a_new_task_a_completed_blocker_and_an_expired_lease() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);

    // Nothing at all: a new task wakes the waiter (NOTIFY from the insert).
    let waiting = waiting_claim(&sb, &db, "waiter-1");
    let id = create(&sb, "arrives", &[]);
    let got = waiting.wait(30).ok().json();
    assert_eq!(got["short_id"].to_string(), id);
    assert_eq!(got["assigned_to"], "waiter-1");

    // A blocked task: its blocker's completion wakes the waiter.
    let blocked = create(&sb, "blocked", &["--depends-on", &id]);
    let waiting = waiting_claim(&sb, &db, "waiter-2");
    sb.taskdb(&["task", "status", &id, "done"]).ok();
    let got = waiting.wait(30).ok().json();
    assert_eq!(got["short_id"].to_string(), blocked);

    // A held task whose lease ends: no notification, the waiter wakes at the lease's end.
    let held = create(&sb, "held", &[]);
    sb.taskdb(&[
        "task",
        "next",
        "--claim",
        "--assign",
        "dying-agent",
        "--lease",
        "2s",
    ])
    .ok();
    let waiting = waiting_claim(&sb, &db, "waiter-3");
    let got = waiting.wait(30).ok().json();
    assert_eq!(got["short_id"].to_string(), held);
    assert_eq!(got["attempts"], 2);
}

#[test]
fn wait_ending_empty_exits_4_and_polling_is_said_with_v() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let ran = sb
        .taskdb(&["task", "next", "--claim", "--wait", "1s"])
        .format_json()
        .expect_exit(4);
    ran.stdout_is("null\n")
        .stderr_contains("nothing became claimable");
    sb.taskdb(&["task", "next", "--claim", "--wait", "300ms", "--limit", "2"])
        .format_json()
        .expect_exit(4)
        .stdout_is("[]\n");
    // Listening off: bounded polling, said with -v; a task created meanwhile is still found.
    let ran = sb
        .taskdb(&["-v", "task", "next", "--claim", "--wait", "1s"])
        .env("TASKDB_LISTEN_URL", "off")
        .env("TASKDB_POLL_INTERVAL", "200ms")
        .expect_exit(4);
    ran.stderr_contains("polling every 200ms");
    let ran = sb
        .taskdb(&["-v", "task", "next", "--claim", "--wait", "1s"])
        .expect_exit(4);
    ran.stderr_contains("LISTEN taskdb_ready");
    // --wait needs --claim; a bad duration is refused.
    sb.taskdb(&["task", "next", "--wait", "5s"]).expect_exit(2);
    sb.taskdb(&["task", "next", "--claim", "--wait", "soon"])
        .expect_exit(2)
        .stderr_contains("--wait");
}

/// Notifications received on `c` within `ms` milliseconds.
fn notified(c: &mut postgres::Client, ms: u64) -> usize {
    use postgres::fallible_iterator::FallibleIterator;
    let mut n = 0;
    let mut notes = c.notifications();
    let mut it = notes.timeout_iter(std::time::Duration::from_millis(ms));
    while let Ok(Some(note)) = it.next() {
        assert_eq!(note.channel(), "taskdb_ready");
        n += 1;
    }
    n
}

/// NOTIFY takes a cluster-wide lock at commit: only what makes a task claimable notifies, once
/// per transaction however many tasks it makes claimable; claims, heartbeats and completions
/// that unblock nothing do not.
#[test]
fn only_changes_that_make_work_claimable_notify_and_once_per_transaction() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let mut listener = db.client();
    listener.batch_execute("LISTEN taskdb_ready").unwrap();
    let mut c = db.client();
    c.batch_execute(
        "INSERT INTO tasks (title) SELECT 'bulk ' || g FROM generate_series(1, 1000) g",
    )
    .unwrap();
    assert_eq!(notified(&mut listener, 500), 1, "a bulk insert");
    // Blocked on arrival (created with a dependency on an open task): nothing claimable.
    c.batch_execute(
        "BEGIN; \
         INSERT INTO tasks (title, status) VALUES ('deferred one', 'deferred'); \
         COMMIT;",
    )
    .unwrap();
    assert_eq!(notified(&mut listener, 300), 0, "a deferred task");
    sb.taskdb(&["task", "next", "--claim", "--assign", "a", "--limit", "5"])
        .ok();
    sb.taskdb(&["task", "heartbeat", "1", "--assign", "a"]).ok();
    sb.taskdb(&["task", "status", "2", "done"]).ok();
    assert_eq!(
        notified(&mut listener, 300),
        0,
        "claim, heartbeat, completion"
    );
    sb.taskdb(&["task", "release", "1", "--assign", "a"]).ok();
    assert_eq!(notified(&mut listener, 500), 1, "a release");
    // A completion that unblocks a dependent notifies; so does reopening a deferred task.
    sb.taskdb(&["task", "create", "after 3", "--depends-on", "3"])
        .ok();
    assert_eq!(notified(&mut listener, 300), 0, "a task created blocked");
    sb.taskdb(&["task", "status", "3", "done"]).ok();
    assert_eq!(notified(&mut listener, 500), 1, "a blocker completed");
    sb.taskdb(&["task", "status", "1001", "pending"]).ok();
    assert_eq!(notified(&mut listener, 500), 1, "deferred → pending");
}
