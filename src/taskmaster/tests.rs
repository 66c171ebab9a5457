//! Unit tests of the Task Master format: parsing quirks, refusals, import rows, export.

#![allow(clippy::unwrap_used)]
use std::collections::HashMap;

use serde_json::{json, Value};

use super::*;

fn p(text: &str) -> TmFile {
    parse(text.as_bytes()).unwrap()
}

fn perr(text: &[u8]) -> String {
    parse(text).unwrap_err().0
}

#[test]
fn both_shapes() {
    let legacy = p(r#"{"tasks":[{"id":1,"title":"a"}],"meta":{"x":1}}"#);
    assert_eq!(legacy.shape, Shape::Legacy);
    assert_eq!(legacy.tags[0].name, "master");
    assert_eq!(legacy.extras["meta"], json!({"x":1}));
    let tagged = p(
        r#"{"master":{"tasks":[{"id":"1","title":"a"}]},"f":{"tasks":[],"metadata":{"created":"x"}},"$schema":"s"}"#,
    );
    assert_eq!(tagged.shape, Shape::Tagged);
    assert_eq!(tagged.tags.len(), 2);
    assert_eq!(tagged.extras["$schema"], json!("s"));
    let master = tagged.tags.iter().find(|t| t.name == "master").unwrap();
    assert_eq!(master.tasks[0].id, 1);
    assert_eq!(master.tasks[0].raw_id, json!("1"));
}

#[test]
fn refuses_what_is_not_task_master() {
    assert!(perr(b"").contains("empty"));
    assert!(perr(b"  \n").contains("empty"));
    assert!(perr(b"{\"tasks\":[1}").contains("not valid JSON"));
    assert!(perr(b"{\"tasks\":[]}{\"tasks\":[]}").contains("not valid JSON"));
    assert!(perr(b"[1,2]").contains("not a JSON object"));
    assert!(perr(b"{\"version\":\"2.0.0\",\"tasks\":[{\"label\":\"build\",\"type\":\"shell\",\"command\":\"make\"}]}").contains("has no \"id\""));
    assert!(
        perr(b"{\"tasks\":[{\"id\":\"task-1\",\"title\":\"x\",\"status\":\"todo\"}]}")
            .contains("not a number")
    );
    assert!(perr(b"{\"version\":\"2.0.0\"}").contains("not a Task Master"));
    assert!(perr(b"{\"tasks\":[{\"id\":1,\"title\":\"\xff\"}]}").contains("not UTF-8"));
    assert!(perr(b"{\"tasks\":[{\"id\":1,\"title\":\"\"}]}").contains("title is empty"));
    assert!(
        perr(b"{\"tasks\":[{\"id\":1,\"title\":\"a\"},{\"id\":\"1\",\"title\":\"b\"}]}")
            .contains("appears twice")
    );
}

#[test]
fn dependencies_in_every_spelling() {
    let f = p(r#"{"master":{"tasks":[
        {"id":0,"title":"zero","dependencies":[]},
        {"id":21,"title":"a","dependencies":["0"],"subtasks":[
            {"id":1,"title":"s1"},
            {"id":3,"title":"s3","dependencies":[1,"21.1"]},
            {"id":4,"title":"s4","dependencies":[0]}
        ]},
        {"id":"23","title":"b","dependencies":[21,"21.3"]}
    ]}}"#);
    let t = &f.tags[0].tasks;
    assert_eq!(t[1].dependencies, vec![Ref::Task(0)]);
    assert_eq!(t[1].subtasks[1].dependencies, vec![Ref::Sub(21, 1)]);
    // No sibling 21.0, but a top-level task 0 exists: the int means that task.
    assert_eq!(t[1].subtasks[2].dependencies, vec![Ref::Task(0)]);
    assert_eq!(t[2].dependencies, vec![Ref::Task(21), Ref::Sub(21, 3)]);
}

