//! The probes. Each is one short catalog query (shapes from check_postgres, postgres_exporter and
//! pgwatch, with their pitfalls fixed) that yields a headline value, a state and a message.
//!
//! All probes share one connection and run concurrently, so tokio-postgres pipelines their
//! queries; each is bounded by the run's deadline, and the session has a short `lock_timeout`
//! so a table locked by a migration makes a probe UNKNOWN instead of hanging cron.

use std::future::Future;
use std::time::Instant as StdInstant;

use serde_json::json;
use tokio::time::Instant;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use super::{ProbeResult, State, Unit};
use crate::settings::thresholds::Thresholds;
use crate::units::{format_bytes, format_duration};

/// Every probe, in output order. `--check` chooses among these.
pub const PROBES: &[(&str, &str)] = &[
    (
        "connect",
        "time to connect and run a query; CRITICAL when unreachable",
    ),
    ("server", "version, uptime, primary or standby"),
    (
        "connections",
        "client connections vs usable slots (max_connections - reserved)",
    ),
    ("hit_ratio", "buffer cache hit ratio of this database"),
    (
        "longest_transaction",
        "oldest open transaction (pg_monitor)",
    ),
    (
        "idle_in_transaction",
        "sessions idle inside a transaction (pg_monitor)",
    ),
    (
        "blocked",
        "sessions waiting for a lock, and who blocks them (pg_monitor)",
    ),
    ("wraparound", "transaction-id and multixact age"),
    ("database_size", "size of this database"),
    ("dead_tuples", "dead-tuple ratio of this database's tables"),
    (
        "replication",
        "standbys and slots (primary) or replay lag (standby) (pg_monitor)",
    ),
    (
        "schema",
        "migrations: pending -> WARNING, divergent -> CRITICAL",
    ),
    ("stuck_workflows", "running workflows past their timeout"),
    ("metrics_freshness", "age of the newest recorded metric"),
    (
        "tunnel",
        "Cloudflare Tunnel status (only when Cloudflare is configured)",
    ),
];

/// Facts about the session every probe may use, read once after connecting.
#[derive(Debug, Clone)]
pub struct Session {
    pub server_version: String,
    pub version_num: i32,
    pub uptime_seconds: f64,
    pub in_recovery: bool,
    /// Superuser, or member of pg_read_all_stats (pg_monitor includes it): sees every session.
    pub reads_all_stats: bool,
    pub role: String,
    pub database: String,
}

impl Session {
    /// Read the facts and set the session's lock_timeout (2s) and statement_timeout.
    pub async fn read(
        client: &Client,
        statement_timeout_ms: u128,
    ) -> Result<Session, tokio_postgres::Error> {
        let statement_timeout = format!("{statement_timeout_ms}ms");
        let row = client
            .query_one(
                "SELECT current_setting('server_version'),
                        current_setting('server_version_num')::int4,
                        extract(epoch FROM now() - pg_postmaster_start_time())::float8,
                        pg_is_in_recovery(),
                        pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
                        current_user::text,
                        current_database()::text,
                        set_config('lock_timeout', '2s', false),
                        set_config('statement_timeout', $1, false)",
                &[&statement_timeout],
            )
            .await?;
        Ok(Session {
            server_version: row.get(0),
            version_num: row.get(1),
            uptime_seconds: row.get(2),
            in_recovery: row.get(3),
            reads_all_stats: row.get(4),
            role: row.get(5),
            database: row.get(6),
        })
    }
}

pub struct ProbeCtx<'a> {
    pub client: &'a Client,
    pub t: &'a Thresholds,
    pub session: &'a Session,
}

