//! `taskdb task …` against a real, migrated database.

use std::process::Output;

use serde_json::Value;

use crate::support::{Sandbox, TestDb, TestPg};

/// Run `taskdb --format json <args>` and parse stdout.
pub fn json(sb: &Sandbox, db: &TestDb, args: &[&str]) -> Value {
    let out = sb
        .cmd_db(db)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    crate::support::success_json(&out, &format!("{args:?}: "))
}

/// Run `taskdb <args>` and return stdout trimmed (asserting success).
pub fn ok(sb: &Sandbox, db: &TestDb, args: &[&str]) -> String {
    let out = sb.cmd_db(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A bad input: the given exit code, exactly one line on stderr starting with `error:` and
/// containing `needle`, nothing on stdout.
pub fn refused(out: Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Row counts of the tables a task command may write, to prove nothing changed.
pub fn counts(db: &TestDb) -> (i64, i64, i64, i64) {
    let mut c = db.client();
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM task_dependencies), \
                    (SELECT count(*) FROM audit_log), (SELECT count(*) FROM workflows)",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

#[test]
fn create_prints_the_id_and_json_gives_every_field() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let id = ok(&sb, &db, &["task", "create", "Parent task"]);
    assert_eq!(id, "1");
    let t = json(
        &sb,
        &db,
        &[
            "task",
            "create",
            "Child task",
            "--description",
            "desc",
            "--details",
            "notes",
            "--test-strategy",
            "run it",
            "--type",
            "bug_fix",
            "--priority",
            "high",
            "--complexity",
            "7",
            "--assign",
            "alice",
            "--parent",
            "#1",
            "--tag",
            "web",
            "--tag",
            "api",
            "--requirement",
            "r1",
            "--criterion",
            "c1",
            "--file",
            "src/a.rs",
            "--estimate",
            "2.5",
            "--repo",
            "https://example.com/r.git",
            "--branch",
            "fix/x",
            "--pr",
            "12",
            "--linear",
            "LIN-4",
            "--github",
            "99",
            "--meta",
            "k=v",
            "--meta-json",
            r#"{"n": 1}"#,
            "--depends-on",
            "1",
        ],
    );
    assert_eq!(t["short_id"], 2);
    assert_eq!(t["title"], "Child task");
    assert_eq!(t["type"], "bug_fix");
    assert_eq!(t["priority"], 8);
    assert_eq!(t["complexity"], 7);
    assert_eq!(t["assigned_to"], "alice");
    assert_eq!(t["parent_short_id"], 1);
    assert_eq!(t["tags"], serde_json::json!(["web", "api"]));
    assert_eq!(t["requirements"], serde_json::json!(["r1"]));
    assert_eq!(t["acceptance_criteria"], serde_json::json!(["c1"]));
    assert_eq!(t["affected_files"], serde_json::json!(["src/a.rs"]));
    assert_eq!(t["estimated_hours"], 2.5);
    assert_eq!(t["repository_url"], "https://example.com/r.git");
    assert_eq!(t["branch_name"], "fix/x");
    assert_eq!(t["pr_number"], 12);
    assert_eq!(t["linear_issue_id"], "LIN-4");
    assert_eq!(t["github_issue_number"], 99);
    assert_eq!(t["metadata"], serde_json::json!({"k": "v", "n": 1}));
    assert_eq!(t["created_by"], "tester@test");
    assert!(t["created_at"].as_str().unwrap().contains('T'));
    // The UUID works wherever the short id does.
    let uuid = t["id"].as_str().unwrap().to_string();
    let show = json(&sb, &db, &["task", "show", &uuid]);
    assert_eq!(show["short_id"], 2);
    assert_eq!(show["dependencies"][0]["short_id"], 1);
    let parent = json(&sb, &db, &["task", "show", "1"]);
    assert_eq!(parent["children"][0]["short_id"], 2);
    assert_eq!(parent["dependents"][0]["short_id"], 2);
    assert_eq!(parent["completion_percent"], 0.0);
    // Table output of show carries the fields.
    let text = ok(&sb, &db, &["task", "show", "2"]);
    assert!(text.contains("Child task") && text.contains("LIN-4") && text.contains("#1"));
}

#[test]
fn list_filters_sorts_and_pages() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    for (title, prio, tag) in [
        ("Fix the login redirect", "3", "web"),
        ("Write deployment pipeline", "9", "ops"),
        ("Refactor login form validation", "6", "web"),
        ("Update documentation", "1", "docs"),
        ("Rotate database credentials", "9", "ops"),
    ] {
        ok(
            &sb,
            &db,
            &["task", "create", title, "--priority", prio, "--tag", tag],
        );
    }
    ok(&sb, &db, &["task", "deps", "add", "3", "1"]);
    ok(&sb, &db, &["task", "update", "4", "--assign", "bob"]);
    let ids = |v: Value| -> Vec<i64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["short_id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(json(&sb, &db, &["task", "list"])), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--tag", "web"])),
        vec![1, 3]
    );
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--assigned", "bob"])),
        vec![4]
    );
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--assigned", "none"])),
        vec![1, 2, 3, 5]
    );
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--ready"])),
        vec![1, 2, 4, 5]
    );
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--sort", "priority"])),
        vec![2, 5, 3, 1, 4]
    );
    // Keyset pages in priority order.
    assert_eq!(
        ids(json(
            &sb,
            &db,
            &["task", "list", "--sort", "priority", "--limit", "2"]
        )),
        vec![2, 5]
    );
    assert_eq!(
        ids(json(
            &sb,
            &db,
            &["task", "list", "--sort", "priority", "--limit", "2", "--after", "5"]
        )),
        vec![3, 1]
    );
    assert_eq!(
        ids(json(&sb, &db, &["task", "list", "--after", "3"])),
        vec![4, 5]
    );
    // The next-page hint goes to stderr.
    let out = sb
        .cmd_db(&db)
        .args(["task", "list", "--limit", "2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--after 2"));
    // Search ranks by similarity.
    let found = ids(json(&sb, &db, &["task", "list", "--search", "login"]));
    assert_eq!(found.len(), 2);
    assert!(found.contains(&1) && found.contains(&3));
    let found = ids(json(&sb, &db, &["task", "search", "login redirect"]));
    assert_eq!(found[0], 1);
    // A search text with LIKE wildcards matches literally.
    assert_eq!(
        ids(json(&sb, &db, &["task", "search", "%"])),
        Vec::<i64>::new()
    );
    // CSV has a header and one line per task.
    let csv = ok(
        &sb,
        &db,
        &["--format", "csv", "task", "list", "--status", "pending"],
    );
    assert_eq!(csv.lines().count(), 6);
    // Every field, as in JSON (serde_json's maps are sorted by key).
    let header = csv.lines().next().unwrap();
    for col in [
        "id",
        "short_id",
        "title",
        "status",
        "priority",
        "tags",
        "metadata",
        "created_at",
    ] {
        assert!(header.split(',').any(|h| h == col), "{col} in {header}");
    }
    // Tree: children under their parent.
    ok(&sb, &db, &["task", "update", "3", "--parent", "1"]);
    // A task cannot become its own ancestor (the schema's hierarchy trigger).
    refused(
        sb.cmd_db(&db)
            .args(["task", "update", "1", "--parent", "3"])
            .output()
            .unwrap(),
        2,
        "task hierarchy cycle: #1 → #3 → #1",
    );
    let tree = ok(&sb, &db, &["task", "tree"]);
    assert!(
        tree.contains("#1 [pending] Fix the login redirect\n└── #3 [pending]"),
        "{tree}"
    );
    let sub = json(&sb, &db, &["task", "tree", "1"]);
    assert_eq!(sub.as_array().unwrap().len(), 2);
}

