//! The probes about this database's objects: indexes left INVALID, and the sequence closest to
//! running out.

use serde_json::json;

use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_bytes;

pub(super) async fn invalid_indexes(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
    // An index being built concurrently right now is invalid until it finishes: not a finding.
    let rows = p
        .client
        .query(
            "SELECT n.nspname::text, c.relname::text, t.relname::text,
                    pg_relation_size(c.oid)::int8, i.indisunique
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indexrelid
             JOIN pg_class t ON t.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT i.indisvalid
               AND NOT EXISTS (
                 SELECT 1 FROM pg_stat_progress_create_index b
                 WHERE b.index_relid = i.indexrelid
                   AND b.datid = (SELECT oid FROM pg_database WHERE datname = current_database()))
             ORDER BY 1, 2",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("invalid_indexes", Unit::Count);
    let found: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            json!({"schema": row.get::<_, String>(0), "index": row.get::<_, String>(1),
                   "table": row.get::<_, String>(2), "bytes": row.get::<_, i64>(3),
                   "unique": row.get::<_, bool>(4)})
        })
        .collect();
    let n = found.len() as f64;
    r.value = Some(n);
    judge(&mut r, p.t, "invalid_indexes", n);
    r.message = if found.is_empty() {
        format!("no invalid index in {}", p.session.database)
    } else {
        let names: Vec<String> = found
            .iter()
            .take(5)
            .map(|f| {
                format!(
                    "{}.{} on {} ({})",
                    f["schema"].as_str().unwrap_or(""),
                    f["index"].as_str().unwrap_or(""),
                    f["table"].as_str().unwrap_or(""),
                    format_bytes(f["bytes"].as_f64().unwrap_or(0.0))
                )
            })
            .collect();
        let more = found.len().saturating_sub(names.len());
        format!(
            "{} invalid index(es), not used by queries but still updated by every write: {}{}",
            found.len(),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    if !found.is_empty() {
        r.hint = Some(
            "an interrupted or failed CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY left them: \
             DROP INDEX CONCURRENTLY it and build it again, or REINDEX INDEX CONCURRENTLY it \
             (a unique one fails again until the duplicates are gone)"
                .into(),
        );
    }
    r.details = json!({"indexes": found});
    r.sample(
        "pg_invalid_indexes",
        "Indexes marked INVALID in the database",
        Unit::Count,
        vec![("datname", p.session.database.clone())],
        n,
    );
    Ok(r)
}

/// How far a sequence has come towards the end of its range, where the column it feeds may
/// end it sooner than the sequence itself (a bigint sequence behind an integer column).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SequenceUse {
    /// Share of the usable range used, 0–1.
    pub ratio: f64,
    /// The value that ends it (the sequence's bound, or the column type's).
    pub limit: i64,
    /// nextval() calls left.
    pub calls_left: f64,
}

/// The range a column of this type can hold.
fn type_range(typ: Option<&str>) -> (i64, i64) {
    match typ {
        Some("smallint") => (i64::from(i16::MIN), i64::from(i16::MAX)),
        Some("integer") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    }
}

pub(super) fn sequence_use(
    last: i64,
    min: i64,
    max: i64,
    increment: i64,
    column_type: Option<&str>,
) -> SequenceUse {
    let (tmin, tmax) = type_range(column_type);
    let (start, limit) = if increment > 0 {
        (min, max.min(tmax))
    } else {
        (max, min.max(tmin))
    };
    // i128: the distance between two i64 overflows i64.
    let span = (i128::from(limit) - i128::from(start)).abs() as f64;
    let left = (i128::from(limit) - i128::from(last)) as f64 / increment as f64;
    let used = (i128::from(last) - i128::from(start)).abs() as f64;
    let ratio = if span > 0.0 {
        (used / span).clamp(0.0, 1.0)
    } else {
        1.0
    };
    SequenceUse {
        ratio,
        limit,
        calls_left: left.max(0.0).floor(),
    }
}

/// A sequence in use, and how far it has come.
struct Seq {
    schema: String,
    name: String,
    last: i64,
    column_type: Option<String>,
    /// `table.column` it is owned by (serial, identity, OWNED BY).
    column: Option<String>,
    used: SequenceUse,
}

