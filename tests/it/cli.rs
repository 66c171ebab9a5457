//! The command line itself: help, version, usage errors.

use crate::support::Sandbox;

#[test]
fn help_and_version() {
    let sb = Sandbox::new();
    sb.taskdb(&["--help"]).ok().stdout_contains("Usage: taskdb");
    let r = sb.taskdb(&["--version"]).ok();
    assert!(r.stdout.starts_with("taskdb "), "{r}");
    sb.taskdb(&["help", "local"]).ok().stdout_contains("start");
}

#[test]
fn unknown_subcommand_suggests_and_exits_2() {
    Sandbox::new()
        .taskdb(&["confg"])
        .expect_exit(2)
        .stderr_contains("config");
}

#[test]
fn unknown_flag_exits_2() {
    Sandbox::new()
        .taskdb(&["config", "show", "--bogus"])
        .expect_exit(2)
        .stderr_contains("--bogus");
}

#[test]
fn unsupported_format_exits_2() {
    Sandbox::new()
        .taskdb(&["--format", "yaml", "config", "show"])
        .expect_exit(2)
        .stderr_contains("yaml");
    Sandbox::new()
        .taskdb(&["--format", "nagios", "config", "show"])
        .expect_exit(2)
        .stderr_contains("not supported");
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        Sandbox::new()
            .taskdb(&["completions", shell])
            .ok()
            .stdout_contains("taskdb");
    }
    Sandbox::new()
        .taskdb(&["completions", "tcsh"])
        .expect_exit(2);
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

#[test]
fn every_subcommands_help_puts_the_global_options_last_under_their_own_heading() {
    let sb = Sandbox::new();
    for (args, own) in [
        (vec!["task", "list", "--help"], "--status"),
        (vec!["health", "--help"], "--textfile"),
        (vec!["backup", "create", "--help"], "--reason"),
        (vec!["tunnel", "delete", "--help"], "--dry-run"),
        (vec!["help", "migrate", "up"], "--no-backup"),
    ] {
        let r = sb.taskdb(&args).ok();
        let out = &r.stdout;
        let heading = out
            .find("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("no Global options heading in {args:?}:\n{out}"));
        let own_at = out
            .find(&format!("  {own}"))
            .or_else(|| out.find(&format!(", {own}")))
            .unwrap_or_else(|| panic!("{own} in {args:?}:\n{out}"));
        assert!(
            own_at < heading,
            "{own} comes before the global options: {out}"
        );
        let globals = &out[heading..];
        for global in [
            "--database-url",
            "--format",
            "--quiet",
            "--color",
            "--actor",
        ] {
            assert!(
                globals.contains(global),
                "{global} under Global options in {args:?}: {out}"
            );
        }
        assert!(
            !out[..heading].contains("--database-url"),
            "--database-url only under Global options: {out}"
        );
    }
}
