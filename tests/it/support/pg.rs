//! A throw-away PostgreSQL for the tests: one cluster per test process, one database per test.
//!
//! The cluster is created with the server binaries (as the `postgres` user when running as
//! root), listens only on a Unix socket in a temp directory, and is stopped and removed when
//! the test process exits — also when a test fails or panics — by a small watchdog process
//! that waits for this process to end. `TASKDB_TEST_DATABASE_URL` points the tests at an
//! existing server instead; they then only create and drop their own databases.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub struct TestPg {
    /// key=value conninfo of the server without dbname.
    base: String,
    /// Socket directory, when we started the cluster ourselves.
    #[allow(dead_code)]
    pub socket_dir: Option<PathBuf>,
    /// Server binaries (pg_dump, pg_basebackup, … for tests that need them).
    #[allow(dead_code)]
    pub bindir: PathBuf,
}

static CLUSTER: OnceLock<TestPg> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);
/// Name of the template database holding the migrated schema (made once per process).
static MIGRATED_TEMPLATE: OnceLock<String> = OnceLock::new();

pub fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

pub fn bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TASKDB_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").is_file() {
            return dir;
        }
    }
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries not found: apt-get install postgresql")
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            Some((major, e.path().join("bin")))
        })
        .filter(|(_, p)| p.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("PostgreSQL server binaries not found: apt-get install postgresql")
        .1
}

/// A command run as the `postgres` user when we are root.
pub fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

pub fn chown_to_postgres(path: &Path) {
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .expect("chown");
        assert!(status.success(), "chown {}", path.display());
    }
}

