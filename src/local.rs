//! The managed local PostgreSQL cluster: what taskdb uses when no database is configured.
//!
//! Layout under the data directory (`local.data_dir`):
//! - `data/`            the cluster (initdb)
//! - `.s.PGSQL.<port>`  the Unix socket (the directory itself is the socket directory)
//! - `server.log`       the server log
//! - `cluster.json`     what taskdb recorded: port, bindir, version
//!
//! Where PostgreSQL's programs are (for this cluster and for the client tools): `bindir`.
//!
//! As root the server runs as the `postgres` system user (PostgreSQL refuses root), through
//! `runuser`, and the data directory is owned by that user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::exit::failed;
use crate::output::Output;
use crate::platform::is_root;

pub mod bindir;

use bindir::{find_bindir, parse_version};

/// The database taskdb creates in the local cluster.
pub const LOCAL_DATABASE: &str = "taskdb";
const SERVER_USER: &str = "postgres";

/// What `cluster.json` records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub port: u16,
    pub bindir: PathBuf,
    pub version: String,
}

/// A cluster's state as `taskdb local status` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStatus {
    pub running: bool,
    pub initialized: bool,
    pub pid: Option<u32>,
    pub port: Option<u16>,
    pub version: Option<String>,
    pub data_dir: PathBuf,
    pub socket_dir: PathBuf,
}

/// A managed cluster rooted at a directory.
pub struct Cluster {
    pub root: PathBuf,
}

impl Cluster {
    pub fn new(root: impl Into<PathBuf>) -> Cluster {
        Cluster { root: root.into() }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn record_path(&self) -> PathBuf {
        self.root.join("cluster.json")
    }

    fn log_path(&self) -> PathBuf {
        self.root.join("server.log")
    }

    pub fn is_initialized(&self) -> bool {
        self.data_dir().join("PG_VERSION").is_file()
    }

    pub fn record(&self) -> Option<ClusterRecord> {
        let text = crate::limits::read_to_string(
            self.record_path(),
            crate::limits::SMALL_FILE,
            "state files",
        )
        .ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The postmaster's pid, if `postmaster.pid` names a live process.
    pub fn running_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        let pid: i32 = text.lines().next()?.trim().parse().ok()?;
        // SAFETY: kill with signal 0 only checks that the process exists.
        let alive = unsafe { libc::kill(pid, 0) == 0 }
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        alive.then_some(pid as u32)
    }

    pub fn status(&self) -> ClusterStatus {
        let record = self.record();
        ClusterStatus {
            running: self.running_pid().is_some(),
            initialized: self.is_initialized(),
            pid: self.running_pid(),
            port: record.as_ref().map(|r| r.port),
            version: std::fs::read_to_string(self.data_dir().join("PG_VERSION"))
                .ok()
                .map(|v| v.trim().to_string()),
            data_dir: self.data_dir(),
            socket_dir: self.root.clone(),
        }
    }

    /// The connection config for the cluster's Unix socket.
    pub fn client_config(&self, port: u16) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host_path(&self.root)
            .port(port)
            .user(SERVER_USER)
            .dbname(LOCAL_DATABASE);
        c
    }

    /// A URL for people and other tools (psql, pg_dump): the Unix socket, no password.
    pub fn url(&self, port: u16) -> String {
        format!(
            "postgresql://{SERVER_USER}@/{LOCAL_DATABASE}?host={}&port={port}",
            self.root.display()
        )
    }

    /// Create (if needed) and start the cluster. Returns true when it had to start it.
    pub fn start(&self, out: &crate::output::Output) -> Result<bool> {
        if self.running_pid().is_some() {
            if self.record().is_none() {
                return Err(failed(format!(
                    "{} holds a running PostgreSQL that taskdb did not start; choose another local.data_dir",
                    self.data_dir().display()
                )));
            }
            return Ok(false);
        }
        let bindir = find_bindir()?;
        let version = server_version(&bindir)?;
        if !self.is_initialized() {
            self.initdb(&bindir, out)?;
        }
        let port = match self.record() {
            Some(r) => {
                if !port_is_free(r.port) {
                    return Err(failed(format!(
                        "port {} recorded for the local cluster is taken by another program on 127.0.0.1; stop it or run `taskdb local destroy`",
                        r.port
                    )));
                }
                r.port
            }
            None => free_port()?,
        };
        let record = ClusterRecord {
            port,
            bindir: bindir.clone(),
            version,
        };
        crate::platform::write_private_file(
            &self.record_path(),
            serde_json::to_string_pretty(&record)?.as_bytes(),
        )?;
        self.chown_to_server_user(&self.record_path())?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {}",
            self.root.display()
        );
        let status = server_command(&bindir.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("cannot run pg_ctl")?;
        if !status.status.success() {
            let log_tail = tail(&self.log_path(), 3);
            return Err(failed(format!(
                "the local cluster did not start: {} {}",
                String::from_utf8_lossy(&status.stderr).trim(),
                log_tail
            )));
        }
        Ok(true)
    }

