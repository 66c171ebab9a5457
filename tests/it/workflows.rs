//! `taskdb workflow …` against a real, migrated database.

use serde_json::Value;

use crate::support::{Sandbox, TestPg};
use crate::tasks::{counts, json, ok, refused};

#[test]
fn a_workflow_runs_its_steps_and_completes() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "Deploy"]);
    let wf = ok(
        &sb,
        &db,
        &[
            "workflow",
            "create",
            "1",
            "--type",
            "deployment",
            "--steps",
            "2",
        ],
    );
    assert_eq!(wf, "1");
    let w = json(
        &sb,
        &db,
        &["workflow", "step", "1", "build", "--status", "running"],
    );
    assert_eq!(w["status"], "running");
    let w = json(
        &sb,
        &db,
        &[
            "workflow",
            "step",
            "1",
            "build",
            "--result",
            r#"{"artifact":"app.tar"}"#,
        ],
    );
    assert_eq!(w["steps_completed"], 1);
    let w = json(
        &sb,
        &db,
        &["workflow", "step", "1", "deploy", "--status", "skipped"],
    );
    assert_eq!(w["status"], "completed");
    assert!(w["completed_at"].is_string());
    let shown = json(&sb, &db, &["workflow", "show", "1"]);
    let steps = shown["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["name"], "build");
    assert_eq!(steps[0]["result"]["artifact"], "app.tar");
    assert!(steps[0]["duration_seconds"].as_f64().unwrap() >= 0.0);
    let text = ok(&sb, &db, &["workflow", "show", "1"]);
    assert!(
        text.contains("Steps") && text.contains("build") && text.contains("2/2"),
        "{text}"
    );
    // The task shows its workflows.
    let t = json(&sb, &db, &["task", "show", "1"]);
    assert_eq!(t["workflows"][0]["status"], "completed");
    // Completed is terminal: the database refuses, the message says why.
    refused(
        sb.cmd_db(&db)
            .args(["workflow", "retry", "1"])
            .output()
            .unwrap(),
        2,
        "invalid workflow transition completed → running",
    );
}

#[test]
fn failures_retries_and_their_limit() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "Flaky"]);
    ok(&sb, &db, &["workflow", "create", "1", "--max-retries", "1"]);
    // A second active workflow for the same task is refused.
    refused(
        sb.cmd_db(&db)
            .args(["workflow", "create", "1"])
            .output()
            .unwrap(),
        2,
        "already has an active",
    );
    let w = json(
        &sb,
        &db,
        &[
            "workflow",
            "step",
            "1",
            "test",
            "--status",
            "failed",
            "--error",
            "2 tests failed",
        ],
    );
    assert_eq!(w["status"], "failed");
    assert_eq!(w["error_log"][0]["message"], "2 tests failed");
    let w = json(
        &sb,
        &db,
        &["workflow", "retry", "1", "--reason", "flaky runner"],
    );
    assert_eq!(w["status"], "running");
    assert_eq!(w["retry_count"], 1);
    ok(&sb, &db, &["workflow", "fail", "1", "--reason", "again"]);
    let before = counts(&db);
    let out = sb
        .cmd_db(&db)
        .args(["workflow", "retry", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The schema's message names the workflow already: no "workflow #1: workflow #1 …".
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: workflow #1 has no retries left (1 of 1 used)\n"
    );
    assert_eq!(counts(&db), before);
    let text = ok(&sb, &db, &["workflow", "show", "1"]);
    assert!(
        text.contains("Errors") && text.contains("flaky runner"),
        "{text}"
    );
    // Cancel and complete go through the same rules.
    ok(&sb, &db, &["task", "create", "Other"]);
    // (The refused create above used up an id: ids come from a sequence.)
    let other = ok(&sb, &db, &["workflow", "create", "2"]);
    ok(&sb, &db, &["workflow", "cancel", &other]);
    refused(
        sb.cmd_db(&db)
            .args(["workflow", "complete", &other])
            .output()
            .unwrap(),
        2,
        "allowed from cancelled: none",
    );
    let failed = json(&sb, &db, &["workflow", "list", "--status", "failed"]);
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let of_task = json(&sb, &db, &["workflow", "list", "--task", "2"]);
    assert_eq!(of_task[0]["status"], "cancelled");
    // Deleting asks first.
    refused(
        sb.cmd_db(&db)
            .args(["workflow", "delete", &other])
            .output()
            .unwrap(),
        2,
        "pass --yes",
    );
    ok(&sb, &db, &["--yes", "workflow", "delete", &other]);
    assert_eq!(
        json(&sb, &db, &["workflow", "list", "--task", "2"]),
        Value::Array(vec![])
    );
}

#[test]
fn stuck_workflows_are_listed_and_can_be_retried() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "Slow"]);
    ok(
        &sb,
        &db,
        &["workflow", "create", "1", "--timeout-minutes", "5"],
    );
    ok(
        &sb,
        &db,
        &["workflow", "step", "1", "build", "--status", "running"],
    );
    assert_eq!(
        json(&sb, &db, &["workflow", "list", "--stuck"]),
        Value::Array(vec![])
    );
    db.client()
        .batch_execute("UPDATE workflows SET started_at = now() - interval '10 minutes'")
        .unwrap();
    let stuck = json(&sb, &db, &["workflow", "list", "--stuck"]);
    assert_eq!(stuck[0]["stuck"], true);
    let w = json(&sb, &db, &["workflow", "retry", "1"]);
    assert_eq!(w["status"], "running");
    assert_eq!(w["retry_count"], 1);
    assert_eq!(w["stuck"], false);
    assert_eq!(w["error_log"][0]["status"], "timeout");
}

#[test]
fn workflow_bad_input_is_refused() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::new();
    ok(&sb, &db, &["task", "create", "t"]);
    ok(&sb, &db, &["workflow", "create", "1"]);
    let before = counts(&db);
    let run = |args: &[&str]| sb.cmd_db(&db).args(args).output().unwrap();
    refused(run(&["workflow", "create", "9"]), 2, "task #9 not found");
    refused(run(&["workflow", "create", "x"]), 2, "malformed task id");
    refused(
        run(&["workflow", "create", "1", "--type", "weird"]),
        2,
        "unknown workflow type",
    );
    refused(
        run(&["workflow", "create", "1", "--steps", "0"]),
        2,
        "--steps",
    );
    refused(
        run(&["workflow", "create", "1", "--timeout-minutes", "0"]),
        2,
        "--timeout-minutes",
    );
    refused(run(&["workflow", "show", "w1"]), 2, "malformed workflow id");
    refused(run(&["workflow", "show", "7"]), 2, "workflow #7 not found");
    refused(
        run(&["workflow", "step", "1", "s", "--result", "{oops"]),
        2,
        "--result is not valid JSON",
    );
    refused(
        run(&["workflow", "step", "1", " "]),
        2,
        "step name is empty",
    );
    refused(
        run(&["workflow", "step", "1", "build\nrm -rf"]),
        2,
        "the step name contains a line break; it must be one line",
    );
    refused(
        run(&["workflow", "list", "--status", "done"]),
        2,
        "unknown workflow status",
    );
    assert_eq!(counts(&db), before);
}