/// Run the selected probes (not `connect`/`server`, which come from the session) concurrently,
/// each bounded by `deadline`.
pub async fn run_selected(
    p: &ProbeCtx<'_>,
    selected: &[&'static str],
    deadline: Instant,
) -> Vec<ProbeResult> {
    let futures = selected
        .iter()
        .filter(|n| !matches!(**n, "connect" | "server" | "tunnel"))
        .map(|name| timed(name, deadline, run_one(p, name)));
    futures_util::future::join_all(futures).await
}

async fn timed(
    name: &'static str,
    deadline: Instant,
    fut: impl Future<Output = Result<ProbeResult, tokio_postgres::Error>>,
) -> ProbeResult {
    let start = StdInstant::now();
    let mut r = match tokio::time::timeout_at(deadline, fut).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => from_error(name, &e),
        Err(_) => ProbeResult::unknown(
            name,
            unit_of(name),
            "timed out: no answer before the --timeout deadline",
            Some("the server is overloaded or hung, or the probe waited on a lock".into()),
        ),
    };
    r.duration_seconds = start.elapsed().as_secs_f64();
    r
}

pub fn unit_of(name: &str) -> Unit {
    match name {
        "connect"
        | "server"
        | "longest_transaction"
        | "idle_in_transaction"
        | "blocked"
        | "metrics_freshness"
        | "replication" => Unit::Seconds,
        "connections" | "hit_ratio" | "dead_tuples" => Unit::Ratio,
        "database_size" => Unit::Bytes,
        _ => Unit::Count,
    }
}

/// A probe that failed with a database error is UNKNOWN, with a hint where we know one.
pub fn from_error(name: &'static str, e: &tokio_postgres::Error) -> ProbeResult {
    let text = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    let hint = match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
            Some("grant the monitoring role: GRANT pg_monitor TO <role>".to_string())
        }
        Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_FUNCTION => {
            Some("the taskdb schema is missing or old: run `taskdb migrate up`".to_string())
        }
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => Some(
            "another session holds a lock on the table this probe reads (lock_timeout 2s)"
                .to_string(),
        ),
        Some(c) if *c == SqlState::QUERY_CANCELED => {
            Some("the probe's query was cancelled (statement_timeout)".to_string())
        }
        _ => None,
    };
    ProbeResult::unknown(name, unit_of(name), format!("could not run: {text}"), hint)
}

/// The UNKNOWN result of a probe that needs to see every session.
fn needs_stats(name: &'static str, s: &Session) -> ProbeResult {
    ProbeResult::unknown(
        name,
        unit_of(name),
        format!(
            "role {} cannot see other roles' sessions, so this would under-count",
            s.role
        ),
        Some(format!("GRANT pg_monitor TO {};", s.role)),
    )
}

async fn run_one(
    p: &ProbeCtx<'_>,
    name: &'static str,
) -> Result<ProbeResult, tokio_postgres::Error> {
    match name {
        "connections" => connections(p).await,
        "hit_ratio" => hit_ratio(p).await,
        "longest_transaction" => longest_transaction(p).await,
        "idle_in_transaction" => idle_in_transaction(p).await,
        "blocked" => blocked(p).await,
        "wraparound" => wraparound(p).await,
        "database_size" => database_size(p).await,
        "dead_tuples" => dead_tuples(p).await,
        "replication" => replication(p).await,
        "schema" => Ok(schema(p).await),
        "stuck_workflows" => stuck_workflows(p).await,
        "metrics_freshness" => metrics_freshness(p).await,
        other => Ok(ProbeResult::unknown(
            "unknown",
            Unit::Count,
            format!("no probe named {other}"),
            None,
        )),
    }
}

/// Set warn/crit from a threshold and raise the state by `value`.
fn judge(r: &mut ProbeResult, t: &Thresholds, threshold: &str, value: f64) {
    let (w, c) = t.get(threshold);
    if r.warn.is_none() && r.crit.is_none() {
        r.warn = w;
        r.crit = c;
    }
    r.raise(State::from(t.breach(threshold, value)));
}

// ---- connect and server (from the session) ---------------------------------------------------

pub fn connect_ok(t: &Thresholds, seconds: f64, target: &str) -> ProbeResult {
    let mut r = ProbeResult::new("connect", Unit::Seconds);
    r.value = Some(seconds);
    judge(&mut r, t, "connect_time", seconds);
    r.message = format!(
        "connected to {target} and ran a query in {}",
        format_duration(seconds)
    );
    r.duration_seconds = seconds;
    r.sample(
        "pg_up",
        "1 when the database answered a query",
        Unit::Count,
        vec![],
        1.0,
    );
    r.sample(
        "pg_connect_seconds",
        "Time to connect and run a first query",
        Unit::Seconds,
        vec![],
        seconds,
    );
    r
}

