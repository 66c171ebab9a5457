//! The hostile corpus in `tests/hostile/`: tasks.json files, connection strings, WAF policy files
//! and titles that an attacker (or an unlucky operator) could hand taskdb. Each file has a
//! sidecar `NAME.expect` of `key: value` lines saying what the real binary must do with it:
//!
//! * `exit: N` — the exit code (`check-exit` for connection strings, see below);
//! * `error: TEXT` — for a refusal: stderr is exactly one line, `error: …` containing TEXT, and
//!   stdout is empty; `clap-error: TEXT` — a title the argument parser itself refuses (exit 2,
//!   its first line contains TEXT, its usage lines follow);
//! * `tasks: N` — an accepted tasks.json creates N tasks;
//! * `list: TEXT` — `task list` (a table) shows TEXT, i.e. the title with its control
//!   characters as visible escapes;
//! * `secret: TEXT` — a connection string's password (or a part of it) that must appear in no
//!   output; `decoded-secret: TEXT` — the same after libpq's unquoting or percent-decoding
//!   (so not in the file as written); `shown: TEXT` — what `config show` shows instead.
//!
//! Every run, whatever it expects: no panic, no backtrace, no raw control character on stderr
//! (nor in table output), and a refused import leaves the database as it was.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::{Ran, Sandbox, Taskdb, TestDb, TestPg};

/// One file of the corpus with what is expected of it.
struct Case {
    path: PathBuf,
    bytes: Vec<u8>,
    expect: BTreeMap<String, Vec<String>>,
}

impl Case {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn one(&self, key: &str) -> Option<&str> {
        let values = self.expect.get(key)?;
        assert_eq!(values.len(), 1, "{}: `{key}` given twice", self.name());
        values.first().map(String::as_str)
    }

    fn all(&self, key: &str) -> &[String] {
        self.expect.get(key).map_or(&[], Vec::as_slice)
    }

    fn code(&self, key: &str) -> Option<i32> {
        self.one(key).map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{}: `{key}: {v}` is not a number", self.name()))
        })
    }

    fn exit(&self) -> i32 {
        self.code("exit")
            .unwrap_or_else(|| panic!("{}: no `exit:` line", self.name()))
    }

    /// The error text a refusal must contain.
    fn error(&self) -> &str {
        self.one("error")
            .unwrap_or_else(|| panic!("{}: a refusal needs an `error:` line", self.name()))
    }
}

/// The files of `tests/hostile/DIR`, each with its `.expect` (and no `.expect` without its
/// file), at least `min` of them; `keys` are the expectation keys this directory knows.
fn corpus(dir: &str, keys: &[&str], min: usize) -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let (sidecars, files): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .into_iter()
        .partition(|p| p.extension() == Some(OsStr::new("expect")));
    for s in &sidecars {
        assert!(
            files.iter().any(|f| f.with_extension("expect") == *s),
            "{}: no file it belongs to",
            s.display()
        );
    }
    assert!(
        files.len() >= min,
        "{dir}: {} files, expected at least {min}",
        files.len()
    );
    files
        .into_iter()
        .map(|path| {
            let sidecar = path.with_extension("expect");
            let text = std::fs::read_to_string(&sidecar)
                .unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
            let mut expect: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for line in text
                .lines()
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
            {
                let (key, value) = line
                    .split_once(": ")
                    .unwrap_or_else(|| panic!("{}: not `key: value`: {line}", sidecar.display()));
                assert!(
                    keys.contains(&key),
                    "{}: unknown key `{key}` (known here: {keys:?})",
                    sidecar.display()
                );
                expect
                    .entry(key.to_string())
                    .or_default()
                    .push(value.to_string());
            }
            let bytes = std::fs::read(&path).unwrap();
            Case {
                path,
                bytes,
                expect,
            }
        })
        .collect()
}

/// What holds for every run: no panic or backtrace anywhere; stderr (and stdout, for table
/// output) free of raw control characters and bidi overrides — data is shown escaped.
fn sane(ran: &Ran, stdout_is_text: bool, what: &str) {
    for sign in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if ran.all().contains(sign) {
            ran.fail(&format!("{what}: {sign}"));
        }
    }
    let raw_control = |c: char| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let mut shown = vec![("stderr", &ran.stderr)];
    if stdout_is_text {
        shown.push(("stdout", &ran.stdout));
    }
    for (name, text) in shown {
        if let Some(c) = text.chars().find(|c| raw_control(*c)) {
            ran.fail(&format!(
                "{what}: raw U+{:04X} on {name}: {text:?}",
                c as u32
            ));
        }
    }
}

