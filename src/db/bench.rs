//! The scratch database `taskdb bench` works in: finding one left by an earlier run, creating
//! it, giving it the schema and the seed rows, and dropping it; the minimal queue (the anchor
//! `claim` is measured against) that lives in it for one phase; and the worker workload's
//! statements (a worker's steps, the producer's inserts, the pause between its phases). The
//! operations of the other workloads are `crate::bench`'s.

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::db::tasks::{
    AttemptEnd, Task, CLAIM_FROM, FINISH_FROM, HEARTBEAT_FROM, NEXT_ORDER, TASK_COLUMNS,
};
use crate::db::Db;

use crate::exit::failed;
use crate::output::Output;

/// The scratch database every run uses; its existence marks a crashed or `--keep` run.
pub const SCRATCH_DB: &str = "taskdb_bench_scratch";

/// A scratch database exists on the server `admin` is connected to.
pub async fn scratch_exists(admin: &Db) -> Result<bool> {
    Ok(admin
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            &[&SCRATCH_DB],
        )
        .await?
        .is_some())
}

/// Create the (empty) scratch database; bench needs the CREATEDB privilege for it.
pub async fn create_scratch(admin: &Db) -> Result<()> {
    admin
        .utility(&format!("CREATE DATABASE {SCRATCH_DB}"))
        .await
        .map_err(|e| {
            failed(format!(
                "cannot create the scratch database {SCRATCH_DB} (bench needs the CREATEDB privilege): {}",
                e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
            ))
        })
}

/// Drop the scratch database, ending the sessions still in it.
pub async fn drop_scratch(admin: &Db) -> Result<()> {
    admin
        .utility(&format!(
            "DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"
        ))
        .await
        .context("cannot drop the scratch database")
}

/// Apply the whole schema to the (empty) scratch database, as `migrate up` would.
pub async fn apply_schema(client: &mut Db, out: &Output) -> Result<()> {
    for file in crate::db::migrations::catalog() {
        crate::db::migrations::apply_up(client, &file, out)
            .await
            .context("cannot apply the schema to the scratch database")?;
    }
    Ok(())
}

/// Fill the freshly migrated scratch database: `rows` tasks whose odd ids form the update pool
/// (each client toggles its own slice) and all of which can be claimed, one in ten depending
/// on its predecessor (so "ready" means something), and the integration that `log_api_call`
/// counts against.
pub async fn seed(client: &Db, rows: u64) -> Result<()> {
    client
        .batch_execute(&format!(
            "INSERT INTO tasks (title, priority, tags) \
               SELECT 'bench task ' || i, (i * 7) % 11, \
                      CASE WHEN i % 2 = 1 THEN ARRAY['bench-update'] ELSE ARRAY['bench-claim'] END \
               FROM generate_series(1, {rows}) AS i;
             INSERT INTO task_dependencies (task_id, depends_on_task_id) \
               SELECT t.id, p.id FROM tasks t JOIN tasks p ON p.short_id = t.short_id - 1 \
               WHERE t.short_id % 10 = 0;
             INSERT INTO external_integrations (integration_type, integration_name, rate_limit_per_minute) \
               VALUES ('webhook', 'bench', 10000);"
        ))
        .await
        .context("cannot seed the scratch database")?;
    // A statement of its own: VACUUM cannot run in the implicit transaction of a batch.
    client
        .utility("VACUUM ANALYZE")
        .await
        .context("cannot vacuum the scratch database")
}

/// The minimal queue's table: a bare `FOR UPDATE SKIP LOCKED` job queue with no triggers and
/// one partial index over the pending rows, in the order claims take them.
pub const ANCHOR_TABLE: &str = "bench_queue";

/// The minimal queue's claim (`$1` = the claimant): lock the first pending row nobody else
/// holds and take it, in one statement. No row updated = nothing to claim.
pub const ANCHOR_CLAIM_SQL: &str =
    "UPDATE bench_queue q SET status = 'in_progress', assigned = $1::text \
     FROM (SELECT id FROM bench_queue WHERE status = 'pending' \
           ORDER BY priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED) c \
     WHERE q.id = c.id";

/// Create the minimal queue (replacing one left by an earlier attempt) with `rows` pending rows
/// whose priorities are spread as the seeded tasks' are, then VACUUM ANALYZE it as the tasks
/// are. Autovacuum is off for it: it must not start working on the claimed rows' dead tuples
/// while the next phase is measured.
pub async fn create_anchor(client: &Db, rows: u64) -> Result<()> {
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {ANCHOR_TABLE};
             CREATE TABLE {ANCHOR_TABLE} (
               id bigserial PRIMARY KEY,
               status text NOT NULL DEFAULT 'pending',
               priority int NOT NULL,
               assigned text
             ) WITH (autovacuum_enabled = false);
             CREATE INDEX {ANCHOR_TABLE}_pending ON {ANCHOR_TABLE} (priority DESC, id) \
               WHERE status = 'pending';
             INSERT INTO {ANCHOR_TABLE} (priority) \
               SELECT (i * 7) % 11 FROM generate_series(1, {rows}) AS i;"
        ))
        .await
        .context("cannot create the minimal queue")?;
    client
        .utility(&format!("VACUUM ANALYZE {ANCHOR_TABLE}"))
        .await
        .context("cannot vacuum the minimal queue")
}

/// Drop the minimal queue once its phase is over, so that nothing of it (its dead rows, a
/// vacuum of them) is left while taskdb's own claim is measured.
pub async fn drop_anchor(client: &Db) -> Result<()> {
    client
        .batch_execute(&format!("DROP TABLE IF EXISTS {ANCHOR_TABLE}"))
        .await
        .context("cannot drop the minimal queue")
}

