//! `taskdb workflow …` against a real, migrated database.

use serde_json::Value;

use crate::support::{Sandbox, TestPg};

#[test]
fn a_workflow_runs_its_steps_and_completes() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    sb.taskdb(&["task", "create", "Deploy"]).ok();
    let wf = sb
        .taskdb(&[
            "workflow",
            "create",
            "1",
            "--type",
            "deployment",
            "--steps",
            "2",
        ])
        .ok()
        .text();
    assert_eq!(wf, "1");
    let w = sb
        .taskdb(&["workflow", "step", "1", "build", "--status", "running"])
        .ok_json();
    assert_eq!(w["status"], "running");
    let w = sb
        .taskdb(&[
            "workflow",
            "step",
            "1",
            "build",
            "--result",
            r#"{"artifact":"app.tar"}"#,
        ])
        .ok_json();
    assert_eq!(w["steps_completed"], 1);
    let w = sb
        .taskdb(&["workflow", "step", "1", "deploy", "--status", "skipped"])
        .ok_json();
    assert_eq!(w["status"], "completed");
    assert!(w["completed_at"].is_string());
    let shown = sb.taskdb(&["workflow", "show", "1"]).ok_json();
    let steps = shown["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["name"], "build");
    assert_eq!(steps[0]["result"]["artifact"], "app.tar");
    assert!(steps[0]["duration_seconds"].as_f64().unwrap() >= 0.0);
    let text = sb.taskdb(&["workflow", "show", "1"]).ok().text();
    assert!(
        text.contains("Steps") && text.contains("build") && text.contains("2/2"),
        "{text}"
    );
    // The task shows its workflows.
    let t = sb.taskdb(&["task", "show", "1"]).ok_json();
    assert_eq!(t["workflows"][0]["status"], "completed");
    // Completed is terminal: the database refuses, the message says why.
    sb.taskdb(&["workflow", "retry", "1"])
        .refused(2, "invalid workflow transition completed → running");
}

#[test]
fn failures_retries_and_their_limit() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    sb.taskdb(&["task", "create", "Flaky"]).ok();
    sb.taskdb(&["workflow", "create", "1", "--max-retries", "1"])
        .ok();
    // A second active workflow for the same task is refused.
    sb.taskdb(&["workflow", "create", "1"])
        .refused(2, "already has an active");
    let w = sb
        .taskdb(&[
            "workflow",
            "step",
            "1",
            "test",
            "--status",
            "failed",
            "--error",
            "2 tests failed",
        ])
        .ok_json();
    assert_eq!(w["status"], "failed");
    assert_eq!(w["error_log"][0]["message"], "2 tests failed");
    let w = sb
        .taskdb(&["workflow", "retry", "1", "--reason", "flaky runner"])
        .ok_json();
    assert_eq!(w["status"], "running");
    assert_eq!(w["retry_count"], 1);
    sb.taskdb(&["workflow", "fail", "1", "--reason", "again"])
        .ok();
    let before = db.counts();
    // The schema's message names the workflow already: no "workflow #1: workflow #1 …".
    sb.taskdb(&["workflow", "retry", "1"])
        .expect_exit(2)
        .stderr_is("error: workflow #1 has no retries left (1 of 1 used)\n");
    assert_eq!(db.counts(), before);
    let text = sb.taskdb(&["workflow", "show", "1"]).ok().text();
    assert!(
        text.contains("Errors") && text.contains("flaky runner"),
        "{text}"
    );
    // Cancel and complete go through the same rules.
    sb.taskdb(&["task", "create", "Other"]).ok();
    // (The refused create above used up an id: ids come from a sequence.)
    let other = sb.taskdb(&["workflow", "create", "2"]).ok().text();
    sb.taskdb(&["workflow", "cancel", &other]).ok();
    sb.taskdb(&["workflow", "complete", &other])
        .refused(2, "allowed from cancelled: none");
    let failed = sb
        .taskdb(&["workflow", "list", "--status", "failed"])
        .ok_json();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let of_task = sb.taskdb(&["workflow", "list", "--task", "2"]).ok_json();
    assert_eq!(of_task[0]["status"], "cancelled");
    // Deleting asks first.
    sb.taskdb(&["workflow", "delete", &other])
        .refused(2, "pass --yes");
    sb.taskdb(&["--yes", "workflow", "delete", &other]).ok();
    assert_eq!(
        sb.taskdb(&["workflow", "list", "--task", "2"]).ok_json(),
        Value::Array(vec![])
    );
}

#[test]
fn stuck_workflows_are_listed_and_can_be_retried() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    sb.taskdb(&["task", "create", "Slow"]).ok();
    sb.taskdb(&["workflow", "create", "1", "--timeout-minutes", "5"])
        .ok();
    sb.taskdb(&["workflow", "step", "1", "build", "--status", "running"])
        .ok();
    assert_eq!(
        sb.taskdb(&["workflow", "list", "--stuck"]).ok_json(),
        Value::Array(vec![])
    );
    db.client()
        .batch_execute("UPDATE workflows SET started_at = now() - interval '10 minutes'")
        .unwrap();
    let stuck = sb.taskdb(&["workflow", "list", "--stuck"]).ok_json();
    assert_eq!(stuck[0]["stuck"], true);
    let w = sb.taskdb(&["workflow", "retry", "1"]).ok_json();
    assert_eq!(w["status"], "running");
    assert_eq!(w["retry_count"], 1);
    assert_eq!(w["stuck"], false);
    assert_eq!(w["error_log"][0]["status"], "timeout");
}

#[test]
fn workflow_bad_input_is_refused() {
    let pg = TestPg::get();
    let db = pg.migrated_db();
    let sb = Sandbox::on(&db);
    sb.taskdb(&["task", "create", "t"]).ok();
    sb.taskdb(&["workflow", "create", "1"]).ok();
    let before = db.counts();
    for (args, needle) in [
        (&["workflow", "create", "9"][..], "task #9 not found"),
        (&["workflow", "create", "x"], "malformed task id"),
        (
            &["workflow", "create", "1", "--type", "weird"],
            "unknown workflow type",
        ),
        (&["workflow", "create", "1", "--steps", "0"], "--steps"),
        (
            &["workflow", "create", "1", "--timeout-minutes", "0"],
            "--timeout-minutes",
        ),
        (&["workflow", "show", "w1"], "malformed workflow id"),
        (&["workflow", "show", "7"], "workflow #7 not found"),
        (
            &["workflow", "step", "1", "s", "--result", "{oops"],
            "--result is not valid JSON",
        ),
        (&["workflow", "step", "1", " "], "step name is empty"),
        (
            &["workflow", "step", "1", "build\nrm -rf"],
            "the step name contains a line break; it must be one line",
        ),
        (
            &["workflow", "list", "--status", "done"],
            "unknown workflow status",
        ),
    ] {
        sb.taskdb(args).refused(2, needle);
    }
    assert_eq!(db.counts(), before);
}
