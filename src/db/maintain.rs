//! The statements of `taskdb maintain`: its advisory lock, the monthly partitions ahead,
//! retention through the schema's `cleanup_old_data()`, the recount of wrong open-blocker
//! counts, and ANALYZE of taskdb's tables. Each step is one function; the command decides the
//! order and renders what they return.

use anyhow::{Context as _, Result};
use serde::Serialize;
use tokio_postgres::Client;

/// Session advisory lock key of `taskdb maintain` ("taskdbmt").
const LOCK_KEY: i64 = 0x7461_736b_6462_6d74;

/// The partitioned log tables whose monthly partitions are created ahead.
const PARTITIONED: [&str; 2] = ["system_metrics", "api_access_logs"];

/// Take the maintain lock: wait for it (`wait`) or try once. True when this session holds it.
pub async fn lock(client: &Client, wait: bool) -> Result<bool> {
    if wait {
        client
            .execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?;
        Ok(true)
    } else {
        Ok(client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?
            .get(0))
    }
}

/// Release the maintain lock (best effort: the session's end releases it too).
pub async fn unlock(client: &Client) {
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
        .await;
}

/// Make sure the partitioned log tables have their partitions up to `months_ahead` months after
/// the current one; returns the partitions created.
pub async fn ensure_partitions(client: &Client, months_ahead: u32) -> Result<Vec<String>> {
    let months_ahead = i32::try_from(months_ahead).unwrap_or(i32::MAX);
    let mut created = Vec::new();
    for table in PARTITIONED {
        let rows = client
            .query(
                "SELECT ensure_monthly_partitions($1::text::regclass, $2)",
                &[&table, &months_ahead],
            )
            .await
            .with_context(|| format!("cannot create the partitions of {table}"))?;
        created.extend(rows.iter().map(|r| r.get::<_, String>(0)));
    }
    Ok(created)
}

/// Days of each log table to keep; 0 keeps everything.
#[derive(Debug, Clone, Copy)]
pub struct RetentionDays {
    pub audit_log: u32,
    pub system_metrics: u32,
    pub api_access_logs: u32,
}

/// What retention removed from one table.
#[derive(Debug, Serialize)]
pub struct Retention {
    pub table: String,
    pub keep_days: u32,
    pub rows_removed: i64,
    pub partitions_dropped: Vec<String>,
}

/// Apply retention in one transaction through the schema's `cleanup_old_data()`. The rows are
/// counted first so that rows in dropped partitions are reported too. Tables kept whole (0
/// days) are not reported.
pub async fn apply_retention(client: &Client, days: RetentionDays) -> Result<Vec<Retention>> {
    in_transaction(
        client,
        retention_in_transaction(client, days),
        "cannot commit the retention",
        "retention failed (nothing was removed)",
    )
    .await
}

/// BEGIN, then `work`: COMMIT when it succeeds (`commit_failed` is the error if that fails),
/// ROLLBACK when it does not (with `failed` as the error's context).
async fn in_transaction<T>(
    client: &Client,
    work: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    commit_failed: &'static str,
    failed: &'static str,
) -> Result<T> {
    client.batch_execute("BEGIN").await?;
    match work.await {
        Ok(done) => {
            client
                .batch_execute("COMMIT")
                .await
                .context(commit_failed)?;
            Ok(done)
        }
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(anyhow::Error::new(e).context(failed))
        }
    }
}

async fn retention_in_transaction(
    client: &Client,
    days: RetentionDays,
) -> Result<Vec<Retention>, tokio_postgres::Error> {
    let as_param = |d: u32| i32::try_from(d).unwrap_or(i32::MAX);
    let mut counts = Vec::new();
    for (table, column, keep) in [
        ("audit_log", "occurred_at", days.audit_log),
        ("system_metrics", "recorded_at", days.system_metrics),
        ("api_access_logs", "occurred_at", days.api_access_logs),
    ] {
        if keep == 0 {
            continue;
        }
        // Table and column names are taskdb's constants, not input.
        let sql = format!(
            "SELECT count(*)::int8 FROM {table} WHERE {column} < now() - make_interval(days => $1)"
        );
        let n: i64 = client.query_one(&sql, &[&as_param(keep)]).await?.get(0);
        counts.push((table, keep, n));
    }
    // NULL keeps a table whole.
    let param = |d: u32| (d > 0).then(|| as_param(d));
    let rows = client
        .query(
            "SELECT table_name, deleted_rows, dropped_partitions FROM cleanup_old_data($1, $2, $3)",
            &[
                &param(days.audit_log),
                &param(days.system_metrics),
                &param(days.api_access_logs),
            ],
        )
        .await?;
    Ok(counts
        .into_iter()
        .map(|(table, keep, n)| Retention {
            table: table.to_string(),
            keep_days: keep,
            rows_removed: n,
            partitions_dropped: rows
                .iter()
                .find(|r| r.get::<_, String>(0) == table)
                .map(|r| r.get(2))
                .unwrap_or_default(),
        })
        .collect())
}

/// The open-blocker counts are derived data kept by triggers; a client writing the column
/// itself (or triggers disabled for a bulk load) can leave one wrong, and a wrong count hides a
/// ready task or offers a blocked one. Recount those under the graph lock, in one transaction;
/// returns the short ids of the tasks whose count was wrong.
pub async fn recount_open_blockers(client: &Client) -> Result<Vec<i64>> {
    let recount = async {
        client
            .execute("SELECT lock_task_graph('dependencies')", &[])
            .await?;
        // The schema's own recount: it rewrites, and returns, only the wrong ones.
        let rows = client
            .query(
                "SELECT t.short_id FROM refresh_open_blockers(ARRAY(SELECT id FROM tasks)) AS r(id) \
                   JOIN tasks t ON t.id = r.id ORDER BY 1",
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
    };
    in_transaction(
        client,
        recount,
        "cannot commit the recount",
        "recounting open blockers failed",
    )
    .await
}

/// What ANALYZE did: the tables analyzed, and those skipped because the connected role does
/// not own them (ANALYZE needs the table's or the database's owner; it only warns otherwise).
#[derive(Debug, Default, Serialize)]
pub struct Analyzed {
    pub analyzed: Vec<String>,
    pub not_owned: Vec<String>,
}

/// ANALYZE taskdb's tables: the ordinary and partitioned tables of the schema taskdb lives in
/// (partitions are analyzed through their parent) that the connected role owns, directly or
/// through a role it belongs to, or as the database's owner; the others are skipped (an
/// operator role owns nothing: autovacuum analyzes them).
pub async fn analyze_tables(client: &Client) -> Result<Analyzed> {
    let rows = client
        .query(
            "SELECT c.relname::text, \
                    pg_has_role(current_user, c.relowner, 'USAGE') \
                    OR pg_has_role(current_user, (SELECT d.datdba FROM pg_database d \
                                                   WHERE d.datname = current_database()), 'USAGE') \
             FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace
               AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             ORDER BY 1",
            &[],
        )
        .await?;
    let mut done = Analyzed::default();
    for row in &rows {
        let table: String = row.get(0);
        if !row.get::<_, bool>(1) {
            done.not_owned.push(table);
            continue;
        }
        let sql = format!(
            "ANALYZE {}",
            postgres_protocol::escape::escape_identifier(&table)
        );
        client
            .batch_execute(&sql)
            .await
            .with_context(|| format!("cannot ANALYZE {table}"))?;
        done.analyzed.push(table);
    }
    Ok(done)
}
