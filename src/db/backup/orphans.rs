//! What an interrupted `backup create` can leave behind, and how it is kept from doing so.
//!
//! pg_dump writes `<name>.dump.partial`; only a verified dump whose manifest is written is
//! renamed to `<name>.dump`, so a final-named dump always has a manifest. The writer holds an
//! exclusive `flock` on the partial file while it works, so a partial file nobody holds is a
//! leftover (of a taskdb that was killed) and one that is held is a backup in progress. Child
//! tools die with taskdb (`PR_SET_PDEATHSIG`), even on `kill -9`.

use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

use crate::exit::failed;

pub const PARTIAL_SUFFIX: &str = ".partial";

/// `<dump>.partial`.
pub fn partial_path(dump: &Path) -> PathBuf {
    let mut name = dump.as_os_str().to_os_string();
    name.push(PARTIAL_SUFFIX);
    PathBuf::from(name)
}

/// Hold an exclusive lock on an open file (released when it is closed, also by the kernel on
/// kill -9). False when another process holds it.
pub fn try_lock(file: &std::fs::File) -> bool {
    // SAFETY: flock on a file descriptor we own.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// The parts of a file name that `backup create` made:
/// `<database>_<yyyymmddThhmmssZ>_v<schema>_<reason>[-n].dump[.age]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpName {
    pub database: String,
    pub created_at: DateTime<Utc>,
    pub schema_version: u32,
    pub reason: String,
}

/// Parse a `.dump` (or encrypted `.dump.age`) file name of taskdb's own naming; None for
/// anything else.
pub fn parse_dump_name(name: &str) -> Option<DumpName> {
    let stem = name
        .strip_suffix(super::AGE_DUMP_SUFFIX)
        .or_else(|| name.strip_suffix(super::DUMP_SUFFIX))?;
    // The database name may hold underscores: find the timestamp from the right.
    let bytes = stem.as_bytes();
    (1..stem.len())
        .rev()
        .find_map(|i| {
            if bytes[i] != b'_' || !stem.is_char_boundary(i + 1) {
                return None;
            }
            let rest = &stem[i + 1..];
            let ts = rest.get(..16)?;
            let created = NaiveDateTime::parse_from_str(ts, "%Y%m%dT%H%M%SZ").ok()?;
            let after = rest[16..].strip_prefix("_v")?;
            let (version, reason) = after.split_once('_')?;
            if reason.is_empty()
                || version.is_empty()
                || !version.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            Some(DumpName {
                database: stem[..i].to_string(),
                created_at: created.and_utc(),
                schema_version: version.parse().ok()?,
                reason: reason.to_string(),
            })
        })
        .filter(|d| !d.database.is_empty())
}

/// An interrupted backup's files: a `.dump.partial` nobody is writing (with the manifest of
/// its final name, if it got that far), or a `.dump` without a manifest (left by an older
/// taskdb).
#[derive(Debug, Clone, Serialize)]
pub struct Leftover {
    pub path: PathBuf,
    pub status: &'static str,
    pub why: &'static str,
    pub database: String,
    pub created_at: DateTime<Utc>,
    pub schema_version: u32,
    pub reason: String,
    pub size_bytes: u64,
    /// Every file of it that prune deletes.
    pub files: Vec<PathBuf>,
}

/// The leftovers in `dir`, oldest first; files not named by taskdb are never included.
pub fn leftovers(dir: &Path) -> Result<Vec<Leftover>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(failed(format!(
                "cannot read backup directory {}: {e}",
                dir.display()
            )))
        }
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let (dump_name, why) = match file_name.strip_suffix(PARTIAL_SUFFIX) {
            Some(final_name) => (final_name.to_string(), "interrupted before it was verified"),
            None => (file_name.clone(), "dump without a manifest"),
        };
        let Some(parsed) = parse_dump_name(&dump_name) else {
            continue;
        };
        let final_path = dir.join(&dump_name);
        let manifest = super::manifest_path(&final_path);
        let mut files = vec![path.clone()];
        if path == final_path {
            // A finished backup has its manifest.
            if manifest.exists() {
                continue;
            }
        } else {
            // A partial file a running `backup create` holds is work in progress.
            match std::fs::File::open(&path) {
                Ok(f) if try_lock(&f) => {}
                _ => continue,
            }
            if !final_path.exists() && manifest.exists() {
                files.push(manifest);
            }
        }
        out.push(Leftover {
            size_bytes: entry.metadata().map(|m| m.len()).unwrap_or(0),
            path,
            status: "incomplete",
            why,
            database: parsed.database,
            created_at: parsed.created_at,
            schema_version: parsed.schema_version,
            reason: parsed.reason,
            files,
        });
    }
    out.sort_by(|a, b| (a.created_at, &a.path).cmp(&(b.created_at, &b.path)));
    Ok(out)
}

/// Whether `file` (a manifest) belongs to one of the leftovers.
pub fn owns(leftovers: &[Leftover], file: &Path) -> bool {
    leftovers.iter().any(|l| l.files.iter().any(|f| f == file))
}

/// Delete a leftover's files.
pub fn remove(l: &Leftover) -> Result<()> {
    for f in &l.files {
        match std::fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(format!("cannot delete {}: {e}", f.display()))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_taskdb_names_parse() {
        let d = parse_dump_name("my_app_20261125T093000Z_v12_before-fix-2.dump").unwrap();
        assert_eq!(d.database, "my_app");
        assert_eq!(d.schema_version, 12);
        assert_eq!(d.reason, "before-fix-2");
        assert_eq!(d.created_at.to_rfc3339(), "2026-11-25T09:30:00+00:00");
        let e = parse_dump_name("my_app_20261125T093000Z_v12_nightly.dump.age").unwrap();
        assert_eq!(
            (e.database.as_str(), e.reason.as_str()),
            ("my_app", "nightly")
        );
        for other in [
            "notes.dump",
            "app_20261125T093000Z_v12_.dump",
            "_20261125T093000Z_v1_x.dump",
            "app_20261125T093000Z_vX_x.dump",
            "app_2026112T093000Z_v1_x.dump",
            "app_20261125T093000Z_v1_x.sql",
            "app_20261125T093000Z_v1_x.age",
            "app_20261125T093000Z_v1_x.dump.age.json",
        ] {
            assert_eq!(parse_dump_name(other), None, "{other}");
        }
    }
}