pub fn connect_failed(message: String, seconds: f64) -> ProbeResult {
    let mut r = ProbeResult::new("connect", Unit::Seconds);
    r.state = State::Critical;
    r.message = message;
    r.hint = Some("is the server running and reachable? (taskdb config show: database.url)".into());
    r.duration_seconds = seconds;
    r.sample(
        "pg_up",
        "1 when the database answered a query",
        Unit::Count,
        vec![],
        0.0,
    );
    r
}

pub fn server(t: &Thresholds, s: &Session) -> ProbeResult {
    let mut r = ProbeResult::new("server", Unit::Seconds);
    r.value = Some(s.uptime_seconds);
    judge(&mut r, t, "uptime", s.uptime_seconds);
    let role = if s.in_recovery {
        "standby (in recovery)"
    } else {
        "primary"
    };
    r.message = format!(
        "PostgreSQL {}, up {}, {role}",
        s.server_version,
        format_duration(s.uptime_seconds)
    );
    r.details = json!({
        "server_version": s.server_version,
        "server_version_num": s.version_num,
        "uptime_seconds": s.uptime_seconds,
        "in_recovery": s.in_recovery,
        "role": s.role,
        "database": s.database,
        "reads_all_stats": s.reads_all_stats,
    });
    r.sample(
        "pg_uptime_seconds",
        "Seconds since the postmaster started",
        Unit::Seconds,
        vec![],
        s.uptime_seconds,
    );
    r.sample(
        "pg_in_recovery",
        "1 on a standby (in recovery), 0 on a primary",
        Unit::Count,
        vec![],
        if s.in_recovery { 1.0 } else { 0.0 },
    );
    r.sample(
        "pg_server_version_num",
        "server_version_num of the server",
        Unit::Count,
        vec![],
        f64::from(s.version_num),
    );
    r
}

// ---- connections ------------------------------------------------------------------------------

async fn connections(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    // Client backends only (not walsenders, autovacuum, …), excluding this probe's own session.
    // Without pg_read_all_stats other roles' rows hide backend_type: count those that belong to
    // a database instead of silently counting them as nothing.
    // PG16+ also reserves `reserved_connections` for pg_use_reserved_connections.
    let row = p
        .client
        .query_one(
            "SELECT count(*) FILTER (WHERE backend_type = 'client backend'
                                     OR (backend_type IS NULL AND datid IS NOT NULL))::int8,
                    count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active')::int8,
                    count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle')::int8,
                    count(*) FILTER (WHERE backend_type = 'client backend'
                                     AND state LIKE 'idle in transaction%')::int8,
                    current_setting('max_connections')::int8,
                    current_setting('superuser_reserved_connections')::int8,
                    COALESCE(NULLIF(current_setting('reserved_connections', true), ''), '0')::int8
             FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
            &[],
        )
        .await?;
    let used: i64 = row.get(0);
    let active: i64 = row.get(1);
    let idle: i64 = row.get(2);
    let idle_tx: i64 = row.get(3);
    let max: i64 = row.get(4);
    let su_reserved: i64 = row.get(5);
    let reserved: i64 = row.get(6);
    let usable = (max - su_reserved - reserved).max(1);
    let ratio = used as f64 / usable as f64;
    let mut r = ProbeResult::new("connections", Unit::Ratio);
    r.value = Some(ratio);
    judge(&mut r, p.t, "connections", ratio);
    let other = used - active - idle - idle_tx;
    r.message = if p.session.reads_all_stats {
        format!(
            "{used} of {usable} usable connections ({:.1}%; max_connections {max}, {} reserved): {active} active, {idle} idle, {idle_tx} idle in transaction",
            ratio * 100.0,
            su_reserved + reserved
        )
    } else {
        format!(
            "{used} of {usable} usable connections ({:.1}%; max_connections {max}, {} reserved)",
            ratio * 100.0,
            su_reserved + reserved
        )
    };
    r.details = json!({
        "used": used, "usable": usable, "max_connections": max,
        "superuser_reserved_connections": su_reserved, "reserved_connections": reserved,
        "active": active, "idle": idle, "idle_in_transaction": idle_tx,
    });
    let help = "Client connections by state (this probe's own excluded)";
    if p.session.reads_all_stats {
        for (state, n) in [
            ("active", active),
            ("idle", idle),
            ("idle_in_transaction", idle_tx),
            ("other", other),
        ] {
            r.sample(
                "pg_connections",
                help,
                Unit::Count,
                vec![("state", state.into())],
                n as f64,
            );
        }
    } else {
        r.sample(
            "pg_connections",
            help,
            Unit::Count,
            vec![("state", "all".into())],
            used as f64,
        );
    }
    r.sample(
        "pg_max_connections",
        "max_connections",
        Unit::Count,
        vec![],
        max as f64,
    );
    r.sample(
        "pg_reserved_connections",
        "Slots reserved for superusers (and pg_use_reserved_connections)",
        Unit::Count,
        vec![],
        (su_reserved + reserved) as f64,
    );
    r.sample(
        "pg_connections_usage_ratio",
        "Client connections / usable slots",
        Unit::Ratio,
        vec![],
        ratio,
    );
    Ok(r)
}