#[test]
fn status_changes_follow_the_schema_and_are_audited() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "A task"]);
    ok(
        &sb,
        &db,
        &["task", "status", "1", "in-progress", "--note", "starting"],
    );
    let t = json(&sb, &db, &["task", "status", "1", "done"]);
    assert_eq!(t["status"], "completed");
    assert!(t["completed_at"].is_string());
    // A refused transition names the allowed ones, and changes nothing.
    let before = counts(&db);
    refused(
        sb.cmd_db(&db)
            .args(["task", "status", "1", "pending"])
            .output()
            .unwrap(),
        2,
        "allowed from completed: in_progress",
    );
    refused(
        sb.cmd_db(&db)
            .args(["task", "status", "1", "finished"])
            .output()
            .unwrap(),
        2,
        "unknown status \"finished\"",
    );
    assert_eq!(counts(&db), before);
    let hist = json(&sb, &db, &["task", "history", "1"]);
    let hist = hist.as_array().unwrap();
    assert_eq!(hist[0]["action"], "INSERT");
    assert!(hist.iter().all(|h| h["actor"] == "tester@test"));
    let text = ok(&sb, &db, &["--actor", "carol", "task", "history", "1"]);
    assert!(text.contains("status: pending → in_progress"), "{text}");
    assert!(text.contains("status: in_progress → completed"), "{text}");
    ok(
        &sb,
        &db,
        &[
            "--actor",
            r"carol o'neil \ ops",
            "task",
            "status",
            "1",
            "in_progress",
        ],
    );
    let last = json(&sb, &db, &["task", "history", "1", "--limit", "1"]);
    assert_eq!(
        last[0]["actor"], r"carol o'neil \ ops",
        "quotes and backslashes kept"
    );
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "Existing"]);
    let before = counts(&db);
    let run = |args: &[&str]| sb.cmd_db(&db).args(args).output().unwrap();
    refused(
        run(&["task", "show", "abc"]),
        2,
        "malformed task id \"abc\"",
    );
    refused(
        run(&["task", "show", "1; DROP TABLE tasks"]),
        2,
        "malformed task id",
    );
    refused(run(&["task", "show", "42"]), 2, "task #42 not found");
    refused(
        run(&["task", "show", "00000000-0000-0000-0000-000000000000"]),
        2,
        "not found",
    );
    refused(run(&["task", "status", "1", "nope"]), 2, "unknown status");
    refused(
        run(&["task", "create", "x", "--priority", "11"]),
        2,
        "invalid priority \"11\"",
    );
    refused(run(&["task", "create", ""]), 2, "the title is empty");
    refused(run(&["task", "create", "   "]), 2, "the title is empty");
    // `--help` promises one line.
    for title in ["two\nlines", "carriage\rreturn", "sep\u{2028}arator"] {
        refused(
            run(&["task", "create", title]),
            2,
            "the title contains a line break; it must be one line",
        );
    }
    refused(
        run(&["task", "update", "1", "--title", "a\nb"]),
        2,
        "the title contains a line break",
    );
    // Close to the kernel's limit for one argument (128 KiB); a 1 MB title is refused on
    // import (see taskmaster tests) since argv cannot carry it.
    let long = "x".repeat(100_000);
    refused(run(&["task", "create", &long]), 2, "at most 500");
    refused(
        run(&["task", "create", "x", "--meta", "novalue"]),
        2,
        "has no '='",
    );
    refused(
        run(&["task", "create", "x", "--meta-json", "{not json"]),
        2,
        "--meta-json is not valid JSON",
    );
    refused(
        run(&["task", "create", "x", "--meta-json", "[1,2]"]),
        2,
        "must be a JSON object",
    );
    refused(
        run(&["task", "create", "x", "--parent", "99"]),
        2,
        "parent task #99 not found",
    );
    refused(
        run(&["task", "create", "x", "--depends-on", "99"]),
        2,
        "dependency task #99 not found",
    );
    refused(
        run(&["task", "create", "x", "--type", "Bad Type"]),
        2,
        "invalid --type",
    );
    refused(
        run(&["task", "create", "x", "--complexity", "11"]),
        2,
        "--complexity 11",
    );
    refused(
        run(&["task", "deps", "add", "1", "1"]),
        2,
        "cannot depend on itself",
    );
    refused(run(&["task", "update", "1"]), 2, "nothing to change");
    refused(
        run(&["task", "update", "1", "--priority=-1"]),
        2,
        "invalid priority",
    );
    refused(
        run(&["task", "update", "1", "--parent", "1"]),
        2,
        "cannot be its own parent",
    );
    refused(
        run(&["task", "list", "--status", "bogus"]),
        2,
        "unknown status",
    );
    refused(
        run(&["task", "deps", "rm", "1", "1"]),
        2,
        "does not depend on",
    );
    assert_eq!(counts(&db), before);
}

