//! The probes that need to see every session (pg_monitor): the longest open transaction,
//! sessions idle inside a transaction, and sessions blocked on a lock and who blocks them.

use serde_json::json;

use super::{judge, needs_stats, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_duration;

pub(super) async fn longest_transaction(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
    if !p.session.reads_all_stats {
        return Ok(needs_stats("longest_transaction", p.session));
    }
    let rows = p
        .client
        .query(
            "SELECT pid, COALESCE(usename::text, ''), COALESCE(datname::text, ''),
                    COALESCE(application_name, ''), COALESCE(state, ''),
                    extract(epoch FROM clock_timestamp() - xact_start)::float8,
                    left(COALESCE(query, ''), 200)
             FROM pg_stat_activity
             WHERE backend_type = 'client backend' AND xact_start IS NOT NULL
               AND pid <> pg_backend_pid()
             ORDER BY xact_start LIMIT 1",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("longest_transaction", Unit::Seconds);
    match rows.first() {
        Some(row) => {
            let pid: i32 = row.get(0);
            let user: String = row.get(1);
            let db: String = row.get(2);
            let state: String = row.get(4);
            let secs: f64 = row.get(5);
            r.value = Some(secs);
            judge(&mut r, p.t, "longest_transaction", secs);
            r.message = format!(
                "pid {pid} ({user} on {db}) has had a transaction open for {} ({state})",
                format_duration(secs)
            );
            r.details = json!({
                "pid": pid, "user": user, "database": db,
                "application_name": row.get::<_, String>(3), "state": state,
                "seconds": secs, "query": row.get::<_, String>(6),
            });
            if r.state != State::Ok {
                r.hint = Some(format!("end it: SELECT pg_terminate_backend({pid});"));
            }
        }
        None => {
            r.value = Some(0.0);
            judge(&mut r, p.t, "longest_transaction", 0.0);
            r.message = "no open transactions".into();
            r.details = json!({});
        }
    }
    r.sample(
        "pg_longest_transaction_seconds",
        "Age of the oldest open transaction of a client session",
        Unit::Seconds,
        vec![],
        r.value.unwrap_or(0.0),
    );
    Ok(r)
}

pub(super) async fn idle_in_transaction(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
    if !p.session.reads_all_stats {
        return Ok(needs_stats("idle_in_transaction", p.session));
    }
    // Measured from state_change (how long it has been idle), not xact_start.
    let rows = p
        .client
        .query(
            "SELECT pid, COALESCE(usename::text, ''), COALESCE(datname::text, ''),
                    extract(epoch FROM clock_timestamp() - state_change)::float8,
                    (count(*) OVER ())::int8, state
             FROM pg_stat_activity
             WHERE backend_type = 'client backend'
               AND state IN ('idle in transaction', 'idle in transaction (aborted)')
             ORDER BY state_change LIMIT 50",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("idle_in_transaction", Unit::Seconds);
    let sessions: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            json!({"pid": row.get::<_, i32>(0), "user": row.get::<_, String>(1),
                   "database": row.get::<_, String>(2), "seconds": row.get::<_, f64>(3),
                   "state": row.get::<_, String>(5)})
        })
        .collect();
    let (count, secs) = match rows.first() {
        Some(row) => {
            let pid: i32 = row.get(0);
            let user: String = row.get(1);
            let db: String = row.get(2);
            let secs: f64 = row.get(3);
            let count: i64 = row.get(4);
            r.message = format!(
                "{count} session{} idle in transaction; longest: pid {pid} ({user} on {db}) for {}",
                if count == 1 { "" } else { "s" },
                format_duration(secs)
            );
            (count, secs)
        }
        None => {
            r.message = "no session idle in transaction".into();
            (0, 0.0)
        }
    };
    r.details = json!({"count": count, "sessions": sessions});
    r.value = Some(secs);
    judge(&mut r, p.t, "idle_in_transaction", secs);
    if r.state != State::Ok {
        r.hint = Some(
            "find the client that left its transaction open; idle_in_transaction_session_timeout ends such sessions"
                .into(),
        );
    }
    r.sample(
        "pg_idle_in_transaction_sessions",
        "Sessions idle inside a transaction",
        Unit::Count,
        vec![],
        count as f64,
    );
    r.sample(
        "pg_idle_in_transaction_longest_seconds",
        "Longest time a session has been idle inside a transaction",
        Unit::Seconds,
        vec![],
        secs,
    );
    Ok(r)
}

pub(super) async fn blocked(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    if !p.session.reads_all_stats {
        return Ok(needs_stats("blocked", p.session));
    }
    // pg_blocking_pids is not free: only ask it about sessions that wait on a lock.
    let rows = p
        .client
        .query(
            "SELECT a.pid, COALESCE(a.usename::text, ''), COALESCE(a.datname::text, ''),
                    pg_blocking_pids(a.pid),
                    extract(epoch FROM clock_timestamp() - COALESCE(a.state_change, a.query_start))::float8,
                    left(COALESCE(a.query, ''), 200),
                    COALESCE((SELECT string_agg(b.pid || ' (' || COALESCE(b.usename::text, '?') || ')', ', ')
                              FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(a.pid))), '')
             FROM pg_stat_activity a
             WHERE a.wait_event_type = 'Lock' AND cardinality(pg_blocking_pids(a.pid)) > 0
             ORDER BY 5 DESC",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("blocked", Unit::Seconds);
    let mut list = Vec::new();
    for row in &rows {
        list.push(json!({
            "pid": row.get::<_, i32>(0),
            "user": row.get::<_, String>(1),
            "database": row.get::<_, String>(2),
            "blocked_by": row.get::<_, Vec<i32>>(3),
            "waiting_seconds": row.get::<_, f64>(4),
            "query": row.get::<_, String>(5),
        }));
    }
    let longest = rows.first().map(|row| row.get::<_, f64>(4)).unwrap_or(0.0);
    r.value = Some(longest);
    judge(&mut r, p.t, "blocked", longest);
    r.message = match rows.first() {
        Some(row) => format!(
            "{} blocked session{}; longest: pid {} ({} on {}) has waited {} for pid {}",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            row.get::<_, i32>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            format_duration(longest),
            row.get::<_, String>(6),
        ),
        None => "no blocked sessions".into(),
    };
    r.details = json!({"sessions": list});
    r.sample(
        "pg_blocked_sessions",
        "Sessions waiting for a lock held by another session",
        Unit::Count,
        vec![],
        rows.len() as f64,
    );
    r.sample(
        "pg_blocked_longest_wait_seconds",
        "Longest time a session has waited for a lock",
        Unit::Seconds,
        vec![],
        longest,
    );
    Ok(r)
}
