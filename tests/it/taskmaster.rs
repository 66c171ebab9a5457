//! `taskdb task import|export|next` with Task Master files (fixtures in tests/fixtures/taskmaster).

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::support::{Sandbox, TestDb, TestPg};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/taskmaster")
        .join(name)
}

/// The short id of an imported task.
fn short(db: &TestDb, key: &str) -> String {
    let mut c = db.client();
    let id: i64 = c
        .query_one(
            "SELECT short_id FROM tasks WHERE external_key = $1",
            &[&key],
        )
        .unwrap()
        .get(0);
    id.to_string()
}

fn read(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(name)).unwrap()).unwrap()
}

#[test]
fn import_then_export_reproduces_the_file() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let path = fixture("quirks.json");
    let report = sb
        .taskdb(&["task", "import", path.to_str().unwrap()])
        .ok_json();
    assert_eq!(report["created"], 22);
    assert_eq!(report["dependencies"], 13);
    let out = sb.path().join("out.json");
    sb.taskdb(&["task", "export", "-o", out.to_str().unwrap()])
        .ok();
    let exported: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let mut original = read("quirks.json");
    // An empty tag has no tasks to carry it; everything else comes back as it was.
    original.as_object_mut().unwrap().remove("empty-tag");
    assert_eq!(exported, original);
    // One tag, to stdout.
    let only = sb
        .taskdb(&["task", "export", "--tag", "feature-x"])
        .ok_json();
    assert_eq!(only, json!({"feature-x": original["feature-x"]}));
    // Imported tasks carry their tag, key and kept keys.
    let list = sb
        .taskdb(&["task", "list", "--tag", "master", "--limit", "0"])
        .ok_json();
    assert_eq!(list.as_array().unwrap().len(), 19);
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["external_key"] == "taskmaster:master:3")
        .unwrap();
    assert_eq!(t["status"], "pending");
    assert_eq!(t["priority"], 10);
    assert_eq!(t["metadata"]["taskmaster"]["extra"]["phase"], 2);
    assert_eq!(t["metadata"]["taskmaster"]["status"], "todo");
    let sub = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["external_key"] == "taskmaster:master:1.2")
        .unwrap();
    assert_eq!(
        sub["parent_short_id"].to_string(),
        short(&db, "taskmaster:master:1")
    );
    // SQL-looking text went in and out as data.
    let evil = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["external_key"] == "taskmaster:master:8")
        .unwrap();
    assert_eq!(
        evil["title"],
        "'; DROP TABLE tasks; -- \"quoted\" $$ \\ backslash"
    );
}

/// Every task's open_blockers equals a recount from its edges (import pre-fills the count for
/// new tasks; the schema's triggers keep it through the rest).
fn assert_blocker_counts_consistent(db: &TestDb) {
    let wrong = db.open_blocker_mismatches();
    assert!(wrong.is_empty(), "open_blockers off: {wrong:?}");
}