/// The sequences in use, worst first, and how many this role may not read.
async fn read_sequences(p: &ProbeCtx<'_>) -> Result<(Vec<Seq>, usize), tokio_postgres::Error> {
    // Cycling sequences never run out. The column a sequence is owned by (serial, identity,
    // OWNED BY) may end it first. last_value is NULL before the first nextval() and for a
    // sequence this role may not read: those are counted apart.
    let rows = p
        .client
        .query(
            "SELECT s.schemaname::text, s.sequencename::text, s.last_value, s.min_value,
                    s.max_value, s.increment_by, col.typ, col.owner,
                    has_sequence_privilege(c.oid, 'SELECT,USAGE')
             FROM pg_sequences s
             JOIN pg_namespace n ON n.nspname = s.schemaname
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.sequencename
             LEFT JOIN LATERAL (
               SELECT format_type(a.atttypid, NULL) AS typ,
                      format('%s.%s', t.relname, a.attname) AS owner
               FROM pg_depend d
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
               JOIN pg_class t ON t.oid = d.refobjid
               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                 AND d.deptype IN ('a', 'i')
               LIMIT 1) col ON true
             WHERE NOT s.cycle",
            &[],
        )
        .await?;
    let mut seen = Vec::new();
    let mut unreadable = 0;
    for row in &rows {
        let Some(last) = row.get::<_, Option<i64>>(2) else {
            if !row.get::<_, bool>(8) {
                unreadable += 1;
            }
            continue;
        };
        let column_type: Option<String> = row.get(6);
        let used = sequence_use(
            last,
            row.get(3),
            row.get(4),
            row.get(5),
            column_type.as_deref(),
        );
        seen.push(Seq {
            schema: row.get(0),
            name: row.get(1),
            last,
            column_type,
            column: row.get(7),
            used,
        });
    }
    seen.sort_by(|a, b| b.used.ratio.total_cmp(&a.used.ratio));
    Ok((seen, unreadable))
}

pub(super) async fn sequences(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let (seen, unreadable) = read_sequences(p).await?;
    let mut r = ProbeResult::new("sequences", Unit::Ratio);
    let worst = seen.first().map(|s| s.used.ratio).unwrap_or(0.0);
    r.value = Some(worst);
    judge(&mut r, p.t, "sequences", worst);
    r.message = match seen.first() {
        Some(s) => format!(
            "closest to exhaustion: {}.{} at {:.1}% (last value {} of {}{}), {} calls left",
            s.schema,
            s.name,
            s.used.ratio * 100.0,
            s.last,
            s.used.limit,
            match (&s.column, &s.column_type) {
                (Some(c), Some(t)) => format!(", feeding {t} column {c}"),
                _ => String::new(),
            },
            s.used.calls_left
        ),
        None => "no sequence in use".into(),
    };
    if unreadable > 0 {
        r.message.push_str(&format!(
            "; {unreadable} sequence(s) role {} may not read are not counted",
            p.session.role
        ));
    }
    if r.state != State::Ok {
        r.hint = Some(
            "move the column and its sequence to bigint before it runs out (ALTER TABLE … \
             ALTER COLUMN … TYPE bigint; ALTER SEQUENCE … AS bigint MAXVALUE 9223372036854775807)"
                .into(),
        );
    }
    let top: Vec<serde_json::Value> = seen
        .iter()
        .take(5)
        .map(|s| {
            json!({"schema": s.schema, "sequence": s.name, "last_value": s.last,
                   "limit": s.used.limit, "ratio": s.used.ratio, "calls_left": s.used.calls_left,
                   "column": s.column, "column_type": s.column_type})
        })
        .collect();
    r.details = json!({"sequences": top, "in_use": seen.len(), "unreadable": unreadable});
    r.sample(
        "pg_sequence_used_ratio_max",
        "Used share of the range of the sequence closest to exhaustion",
        Unit::Ratio,
        vec![("datname", p.session.database.clone())],
        worst,
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sequence_ends_at_its_bound_or_its_columns() {
        // serial: an integer sequence.
        let u = sequence_use(2_000_000_000, 1, i64::from(i32::MAX), 1, Some("integer"));
        assert!((u.ratio - 0.931).abs() < 0.001, "{u:?}");
        assert_eq!(u.limit, i64::from(i32::MAX));
        assert_eq!(u.calls_left, 147_483_647.0);
        // A bigint sequence behind an integer column ends with the column.
        let u = sequence_use(2_100_000_000, 1, i64::MAX, 1, Some("integer"));
        assert!(u.ratio > 0.97, "{u:?}");
        assert_eq!(u.limit, i64::from(i32::MAX));
        // Alone, the same bigint sequence has barely started.
        assert!(sequence_use(2_100_000_000, 1, i64::MAX, 1, None).ratio < 1e-9);
        // Counting down, by 10.
        let u = sequence_use(-90, -100, -1, -10, None);
        assert!((u.ratio - 89.0 / 99.0).abs() < 1e-9, "{u:?}");
        assert_eq!(u.calls_left, 1.0);
        // The whole i64 range does not overflow.
        let u = sequence_use(i64::MAX, i64::MIN, i64::MAX, 1, Some("bigint"));
        assert_eq!(u.ratio, 1.0);
        assert_eq!(u.calls_left, 0.0);
    }
}
