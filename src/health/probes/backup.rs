//! The `backup_age` probe: the newest intact backup of this database in this host's backup
//! directory, from the manifests `taskdb backup create` (and `migrate`) write there. A manifest
//! is written only after its dump verified, so a backup counts when its file is still there with
//! the size its manifest records (reading every byte again is `taskdb backup verify`'s job).

use std::path::PathBuf;

use serde_json::json;

use super::{judge, ProbeCtx};
use crate::db::backup::{self, Listed};
use crate::health::{ProbeResult, State, Unit};
use crate::settings::{Settings, Source};
use crate::units::{format_bytes_iec, format_duration};

/// Where this host keeps backups, and whether someone chose it.
#[derive(Debug, Clone)]
pub struct BackupDir {
    pub path: PathBuf,
    /// Set by `TASKDB_BACKUP_DIR` or `[backup] dir` (not the default location).
    pub explicit: bool,
    /// Where the setting came from, for messages.
    pub source: String,
}

impl BackupDir {
    pub fn of(settings: &Settings) -> BackupDir {
        let s = &settings.backup_dir;
        BackupDir {
            path: s.value.clone(),
            explicit: s.source != Source::Default,
            source: s.source.to_string(),
        }
    }
}

/// Why a listed backup does not count, or None when it does.
fn flaw(l: &Listed) -> Option<String> {
    match std::fs::metadata(&l.path) {
        Ok(m) if m.len() == l.manifest.size_bytes => None,
        Ok(m) => Some(format!(
            "{} is {} bytes, its manifest says {}",
            l.manifest.file,
            m.len(),
            l.manifest.size_bytes
        )),
        Err(e) => Some(format!("{}: {e}", l.manifest.file)),
    }
}

pub(super) fn backup_age(p: &ProbeCtx<'_>) -> ProbeResult {
    let dir = p.backups;
    let db = &p.session.database;
    let shown = dir.path.display().to_string();
    let listed = match backup::list(&dir.path) {
        Ok(l) => l,
        Err(e) => {
            return ProbeResult::unknown(
                "backup_age",
                Unit::Seconds,
                format!("{e:#}"),
                Some("the backup directory must be readable by the user running health".into()),
            )
        }
    };
    let ours: Vec<&Listed> = listed
        .iter()
        .filter(|l| &l.manifest.database == db)
        .collect();
    let mut r = ProbeResult::new("backup_age", Unit::Seconds);
    r.details = json!({"dir": shown, "configured": dir.explicit || !ours.is_empty(),
                       "backups": ours.len()});
    if ours.is_empty() && !dir.explicit {
        r.message = format!(
            "backups are not configured on this host: no backup of {db} in {shown} (the default \
             backup.dir); set backup.dir or TASKDB_BACKUP_DIR where the scheduled `taskdb backup \
             create` writes to check their age"
        );
        return r;
    }
    let (w, c) = p.t.get("backup_age");
    r.warn = w;
    r.crit = c;
    // Newest first: the first intact one is the answer; the flaws of newer ones are reported.
    let mut flaws = Vec::new();
    let newest = ours.iter().rev().find(|l| match flaw(l) {
        None => true,
        Some(f) => {
            flaws.push(f);
            false
        }
    });
    let Some(l) = newest else {
        r.raise(State::Critical);
        r.message = if !dir.path.is_dir() {
            format!(
                "no backups: backup.dir {shown} ({}) does not exist",
                dir.source
            )
        } else if ours.is_empty() {
            format!("no backup of {db} in {shown}")
        } else {
            format!(
                "none of the {} backups of {db} in {shown} is intact (newest: {})",
                ours.len(),
                flaws.first().map(String::as_str).unwrap_or("?")
            )
        };
        r.hint = Some(
            "take one now with `taskdb backup create`, and check the job that should take them"
                .into(),
        );
        return r;
    };
    judged(p, &mut r, l, &flaws);
    r
}

/// The newest intact backup `l`: its age judged, the message, details and samples.
fn judged(p: &ProbeCtx<'_>, r: &mut ProbeResult, l: &Listed, flaws: &[String]) {
    let db = &p.session.database;
    let age = (chrono::Utc::now() - l.manifest.created_at)
        .to_std()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    r.value = Some(age);
    judge(r, p.t, "backup_age", age);
    r.message = format!(
        "newest intact backup of {db}: {} ago ({}, {})",
        format_duration(age),
        l.manifest.file,
        format_bytes_iec(l.manifest.size_bytes)
    );
    if !flaws.is_empty() {
        r.message.push_str(&format!(
            "; {} newer one(s) not intact: {}",
            flaws.len(),
            flaws.join("; ")
        ));
    }
    if r.state != State::Ok {
        r.hint = Some(
            "backups have stopped: check the cron job or timer running `taskdb backup create` \
             (its log, the disk, the database role)"
                .into(),
        );
    }
    if let Some(d) = r.details.as_object_mut() {
        d.insert("newest".into(), json!(l.manifest.file));
        d.insert("created_at".into(), json!(l.manifest.created_at));
        d.insert("size_bytes".into(), json!(l.manifest.size_bytes));
        d.insert("not_intact".into(), json!(flaws));
    }
    let label = || vec![("datname", db.clone())];
    r.sample(
        "backup_age_seconds",
        "Age of the newest intact backup of the database in backup.dir",
        Unit::Seconds,
        label(),
        age,
    );
    r.sample(
        "backup_size_bytes",
        "Size of the newest intact backup of the database",
        Unit::Bytes,
        label(),
        l.manifest.size_bytes as f64,
    );
}