#[test]
fn sql_looking_text_is_stored_verbatim() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    let evil = "'); DROP TABLE tasks; -- \" $$ \\ %_ 日本";
    let t = json(
        &sb,
        &db,
        &[
            "task",
            "create",
            evil,
            "--description",
            evil,
            "--details",
            evil,
            "--test-strategy",
            evil,
            "--type",
            "general",
            "--assign",
            evil,
            "--tag",
            evil,
            "--requirement",
            evil,
            "--criterion",
            evil,
            "--file",
            evil,
            "--repo",
            evil,
            "--branch",
            evil,
            "--linear",
            evil,
            "--meta",
            &format!("k={evil}"),
            "--meta-json",
            &serde_json::json!({ "j": evil }).to_string(),
        ],
    );
    for field in [
        "title",
        "description",
        "details",
        "test_strategy",
        "assigned_to",
        "repository_url",
        "branch_name",
        "linear_issue_id",
    ] {
        assert_eq!(t[field], evil, "{field}");
    }
    assert_eq!(t["tags"][0], evil);
    assert_eq!(t["requirements"][0], evil);
    assert_eq!(t["acceptance_criteria"][0], evil);
    assert_eq!(t["affected_files"][0], evil);
    assert_eq!(t["metadata"]["k"], evil);
    assert_eq!(t["metadata"]["j"], evil);
    // Filters and search take it as data too.
    let found = json(
        &sb,
        &db,
        &[
            "task",
            "list",
            "--search",
            evil,
            "--assigned",
            evil,
            "--tag",
            evil,
        ],
    );
    assert_eq!(found.as_array().unwrap().len(), 1);
    let mut c = db.client();
    let n: i64 = c
        .query_one("SELECT count(*) FROM tasks WHERE title = $1", &[&evil])
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}

