//! `backup verify`, also run on every new backup and before every restore: the file is a
//! non-empty custom-format archive, matches its manifest when it has one, and pg_restore reads
//! its table of contents and every data block to the end.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde::Serialize;

use super::{manifest_path, sha256_file, Manifest};
use crate::db::pgtools::{list_archive, stderr_excerpt, PgTools};
use crate::output::Output;

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
    let (sha256, size_bytes, manifest) = check_file(path)?;
    let toc_entries = read_through(path, tools, out).await?;
    Ok(Verified {
        file: path.to_path_buf(),
        size_bytes,
        sha256,
        toc_entries,
        manifest,
    })
}

/// The file itself: a non-empty pg_dump custom-format archive (its magic), and the same size
/// and sha256 as its manifest records, when there is one. Returns (sha256, size, manifest).
fn check_file(path: &Path) -> std::result::Result<(String, u64, Option<Manifest>), String> {
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
    if !mpath.is_file() {
        return Ok((sha256, size_bytes, None));
    }
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
    Ok((sha256, size_bytes, Some(m)))
}

/// pg_restore lists the table of contents, then reads every block (into /dev/null). Returns
/// the number of table-of-contents entries.
async fn read_through(
    path: &Path,
    tools: &PgTools,
    out: &Output,
) -> std::result::Result<usize, String> {
    let spinner = out.spinner(format!("verifying {}", path.display()));
    let list = list_archive(tools, path)
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
    Ok(toc_entries)
}
