//! Settings precedence, `config show|path|init`, and config-file errors.

use crate::support::{Sandbox, Taskdb};

/// `taskdb --format json config show`.
fn show(sb: &Sandbox) -> Taskdb {
    sb.taskdb(&["--format", "json", "config", "show"])
}

fn entry<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    v.as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {v}"))
}

#[test]
fn precedence_flag_env_file_libpq_local() {
    let sb = Sandbox::new();
    let cfg = sb.path().join("c.toml");
    std::fs::write(&cfg, "[database]\nurl = \"postgres://file/db\"\n").unwrap();

    // Nothing configured: the local cluster.
    let v = show(&sb).ok().json();
    assert_eq!(
        entry(&v, "database.url")["value"],
        "(managed local cluster)"
    );

    // libpq variables.
    let v = show(&sb)
        .env("PGHOST", "pghost")
        .env("DB_PORT", "6000")
        .ok()
        .json();
    assert_eq!(entry(&v, "database.host")["value"], "pghost");
    assert_eq!(entry(&v, "database.port")["source"], "env DB_PORT");

    // The file beats libpq variables.
    let v = show(&sb)
        .env("PGHOST", "pghost")
        .env("TASKDB_CONFIG", &cfg)
        .ok()
        .json();
    assert_eq!(entry(&v, "database.url")["value"], "postgres://file/db");
    assert!(entry(&v, "database.url")["source"]
        .as_str()
        .unwrap()
        .starts_with("file "));

    // Env beats the file, the flag beats env.
    let v = show(&sb)
        .env("TASKDB_CONFIG", &cfg)
        .url("postgres://env/db")
        .ok()
        .json();
    assert_eq!(entry(&v, "database.url")["source"], "env DATABASE_URL");
    let v = show(&sb)
        .env("TASKDB_CONFIG", &cfg)
        .url("postgres://env/db")
        .args(["--database-url", "postgres://flag/db"])
        .ok()
        .json();
    assert_eq!(entry(&v, "database.url")["value"], "postgres://flag/db");
    assert_eq!(entry(&v, "database.url")["source"], "flag --database-url");
}

#[test]
fn secrets_are_redacted_everywhere() {
    let sb = Sandbox::new();
    let r = sb
        .taskdb(&["-vv", "config", "show"])
        .url("postgres://bob:hunter2@db/x")
        .env("CLOUDFLARE_API_TOKEN", "cf-secret-token-value")
        .env("PGPASSWORD", "pgpass-secret")
        .ok();
    for secret in ["hunter2", "cf-secret-token-value", "pgpass-secret"] {
        assert!(!r.all().contains(secret), "{secret} leaked:\n{r}");
    }
    assert!(r.all().contains("********"), "{r}");
}

/// Issue 11: redaction works on the parsed string, so every spelling libpq accepts is masked,
/// and a string that does not parse is not shown at all.
#[test]
fn passwords_are_masked_in_every_spelling() {
    let sb = Sandbox::new();
    for (url, secrets, shown) in [
        (
            "host=db user=app password = S3cret dbname=t",
            &["S3cret"][..],
            "host=db user=app password=******** dbname=t",
        ),
        (
            "host=db password='correct horse battery staple' user=app",
            &["correct", "horse", "battery", "staple"][..],
            "host=db password=******** user=app",
        ),
        (
            "postgresql://app:p%40ss%20w0rd@db:5432/t?password=Qu%3Dery",
            &["p%40ss", "p@ss", "w0rd", "Qu%3Dery", "Qu=ery"][..],
            "postgres://app:********@db:5432/t",
        ),
        (
            "host=db password='unterminated S3cret",
            &["unterminated", "S3cret"][..],
            "(unparseable connection string)",
        ),
    ] {
        for format in ["table", "json"] {
            let r = sb
                .taskdb(&["-vv", "--format", format, "config", "show"])
                .url(url)
                .ok();
            let all = r.all();
            for secret in secrets {
                assert!(!all.contains(secret), "{secret} of {url:?} leaked:\n{r}");
            }
            assert!(all.contains(shown), "{url:?} not shown as {shown:?}:\n{r}");
        }
    }
}

