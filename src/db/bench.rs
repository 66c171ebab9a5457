//! The scratch database `taskdb bench` works in: finding one left by an earlier run, creating
//! it, giving it the schema and the seed rows, and dropping it; and the minimal queue (the
//! anchor `claim` is measured against) that lives in it for one phase. The operations the
//! bench runs in it are `crate::bench`'s.

use anyhow::{Context as _, Result};
use tokio_postgres::Client;

use crate::exit::failed;
use crate::output::Output;

/// The scratch database every run uses; its existence marks a crashed or `--keep` run.
pub const SCRATCH_DB: &str = "taskdb_bench_scratch";

/// A scratch database exists on the server `admin` is connected to.
pub async fn scratch_exists(admin: &Client) -> Result<bool> {
    Ok(admin
        .query_opt(
            "SELECT 1 FROM pg_database WHERE datname = $1",
            &[&SCRATCH_DB],
        )
        .await?
        .is_some())
}

/// Create the (empty) scratch database; bench needs the CREATEDB privilege for it.
pub async fn create_scratch(admin: &Client) -> Result<()> {
    admin
        .batch_execute(&format!("CREATE DATABASE {SCRATCH_DB}"))
        .await
        .map_err(|e| {
            failed(format!(
                "cannot create the scratch database {SCRATCH_DB} (bench needs the CREATEDB privilege): {}",
                e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
            ))
        })
}

/// Drop the scratch database, ending the sessions still in it.
pub async fn drop_scratch(admin: &Client) -> Result<()> {
    admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"
        ))
        .await
        .context("cannot drop the scratch database")
}

/// Apply the whole schema to the (empty) scratch database, as `migrate up` would.
pub async fn apply_schema(client: &mut Client, out: &Output) -> Result<()> {
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
pub async fn seed(client: &Client, rows: u64) -> Result<()> {
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
        .batch_execute("VACUUM ANALYZE")
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
pub async fn create_anchor(client: &Client, rows: u64) -> Result<()> {
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
        .batch_execute(&format!("VACUUM ANALYZE {ANCHOR_TABLE}"))
        .await
        .context("cannot vacuum the minimal queue")
}

/// Drop the minimal queue once its phase is over, so that nothing of it (its dead rows, a
/// vacuum of them) is left while taskdb's own claim is measured.
pub async fn drop_anchor(client: &Client) -> Result<()> {
    client
        .batch_execute(&format!("DROP TABLE IF EXISTS {ANCHOR_TABLE}"))
        .await
        .context("cannot drop the minimal queue")
}

/// The server's version (`SHOW server_version`), for the report.
pub async fn server_version(client: &Client) -> Result<String> {
    Ok(client.query_one("SHOW server_version", &[]).await?.get(0))
}
