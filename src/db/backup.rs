//! Backups with `pg_dump -Fc`: create (verified before it counts), verify, list, restore.
//!
//! A backup is two files in the backup directory (0700): `<db>_<UTC>_v<schema>_<reason>.dump`
//! (0600) and its manifest `<same>.dump.json` (0600; sha256, size, versions, reason, actor).
//! While pg_dump writes, the dump is `<same>.dump.partial` (see [`orphans`]).
//! The connection reaches pg_dump/pg_restore through PG* environment variables of the child,
//! never through its command line, so the password is not visible in `ps`.

use std::collections::HashMap;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_postgres::Client;

use crate::exit::failed;
use crate::output::Output;

pub mod orphans;

/// What a backup's manifest records.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// File name of the dump (in the same directory as the manifest).
    pub file: String,
    pub database: String,
    pub created_at: DateTime<Utc>,
    pub size_bytes: u64,
    pub sha256: String,
    pub server_version: String,
    pub pg_dump_version: String,
    /// Newest applied migration when the backup was taken (0: none).
    pub schema_version: u32,
    pub reason: String,
    pub actor: String,
    pub host: String,
    pub duration_ms: u64,
    /// Always "custom" (`pg_dump -Fc`).
    pub format: String,
}

/// A backup as `backup list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub path: PathBuf,
    #[serde(flatten)]
    pub manifest: Manifest,
    /// Whether the dump file is still there.
    pub present: bool,
    /// Where the manifest was read from.
    #[serde(skip)]
    pub manifest_path: PathBuf,
}

impl crate::output::Row for Listed {
    fn columns() -> &'static [&'static str] {
        &[
            "created_at",
            "database",
            "schema",
            "reason",
            "size",
            "actor",
            "file",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            crate::output::ts(Some(self.manifest.created_at)),
            self.manifest.database.clone(),
            format!("v{}", self.manifest.schema_version),
            self.manifest.reason.clone(),
            if self.present {
                human_bytes(self.manifest.size_bytes)
            } else {
                "(file gone)".into()
            },
            self.manifest.actor.clone(),
            self.path.display().to_string(),
        ]
    }
}

/// The client programs used for backups, and their version.
#[derive(Debug, Clone)]
pub struct PgTools {
    pub pg_dump: PathBuf,
    pub pg_restore: PathBuf,
    pub psql: PathBuf,
    pub version: String,
    pub major: u32,
}

/// The major version in "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → (15, "15.18").
pub fn parse_tool_version(text: &str) -> Option<(u32, String)> {
    let version = text
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))?;
    let major = version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some((major, version.to_string()))
}

fn tool_version(pg_dump: &Path) -> Option<(u32, String)> {
    let out = std::process::Command::new(pg_dump)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_tool_version(&String::from_utf8_lossy(&out.stdout))
}