#[test]
fn reimport_is_idempotent_and_updates_in_place() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let path = fixture("quirks.json");
    let p = path.to_str().unwrap();
    sb.taskdb(&["task", "import", p]).ok_json();
    assert_blocker_counts_consistent(&db);
    let first = db.counts();
    let again = sb.taskdb(&["task", "import", p]).ok_json();
    assert_eq!(again["created"], 0);
    assert_eq!(again["updated"], 0);
    assert_eq!(again["unchanged"], 22);
    assert_eq!(db.counts(), first, "a second import writes nothing");
    // Changes made in taskdb survive a re-import where the file did not change them.
    let zero = short(&db, "taskmaster:master:0");
    sb.taskdb(&[
        "task",
        "update",
        &zero,
        "--meta",
        "local=yes",
        "--tag",
        "master",
        "--tag",
        "mine",
    ])
    .ok();
    // The file changes: a title, a status going back from done (via allowed steps), a new task,
    // a dependency dropped.
    let mut doc = read("quirks.json");
    let tasks = doc["master"]["tasks"].as_array_mut().unwrap();
    tasks[0]["title"] = json!("Renamed");
    tasks[0]["status"] = json!("pending");
    tasks[2]["dependencies"] = json!([1]);
    tasks.push(json!({"id": 9, "title": "New", "status": "pending", "dependencies": [0]}));
    let changed = sb.path().join("changed.json");
    std::fs::write(&changed, serde_json::to_vec(&doc).unwrap()).unwrap();
    let dry = sb
        .taskdb(&["task", "import", changed.to_str().unwrap(), "--dry-run"])
        .ok_json();
    assert_eq!(
        (dry["created"].as_i64(), dry["updated"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(db.counts().0, first.0, "dry run writes nothing");
    let rep = sb
        .taskdb(&["task", "import", changed.to_str().unwrap()])
        .ok_json();
    assert_eq!(rep["created"], 1);
    assert_eq!(rep["updated"], 2);
    assert_eq!(rep["dependencies_removed"], 1);
    assert_blocker_counts_consistent(&db);
    let t = sb.taskdb(&["task", "show", &zero]).ok_json();
    assert_eq!(t["title"], "Renamed");
    assert_eq!(t["status"], "pending");
    assert_eq!(t["metadata"]["local"], "yes");
    assert_eq!(t["tags"], json!(["master", "mine"]));
    // The status went back through allowed transitions, each audited.
    let hist = sb.taskdb(&["task", "history", &zero]).ok_json();
    let statuses: Vec<&str> = hist
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "UPDATE")
        .filter_map(|h| h["new_values"]["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["in_progress", "pending"]);
    // Export now shows the file as changed.
    let out = sb.taskdb(&["task", "export", "--tag", "master"]).ok_json();
    let mut expected = doc.clone();
    expected
        .as_object_mut()
        .unwrap()
        .retain(|k, _| k == "master");
    assert_eq!(out, expected);
}

#[test]
fn legacy_files_import_as_tag_master() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let path = fixture("legacy.json");
    let rep = sb
        .taskdb(&["task", "import", path.to_str().unwrap()])
        .ok_json();
    assert_eq!(rep["tags"], json!(["master"]));
    assert_eq!(rep["created"], 6);
    let out = sb.taskdb(&["task", "export"]).ok_json();
    let legacy = read("legacy.json");
    assert_eq!(out["master"]["tasks"], legacy["tasks"]);
    assert_eq!(out.as_object().unwrap().len(), 1);
}

/// Per tag: the Task Master id `next` should name (None: nothing ready).
type Expectations = &'static [(&'static str, Option<&'static str>)];

/// `taskdb task next` names the task `task-master next` would (expected answers worked out
/// from Task Master's algorithm; the pure reference implementation agrees in unit tests).
#[test]
fn next_matches_task_master_on_the_fixtures() {
    let pg = TestPg::get();
    let cases: &[(&str, Expectations)] = &[
        (
            "quirks.json",
            &[
                ("master", Some("1.2")),
                ("feature-x", Some("23")),
                ("empty-tag", None),
            ],
        ),
        ("legacy.json", &[("master", Some("2.2"))]),
        (
            "next-phase2.json",
            &[("master", Some("6")), ("blocked-only", None)],
        ),
    ];
    for (file, expect) in cases {
        let db = pg.migrated_db();
        let sb = Sandbox::on(&db);
        sb.taskdb(&["task", "import", fixture(file).to_str().unwrap()])
            .ok_json();
        for (tag, want) in expect.iter() {
            let got = sb.taskdb(&["task", "next", "--tag", tag]).ok_json();
            match want {
                Some(id) => assert_eq!(
                    got["external_key"],
                    format!("taskmaster:{tag}:{id}"),
                    "{file} tag {tag}"
                ),
                None => assert_eq!(got, Value::Null, "{file} tag {tag}"),
            }
        }
    }
}

#[test]
fn files_that_are_not_task_master_are_refused_and_nothing_is_written() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.json", vec![], "the file is empty"),
        ("invalid.json", b"{\"tasks\": [}".to_vec(), "not valid JSON"),
        ("two.json", b"{\"tasks\":[]}{\"tasks\":[]}".to_vec(), "not valid JSON"),
        (
            "vscode.json",
            br#"{"version":"2.0.0","tasks":[{"label":"build","type":"shell","command":"make"}]}"#.to_vec(),
            "has no \"id\"",
        ),
        (
            "huckleberry.json",
            br#"{"tasks":[{"id":"task-1","title":"x","status":"todo","tags":[]}]}"#.to_vec(),
            "not a number",
        ),
        ("other.json", br#"{"version":"2.0.0","items":[]}"#.to_vec(), "not a Task Master tasks.json"),
        (
            "latin1.json",
            b"{\"tasks\":[{\"id\":1,\"title\":\"caf\xe9\"}]}".to_vec(),
            "not UTF-8",
        ),
        (
            "missing-dep.json",
            br#"{"tasks":[{"id":1,"title":"a","dependencies":[2]}]}"#.to_vec(),
            "points at 2, which does not exist",
        ),
        (
            "missing-sub-dep.json",
            br#"{"tasks":[{"id":1,"title":"a","subtasks":[{"id":1,"title":"s","dependencies":["1.5"]}]}]}"#.to_vec(),
            "1.5",
        ),
        (
            "self-dep.json",
            br#"{"tasks":[{"id":1,"title":"a","dependencies":["1"]}]}"#.to_vec(),
            "depends on itself",
        ),
        (
            "cycle.json",
            br#"{"tasks":[{"id":1,"title":"a","dependencies":[2]},{"id":2,"title":"b","dependencies":[1]}]}"#.to_vec(),
            "dependency cycle in the file",
        ),
        (
            "nul-in-unknown-key.json",
            br#"{"tasks":[{"id":1,"title":"a","notes":"x\u0000y"}]}"#.to_vec(),
            "NUL character",
        ),
        (
            "empty-title.json",
            br#"{"tasks":[{"id":1,"title":"  "}]}"#.to_vec(),
            "title is empty",
        ),
    ];
    // A 1 MB title.
    let big = format!(
        r#"{{"tasks":[{{"id":1,"title":"{}"}}]}}"#,
        "x".repeat(1 << 20)
    );
    let mut cases = cases;
    cases.push(("big-title.json", big.into_bytes(), "at most 500"));
    let before = db.counts();
    for (name, bytes, needle) in &cases {
        let path = sb.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        sb.taskdb(&["task", "import", path.to_str().unwrap()])
            .refused(2, needle);
    }
    let q = fixture("quirks.json");
    let q = q.to_str().unwrap();
    sb.taskdb(&["task", "import", "/nonexistent/tasks.json"])
        .refused(2, "no such file");
    sb.taskdb(&["task", "import", q, "--tag", "nope"])
        .refused(2, "tag \"nope\" is not in the file");
    assert_eq!(db.counts(), before);
    sb.taskdb(&["task", "export", "--tag", "nope"])
        .refused(2, "tag \"nope\" has no tasks");
}

#[test]
fn import_of_some_tags_only_and_from_stdin() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let q = fixture("quirks.json");
    let rep = sb
        .taskdb(&["task", "import", q.to_str().unwrap(), "--tag", "feature-x"])
        .ok_json();
    assert_eq!(rep["created"], 3);
    assert_eq!(rep["tags"], json!(["feature-x"]));
    let v = sb
        .taskdb(&["task", "import", "-"])
        .stdin(std::fs::read(fixture("legacy.json")).unwrap())
        .ok_json();
    assert_eq!(v["created"], 6);
}

