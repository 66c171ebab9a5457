//! The `slow_queries` probe: the statements of this database with the highest mean execution
//! time, from `pg_stat_statements` — UNKNOWN with the steps to enable it when it is not there.
//!
//! Only plannable statements (SELECT, INSERT, UPDATE, DELETE, MERGE, WITH, VALUES, TABLE) are
//! shown: pg_stat_statements replaces their constants with `$1`, `$2`, …, whereas a utility
//! statement's text is kept as written and may hold a password (`ALTER ROLE … PASSWORD '…'`).

use serde_json::json;
use tokio_postgres::error::SqlState;

use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_duration;

/// Statements called fewer times than this since the statistics were reset are left out: a
/// one-off maintenance query is not a slow query.
const MIN_CALLS: i64 = 5;

const ENABLE: &str = "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf \
                      (a restart), then CREATE EXTENSION pg_stat_statements; in this database — \
                      or leave slow_queries out of --check";

fn unknown(message: String, hint: String) -> ProbeResult {
    ProbeResult::unknown("slow_queries", Unit::Seconds, message, Some(hint))
}

pub(super) async fn slow_queries(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let db = &p.session.database;
    let row = p
        .client
        .query_one(
            "SELECT (SELECT extnamespace::regnamespace::text FROM pg_extension
                     WHERE extname = 'pg_stat_statements'),
                    to_regclass('pg_stat_statements') IS NOT NULL",
            &[],
        )
        .await?;
    let schema: Option<String> = row.get(0);
    let visible: bool = row.get(1);
    let Some(schema) = schema else {
        return Ok(unknown(
            format!("pg_stat_statements is not installed in {db}"),
            ENABLE.into(),
        ));
    };
    if !visible {
        return Ok(unknown(
            format!(
                "pg_stat_statements is installed in schema {schema}, which is not on the search_path of role {}",
                p.session.role
            ),
            format!("ALTER ROLE {} SET search_path = \"$user\", public, {schema};", p.session.role),
        ));
    }
    let mean = if p.session.version_num >= 130_000 {
        "mean_exec_time"
    } else {
        "mean_time"
    };
    let sql = format!(
        "SELECT queryid::text, calls::int8, ({mean} / 1000)::float8,
                CASE WHEN query ~* '^\\s*(select|insert|update|delete|merge|with|values|table)\\M'
                     THEN left(regexp_replace(query, '\\s+', ' ', 'g'), 200) END
         FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND calls >= $1
           AND (query ~* '^\\s*(select|insert|update|delete|merge|with|values|table)\\M'
                OR query = '<insufficient privilege>')
         ORDER BY {mean} DESC LIMIT 5"
    );
    let rows = match p.client.query(&sql, &[&MIN_CALLS]).await {
        Ok(rows) => rows,
        // Installed but not loaded: the view refuses to be read.
        Err(e) if e.code() == Some(&SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE) => {
            return Ok(unknown(
                "pg_stat_statements is installed but not loaded (shared_preload_libraries)".into(),
                ENABLE.into(),
            ));
        }
        Err(e) => return Err(e),
    };
    Ok(result(p, &rows))
}

fn result(p: &ProbeCtx<'_>, rows: &[tokio_postgres::Row]) -> ProbeResult {
    let mut r = ProbeResult::new("slow_queries", Unit::Seconds);
    let top: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            json!({"queryid": row.get::<_, Option<String>>(0), "calls": row.get::<_, i64>(1),
                   "mean_seconds": row.get::<_, f64>(2),
                   "query": row.get::<_, Option<String>>(3)})
        })
        .collect();
    let worst = top
        .first()
        .and_then(|t| t["mean_seconds"].as_f64())
        .unwrap_or(0.0);
    r.value = Some(worst);
    judge(&mut r, p.t, "slow_queries", worst);
    r.message = match top.first() {
        Some(t) => format!(
            "slowest on average: {} over {} calls: {}",
            format_duration(worst),
            t["calls"],
            t["query"]
                .as_str()
                .unwrap_or("(text hidden: another role's statement; GRANT pg_read_all_stats)")
        ),
        None => format!(
            "no statement called at least {MIN_CALLS} times since pg_stat_statements was reset"
        ),
    };
    if r.state != State::Ok {
        r.hint = Some(
            "EXPLAIN (ANALYZE, BUFFERS) the statement for a missing index or a bad plan; after \
             a fix, SELECT pg_stat_statements_reset(); starts the averages again"
                .into(),
        );
    }
    r.details = json!({"statements": top, "min_calls": MIN_CALLS});
    r.sample(
        "pg_statement_mean_seconds_max",
        "Highest mean execution time of a statement of the database (pg_stat_statements)",
        Unit::Seconds,
        vec![("datname", p.session.database.clone())],
        worst,
    );
    r
}
