//! Startup work: commands that need no database never connect to one; the others open exactly
//! one connection. Counted at the TCP level, so nothing depends on timing.

use std::io::ErrorKind;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::support::{Sandbox, TestDb, TestPg};

/// A TCP port forwarding every connection to the test server's Unix socket, counting them.
struct CountingProxy {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

impl CountingProxy {
    fn new(db: &TestDb) -> Self {
        let url = db.url();
        let dir = url
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("host="))
            .expect("the test server's socket directory");
        let socket = PathBuf::from(dir).join(".s.PGSQL.5432");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = UnixStream::connect(&socket) else {
                    continue;
                };
                let (mut c_in, mut s_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        CountingProxy { port, accepted }
    }

    fn url(&self, db: &TestDb) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{}?sslmode=disable",
            self.port, db.name
        )
    }

    /// Connections accepted so far. A sentinel connection of our own goes through the same
    /// accept queue after every connection the command made, so once it is counted they all are.
    fn settled_count(&self) -> usize {
        let before = self.accepted.load(Ordering::SeqCst);
        let sentinel = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        while self.accepted.load(Ordering::SeqCst) == before {
            std::thread::yield_now();
        }
        drop(sentinel);
        let after = self.accepted.load(Ordering::SeqCst);
        self.accepted.fetch_sub(1, Ordering::SeqCst);
        after - 1
    }
}

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
    let proxy = CountingProxy::new(&db);
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
