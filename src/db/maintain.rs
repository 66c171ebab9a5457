//! The statements of `taskdb maintain`: its advisory lock, the monthly partitions ahead,
//! retention through the schema's `cleanup_old_data()`, the recount of wrong open-blocker
//! counts, and ANALYZE of taskdb's tables. Each step is one function; the command decides the
//! order and renders what they return.

use anyhow::{Context as _, Result};
use serde::Serialize;

use crate::db::tasks::Task;
use crate::db::{Db, Tx};

/// Advisory lock key of `taskdb maintain` ("taskdbmt"), taken by each of its transactions.
const LOCK_KEY: i64 = 0x7461_736b_6462_6d74;

/// The partitioned log tables whose monthly partitions are created ahead.
const PARTITIONED: [&str; 2] = ["system_metrics", "api_access_logs"];

/// Take the maintain lock in `tx` until it ends (a transaction lock: it holds through a
/// transaction pooler, where a session lock would stay on a server connection that other
/// clients get next). `wait`: wait for it, else try once. True when this transaction holds it.
pub async fn lock(tx: &Tx<'_>, wait: bool) -> Result<bool> {
    if wait {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?;
        Ok(true)
    } else {
        Ok(tx
            .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?
            .get(0))
    }
}

/// Whether no other run holds the maintain lock (`wait`: once it is free): a transaction
/// that only takes it.
pub async fn lock_free(db: &mut Db, wait: bool) -> Result<bool> {
    let tx = db.transaction();
    let free = lock(&tx, wait).await?;
    tx.commit().await.context("cannot take the maintain lock")?;
    Ok(free)
}

/// Make sure the partitioned log tables have their partitions up to `months_ahead` months after
/// the current one, under the maintain lock; returns the partitions created.
pub async fn ensure_partitions(db: &mut Db, months_ahead: u32) -> Result<Vec<String>> {
    let months_ahead = i32::try_from(months_ahead).unwrap_or(i32::MAX);
    let tx = db.transaction();
    lock(&tx, true).await?;
    let mut created = Vec::new();
    for table in PARTITIONED {
        let rows = tx
            .query(
                "SELECT ensure_monthly_partitions($1::text::regclass, $2)",
                &[&table, &months_ahead],
            )
            .await
            .with_context(|| format!("cannot create the partitions of {table}"))?;
        created.extend(rows.iter().map(|r| r.get::<_, String>(0)));
    }
    tx.commit()
        .await
        .context("cannot commit the new partitions")?;
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

/// Apply retention in one transaction under the maintain lock, through the schema's
/// `cleanup_old_data()`. The rows are counted first so that rows in dropped partitions are
/// reported too. Tables kept whole (0 days) are not reported.
pub async fn apply_retention(db: &mut Db, days: RetentionDays) -> Result<Vec<Retention>> {
    let tx = db.transaction();
    lock(&tx, true).await?;
    let done = retention_in_transaction(&tx, days)
        .await
        .context("retention failed (nothing was removed)")?;
    tx.commit().await.context("cannot commit the retention")?;
    Ok(done)
}

async fn retention_in_transaction(
    client: &Tx<'_>,
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
/// ready task or offers a blocked one. Recount those under the graph lock, in one transaction
/// (under the maintain lock); returns the short ids of the tasks whose count was wrong.
pub async fn recount_open_blockers(db: &mut Db) -> Result<Vec<i64>> {
    let tx = db.transaction();
    lock(&tx, true).await?;
    let recount = async {
        tx.execute("SELECT lock_task_graph('dependencies')", &[])
            .await?;
        // The schema's own recount: it rewrites, and returns, only the wrong ones.
        tx.query(
            "SELECT t.short_id FROM refresh_open_blockers(ARRAY(SELECT id FROM tasks)) AS r(id) \
               JOIN tasks t ON t.id = r.id ORDER BY 1",
            &[],
        )
        .await
    };
    let rows = recount.await.context("recounting open blockers failed")?;
    tx.commit().await.context("cannot commit the recount")?;
    Ok(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
}

/// Hand back the tasks whose lease expired (or give them up after `max_attempts`), under the
/// maintain lock.
pub async fn expire_leases(db: &mut Db, max_attempts: u32) -> Result<Vec<Task>> {
    let tx = db.transaction();
    lock(&tx, true).await?;
    let expired = crate::db::tasks::expire(&tx, max_attempts).await?;
    tx.commit().await.map_err(crate::db::db_error)?;
    Ok(expired)
}

/// What ANALYZE did: the tables analyzed, and those skipped because the connected role does
/// not own them (ANALYZE needs the table's or the database's owner; it only warns otherwise).
#[derive(Debug, Default, Serialize)]
pub struct Analyzed {
    pub analyzed: Vec<String>,
    pub not_owned: Vec<String>,
}

/// ANALYZE taskdb's tables in one transaction under the maintain lock: the ordinary and partitioned tables of the schema taskdb lives in
/// (partitions are analyzed through their parent) that the connected role owns, directly or
/// through a role it belongs to, or as the database's owner; the others are skipped (an
/// operator role owns nothing: autovacuum analyzes them).
pub async fn analyze_tables(db: &mut Db) -> Result<Analyzed> {
    let tx = db.transaction();
    lock(&tx, true).await?;
    let rows = tx
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
        tx.batch_execute(&sql)
            .await
            .with_context(|| format!("cannot ANALYZE {table}"))?;
        done.analyzed.push(table);
    }
    tx.commit().await.context("cannot commit the ANALYZE")?;
    Ok(done)
}
