//! What `migrate up` and `migrate down` would run, from the shipped files and the history;
//! whatever cannot be done is refused here, before anything changes.

use anyhow::Result;

use super::{current_version, ensure_consistent, status, Applied, MigrationFile, State, StatusRow};
use crate::exit::{failed, usage};

/// The migrations a run applies (oldest first) or reverts (newest first), and the schema
/// version before and after.
#[derive(Debug)]
pub struct Plan<'a> {
    pub from: u32,
    pub to: u32,
    pub steps: Vec<&'a MigrationFile>,
}

/// `1, 2, 3`: the versions of the files, for messages.
pub fn versions(files: &[MigrationFile]) -> String {
    files
        .iter()
        .map(|m| m.version.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The version `migrate up` goes to: `--target` (which must be a shipped version) or the newest.
pub fn up_target(files: &[MigrationFile], target: Option<u32>) -> Result<u32> {
    let newest = files.last().map(|m| m.version).unwrap_or(0);
    if let Some(t) = target {
        if t > newest {
            return Err(usage(format!(
                "--target {t} is beyond the newest migration (V{newest}); nothing was changed"
            )));
        }
        if !files.iter().any(|m| m.version == t) {
            return Err(usage(format!(
                "--target {t} is not a migration version (versions: {}); nothing was changed",
                versions(files)
            )));
        }
    }
    Ok(target.unwrap_or(newest))
}

/// `migrate down`'s `--steps` and `--target`, checked against the files before anything is read.
pub fn validate_down_args(
    files: &[MigrationFile],
    steps: Option<u32>,
    target: Option<u32>,
) -> Result<()> {
    if steps == Some(0) {
        return Err(usage("--steps must be at least 1; nothing was changed"));
    }
    if let Some(t) = target {
        if t != 0 && !files.iter().any(|m| m.version == t) {
            return Err(usage(format!(
                "--target {t} is not a migration version (versions: 0, {}); nothing was changed",
                versions(files)
            )));
        }
    }
    Ok(())
}

/// The pending migrations up to `target` (`requested`: the `--target` given, which must not be
/// below the current version).
pub fn plan_up<'a>(
    files: &'a [MigrationFile],
    history: &[Applied],
    requested: Option<u32>,
    target: u32,
) -> Result<Plan<'a>> {
    let rows = status(files, history);
    ensure_consistent(&rows)?;
    let current = current_version(history);
    check_up_target(requested, current)?;
    let steps = pending(files, &rows, target);
    let to = steps.last().map(|m| m.version).unwrap_or(current);
    Ok(Plan {
        from: current,
        to,
        steps,
    })
}

fn check_up_target(target: Option<u32>, current: u32) -> Result<()> {
    if let Some(t) = target {
        if t < current {
            return Err(usage(format!(
                "--target {t} is below the current version V{current}; `migrate up` only goes up (use `migrate down --target {t}`); nothing was changed"
            )));
        }
    }
    Ok(())
}

fn pending<'a>(
    files: &'a [MigrationFile],
    rows: &[StatusRow],
    target: u32,
) -> Vec<&'a MigrationFile> {
    files
        .iter()
        .filter(|m| m.version <= target)
        .filter(|m| {
            rows.iter()
                .any(|r| r.version == m.version && r.state == State::Pending)
        })
        .collect()
}

/// The migrations to revert, newest first (`--steps`, default 1, or down to `--target`, which
/// stays applied); refuses what cannot be done (nothing changed).
pub fn plan_down<'a>(
    files: &'a [MigrationFile],
    history: &[Applied],
    steps: Option<u32>,
    target: Option<u32>,
) -> Result<Plan<'a>> {
    let rows = status(files, history);
    ensure_consistent(&rows)?;
    let mut applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|m| history.iter().any(|a| a.version == m.version))
        .collect();
    applied.sort_by_key(|m| std::cmp::Reverse(m.version));
    let current = current_version(history);
    let plan: Vec<&MigrationFile> = match (steps, target) {
        (_, Some(t)) => {
            if t > current {
                return Err(usage(format!(
                    "--target {t} is above the current version V{current}; `migrate down` only goes down; nothing was changed"
                )));
            }
            applied.into_iter().filter(|m| m.version > t).collect()
        }
        (steps, None) => {
            let n = steps.unwrap_or(1) as usize;
            if n > applied.len() {
                return Err(usage(format!(
                    "--steps {n} but only {} migration(s) are applied; nothing was changed",
                    applied.len()
                )));
            }
            applied.into_iter().take(n).collect()
        }
    };
    if let Some(m) = plan.iter().find(|m| m.down_sql.is_none()) {
        return Err(failed(format!(
            "{} has no down script ({}); nothing was changed",
            m.file_name(),
            m.down_file_name()
        )));
    }
    let to = match plan.iter().map(|m| m.version).min() {
        None => current,
        Some(lowest_reverted) => version_below(history, lowest_reverted),
    };
    Ok(Plan {
        from: current,
        to,
        steps: plan,
    })
}

/// The newest applied version below `version` (0 when none): the schema version once
/// `version` and everything above it are reverted.
pub fn version_below(history: &[Applied], version: u32) -> u32 {
    history
        .iter()
        .map(|a| a.version)
        .filter(|v| *v < version)
        .max()
        .unwrap_or(0)
}
