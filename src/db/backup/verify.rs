//! `backup verify`, also run on every new backup and before every restore: the file is a
//! non-empty custom-format archive (or an age-encrypted one), matches its manifest when it has
//! one, and pg_restore reads its table of contents and every data block to the end — for an
//! encrypted file, decrypted as pg_restore reads it, given an identity that opens it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::archive::Archive;
use super::encryption::{Identities, Kind};
use super::{manifest_path, sha256_file, Manifest};
use crate::db::pgtools::{stderr_excerpt, PgTools};
use crate::output::Output;

/// What a successful verification found.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub file: PathBuf,
    /// Of the file as stored (for an encrypted backup, the ciphertext).
    pub size_bytes: u64,
    pub sha256: String,
    /// Whether the file is encrypted with age.
    pub encrypted: bool,
    /// Whether it was decrypted and read (false: an encrypted file checked without an
    /// identity, against its manifest only).
    pub decrypted: bool,
    /// Entries in the archive's table of contents (None: not read).
    pub toc_entries: Option<usize>,
    /// The manifest beside the file, if there is one (its sha256 and size matched).
    pub manifest: Option<Manifest>,
}

/// Why a file did not verify (one line).
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyError {
    /// The file is missing, damaged, truncated, modified or not a backup.
    #[error("{0}")]
    File(String),
    /// An encrypted file that the identities given (or none) cannot open.
    #[error("{0}")]
    Key(String),
}

/// Check a dump before anyone relies on it: a non-empty custom-format archive (or an age file),
/// matching its manifest (if present), whose table of contents pg_restore lists and whose every
/// data block pg_restore reads to the end. An encrypted file is decrypted with `identities`;
/// without them only its manifest is checked (it must have one).
pub async fn verify(
    path: &Path,
    tools: &PgTools,
    identities: Option<&Identities>,
    out: &Output,
) -> Result<Verified, VerifyError> {
    let (kind, sha256, size_bytes, manifest) = check_file(path)?;
    let archive = match (kind, identities) {
        (Kind::Plain, _) => Some(Archive::plain(path)),
        (Kind::Age, Some(ids)) => Some(Archive {
            path,
            identities: Some(ids),
        }),
        (Kind::Age, None) if manifest.is_some() => None,
        (Kind::Age, None) => {
            return Err(VerifyError::Key(format!(
                "{} is encrypted (age) and has no manifest to check it against: give --identity KEYFILE to decrypt and read it",
                path.display()
            )))
        }
    };
    let toc_entries = match archive {
        Some(a) => Some(read_through(&a, tools, out).await?),
        None => None,
    };
    let encrypted = kind == Kind::Age;
    Ok(Verified {
        file: path.to_path_buf(),
        size_bytes,
        sha256,
        encrypted,
        decrypted: encrypted && toc_entries.is_some(),
        toc_entries,
        manifest,
    })
}

/// What [`check_file`] found: the kind of file, its sha256 and size, its manifest.
type Checked = (Kind, String, u64, Option<Manifest>);

/// The file itself: a non-empty pg_dump custom-format archive or age file (by its first
/// bytes), and the same size and sha256 as its manifest records, when there is one.
fn check_file(path: &Path) -> Result<Checked, VerifyError> {
    let bad = VerifyError::File;
    let meta =
        std::fs::metadata(path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(bad(format!("{} is not a file", path.display())));
    }
    if meta.len() == 0 {
        return Err(bad(format!("{} is empty", path.display())));
    }
    let kind = super::encryption::kind(path).map_err(bad)?;
    let (sha256, size_bytes) =
        sha256_file(path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let mpath = manifest_path(path);
    if !mpath.is_file() {
        return Ok((kind, sha256, size_bytes, None));
    }
    let text = crate::limits::read(&mpath, crate::limits::SMALL_FILE, "backup manifests")
        .map_err(|e| bad(format!("cannot read {}: {e}", mpath.display())))?;
    let m: Manifest = serde_json::from_slice(&text)
        .map_err(|e| bad(format!("manifest {} does not parse: {e}", mpath.display())))?;
    if m.size_bytes != size_bytes || m.sha256 != sha256 {
        return Err(bad(format!(
            "{} does not match its manifest ({} bytes, sha256 {}… recorded; {} bytes, sha256 {}… on disk): truncated or modified",
            path.display(),
            m.size_bytes,
            m.sha256.get(..12).unwrap_or_default(),
            size_bytes,
            sha256.get(..12).unwrap_or_default()
        )));
    }
    Ok((kind, sha256, size_bytes, Some(m)))
}

/// pg_restore lists the table of contents, then reads every block (into /dev/null). Returns
/// the number of table-of-contents entries.
async fn read_through(
    archive: &Archive<'_>,
    tools: &PgTools,
    out: &Output,
) -> Result<usize, VerifyError> {
    let path = archive.path.display();
    let spinner = out.spinner(format!("verifying {path}"));
    let read = async {
        let list = archive.list(tools).await?;
        if !list.status.success() {
            return Err(VerifyError::File(format!(
                "{path} is truncated or corrupt (its table of contents does not read: {})",
                stderr_excerpt(&list.stderr)
            )));
        }
        let toc_entries = String::from_utf8_lossy(&list.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with(';'))
            .count();
        // --list reads only the table of contents; a truncated data section shows up only
        // when every block is read, so read it all (into /dev/null).
        let mut cmd = tokio::process::Command::new(&tools.pg_restore);
        cmd.arg("--file=/dev/null");
        archive.attach(&mut cmd);
        let full = archive.run(cmd, true).await?;
        if !full.status.success() {
            return Err(VerifyError::File(format!(
                "{path} is truncated or corrupt: {}",
                stderr_excerpt(&full.stderr)
            )));
        }
        Ok(toc_entries)
    };
    let result = read.await;
    spinner.finish_and_clear();
    result
}
