//! Queries of `system_metrics` (and the retention of the partitioned log tables): recording
//! through the schema's `record_metric()`, raw and bucketed reads, and pruning that drops whole
//! monthly partitions where it can (`drop_monthly_partitions_before()`) and deletes rows otherwise.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::ToSql;

use crate::db::Db;

/// One stored sample.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    pub name: String,
    pub value: f64,
    pub metric_type: String,
    pub unit: Option<String>,
    pub component: Option<String>,
    pub tags: serde_json::Value,
}

/// The columns every sample query selects, in `Sample::from_row` order.
const SAMPLE_COLUMNS: &str =
    "id, recorded_at, metric_name, metric_value, metric_type, metric_unit, component, tags";

impl Sample {
    fn from_row(r: &tokio_postgres::Row) -> Sample {
        Sample {
            id: r.get(0),
            recorded_at: r.get(1),
            name: r.get(2),
            value: r.get(3),
            metric_type: r.get(4),
            unit: r.get(5),
            component: r.get(6),
            tags: r.get(7),
        }
    }
}

impl crate::output::Row for Sample {
    fn columns() -> &'static [&'static str] {
        &[
            "id",
            "recorded_at",
            "name",
            "value",
            "type",
            "unit",
            "component",
            "tags",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            crate::output::ts(Some(self.recorded_at)),
            self.name.clone(),
            self.value.to_string(),
            self.metric_type.clone(),
            self.unit.clone().unwrap_or_default(),
            self.component.clone().unwrap_or_default(),
            if self.tags.as_object().is_some_and(|o| o.is_empty()) {
                String::new()
            } else {
                self.tags.to_string()
            },
        ]
    }
}

/// One aggregated bucket of one metric.
#[derive(Debug, Clone, Serialize)]
pub struct Bucket {
    pub bucket_start: DateTime<Utc>,
    pub name: String,
    pub agg: &'static str,
    pub value: f64,
    pub samples: i64,
}

impl crate::output::Row for Bucket {
    fn columns() -> &'static [&'static str] {
        &["bucket_start", "name", "agg", "value", "samples"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            crate::output::ts(Some(self.bucket_start)),
            self.name.clone(),
            self.agg.to_string(),
            self.value.to_string(),
            self.samples.to_string(),
        ]
    }
}

/// Which samples to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub names: Vec<String>,
    pub component: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The WHERE clause shared by raw and bucketed reads ($1 names or NULL, $2 component, $3/$4 range).
const WHERE: &str = "($1::text[] IS NULL OR metric_name = ANY($1))
      AND ($2::text IS NULL OR component = $2)
      AND ($3::timestamptz IS NULL OR recorded_at >= $3)
      AND ($4::timestamptz IS NULL OR recorded_at < $4)";

/// Aggregates; the SQL is chosen from this fixed list, never built from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Agg {
    Avg,
    Min,
    Max,
    Sum,
    Count,
    P50,
    P95,
    P99,
}

impl Agg {
    pub fn name(self) -> &'static str {
        match self {
            Agg::Avg => "avg",
            Agg::Min => "min",
            Agg::Max => "max",
            Agg::Sum => "sum",
            Agg::Count => "count",
            Agg::P50 => "p50",
            Agg::P95 => "p95",
            Agg::P99 => "p99",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Agg::Avg => "avg(metric_value)",
            Agg::Min => "min(metric_value)",
            Agg::Max => "max(metric_value)",
            Agg::Sum => "sum(metric_value)",
            Agg::Count => "count(*)::float8",
            Agg::P50 => "percentile_cont(0.5) WITHIN GROUP (ORDER BY metric_value)",
            Agg::P95 => "percentile_cont(0.95) WITHIN GROUP (ORDER BY metric_value)",
            Agg::P99 => "percentile_cont(0.99) WITHIN GROUP (ORDER BY metric_value)",
        }
    }
}

fn names_param(f: &Filter) -> Option<Vec<String>> {
    (!f.names.is_empty()).then(|| f.names.clone())
}

/// Raw samples, oldest first; `limit + 1` rows are read to tell whether more follow.
pub async fn raw(
    client: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Sample>, bool), tokio_postgres::Error> {
    let names = names_param(f);
    let sql = format!(
        "SELECT {SAMPLE_COLUMNS} FROM system_metrics WHERE {WHERE}
         ORDER BY recorded_at, id LIMIT $5 OFFSET $6"
    );
    let fetch = limit + 1;
    let params: [&(dyn ToSql + Sync); 6] =
        [&names, &f.component, &f.since, &f.until, &fetch, &offset];
    let rows = client.query(&sql, &params).await?;
    let more = rows.len() as i64 > limit;
    let samples = rows
        .iter()
        .take(limit as usize)
        .map(Sample::from_row)
        .collect();
    Ok((samples, more))
}

