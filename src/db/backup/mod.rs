//! Backups with `pg_dump -Fc`: create (verified before it counts), verify, list, prune,
//! restore.
//!
//! A backup is two files in the backup directory (0700): `<db>_<UTC>_v<schema>_<reason>.dump`
//! (0600) and its manifest `<same>.dump.json` (0600; sha256, size, versions, reason, actor).
//! While pg_dump writes, the dump is `<same>.dump.partial` (see [`orphans`]). An encrypted
//! backup is `<same>.dump.age` (an age file holding the archive; see [`encryption`]), its
//! manifest `<same>.dump.age.json`, recording the recipients and the ciphertext's sha256.
//! The connection reaches pg_dump/pg_restore through PG* environment variables of the child,
//! never through its command line, so the password is not visible in `ps`.
//!
//! Here: the manifest, the server facts a backup records, listing and pruning. Writing one is
//! in `create`, checking one in `verify`, restoring one in `restore`, feeding one to pg_restore
//! (decrypted if need be) in `archive`; finding and running the client tools in
//! [`crate::db::pgtools`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::pgtools::apply_connection_env;
use crate::db::Db;
use crate::exit::failed;
use crate::units::format_bytes_iec;

mod archive;
mod create;
pub mod encryption;
pub mod orphans;
mod restore;
mod verify;

pub use archive::Archive;
pub use create::{create, Created, Target};
pub use encryption::{Identities, Kind};
pub use restore::{
    create_database, database_exists, drop_database, restore_into_new, restore_over,
};
pub use verify::{verify, Verified, VerifyError};

/// How a plain backup's file name ends.
pub const DUMP_SUFFIX: &str = ".dump";
/// How an encrypted backup's file name ends (an age file holding the archive).
pub const AGE_DUMP_SUFFIX: &str = ".dump.age";

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
    /// How the file is encrypted; absent: it is not. `size_bytes` and `sha256` are always of
    /// the file as stored (for an encrypted backup, the ciphertext).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
}

/// What a manifest records about an encrypted backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Encryption {
    /// "age" (age-encryption.org/v1, X25519).
    pub method: String,
    /// The recipients (public keys) it is encrypted to: an identity of any one decrypts it.
    pub recipients: Vec<String>,
}

impl Encryption {
    pub fn age(recipients: &[encryption::Recipient]) -> Self {
        Encryption {
            method: "age".into(),
            recipients: recipients.iter().map(ToString::to_string).collect(),
        }
    }
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
                format_bytes_iec(self.manifest.size_bytes)
            } else {
                "(file gone)".into()
            },
            self.manifest.actor.clone(),
            self.path.display().to_string(),
        ]
    }
}

/// Facts about the connected server and database.
pub struct ServerInfo {
    pub database: String,
    pub version: String,
    pub major: u32,
    pub schema_version: u32,
}

pub async fn server_info(client: &Db) -> Result<ServerInfo> {
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

/// A client tool that connects where `config` points (through its environment), with stdin
/// closed, stdout discarded and stderr kept for the error message, and that dies with taskdb.
fn connected_tool(program: &Path, config: &crate::db::ToolConn) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    apply_connection_env(&mut cmd, config);
    crate::platform::child::dying_with_parent(&mut cmd);
    cmd
}

/// `<dump>.json`.
fn manifest_path(dump: &Path) -> PathBuf {
    let mut name = dump.as_os_str().to_os_string();
    name.push(".json");
    PathBuf::from(name)
}

/// The sha256 (hex) and size of a file, read once.
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
        let Some(dump) = name.strip_suffix(".json") else {
            continue;
        };
        if !dump.ends_with(DUMP_SUFFIX) && !dump.ends_with(AGE_DUMP_SUFFIX) {
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
        let old_enough = older_than.is_none_or(|age| l.manifest.created_at <= now - age);
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
                encryption: None,
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
}
