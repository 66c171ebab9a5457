//! The probes about the database's data: buffer cache hit ratio, transaction-id wraparound,
//! database size and dead tuples. Hit ratio and wraparound use what an earlier
//! `health --record` stored (`recorded`) to judge a recent window or a burn rate.

use serde_json::json;

use super::recorded::{previous_block_counters, previous_recorded};
use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::{format_bytes, format_duration};

/// Below this many block accesses the ratio says nothing (a fresh or idle database).
const MIN_BLOCK_ACCESSES: i64 = 1000;

pub(super) async fn hit_ratio(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let row = p
        .client
        .query_one(
            "SELECT COALESCE(blks_hit, 0)::int8, COALESCE(blks_read, 0)::int8
             FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await?;
    let hit: i64 = row.get(0);
    let read: i64 = row.get(1);
    let lifetime = ratio_of(hit, read);
    let mut r = ProbeResult::new("hit_ratio", Unit::Ratio);
    let (w, c) = p.t.get("hit_ratio");
    r.warn = w;
    r.crit = c;
    // Lifetime totals hide a regression; when a previous run recorded the counters (--record),
    // judge the window since then instead.
    let window = previous_block_counters(p).await.and_then(|(at, ph, pr)| {
        let (dh, dr) = (hit as f64 - ph, read as f64 - pr);
        // Counters went backwards: stats were reset since, the window is meaningless.
        (dh >= 0.0 && dr >= 0.0).then_some((at, dh, dr))
    });
    let db = &p.session.database;
    let (ratio, accesses, since) = match window {
        Some((at, dh, dr)) if dh + dr >= MIN_BLOCK_ACCESSES as f64 => (
            dh / (dh + dr),
            dh + dr,
            format!(
                "since the last recorded run {}",
                crate::output::ts(Some(at))
            ),
        ),
        _ => (
            lifetime,
            (hit + read) as f64,
            "since stats reset".to_string(),
        ),
    };
    r.value = Some(ratio);
    if accesses >= MIN_BLOCK_ACCESSES as f64 {
        judge(&mut r, p.t, "hit_ratio", ratio);
        r.message = format!(
            "{:.2}% of {accesses:.0} block reads of {db} served from shared buffers ({since})",
            ratio * 100.0
        );
    } else {
        r.message = format!(
            "only {accesses:.0} block reads {since}: too few to judge ({:.2}%)",
            ratio * 100.0
        );
    }
    r.details = json!({"blks_hit": hit, "blks_read": read, "database": db,
                       "lifetime_ratio": lifetime, "window": since});
    let label = || vec![("datname", db.clone())];
    r.sample(
        "pg_cache_hit_ratio",
        "Buffer cache hit ratio of this database (window since the last recorded run, else since stats reset)",
        Unit::Ratio,
        label(),
        ratio,
    );
    r.sample(
        "pg_blocks_hit_total",
        "Blocks found in shared buffers",
        Unit::Count,
        label(),
        hit as f64,
    );
    r.sample(
        "pg_blocks_read_total",
        "Blocks read from disk or the OS cache",
        Unit::Count,
        label(),
        read as f64,
    );
    Ok(r)
}

fn ratio_of(hit: i64, read: i64) -> f64 {
    if hit + read > 0 {
        hit as f64 / (hit + read) as f64
    } else {
        1.0
    }
}

/// Transaction ids until wraparound (2^31).
const WRAPAROUND_LIMIT: f64 = 2_147_483_648.0;

/// With a previous recorded run, the xid burn rate says how long until wraparound at this
/// pace: (xids per second, seconds left), added to the message and samples when known.
async fn burn_rate(
    p: &ProbeCtx<'_>,
    r: &mut ProbeResult,
    next_xid: i64,
    age: i64,
) -> (Option<f64>, Option<f64>) {
    let Some((secs, prev)) = previous_recorded(p, "pg_xids_assigned_total").await else {
        return (None, None);
    };
    let used = next_xid as f64 - prev;
    if !(secs > 0.0 && used >= 0.0) {
        return (None, None);
    }
    let per_sec = used / secs;
    if per_sec > 0.0 {
        let left = (WRAPAROUND_LIMIT - age as f64).max(0.0) / per_sec;
        r.message.push_str(&format!(
            "; {per_sec:.2} xids/s since the last recorded run: about {} to wraparound at this pace",
            format_duration(left)
        ));
        r.sample(
            "pg_xid_wraparound_eta_seconds",
            "Time until xid wraparound of the oldest database at the recent burn rate",
            Unit::Seconds,
            vec![],
            left,
        );
        (Some(per_sec), Some(left))
    } else {
        (Some(per_sec), None)
    }
}

pub(super) async fn wraparound(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let rows = p
        .client
        .query(
            "SELECT datname::text, age(datfrozenxid)::int8, mxid_age(datminmxid)::int8,
                    current_setting('autovacuum_freeze_max_age')::int8,
                    txid_snapshot_xmax(txid_current_snapshot())::int8
             FROM pg_database WHERE datallowconn ORDER BY 2 DESC, 1",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("wraparound", Unit::Count);
    // Rows come oldest first.
    let worst: Option<(String, i64)> = rows.first().map(|row| (row.get(0), row.get(1)));
    let mut worst_mxid: i64 = 0;
    let mut freeze_max = 0i64;
    for row in &rows {
        let name: String = row.get(0);
        let xid: i64 = row.get(1);
        let mxid: i64 = row.get(2);
        freeze_max = row.get(3);
        worst_mxid = worst_mxid.max(mxid);
        r.sample(
            "pg_xid_age",
            "age(datfrozenxid): transactions since the database was last frozen",
            Unit::Count,
            vec![("datname", name.clone())],
            xid as f64,
        );
        r.sample(
            "pg_mxid_age",
            "mxid_age(datminmxid): multixacts since the database was last frozen",
            Unit::Count,
            vec![("datname", name)],
            mxid as f64,
        );
    }
    let (db, age) = worst.unwrap_or_default();
    // The next transaction id (64-bit, never wraps): a counter whose rate is the XID burn rate.
    let next_xid: i64 = rows.first().map(|row| row.get(4)).unwrap_or(0);
    r.sample(
        "pg_xids_assigned_total",
        "Transaction ids assigned since initdb (the next xid)",
        Unit::Count,
        vec![],
        next_xid as f64,
    );
    r.value = Some(age as f64);
    judge(&mut r, p.t, "wraparound", age as f64);
    // Multixact IDs wrap around the same way; judge them by the same thresholds.
    r.raise(State::from(p.t.breach("wraparound", worst_mxid as f64)));
    r.message = format!(
        "oldest: {db} at xid age {age} ({:.1}% of wraparound, {:.0}% of autovacuum_freeze_max_age); max multixact age {worst_mxid}",
        age as f64 / WRAPAROUND_LIMIT * 100.0,
        if freeze_max > 0 { age as f64 / freeze_max as f64 * 100.0 } else { 0.0 }
    );
    let (rate, eta) = burn_rate(p, &mut r, next_xid, age).await;
    if r.state != State::Ok {
        r.hint = Some(format!("VACUUM (FREEZE) the oldest tables of {db}; check for long transactions and stale replication slots"));
    }
    r.details = json!({"database": db, "xid_age": age, "max_mxid_age": worst_mxid,
                       "autovacuum_freeze_max_age": freeze_max, "next_xid": next_xid,
                       "xids_per_second": rate, "seconds_to_wraparound": eta});
    Ok(r)
}

pub(super) async fn database_size(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let row = p
        .client
        .query_one("SELECT pg_database_size(current_database())::int8", &[])
        .await?;
    let size: i64 = row.get(0);
    let mut r = ProbeResult::new("database_size", Unit::Bytes);
    r.value = Some(size as f64);
    judge(&mut r, p.t, "database_size", size as f64);
    r.message = format!("{}: {}", p.session.database, format_bytes(size as f64));
    r.details = json!({"database": p.session.database, "bytes": size});
    r.sample(
        "pg_database_size_bytes",
        "Size of the database",
        Unit::Bytes,
        vec![("datname", p.session.database.clone())],
        size as f64,
    );
    Ok(r)
}

/// Tables smaller than this are ignored (a 10-row table with 5 dead rows is not a problem).
const MIN_TABLE_ROWS: i64 = 1000;

pub(super) async fn dead_tuples(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let rows = p
        .client
        .query(
            "SELECT schemaname::text, relname::text, n_live_tup, n_dead_tup,
                    n_dead_tup::float8 / (n_live_tup + n_dead_tup),
                    sum(n_dead_tup) OVER ()::int8
             FROM pg_stat_user_tables
             WHERE n_live_tup + n_dead_tup >= $1
             ORDER BY 5 DESC, 1, 2 LIMIT 1",
            &[&MIN_TABLE_ROWS],
        )
        .await?;
    let mut r = ProbeResult::new("dead_tuples", Unit::Ratio);
    match rows.first() {
        Some(row) => {
            let schema: String = row.get(0);
            let table: String = row.get(1);
            let live: i64 = row.get(2);
            let dead: i64 = row.get(3);
            let ratio: f64 = row.get(4);
            r.value = Some(ratio);
            judge(&mut r, p.t, "dead_tuples", ratio);
            r.message = format!(
                "worst table {schema}.{table}: {:.1}% dead ({dead} dead, {live} live)",
                ratio * 100.0
            );
            if r.state != State::Ok {
                r.hint = Some(format!(
                    "VACUUM {schema}.{table}; check autovacuum settings and long transactions"
                ));
            }
            r.details = json!({"schema": schema, "table": table, "live": live, "dead": dead, "ratio": ratio});
        }
        None => {
            r.value = Some(0.0);
            judge(&mut r, p.t, "dead_tuples", 0.0);
            r.message = format!("no table with at least {MIN_TABLE_ROWS} rows");
            r.details = json!({});
        }
    }
    r.sample(
        "pg_dead_tuple_ratio_max",
        "Worst dead/(live+dead) tuple ratio of a table",
        Unit::Ratio,
        vec![],
        r.value.unwrap_or(0.0),
    );
    Ok(r)
}
