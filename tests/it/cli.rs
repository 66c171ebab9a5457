//! The command line itself: help, version, usage errors.

use predicates::prelude::*;

use crate::support::Sandbox;

#[test]
fn help_and_version() {
    let sb = Sandbox::new();
    sb.cmd()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Usage: taskdb"));
    sb.cmd()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("taskdb "));
    sb.cmd()
        .args(["help", "local"])
        .assert()
        .success()
        .stdout(predicate::str::contains("start"));
}

#[test]
fn unknown_subcommand_suggests_and_exits_2() {
    Sandbox::new()
        .cmd()
        .arg("confg")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("config"));
}

#[test]
fn unknown_flag_exits_2() {
    Sandbox::new()
        .cmd()
        .args(["config", "show", "--bogus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bogus"));
}

#[test]
fn unsupported_format_exits_2() {
    Sandbox::new()
        .cmd()
        .args(["--format", "yaml", "config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("yaml"));
    Sandbox::new()
        .cmd()
        .args(["--format", "nagios", "config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not supported"));
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        Sandbox::new()
            .cmd()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("taskdb"));
    }
    Sandbox::new()
        .cmd()
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

#[test]
fn closed_pipe_exits_quietly() {
    // `taskdb completions bash | head -1`: stdout closes early; no error, exit 0.
    let sb = Sandbox::new();
    let bin = assert_cmd::cargo::cargo_bin("taskdb");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' completions bash | head -c 1 >/dev/null; echo \"${{PIPESTATUS:-}}\"",
            bin.display()
        ))
        .env("HOME", sb.path())
        .output()
        .expect("run sh");
    assert!(out.status.success());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
