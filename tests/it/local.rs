//! `taskdb local`: the managed cluster, and zero-configuration use of it.

use predicates::prelude::*;

use crate::support::Sandbox;

#[test]
fn local_lifecycle() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["local", "status", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"running\": false"));
    sb.cmd()
        .args(["local", "url"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("local start"));
    sb.cmd().args(["local", "start"]).assert().success();
    // Idempotent.
    sb.cmd()
        .args(["local", "start"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already running"));
    let out = sb
        .cmd()
        .args(["--format", "json", "local", "status"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["running"], true);
    assert!(status["pid"].as_u64().unwrap() > 0);
    assert!(status["port"].as_u64().unwrap() > 0);

    // The URL works with psql.
    let url = String::from_utf8(sb.cmd().args(["local", "url"]).output().unwrap().stdout).unwrap();
    let psql = std::process::Command::new("psql")
        .args([url.trim(), "-Atc", "select current_database()"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), "taskdb");

    // Destroy needs confirmation without a terminal.
    sb.cmd().args(["local", "destroy"]).assert().code(2);
    sb.cmd().args(["local", "stop"]).assert().success();
    sb.cmd()
        .args(["--format", "json", "local", "status"])
        .assert()
        .stdout(predicate::str::contains("\"running\": false"));
    sb.cmd()
        .args(["--yes", "local", "destroy"])
        .assert()
        .success();
    assert!(!sb.path().join("local-pg").exists());
}

#[test]
fn local_start_refuses_a_data_dir_that_is_something_else() {
    let sb = Sandbox::new();
    let data = sb.path().join("local-pg/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("precious.txt"), "not a cluster").unwrap();
    sb.cmd()
        .args(["local", "start"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a PostgreSQL cluster"));
    assert!(data.join("precious.txt").exists());
}

#[test]
fn local_commands_without_server_binaries_say_what_to_install() {
    let sb = Sandbox::new();
    sb.cmd()
        .env("PATH", "/nonexistent")
        .env("TASKDB_PG_BINDIR", sb.path())
        .args(["local", "start"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no initdb"));
}
