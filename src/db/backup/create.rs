//! `backup create`: claim a fresh name, run `pg_dump -Fc` into `<name>.dump.partial` (held
//! locked, see [`super::orphans`]), verify it, write its manifest, and only then give it its
//! final name. Until then, however it ends, the files are removed.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use chrono::Utc;
use serde::Serialize;
use tokio_postgres::Client;

use super::{
    connected_tool, manifest_path, orphans, server_info, sha256_file, slug, verify, Manifest,
};
use crate::db::pgtools::{find_tools, stderr_excerpt, PgTools};
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
    let (paths, lock) = claim_name(dir, &base)?;
    // Until it has its final name, the files are removed however this ends (error, a signal
    // dropping the future); kill -9 leaves the partial file, which `backup prune` removes.
    let mut unfinished = RemoveOnDrop(vec![paths.partial.clone(), paths.manifest.clone()]);
    run_pg_dump(&tools, config, &paths.partial, &info.database, out).await?;
    let (sha256, size_bytes) = verify_written(&tools, &paths, out).await?;
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
/// `<base>-2.dump`, …). Its partial file is created and locked here; the lock is held as long
/// as the returned file is open (a leftover once nobody holds it).
fn claim_name(dir: &Path, base: &str) -> Result<(Paths, std::fs::File)> {
    let mut n = 1;
    loop {
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

/// `pg_dump -Fc` of the database into `file`, with a spinner showing how much is written.
async fn run_pg_dump(
    tools: &PgTools,
    config: &crate::db::ToolConn,
    file: &Path,
    database: &str,
    out: &Output,
) -> Result<()> {
    let mut cmd = connected_tool(&tools.pg_dump, config);
    cmd.arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(file);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", tools.pg_dump.display()))?;
    // On SIGINT/SIGTERM pg_dump gets SIGTERM (and cancels its own statement) before we exit.
    let _running = crate::db::cancel::register_child(child.id());
    let mut stderr = child.stderr.take();
    let spinner = out.spinner(format!("pg_dump {database}"));
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
                let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                spinner.set_message(format!("pg_dump {database}: {} written", format_bytes_iec(len)));
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
    Ok(())
}

/// Make the new dump private and check it: it only counts once it reads back (archive readable
/// to the end) unchanged. Returns its sha256 and size.
async fn verify_written(tools: &PgTools, paths: &Paths, out: &Output) -> Result<(String, u64)> {
    let (file, shown) = (&paths.partial, paths.path.display());
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot chmod {}", file.display()))?;
    let (sha256, size_bytes) =
        sha256_file(file).with_context(|| format!("cannot read back {}", file.display()))?;
    let verified = verify(file, tools, out)
        .await
        .map_err(|why| failed(format!("the new backup {shown} failed verification: {why}")))?;
    if verified.sha256 != sha256 || verified.size_bytes != size_bytes {
        return Err(failed(format!(
            "the new backup {shown} changed while it was verified"
        )));
    }
    Ok((sha256, size_bytes))
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