#[test]
fn dependency_cycles_are_refused_and_spelled_out() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    for t in ["a", "b", "c", "d"] {
        ok(&sb, &db, &["task", "create", t]);
    }
    ok(&sb, &db, &["task", "deps", "add", "1", "2"]);
    ok(&sb, &db, &["task", "deps", "add", "2", "3"]);
    ok(&sb, &db, &["task", "deps", "add", "3", "4"]);
    let before = counts(&db);
    refused(
        sb.cmd_db(&db)
            .args(["task", "deps", "add", "4", "1"])
            .output()
            .unwrap(),
        2,
        "dependency cycle: #4 → #1 → #2 → #3 → #4",
    );
    assert_eq!(counts(&db), before);
    // 'related' links never block, so they may point back.
    ok(
        &sb,
        &db,
        &["task", "deps", "add", "4", "1", "--type", "related"],
    );
    let list = json(&sb, &db, &["task", "deps", "list", "2"]);
    let dirs: Vec<(&str, i64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["direction"].as_str().unwrap(),
                d["short_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(dirs, vec![("depends_on", 3), ("dependent", 1)]);
    ok(&sb, &db, &["task", "deps", "rm", "2", "3"]);
    ok(&sb, &db, &["task", "deps", "add", "3", "2"]);
}

#[test]
fn concurrent_deps_add_closing_a_cycle_from_two_sides_lets_exactly_one_win() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    for round in 0..6 {
        let a = ok(&sb, &db, &["task", "create", &format!("a{round}")]);
        let b = ok(&sb, &db, &["task", "create", &format!("b{round}")]);
        let c = ok(&sb, &db, &["task", "create", &format!("c{round}")]);
        // a → b already; concurrently b → c and c → a close a → b → c → a.
        ok(&sb, &db, &["task", "deps", "add", &a, &b]);
        let mut p1 = sb.cmd_db(&db);
        p1.args(["task", "deps", "add", &b, &c]);
        let mut p2 = sb.cmd_db(&db);
        p2.args(["task", "deps", "add", &c, &a]);
        let h1 = std::thread::spawn(move || p1.output().unwrap());
        let h2 = std::thread::spawn(move || p2.output().unwrap());
        let (o1, o2) = (h1.join().unwrap(), h2.join().unwrap());
        let wins = [&o1, &o2].iter().filter(|o| o.status.success()).count();
        assert_eq!(wins, 1, "round {round}: {o1:?} {o2:?}");
        let loser = if o1.status.success() { &o2 } else { &o1 };
        assert_eq!(loser.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&loser.stderr).contains("dependency cycle"));
    }
}