#[test]
fn missing_and_self_dependencies_are_refused() {
    let e = perr(br#"{"tasks":[{"id":1,"title":"a","dependencies":[7]}]}"#);
    assert!(e.contains("points at 7, which does not exist"), "{e}");
    let e = perr(br#"{"tasks":[{"id":1,"title":"a","subtasks":[{"id":1,"title":"s","dependencies":["1.9"]}]}]}"#);
    assert!(e.contains("1.9"), "{e}");
    let e = perr(br#"{"tasks":[{"id":1,"title":"a","dependencies":[1]}]}"#);
    assert!(e.contains("depends on itself"), "{e}");
}

#[test]
fn subtask_ints_that_only_make_sense_as_tasks() {
    let f = p(r#"{"tasks":[{"id":1,"title":"a"},{"id":4,"title":"b"},
        {"id":12,"title":"c","dependencies":[1,4],"subtasks":[
          {"id":1,"title":"s1","dependencies":[4]},
          {"id":4,"title":"s4","dependencies":[1]},
          {"id":5,"title":"s5","dependencies":[7]},
          {"id":7,"title":"s7","dependencies":[]}]}]}"#);
    let subs = &f.tags[0].tasks[2].subtasks;
    assert_eq!(subs[0].dependencies, vec![Ref::Task(4)]);
    assert_eq!(subs[1].dependencies, vec![Ref::Task(1)]);
    // No task 7: still the sibling.
    assert_eq!(subs[2].dependencies, vec![Ref::Sub(12, 7)]);
    let set = to_import_rows(f.clone(), &[]).unwrap();
    let rows = db_rows(&set);
    let (doc, _) = export(&rows, &HashMap::new(), &[]);
    assert_eq!(
        doc["master"]["tasks"][2]["subtasks"][0]["dependencies"],
        json!([4])
    );
}

#[test]
fn cycles_in_the_file_are_refused() {
    let f = p(
        r#"{"tasks":[{"id":1,"title":"a","dependencies":[3]},{"id":2,"title":"b","dependencies":[1]},
        {"id":3,"title":"c","dependencies":[2]}]}"#,
    );
    let e = to_import_rows(f.clone(), &[]).unwrap_err().0;
    assert!(
        e.contains("dependency cycle in the file: 1 → 3 → 2 → 1"),
        "{e}"
    );
}

#[test]
fn vocabularies() {
    assert_eq!(status_to_db(Some(&json!("done"))), "completed");
    assert_eq!(status_to_db(Some(&json!("completed"))), "completed");
    assert_eq!(status_to_db(Some(&json!("in-progress"))), "in_progress");
    assert_eq!(status_to_db(Some(&json!("todo"))), "pending");
    assert_eq!(status_to_db(None), "pending");
    assert_eq!(status_from_db("completed"), "done");
    for (name, v) in PRIORITY_NAMES {
        assert_eq!(priority_to_db(Some(&json!(name))), Some(*v));
        assert_eq!(priority_from_db(*v), *name);
    }
    assert_eq!(priority_to_db(Some(&json!("urgent"))), Some(10));
    assert_eq!(priority_to_db(Some(&json!("whenever"))), Some(5));
    assert_eq!(priority_to_db(None), None);
}

#[test]
fn import_rows_keep_raw_forms_and_inherit_priority() {
    let f = p(
        r#"{"tasks":[{"id":"2","title":"a","priority":"high","status":"weird","custom":[1],
        "subtasks":[{"id":1,"title":"s","parentTaskId":2}]}]}"#,
    );
    let set = to_import_rows(f.clone(), &[]).unwrap();
    assert_eq!(set.rows.len(), 2);
    let (t, s) = (&set.rows[0], &set.rows[1]);
    assert_eq!(t.external_key, "taskmaster:master:2");
    assert_eq!(t.status, "pending");
    assert_eq!(t.priority, 8);
    assert_eq!(t.metadata.value()["taskmaster"]["status"], json!("weird"));
    assert_eq!(
        t.metadata.value()["taskmaster"]["extra"]["custom"],
        json!([1])
    );
    assert_eq!(s.external_key, "taskmaster:master:2.1");
    assert_eq!(s.parent_key.as_deref(), Some("taskmaster:master:2"));
    assert_eq!(s.priority, 8);
    assert!(s.metadata.value()["taskmaster"].get("priority").is_none());
    assert_eq!(
        s.metadata.value()["taskmaster"]["extra"]["parentTaskId"],
        json!(2)
    );
    assert!(to_import_rows(f.clone(), &["nope".into()])
        .unwrap_err()
        .0
        .contains("not in the file"));
}

