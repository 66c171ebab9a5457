//! Applying one migration: up with refinery's runner, down with its script, each with its
//! history row in one transaction, retried when DDL waits too long for a table lock.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde::Serialize;
use tokio_postgres::error::{DbError, SqlState};

use super::{embedded, Applied, MigrationFile, HISTORY_TABLE};
use crate::db::Db;
use crate::exit::{failed, lost_connection, unavailable};
use crate::output::Output;

/// How often a lock_timeout failure of one migration is retried, and the first backoff.
const LOCK_TIMEOUT_RETRIES: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// The database error inside an error chain, if any (unlike [`crate::db::db_error`], which
/// turns an error into taskdb's exit code and message).
fn db_error_in_chain<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a DbError> {
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

/// The failure of one step (`script`: its file name): a lost connection (a failover, a
/// restart) is exit 6 — the step committed whole or not at all, and the next run goes on from
/// what the history table says —; anything else was rolled back ([`script_failed`]).
fn step_failed(
    script: &str,
    err: &(dyn std::error::Error + 'static),
    why: &str,
    lock_note: &str,
) -> anyhow::Error {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(pg) = e
            .downcast_ref::<tokio_postgres::Error>()
            .filter(|pg| lost_connection(pg))
        {
            // The server's words when it ended the session, else what the driver saw.
            let why = match pg.as_db_error() {
                Some(_) => why.to_string(),
                None => format!("lost the connection to the server ({pg})"),
            };
            return unavailable(format!(
                "{script} was interrupted: {why}; it committed whole or not at all (`taskdb migrate status` shows which): run the command again"
            ));
        }
        cur = e.source();
    }
    script_failed(
        format!("{script} failed{lock_note}: {why}; it was rolled back"),
        err,
    )
}

fn is_lock_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    db_error_in_chain(err).is_some_and(|db| db.code() == &SqlState::LOCK_NOT_AVAILABLE)
}

/// After a lock_timeout failure of `script` (rolled back): say so, wait `backoff`, double it.
async fn wait_to_retry(out: &Output, script: &str, retries: u32, backoff: &mut Duration) {
    out.warn(format!(
        "{script} waited too long for a table lock (lock_timeout); rolled back, retry {retries}/{LOCK_TIMEOUT_RETRIES} in {:.1}s",
        backoff.as_secs_f64()
    ));
    tokio::time::sleep(*backoff).await;
    *backoff *= 2;
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
pub async fn apply_up(client: &mut Db, file: &MigrationFile, out: &Output) -> Result<StepReport> {
    let started = Instant::now();
    let mut backoff = FIRST_BACKOFF;
    let mut retries = 0;
    loop {
        let result = embedded::migrations::runner()
            .set_grouped(false)
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .set_target(refinery::Target::Version(file.version))
            .run_async(client.runner_client())
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
                wait_to_retry(out, &file.file_name(), retries, &mut backoff).await;
            }
            Err(err) => {
                let why = match db_error_in_chain(&err) {
                    Some(db) => describe_db_error(db, &file.up_sql),
                    None => err.to_string(),
                };
                let lock_note = if is_lock_timeout(&err) {
                    format!(" after {retries} retries")
                } else {
                    String::new()
                };
                return Err(step_failed(&file.file_name(), &err, &why, &lock_note));
            }
        }
    }
}

/// Revert exactly one migration: its down script and the removal of its history row in one
/// transaction, retried like `apply_up` on lock_timeout.
pub async fn apply_down(client: &mut Db, file: &MigrationFile, out: &Output) -> Result<StepReport> {
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
            let tx = client.transaction();
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
                wait_to_retry(out, &file.down_file_name(), retries, &mut backoff).await;
            }
            Err(err) => {
                let why = match db_error_in_chain(&err) {
                    Some(db) => describe_db_error(db, down_sql),
                    None => err.to_string(),
                };
                return Err(step_failed(&file.down_file_name(), &err, &why, ""));
            }
        }
    }
}

/// A script that failed: a missing privilege (the connected role does not own the schema) is
/// exit 5 like every refusal of the server's privileges, anything else exit 1.
fn script_failed(text: String, err: &(dyn std::error::Error + 'static)) -> anyhow::Error {
    match db_error_in_chain(err) {
        Some(db) if *db.code() == tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
            crate::exit::Error::Denied(text).into()
        }
        _ => failed(text),
    }
}

/// What a dry run prints after a script: the history statement that commits with it
/// (`direction` "up": refinery's INSERT; "down": the DELETE of [`apply_down`]).
pub fn history_note(direction: &str, version: u32, name: &str) -> String {
    if direction == "up" {
        format!("-- then: INSERT INTO {HISTORY_TABLE} (version {version}, name '{name}', …)")
    } else {
        format!("-- then: DELETE FROM {HISTORY_TABLE} WHERE version = {version}")
    }
}

/// True when the database holds anything worth a backup: an applied migration, or a row in
/// any user table.
pub async fn holds_data(client: &Db, history: &[Applied]) -> Result<bool> {
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