    fn initdb(&self, bindir: &Path, out: &crate::output::Output) -> Result<()> {
        if self.data_dir().exists()
            && std::fs::read_dir(self.data_dir())
                .map(|mut d| d.next().is_some())
                .unwrap_or(true)
        {
            return Err(failed(format!(
                "{} exists and is not a PostgreSQL cluster; choose another local.data_dir or remove it",
                self.data_dir().display()
            )));
        }
        out.note(format!(
            "creating the local PostgreSQL cluster in {}",
            self.root.display()
        ));
        std::fs::create_dir_all(&self.root)
            .with_context(|| format!("cannot create {}", self.root.display()))?;
        set_mode(&self.root, 0o700)?;
        self.chown_to_server_user(&self.root)?;
        // Local socket connections are trusted (the socket directory is private, 0700);
        // TCP connections need a password nobody has, so only the socket is usable.
        let output = server_command(&bindir.join("initdb"))
            .arg("-D")
            .arg(self.data_dir())
            .args([
                "-U",
                SERVER_USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("cannot run initdb")?;
        if !output.status.success() {
            return Err(failed(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    }

    /// [`Cluster::start`] on a blocking thread (initdb and pg_ctl take seconds).
    pub async fn start_off_runtime(&self, out: &Output) -> Result<bool> {
        let root = self.root.clone();
        let out = out.clone();
        tokio::task::spawn_blocking(move || Cluster::new(root).start(&out)).await?
    }

    /// Stop the cluster (fast shutdown). Returns false when it was not running.
    pub fn stop(&self) -> Result<bool> {
        if self.running_pid().is_none() {
            return Ok(false);
        }
        let bindir = self
            .record()
            .map(|r| r.bindir)
            .map_or_else(find_bindir, Ok)?;
        let output = server_command(&bindir.join("pg_ctl"))
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("cannot run pg_ctl")?;
        if !output.status.success() {
            return Err(failed(format!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(true)
    }

    /// Stop and remove everything under the root.
    pub fn destroy(&self) -> Result<()> {
        self.stop()?;
        if self.root.exists() {
            std::fs::remove_dir_all(&self.root)
                .with_context(|| format!("cannot remove {}", self.root.display()))?;
        }
        Ok(())
    }

    fn chown_to_server_user(&self, path: &Path) -> Result<()> {
        if !is_root() {
            return Ok(());
        }
        let (uid, gid) = server_user_ids()?;
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .with_context(|| format!("cannot hand {} to the postgres user", path.display()))
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set permissions on {}", path.display()))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..].join(" | ")
}

/// A command that runs as the server user when we are root.
fn server_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SERVER_USER, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn server_user_ids() -> Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() > 3 && fields[0] == SERVER_USER {
            if let (Ok(uid), Ok(gid)) = (fields[2].parse(), fields[3].parse()) {
                return Ok((uid, gid));
            }
        }
    }
    Err(failed(
        "running as root, but there is no `postgres` system user to run the server as; install the PostgreSQL server package (apt-get install postgresql) or run taskdb as a normal user",
    ))
}

fn server_version(bindir: &Path) -> Result<String> {
    let program = bindir.join("postgres");
    let out = Command::new(&program)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match parse_version(&text) {
        Some(v) if out.status.success() => Ok(v.to_string()),
        _ => Err(failed(format!(
            "{} --version did not print a PostgreSQL version",
            program.display()
        ))),
    }
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Used by every database command when nothing is configured: start the cluster on first use
/// (saying so on stderr), make sure the `taskdb` database exists, and return how to connect.
pub async fn ensure_running(data_dir: &Path, out: &Output) -> Result<tokio_postgres::Config> {
    let cluster = Cluster::new(data_dir);
    let started = cluster.start_off_runtime(out).await?;
    let record = cluster.record().ok_or_else(|| {
        failed("the local cluster has no cluster.json; run `taskdb local destroy`")
    })?;
    if started {
        out.note(format!(
            "started the local PostgreSQL cluster ({}, port {})",
            cluster.root.display(),
            record.port
        ));
    }
    ensure_database(&cluster, record.port).await?;
    Ok(cluster.client_config(record.port))
}

/// Create the `taskdb` database in the local cluster if it is missing.
pub async fn ensure_database(cluster: &Cluster, port: u16) -> Result<()> {
    let mut admin = cluster.client_config(port);
    admin.dbname("postgres");
    let mut last_err = None;
    // Right after start the server may still be finishing recovery; retry briefly.
    for _ in 0..50 {
        match admin.connect(tokio_postgres::NoTls).await {
            Ok((client, conn)) => {
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                let exists = client
                    .query_opt(
                        "SELECT 1 FROM pg_database WHERE datname = $1",
                        &[&LOCAL_DATABASE],
                    )
                    .await?
                    .is_some();
                if !exists {
                    // Two processes may race here; "already exists" is fine.
                    if let Err(e) = client
                        .batch_execute(&format!("CREATE DATABASE {LOCAL_DATABASE}"))
                        .await
                    {
                        if e.code() != Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) {
                            return Err(e).context("cannot create the taskdb database");
                        }
                    }
                }
                return Ok(());
            }
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    Err(failed(format!(
        "cannot connect to the local cluster: {}",
        last_err.map(|e| e.to_string()).unwrap_or_default()
    )))
}