/// `taskdb ARGS` run and checked by [`sane`].
fn run(taskdb: Taskdb, stdout_is_text: bool, what: &str) -> Ran {
    let ran = taskdb.run();
    sane(&ran, stdout_is_text, what);
    ran
}

/// `task import FILE` on `db`, checked by [`sane`].
fn import(sb: &Sandbox, db: &TestDb, file: &Path, what: &str) -> Ran {
    run(sb.taskdb(&["task", "import"]).arg(file).db(db), true, what)
}

/// A run that must have succeeded.
#[track_caller]
fn assert_success(ran: &Ran, what: &str) {
    if !ran.status.success() {
        ran.fail(&format!("{what}: expected success"));
    }
}

/// The output of a `task list` table and of `task list --format json` (titles exact).
fn listed(sb: &Sandbox, db: &TestDb, what: &str) -> (String, serde_json::Value) {
    let list = || sb.taskdb(&["task", "list", "--limit", "0"]).db(db);
    let table = run(list(), true, what);
    assert_success(&table, what);
    // The table is UTF-8 (Ran decodes lossily, and no title in the corpus has a U+FFFD).
    if table.stdout.contains('\u{FFFD}') {
        table.fail(&format!("{what}: the table is not UTF-8"));
    }
    (table.stdout, list().ok_json())
}

fn assert_listed(case: &Case, table: &str) {
    for shown in case.all("list") {
        assert!(
            table.contains(shown.as_str()),
            "{}: `task list` does not show {shown:?}:\n{table}",
            case.name()
        );
    }
}

#[test]
fn hostile_tasks_json_files_are_refused_in_one_line_and_write_nothing() {
    let pg = TestPg::get();
    let sb = Sandbox::new();
    // Refusals share one database: that it stays as it was is the point.
    let shared = pg.migrated_db();
    let mut accepted = 0;
    for case in corpus("tasks-json", &["exit", "error", "tasks", "list"], 20) {
        let what = case.name();
        let fresh;
        let db = if case.exit() == 0 {
            fresh = pg.migrated_db();
            &fresh
        } else {
            &shared
        };
        let before = db.counts();
        let ran = import(&sb, db, &case.path, &what);
        if case.exit() == 0 {
            assert_success(&ran, &what);
            let created = db.counts().0 - before.0;
            let tasks: i64 = case.one("tasks").map_or(-1, |n| n.parse().unwrap());
            assert_eq!(created, tasks, "{what}: tasks created");
            let (table, _) = listed(&sb, db, &what);
            assert_listed(&case, &table);
            accepted += 1;
        } else {
            ran.refused(case.exit(), case.error());
            assert_eq!(db.counts(), before, "{what}: the database changed");
        }
    }
    // The imports that succeed prove that an import would have shown in the counts.
    assert!(accepted >= 2, "the corpus has accepted files too");
}

#[test]
fn hostile_titles_are_refused_or_shown_escaped_and_kept_exact() {
    let pg = TestPg::get();
    let sb = Sandbox::new();
    for case in corpus("titles", &["exit", "error", "clap-error", "list"], 15) {
        let what = case.name();
        let db = pg.migrated_db();
        let before = db.counts();
        let mut written = 0;
        // By argument: `task create TITLE`. An argument cannot hold a NUL byte (the OS passes
        // C strings), so such a title can only come in a file.
        if !case.bytes.contains(&0) {
            let create = sb
                .taskdb(&["task", "create", "--"])
                .arg(OsStr::from_bytes(&case.bytes))
                .db(&db);
            let ran = run(create, true, &what);
            if let Some(needle) = case.one("clap-error") {
                ran.expect_exit(2).stdout_is("");
                let first = ran.stderr.lines().next().unwrap_or("");
                if !(first.starts_with("error: ") && first.contains(needle)) {
                    ran.fail(&format!(
                        "{what}: the first line is not `error: …{needle}…`"
                    ));
                }
            } else if case.exit() == 0 {
                assert_success(&ran, &what);
                written += 1;
            } else {
                ran.refused(case.exit(), case.error());
            }
        }
        // In a tasks.json, exactly as the bytes are (JSON-escaped when they are UTF-8).
        let file = sb.path().join("title.json");
        let doc = match std::str::from_utf8(&case.bytes) {
            Ok(title) => {
                serde_json::to_vec(&json!({"tasks": [{"id": 1, "title": title}]})).unwrap()
            }
            Err(_) => [
                &b"{\"tasks\": [{\"id\": 1, \"title\": \""[..],
                &case.bytes,
                b"\"}]}",
            ]
            .concat(),
        };
        std::fs::write(&file, doc).unwrap();
        let ran = import(&sb, &db, &file, &what);
        if case.exit() == 0 {
            assert_success(&ran, &what);
            written += 1;
        } else {
            ran.refused(case.exit(), case.error());
        }
        assert_eq!(db.counts().0 - before.0, written, "{what}: tasks written");
        if written > 0 {
            let (table, json) = listed(&sb, &db, &what);
            assert_listed(&case, &table);
            // JSON output is exact: the title comes back byte for byte.
            let title = std::str::from_utf8(&case.bytes).unwrap();
            for t in json.as_array().unwrap() {
                assert_eq!(t["title"], title, "{what}: --format json changed the title");
            }
        }
    }
}