/// Turn import rows into export rows as the database would hold them.
pub(super) fn db_rows(set: &ImportSet) -> Vec<ExportRow> {
    let keys: HashMap<&str, uuid::Uuid> = set
        .rows
        .iter()
        .map(|r| (r.external_key.as_str(), uuid::Uuid::new_v4()))
        .collect();
    set.rows
        .iter()
        .enumerate()
        .map(|(i, r)| ExportRow {
            key: keys[r.external_key.as_str()],
            parent: r.parent_key.as_deref().map(|k| keys[k]),
            short_id: i as i64 + 1,
            title: r.title.clone(),
            description: r.description.clone(),
            details: r.details.clone(),
            test_strategy: r.test_strategy.clone(),
            status: r.status.into(),
            priority: r.priority,
            metadata: r.metadata.value(),
            depends_on: set
                .deps
                .iter()
                .filter(|d| d.task_key == r.external_key)
                .map(|d| keys[d.depends_on_key.as_str()])
                .collect(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        })
        .collect()
}

const QUIRKY: &str = r#"{
  "master": {"tasks": [
    {"id": 21, "title": "start at 21", "description": "d", "details": "", "testStrategy": "",
     "status": "done", "dependencies": [], "priority": "high", "subtasks": []},
    {"id": "23", "title": "string id", "description": "d", "status": "in-progress",
     "dependencies": ["21"], "priority": "critical", "updatedAt": "2025-01-01T00:00:00Z",
     "subtasks": [
       {"id": 1, "title": "s1", "status": "done", "dependencies": []},
       {"id": 3, "title": "s3", "status": "pending", "dependencies": [1, "23.1"], "parentId": "23"},
       {"id": 4, "title": "no status", "dependencies": ["23.3"], "acceptanceCriteria": "x",
        "testStrategy": null},
       {"id": "23-5", "title": "prefixed id", "status": "deferred"}
     ]},
    {"id": 24, "title": "todo status", "status": "todo", "dependencies": [23], "priority": "urgent"},
    {"id": 25, "title": "no priority", "status": "pending", "dependencies": [], "phase": 2,
     "metadata": {"k": "v"}}
  ], "metadata": {"version": "1.0.0", "taskCount": 9, "tags": ["master"]}},
  "feature-x": {"tasks": [
    {"id": 0, "title": "id zero", "status": "completed", "dependencies": [], "priority": "low"}
  ], "metadata": {"created": "2025-07-03T10:00:00.000Z", "description": "Tasks for feature-x context"}}
}"#;

#[test]
fn export_after_import_reproduces_the_file() {
    let original: Value = serde_json::from_str(QUIRKY).unwrap();
    let file = p(QUIRKY);
    let set = to_import_rows(file.clone(), &[]).unwrap();
    let rows = db_rows(&set);
    let meta: HashMap<String, Value> = set
        .tags
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.metadata.clone()?)))
        .collect();
    let (doc, report) = export(&rows, &meta, &[]);
    assert_eq!(doc, original);
    assert_eq!(report.tasks, 5);
    assert_eq!(report.subtasks, 4);
    let (only, _) = export(&rows, &meta, &["feature-x".into()]);
    assert_eq!(only.as_object().unwrap().len(), 1);
}

