//! What `health --record` writes to `system_metrics` (component "health"), and the earlier
//! values some probes read back from there to judge a recent window instead of lifetime totals.

use anyhow::Result;

use super::ProbeCtx;
use crate::db::Db;
use crate::health::ProbeResult;

/// (seconds ago, value) of the newest `health --record` sample `name` (within a day), if any.
pub(super) async fn previous_recorded(p: &ProbeCtx<'_>, name: &str) -> Option<(f64, f64)> {
    recorded_within_a_day(p, name, true).await
}

/// (seconds ago, value) of the oldest `health --record` sample `name` within the last day: the
/// start of a window of up to a day, for counters that move too slowly to judge between two
/// runs a minute apart (checkpoints).
pub(super) async fn oldest_recorded(p: &ProbeCtx<'_>, name: &str) -> Option<(f64, f64)> {
    recorded_within_a_day(p, name, false).await
}

/// The newest (or oldest) sample `name` of the last day; any failure (no schema, no such rows)
/// is None. The two statements differ only in their order.
async fn recorded_within_a_day(p: &ProbeCtx<'_>, name: &str, newest: bool) -> Option<(f64, f64)> {
    let sql = if newest {
        "SELECT extract(epoch FROM now() - recorded_at)::float8, metric_value
         FROM system_metrics
         WHERE component = 'health' AND metric_name = $1
           AND recorded_at > now() - interval '1 day'
         ORDER BY recorded_at DESC LIMIT 1"
    } else {
        "SELECT extract(epoch FROM now() - recorded_at)::float8, metric_value
         FROM system_metrics
         WHERE component = 'health' AND metric_name = $1
           AND recorded_at > now() - interval '1 day'
         ORDER BY recorded_at LIMIT 1"
    };
    let rows = p.client.query(sql, &[&name]).await.ok()?;
    rows.first().map(|r| (r.get(0), r.get(1)))
}

/// (seconds ago, value) of the newest `health --record` sample `name` whose label `key` is
/// `value` (within 30 days), if any; any failure (no schema, no such rows) is None. The
/// `patroni` probe reads its last timeline so.
pub async fn last_recorded(client: &Db, name: &str, key: &str, value: &str) -> Option<(f64, f64)> {
    let rows = client
        .query(
            "SELECT extract(epoch FROM now() - recorded_at)::float8, metric_value
             FROM system_metrics
             WHERE component = 'health' AND metric_name = $1 AND tags->>$2 = $3
               AND recorded_at > now() - interval '30 days'
             ORDER BY recorded_at DESC LIMIT 1",
            &[&name, &key, &value],
        )
        .await
        .ok()?;
    rows.first().map(|r| (r.get(0), r.get(1)))
}

/// The block counters the last `health --record` stored for this database (within a day).
/// Any failure (no schema, no such rows) just means "no window".
pub(super) async fn previous_block_counters(
    p: &ProbeCtx<'_>,
) -> Option<(chrono::DateTime<chrono::Utc>, f64, f64)> {
    let rows = p
        .client
        .query(
            "SELECT recorded_at,
                    max(metric_value) FILTER (WHERE metric_name = 'pg_blocks_hit_total'),
                    max(metric_value) FILTER (WHERE metric_name = 'pg_blocks_read_total')
             FROM system_metrics
             WHERE component = 'health'
               AND metric_name IN ('pg_blocks_hit_total', 'pg_blocks_read_total')
               AND tags->>'datname' = current_database()
               AND recorded_at > now() - interval '1 day'
             GROUP BY recorded_at ORDER BY recorded_at DESC LIMIT 1",
            &[],
        )
        .await
        .ok()?;
    let row = rows.first()?;
    Some((
        row.get(0),
        row.get::<_, Option<f64>>(1)?,
        row.get::<_, Option<f64>>(2)?,
    ))
}

/// Every sample of every probe, and each probe's state, in one INSERT (unnest of parallel
/// arrays). Returns the number of rows stored.
pub async fn record(client: &Db, results: &[ProbeResult]) -> Result<u64> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut units = Vec::new();
    let mut types = Vec::new();
    let mut tags = Vec::new();
    for r in results {
        for s in &r.samples {
            if !s.value.is_finite() {
                continue;
            }
            let mut t = serde_json::Map::new();
            t.insert("probe".into(), r.name.into());
            for (k, v) in &s.labels {
                t.insert((*k).into(), v.clone().into());
            }
            names.push(s.name.to_string());
            values.push(s.value);
            units.push(s.unit.metric_unit().map(str::to_string));
            types.push(s.kind().to_string());
            tags.push(serde_json::Value::Object(t).to_string());
        }
        names.push(format!("probe_state.{}", r.name));
        values.push(f64::from(r.state.code()));
        units.push(Some("count".to_string()));
        types.push("gauge".to_string());
        tags.push(serde_json::json!({"probe": r.name, "state": r.state.name()}).to_string());
    }
    let n = client
        .execute(
            "INSERT INTO system_metrics (metric_name, metric_value, component, metric_type, metric_unit, tags, source_system)
             SELECT n, v, 'health', k, u, t::jsonb, 'taskdb'
             FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[]) AS x(n, v, u, t, k)",
            &[&names, &values, &units, &tags, &types],
        )
        .await?;
    Ok(n)
}
