//! The migration history (`refinery_schema_history`, read without trusting its text columns)
//! and how it compares with the shipped files: applied, pending, divergent or missing.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MigrationFile, HISTORY_TABLE};
use crate::db::Db;
use crate::exit::failed;

/// One row of `refinery_schema_history`, read without trusting its text columns.
#[derive(Debug, Clone)]
pub struct Applied {
    pub version: u32,
    pub name: String,
    pub applied_on: Option<DateTime<Utc>>,
    pub applied_on_raw: String,
    pub checksum: String,
}

/// Whether the history table exists (on the search_path, where refinery puts it).
pub async fn history_exists(client: &Db) -> Result<bool> {
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .await
        .context("cannot look for the migration history table")?;
    Ok(row.get(0))
}

/// The applied migrations, oldest first; empty when the history table does not exist.
pub async fn read_history(client: &Db) -> Result<Vec<Applied>> {
    if !history_exists(client).await? {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "SELECT version::int8, coalesce(name, ''), coalesce(applied_on, ''), coalesce(checksum, '') \
             FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .await
        .context("cannot read the migration history (refinery_schema_history)")?;
    let mut out = Vec::new();
    for row in rows {
        let version: i64 = row.get(0);
        let applied_on_raw: String = row.get(2);
        out.push(Applied {
            version: u32::try_from(version).unwrap_or(0),
            name: row.get(1),
            applied_on: DateTime::parse_from_rfc3339(&applied_on_raw)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            applied_on_raw,
            checksum: row.get(3),
        });
    }
    Ok(out)
}

/// The newest applied version (0 when nothing is applied).
pub fn current_version(history: &[Applied]) -> u32 {
    history.iter().map(|a| a.version).max().unwrap_or(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Applied, and the history matches the file.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but the file (name or content) differs from what was applied.
    Divergent,
    /// Applied, but this binary has no such migration.
    Missing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Divergent => "divergent",
            State::Missing => "missing",
        }
    }
}

/// One migration's state, as `migrate status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub version: u32,
    pub name: String,
    pub state: State,
    pub applied_at: Option<DateTime<Utc>>,
    /// The file's checksum (refinery's), when the binary has the migration.
    pub checksum: Option<String>,
    /// The checksum recorded when it was applied.
    pub applied_checksum: Option<String>,
    pub has_down: bool,
    /// Why it is divergent or missing (empty otherwise).
    pub detail: String,
}

impl crate::output::Row for StatusRow {
    fn columns() -> &'static [&'static str] {
        &["version", "name", "state", "applied_at", "down", "detail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.version.to_string(),
            self.name.clone(),
            self.state.as_str().to_string(),
            crate::output::ts(self.applied_at),
            if self.has_down { "yes" } else { "no" }.to_string(),
            self.detail.clone(),
        ]
    }
}

/// Compare the shipped migrations with the history.
pub fn status(files: &[MigrationFile], history: &[Applied]) -> Vec<StatusRow> {
    let mut rows = Vec::new();
    for file in files {
        let applied = history.iter().find(|a| a.version == file.version);
        let (state, detail) = match applied {
            None => (State::Pending, String::new()),
            Some(a) => {
                if a.name != file.name {
                    (
                        State::Divergent,
                        format!(
                            "applied as V{}__{}, the file is {}",
                            a.version,
                            a.name,
                            file.file_name()
                        ),
                    )
                } else if a.checksum.parse::<u64>().ok() != Some(file.checksum) {
                    (
                        State::Divergent,
                        format!("{} changed after it was applied", file.file_name()),
                    )
                } else if a.applied_on.is_none() {
                    (
                        State::Divergent,
                        format!(
                            "history row has an unreadable applied_on {:?}",
                            a.applied_on_raw
                        ),
                    )
                } else {
                    (State::Applied, String::new())
                }
            }
        };
        rows.push(StatusRow {
            version: file.version,
            name: file.name.clone(),
            state,
            applied_at: applied.and_then(|a| a.applied_on),
            checksum: Some(file.checksum.to_string()),
            applied_checksum: applied.map(|a| a.checksum.clone()),
            has_down: file.down_sql.is_some(),
            detail,
        });
    }
    for a in history {
        if !files.iter().any(|f| f.version == a.version) {
            rows.push(StatusRow {
                version: a.version,
                name: a.name.clone(),
                state: State::Missing,
                applied_at: a.applied_on,
                checksum: None,
                applied_checksum: Some(a.checksum.clone()),
                has_down: false,
                detail: format!(
                    "applied, but this taskdb has no migrations/V{}__{}.sql (a newer taskdb applied it?)",
                    a.version, a.name
                ),
            });
        }
    }
    rows.sort_by_key(|r| r.version);
    rows
}

