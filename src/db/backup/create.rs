//! `backup create`: claim a fresh name, run `pg_dump -Fc` into `<name>.dump.partial` (held
//! locked, see [`super::orphans`]), verify it, write its manifest, and only then give it its
//! final name. Until then, however it ends, the files are removed.
//!
//! Encrypted (`backup.encrypt_to`): pg_dump writes to a pipe, and its output is encrypted with
//! age into `<name>.dump.age.partial` as it arrives (the sha256 of the ciphertext computed on
//! the way), fsynced, then read back like a plain one: the file is also encrypted to a one-time
//! key of this run, which decrypts it for pg_restore and is then forgotten.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use chrono::Utc;
use serde::Serialize;

use super::encryption::{EncryptingWriter, Identities, Recipient};
use super::{
    connected_tool, manifest_path, orphans, server_info, sha256_file, slug, verify, Encryption,
    Manifest, AGE_DUMP_SUFFIX, DUMP_SUFFIX,
};
use crate::db::pgtools::{find_tools, stderr_excerpt, PgTools};
use crate::db::Db;
use crate::exit::failed;
use crate::output::Output;
use crate::units::format_bytes_iec;

/// A backup that was written and verified.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub path: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
}

/// The files of a backup being written.
struct Paths {
    /// What pg_dump writes (held locked while this process works on it).
    partial: PathBuf,
    /// The final name, given once the dump is verified and its manifest written.
    path: PathBuf,
    manifest: PathBuf,
}

/// Where a backup goes and whom it is encrypted to (no one: it is not encrypted).
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub dir: &'a Path,
    pub encrypt_to: &'a [Recipient],
}

impl<'a> Target<'a> {
    /// `backup.dir` and `backup.encrypt_to`, as configured.
    pub fn from_settings(s: &'a crate::settings::Settings) -> Self {
        Target {
            dir: &s.backup_dir.value,
            encrypt_to: &s.backup_encrypt_to.value,
        }
    }
}

/// Take a verified backup of the database `client` is connected to (configured by `config`).
pub async fn create(
    client: &Db,
    config: &crate::db::ToolConn,
    target: &Target<'_>,
    reason: &str,
    actor: &str,
    out: &Output,
) -> Result<Created> {
    let info = server_info(client).await?;
    let tools = find_tools(Some(info.major))?;
    let dir = target.dir;
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
    let encrypted = !target.encrypt_to.is_empty();
    let (paths, lock) = claim_name(dir, &base, encrypted)?;
    // Until it has its final name, the files are removed however this ends (error, a signal
    // dropping the future); kill -9 leaves the partial file, which `backup prune` removes.
    let mut unfinished = RemoveOnDrop(vec![paths.partial.clone(), paths.manifest.clone()]);
    let dump = PgDump {
        tools: &tools,
        config,
        database: &info.database,
        out,
    };
    let (sha256, size_bytes) = if encrypted {
        // Also encrypted to a key of this run only, so that what was written can be read back.
        let (check, check_to) = Identities::one_time();
        let mut to: Vec<&Recipient> = target.encrypt_to.iter().collect();
        to.push(&check_to);
        let written = dump.encrypted(&lock, &to).await?;
        verify_written(&tools, &paths, Some(&check), Some(written), out).await?
    } else {
        dump.to_file(&paths.partial).await?;
        verify_written(&tools, &paths, None, None, out).await?
    };
    let manifest = Manifest {
        file: paths
            .path
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
        encryption: encrypted.then(|| Encryption::age(target.encrypt_to)),
    };
    publish(&paths, &manifest)?;
    unfinished.0.clear();
    drop(lock);
    Ok(Created {
        path: paths.path,
        manifest_path: paths.manifest,
        manifest,
    })
}

