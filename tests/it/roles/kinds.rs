//! What a reader and an operator may do: a reader reads and writes nothing; an operator
//! changes all data — tasks, imports, upkeep — but no schema, and cannot touch the audit trail.

use std::path::PathBuf;

use super::{all_refused, client_as, lacks, url_as, Logins};
use crate::support::{Sandbox, TestPg};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/taskmaster")
        .join(name)
}

#[test]
fn a_reader_reads_everything_but_secrets_and_writes_nothing() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let reader = logins.create(&sb, &db, "reader", "reader");
    sb.taskdb(&["task", "create", "first"]).ok();
    sb.taskdb(&["task", "create", "second"]).ok();
    sb.taskdb(&["workflow", "create", "1"]).ok();
    sb.taskdb(&["metrics", "record", "queue_depth", "3"]).ok();
    let as_reader = |args: &[&str]| sb.taskdb(args).url(url_as(&db, &reader));

    // What it may do: read tasks, their history, workflows, metrics, the schema's state.
    let list = as_reader(&["task", "list"]).ok_json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list:#}");
    as_reader(&["task", "show", "1"]).ok();
    as_reader(&["task", "history", "1"]).ok();
    as_reader(&["task", "next"]).ok();
    as_reader(&["workflow", "list"]).ok();
    as_reader(&["metrics", "dump", "--name", "queue_depth"]).ok();
    as_reader(&["migrate", "status"]).ok();
    as_reader(&["task", "export"]).ok();

    // Every write: one line naming what was refused and the role, exit 5, nothing changed.
    let before = db.counts();
    let task_json = fixture("quirks.json");
    for (args, what) in [
        (
            vec!["task", "create", "third"],
            "permission denied for function create_task",
        ),
        (
            vec!["task", "update", "1", "--title", "x"],
            "permission denied for table tasks",
        ),
        (
            vec!["task", "status", "1", "in_progress"],
            "permission denied for function update_task_status",
        ),
        (
            vec!["task", "delete", "2", "--yes"],
            "permission denied for table tasks",
        ),
        (
            vec!["task", "deps", "add", "2", "1"],
            "permission denied for table task_dependencies",
        ),
        (
            vec!["task", "next", "--claim"],
            "permission denied for function claim_tasks",
        ),
        (
            vec!["task", "import", task_json.to_str().unwrap()],
            "permission denied",
        ),
        (
            vec!["workflow", "create", "2"],
            "permission denied for function create_workflow",
        ),
        (
            vec!["metrics", "record", "queue_depth", "4"],
            "permission denied for function record_metric",
        ),
        (vec!["maintain"], "permission denied"),
    ] {
        let ran = as_reader(&args).refused(5, what);
        ran.stderr_contains(&lacks(&reader));
    }
    assert_eq!(db.counts(), before);

    // Below taskdb: no secret, no write, no DDL.
    let mut c = client_as(&db, &reader);
    c.batch_execute(
        "SELECT id, integration_name, rate_limit_per_minute FROM external_integrations",
    )
    .unwrap();
    all_refused(
        &mut c,
        &[
            "SELECT configuration FROM external_integrations",
            "UPDATE tasks SET title = 'x'",
            "DELETE FROM tasks",
            "TRUNCATE tasks",
            "INSERT INTO audit_log (table_name, record_id, action, new_values) VALUES ('tasks', 'x', 'INSERT', '{}')",
            "CREATE TABLE mine (x int)",
            "DROP TABLE tasks",
        ],
    );
    assert_eq!(db.counts(), before);
}