/// Refuse to go on when the history and the files disagree (exit 1), naming the file.
pub fn ensure_consistent(rows: &[StatusRow]) -> Result<()> {
    let bad: Vec<&StatusRow> = rows
        .iter()
        .filter(|r| matches!(r.state, State::Divergent | State::Missing))
        .collect();
    if let Some(first) = bad.first() {
        let more = if bad.len() > 1 {
            format!(" (and {} more; see `taskdb migrate status`)", bad.len() - 1)
        } else {
            String::new()
        };
        return Err(failed(format!(
            "migration V{} is {}: {}{more}; nothing was changed",
            first.version,
            first.state.as_str(),
            first.detail
        )));
    }
    // refinery refuses an unapplied version below the newest applied one; say so up front.
    let newest_applied = rows
        .iter()
        .filter(|r| r.state == State::Applied)
        .map(|r| r.version)
        .max()
        .unwrap_or(0);
    if let Some(gap) = rows
        .iter()
        .find(|r| r.state == State::Pending && r.version < newest_applied)
    {
        return Err(failed(format!(
            "migrations/V{}__{}.sql is not applied but V{newest_applied} is: out-of-order migrations are refused; nothing was changed",
            gap.version, gap.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: u32, name: &str, checksum: u64) -> MigrationFile {
        MigrationFile {
            version,
            name: name.into(),
            up_sql: String::new(),
            checksum,
            down_sql: Some("SELECT 1"),
        }
    }

    fn applied(version: u32, name: &str, checksum: &str) -> Applied {
        Applied {
            version,
            name: name.into(),
            applied_on: Some(Utc::now()),
            applied_on_raw: Utc::now().to_rfc3339(),
            checksum: checksum.into(),
        }
    }

    #[test]
    fn status_classifies_every_case() {
        let files = vec![file(1, "a", 11), file(2, "b", 22), file(3, "c", 33)];
        let history = vec![
            applied(1, "a", "11"),
            applied(2, "b", "999"),
            applied(7, "z", "1"),
        ];
        let rows = status(&files, &history);
        let states: Vec<(u32, State)> = rows.iter().map(|r| (r.version, r.state)).collect();
        assert_eq!(
            states,
            vec![
                (1, State::Applied),
                (2, State::Divergent),
                (3, State::Pending),
                (7, State::Missing)
            ]
        );
        assert!(rows[1].detail.contains("migrations/V2__b.sql"));
        let err = ensure_consistent(&rows).unwrap_err();
        assert!(err.to_string().contains("V2"), "{err}");
    }

    #[test]
    fn renamed_and_garbled_history_rows_are_divergent() {
        let files = vec![file(1, "a", 11)];
        let rows = status(&files, &[applied(1, "old_name", "11")]);
        assert_eq!(rows[0].state, State::Divergent);
        let rows = status(&files, &[applied(1, "a", "not-a-number")]);
        assert_eq!(rows[0].state, State::Divergent);
        let mut bad_time = applied(1, "a", "11");
        bad_time.applied_on = None;
        assert_eq!(status(&files, &[bad_time])[0].state, State::Divergent);
    }

    #[test]
    fn out_of_order_pending_is_refused() {
        let files = vec![file(1, "a", 11), file(2, "b", 22)];
        let rows = status(&files, &[applied(2, "b", "22")]);
        assert!(ensure_consistent(&rows).is_err());
        let rows = status(&files, &[applied(1, "a", "11")]);
        assert!(ensure_consistent(&rows).is_ok());
    }
}
