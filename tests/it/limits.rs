//! Size limits on the files taskdb reads: a device, a pipe or a huge file is refused in one
//! line (exit 2) after reading at most the limit.

use std::io::Write;

use crate::support::{Sandbox, TestPg};

#[test]
fn task_import_of_an_endless_device_stops_at_the_limit() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    // A bound on a hang (reading /dev/zero forever), not a timing assertion.
    sb.taskdb(&["task", "import", "/dev/zero"])
        .spawn()
        .wait(120)
        .refused(
            2,
            "/dev/zero: larger than the 256 MiB limit for task files; raise it with --max-size",
        );
}

#[test]
fn task_import_respects_a_lowered_max_size_for_files_and_stdin() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let doc = br#"{"tasks":[{"id":1,"title":"sized","status":"pending","dependencies":[]}]}"#;
    let path = sb.path().join("tasks.json");
    std::fs::write(&path, doc).unwrap();
    let file = path.to_str().unwrap();
    let exact = doc.len().to_string();
    let under = (doc.len() - 1).to_string();
    sb.taskdb(&["task", "import", file, "--max-size", &under])
        .refused(
            2,
            &format!(
                "larger than the {under} bytes limit for task files; raise it with --max-size"
            ),
        );
    sb.taskdb(&["task", "import", "-", "--max-size", &under])
        .stdin(doc.to_vec())
        .refused(2, "-: larger than the");
    // clap's own error (with its usage lines), exit 2.
    sb.taskdb(&["task", "import", file, "--max-size", "0"])
        .expect_exit(2)
        .stderr_contains("\"0\" is not a positive size");
    assert_eq!(db.counts().0, 0, "nothing imported");
    sb.taskdb(&["task", "import", file, "--max-size", &exact])
        .ok();
    assert_eq!(db.counts().0, 1);
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
    sb.taskdb(&["--config", path.to_str().unwrap(), "config", "show"])
        .refused(2, "larger than the 1 MiB limit for config files");
}

#[test]
fn a_token_file_that_never_ends_is_refused() {
    let sb = Sandbox::new();
    sb.taskdb(&[
        "waf",
        "status",
        "--zone",
        "example.com",
        "--api-token-file",
        "/dev/zero",
    ])
    .refused(2, "larger than the 1 MiB limit for token files");
}
