//! PgBouncer for the pooling tests: `pool_mode = transaction` (unless asked otherwise) with a
//! small pool, on 127.0.0.1 at a free port, in front of a test cluster's Unix socket
//! (`* = host=<socket dir>`: every database of it, by name), trusting the users listed, run as
//! the `postgres` user when running as root (PgBouncer refuses root). [`Bouncer::shared`] is
//! the one of this test process, in front of the shared cluster with a pool of 2 server
//! connections per database and user, so that clients really share them; [`Bouncer::start`]
//! makes one for a test's own server. A watchdog stops it when the test process ends, however it
//! ends; [`Bouncer`]s of a test stop on drop too. Its directory starts with `taskdb-test-pg-`
//! like the clusters', so `.ci/run` finds one left running.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::patroni::found;
use super::pg::{as_server_user, free_port, new_server_dir, spawn_detached, TestDb, TestPg};

/// The pool's size per database and user in the shared PgBouncer.
pub const POOL_SIZE: u32 = 2;

pub struct Bouncer {
    pub dir: PathBuf,
    pub port: u16,
    /// Stop it on drop (a test's own; the shared one lives as long as the process).
    own: bool,
}

static SHARED: OnceLock<Bouncer> = OnceLock::new();

/// How a [`Bouncer`] is set up.
pub struct BouncerSetup<'a> {
    /// `transaction` or `session`.
    pub pool_mode: &'a str,
    pub pool_size: u32,
    /// Users it lets in (trusted; the server behind trusts its socket).
    pub users: &'a [&'a str],
}

impl Default for BouncerSetup<'_> {
    fn default() -> Self {
        BouncerSetup {
            pool_mode: "transaction",
            pool_size: POOL_SIZE,
            users: &["postgres"],
        }
    }
}

impl Bouncer {
    /// The PgBouncer of this test process, in front of the shared cluster (transaction
    /// pooling, [`POOL_SIZE`] server connections per database and user).
    pub fn shared() -> &'static Bouncer {
        SHARED.get_or_init(|| {
            let pg = TestPg::get();
            let socket = pg.socket_dir.as_deref().expect(
                "the pooling tests need the harness's own cluster (not TASKDB_TEST_DATABASE_URL)",
            );
            let mut b = Bouncer::start(socket, 5432, &BouncerSetup::default());
            b.own = false;
            b
        })
    }

    /// A PgBouncer in front of the server listening in `socket_dir` at `port`.
    pub fn start(socket_dir: &Path, port: u16, setup: &BouncerSetup<'_>) -> Bouncer {
        assert!(
            Path::new("/usr/sbin/pgbouncer").is_file() || found("pgbouncer"),
            "pgbouncer not found: apt-get install pgbouncer"
        );
        let (dir, _) = new_server_dir("taskdb-test-pg-bouncer-");
        spawn_watchdog(&dir);
        let users: String = setup
            .users
            .iter()
            .map(|u| format!("\"{u}\" \"\"\n"))
            .collect();
        std::fs::write(dir.join("userlist.txt"), users).expect("write userlist.txt");
        // The port is free when we look; a rare race with another process is retried.
        for _ in 0..5 {
            let listen = free_port();
            std::fs::write(
                dir.join("pgbouncer.ini"),
                ini(&dir, socket_dir, port, listen, setup),
            )
            .expect("write pgbouncer.ini");
            super::pg::chown_to_postgres(&dir);
            let status = as_server_user(&program())
                .arg("-d")
                .arg(dir.join("pgbouncer.ini"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("run pgbouncer");
            if status.success() && accepts(listen) {
                return Bouncer {
                    dir,
                    port: listen,
                    own: true,
                };
            }
            stop(&dir);
        }
        let log = std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default();
        panic!("pgbouncer did not start:\n{log}");
    }

    /// A connection string for database `dbname` through this PgBouncer.
    pub fn conninfo(&self, dbname: &str) -> String {
        self.conninfo_as("postgres", dbname)
    }

    /// [`Bouncer::conninfo`] for another user (listed in its setup).
    pub fn conninfo_as(&self, user: &str, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={user} dbname={dbname} sslmode=disable",
            self.port
        )
    }

    /// [`Bouncer::conninfo`] of a test database.
    pub fn url(&self, db: &TestDb) -> String {
        self.conninfo(&db.name)
    }

    /// Its log (what it said about clients and servers).
    #[allow(dead_code)]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        if self.own {
            stop(&self.dir);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn program() -> PathBuf {
    let debian = PathBuf::from("/usr/sbin/pgbouncer");
    if debian.is_file() {
        debian
    } else {
        PathBuf::from("pgbouncer")
    }
}

fn ini(dir: &Path, socket_dir: &Path, port: u16, listen: u16, s: &BouncerSetup<'_>) -> String {
    let d = dir.display();
    format!(
        "[databases]\n\
         * = host={socket} port={port}\n\
         [pgbouncer]\n\
         listen_addr = 127.0.0.1\n\
         listen_port = {listen}\n\
         unix_socket_dir =\n\
         auth_type = trust\n\
         auth_file = {d}/userlist.txt\n\
         admin_users = postgres\n\
         pool_mode = {mode}\n\
         default_pool_size = {size}\n\
         min_pool_size = 0\n\
         reserve_pool_size = 0\n\
         max_client_conn = 1000\n\
         server_check_delay = 0\n\
         logfile = {d}/pgbouncer.log\n\
         pidfile = {d}/pgbouncer.pid\n",
        socket = socket_dir.display(),
        mode = s.pool_mode,
        size = s.pool_size,
    )
}

/// Something accepts TCP connections on 127.0.0.1:`port` within 10 s.
fn accepts(port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn pid(dir: &Path) -> Option<i32> {
    std::fs::read_to_string(dir.join("pgbouncer.pid"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// SIGTERM (PgBouncer exits at once), then wait for it to be gone.
fn stop(dir: &Path) {
    let Some(pid) = pid(dir) else { return };
    // SAFETY: kill(2) on the PgBouncer this harness started.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let start = Instant::now();
    // SAFETY: signal 0 only checks that the process exists.
    while unsafe { libc::kill(pid, 0) } == 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stop it once this test process has exited, however it exits.
fn spawn_watchdog(dir: &Path) {
    let d = dir.display();
    spawn_detached(&format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
         [ -f {d}/pgbouncer.pid ] && kill -TERM \"$(cat {d}/pgbouncer.pid)\" 2>/dev/null; \
         sleep 1; rm -rf {d}",
        pid = std::process::id(),
    ));
}
