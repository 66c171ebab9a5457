//! Leases on claimed tasks (V14): the holder extends one (`task heartbeat`), hands the task back
//! (`task release`) or ends the attempt (`taskdb worker`); expired leases are handed back at the
//! next claim or by `taskdb maintain`. The rules (who holds what, attempts, give-up) are the
//! schema's functions; anyone but the holder gets SQLSTATE TD030 (exit 2).

use std::time::Duration;

use anyhow::Result;
use serde_json::Value;
use uuid::Uuid;

use super::{Task, TASK_COLUMNS};
use crate::db::{db_error, Db};

/// Seconds as PostgreSQL reads them (`$n::float8 * interval '1 second'`).
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

async fn one_task(
    db: &Db,
    from: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Task> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM {from} t");
    let row = db.query_one(&sql, params).await.map_err(db_error)?;
    Task::from_row(&row)
}

/// The heartbeat, as [`heartbeat`] and `taskdb bench --workload worker` run it: `$1` task id,
/// `$2` holder, `$3` seconds to extend the lease by, `$4` the attempt (or NULL).
pub const HEARTBEAT_FROM: &str = "heartbeat_task($1, $2, $3::float8 * interval '1 second', $4)";

/// The end of an attempt, as [`finish_attempt`] and `taskdb bench --workload worker` run it:
/// `$1` task id, `$2` holder, `$3` attempt, `$4` succeeded, `$5` note, `$6` details (jsonb),
/// `$7` the default max attempts.
pub const FINISH_FROM: &str = "finish_task_attempt($1, $2, $3, $4, $5, $6, $7)";

/// Extend `holder`'s lease on task `id` to now + `extend` (`attempt`: only if the claim is
/// still that attempt, so a worker whose lease was taken over learns it).
pub async fn heartbeat(
    db: &Db,
    id: Uuid,
    holder: &str,
    extend: Duration,
    attempt: Option<i32>,
) -> Result<Task> {
    one_task(db, HEARTBEAT_FROM, &[&id, &holder, &secs(extend), &attempt]).await
}

/// `holder` hands task `id` back (pending again), with an optional note (`attempt`: only if
/// the claim is still that attempt, so a worker whose lease was taken over under the same
/// holder name cannot hand back the newer claim).
pub async fn release(
    db: &Db,
    id: Uuid,
    holder: &str,
    note: Option<&str>,
    attempt: Option<i32>,
) -> Result<Task> {
    one_task(
        db,
        "release_task($1, $2, $3, $4)",
        &[&id, &holder, &note, &attempt],
    )
    .await
}

/// How an attempt ended, as the worker reports it.
#[derive(Debug, Clone)]
pub struct AttemptEnd<'a> {
    pub holder: &'a str,
    pub attempt: i32,
    pub succeeded: bool,
    /// One line for `last_outcome` ("exit status 3").
    pub note: Option<&'a str>,
    /// Kept with the task as a run context (exit code, stderr tail, duration…).
    pub details: Value,
    /// The default max attempts (when the task sets none).
    pub max_attempts: u32,
}

/// End `end.holder`'s attempt on task `id`: completed, or failed (pending again for another
/// attempt, or `failed` once max attempts are used).
pub async fn finish_attempt(db: &Db, id: Uuid, end: &AttemptEnd<'_>) -> Result<Task> {
    one_task(
        db,
        FINISH_FROM,
        &[
            &id,
            &end.holder,
            &end.attempt,
            &end.succeeded,
            &end.note,
            &end.details,
            &int(end.max_attempts),
        ],
    )
    .await
}

/// Hand back every task whose lease has expired (or give it up once it used `max_attempts`);
/// the tasks changed, in id order.
pub async fn expire(db: &Db, max_attempts: u32) -> Result<Vec<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM expire_leases($1, 100000) t ORDER BY t.short_id");
    let rows = db
        .query(&sql, &[&int(max_attempts)])
        .await
        .map_err(db_error)?;
    rows.iter().map(Task::from_row).collect()
}

/// How long until the earliest lease ends, by the server's clock (zero when one already has):
/// a waiting claim wakes then, since an expiry sends no notification. None: no lease is held.
pub async fn until_next_expiry(db: &Db) -> Result<Option<Duration>> {
    let row = db
        .query_one(
            "SELECT greatest(extract(epoch FROM min(t.lease_expires_at) - clock_timestamp()), 0)::float8 \
               FROM tasks t WHERE t.lease_expires_at IS NOT NULL",
            &[],
        )
        .await
        .map_err(db_error)?;
    let secs: Option<f64> = row.try_get(0)?;
    Ok(secs.map(|s| Duration::from_secs_f64(s.clamp(0.0, 366.0 * 86_400.0))))
}

/// Whether `holder` already ended attempt `attempt` of task `id` (a finish whose answer was
/// lost with the connection: it may have committed before the server went away), and how:
/// `Some((succeeded, task))`. Read from the run context the end recorded.
pub async fn recorded_attempt_end(
    db: &Db,
    id: Uuid,
    holder: &str,
    attempt: i32,
) -> Result<Option<(bool, Task)>> {
    let sql = format!(
        "SELECT {TASK_COLUMNS}, (x.context_data ->> 'succeeded')::bool \
           FROM task_contexts x JOIN tasks t ON t.id = x.task_id \
          WHERE x.task_id = $1 AND x.context_type IN ('completion', 'error') \
            AND x.context_data ->> 'holder' = $2 AND x.context_data ->> 'attempt' = $3 \
          ORDER BY x.created_at DESC LIMIT 1"
    );
    let row = db
        .query_opt(&sql, &[&id, &holder, &attempt.to_string()])
        .await
        .map_err(db_error)?;
    match row {
        Some(row) => {
            let succeeded: Option<bool> = row.try_get(row.len() - 1)?;
            Ok(Some((succeeded.unwrap_or(false), Task::from_row(&row)?)))
        }
        None => Ok(None),
    }
}