/// Directories that may hold pg_dump/pg_restore: next to the server binaries, PATH, then every
/// `/usr/lib/postgresql/<major>/bin` (Debian keeps one client per major there).
/// An explicit `TASKDB_PG_BINDIR` is the only place looked at.
fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("TASKDB_PG_BINDIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
        return dirs;
    }
    if let Ok(dir) = crate::local::find_bindir() {
        dirs.push(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versioned.sort_by_key(|v| std::cmp::Reverse(v.0));
    dirs.extend(versioned.into_iter().map(|(_, d)| d));
    dirs
}

/// Find pg_dump and pg_restore at least as new as the server (`server_major`), or the newest
/// available when there is no server to compare with.
pub fn find_tools(server_major: Option<u32>) -> Result<PgTools> {
    let mut found: Vec<PgTools> = Vec::new();
    for dir in candidate_dirs() {
        let pg_dump = dir.join("pg_dump");
        let pg_restore = dir.join("pg_restore");
        let psql = dir.join("psql");
        if !pg_dump.is_file() || !pg_restore.is_file() || !psql.is_file() {
            continue;
        }
        if found.iter().any(|t| t.pg_dump == pg_dump) {
            continue;
        }
        if let Some((major, version)) = tool_version(&pg_dump) {
            found.push(PgTools {
                pg_dump,
                pg_restore,
                psql,
                version,
                major,
            });
        }
    }
    match server_major {
        Some(server) => {
            if let Some(t) = found.iter().find(|t| t.major >= server) {
                return Ok(t.clone());
            }
            let have = found
                .iter()
                .map(|t| format!("{} ({})", t.version, t.pg_dump.display()))
                .collect::<Vec<_>>();
            if have.is_empty() {
                return Err(failed(format!(
                    "pg_dump, pg_restore and psql were not found (server bindir, PATH, /usr/lib/postgresql); install postgresql-client-{server} (Debian/Ubuntu; elsewhere the PostgreSQL {server} client tools)"
                )));
            }
            Err(failed(format!(
                "the server is PostgreSQL {server} but only pg_dump {} was found, and an older pg_dump cannot back it up safely: install postgresql-client-{server} (Debian/Ubuntu; elsewhere the PostgreSQL {server} client tools)",
                have.join(", ")
            )))
        }
        None => found
            .into_iter()
            .max_by_key(|t| t.major)
            .ok_or_else(|| {
                failed("pg_restore was not found; install the PostgreSQL client tools (Debian/Ubuntu: postgresql-client)")
            }),
    }
}

/// PG* variables that make a libpq child connect where `conn` points, with the same TLS
/// verification as taskdb (sslmode, root and client certificates). Inherited connection
/// variables are removed first so they cannot redirect it; the password travels only in the
/// child's environment, never on its command line.
pub fn apply_connection_env(cmd: &mut tokio::process::Command, conn: &crate::db::ToolConn) {
    for var in crate::db::LIBPQ_CONNECTION_VARIABLES {
        cmd.env_remove(var);
    }
    for (key, value) in conn.libpq_env() {
        cmd.env(key, value);
    }
    // Every configured host (libpq fails over like taskdb), and the database the caller chose.
    let hosts: Vec<String> = conn
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    if hosts.len() > 1 {
        cmd.env_remove("PGHOSTADDR");
        cmd.env("PGHOST", hosts.join(","));
        let ports: Vec<String> = conn.get_ports().iter().map(u16::to_string).collect();
        cmd.env("PGPORT", ports.join(","));
    }
    if let Some(db) = conn.get_dbname() {
        cmd.env("PGDATABASE", db);
    }
    cmd.env("PGAPPNAME", "taskdb backup");
}

/// Facts about the connected server and database.
pub struct ServerInfo {
    pub database: String,
    pub version: String,
    pub major: u32,
    pub schema_version: u32,
}

pub async fn server_info(client: &Client) -> Result<ServerInfo> {
    let row = client
        .query_one(
            "SELECT current_database()::text, current_setting('server_version'), \
                    current_setting('server_version_num')::int4",
            &[],
        )
        .await
        .context("cannot read the server version")?;
    let num: i32 = row.get(2);
    let history = super::migrations::read_history(client).await?;
    Ok(ServerInfo {
        database: row.get(0),
        version: row.get(1),
        major: u32::try_from(num / 10000).unwrap_or(0),
        schema_version: super::migrations::current_version(&history),
    })
}

/// Lowercase letters, digits and single dashes, at most 40 characters ("manual" when empty).
pub fn slug(reason: &str) -> String {
    let mut s = String::new();
    for c in reason.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let mut s: String = s.trim_end_matches('-').chars().take(40).collect();
    while s.ends_with('-') {
        s.pop();
    }
    if s.is_empty() {
        "manual".into()
    } else {
        s
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Create the backup directory (0700) if needed and check that it is a writable directory.
pub fn ensure_backup_dir(dir: &Path) -> Result<()> {
    let unusable = |e: &dyn std::fmt::Display| {
        failed(format!(
            "backup directory {} is not usable: {e}",
            dir.display()
        ))
    };
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| unusable(&e))?;
    }
    // Root ignores permission bits, so only a real write proves the directory is usable.
    let probe = dir.join(format!(".taskdb-write-test-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&probe)
        .map_err(|e| unusable(&e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

fn manifest_path(dump: &Path) -> PathBuf {
    let mut name = dump.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// The first lines of a child's stderr, for an error message.
fn stderr_excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .collect();
    if lines.is_empty() {
        "no message".into()
    } else {
        lines.join(" / ")
    }
}

/// A backup that was written and verified.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub path: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
}

/// Take a verified backup of the database `client` is connected to (configured by `config`).
pub async fn create(
    client: &Client,
    config: &crate::db::ToolConn,
    dir: &Path,
    reason: &str,
    actor: &str,
    out: &Output,
) -> Result<Created> {
    let info = server_info(client).await?;
    let tools = find_tools(Some(info.major))?;
    ensure_backup_dir(dir)?;
    let started = Instant::now();
    let created_at = Utc::now();
    let base = format!(
        "{}_{}_v{}_{}",
        info.database,
        created_at.format("%Y%m%dT%H%M%SZ"),
        info.schema_version,
        slug(reason)
    );
    // A fresh name that no earlier backup owns, even within the same second. pg_dump writes
    // the partial file, which this process holds locked (a leftover once nobody holds it).
    let mut n = 1;
    let (path, partial, lock) = loop {
        let name = if n == 1 {
            format!("{base}.dump")
        } else {
            format!("{base}-{n}.dump")
        };
        let path = dir.join(name);
        let partial = orphans::partial_path(&path);
        let taken = path.exists() || manifest_path(&path).exists();
        let opened = if taken {
            Err(std::io::ErrorKind::AlreadyExists.into())
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&partial)
        };
        match opened {
            Ok(f) if orphans::try_lock(&f) => break (path, partial, f),
            Ok(_) => {
                let _ = std::fs::remove_file(&partial);
                return Err(failed(format!("cannot lock {}", partial.display())));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => {
                return Err(failed(format!(
                    "backup directory {} is not usable: cannot create {}: {e}",
                    dir.display(),
                    partial.display()
                )))
            }
        }
    };
    let mpath = manifest_path(&path);
    // Until it has its final name, the files are removed however this ends (error, a signal
    // dropping the future); kill -9 leaves the partial file, which `backup prune` removes.
    let mut unfinished = RemoveOnDrop(vec![partial.clone(), mpath.clone()]);
    let manifest = dump_and_verify(
        &tools, config, &partial, &path, &mpath, &info, reason, actor, out, started, created_at,
    )
    .await?;
    unfinished.0.clear();
    drop(lock);
    Ok(Created {
        path,
        manifest_path: mpath,
        manifest,
    })
}

/// Removes its files when dropped (clear the list to keep them).
struct RemoveOnDrop(Vec<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn dump_and_verify(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    path: &Path,
    final_path: &Path,
    mpath: &Path,
    info: &ServerInfo,
    reason: &str,
    actor: &str,
    out: &Output,
    started: Instant,
    created_at: DateTime<Utc>,
) -> Result<Manifest> {
    let mut cmd = tokio::process::Command::new(&tools.pg_dump);
    cmd.arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    apply_connection_env(&mut cmd, config);
    orphans::die_with_parent(&mut cmd);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", tools.pg_dump.display()))?;
    // On SIGINT/SIGTERM pg_dump gets SIGTERM (and cancels its own statement) before we exit.
    let _running = crate::db::cancel::register_child(child.id());
    let mut stderr = child.stderr.take();
    let spinner = out.spinner(format!("pg_dump {}", info.database));
    let stderr_reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = tokio::io::AsyncReadExt::read_to_end(s, &mut buf).await;
        }
        buf
    });
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                spinner.set_message(format!("pg_dump {}: {} written", info.database, human_bytes(len)));
            }
        }
    }
    .context("pg_dump did not finish")?;
    spinner.finish_and_clear();
    let stderr = stderr_reader.await.unwrap_or_default();
    if !status.success() {
        return Err(failed(format!(
            "pg_dump failed: {}",
            stderr_excerpt(&stderr)
        )));
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod {}", path.display()))?;
    let (sha256, size_bytes) =
        sha256_file(path).with_context(|| format!("cannot read back {}", path.display()))?;
    // It only counts once it reads back (archive readable to the end) unchanged.
    let verified = verify(path, tools, out).await.map_err(|why| {
        failed(format!(
            "the new backup {} failed verification: {why}",
            final_path.display()
        ))
    })?;
    if verified.sha256 != sha256 || verified.size_bytes != size_bytes {
        return Err(failed(format!(
            "the new backup {} changed while it was verified",
            final_path.display()
        )));
    }
    let manifest = Manifest {
        file: final_path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        database: info.database.clone(),
        created_at,
        size_bytes,
        sha256,
        server_version: info.version.clone(),
        pg_dump_version: tools.version.clone(),
        schema_version: info.schema_version,
        reason: reason.to_string(),
        actor: actor.to_string(),
        host: crate::platform::hostname(),
        duration_ms: started.elapsed().as_millis() as u64,
        format: "custom".into(),
    };
    // Manifest first, then the final name: a `.dump` always has its manifest.
    crate::platform::write_private_file(mpath, &serde_json::to_vec_pretty(&manifest)?)?;
    std::fs::rename(path, final_path).map_err(|e| {
        failed(format!(
            "cannot rename {} to {}: {e}",
            path.display(),
            final_path.display()
        ))
    })?;
    Ok(manifest)
}

/// What a successful verification found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub file: PathBuf,
    pub size_bytes: u64,
    pub sha256: String,
    /// Entries in the archive's table of contents.
    pub toc_entries: usize,
    /// The manifest beside the file, if there is one (its sha256 and size matched).
    pub manifest: Option<Manifest>,
}