#[test]
fn export_reflects_changes_made_in_taskdb() {
    let file = p(QUIRKY);
    let set = to_import_rows(file.clone(), &[]).unwrap();
    let mut rows = db_rows(&set);
    let at = |rows: &[ExportRow], title: &str| rows.iter().position(|r| r.title == title).unwrap();
    let i23 = at(&rows, "string id");
    rows[i23].status = "completed".into();
    rows[i23].depends_on.clear();
    let i24 = at(&rows, "todo status");
    rows[i24].priority = 2;
    let native_parent = rows[at(&rows, "start at 21")].key;
    rows.push(ExportRow {
        key: uuid::Uuid::new_v4(),
        parent: Some(native_parent),
        short_id: 100,
        title: "new child".into(),
        description: None,
        details: None,
        test_strategy: None,
        status: "in_progress".into(),
        priority: 8,
        metadata: json!({}),
        depends_on: vec![],
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    });
    let (doc, _) = export(&rows, &HashMap::new(), &[]);
    let tasks = doc["master"]["tasks"].as_array().unwrap();
    assert_eq!(tasks[1]["status"], json!("done"));
    assert_eq!(tasks[1]["dependencies"], json!([]));
    assert_eq!(tasks[2]["priority"], json!("low"));
    assert_eq!(tasks[0]["subtasks"][0]["id"], json!(1));
    assert_eq!(tasks[0]["subtasks"][0]["status"], json!("in-progress"));
    assert_eq!(
        doc["master"]["metadata"]["description"],
        json!("Tasks for master context")
    );
}

#[test]
fn next_follows_task_master() {
    // The reference example (task-master.md §2.3): 2 is in progress, 2.2 waits on done 2.1.
    let f = p(r#"{"master":{"tasks":[
      {"id":1,"title":"a","status":"done","dependencies":[],"priority":"high","subtasks":[]},
      {"id":2,"title":"b","status":"in-progress","dependencies":[1],"priority":"medium","subtasks":[
        {"id":1,"title":"s1","status":"done","dependencies":[]},
        {"id":2,"title":"s2","status":"pending","dependencies":["2.1"]}]}]}}"#);
    assert_eq!(next_task(&f.tags[0]).as_deref(), Some("2.2"));
    // Priority first, then fewer dependencies, then lower id; cancelled does not satisfy.
    let f = p(r#"{"tasks":[
      {"id":1,"title":"a","status":"done","dependencies":[]},
      {"id":2,"title":"b","status":"cancelled","dependencies":[]},
      {"id":3,"title":"c","status":"pending","dependencies":[2],"priority":"critical"},
      {"id":4,"title":"d","status":"pending","dependencies":[1],"priority":"high"},
      {"id":5,"title":"e","status":"pending","dependencies":[],"priority":"high"},
      {"id":6,"title":"f","status":"pending","dependencies":[],"priority":"high"}]}"#);
    assert_eq!(next_task(&f.tags[0]).as_deref(), Some("5"));
    let f = p(r#"{"tasks":[{"id":1,"title":"a","status":"done"}]}"#);
    assert_eq!(next_task(&f.tags[0]), None);
}

#[test]
fn a_huge_wrong_value_is_quoted_short() {
    let huge: Vec<u64> = (0..200_000).collect();
    for (key, value) in [
        ("description", json!(huge)),
        ("status", json!({ "a": huge })),
        ("dependencies", json!("x".repeat(1_000_000))),
        ("subtasks", json!({ "deep": [huge] })),
    ] {
        let mut task = json!({"id": 1, "title": "t"});
        task[key] = value;
        let file = json!({"master": {"tasks": [task]}}).to_string();
        let e = parse(file.as_bytes()).unwrap_err().0;
        assert!(e.len() < 300, "{key}: {} bytes: {}", e.len(), &e[..300]);
        assert!(e.ends_with('…'), "{key}: {e}");
    }
    // A short wrong value is quoted whole.
    let e = parse(br#"{"master": {"tasks": [{"id": 1, "title": "t", "status": 5}]}}"#)
        .unwrap_err()
        .0;
    assert!(e.ends_with("\"status\" must be a string, got 5"), "{e}");
}