/// Aggregates per time bucket (aligned to the Unix epoch, UTC) and metric name.
pub async fn bucketed(
    client: &Db,
    f: &Filter,
    bucket_seconds: f64,
    agg: Agg,
) -> Result<Vec<Bucket>, tokio_postgres::Error> {
    let names = names_param(f);
    let sql = format!(
        "SELECT to_timestamp(floor(extract(epoch FROM recorded_at) / $5::float8) * $5::float8) AS bucket,
                metric_name, ({})::float8, count(*)::int8
         FROM system_metrics WHERE {WHERE}
         GROUP BY 1, 2 ORDER BY 1, 2",
        agg.sql()
    );
    let params: [&(dyn ToSql + Sync); 5] =
        [&names, &f.component, &f.since, &f.until, &bucket_seconds];
    let rows = client.query(&sql, &params).await?;
    Ok(rows
        .iter()
        .map(|r| Bucket {
            bucket_start: r.get(0),
            name: r.get(1),
            agg: agg.name(),
            value: r.get(2),
            samples: r.get(3),
        })
        .collect())
}

/// Record one sample through the schema's `record_metric()`; returns the new id.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    client: &Db,
    name: &str,
    value: f64,
    component: Option<&str>,
    metric_type: &str,
    tags: &serde_json::Value,
    unit: Option<&str>,
) -> Result<i64, tokio_postgres::Error> {
    let row = client
        .query_one(
            "SELECT record_metric(p_name => $1, p_value => $2, p_component => $3, p_type => $4,
                                  p_tags => $5, p_unit => $6, p_source_system => 'taskdb')",
            &[&name, &value, &component, &metric_type, tags, &unit],
        )
        .await?;
    Ok(row.get(0))
}

/// What a prune removed (or would remove).
#[derive(Debug, Clone, Serialize)]
pub struct Pruned {
    pub table: String,
    pub cutoff: DateTime<Utc>,
    /// Rows older than the cutoff: those in dropped partitions plus those deleted.
    pub rows_removed: i64,
    pub partitions_dropped: Vec<String>,
}

/// Remove rows of a monthly-partitioned table older than `cutoff`: whole partitions first, then
/// the remaining rows. Runs in the caller's transaction (the caller commits or, for a dry run,
/// rolls back — which gives exact numbers without changing anything).
pub async fn prune_partitioned(
    client: &Db,
    table: &'static str,
    time_column: &'static str,
    cutoff: DateTime<Utc>,
) -> Result<Pruned, tokio_postgres::Error> {
    // `table` and `time_column` are compile-time constants of taskdb, not input.
    let count_sql = format!("SELECT count(*)::int8 FROM {table} WHERE {time_column} < $1");
    let rows: i64 = client.query_one(&count_sql, &[&cutoff]).await?.get(0);
    let dropped: Vec<String> = client
        .query(
            "SELECT drop_monthly_partitions_before($1::text::regclass, $2)",
            &[&table, &cutoff],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let delete_sql = format!("DELETE FROM {table} WHERE {time_column} < $1");
    client.execute(&delete_sql, &[&cutoff]).await?;
    Ok(Pruned {
        table: table.to_string(),
        cutoff,
        rows_removed: rows,
        partitions_dropped: dropped,
    })
}

/// `metrics prune`: [`prune_partitioned`] of `system_metrics` in a transaction of its own,
/// committed — or rolled back for a dry run, which still gives the exact numbers.
pub async fn prune_samples(
    db: &mut Db,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> anyhow::Result<Pruned> {
    let tx = db.transaction();
    let pruned = prune_partitioned(&tx, "system_metrics", "recorded_at", cutoff)
        .await
        .map_err(|e| anyhow::Error::new(e).context("cannot prune system_metrics"))?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(pruned)
}

/// The newest sample of each series (name, component, tags) in the filter's window.
pub async fn latest(client: &Db, f: &Filter) -> Result<Vec<Sample>, tokio_postgres::Error> {
    let names = names_param(f);
    let sql = format!(
        "SELECT DISTINCT ON (metric_name, component, tags) {SAMPLE_COLUMNS}
         FROM system_metrics WHERE {WHERE}
         ORDER BY metric_name, component, tags, recorded_at DESC, id DESC"
    );
    let params: [&(dyn ToSql + Sync); 4] = [&names, &f.component, &f.since, &f.until];
    let rows = client.query(&sql, &params).await?;
    Ok(rows.iter().map(Sample::from_row).collect())
}
