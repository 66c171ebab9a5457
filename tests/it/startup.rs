//! Startup work: commands that need no database never connect to one; the others open exactly
//! one connection. Counted at the TCP level, so nothing depends on timing.

use std::io::ErrorKind;
use std::net::TcpListener;

use crate::support::{Proxy, Sandbox, TestPg};

#[test]
fn commands_without_database_work_never_connect() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/{}",
        listener.local_addr().unwrap().port(),
        db.name
    );
    let commands: &[&[&str]] = &[
        &["--help"],
        &["--version"],
        &["task", "--help"],
        &["help", "health"],
        &["completions", "bash"],
        &["config", "path"],
        &["config", "show"],
        &["bench", "--pgbench-script"],
        &["backup", "list"],
        &["backup", "prune", "--keep", "3", "--dry-run"],
    ];
    for args in commands {
        sb.taskdb(args).url(&url).ok();
    }
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("a command connected to the database (from {from})"),
        Err(e) => panic!("accept: {e}"),
    }
}

#[test]
fn database_commands_open_one_connection_each() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::new();
    let proxy = Proxy::to(&db);
    let url = proxy.url(&db);
    sb.taskdb(&["task", "create", "first", "--priority", "high"])
        .url(&url)
        .ok();
    sb.taskdb(&["task", "create", "second", "--depends-on", "1"])
        .url(&url)
        .ok();
    assert_eq!(proxy.settled_count(), 2, "task create, twice");
    let commands: &[&[&str]] = &[
        &["task", "show", "1"],
        &["task", "list", "--ready"],
        &["task", "next", "--claim"],
        &["task", "history", "1"],
        &["task", "status", "1", "done"],
        &["workflow", "list"],
        &["metrics", "record", "deploys", "1"],
        &["metrics", "dump"],
        &["migrate", "status"],
        &["config", "check"],
    ];
    for args in commands {
        let before = proxy.settled_count();
        sb.taskdb(args).url(&url).ok();
        assert_eq!(
            proxy.settled_count() - before,
            1,
            "taskdb {} opened more than one connection",
            args.join(" ")
        );
    }
    // health runs every probe over the one connection (its exit code is the verdict, 0-3).
    let before = proxy.settled_count();
    let r = sb.taskdb(&["health", "--format", "json"]).url(&url).run();
    assert!((0..4).contains(&r.code), "{r}");
    assert_eq!(proxy.settled_count() - before, 1, "taskdb health");
}
