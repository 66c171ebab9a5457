//! Schema migrations: refinery's runner for the ups, taskdb's own down scripts, history, status,
//! and the advisory lock every run holds.
//!
//! Files: `migrations/V<n>__<name>.sql` (embedded by refinery) and, beside each,
//! `migrations/V<n>__<name>.down.sql` (a name refinery's grammar ignores; embedded by build.rs).
//! History: refinery's `refinery_schema_history` table (version, name, applied_on, checksum).

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::Client;

use crate::exit::failed;
use crate::output::Output;

mod embedded {
    refinery::embed_migrations!("migrations");
}

include!(concat!(env!("OUT_DIR"), "/down_scripts.rs"));

/// refinery's history table.
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// Key of the session advisory lock every `migrate up|down` run holds ("taskdbmg").
pub const LOCK_KEY: i64 = 0x7461_736b_6462_6d67;

/// How often a lock_timeout failure of one migration is retried, and the first backoff.
const LOCK_TIMEOUT_RETRIES: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// Test-only: milliseconds to sleep after each applied migration, so that tests can kill a run
/// deterministically between two migrations. Not for production use.
pub const TEST_DELAY_ENV: &str = "TASKDB_TEST_MIGRATION_DELAY_MS";

/// One migration as shipped in this binary.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub version: u32,
    pub name: String,
    pub up_sql: String,
    /// refinery's checksum of (name, version, sql).
    pub checksum: u64,
    pub down_sql: Option<&'static str>,
}