/// Check a dump before anyone relies on it: a non-empty custom-format archive, matching its
/// manifest (if present), whose table of contents pg_restore lists and whose every data block
/// pg_restore reads to the end. Err is the reason, one line.
pub async fn verify(
    path: &Path,
    tools: &PgTools,
    out: &Output,
) -> std::result::Result<Verified, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a file", path.display()));
    }
    if meta.len() == 0 {
        return Err(format!("{} is empty", path.display()));
    }
    let mut magic = [0u8; 5];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let n = f
            .read(&mut magic)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n < 5 || &magic != b"PGDMP" {
            return Err(format!(
                "{} is not a pg_dump custom-format archive (pg_dump -Fc)",
                path.display()
            ));
        }
    }
    let (sha256, size_bytes) =
        sha256_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mpath = manifest_path(path);
    let manifest = if mpath.is_file() {
        let text = crate::limits::read(&mpath, crate::limits::SMALL_FILE, "backup manifests")
            .map_err(|e| format!("cannot read {}: {e}", mpath.display()))?;
        let m: Manifest = serde_json::from_slice(&text)
            .map_err(|e| format!("manifest {} does not parse: {e}", mpath.display()))?;
        if m.size_bytes != size_bytes || m.sha256 != sha256 {
            return Err(format!(
                "{} does not match its manifest ({} bytes, sha256 {}… recorded; {} bytes, sha256 {}… on disk): truncated or modified",
                path.display(),
                m.size_bytes,
                m.sha256.get(..12).unwrap_or_default(),
                size_bytes,
                sha256.get(..12).unwrap_or_default()
            ));
        }
        Some(m)
    } else {
        None
    };
    let spinner = out.spinner(format!("verifying {}", path.display()));
    let list = tokio::process::Command::new(&tools.pg_restore)
        .arg("--list")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}", tools.pg_restore.display()))?;
    if !list.status.success() {
        spinner.finish_and_clear();
        return Err(format!(
            "{} is truncated or corrupt (its table of contents does not read: {})",
            path.display(),
            stderr_excerpt(&list.stderr)
        ));
    }
    let toc_entries = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
        .count();
    // --list reads only the table of contents; a truncated data section shows up only when
    // every block is read, so read it all (into /dev/null).
    let full = tokio::process::Command::new(&tools.pg_restore)
        .arg("--file=/dev/null")
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("cannot run {}: {e}", tools.pg_restore.display()))?;
    spinner.finish_and_clear();
    if !full.status.success() {
        return Err(format!(
            "{} is truncated or corrupt: {}",
            path.display(),
            stderr_excerpt(&full.stderr)
        ));
    }
    Ok(Verified {
        file: path.to_path_buf(),
        size_bytes,
        sha256,
        toc_entries,
        manifest,
    })
}

