//! Passwords: `role create --generate` and `role rotate` on a cluster of their own that asks
//! every role but the superuser for a SCRAM password over TCP. The old password stops working,
//! the new one works, and the secret is in no output but its 0600 file (or stdout, when asked).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::pg::{ExtraPg, ExtraPgSetup};
use crate::support::{Ran, Sandbox};

/// Log in over TCP as `role` with `password`: Ok, or the SQLSTATE of the refusal.
fn login(pg: &ExtraPg, role: &str, password: &str) -> Result<(), String> {
    let mut config = postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(pg.port)
        .user(role)
        .password(password)
        .dbname("roles");
    match config.connect(postgres::NoTls) {
        Ok(mut c) => {
            c.batch_execute("SELECT 1").unwrap();
            Ok(())
        }
        Err(e) => Err(e
            .as_db_error()
            .map_or_else(|| e.to_string(), |d| d.code().code().to_string())),
    }
}

/// The password in a secret file, which must be a regular file of mode 0600.
fn secret(path: &Path) -> String {
    let meta = std::fs::symlink_metadata(path).unwrap();
    assert!(meta.is_file());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "{}",
        path.display()
    );
    let text = std::fs::read_to_string(path).unwrap();
    let pw = text.strip_suffix('\n').unwrap().to_string();
    assert_eq!(pw.len(), 64, "256 bits in hex");
    pw
}

#[track_caller]
fn never_shows(ran: &Ran, secret: &str) {
    ran.lacks(secret);
}

#[test]
fn rotate_makes_the_old_password_stop_working_and_shows_the_new_one_only_where_asked() {
    let pg = ExtraPg::start(ExtraPgSetup {
        // Every statement logged: the password must not be in any of them.
        conf: "password_encryption = 'scram-sha-256'\nlog_statement = 'all'\n",
        hba: Some(
            "local all all trust\n\
             host all postgres 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        ),
        files: vec![],
    });
    pg.admin().batch_execute("CREATE DATABASE roles").unwrap();
    let url = format!(
        "host={} port={} user=postgres dbname=roles",
        pg.dir.display(),
        pg.port
    );
    let sb = Sandbox::new();
    let as_admin = |args: &[&str]| sb.taskdb(args).url(&url);
    as_admin(&["migrate", "up", "--no-backup"]).ok();

    // Create with a generated password: it goes to the 0600 file only.
    let file = sb.path().join("secrets/agent.password");
    let created = as_admin(&[
        "role",
        "create",
        "remote agent",
        "--kind",
        "agent",
        "--generate",
        "--secret-file",
        file.to_str().unwrap(),
    ])
    .ok();
    let first = secret(&file);
    never_shows(&created, &first);
    assert_eq!(login(&pg, "remote agent", &first), Ok(()));
    assert_eq!(login(&pg, "remote agent", "guess"), Err("28P01".into()));
    // taskdb itself logs in with it (password in the connection string).
    let tcp = format!(
        "host=127.0.0.1 port={} user='remote agent' dbname=roles sslmode=disable password={first}",
        pg.port
    );
    sb.taskdb(&["task", "list"]).url(&tcp).ok();
    let shown = as_admin(&["role", "show", "remote agent"]).ok();
    shown.stdout_contains("scram-sha-256");
    never_shows(&shown, &first);

    // Rotate to the file: the old one stops working, the new one works.
    let rotated = as_admin(&[
        "role",
        "rotate",
        "remote agent",
        "--secret-file",
        file.to_str().unwrap(),
    ])
    .ok();
    let second = secret(&file);
    assert_ne!(first, second);
    never_shows(&rotated, &first);
    never_shows(&rotated, &second);
    rotated.stdout_is("");
    assert_eq!(login(&pg, "remote agent", &first), Err("28P01".into()));
    assert_eq!(login(&pg, "remote agent", &second), Ok(()));

    // Rotate to stdout: stdout holds the password and nothing else; stderr never.
    let printed = as_admin(&["role", "rotate", "remote agent", "--stdout"]).ok();
    let third = printed.text();
    assert_eq!(printed.stdout, format!("{third}\n"));
    printed.stderr_lacks(&third);
    assert_eq!(third.len(), 64);
    assert_eq!(login(&pg, "remote agent", &second), Err("28P01".into()));
    assert_eq!(login(&pg, "remote agent", &third), Ok(()));
    // The file still holds the second, now stale one: rotate writes only where it is told.
    assert_eq!(secret(&file), second);

    // A password from a file: set, and not echoed.
    let pw_file = sb.path().join("pw");
    std::fs::write(&pw_file, "from a file, with spaces\n").unwrap();
    let set = as_admin(&[
        "role",
        "create",
        "remote agent",
        "--kind",
        "agent",
        "--password-file",
        pw_file.to_str().unwrap(),
    ])
    .ok();
    set.stderr_contains("exists: set password");
    never_shows(&set, "from a file");
    assert_eq!(
        login(&pg, "remote agent", "from a file, with spaces"),
        Ok(())
    );

    // The server saw verifiers, never a password: its log of every statement has none.
    let log = std::fs::read_to_string(pg.dir.join("log")).unwrap();
    assert!(
        log.contains("PASSWORD 'SCRAM-SHA-256$4096:"),
        "statements not logged"
    );
    for pw in [first.as_str(), &second, &third, "from a file"] {
        assert!(!log.contains(pw), "a password in the server log");
    }
    // A rotation that cannot write its file changes nothing.
    let blocker = sb.path().join("dir-not-file");
    std::fs::create_dir(&blocker).unwrap();
    as_admin(&[
        "role",
        "rotate",
        "remote agent",
        "--secret-file",
        blocker.to_str().unwrap(),
    ])
    .refused(2, "it is not a regular file");
    assert_eq!(
        login(&pg, "remote agent", "from a file, with spaces"),
        Ok(())
    );
}
