//! Roles and least privilege (V16, `taskdb role …`): login roles of each kind made with the
//! real binary, then used — taskdb and a plain SQL client connecting as them — to show what each
//! may and may not do. The shared cluster trusts Unix-socket connections, so a role logs in
//! without a password there; `rotate` has a cluster of its own with password authentication.
//! Role names are cluster-wide: each test's are made unique by its database's name, and dropped
//! when it ends.

mod agent;
mod kinds;
mod rotate;

use serde_json::Value;

use crate::support::{Sandbox, TestDb, TestPg};

/// Login roles of one test, dropped when it ends (however it ends).
pub struct Logins {
    admin: String,
    names: Vec<String>,
}

impl Logins {
    pub fn new(db: &TestDb) -> Logins {
        Logins::new_on(db.pg)
    }

    /// Declared before a database the roles own, so that it is dropped first.
    pub fn new_on(pg: &TestPg) -> Logins {
        Logins {
            admin: pg.conninfo("postgres"),
            names: Vec::new(),
        }
    }

    /// A role name unique to this test: `<what>_<database>`.
    pub fn name(&mut self, db: &TestDb, what: &str) -> String {
        let name = format!("{what}_{}", db.name);
        self.names.push(name.clone());
        name
    }

    /// `taskdb role create NAME --kind KIND` (no password: the socket is trusted), as the
    /// superuser; the role's name.
    pub fn create(&mut self, sb: &Sandbox, db: &TestDb, what: &str, kind: &str) -> String {
        let name = self.name(db, what);
        sb.taskdb(&["role", "create", &name, "--kind", kind]).ok();
        name
    }
}

impl Drop for Logins {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            for n in &self.names {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {}", ident(n)));
            }
        }
    }
}

/// A quoted SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A conninfo value, quoted.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The test database's connection string, logging in as `role`.
pub fn url_as(db: &TestDb, role: &str) -> String {
    format!("{} user={}", db.url(), quoted(role))
}