#[test]
fn parallel_imports_of_one_file_all_succeed_and_create_each_task_once() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let path = fixture("quirks.json");
    // Without the import lock, two of these raced into "another task already has this
    // external key" (exit 2) on most runs.
    let children: Vec<_> = (0..6)
        .map(|_| {
            sb.taskdb(&["--format", "json", "task", "import"])
                .arg(&path)
                .spawn()
        })
        .collect();
    let mut created = 0;
    for child in children {
        let report = child.wait(300).ok().json();
        created += report["created"].as_i64().unwrap();
    }
    assert_eq!(created, 22, "each task created by exactly one import");
    let mut c = db.client();
    let n: i64 = c
        .query_one("SELECT count(*) FROM tasks", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 22);
}

#[test]
fn a_bulk_import_analyzes_what_it_wrote_and_a_small_one_does_not() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    let analyzed = |db: &TestDb| -> bool {
        let mut c = db.client();
        c.query_one(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'tasks'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    // A small file: autovacuum's business.
    sb.taskdb(&["task", "import", fixture("quirks.json").to_str().unwrap()])
        .ok_json();
    assert!(!analyzed(&db));
    // 1,500 tasks: planned on real sizes from the next command on, not after autovacuum.
    let tasks: Vec<Value> = (1..=1500)
        .map(|i| {
            json!({"id": i, "title": format!("bulk {i}"), "status": "pending",
                        "dependencies": if i > 1 { vec![i - 1] } else { vec![] }})
        })
        .collect();
    let file = sb.path().join("bulk.json");
    std::fs::write(
        &file,
        serde_json::to_vec(&json!({"bulk": {"tasks": tasks}})).unwrap(),
    )
    .unwrap();
    let report = sb
        .taskdb(&["task", "import", file.to_str().unwrap()])
        .ok_json();
    assert_eq!(report["created"], 1500);
    assert!(analyzed(&db), "the import analyzed tasks");
}
