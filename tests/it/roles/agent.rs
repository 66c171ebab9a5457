//! What an agent may do: claim, heartbeat, release, change the status of and finish the tasks
//! it claimed — only through the schema's functions — run a worker, record metrics; nothing
//! else, and nothing on another agent's task. Its audit rows carry its role whatever actor it
//! claims to be. `role drop` hands an agent's tasks back only when told to.

use super::{all_refused, client_as, lacks, url_as, Logins};
use crate::support::{Sandbox, TestDb, TestPg};

/// (status, assigned_to, holder_role) of task #`short`.
fn holder(db: &TestDb, short: i64) -> (String, Option<String>, Option<String>) {
    let row = db
        .client()
        .query_one(
            "SELECT status, assigned_to, holder_role::text FROM tasks WHERE short_id = $1",
            &[&short],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[test]
fn an_agent_works_only_on_the_tasks_it_claimed_and_only_through_the_functions() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let a = logins.create(&sb, &db, "agent_a", "agent");
    let b = logins.create(&sb, &db, "agent_b", "agent");
    for title in ["one", "two", "three", "four"] {
        sb.taskdb(&["task", "create", title]).ok();
    }
    let as_a = |args: &[&str]| sb.taskdb(args).url(url_as(&db, &a));
    let as_b = |args: &[&str]| sb.taskdb(args).url(url_as(&db, &b));

    // A claims #1 and works on it: heartbeat, status, release, claim again, complete.
    let t = as_a(&[
        "task", "next", "--claim", "--assign", "worker-a", "--lease", "10m",
    ])
    .ok_json();
    assert_eq!(t["short_id"], 1);
    assert_eq!(
        holder(&db, 1),
        (
            "in_progress".into(),
            Some("worker-a".into()),
            Some(a.clone())
        )
    );
    as_a(&[
        "task",
        "heartbeat",
        "1",
        "--assign",
        "worker-a",
        "--extend",
        "20m",
    ])
    .ok();

    // B cannot touch it, even under A's holder name: TD030's line, exit 2, nothing changed.
    let before = db.counts();
    let not_b = format!("task #1 is not held by {b}: it is held by {a} (as worker-a, attempt 1)");
    as_b(&["task", "heartbeat", "1", "--assign", "worker-a"]).refused(2, &not_b);
    as_b(&["task", "release", "1", "--assign", "worker-a"]).refused(2, &not_b);
    as_b(&["task", "status", "1", "completed"]).refused(2, &not_b);
    // Nor a task nobody claimed.
    as_b(&["task", "status", "2", "in_progress"])
        .refused(2, &format!("task #2 is not held by {b}: it is pending"));
    assert_eq!(db.counts(), before);
    assert_eq!(holder(&db, 1).2, Some(a.clone()));

    as_a(&["task", "status", "1", "review", "--note", "ready"]).ok();
    assert_eq!(
        holder(&db, 1),
        ("review".into(), Some("worker-a".into()), None)
    );
    // Review is not held: A's claim ended with it.
    as_a(&["task", "status", "1", "completed"])
        .refused(2, &format!("task #1 is not held by {a}: it is review"));

    let t = as_a(&["task", "next", "--claim", "--assign", "worker-a"]).ok_json();
    assert_eq!(t["short_id"], 2);
    as_a(&[
        "task", "release", "2", "--assign", "worker-a", "--note", "later",
    ])
    .ok();
    assert_eq!(holder(&db, 2), ("pending".into(), None, None));

    // A worker as the agent: claims, runs the command, completes the task.
    let run = as_a(&["worker", "--once", "--", "true"])
        .env("TMPDIR", sb.path())
        .ok();
    run.no_panic();
    assert_eq!(holder(&db, 2).0, "completed");
    as_a(&[
        "metrics",
        "record",
        "agent_tasks_done",
        "1",
        "--component",
        "agent",
    ])
    .ok();

    // What an agent may not do through taskdb: exit 5, naming what was refused.
    let before = db.counts();
    for (args, what) in [
        (
            vec!["task", "create", "mine"],
            "permission denied for function create_task",
        ),
        (
            vec!["task", "update", "3", "--title", "x"],
            "permission denied for table tasks",
        ),
        (
            vec!["task", "delete", "3", "--yes"],
            "permission denied for table tasks",
        ),
        (
            vec!["task", "deps", "add", "4", "3"],
            "permission denied for table task_dependencies",
        ),
    ] {
        as_a(&args).refused(5, what).stderr_contains(&lacks(&a));
    }
    assert_eq!(db.counts(), before);

    // And below taskdb: no UPDATE/DELETE/TRUNCATE/DDL, no secrets, no forged audit rows.
    let mut c = client_as(&db, &a);
    c.batch_execute("SELECT id, integration_name, status FROM external_integrations")
        .unwrap();
    all_refused(
        &mut c,
        &[
            "UPDATE tasks SET title = 'x' WHERE short_id = 3",
            "UPDATE tasks SET status = 'in_progress', holder_role = session_user WHERE short_id = 3",
            "DELETE FROM tasks WHERE short_id = 3",
            "TRUNCATE tasks",
            "DROP TABLE tasks",
            "ALTER TABLE tasks ADD COLUMN x int",
            "CREATE TABLE mine (x int)",
            "CREATE FUNCTION mine() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            "SELECT configuration FROM external_integrations",
            "SELECT * FROM external_integrations",
            "INSERT INTO tasks (title) VALUES ('sneaky')",
            "INSERT INTO audit_log (table_name, record_id, action, new_values) VALUES ('tasks', 'x', 'INSERT', '{}')",
            "SELECT expire_leases()",
            "SELECT create_task('sneaky')",
        ],
    );
    assert_eq!(db.counts(), before);
}

#[test]
fn the_audit_trail_names_the_agents_role_whatever_actor_it_claims() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let a = logins.create(&sb, &db, "agent", "agent");
    sb.taskdb(&["task", "create", "audited"]).ok();
    sb.taskdb(&["--actor", "the-boss", "task", "next", "--claim"])
        .url(url_as(&db, &a))
        .ok();
    sb.taskdb(&["task", "status", "1", "completed"])
        .url(url_as(&db, &a))
        .env("TASKDB_ACTOR", "someone-else")
        .ok();
    let rows: Vec<(String, String)> = db
        .client()
        .query(
            "SELECT actor, session_role::text FROM audit_log \
              WHERE table_name = 'tasks' AND action = 'UPDATE' ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("the-boss".into(), a.clone()),
            ("someone-else".into(), a.clone())
        ]
    );
    // The creation was the superuser's own, under the sandbox's actor.
    let created: (String, String) = db
        .client()
        .query_one(
            "SELECT actor, session_role::text FROM audit_log WHERE action = 'INSERT'",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(created, ("tester@test".into(), "postgres".into()));
    // History shows the role next to a claimed actor that differs.
    let h = sb.taskdb(&["task", "history", "1"]).ok();
    h.stdout_contains(&format!("the-boss (role {a})"));
    let j = sb.taskdb(&["task", "history", "1"]).ok_json();
    assert_eq!(j[1]["session_role"], a.as_str());
}

