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
        let (dir, data) = new_cluster_dir(&bindir, "taskdb-test-pg-");
        let port = 5432;
        let opts = format!(
            "-c listen_addresses='' -k {} -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            dir.display()
        );
        let log = dir.join("log");
        let out = pg_ctl_start(&bindir, &data, &log, &opts);
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
            super::Sandbox::new()
                .taskdb(&["migrate", "up", "--no-backup"])
                .url(self.conninfo(&name))
                .ok();
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

/// A temp dir in /tmp (kept; the watchdog removes it) owned by the server user, and the path
/// of the data directory to create in it. `TASKDB_TEST_RUN`, when set, goes into the name
/// after the prefix, so `.ci/run` can tell its own servers from other test runs' on the machine.
pub(super) fn new_server_dir(prefix: &str) -> (PathBuf, PathBuf) {
    let run = std::env::var("TASKDB_TEST_RUN")
        .map(|r| format!("{r}-"))
        .unwrap_or_default();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{prefix}{run}"))
        .tempdir_in("/tmp")
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    chown_to_postgres(&dir);
    (dir, data)
}

/// A temp dir (kept; the watchdog removes it) holding a fresh `initdb` data directory owned by
/// the server user. Returns (dir, data dir).
fn new_cluster_dir(bindir: &Path, prefix: &str) -> (PathBuf, PathBuf) {
    let (dir, data) = new_server_dir(prefix);
    let out = as_server_user(&bindir.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "-A", "trust", "-N", "-E", "UTF8"])
        .args(["--locale=C", "--no-instructions"])
        .stdout(Stdio::null())
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, data)
}

/// `pg_ctl start` with server options, waiting until it accepts connections.
fn pg_ctl_start(bindir: &Path, data: &Path, log: &Path, opts: &str) -> std::process::Output {
    as_server_user(&bindir.join("pg_ctl"))
        .arg("-D")
        .arg(data)
        .arg("-l")
        .arg(log)
        .args(["-w", "-t", "60", "-o", opts, "start"])
        .stdout(Stdio::null())
        .output()
        .expect("run pg_ctl")
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
    spawn_detached(&script);
}

