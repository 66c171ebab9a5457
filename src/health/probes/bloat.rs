//! The `bloat` probe: how much of the tables and B-tree indexes of at least 8 MiB is wasted
//! space. Estimated from the planner's statistics like check_postgres and the widely used
//! ioguix queries do (row count × average row width, with header, alignment and fillfactor,
//! against the relation's pages) — cheap, but only as good as the last ANALYZE; measured with
//! `pgstattuple` when that extension is installed in the database and the role may use it
//! (it reads the relations: this probe runs only when named with `--check`).

use serde_json::json;

use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_bytes;

/// Relations smaller than this are not judged: a small table's "bloat" costs nothing.
const MIN_BYTES: i64 = 8 * 1024 * 1024;
/// At most this many of the largest relations are measured with pgstattuple.
const MAX_EXACT: usize = 10;

/// One relation's wasted space.
#[derive(Debug, Clone)]
struct Waste {
    schema: String,
    name: String,
    /// "table" or "index"
    kind: String,
    bytes: f64,
    wasted: f64,
    /// "estimate" or "pgstattuple"
    method: &'static str,
}

impl Waste {
    fn ratio(&self) -> f64 {
        if self.bytes > 0.0 {
            (self.wasted / self.bytes).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Round `n` up to a multiple of 8 (MAXALIGN on 64-bit platforms).
fn maxalign(n: f64) -> f64 {
    (n / 8.0).ceil() * 8.0
}

/// What a relation should take: rows × (tuple header + aligned data + line pointer) over the
/// usable part of each page at its fillfactor.
fn expected_bytes(row: &EstimateRow) -> f64 {
    let bs = row.block_size;
    let (header, page_overhead) = if row.kind == "index" {
        // IndexTupleData (8) and, with nulls, its null bitmap; page header and B-tree special.
        (8.0 + if row.nulls { 4.0 } else { 0.0 }, 24.0 + 16.0)
    } else {
        // HeapTupleHeader (23) and, with nulls, one bit per column.
        (
            23.0 + if row.nulls {
                (row.columns as f64 / 8.0).ceil()
            } else {
                0.0
            },
            24.0,
        )
    };
    let tuple = maxalign(header) + maxalign(row.data_width) + 4.0;
    let usable = (bs - page_overhead) * row.fillfactor / 100.0;
    // B-tree indexes also have their meta page.
    let extra_pages = if row.kind == "index" { 1.0 } else { 0.0 };
    ((row.tuples * tuple / usable).ceil() + extra_pages).max(1.0) * bs
}

struct EstimateRow {
    schema: String,
    name: String,
    kind: String,
    bytes: f64,
    tuples: f64,
    data_width: f64,
    columns: i64,
    nulls: bool,
    fillfactor: f64,
    block_size: f64,
}

/// Tables (and materialized views) and valid B-tree indexes on plain columns of at least
/// MIN_BYTES, with their statistics; a relation whose columns are not all analyzed (or not all
/// visible to this role in pg_stats) has no estimate: `NULL` data width.
const ESTIMATE_SQL: &str = "
WITH rel AS (
  SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind,
         c.reltuples::float8 AS tuples, c.relpages::int8 * current_setting('block_size')::int8 AS bytes,
         (SELECT substring(o FROM 'fillfactor=([0-9]+)')::float8
          FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%') AS ff
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'm', 'i')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    AND c.relpages::int8 * current_setting('block_size')::int8 >= $1
), cols AS (
  SELECT r.oid, a.attname, t.schema AS tschema, t.name AS tname
  FROM rel r
  JOIN pg_index i ON i.indexrelid = r.oid AND i.indisvalid AND 0 <> ALL (i.indkey::int2[])
  JOIN pg_class ic ON ic.oid = r.oid JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
  JOIN LATERAL (SELECT n.nspname::text AS schema, c.relname::text AS name
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.oid = i.indrelid) t ON true
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
  WHERE r.relkind = 'i'
  UNION ALL
  SELECT r.oid, a.attname, r.schema, r.name
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE r.relkind IN ('r', 'm')
), width AS (
  SELECT k.oid, count(*) AS columns, count(s.attname) AS analyzed,
         sum((1 - s.null_frac) * s.avg_width)::float8 AS data, bool_or(s.null_frac > 0) AS nulls
  FROM cols k
  LEFT JOIN pg_stats s ON s.schemaname = k.tschema AND s.tablename = k.tname
                      AND s.attname = k.attname AND NOT s.inherited
  GROUP BY k.oid
)
SELECT r.schema, r.name, CASE WHEN r.relkind = 'i' THEN 'index' ELSE 'table' END,
       r.bytes::float8, r.tuples,
       CASE WHEN w.analyzed = w.columns AND r.tuples >= 0 THEN w.data END,
       w.columns::int8, COALESCE(w.nulls, false),
       COALESCE(r.ff, CASE WHEN r.relkind = 'i' THEN 90 ELSE 100 END),
       current_setting('block_size')::float8
FROM rel r JOIN width w USING (oid)
ORDER BY r.bytes DESC";

pub(super) async fn bloat(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let rows = p.client.query(ESTIMATE_SQL, &[&MIN_BYTES]).await?;
    let mut wastes = Vec::new();
    let mut unestimated = 0;
    for row in &rows {
        let Some(data_width) = row.get::<_, Option<f64>>(5) else {
            unestimated += 1;
            continue;
        };
        let e = EstimateRow {
            schema: row.get(0),
            name: row.get(1),
            kind: row.get(2),
            bytes: row.get(3),
            tuples: row.get(4),
            data_width,
            columns: row.get(6),
            nulls: row.get(7),
            fillfactor: row.get(8),
            block_size: row.get(9),
        };
        let wasted = (e.bytes - expected_bytes(&e)).max(0.0);
        wastes.push(Waste {
            schema: e.schema,
            name: e.name,
            kind: e.kind,
            bytes: e.bytes,
            wasted,
            method: "estimate",
        });
    }
    let exact = measure(p, &rows, &mut wastes).await;
    if exact.is_some() {
        // A relation pgstattuple measured no longer lacks an estimate.
        unestimated = rows.len().saturating_sub(wastes.len());
    }
    Ok(result(p, wastes, rows.len(), unestimated, exact))
}

/// With pgstattuple usable, measure the largest relations exactly, replacing their estimates.
/// None: the extension is not there (or not on the search path); Some(note) otherwise.
async fn measure(
    p: &ProbeCtx<'_>,
    rows: &[tokio_postgres::Row],
    wastes: &mut Vec<Waste>,
) -> Option<String> {
    let visible = p
        .client
        .query_one(
            "SELECT to_regprocedure('pgstattuple(regclass)') IS NOT NULL
                    AND to_regprocedure('pgstatindex(regclass)') IS NOT NULL",
            &[],
        )
        .await
        .ok()?
        .get::<_, bool>(0);
    if !visible {
        return None;
    }
    let mut measured = 0;
    let mut refused = None;
    for row in rows.iter().take(MAX_EXACT) {
        let (schema, name, kind): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let qualified = format!("{}.{}", quote(&schema), quote(&name));
        let sql = if kind == "index" {
            // Wasted: the free part of the leaf pages beyond the fillfactor's, and empty or
            // deleted pages.
            "SELECT index_size::float8,
                    ((leaf_pages * greatest(0, 1 - COALESCE(NULLIF(avg_leaf_density, 'NaN'), 90) / 90.0)
                      + empty_pages + deleted_pages) * current_setting('block_size')::int8)::float8
             FROM pgstatindex($1::text::regclass)"
        } else {
            "SELECT table_len::float8, (dead_tuple_len + free_space)::float8
             FROM pgstattuple($1::text::regclass)"
        };
        match p.client.query_one(sql, &[&qualified]).await {
            Ok(m) => {
                measured += 1;
                wastes.retain(|w| !(w.schema == schema && w.name == name && w.kind == kind));
                wastes.push(Waste {
                    schema,
                    name,
                    kind,
                    bytes: m.get(0),
                    wasted: m.get(1),
                    method: "pgstattuple",
                });
            }
            Err(e) => {
                refused.get_or_insert_with(|| super::from_error("bloat", &e).message);
            }
        }
    }
    Some(match refused {
        None => format!("{measured} largest measured with pgstattuple"),
        Some(why) => format!(
            "{measured} measured with pgstattuple, the rest estimated (pgstattuple {why}; \
             GRANT pg_stat_scan_tables TO {})",
            p.session.role
        ),
    })
}

/// An identifier quoted for `regclass` input.
fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn result(
    p: &ProbeCtx<'_>,
    mut wastes: Vec<Waste>,
    considered: usize,
    unestimated: usize,
    exact: Option<String>,
) -> ProbeResult {
    wastes.sort_by(|a, b| b.ratio().total_cmp(&a.ratio()));
    let mut r = ProbeResult::new("bloat", Unit::Ratio);
    let worst = wastes.first().map(Waste::ratio).unwrap_or(0.0);
    r.value = Some(worst);
    judge(&mut r, p.t, "bloat", worst);
    let size_floor = format_bytes(MIN_BYTES as f64);
    r.message = match wastes.first() {
        Some(w) => format!(
            "worst: {} {}.{} with {:.0}% of {} wasted ({}, {}); {considered} relation(s) of at least {size_floor}",
            w.kind,
            w.schema,
            w.name,
            w.ratio() * 100.0,
            format_bytes(w.bytes),
            format_bytes(w.wasted),
            if w.method == "estimate" { "estimated" } else { "measured" },
        ),
        None if considered == 0 => format!("no table or index of at least {size_floor}"),
        None => String::new(),
    };
    if unestimated > 0 {
        if !r.message.is_empty() {
            r.message.push_str("; ");
        }
        r.message.push_str(&format!(
            "{unestimated} without statistics to estimate from (ANALYZE them)"
        ));
    }
    if let Some(note) = &exact {
        r.message.push_str(&format!("; {note}"));
    }
    if r.state != State::Ok {
        r.hint = Some(
            "tables: pg_repack (online) or VACUUM FULL (locks the table); indexes: REINDEX \
             INDEX CONCURRENTLY; then find why autovacuum falls behind"
                .into(),
        );
    }
    let sum = |kind: &str| -> f64 {
        wastes
            .iter()
            .filter(|w| w.kind == kind)
            .map(|w| w.wasted)
            .sum()
    };
    let top: Vec<serde_json::Value> = wastes
        .iter()
        .take(5)
        .map(|w| {
            json!({"schema": w.schema, "name": w.name, "kind": w.kind, "bytes": w.bytes,
                   "wasted_bytes": w.wasted, "ratio": w.ratio(), "method": w.method})
        })
        .collect();
    r.details = json!({"relations": top, "considered": considered, "unestimated": unestimated,
                       "min_bytes": MIN_BYTES, "pgstattuple": exact.is_some()});
    let db = &p.session.database;
    r.sample(
        "pg_bloat_ratio_max",
        "Worst wasted share of a table or index of at least 8 MiB",
        Unit::Ratio,
        vec![("datname", db.clone())],
        worst,
    );
    for kind in ["table", "index"] {
        r.sample(
            "pg_bloat_wasted_bytes",
            "Wasted bytes in the tables or indexes of at least 8 MiB",
            Unit::Bytes,
            vec![("datname", db.clone()), ("kind", kind.to_string())],
            sum(kind),
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, tuples: f64, width: f64, bytes: f64) -> EstimateRow {
        EstimateRow {
            schema: "public".into(),
            name: "t".into(),
            kind: kind.into(),
            bytes,
            tuples,
            data_width: width,
            columns: 2,
            nulls: false,
            fillfactor: if kind == "index" { 90.0 } else { 100.0 },
            block_size: 8192.0,
        }
    }

    #[test]
    fn expected_size_follows_rows_width_and_fillfactor() {
        // 100,000 rows of 105 bytes: 24 + 112 + 4 = 140 bytes each in 8168 usable bytes a page.
        let t = row("table", 100_000.0, 105.0, 0.0);
        assert_eq!(expected_bytes(&t), 1715.0 * 8192.0);
        // A tenth of the rows left in the same pages: about 90% wasted.
        let t = row("table", 10_000.0, 105.0, 1725.0 * 8192.0);
        let ratio = 1.0 - expected_bytes(&t) / t.bytes;
        assert!((ratio - 0.9).abs() < 0.01, "{ratio}");
        // An index of 100,000 int4 keys: 8 + 8 + 4 = 20 bytes in 90% of 8152 bytes, + meta.
        let i = row("index", 100_000.0, 4.0, 0.0);
        assert_eq!(expected_bytes(&i), (273.0 + 1.0) * 8192.0);
        // An empty relation still takes a page.
        assert_eq!(expected_bytes(&row("table", 0.0, 8.0, 0.0)), 8192.0);
    }
}
