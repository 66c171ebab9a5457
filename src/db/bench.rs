//! The scratch database `taskdb bench` works in: finding one left by an earlier run, creating
//! it, giving it the schema and the seed rows, and dropping it. The operations the bench runs
//! in it are `crate::bench`'s.

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
               VALUES ('webhook', 'bench', 10000);
             ANALYZE;"
        ))
        .await
        .context("cannot seed the scratch database")
}

/// The server's version (`SHOW server_version`), for the report.
pub async fn server_version(client: &Client) -> Result<String> {
    Ok(client.query_one("SHOW server_version", &[]).await?.get(0))
}