/// The server's version (`SHOW server_version`), for the report.
pub async fn server_version(client: &Db) -> Result<String> {
    Ok(client.query_one("SHOW server_version", &[]).await?.get(0))
}

// ---------------------------------------------------------------------------------------------
// The worker workload: a worker's three statements per task, the producer's, and the pause
// between its two phases.

/// The server's clock now, in microseconds since the epoch: `clock_timestamp()` (the moment the
/// expression is evaluated), not `now()` (the start of the transaction).
const SERVER_NOW_US: &str = "(extract(epoch FROM clock_timestamp()) * 1000000)::int8";

/// The tag of the tasks the producer creates during the worker workload's claim-to-start phase.
pub const PRODUCED_TAG: &str = "bench-produced";

/// A worker's statements: the claim (`taskdb worker`'s, with the moment it took the row
/// added), the heartbeat and the end of the attempt, each run on its own (one statement, one
/// transaction), as `taskdb worker` runs them.
pub struct WorkerStatements {
    claim: String,
    heartbeat: String,
    finish: String,
}

/// Why one of the worker's steps failed: the database, or a row that does not read as a task.
#[derive(Debug)]
pub enum StepError {
    Db(tokio_postgres::Error),
    Row(String),
}

impl From<tokio_postgres::Error> for StepError {
    fn from(e: tokio_postgres::Error) -> Self {
        StepError::Db(e)
    }
}

/// The task a worker's step returned, read as `taskdb worker` reads it.
fn task_of(row: &tokio_postgres::Row) -> Result<Task, StepError> {
    Task::from_row(row).map_err(|e| match e.downcast::<tokio_postgres::Error>() {
        Ok(db) => StepError::Db(db),
        Err(other) => StepError::Row(format!("{other:#}")),
    })
}

impl Default for WorkerStatements {
    fn default() -> Self {
        WorkerStatements::new()
    }
}

impl WorkerStatements {
    pub fn new() -> Self {
        WorkerStatements {
            claim: format!(
                "SELECT {TASK_COLUMNS}, {SERVER_NOW_US} AS claimed_us FROM {CLAIM_FROM} \
                 ORDER BY {NEXT_ORDER}"
            ),
            heartbeat: format!("SELECT {TASK_COLUMNS} FROM {HEARTBEAT_FROM} t"),
            finish: format!("SELECT {TASK_COLUMNS} FROM {FINISH_FROM} t"),
        }
    }

    /// Claim one task for `holder` with a lease of `lease` (no tag, no type): the task and
    /// when the claim took it (the server's clock, µs since the epoch, before the commit), or
    /// None when nothing is claimable.
    pub async fn claim(
        &self,
        db: &Db,
        holder: &str,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Option<(Task, i64)>, StepError> {
        let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let row = db
            .query_opt(
                &self.claim,
                &[
                    &holder,
                    &Some(lease.as_secs_f64()),
                    &None::<&str>,
                    &1i32,
                    &max_attempts,
                    &None::<&str>,
                ],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let claimed_us: i64 = row.try_get("claimed_us")?;
        Ok(Some((task_of(&row)?, claimed_us)))
    }

    /// Extend `holder`'s lease on `task` by `extend`, fenced by the claim's attempt.
    pub async fn heartbeat(
        &self,
        db: &Db,
        task: &Task,
        holder: &str,
        extend: Duration,
    ) -> Result<Task, StepError> {
        let row = db
            .query_one(
                &self.heartbeat,
                &[
                    &task.id,
                    &holder,
                    &extend.as_secs_f64(),
                    &Some(task.attempts),
                ],
            )
            .await?;
        task_of(&row)
    }

    /// End `holder`'s attempt on `task` as `end` says (completed, with its completion context).
    pub async fn finish(
        &self,
        db: &Db,
        task: &Task,
        end: &AttemptEnd<'_>,
    ) -> Result<Task, StepError> {
        let max_attempts = i32::try_from(end.max_attempts).unwrap_or(i32::MAX);
        let row = db
            .query_one(
                &self.finish,
                &[
                    &task.id,
                    &end.holder,
                    &end.attempt,
                    &end.succeeded,
                    &end.note,
                    &end.details,
                    &max_attempts,
                ],
            )
            .await?;
        task_of(&row)
    }
}

/// The producer's statement (`$1` = its running number): create a claimable task (tag
/// [`PRODUCED_TAG`]) with `create_task`, and return its short id and the moment the insert was
/// done (the server's clock, µs since the epoch, just before the commit that makes it
/// claimable).
pub fn produce_sql() -> String {
    format!(
        "SELECT t.short_id, {SERVER_NOW_US} AS created_us \
           FROM create_task(p_title => 'bench produced ' || $1::bigint, p_priority => 5, \
                            p_tags => ARRAY['{PRODUCED_TAG}']::text[]) t"
    )
}

/// Park what is left of the seed (pending tasks become `deferred`, so none is claimable) and
/// VACUUM ANALYZE the scratch database: the claim-to-start phase then starts with idle workers
/// and the first phase's dead rows gone.
pub async fn park_seed(client: &Db) -> Result<()> {
    client
        .batch_execute("UPDATE tasks SET status = 'deferred' WHERE status = 'pending'")
        .await
        .context("cannot park the seeded tasks")?;
    client
        .utility("VACUUM ANALYZE")
        .await
        .context("cannot vacuum the scratch database")
}