/// Every backup in `dir` with a manifest, oldest first.
pub fn list(dir: &Path) -> Result<Vec<Listed>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(failed(format!(
                "cannot read backup directory {}: {e}",
                dir.display()
            )))
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".dump.json") {
            continue;
        }
        let Ok(text) =
            crate::limits::read(entry.path(), crate::limits::SMALL_FILE, "backup manifests")
        else {
            continue;
        };
        let Ok(manifest) = serde_json::from_slice::<Manifest>(&text) else {
            continue;
        };
        let path = dir.join(&manifest.file);
        out.push(Listed {
            present: path.is_file(),
            path,
            manifest,
            manifest_path: entry.path(),
        });
    }
    out.sort_by_key(|l| l.manifest.created_at);
    Ok(out)
}

/// Which backups a retention rule removes (indexes into `listed`, which is oldest first): per
/// database, everything but its newest `keep` (at least 1, so a database never loses its last
/// backup, not even when backups have stopped being made) that is also older than
/// `older_than`, when given.
pub fn prunable(
    listed: &[Listed],
    keep: usize,
    older_than: Option<chrono::Duration>,
    now: DateTime<Utc>,
) -> Vec<usize> {
    let keep = keep.max(1);
    let mut newer_of_same_db: HashMap<&str, usize> = HashMap::new();
    let mut doomed = Vec::new();
    // Newest first: the first `keep` of each database are kept.
    for (i, l) in listed.iter().enumerate().rev() {
        let seen = newer_of_same_db
            .entry(l.manifest.database.as_str())
            .or_default();
        *seen += 1;
        let beyond_keep = *seen > keep;
        let old_enough = older_than.map_or(true, |age| l.manifest.created_at <= now - age);
        if beyond_keep && old_enough {
            doomed.push(i);
        }
    }
    doomed.sort_unstable();
    doomed
}