#[test]
fn an_operator_changes_all_data_but_not_the_schema_nor_the_audit_trail() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let operator = logins.create(&sb, &db, "operator", "operator");
    let as_op = |args: &[&str]| sb.taskdb(args).url(url_as(&db, &operator));

    // Tasks: create, change, move, depend, delete.
    as_op(&["task", "create", "one"]).ok();
    as_op(&["task", "create", "two", "--parent", "1"]).ok();
    as_op(&[
        "task",
        "update",
        "2",
        "--title",
        "two, renamed",
        "--priority",
        "8",
    ])
    .ok();
    as_op(&["task", "status", "1", "in_progress"]).ok();
    as_op(&["task", "create", "three"]).ok();
    as_op(&["task", "deps", "add", "3", "2"]).ok();
    as_op(&["task", "deps", "rm", "3", "2"]).ok();
    as_op(&["task", "delete", "3", "--yes"]).ok();
    // Import and export a Task Master file.
    let report = as_op(&["task", "import", fixture("quirks.json").to_str().unwrap()]).ok_json();
    assert_eq!(report["created"], 22, "{report:#}");
    let out = sb.path().join("out.json");
    as_op(&["task", "export", "-o", out.to_str().unwrap()]).ok();
    assert!(std::fs::metadata(&out).unwrap().len() > 100);
    // Upkeep: partitions and retention through the owner's functions; ANALYZE needs ownership,
    // and is skipped with a note.
    let m = as_op(&["--format", "json", "maintain"]).ok().json();
    assert_eq!(m["analyzed"].as_array().unwrap().len(), 0, "{m:#}");
    assert!(
        m["analyze_skipped"].as_array().unwrap().len() >= 10,
        "{m:#}"
    );
    as_op(&["maintain"])
        .ok()
        .stdout_contains("skipped: the connected role does not own them");
    as_op(&["metrics", "record", "deploys", "1"]).ok();
    as_op(&["metrics", "prune", "--older-than", "30d"]).ok();

    // The audit trail names the operator's role, and it cannot be rewritten or erased.
    let mut c = client_as(&db, &operator);
    let roles: i64 = c
        .query_one(
            "SELECT count(*) FROM audit_log WHERE session_role = $1",
            &[&operator.as_str()],
        )
        .unwrap()
        .get(0);
    assert!(roles >= 5, "{roles} audit rows of {operator}");
    let before = db.counts();
    all_refused(
        &mut c,
        &[
            "INSERT INTO audit_log (table_name, record_id, action, new_values) VALUES ('tasks', 'x', 'INSERT', '{}')",
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
            "TRUNCATE tasks",
            "CREATE TABLE mine (x int)",
            "ALTER TABLE tasks ADD COLUMN x int",
            "DROP TABLE workflows",
            "ALTER TABLE tasks DISABLE ROW LEVEL SECURITY",
            "CREATE OR REPLACE FUNCTION current_actor() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
            "UPDATE task_status_transitions SET to_status = 'completed'",
        ],
    );
    assert_eq!(db.counts(), before);
    // Through taskdb, a refused statement is one line naming it, exit 5.
    sb.taskdb(&["task", "list"])
        .url(url_as(&db, &operator))
        .ok();
    sb.taskdb(&["migrate", "down", "--no-backup", "--yes"])
        .url(url_as(&db, &operator))
        .expect_exit(5)
        .stderr_contains(&lacks(&operator));
}

#[test]
fn a_schema_owner_without_superuser_migrates_manages_roles_and_its_functions_serve_agents() {
    let pg = TestPg::get();
    let mut logins = Logins::new_on(pg);
    let db = pg.fresh_db();
    // The usual production setup: the schema's owner owns the database and may create roles,
    // nothing more (the group roles already exist on this cluster: other tests made them).
    let owner = logins.name(&db, "owner");
    db.client()
        .batch_execute(&format!(
            "CREATE ROLE {o} LOGIN CREATEROLE; ALTER DATABASE {d} OWNER TO {o}",
            o = super::ident(&owner),
            d = db.name
        ))
        .unwrap();
    let sb = Sandbox::new();
    let as_owner = |args: &[&str]| sb.taskdb(args).url(url_as(&db, &owner));
    as_owner(&["migrate", "up", "--no-backup"]).ok();
    let agent = logins.name(&db, "agent");
    let operator = logins.name(&db, "operator");
    as_owner(&["role", "create", &agent, "--kind", "agent"]).ok();
    as_owner(&["role", "create", &operator, "--kind", "operator"]).ok();

    sb.taskdb(&["task", "create", "through the owner's functions"])
        .url(url_as(&db, &operator))
        .ok();
    let claimed = sb
        .taskdb(&["task", "next", "--claim", "--lease", "5m"])
        .url(url_as(&db, &agent))
        .ok_json();
    assert_eq!(claimed["short_id"], 1);
    sb.taskdb(&["task", "status", "1", "completed"])
        .url(url_as(&db, &agent))
        .ok();
    let roles: Vec<String> = db
        .client()
        .query("SELECT session_role::text FROM audit_log ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(roles, vec![operator.clone(), agent.clone(), agent.clone()]);
    // The owner reads and writes everything (it bypasses row-level security), and keeps DDL.
    let mut c = super::client_as(&db, &owner);
    c.batch_execute(
        "SELECT count(*) FROM tasks; CREATE TABLE owners_own (x int); DROP TABLE owners_own",
    )
    .unwrap();
}