#[test]
fn hostile_connection_strings_never_show_their_password() {
    let sb = Sandbox::new();
    for case in corpus(
        "conninfo",
        &["check-exit", "shown", "secret", "decoded-secret"],
        15,
    ) {
        let what = case.name();
        let conninfo = String::from_utf8(case.bytes.clone()).unwrap();
        let secrets = case.all("secret");
        assert!(!secrets.is_empty(), "{what}: no `secret:` to look for");
        for s in secrets {
            // The secret is really in the string: its absence from the output means something.
            assert!(
                conninfo.contains(s.as_str()),
                "{what}: {s:?} is not in the string"
            );
        }
        let mut outputs = Vec::new();
        for format in ["table", "json"] {
            for by_flag in [false, true] {
                let show = sb.taskdb(&["-vv", "--format", format]);
                let show = match by_flag {
                    true => show.args(["--database-url", &conninfo]),
                    false => show.url(&conninfo),
                };
                let ran = run(show.args(["config", "show"]), format == "table", &what);
                assert_success(&ran, &format!("{what}: config show"));
                if let Some(shown) = case.one("shown") {
                    // JSON escapes what it quotes; compare with the same escaping.
                    let shown = match format {
                        "json" => serde_json::to_string(shown)
                            .unwrap()
                            .trim_matches('"')
                            .to_string(),
                        _ => shown.to_string(),
                    };
                    ran.stdout_contains(&shown);
                }
                outputs.push(ran);
            }
        }
        // Connecting: 127.0.0.1 port 1 refuses at once (exit 6: the server is unreachable); a
        // string that does not parse is exit 2.
        if let Some(code) = case.code("check-exit") {
            let check = sb.taskdb(&["config", "check"]).url(&conninfo);
            let ran = run(check, true, &what);
            ran.refused(code, "");
            outputs.push(ran);
            let check = sb.taskdb(&["-vv", "--database-url", &conninfo, "config", "check"]);
            let ran = run(check, true, &what);
            ran.expect_exit(code);
            outputs.push(ran);
            // health: CRITICAL (2) when it cannot connect, UNKNOWN (3) for a bad string.
            let health = sb.taskdb(&["--format", "json", "health"]).url(&conninfo);
            let ran = run(health, false, &what);
            ran.expect_exit(if code == 6 { 2 } else { 3 });
            outputs.push(ran);
        }
        for ran in &outputs {
            for s in secrets.iter().chain(case.all("decoded-secret")) {
                if ran.all().contains(s.as_str()) {
                    ran.fail(&format!("{what}: {s:?} leaked"));
                }
            }
        }
    }
}

#[test]
fn hostile_waf_policy_files_are_refused_before_anything_is_sent() {
    let sb = Sandbox::new();
    for case in corpus("policies", &["exit", "error"], 15) {
        // No token, and an API address where nothing listens: nothing can leave the machine.
        let apply = sb
            .taskdb(&[
                "waf",
                "apply",
                "--dry-run",
                "--zone",
                "example.com",
                "--policy",
            ])
            .arg(&case.path)
            .env("CLOUDFLARE_BASE_URL", "http://127.0.0.1:1/client/v4");
        run(apply, true, &case.name()).refused(case.exit(), case.error());
    }
}