/// A plain SQL client of the test database logged in as `role`.
pub fn client_as(db: &TestDb, role: &str) -> postgres::Client {
    postgres::Client::connect(&url_as(db, role), postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect as {role}: {e}"))
}

/// The SQLSTATE and message of a statement that must fail.
#[track_caller]
fn sql_refused(c: &mut postgres::Client, sql: &str) -> (String, String) {
    match c.batch_execute(sql) {
        Ok(()) => panic!("{sql}: expected an error"),
        Err(e) => {
            let db = e
                .as_db_error()
                .unwrap_or_else(|| panic!("{sql}: not a database error: {e}"));
            (db.code().code().to_string(), db.message().to_string())
        }
    }
}

/// Every one of `sqls` is refused for lack of a privilege (SQLSTATE 42501).
#[track_caller]
pub fn all_refused(c: &mut postgres::Client, sqls: &[&str]) {
    for sql in sqls {
        let (code, msg) = sql_refused(c, sql);
        assert_eq!(code, "42501", "{sql}: {msg}");
    }
}

/// Whether the role `name` exists on the server.
fn role_exists(db: &TestDb, name: &str) -> bool {
    db.client()
        .query_one(
            "SELECT count(*) = 1 FROM pg_roles WHERE rolname = $1",
            &[&name],
        )
        .unwrap()
        .get(0)
}

/// The line every refusal for a missing privilege ends with.
pub fn lacks(role: &str) -> String {
    format!("(the connected role {role} lacks this privilege; see `taskdb role show {role}`)")
}

#[test]
fn a_role_with_a_hostile_name_is_created_listed_shown_used_and_dropped_idempotently() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let name = logins.name(&db, "o'brien \"agent\" x");
    let created = sb
        .taskdb(&["role", "create", &name, "--kind", "agent"])
        .ok();
    created.stderr_contains(&format!("created role {name} (agent)"));
    assert!(role_exists(&db, &name));
    // Again: nothing changes (exit 0); another kind is refused (exit 2), nothing changed.
    sb.taskdb(&["role", "create", &name, "--kind", "agent"])
        .ok()
        .stderr_contains("exists: nothing changed");
    sb.taskdb(&["role", "create", &name, "--kind", "reader"])
        .refused(2, "exists and is a taskdb agent role, not a reader");
    // Attributes asked for on an existing role of the kind are applied.
    let set = sb
        .taskdb(&[
            "role",
            "create",
            &name,
            "--kind",
            "agent",
            "--valid-until",
            "2999-01-31",
            "--connection-limit",
            "4",
        ])
        .ok_json();
    assert_eq!(set["outcome"], "existed");
    assert_eq!(
        set["changed"],
        serde_json::json!(["valid until", "connection limit"])
    );

    let list = sb.taskdb(&["role", "list"]).ok_json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{name} not listed: {list:#}"));
    assert_eq!(row["kinds"], serde_json::json!(["agent"]));
    assert_eq!(row["login"], true);
    assert_eq!(row["connection_limit"], 4);
    assert!(row["valid_until"]
        .as_str()
        .unwrap()
        .starts_with("2999-01-31"));
    assert_eq!(row["leases"], 0);

    // It logs in (the socket is trusted) and reads; `role show` says what it may do.
    sb.taskdb(&["task", "list"]).url(url_as(&db, &name)).ok();
    let shown = sb.taskdb(&["role", "show", &name]).ok_json();
    assert_eq!(shown["kinds"], serde_json::json!(["agent"]));
    assert_eq!(shown["superuser"], false);
    assert_eq!(shown["password"], "none");
    let grant = |object: &str| -> Value {
        shown["grants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["object"] == object)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(grant("tasks")["privileges"], "SELECT");
    assert_eq!(
        grant("external_integrations")["privileges"],
        "SELECT (all columns but configuration)"
    );
    assert!(
        grant("claim_tasks(text,interval,text,integer,integer,text)")["privileges"]
            .as_str()
            .unwrap()
            .contains("security definer")
    );
    assert_eq!(grant("create_task(text,text,text,integer,text,uuid,jsonb,jsonb,text,text,text[],integer,jsonb,jsonb,text,uuid[],numeric)"), Value::Null);
    assert_eq!(grant("tasks_read on tasks")["privileges"], "SELECT");
    // The table form too.
    sb.taskdb(&["role", "show", &name])
        .ok()
        .stdout_contains("tasks_read on tasks")
        .stdout_contains("SELECT (all columns but configuration)");

    sb.taskdb(&["role", "drop", &name])
        .ok()
        .stderr_contains(&format!("dropped role {name} (agent)"));
    assert!(!role_exists(&db, &name));
    sb.taskdb(&["role", "drop", &name])
        .ok()
        .stderr_contains("nothing to drop");
    sb.taskdb(&["role", "show", &name])
        .refused(2, &format!("no role {name}"));
}

#[test]
fn bad_input_is_one_line_with_its_exit_code_and_changes_nothing() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let name = logins.name(&db, "bad");
    let empty = sb.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let unreadable = sb.path().join("no-such-file");
    let dir = sb.path().to_str().unwrap().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--kind", "admin"],
            "unknown role kind \"admin\": reader, agent or operator",
        ),
        (
            vec!["--kind", "agent", "--valid-until", "someday"],
            "--valid-until \"someday\": expected a date",
        ),
        (
            vec!["--kind", "agent", "--valid-until", "2001-01-01"],
            "that is in the past",
        ),
        (
            vec!["--kind", "agent", "--valid-until", "2031-02-30"],
            "expected a date",
        ),
        (
            vec![
                "--kind",
                "agent",
                "--password-file",
                unreadable.to_str().unwrap(),
            ],
            "cannot read the password file",
        ),
        (
            vec!["--kind", "agent", "--password-file", &dir],
            "cannot read the password file",
        ),
        (
            vec![
                "--kind",
                "agent",
                "--password-file",
                empty.to_str().unwrap(),
            ],
            "is empty",
        ),
        (
            vec!["--kind", "agent", "--generate"],
            "--generate needs --secret-file FILE",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["role", "create", name.as_str()];
        all.extend(args);
        sb.taskdb(&all).refused(2, needle);
        assert!(!role_exists(&db, &name), "{all:?} created the role");
    }
    for (bad, needle) in [
        ("pg_agent", "reserved by PostgreSQL"),
        ("taskdb_agent", "one of taskdb's group roles"),
        ("public", "reserved by PostgreSQL"),
    ] {
        sb.taskdb(&["role", "create", bad, "--kind", "agent"])
            .refused(2, needle);
    }
    // A role that is not taskdb's is neither adopted nor rotated nor dropped.
    sb.taskdb(&["role", "create", "postgres", "--kind", "operator"])
        .refused(
            2,
            "role postgres exists and is not a taskdb role, not an operator",
        );
    sb.taskdb(&["role", "rotate", "postgres", "--stdout"])
        .refused(2, "role postgres is not a taskdb role");
    sb.taskdb(&["role", "drop", "postgres"])
        .refused(2, "role postgres is not a taskdb role");
    sb.taskdb(&["role", "drop", "taskdb_agent"])
        .refused(2, "one of taskdb's group roles");
    assert!(role_exists(&db, "postgres") && role_exists(&db, "taskdb_agent"));
    sb.taskdb(&["role", "rotate", &name, "--stdout"])
        .refused(2, &format!("no role {name}"));
}

#[test]
fn managing_roles_needs_createrole_exit_5_and_changes_nothing() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let operator = logins.create(&sb, &db, "op", "operator");
    let other = logins.name(&db, "other");
    // The operator may read who exists…
    let list = sb
        .taskdb(&["role", "list"])
        .url(url_as(&db, &operator))
        .ok_json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == operator.as_str()));
    // …but has no CREATEROLE: every change is refused with one line, exit 5.
    for args in [
        vec!["role", "create", other.as_str(), "--kind", "reader"],
        vec!["role", "rotate", operator.as_str(), "--stdout"],
        vec!["role", "drop", operator.as_str()],
    ] {
        let verb = args[1];
        sb.taskdb(&args).url(url_as(&db, &operator)).refused(
            5,
            &format!("role {verb} needs a connected role with CREATEROLE (or a superuser): {operator} has neither"),
        );
    }
    assert!(!role_exists(&db, &other));
    assert!(role_exists(&db, &operator));
}

