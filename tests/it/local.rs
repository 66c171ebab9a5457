//! `taskdb local`: the managed cluster, and zero-configuration use of it.

use crate::support::Sandbox;

#[test]
fn local_lifecycle() {
    let sb = Sandbox::new();
    sb.taskdb(&["local", "status", "--format", "json"])
        .ok()
        .stdout_contains("\"running\": false");
    sb.taskdb(&["local", "url"])
        .expect_exit(1)
        .stderr_contains("local start");
    sb.taskdb(&["local", "start"]).ok();
    // Idempotent.
    sb.taskdb(&["local", "start"])
        .ok()
        .stderr_contains("already running");
    let status = sb
        .taskdb(&["--format", "json", "local", "status"])
        .run()
        .json();
    assert_eq!(status["running"], true);
    assert!(status["pid"].as_u64().unwrap() > 0);
    assert!(status["port"].as_u64().unwrap() > 0);

    // The URL works with psql.
    let url = sb.taskdb(&["local", "url"]).run().stdout;
    let psql = std::process::Command::new("psql")
        .args([url.trim(), "-Atc", "select current_database()"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), "taskdb");

    // Destroy needs confirmation without a terminal.
    sb.taskdb(&["local", "destroy"]).expect_exit(2);
    sb.taskdb(&["local", "stop"]).ok();
    sb.taskdb(&["--format", "json", "local", "status"])
        .run()
        .stdout_contains("\"running\": false");
    sb.taskdb(&["--yes", "local", "destroy"]).ok();
    assert!(!sb.path().join("local-pg").exists());
}

#[test]
fn local_start_refuses_a_data_dir_that_is_something_else() {
    let sb = Sandbox::new();
    let data = sb.path().join("local-pg/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("precious.txt"), "not a cluster").unwrap();
    sb.taskdb(&["local", "start"])
        .expect_exit(1)
        .stderr_contains("not a PostgreSQL cluster");
    assert!(data.join("precious.txt").exists());
}

#[test]
fn local_commands_without_server_binaries_say_what_to_install() {
    let sb = Sandbox::new();
    sb.taskdb(&["local", "start"])
        .env("PATH", "/nonexistent")
        .env("TASKDB_PG_BINDIR", sb.path())
        .expect_exit(2)
        .stderr_contains("no initdb");
}