// ---- cache hit ratio ----------------------------------------------------------------------------

/// Below this many block accesses the ratio says nothing (a fresh or idle database).
const MIN_BLOCK_ACCESSES: i64 = 1000;

async fn hit_ratio(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

/// (seconds ago, value) of the newest `health --record` sample `name` (within a day), if any.
async fn previous_recorded(p: &ProbeCtx<'_>, name: &str) -> Option<(f64, f64)> {
    let rows = p
        .client
        .query(
            "SELECT extract(epoch FROM now() - recorded_at)::float8, metric_value
             FROM system_metrics
             WHERE component = 'health' AND metric_name = $1
               AND recorded_at > now() - interval '1 day'
             ORDER BY recorded_at DESC LIMIT 1",
            &[&name],
        )
        .await
        .ok()?;
    rows.first().map(|r| (r.get(0), r.get(1)))
}

/// The block counters the last `health --record` stored for this database (within a day).
/// Any failure (no schema, no such rows) just means "no window".
async fn previous_block_counters(
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

// ---- transactions -------------------------------------------------------------------------------

async fn longest_transaction(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

async fn idle_in_transaction(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

async fn blocked(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

// ---- wraparound, size, dead tuples -------------------------------------------------------------

async fn wraparound(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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
    const LIMIT: f64 = 2_147_483_648.0;
    r.message = format!(
        "oldest: {db} at xid age {age} ({:.1}% of wraparound, {:.0}% of autovacuum_freeze_max_age); max multixact age {worst_mxid}",
        age as f64 / LIMIT * 100.0,
        if freeze_max > 0 { age as f64 / freeze_max as f64 * 100.0 } else { 0.0 }
    );
    // With a previous recorded run, the burn rate says how long until wraparound at this pace.
    let mut rate = None;
    let mut eta = None;
    if let Some((secs, prev)) = previous_recorded(p, "pg_xids_assigned_total").await {
        let used = next_xid as f64 - prev;
        if secs > 0.0 && used >= 0.0 {
            let per_sec = used / secs;
            rate = Some(per_sec);
            if per_sec > 0.0 {
                let left = (LIMIT - age as f64).max(0.0) / per_sec;
                eta = Some(left);
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
            }
        }
    }
    if r.state != State::Ok {
        r.hint = Some(format!("VACUUM (FREEZE) the oldest tables of {db}; check for long transactions and stale replication slots"));
    }
    r.details = json!({"database": db, "xid_age": age, "max_mxid_age": worst_mxid,
                       "autovacuum_freeze_max_age": freeze_max, "next_xid": next_xid,
                       "xids_per_second": rate, "seconds_to_wraparound": eta});
    Ok(r)
}

async fn database_size(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

async fn dead_tuples(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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

// ---- replication ----------------------------------------------------------------------------------

async fn replication(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    if !p.session.reads_all_stats {
        return Ok(needs_stats("replication", p.session));
    }
    if p.session.in_recovery {
        standby(p).await
    } else {
        primary(p).await
    }
}

async fn primary(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    // pg_basebackup's own walsender is not a standby.
    let standbys = p
        .client
        .query(
            "SELECT COALESCE(r.application_name, ''), COALESCE(r.client_addr::text, 'local'),
                    COALESCE(r.state, ''), COALESCE(r.sync_state, ''),
                    COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn), 0)::float8,
                    extract(epoch FROM r.replay_lag)::float8,
                    COALESCE(s.slot_name::text, '')
             FROM pg_stat_replication r
             LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
             WHERE r.application_name NOT IN ('pg_basebackup', 'pg_rewind')
             ORDER BY 1, 2",
            &[],
        )
        .await?;
    let slots = p
        .client
        .query(
            "SELECT slot_name::text, slot_type, active,
                    COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::float8,
                    COALESCE(wal_status, '')
             FROM pg_replication_slots ORDER BY 1",
            &[],
        )
        .await?;
    let mut r = ProbeResult::new("replication", Unit::Seconds);
    let mut problems: Vec<String> = Vec::new();
    let mut standby_list = Vec::new();
    let mut worst_secs = 0f64;
    let mut worst_bytes = 0f64;
    let mut streaming = 0usize;
    for row in &standbys {
        let name: String = row.get(0);
        let addr: String = row.get(1);
        let state: String = row.get(2);
        let bytes: f64 = row.get(4);
        // replay_lag is NULL when the standby is caught up and the primary idle: that is 0, not unknown.
        let secs: Option<f64> = row.get(5);
        let secs_v = secs.unwrap_or(0.0);
        if state == "streaming" {
            streaming += 1;
        } else {
            problems.push(format!("standby {name} ({addr}) is {state}, not streaming"));
            r.raise(State::Warning);
        }
        worst_secs = worst_secs.max(secs_v);
        worst_bytes = worst_bytes.max(bytes);
        let label = vec![("application_name", name.clone())];
        r.sample(
            "pg_replication_lag_bytes",
            "WAL bytes a standby has yet to replay",
            Unit::Bytes,
            label.clone(),
            bytes,
        );
        r.sample(
            "pg_replication_lag_seconds",
            "Replay lag of a standby (0 when caught up)",
            Unit::Seconds,
            label,
            secs_v,
        );
        standby_list.push(json!({
            "application_name": name, "client_addr": addr, "state": state,
            "sync_state": row.get::<_, String>(3), "lag_bytes": bytes, "lag_seconds": secs_v,
            "slot_name": row.get::<_, String>(6),
        }));
    }
    let mut slot_list = Vec::new();
    for row in &slots {
        let name: String = row.get(0);
        let active: bool = row.get(2);
        let retained: f64 = row.get(3);
        if !active {
            // A slot nobody consumes keeps WAL forever: the standby behind it is gone.
            problems.push(format!(
                "slot {name} is inactive and retains {} of WAL",
                format_bytes(retained)
            ));
            r.raise(State::Critical);
        }
        let label = vec![("slot_name", name.clone())];
        r.sample(
            "pg_replication_slot_active",
            "1 when a consumer is connected to the slot",
            Unit::Count,
            label.clone(),
            if active { 1.0 } else { 0.0 },
        );
        r.sample(
            "pg_replication_slot_retained_bytes",
            "WAL bytes the slot holds back",
            Unit::Bytes,
            label,
            retained,
        );
        slot_list.push(
            json!({"slot_name": name, "slot_type": row.get::<_, String>(1), "active": active,
                              "retained_bytes": retained, "wal_status": row.get::<_, String>(4)}),
        );
    }
    r.value = Some(worst_secs);
    judge(&mut r, p.t, "replication_lag", worst_secs);
    r.raise(State::from(
        p.t.breach("replication_lag_bytes", worst_bytes),
    ));
    let standby_state = State::from(p.t.breach("standbys", streaming as f64));
    if standby_state != State::Ok {
        problems.push(format!("only {streaming} standby(s) streaming"));
        r.raise(standby_state);
    }
    r.sample(
        "pg_standbys_streaming",
        "Standbys streaming from this primary",
        Unit::Count,
        vec![],
        streaming as f64,
    );
    let summary = if standbys.is_empty() && slots.is_empty() {
        "primary without standbys or replication slots".to_string()
    } else {
        format!(
            "primary: {streaming} standby(s) streaming, worst replay lag {} / {}",
            format_bytes(worst_bytes),
            format_duration(worst_secs)
        )
    };
    r.message = if problems.is_empty() {
        summary
    } else {
        format!("{summary}; {}", problems.join("; "))
    };
    if r.state == State::Critical && slots.iter().any(|s| !s.get::<_, bool>(2)) {
        r.hint = Some(
            "restart the standby, or drop the slot: SELECT pg_drop_replication_slot('<name>');"
                .into(),
        );
    }
    r.details = json!({"role": "primary", "standbys": standby_list, "slots": slot_list,
                       "worst_lag_bytes": worst_bytes, "worst_lag_seconds": worst_secs});
    Ok(r)
}

async fn standby(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    // With the LSN-equality guard an idle primary does not look like growing lag.
    let row = p
        .client
        .query_one(
            "SELECT COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8,
                    CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                         ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
                    END::float8,
                    (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
                    (SELECT COALESCE(sender_host, '') FROM pg_stat_wal_receiver LIMIT 1)",
            &[],
        )
        .await?;
    let bytes: f64 = row.get(0);
    let secs: f64 = row.get(1);
    let receiver: Option<String> = row.get(2);
    let sender: Option<String> = row.get(3);
    let mut r = ProbeResult::new("replication", Unit::Seconds);
    r.value = Some(secs);
    judge(&mut r, p.t, "replication_lag", secs);
    r.raise(State::from(p.t.breach("replication_lag_bytes", bytes)));
    let receiving = receiver.as_deref() == Some("streaming");
    r.message = format!(
        "standby: replay lag {} / {}; WAL receiver {}",
        format_bytes(bytes),
        format_duration(secs),
        match &receiver {
            Some(s) => format!("{s} from {}", sender.clone().unwrap_or_default()),
            None => "not running".into(),
        }
    );
    if !receiving {
        r.raise(State::Critical);
        r.hint = Some(
            "the standby is not streaming from its primary: check primary_conninfo and the primary"
                .into(),
        );
    }
    r.details = json!({"role": "standby", "lag_bytes": bytes, "lag_seconds": secs,
                       "wal_receiver": receiver, "sender_host": sender});
    r.sample(
        "pg_replay_lag_bytes",
        "WAL received but not yet replayed on this standby",
        Unit::Bytes,
        vec![],
        bytes,
    );
    r.sample(
        "pg_replay_lag_seconds",
        "Replay lag of this standby (0 when caught up)",
        Unit::Seconds,
        vec![],
        secs,
    );
    r.sample(
        "pg_wal_receiver_streaming",
        "1 when this standby streams WAL from a primary",
        Unit::Count,
        vec![],
        if receiving { 1.0 } else { 0.0 },
    );
    Ok(r)
}

// ---- taskdb's own tables -----------------------------------------------------------------------

/// Compare the applied migrations with the ones this binary ships (`migrate status`).
async fn schema(p: &ProbeCtx<'_>) -> ProbeResult {
    use crate::db::migrations::{self, State as M};
    let history = match migrations::read_history(p.client).await {
        Ok(h) => h,
        Err(e) => {
            return ProbeResult::unknown(
                "schema",
                Unit::Count,
                format!("could not run: {e:#}"),
                None,
            )
        }
    };
    let files = migrations::catalog();
    let rows = migrations::status(&files, &history);
    let count = |s: M| rows.iter().filter(|r| r.state == s).count();
    let (pending, divergent, missing) = (count(M::Pending), count(M::Divergent), count(M::Missing));
    let mut r = ProbeResult::new("schema", Unit::Count);
    r.value = Some(pending as f64);
    let current = migrations::current_version(&history);
    let latest = files.last().map(|f| f.version).unwrap_or(0);
    let mut parts = vec![format!("schema at V{current}, this taskdb ships V{latest}")];
    if pending > 0 {
        r.raise(State::Warning);
        parts.push(format!("{pending} pending"));
        r.hint = Some("apply them: taskdb migrate up".into());
    }
    if missing > 0 {
        // Applied by a newer taskdb: this binary is older than the schema.
        r.raise(State::Warning);
        parts.push(format!(
            "{missing} applied that this taskdb does not know (newer taskdb?)"
        ));
    }
    if divergent > 0 {
        r.raise(State::Critical);
        let which: Vec<String> = rows
            .iter()
            .filter(|x| x.state == M::Divergent)
            .map(|x| format!("V{}__{} ({})", x.version, x.name, x.detail))
            .collect();
        parts.push(format!("{divergent} divergent: {}", which.join(", ")));
        r.hint = Some(
            "see `taskdb migrate status`; a migration file changed after it was applied".into(),
        );
    }
    if pending == 0 && divergent == 0 && missing == 0 {
        parts.push("up to date".into());
    }
    r.message = parts.join("; ");
    r.details = json!({"current_version": current, "latest_version": latest, "pending": pending,
                       "divergent": divergent, "missing": missing});
    r.sample(
        "schema_version",
        "Newest applied migration version",
        Unit::Count,
        vec![],
        f64::from(current),
    );
    r.sample(
        "schema_pending_migrations",
        "Migrations this taskdb ships that are not applied",
        Unit::Count,
        vec![],
        pending as f64,
    );
    r.sample(
        "schema_divergent_migrations",
        "Applied migrations whose file changed since",
        Unit::Count,
        vec![],
        divergent as f64,
    );
    r
}

async fn stuck_workflows(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let row = p
        .client
        .query_one(
            "SELECT count(*)::int8, min(started_at)::text
             FROM workflows
             WHERE status = 'running' AND started_at IS NOT NULL
               AND started_at + make_interval(mins => COALESCE(timeout_minutes, 60)) < now()",
            &[],
        )
        .await?;
    let n: i64 = row.get(0);
    let oldest: Option<String> = row.get(1);
    let mut r = ProbeResult::new("stuck_workflows", Unit::Count);
    r.value = Some(n as f64);
    judge(&mut r, p.t, "stuck_workflows", n as f64);
    r.message = match &oldest {
        Some(o) if n > 0 => {
            format!("{n} running workflow(s) past their timeout (oldest started {o})")
        }
        _ => "no running workflow is past its timeout".into(),
    };
    if n > 0 {
        r.hint =
            Some("inspect them with `taskdb workflow list`; fail or cancel what is dead".into());
    }
    r.details = json!({"stuck": n, "oldest_started_at": oldest});
    r.sample(
        "workflows_stuck",
        "Running workflows past their timeout_minutes",
        Unit::Count,
        vec![],
        n as f64,
    );
    Ok(r)
}

async fn metrics_freshness(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let row = p
        .client
        .query_one(
            "SELECT extract(epoch FROM now() - max(recorded_at))::float8 FROM system_metrics",
            &[],
        )
        .await?;
    let age: Option<f64> = row.get(0);
    let mut r = ProbeResult::new("metrics_freshness", Unit::Seconds);
    match age {
        Some(age) => {
            let age = age.max(0.0);
            r.value = Some(age);
            judge(&mut r, p.t, "metrics_freshness", age);
            r.message = format!("newest metric recorded {} ago", format_duration(age));
            if r.state != State::Ok {
                r.hint = Some("whatever records metrics has stopped (e.g. the cron line with `taskdb health --record`)".into());
            }
            r.sample(
                "metrics_newest_age_seconds",
                "Age of the newest row in system_metrics",
                Unit::Seconds,
                vec![],
                age,
            );
        }
        None => {
            // Nothing recorded yet is not staleness; say so rather than invent an age.
            let (w, c) = p.t.get("metrics_freshness");
            r.warn = w;
            r.crit = c;
            r.message = "no metrics recorded yet".into();
        }
    }
    r.details = json!({"age_seconds": age});
    Ok(r)
}