/// Create the backup directory (0700) if needed and check that it is a writable directory.
fn ensure_backup_dir(dir: &Path) -> Result<()> {
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

/// A fresh name that no earlier backup owns, even within the same second (`<base>.dump`, then
/// `<base>-2.dump`, …; `.dump.age` when encrypted). Its partial file is created and locked
/// here; the lock is held as long as the returned file is open (a leftover once nobody holds it).
fn claim_name(dir: &Path, base: &str, encrypted: bool) -> Result<(Paths, std::fs::File)> {
    let mut n = 1;
    loop {
        let stem = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        let plain = dir.join(format!("{stem}{DUMP_SUFFIX}"));
        let sealed = dir.join(format!("{stem}{AGE_DUMP_SUFFIX}"));
        // Either kind of backup of that name owns it.
        let taken = [&plain, &sealed]
            .iter()
            .any(|p| p.exists() || manifest_path(p).exists());
        let path = if encrypted { sealed } else { plain };
        let partial = orphans::partial_path(&path);
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
            Ok(f) if orphans::try_lock(&f) => {
                let manifest = manifest_path(&path);
                let paths = Paths {
                    partial,
                    path,
                    manifest,
                };
                return Ok((paths, f));
            }
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
    }
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

/// A `pg_dump -Fc` of one database, with a spinner showing how much is written.
struct PgDump<'a> {
    tools: &'a PgTools,
    config: &'a crate::db::ToolConn,
    database: &'a str,
    out: &'a Output,
}

/// A running pg_dump: the child, registered to get SIGTERM on SIGINT/SIGTERM (it then cancels
/// its own statement) before we exit, and its stderr being collected.
struct Running {
    child: tokio::process::Child,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
    _registered: Option<crate::db::cancel::Registration>,
}

impl PgDump<'_> {
    /// Start pg_dump writing to `file`, or to its stdout (piped) when None.
    fn start(&self, file: Option<&Path>) -> Result<Running> {
        let mut cmd = connected_tool(&self.tools.pg_dump, self.config);
        cmd.arg("--format=custom").arg("--no-password");
        match file {
            Some(f) => cmd.arg("--file").arg(f),
            None => cmd.stdout(Stdio::piped()),
        };
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot run {}", self.tools.pg_dump.display()))?;
        let registered = crate::db::cancel::register_child(child.id());
        let mut stderr = child.stderr.take();
        let stderr = tokio::spawn(async move {
            let mut buf = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = tokio::io::AsyncReadExt::read_to_end(s, &mut buf).await;
            }
            buf
        });
        Ok(Running {
            child,
            stderr,
            _registered: registered,
        })
    }

    fn progress(&self, spinner: &indicatif::ProgressBar, written: u64) {
        spinner.set_message(format!(
            "pg_dump {}: {} written",
            self.database,
            format_bytes_iec(written)
        ));
    }

    /// pg_dump writes the archive into `file` itself.
    async fn to_file(&self, file: &Path) -> Result<()> {
        let mut running = self.start(Some(file))?;
        let spinner = self.out.spinner(format!("pg_dump {}", self.database));
        let status = loop {
            tokio::select! {
                status = running.child.wait() => break status,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    self.progress(&spinner, std::fs::metadata(file).map(|m| m.len()).unwrap_or(0));
                }
            }
        };
        spinner.finish_and_clear();
        finished(status, running.stderr).await
    }

    /// pg_dump's output, encrypted to `to` as it arrives, into `file` (fsynced). Returns the
    /// ciphertext's sha256 and size.
    async fn encrypted(&self, file: &std::fs::File, to: &[&Recipient]) -> Result<(String, u64)> {
        use tokio::io::AsyncReadExt;
        let mut running = self.start(None)?;
        let mut stdout = running
            .child
            .stdout
            .take()
            .ok_or_else(|| failed("pg_dump has no stdout"))?;
        let cannot_write = |e: std::io::Error| failed(format!("cannot write the backup: {e}"));
        let mut sink = EncryptingWriter::new(file, to).map_err(cannot_write)?;
        let spinner = self.out.spinner(format!("pg_dump {}", self.database));
        let mut buf = vec![0u8; 1 << 16];
        let (mut read, mut shown) = (0u64, Instant::now());
        loop {
            let n = stdout
                .read(&mut buf)
                .await
                .map_err(|e| failed(format!("cannot read pg_dump's output: {e}")))?;
            if n == 0 {
                break;
            }
            sink.write_all(&buf[..n]).map_err(cannot_write)?;
            read += n as u64;
            if shown.elapsed() >= Duration::from_millis(200) {
                self.progress(&spinner, read);
                shown = Instant::now();
            }
        }
        let status = running.child.wait().await;
        spinner.finish_and_clear();
        // Only a pg_dump that succeeded gets its last chunk written.
        finished(status, running.stderr).await?;
        sink.finish().map_err(cannot_write)
    }
}

/// pg_dump's exit: an error with what it said unless it succeeded.
async fn finished(
    status: std::io::Result<std::process::ExitStatus>,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
) -> Result<()> {
    let status = status.context("pg_dump did not finish")?;
    let stderr = stderr.await.unwrap_or_default();
    if !status.success() {
        return Err(failed(format!(
            "pg_dump failed: {}",
            stderr_excerpt(&stderr)
        )));
    }
    Ok(())
}

/// Make the new dump private and check it: it only counts once it reads back (archive
/// readable to the end; an encrypted one decrypted with `check`, the one-time key) unchanged
/// (for an encrypted one: as `written` while it was encrypted). Returns its sha256 and size.
async fn verify_written(
    tools: &PgTools,
    paths: &Paths,
    check: Option<&Identities>,
    written: Option<(String, u64)>,
    out: &Output,
) -> Result<(String, u64)> {
    let (file, shown) = (&paths.partial, paths.path.display());
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod {}", file.display()))?;
    let on_disk =
        sha256_file(file).with_context(|| format!("cannot read back {}", file.display()))?;
    let changed = || {
        failed(format!(
            "the new backup {shown} changed while it was verified"
        ))
    };
    if written.is_some_and(|w| w != on_disk) {
        return Err(changed());
    }
    let verified = verify(file, tools, check, out)
        .await
        .map_err(|why| failed(format!("the new backup {shown} failed verification: {why}")))?;
    if verified.sha256 != on_disk.0 || verified.size_bytes != on_disk.1 {
        return Err(changed());
    }
    Ok(on_disk)
}
/// Manifest first, then the final name: a `.dump` always has its manifest.
fn publish(paths: &Paths, manifest: &Manifest) -> Result<()> {
    crate::platform::write_private_file(&paths.manifest, &serde_json::to_vec_pretty(manifest)?)?;
    std::fs::rename(&paths.partial, &paths.path).map_err(|e| {
        failed(format!(
            "cannot rename {} to {}: {e}",
            paths.partial.display(),
            paths.path.display()
        ))
    })?;
    Ok(())
}