#[test]
fn config_path_and_discovery() {
    let sb = Sandbox::new();
    // No file: the XDG default, with a note.
    sb.taskdb(&["config", "path"])
        .ok()
        .stdout_contains("config/taskdb/config.toml");
    // ./taskdb.toml in the current directory is found.
    std::fs::write(sb.path().join("taskdb.toml"), "actor = \"local-file\"\n").unwrap();
    sb.taskdb(&["config", "path"])
        .ok()
        .stdout_is("taskdb.toml\n");
    let v = show(&sb).ok().json();
    assert_eq!(entry(&v, "actor")["value"], "tester@test"); // env TASKDB_ACTOR beats the file
    let v = show(&sb).env_remove("TASKDB_ACTOR").ok().json();
    assert_eq!(entry(&v, "actor")["value"], "local-file");
}

#[test]
fn config_file_errors_name_file_line_and_key() {
    let sb = Sandbox::new();
    let cases = [
        ("not toml at all [", "bad.toml", "config file"),
        (
            "[database]\nurl = \"x\"\nbogus_key = 1\n",
            "unknown.toml",
            "key `database.bogus_key`",
        ),
        (
            "[database]\nconnect_timeout = \"soon\"\n",
            "type.toml",
            ":2: key `database.connect_timeout`",
        ),
    ];
    for (text, name, expect) in cases {
        let path = sb.path().join(name);
        std::fs::write(&path, text).unwrap();
        sb.taskdb(&["--config"])
            .arg(&path)
            .args(["config", "show"])
            .expect_exit(2)
            .stdout_is("")
            .stderr_contains(expect)
            .stderr_contains(name);
    }
    sb.taskdb(&["--config", "/nonexistent/taskdb.toml", "config", "show"])
        .expect_exit(2)
        .stderr_contains("/nonexistent/taskdb.toml");
}

/// Issue 11: a bad `[health]` section stopped only `health`; the README says an invalid config
/// file is exit 2 everywhere. The file is checked before any connection is attempted.
#[test]
fn an_invalid_health_section_stops_every_command() {
    let sb = Sandbox::new();
    let nowhere = sb.path().join("no-such-socket-dir");
    let cfg = sb.path().join("c.toml");
    for (text, expect) in [
        (
            "actor = \"a\"\n\n[health.thresholds.connections]\nwarn = \"lots\"\n",
            ":4: key `health.thresholds.connections.warn`: ",
        ),
        (
            "[health]\ntimeout = \"soon\"\n",
            ":2: key `health.timeout`: ",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap();
        sb.taskdb(&["task", "list"])
            .env("TASKDB_CONFIG", &cfg)
            .url(format!("host={} user=u", nowhere.display()))
            .expect_exit(2)
            .stderr_contains(&format!("{}{expect}", cfg.display()))
            .stdout_is("")
            .stderr_line();
    }
}

#[test]
fn bad_environment_values_are_usage_errors() {
    Sandbox::new()
        .taskdb(&["config", "show"])
        .env("TASKDB_CONNECT_TIMEOUT", "abc")
        .expect_exit(2)
        .stderr_contains("TASKDB_CONNECT_TIMEOUT");
}

#[test]
fn config_init_writes_a_private_file_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let path = sb.path().join("new/config.toml");
    sb.taskdb(&["config", "init", "--path"])
        .arg(&path)
        .args([
            "--backup-dir",
            "/var/backups/x",
            "--database-url",
            "postgres://a@b/c",
        ])
        .ok();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("dir = \"/var/backups/x\""));
    // The written file is read back correctly.
    let v = show(&sb).arg("--config").arg(&path).ok().json();
    assert_eq!(entry(&v, "backup.dir")["value"], "/var/backups/x");
    assert_eq!(entry(&v, "database.url")["value"], "postgres://a@b/c");

    sb.taskdb(&["config", "init", "--path"])
        .arg(&path)
        .expect_exit(2)
        .stderr_contains("--force");
    // Issue 11: --force over a world-readable file leaves a 0600 file …
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    sb.taskdb(&["config", "init", "--force", "--path"])
        .arg(&path)
        .ok();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // … and a symlink is refused (one line, exit 2) with its target untouched.
    let target = sb.path().join("shared.toml");
    std::fs::write(&target, "actor = \"someone\"\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = sb.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    sb.taskdb(&["config", "init", "--force", "--no-input", "--path"])
        .arg(&link)
        .args(["--database-url", "postgres://a:pw@b/c"])
        .expect_exit(2)
        .stderr_contains("symbolic link")
        .stderr_line();
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "actor = \"someone\"\n"
    );
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o644
    );
}
