//! Size limits on the files taskdb reads: a device, a pipe or a huge file is refused in one
//! line (exit 2) after reading at most the limit.

use std::io::Write;
use std::process::Stdio;

use crate::signals::wait_child;
use crate::support::{Sandbox, TestPg};
use crate::tasks::refused;

#[test]
fn task_import_of_an_endless_device_stops_at_the_limit() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let mut child = sb
        .std_cmd()
        .env("DATABASE_URL", db.url())
        .args(["task", "import", "/dev/zero"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A bound on a hang (reading /dev/zero forever), not a timing assertion.
    wait_child(&mut child, 120);
    refused(
        child.wait_with_output().unwrap(),
        2,
        "/dev/zero: larger than the 256 MiB limit for task files; raise it with --max-size",
    );
}

#[test]
fn task_import_respects_a_lowered_max_size_for_files_and_stdin() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let doc = br#"{"tasks":[{"id":1,"title":"sized","status":"pending","dependencies":[]}]}"#;
    let path = sb.path().join("tasks.json");
    std::fs::write(&path, doc).unwrap();
    let file = path.to_str().unwrap();
    let exact = doc.len().to_string();
    let under = (doc.len() - 1).to_string();
    let run = |args: &[&str]| sb.cmd_db(&db).args(args).output().unwrap();
    refused(
        run(&["task", "import", file, "--max-size", &under]),
        2,
        &format!("larger than the {under} bytes limit for task files; raise it with --max-size"),
    );
    let out = sb
        .cmd_db(&db)
        .args(["task", "import", "-", "--max-size", &under])
        .write_stdin(doc.to_vec())
        .output()
        .unwrap();
    refused(out, 2, "-: larger than the");
    // clap's own error (with its usage lines), exit 2.
    let out = run(&["task", "import", file, "--max-size", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"0\" is not a positive size"));
    assert_eq!(crate::tasks::counts(&db).0, 0, "nothing imported");
    let out = run(&["task", "import", file, "--max-size", &exact]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(crate::tasks::counts(&db).0, 1);
}

#[test]
fn a_config_file_over_one_mib_is_refused() {
    let sb = Sandbox::new();
    let path = sb.path().join("big.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    let line = format!("# {}\n", "x".repeat(1021));
    for _ in 0..2048 {
        f.write_all(line.as_bytes()).unwrap();
    }
    drop(f);
    let out = sb
        .cmd()
        .args(["--config", path.to_str().unwrap(), "config", "show"])
        .output()
        .unwrap();
    refused(out, 2, "larger than the 1 MiB limit for config files");
}

#[test]
fn a_token_file_that_never_ends_is_refused() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args([
            "waf",
            "status",
            "--zone",
            "example.com",
            "--api-token-file",
            "/dev/zero",
        ])
        .output()
        .unwrap();
    refused(out, 2, "larger than the 1 MiB limit for token files");
}