#[test]
fn twenty_agents_claiming_at_once_get_twenty_different_tasks() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    {
        let mut c = db.client();
        c.batch_execute(
            "INSERT INTO tasks (title, priority) SELECT 'ready ' || g, g % 3 FROM generate_series(1, 20) g",
        )
        .unwrap();
    }
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let mut cmd = sb.cmd_db(&db);
            cmd.args([
                "--format",
                "json",
                "task",
                "next",
                "--claim",
                "--assign",
                &format!("agent-{i}"),
            ]);
            std::thread::spawn(move || cmd.output().unwrap())
        })
        .collect();
    let mut claimed = Vec::new();
    for h in handles {
        let out = h.join().unwrap();
        let v = crate::support::success_json(&out, "task next --claim: ");
        assert_eq!(v["status"], "in_progress");
        claimed.push((
            v["short_id"].as_i64().unwrap(),
            v["assigned_to"].as_str().unwrap().to_string(),
        ));
    }
    let mut ids: Vec<i64> = claimed.iter().map(|c| c.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20, "{claimed:?}");
    let mut c = db.client();
    let rows = c
        .query(
            "SELECT count(*), count(DISTINCT assigned_to) FROM tasks WHERE status = 'in_progress'",
            &[],
        )
        .unwrap();
    assert_eq!(rows[0].get::<_, i64>(0), 20);
    assert_eq!(rows[0].get::<_, i64>(1), 20);
    // Each task claimed once: one status_change context per task.
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM task_contexts WHERE context_type = 'status_change'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 20);
    // Nothing left: empty stdout (json null), a note, exit 0.
    let out = sb
        .cmd_db(&db)
        .args(["task", "next", "--claim"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to claim"));
    assert_eq!(json(&sb, &db, &["task", "next", "--claim"]), Value::Null);
}

#[test]
fn next_prefers_subtasks_of_started_work_then_priority_then_fewer_deps() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "base"]); // 1
    ok(
        &sb,
        &db,
        &[
            "task",
            "create",
            "high, one dep",
            "-p",
            "high",
            "--depends-on",
            "1",
        ],
    ); // 2
    ok(&sb, &db, &["task", "create", "high, no deps", "-p", "high"]); // 3
    ok(&sb, &db, &["task", "create", "parent", "-p", "low"]); // 4
    ok(
        &sb,
        &db,
        &["task", "create", "child", "--parent", "4", "-p", "low"],
    ); // 5
    assert_eq!(ok(&sb, &db, &["task", "next"]), "3");
    ok(&sb, &db, &["task", "status", "1", "done"]);
    assert_eq!(ok(&sb, &db, &["task", "next"]), "3");
    ok(&sb, &db, &["task", "status", "4", "in_progress"]);
    // Subtasks of in-progress tasks come first, whatever their priority.
    assert_eq!(ok(&sb, &db, &["task", "next"]), "5");
    // Claiming the default assignee is the actor.
    let t = json(&sb, &db, &["--actor", "robot-1", "task", "next", "--claim"]);
    assert_eq!(t["short_id"], 5);
    assert_eq!(t["assigned_to"], "robot-1");
    // Without --claim an in-progress task can be named again (as Task Master does) ...
    assert_eq!(ok(&sb, &db, &["task", "next"]), "5");
    // ... but it is never claimed twice.
    assert_eq!(json(&sb, &db, &["task", "next", "--claim"])["short_id"], 3);
    // --tag narrows the choice.
    ok(&sb, &db, &["task", "update", "2", "--tag", "x"]);
    assert_eq!(ok(&sb, &db, &["task", "next", "--tag", "x"]), "2");
    let out = sb
        .cmd_db(&db)
        .args(["task", "next", "--tag", "nope"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
}

#[test]
fn delete_needs_cascade_for_children_and_confirmation_without_a_terminal() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "parent"]);
    ok(&sb, &db, &["task", "create", "child", "--parent", "1"]);
    ok(&sb, &db, &["task", "create", "grandchild", "--parent", "2"]);
    ok(
        &sb,
        &db,
        &["task", "create", "dependent", "--depends-on", "1"],
    );
    let before = counts(&db);
    refused(
        sb.cmd_db(&db)
            .args(["--yes", "task", "delete", "1"])
            .output()
            .unwrap(),
        2,
        "1 child task(s) and 1 dependent task(s)",
    );
    refused(
        sb.cmd_db(&db)
            .args(["task", "delete", "1", "--cascade"])
            .output()
            .unwrap(),
        2,
        "pass --yes",
    );
    assert_eq!(counts(&db), before);
    let v = json(&sb, &db, &["--yes", "task", "delete", "1", "--cascade"]);
    assert_eq!(v["deleted"], 3);
    let left = json(&sb, &db, &["task", "list"]);
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["title"], "dependent");
    assert_eq!(
        json(&sb, &db, &["task", "deps", "list", "4"]),
        serde_json::json!([])
    );
    ok(&sb, &db, &["--yes", "task", "delete", "4"]);
    // The deletions are in the audit log.
    let mut c = db.client();
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM audit_log WHERE table_name = 'tasks' AND action = 'DELETE'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
}