impl MigrationFile {
    pub fn file_name(&self) -> String {
        format!("migrations/V{}__{}.sql", self.version, self.name)
    }
    pub fn down_file_name(&self) -> String {
        format!("migrations/V{}__{}.down.sql", self.version, self.name)
    }
    pub fn label(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

/// Every embedded migration, oldest first.
pub fn catalog() -> Vec<MigrationFile> {
    let runner = embedded::migrations::runner();
    let mut files: Vec<MigrationFile> = runner
        .get_migrations()
        .iter()
        .map(|m| MigrationFile {
            version: m.version(),
            name: m.name().to_string(),
            up_sql: m.sql().unwrap_or_default().to_string(),
            checksum: m.checksum(),
            down_sql: DOWN_SCRIPTS
                .iter()
                .find(|(v, n, _)| *v == m.version() && *n == m.name())
                .map(|(_, _, sql)| *sql),
        })
        .collect();
    files.sort_by_key(|m| m.version);
    files
}

/// Down scripts that have no up script of the same version and name.
pub fn orphan_down_scripts() -> Vec<String> {
    let ups = catalog();
    DOWN_SCRIPTS
        .iter()
        .filter(|(v, n, _)| !ups.iter().any(|m| m.version == *v && m.name == *n))
        .map(|(v, n, _)| format!("migrations/V{v}__{n}.down.sql"))
        .collect()
}

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
pub async fn history_exists(client: &Client) -> Result<bool> {
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .await
        .context("cannot look for the migration history table")?;
    Ok(row.get(0))
}

/// The applied migrations, oldest first; empty when the history table does not exist.
pub async fn read_history(client: &Client) -> Result<Vec<Applied>> {
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

// ---- the migration lock ---------------------------------------------------------------------

/// Who holds the migration lock, for the waiting message.
async fn lock_holder(client: &Client) -> Result<Option<String>> {
    let classid = (LOCK_KEY >> 32) as u32;
    let objid = (LOCK_KEY & 0xffff_ffff) as u32;
    let row = client
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), \
                    coalesce(a.client_hostname, host(a.client_addr), 'local socket'), \
                    coalesce(a.usename::text, ''), a.backend_start \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND l.classid::int8 = $1 AND l.objid::int8 = $2 AND l.objsubid = 1 \
             LIMIT 1",
            &[&i64::from(classid), &i64::from(objid)],
        )
        .await
        .context("cannot look up the migration lock holder")?;
    Ok(row.map(|r| {
        let pid: i32 = r.get(0);
        let app: String = r.get(1);
        let host: String = r.get(2);
        let user: String = r.get(3);
        format!("pid {pid}, application {app:?}, user {user:?}, client {host}")
    }))
}

/// Take the session advisory lock, waiting up to `wait` for another run to finish.
pub async fn acquire_lock(client: &Client, wait: Duration, out: &Output) -> Result<()> {
    let started = Instant::now();
    let mut told = false;
    loop {
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the migration lock")?
            .get(0);
        if got {
            ensure_lock_is_ours(client).await?;
            if told {
                out.note(format!(
                    "got the migration lock after {:.1}s",
                    started.elapsed().as_secs_f64()
                ));
            }
            return Ok(());
        }
        let holder = lock_holder(client)
            .await?
            .unwrap_or_else(|| "a session that just ended".into());
        if started.elapsed() >= wait {
            return Err(failed(format!(
                "another migration run holds the migration lock ({holder}); gave up after {}s (--lock-wait); nothing was changed",
                wait.as_secs()
            )));
        }
        if !told {
            out.note(format!(
                "waiting up to {}s for the migration lock held by {holder}",
                wait.as_secs()
            ));
            told = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A session advisory lock only protects anything if the next statements run in the same
/// server session. Behind a transaction-pooling proxy (PgBouncer `pool_mode=transaction`) each
/// statement may land on another backend, and the lock silently protects nothing: refuse.
async fn ensure_lock_is_ours(client: &Client) -> Result<()> {
    let classid = (LOCK_KEY >> 32) as u32;
    let objid = (LOCK_KEY & 0xffff_ffff) as u32;
    let held: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
               AND pid = pg_backend_pid() AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 1)",
            &[&i64::from(classid), &i64::from(objid)],
        )
        .await
        .context("cannot check the migration lock")?
        .get(0);
    if !held {
        // Best effort: the statement may reach the backend that holds it.
        let _ = client
            .query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await;
        return Err(failed(
            "the migration lock was taken but this session does not hold it: the connection goes through a transaction-pooling proxy (e.g. PgBouncer pool_mode=transaction), where advisory locks protect nothing; connect directly or through session pooling; nothing was changed",
        ));
    }
    Ok(())
}

pub async fn release_lock(client: &Client) -> Result<()> {
    client
        .query_one("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await
        .context("cannot release the migration lock")?;
    Ok(())
}

/// Name this session so a waiting run can say who holds the lock.
pub async fn identify_session(client: &Client, what: &str) -> Result<()> {
    let mut name = format!(
        "taskdb {what} {}:{}",
        crate::platform::hostname(),
        std::process::id()
    );
    name.truncate(63);
    client
        .execute("SELECT set_config('application_name', $1, false)", &[&name])
        .await
        .context("cannot set application_name")?;
    Ok(())
}

/// DDL waits at most this long for a table lock (then fails and is retried).
pub async fn set_lock_timeout(client: &Client, timeout: Duration) -> Result<()> {
    let value = format!("{}ms", timeout.as_millis());
    client
        .execute("SELECT set_config('lock_timeout', $1, false)", &[&value])
        .await
        .context("cannot set lock_timeout")?;
    Ok(())
}

// ---- applying ---------------------------------------------------------------------------------

/// The database error inside an error chain, if any.
fn db_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a DbError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(db) = e.downcast_ref::<DbError>() {
            return Some(db);
        }
        if let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() {
            if let Some(db) = pg.as_db_error() {
                return Some(db);
            }
        }
        cur = e.source();
    }
    None
}

/// "message (detail; hint; line N)" for a failed migration statement.
fn describe_db_error(db: &DbError, sql: &str) -> String {
    let mut text = db.message().to_string();
    let mut extra = Vec::new();
    if let Some(d) = db.detail() {
        extra.push(d.to_string());
    }
    if let Some(h) = db.hint() {
        extra.push(format!("hint: {h}"));
    }
    if let Some(tokio_postgres::error::ErrorPosition::Original(pos)) = db.position() {
        let upto = (*pos as usize).saturating_sub(1).min(sql.len());
        let line = sql
            .get(..upto)
            .map(|s| s.matches('\n').count() + 1)
            .unwrap_or(0);
        extra.push(format!("line {line}"));
    }
    if let Some(w) = db.where_() {
        extra.push(w.lines().next().unwrap_or_default().to_string());
    }
    if !extra.is_empty() {
        text.push_str(&format!(" ({})", extra.join("; ")));
    }
    text
}

fn is_lock_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    db_error(err).is_some_and(|db| db.code() == &SqlState::LOCK_NOT_AVAILABLE)
}

/// How one step ended.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub version: u32,
    pub name: String,
    pub duration_ms: u64,
    /// Attempts that failed on lock_timeout before this one succeeded.
    pub lock_retries: u32,
}

impl crate::output::Row for StepReport {
    fn columns() -> &'static [&'static str] {
        &["version", "name", "duration_ms", "lock_retries"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.version.to_string(),
            self.name.clone(),
            self.duration_ms.to_string(),
            self.lock_retries.to_string(),
        ]
    }
}