impl TestPg {
    /// The shared cluster of this test process.
    pub fn get() -> &'static TestPg {
        CLUSTER.get_or_init(|| match std::env::var("TASKDB_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => TestPg {
                base: url,
                socket_dir: None,
                bindir: bindir(),
            },
            _ => TestPg::start(),
        })
    }

    fn start() -> TestPg {
        let bindir = bindir();
        let dir = tempfile::Builder::new()
            .prefix("taskdb-test-pg-")
            .tempdir_in("/tmp")
            .expect("temp dir")
            .keep();
        let data = dir.join("data");
        chown_to_postgres(&dir);
        let out = as_server_user(&bindir.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-N",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ])
            .stdout(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = 5432;
        let opts = format!(
            "-c listen_addresses='' -k {} -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            dir.display()
        );
        let log = dir.join("log");
        let out = as_server_user(&bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .stdout(Stdio::null())
            .output()
            .expect("run pg_ctl");
        if !out.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "pg_ctl start failed: {}\n{log}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        spawn_watchdog(&bindir, &dir, &data);
        TestPg {
            base: format!("host={} port={port} user=postgres", dir.display()),
            socket_dir: Some(dir),
            bindir,
        }
    }

    /// Connection string for a database on this server.
    pub fn conninfo(&self, dbname: &str) -> String {
        if self.base.starts_with("postgres://") || self.base.starts_with("postgresql://") {
            let mut url = self.base.clone();
            // Replace (or add) the path component with the database name.
            let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
            let path_start = url[scheme_end..].find('/').map(|i| i + scheme_end);
            let query = url
                .find('?')
                .map(|i| url[i..].to_string())
                .unwrap_or_default();
            let cut = path_start.or_else(|| url.find('?')).unwrap_or(url.len());
            url.truncate(cut);
            format!("{url}/{dbname}{query}")
        } else {
            format!("{} dbname={dbname}", self.base)
        }
    }

    pub fn client(&self, dbname: &str) -> postgres::Client {
        postgres::Client::connect(&self.conninfo(dbname), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {dbname}: {e}"))
    }

    /// A fresh, empty database for one test; dropped when the value is dropped.
    pub fn fresh_db(&'static self) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("t_{}_{n}", std::process::id());
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        TestDb { pg: self, name }
    }
}

impl TestPg {
    /// A fresh database with the whole schema applied (`taskdb migrate up --no-backup`), copied
    /// from a template database that is migrated once per test process.
    #[allow(dead_code)]
    pub fn migrated_db(&'static self) -> TestDb {
        let template = MIGRATED_TEMPLATE.get_or_init(|| {
            let name = format!("tmpl_{}", std::process::id());
            self.client("postgres")
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create template database");
            let sandbox = super::Sandbox::new();
            let out = sandbox
                .cmd()
                .env("DATABASE_URL", self.conninfo(&name))
                .args(["migrate", "up", "--no-backup"])
                .output()
                .expect("run taskdb migrate up");
            assert!(
                out.status.success(),
                "migrate up on the template failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            name
        });
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("t_{}_{n}", std::process::id());
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .expect("create test database from the migrated template");
        TestDb { pg: self, name }
    }
}

/// Stop and remove the cluster once this test process has exited, however it exits.
/// (The watchdog outlives us on purpose, so it is never waited for.)
#[allow(clippy::zombie_processes)]
fn spawn_watchdog(bindir: &Path, dir: &Path, data: &Path) {
    let pg_ctl = bindir.join("pg_ctl");
    let stop = if is_root() {
        format!(
            "runuser -u postgres -- {} -D {} -m immediate -w stop",
            pg_ctl.display(),
            data.display()
        )
    } else {
        format!(
            "{} -D {} -m immediate -w stop",
            pg_ctl.display(),
            data.display()
        )
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watchdog");
}

/// One test's database.
pub struct TestDb {
    pub pg: &'static TestPg,
    pub name: String,
}

impl TestDb {
    pub fn url(&self) -> String {
        self.pg.conninfo(&self.name)
    }

    pub fn client(&self) -> postgres::Client {
        self.pg.client(&self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.pg.conninfo("postgres"), postgres::NoTls)
        {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A cluster of its own, for tests that change server-wide state (few connections, a paused
/// server, replication). Unix socket only; stopped and removed on drop, and by a watchdog if
/// the test process dies first.
#[allow(dead_code)]
pub struct DedicatedPg {
    pub dir: PathBuf,
    pub data: PathBuf,
    pub bindir: PathBuf,
}

#[allow(dead_code)]
impl DedicatedPg {
    /// initdb + start with extra `-c name=value` settings (e.g. "max_connections=8").
    pub fn start(settings: &[&str]) -> DedicatedPg {
        let pg = DedicatedPg::new_dir("taskdb-test-dpg-");
        initdb_dedicated(&pg.bindir, &pg.data);
        pg.pg_ctl_start(settings);
        pg
    }

    /// A streaming standby of `primary` made with `pg_basebackup -R`, using replication slot
    /// `slot` (created on the primary by pg_basebackup).
    pub fn standby_of(primary: &DedicatedPg, slot: &str) -> DedicatedPg {
        let pg = DedicatedPg::new_dir("taskdb-test-standby-");
        let out = as_server_user(&pg.bindir.join("pg_basebackup"))
            .arg("-h")
            .arg(&primary.dir)
            .args([
                "-p", "5432", "-U", "postgres", "-X", "stream", "-R", "-C", "-S", slot,
            ])
            .arg("-D")
            .arg(&pg.data)
            .output()
            .expect("run pg_basebackup");
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.pg_ctl_start(&[]);
        pg
    }

    fn new_dir(prefix: &str) -> DedicatedPg {
        let bindir = bindir();
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in("/tmp")
            .expect("temp dir")
            .keep();
        chown_to_postgres(&dir);
        let data = dir.join("data");
        spawn_watchdog(&bindir, &dir, &data);
        DedicatedPg { dir, data, bindir }
    }

    fn pg_ctl_start(&self, settings: &[&str]) {
        let mut opts = format!(
            "-c listen_addresses='' -k {} -p 5432 -c fsync=off -c full_page_writes=off",
            self.dir.display()
        );
        for s in settings {
            opts.push_str(&format!(" -c {s}"));
        }
        start_dedicated(&self.bindir, &self.data, &self.dir.join("log"), &opts);
    }

    pub fn conninfo(&self, dbname: &str) -> String {
        format!(
            "host={} port=5432 user=postgres dbname={dbname}",
            self.dir.display()
        )
    }

    pub fn client(&self, dbname: &str) -> postgres::Client {
        postgres::Client::connect(&self.conninfo(dbname), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {dbname}: {e}"))
    }

    /// Stop the server now (fast shutdown); drop also tries, harmlessly.
    pub fn stop(&self) {
        let _ = as_server_user(&self.bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// The postmaster and all its children (backends, background processes).
    pub fn server_pids(&self) -> Vec<i32> {
        let text =
            std::fs::read_to_string(self.data.join("postmaster.pid")).expect("postmaster.pid");
        let master: i32 = text.lines().next().unwrap().trim().parse().unwrap();
        let mut pids = vec![master];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
            let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
            let ppid: i32 = after
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid == master {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for DedicatedPg {
    fn drop(&mut self) {
        let _ = as_server_user(&self.bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// initdb a cluster (trust auth, UTF8, C locale) as the server user.
fn initdb_dedicated(bindir: &Path, data: &Path) {
    let out = as_server_user(&bindir.join("initdb"))
        .arg("-D")
        .arg(data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-N",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ])
        .stdout(Stdio::null())
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// pg_ctl start with server options `opts`; panics with the server log on failure.
fn start_dedicated(bindir: &Path, data: &Path, log: &Path, opts: &str) {
    let out = as_server_user(&bindir.join("pg_ctl"))
        .arg("-D")
        .arg(data)
        .arg("-l")
        .arg(log)
        .args(["-w", "-t", "60", "-o", opts, "start"])
        .stdout(Stdio::null())
        .output()
        .expect("run pg_ctl");
    if !out.status.success() {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        panic!(
            "pg_ctl start failed: {}\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
