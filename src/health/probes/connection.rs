//! The probes about reaching the server: `connect` and `server` (from the session read right
//! after connecting, no query of their own) and `connections` (client connections against the
//! usable slots).

use serde_json::json;

use super::{judge, ProbeCtx, Session};
use crate::health::{ProbeResult, State, Unit};
use crate::settings::thresholds::Thresholds;
use crate::units::format_duration;

pub fn connect_ok(t: &Thresholds, seconds: f64, target: &str) -> ProbeResult {
    let mut r = ProbeResult::new("connect", Unit::Seconds);
    r.value = Some(seconds);
    judge(&mut r, t, "connect_time", seconds);
    r.message = format!(
        "connected to {target} and ran a query in {}",
        format_duration(seconds)
    );
    r.duration_seconds = seconds;
    pg_up(&mut r, 1.0);
    r.sample(
        "pg_connect_seconds",
        "Time to connect and run a first query",
        Unit::Seconds,
        vec![],
        seconds,
    );
    r
}

/// `pg_up`: whether the database answered (1) or not (0).
fn pg_up(r: &mut ProbeResult, value: f64) {
    r.sample(
        "pg_up",
        "1 when the database answered a query",
        Unit::Count,
        vec![],
        value,
    );
}

pub fn connect_failed(message: String, seconds: f64) -> ProbeResult {
    let mut r = ProbeResult::new("connect", Unit::Seconds);
    r.state = State::Critical;
    r.message = message;
    r.hint = Some("is the server running and reachable? (taskdb config show: database.url)".into());
    r.duration_seconds = seconds;
    pg_up(&mut r, 0.0);
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

/// What `connections` reads from pg_stat_activity and the settings.
struct Counts {
    used: i64,
    active: i64,
    idle: i64,
    idle_tx: i64,
    max: i64,
    su_reserved: i64,
    reserved: i64,
}

async fn read_counts(client: &crate::db::Db) -> Result<Counts, tokio_postgres::Error> {
    // Client backends only (not walsenders, autovacuum, …), excluding this probe's own session.
    // Without pg_read_all_stats other roles' rows hide backend_type: count those that belong to
    // a database instead of silently counting them as nothing.
    // PG16+ also reserves `reserved_connections` for pg_use_reserved_connections.
    let row = client
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
    Ok(Counts {
        used: row.get(0),
        active: row.get(1),
        idle: row.get(2),
        idle_tx: row.get(3),
        max: row.get(4),
        su_reserved: row.get(5),
        reserved: row.get(6),
    })
}

pub(super) async fn connections(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let c = read_counts(p.client).await?;
    let Counts {
        used,
        active,
        idle,
        idle_tx,
        max,
        su_reserved,
        reserved,
    } = c;
    let usable = (max - su_reserved - reserved).max(1);
    let ratio = used as f64 / usable as f64;
    let mut r = ProbeResult::new("connections", Unit::Ratio);
    r.value = Some(ratio);
    judge(&mut r, p.t, "connections", ratio);
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
    connection_samples(&mut r, &c, p.session.reads_all_stats, ratio);
    Ok(r)
}

/// Per state when every session is visible, else one total; the limits; the usage ratio.
fn connection_samples(r: &mut ProbeResult, c: &Counts, reads_all_stats: bool, ratio: f64) {
    let help = "Client connections by state (this probe's own excluded)";
    if reads_all_stats {
        let other = c.used - c.active - c.idle - c.idle_tx;
        for (state, n) in [
            ("active", c.active),
            ("idle", c.idle),
            ("idle_in_transaction", c.idle_tx),
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
            c.used as f64,
        );
    }
    r.sample(
        "pg_max_connections",
        "max_connections",
        Unit::Count,
        vec![],
        c.max as f64,
    );
    r.sample(
        "pg_reserved_connections",
        "Slots reserved for superusers (and pg_use_reserved_connections)",
        Unit::Count,
        vec![],
        (c.su_reserved + c.reserved) as f64,
    );
    r.sample(
        "pg_connections_usage_ratio",
        "Client connections / usable slots",
        Unit::Ratio,
        vec![],
        ratio,
    );
}