/// Delete a listed backup: the dump, then its manifest (a manifest left alone after a failure
/// still shows the backup in `backup list`).
pub fn remove(l: &Listed) -> Result<()> {
    if l.present {
        std::fs::remove_file(&l.path)
            .map_err(|e| failed(format!("cannot delete {}: {e}", l.path.display())))?;
    }
    match std::fs::remove_file(&l.manifest_path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(failed(format!(
            "cannot delete {}: {e}",
            l.manifest_path.display()
        ))),
    }
}

/// A conninfo naming only the database; host, user and password come from the environment.
fn dbname_conninfo(dbname: &str) -> String {
    format!(
        "dbname='{}'",
        dbname.replace('\\', "\\\\").replace('\'', "\\'")
    )
}

/// Restore into a new, empty database with pg_restore, in one transaction.
pub async fn restore_into_new(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    dbname: &str,
    file: &Path,
    out: &Output,
) -> Result<()> {
    let mut cmd = tokio::process::Command::new(&tools.pg_restore);
    cmd.args(["--no-password", "--single-transaction", "--exit-on-error"])
        .arg("--dbname")
        .arg(dbname_conninfo(dbname))
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    apply_connection_env(&mut cmd, config);
    orphans::die_with_parent(&mut cmd);
    let spinner = out.spinner(format!("pg_restore into {dbname}"));
    let result = cmd
        .output()
        .await
        .with_context(|| format!("cannot run {}", tools.pg_restore.display()))?;
    spinner.finish_and_clear();
    if !result.status.success() {
        return Err(failed(format!(
            "pg_restore into {dbname} failed and was rolled back: {}",
            stderr_excerpt(&result.stderr)
        )));
    }
    Ok(())
}

/// Drops every non-system schema (and so every object in it); names come from the catalog.
const DROP_USER_SCHEMAS: &str = "DO $taskdb$ DECLARE s name; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $taskdb$;
";