#[test]
fn dropping_an_agent_that_holds_tasks_needs_force_which_hands_them_back() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let a = logins.create(&sb, &db, "agent", "agent");
    sb.taskdb(&["task", "create", "held"]).ok();
    sb.taskdb(&["task", "create", "not held"]).ok();
    sb.taskdb(&["task", "next", "--claim", "--assign", "w1"])
        .url(url_as(&db, &a))
        .ok();
    let list = sb.taskdb(&["role", "list"]).ok_json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == a.as_str())
        .unwrap();
    assert_eq!(row["leases"], 1);

    let before = db.counts();
    sb.taskdb(&["role", "drop", &a]).refused(
        2,
        &format!(
            "role {a} holds 1 task(s) (#1): let it finish or release them, or drop it with --force"
        ),
    );
    assert_eq!(db.counts(), before);
    assert_eq!(holder(&db, 1).2, Some(a.clone()));

    sb.taskdb(&["role", "drop", &a, "--force"])
        .ok()
        .stderr_contains(&format!("dropped role {a} (agent); handed back #1"));
    assert_eq!(holder(&db, 1), ("pending".into(), None, None));
    let outcome: String = db
        .client()
        .query_one("SELECT last_outcome FROM tasks WHERE short_id = 1", &[])
        .unwrap()
        .get(0);
    assert!(
        outcome.contains(&format!("role {a} dropped by tester@test")),
        "{outcome}"
    );
    // The hand-back is audited like any release.
    let audited: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action = 'UPDATE' \
               AND new_values ->> 'status' = 'pending' AND session_role = 'postgres'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
}