/// Apply exactly one migration with refinery's async runner: the migration and its history row
/// in one transaction, aborting on divergent or missing migrations. A lock_timeout failure
/// (the whole transaction rolled back) is retried with backoff.
pub async fn apply_up(
    client: &mut Client,
    file: &MigrationFile,
    out: &Output,
) -> Result<StepReport> {
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut retries = 0;
    loop {
        let result = embedded::migrations::runner()
            .set_grouped(false)
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .set_target(refinery::Target::Version(file.version))
            .run_async(client)
            .await;
        match result {
            Ok(report) => {
                let applied: Vec<u32> = report
                    .applied_migrations()
                    .iter()
                    .map(|m| m.version())
                    .collect();
                if applied != [file.version] {
                    return Err(failed(format!(
                        "refinery applied {applied:?} while taskdb expected exactly V{}; check `taskdb migrate status`",
                        file.version
                    )));
                }
                return Ok(StepReport {
                    version: file.version,
                    name: file.name.clone(),
                    duration_ms: started.elapsed().as_millis() as u64,
                    lock_retries: retries,
                });
            }
            Err(err) if is_lock_timeout(&err) && retries < LOCK_TIMEOUT_RETRIES => {
                retries += 1;
                out.warn(format!(
                    "{} waited too long for a table lock (lock_timeout); rolled back, retry {retries}/{LOCK_TIMEOUT_RETRIES} in {:.1}s",
                    file.file_name(),
                    backoff.as_secs_f64()
                ));
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            Err(err) => {
                let why = match db_error(&err) {
                    Some(db) => describe_db_error(db, &file.up_sql),
                    None => err.to_string(),
                };
                let lock_note = if is_lock_timeout(&err) {
                    format!(" after {retries} retries")
                } else {
                    String::new()
                };
                return Err(failed(format!(
                    "{} failed{lock_note}: {why}; it was rolled back",
                    file.file_name()
                )));
            }
        }
    }
}

/// Revert exactly one migration: its down script and the removal of its history row in one
/// transaction, retried like `apply_up` on lock_timeout.
pub async fn apply_down(
    client: &mut Client,
    file: &MigrationFile,
    out: &Output,
) -> Result<StepReport> {
    let Some(down_sql) = file.down_sql else {
        return Err(failed(format!(
            "{} has no down script ({}); nothing was changed",
            file.file_name(),
            file.down_file_name()
        )));
    };
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut retries = 0;
    let version = i32::try_from(file.version).unwrap_or(i32::MAX);
    loop {
        let result: std::result::Result<u64, tokio_postgres::Error> = async {
            let tx = client.transaction().await?;
            tx.batch_execute(down_sql).await?;
            let n = tx
                .execute(
                    "DELETE FROM refinery_schema_history WHERE version = $1",
                    &[&version],
                )
                .await?;
            if n == 1 {
                tx.commit().await?;
            }
            Ok(n)
        }
        .await;
        match result {
            Ok(1) => {
                return Ok(StepReport {
                    version: file.version,
                    name: file.name.clone(),
                    duration_ms: started.elapsed().as_millis() as u64,
                    lock_retries: retries,
                })
            }
            Ok(_) => {
                return Err(failed(format!(
                    "V{} has no history row any more (another run reverted it?); rolled back",
                    file.version
                )))
            }
            Err(err) if is_lock_timeout(&err) && retries < LOCK_TIMEOUT_RETRIES => {
                retries += 1;
                out.warn(format!(
                    "{} waited too long for a table lock (lock_timeout); rolled back, retry {retries}/{LOCK_TIMEOUT_RETRIES} in {:.1}s",
                    file.down_file_name(),
                    backoff.as_secs_f64()
                ));
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
            Err(err) => {
                let why = match db_error(&err) {
                    Some(db) => describe_db_error(db, down_sql),
                    None => err.to_string(),
                };
                return Err(failed(format!(
                    "{} failed: {why}; it was rolled back",
                    file.down_file_name()
                )));
            }
        }
    }
}

/// Test hook: pause between migrations when `TASKDB_TEST_MIGRATION_DELAY_MS` is set.
pub async fn test_delay() {
    if let Some(ms) = std::env::var(TEST_DELAY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// True when the database holds anything worth a backup: an applied migration, or a row in
/// any user table.
pub async fn holds_data(client: &Client, history: &[Applied]) -> Result<bool> {
    if !history.is_empty() {
        return Ok(true);
    }
    // Table names come from the catalog, quoted by format('%I'), never from user input.
    let tables = client
        .query(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg\\_%' AND c.relname <> $1",
            &[&HISTORY_TABLE],
        )
        .await
        .context("cannot list tables")?;
    for row in tables {
        let table: String = row.get(0);
        let has: bool = client
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
            .await
            .with_context(|| format!("cannot read {table}"))?
            .get(0);
        if has {
            return Ok(true);
        }
    }
    Ok(false)
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

    #[test]
    fn every_shipped_migration_has_a_down_script() {
        for m in catalog() {
            assert!(m.down_sql.is_some(), "{} has no down script", m.file_name());
        }
        assert!(
            orphan_down_scripts().is_empty(),
            "{:?}",
            orphan_down_scripts()
        );
    }
}