/// Replace everything in an existing database with the archive, in ONE transaction: drop every
/// user schema, then run the archive's script (pg_restore --single-transaction | psql). A
/// failure anywhere rolls the whole thing back. (`pg_restore --clean` cannot do this: it trips
/// over partition constraints and leaves objects the archive does not know about.)
pub async fn restore_over(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    dbname: &str,
    file: &Path,
    out: &Output,
) -> Result<()> {
    use tokio::io::AsyncWriteExt;
    // pg_dump does not emit CREATE SCHEMA public (it assumes it exists); recreate it unless
    // the archive does.
    let list = tokio::process::Command::new(&tools.pg_restore)
        .arg("--list")
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("cannot run {}", tools.pg_restore.display()))?;
    let creates_public = String::from_utf8_lossy(&list.stdout)
        .lines()
        .any(|l| !l.starts_with(';') && l.contains(" SCHEMA - public "));
    // Our BEGIN opens the transaction; the script's own BEGIN (--single-transaction) is then a
    // harmless warning, and its COMMIT at the very end — written only when pg_restore got
    // through the whole archive — commits everything. Anything less ends in a rollback.
    let mut prelude = String::from("BEGIN;\n");
    prelude.push_str(DROP_USER_SCHEMAS);
    if !creates_public {
        prelude.push_str("CREATE SCHEMA public;\n");
    }

    let mut script = tokio::process::Command::new(&tools.pg_restore);
    script
        .args(["--file=-", "--exit-on-error", "--single-transaction"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut psql = tokio::process::Command::new(&tools.psql);
    psql.args([
        "-X",
        "-q",
        "--no-password",
        "-v",
        "ON_ERROR_STOP=1",
        "--file=-",
        "--dbname",
    ])
    .arg(dbname_conninfo(dbname))
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    apply_connection_env(&mut psql, config);
    orphans::die_with_parent(&mut script);
    orphans::die_with_parent(&mut psql);

    let spinner = out.spinner(format!("restoring into {dbname}"));
    let mut psql = psql
        .spawn()
        .with_context(|| format!("cannot run {}", tools.psql.display()))?;
    let mut script = script
        .spawn()
        .with_context(|| format!("cannot run {}", tools.pg_restore.display()))?;
    let mut psql_in = psql
        .stdin
        .take()
        .ok_or_else(|| failed("psql has no stdin"))?;
    let mut script_out = script
        .stdout
        .take()
        .ok_or_else(|| failed("pg_restore has no stdout"))?;
    let feed = async {
        psql_in.write_all(prelude.as_bytes()).await?;
        tokio::io::copy(&mut script_out, &mut psql_in).await?;
        psql_in.shutdown().await?;
        drop(psql_in);
        Ok::<_, std::io::Error>(())
    };
    // psql stops reading at the first error (broken pipe here); its own message says why.
    let fed = feed.await;
    let script_result = script.wait_with_output().await?;
    let psql_result = psql.wait_with_output().await?;
    spinner.finish_and_clear();
    if !psql_result.status.success() {
        return Err(failed(format!(
            "restoring into {dbname} failed and was rolled back: {}",
            stderr_excerpt(&psql_result.stderr)
        )));
    }
    if !script_result.status.success() {
        // No COMMIT reached psql, so the session ended with the transaction rolled back.
        return Err(failed(format!(
            "pg_restore could not read the whole archive (rolled back): {}",
            stderr_excerpt(&script_result.stderr)
        )));
    }
    fed.with_context(|| format!("cannot feed the archive to psql for {dbname}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(database: &str, days_ago: i64, now: DateTime<Utc>) -> Listed {
        let file = format!("{database}_{days_ago}.dump");
        Listed {
            path: PathBuf::from(&file),
            manifest_path: PathBuf::from(format!("{file}.json")),
            present: true,
            manifest: Manifest {
                file,
                database: database.into(),
                created_at: now - chrono::Duration::days(days_ago),
                size_bytes: 1,
                sha256: String::new(),
                server_version: String::new(),
                pg_dump_version: String::new(),
                schema_version: 1,
                reason: "nightly".into(),
                actor: String::new(),
                host: String::new(),
                duration_ms: 0,
                format: "custom".into(),
            },
        }
    }

    #[test]
    fn prune_keeps_the_newest_per_database_and_respects_the_age() {
        let now = Utc::now();
        // Oldest first, as `list` returns them.
        let all = vec![
            listed("b", 40, now),
            listed("a", 30, now),
            listed("a", 20, now),
            listed("a", 10, now),
            listed("a", 1, now),
        ];
        let days = |d| Some(chrono::Duration::days(d));
        assert_eq!(
            prunable(&all, 1, days(14), now),
            vec![1, 2],
            "older than 14 days; b's only one stays"
        );
        assert_eq!(
            prunable(&all, 1, None, now),
            vec![1, 2, 3],
            "all but the newest of each"
        );
        assert_eq!(prunable(&all, 3, None, now), vec![1]);
        assert_eq!(
            prunable(&all, 2, days(25), now),
            vec![1],
            "both rules must agree"
        );
        assert_eq!(
            prunable(&all, 0, None, now),
            vec![1, 2, 3],
            "keep is at least 1"
        );
        assert!(prunable(&all, 9, None, now).is_empty());
        assert!(prunable(&[], 1, days(1), now).is_empty());
    }

    #[test]
    fn slugs_are_safe_file_name_parts() {
        assert_eq!(slug("Before V3: drop column!"), "before-v3-drop-column");
        assert_eq!(slug("  "), "manual");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert!(slug(&"x".repeat(100)).len() <= 40);
    }

    #[test]
    fn tool_versions_parse() {
        assert_eq!(
            parse_tool_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some((15, "15.18".to_string()))
        );
        assert_eq!(
            parse_tool_version("pg_dump (PostgreSQL) 17beta1"),
            Some((17, "17beta1".to_string()))
        );
        assert_eq!(parse_tool_version("nonsense"), None);
    }

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