/// Run a shell script in the background, never waited for (a watchdog that outlives us).
#[allow(clippy::zombie_processes)]
pub(super) fn spawn_detached(script: &str) {
    Command::new("sh")
        .args(["-c", script])
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

    /// Sessions of this database waiting for claimable work: the waiters' dedicated
    /// connections (`application_name = 'taskdb listen'`).
    #[allow(dead_code)]
    pub fn listeners(&self) -> i64 {
        self.client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                   AND application_name = 'taskdb listen'",
                &[],
            )
            .unwrap()
            .get(0)
    }

    /// Row counts of the tables a task or workflow command may write (tasks, dependencies,
    /// audit log, workflows), to prove that nothing changed.
    pub fn counts(&self) -> (i64, i64, i64, i64) {
        let row = self
            .client()
            .query_one(
                "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM task_dependencies), \
                        (SELECT count(*) FROM audit_log), (SELECT count(*) FROM workflows)",
                &[],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2), row.get(3))
    }

    /// (version, name) of every row in refinery's history table, oldest first (empty if there
    /// is no such table).
    pub fn migration_history(&self) -> Vec<(i32, String)> {
        let mut c = self.client();
        let exists: bool = c
            .query_one(
                "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
                &[],
            )
            .unwrap()
            .get(0);
        if !exists {
            return Vec::new();
        }
        c.query(
            "SELECT version, name FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    }

    /// Tasks whose `open_blockers` differs from a recount of their edges (V9's invariant),
    /// as `#short_id: stored <> recount`.
    pub fn open_blocker_mismatches(&self) -> Vec<String> {
        self.client()
            .query(
                "SELECT '#' || t.short_id || ': ' || t.open_blockers || ' <> ' || c.n FROM tasks t \
                 CROSS JOIN LATERAL (SELECT count(*) AS n FROM task_dependencies e \
                   JOIN tasks d ON d.id = e.depends_on_task_id \
                  WHERE e.task_id = t.id AND e.dependency_type = 'blocks' \
                    AND d.status <> 'completed') c \
                 WHERE t.open_blockers <> c.n",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
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

/// A free TCP port on 127.0.0.1 (bind port 0, read it, let it go).
#[allow(dead_code)]
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("local addr").port()
}

/// A dedicated cluster for tests that need their own server settings (TLS, pg_hba, read-only),
/// listening on 127.0.0.1 at a free port and on a Unix socket in its temp dir. Stopped and
/// removed on drop, and by a watchdog when the test process exits (however it exits).
#[allow(dead_code)]
pub struct ExtraPg {
    pub dir: PathBuf,
    pub data: PathBuf,
    pub port: u16,
    bindir: PathBuf,
}

/// How to set up an [`ExtraPg`] before it starts.
#[allow(dead_code)]
#[derive(Default)]
pub struct ExtraPgSetup<'a> {
    /// Lines appended to postgresql.conf.
    pub conf: &'a str,
    /// The whole pg_hba.conf (None: initdb's, which trusts local and loopback connections).
    pub hba: Option<&'a str>,
    /// Files written into the data directory, owned by the server user, mode 0600.
    pub files: Vec<(&'a str, Vec<u8>)>,
}

#[allow(dead_code)]
impl ExtraPg {
    pub fn start(setup: ExtraPgSetup<'_>) -> ExtraPg {
        use std::os::unix::fs::PermissionsExt;
        let bindir = bindir();
        let (dir, data) = new_cluster_dir(&bindir, "taskdb-test-extra-pg-");
        // Register the watchdog before anything can fail, so the cluster never outlives us.
        spawn_watchdog(&bindir, &dir, &data);
        let conf_path = data.join("postgresql.conf");
        let mut conf = std::fs::read_to_string(&conf_path).expect("read postgresql.conf");
        conf.push('\n');
        conf.push_str(setup.conf);
        std::fs::write(&conf_path, conf).expect("write postgresql.conf");
        if let Some(hba) = setup.hba {
            std::fs::write(data.join("pg_hba.conf"), hba).expect("write pg_hba.conf");
        }
        for (name, bytes) in &setup.files {
            let path = data.join(name);
            std::fs::write(&path, bytes).expect("write server file");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod server file");
        }
        chown_to_postgres(&data);
        ExtraPg::launch(bindir, dir, data)
    }

    /// A hot standby of this cluster (pg_basebackup -R, streaming over the Unix socket), at its
    /// own free port. The primary's default pg_hba.conf trusts local replication.
    pub fn standby(&self) -> ExtraPg {
        let bindir = bindir();
        let (dir, data) = new_server_dir("taskdb-test-standby-pg-");
        spawn_watchdog(&bindir, &dir, &data);
        let out = as_server_user(&bindir.join("pg_basebackup"))
            .arg("-D")
            .arg(&data)
            .arg("-h")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres"])
            .args(["-R", "-X", "stream", "-c", "fast"])
            .stdout(Stdio::null())
            .output()
            .expect("run pg_basebackup");
        assert!(
            out.status.success(),
            "pg_basebackup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ExtraPg::launch(bindir, dir, data)
    }

    /// Start the server in `data` on 127.0.0.1 at a free port (and a socket in `dir`).
    fn launch(bindir: PathBuf, dir: PathBuf, data: PathBuf) -> ExtraPg {
        let log = dir.join("log");
        // The port is free when we look; a rare race with another process is retried.
        for _ in 0..5 {
            let port = free_port();
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -k {} -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                dir.display()
            );
            if pg_ctl_start(&bindir, &data, &log, &opts).status.success() {
                return ExtraPg {
                    dir,
                    data,
                    port,
                    bindir,
                };
            }
        }
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("pg_ctl start of an extra cluster failed:\n{log}");
    }

    /// A superuser client over the Unix socket (trusted), for setting up roles.
    pub fn admin(&self) -> postgres::Client {
        let conninfo = format!(
            "host={} port={} user=postgres dbname=postgres",
            self.dir.display(),
            self.port
        );
        postgres::Client::connect(&conninfo, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to the extra cluster: {e}"))
    }
}

impl Drop for ExtraPg {
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
        let bindir = bindir();
        let (dir, data) = new_cluster_dir(&bindir, "taskdb-test-dpg-");
        spawn_watchdog(&bindir, &dir, &data);
        let pg = DedicatedPg { dir, data, bindir };
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
        let (dir, data) = new_server_dir(prefix);
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
        let log = self.dir.join("log");
        let out = pg_ctl_start(&self.bindir, &self.data, &log, &opts);
        if !out.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "pg_ctl start failed: {}\n{log}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
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