#[test]
fn the_down_migration_leaves_nothing_of_v16_and_keeps_group_roles_in_use() {
    // The grants themselves are checked in SQL (tests/sql/privileges.sql); here the down
    // script: nothing of V16 is left in this database, and the group roles stay while other
    // databases (the migrated template) use them.
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    sb.taskdb(&["migrate", "down", "--no-backup", "--yes"]).ok();
    let mut c = db.client();
    let row = c
        .query_one(
            "SELECT (SELECT relrowsecurity FROM pg_class WHERE oid = 'tasks'::regclass), \
                    (SELECT count(*) FROM pg_proc WHERE prosecdef \
                       AND pronamespace = 'public'::regnamespace), \
                    has_table_privilege('taskdb_reader', 'tasks', 'SELECT'), \
                    has_function_privilege('public', 'create_task(text,text,text,integer,text,uuid,jsonb,jsonb,text,text,text[],integer,jsonb,jsonb,text,uuid[],numeric)', 'EXECUTE'), \
                    (SELECT count(*) FROM pg_roles \
                      WHERE rolname IN ('taskdb_reader', 'taskdb_agent', 'taskdb_operator'))",
            &[],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0), "RLS left on");
    assert_eq!(row.get::<_, i64>(1), 0, "SECURITY DEFINER left");
    assert!(!row.get::<_, bool>(2), "a grant left");
    assert!(row.get::<_, bool>(3), "PUBLIC's EXECUTE not given back");
    assert_eq!(row.get::<_, i64>(4), 3, "group roles dropped while in use");
    sb.taskdb(&["migrate", "up", "--no-backup"]).ok();
    assert!(c
        .query_one(
            "SELECT has_table_privilege('taskdb_reader', 'tasks', 'SELECT')",
            &[]
        )
        .unwrap()
        .get::<_, bool>(0));
}