/// Migration V6: inserting many dependencies in one transaction bumps the graph lock once
/// (V4 bumped it per row, which made bulk inserts quadratic); cycles are still refused.
#[test]
fn the_dependency_graph_lock_is_bumped_once_per_transaction() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let mut c = db.client();
    c.batch_execute("INSERT INTO tasks (title) SELECT 't' || g FROM generate_series(1, 300) g")
        .unwrap();
    let version = |c: &mut postgres::Client| -> i64 {
        c.query_one(
            "SELECT version FROM task_graph_locks WHERE graph = 'dependencies'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    let before = version(&mut c);
    c.batch_execute(
        "BEGIN; \
         INSERT INTO task_dependencies (task_id, depends_on_task_id) \
         SELECT a.id, b.id FROM tasks a JOIN tasks b ON b.short_id = a.short_id - 1; \
         COMMIT;",
    )
    .unwrap();
    assert_eq!(version(&mut c), before + 1);
    let err = c
        .batch_execute(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id) \
             SELECT (SELECT id FROM tasks WHERE short_id = 1), (SELECT id FROM tasks WHERE short_id = 300)",
        )
        .unwrap_err();
    assert_eq!(err.code().map(|s| s.code()), Some("TD001"));
}

#[test]
fn terminal_escapes_in_titles_are_shown_escaped_and_kept_exact_in_json() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let title = "evil \x1b]0;pwned\x07 \x1b[2J \u{9b}31m \u{202e}txt.exe";
    assert_eq!(ok(&sb, &db, &["task", "create", title]), "1");
    let raw_controls = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        text.chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}')
    };
    for args in [
        &["task", "list"][..],
        &["task", "show", "1"],
        &["task", "tree"],
        &["--format", "csv", "task", "list"],
    ] {
        let out = sb.cmd_db(&db).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            !raw_controls(&out.stdout),
            "{args:?} printed raw control characters: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let shown = ok(&sb, &db, &["task", "show", "1"]);
    assert!(shown.contains("\\x1b]0;pwned\\x07"), "{shown}");
    assert!(shown.contains("\\u{202e}txt.exe"), "{shown}");
    // People-talk on stderr quotes titles too.
    let out = sb.cmd_db(&db).args(["task", "next"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        !raw_controls(&out.stderr),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\x1b[2J"));
    let t = json(&sb, &db, &["task", "show", "1"]);
    assert_eq!(t["title"], title);
    let list = json(&sb, &db, &["task", "list"]);
    assert_eq!(list[0]["title"], title);
}

#[test]
fn a_database_without_the_schema_says_run_migrate_up() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::new();
    for args in [
        &["task", "list"][..],
        &["task", "create", "x"],
        &["task", "show", "1"],
        &["workflow", "list"],
        &["metrics", "dump"],
        &["metrics", "record", "cpu", "1"],
    ] {
        let out = sb.cmd_db(&db).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: the database has no (or an incomplete) taskdb schema (")
                && stderr.trim_end().ends_with("): run `taskdb migrate up`"),
            "{args:?}: {stderr}"
        );
    }
}
