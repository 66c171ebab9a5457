//! The server-wide probes about WAL and configuration: WAL archiving (`pg_stat_archiver`),
//! checkpoints (`pg_stat_bgwriter`, `pg_stat_checkpointer` from PostgreSQL 17) and settings that
//! wait for a restart (`pg_settings.pending_restart`). Counters are judged over a window taken
//! from what an earlier `health --record` stored (`recorded`) where lifetime totals would
//! mislead.

use serde_json::json;

use super::recorded::{oldest_recorded, previous_recorded};
use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_duration;

/// One row of `pg_stat_archiver`, with the setting that says whether it should be working.
struct Archiver {
    mode: String,
    archived: i64,
    last_archived_wal: Option<String>,
    last_archived_ago: Option<f64>,
    failed: i64,
    last_failed_wal: Option<String>,
    last_failed_ago: Option<f64>,
    /// The last attempt failed (a failure newer than the last success).
    failing: bool,
}

async fn read_archiver(p: &ProbeCtx<'_>) -> Result<Archiver, tokio_postgres::Error> {
    let row = p
        .client
        .query_one(
            "SELECT current_setting('archive_mode'), archived_count::int8, last_archived_wal,
                    extract(epoch FROM now() - last_archived_time)::float8,
                    failed_count::int8, last_failed_wal,
                    extract(epoch FROM now() - last_failed_time)::float8,
                    last_failed_time IS NOT NULL
                      AND (last_archived_time IS NULL OR last_failed_time > last_archived_time)
             FROM pg_stat_archiver",
            &[],
        )
        .await?;
    Ok(Archiver {
        mode: row.get(0),
        archived: row.get(1),
        last_archived_wal: row.get(2),
        last_archived_ago: row.get(3),
        failed: row.get(4),
        last_failed_wal: row.get(5),
        last_failed_ago: row.get(6),
        failing: row.get(7),
    })
}

/// WAL segments waiting for the archiver (`.ready` files; needs pg_monitor or a superuser).
async fn ready_segments(p: &ProbeCtx<'_>) -> Option<i64> {
    p.client
        .query_one(
            "SELECT count(*)::int8 FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'",
            &[],
        )
        .await
        .ok()
        .map(|r| r.get(0))
}

pub(super) async fn archiver(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let a = read_archiver(p).await?;
    let mut r = ProbeResult::new("archiver", Unit::Count);
    // A standby archives only with archive_mode = always.
    let active = a.mode == "always" || (a.mode == "on" && !p.session.in_recovery);
    r.sample(
        "pg_archiver_enabled",
        "1 when this server archives WAL (archive_mode on, or always on a standby)",
        Unit::Count,
        vec![],
        if active { 1.0 } else { 0.0 },
    );
    if !active {
        r.message = if a.mode == "on" {
            "archive_mode = on: a standby does not archive (the primary does)".into()
        } else {
            format!("archive_mode = {}: WAL is not archived", a.mode)
        };
        r.details = json!({"archive_mode": a.mode, "active": false});
        return Ok(r);
    }
    let ready = ready_segments(p).await;
    // Failures since the last recorded run; counters that went backwards were reset since.
    let window = previous_recorded(p, "pg_archiver_failed_total")
        .await
        .and_then(|(ago, prev)| {
            let n = a.failed as f64 - prev;
            (n >= 0.0).then_some((ago, n))
        });
    let mut parts = Vec::new();
    match window {
        Some((ago, n)) => {
            r.value = Some(n);
            judge(&mut r, p.t, "archive_failures", n);
            parts.push(format!(
                "{n:.0} failure(s) since the last recorded run {} ago",
                format_duration(ago)
            ));
        }
        None => {
            // Without a window the lifetime count is shown, not judged: one failure months ago
            // must not warn forever.
            r.value = Some(a.failed as f64);
            parts.push(format!(
                "{} failure(s) and {} archived since stats reset",
                a.failed, a.archived
            ));
        }
    }
    if a.failing {
        r.raise(State::Critical);
        parts.insert(
            0,
            format!(
                "archiving is failing: {} failed {} ago",
                a.last_failed_wal.as_deref().unwrap_or("?"),
                format_duration(a.last_failed_ago.unwrap_or(0.0))
            ),
        );
        r.hint = Some(
            "check archive_command (or archive_library) and the server log; until it works WAL \
             accumulates in pg_wal and point-in-time recovery has a gap"
                .into(),
        );
    } else if r.state != State::Ok {
        r.hint = Some(
            "archiving failed and recovered since the last run: see the server log for why".into(),
        );
    }
    archive_age(p, &mut r, &a, &mut parts);
    if let Some(n) = ready.filter(|n| *n > 0) {
        parts.push(format!("{n} segment(s) waiting to be archived"));
    }
    r.message = parts.join("; ");
    r.details = json!({"archive_mode": a.mode, "active": true, "failing": a.failing,
        "archived_count": a.archived, "failed_count": a.failed,
        "last_archived_wal": a.last_archived_wal, "last_archived_seconds_ago": a.last_archived_ago,
        "last_failed_wal": a.last_failed_wal, "last_failed_seconds_ago": a.last_failed_ago,
        "failures_since_last_recorded_run": window.map(|w| w.1), "ready_segments": ready});
    archiver_samples(&mut r, &a, ready);
    Ok(r)
}

/// The age of the last archived segment, judged by `archive_age` (off by default: an idle
/// server switches segments only every `archive_timeout`).
fn archive_age(p: &ProbeCtx<'_>, r: &mut ProbeResult, a: &Archiver, parts: &mut Vec<String>) {
    match a.last_archived_ago {
        Some(age) => {
            r.raise(State::from(p.t.breach("archive_age", age)));
            parts.push(format!(
                "last archived {} {} ago",
                a.last_archived_wal.as_deref().unwrap_or("?"),
                format_duration(age)
            ));
        }
        None => parts.push("nothing archived since stats reset".into()),
    }
}

fn archiver_samples(r: &mut ProbeResult, a: &Archiver, ready: Option<i64>) {
    r.sample(
        "pg_archiver_archived_total",
        "WAL segments archived since stats reset",
        Unit::Count,
        vec![],
        a.archived as f64,
    );
    r.sample(
        "pg_archiver_failed_total",
        "Failed attempts to archive a WAL segment since stats reset",
        Unit::Count,
        vec![],
        a.failed as f64,
    );
    r.sample(
        "pg_archiver_failing",
        "1 when the last archiving attempt failed",
        Unit::Count,
        vec![],
        if a.failing { 1.0 } else { 0.0 },
    );
    if let Some(age) = a.last_archived_ago {
        r.sample(
            "pg_archiver_last_archive_age_seconds",
            "Time since the last WAL segment was archived",
            Unit::Seconds,
            vec![],
            age,
        );
    }
    if let Some(n) = ready {
        r.sample(
            "pg_archiver_ready_segments",
            "WAL segments waiting to be archived",
            Unit::Count,
            vec![],
            n as f64,
        );
    }
}

/// Below this many checkpoints the requested share says nothing.
const MIN_CHECKPOINTS: f64 = 3.0;

/// The checkpointer's counters since stats reset.
struct Counters {
    timed: i64,
    requested: i64,
    write_ms: f64,
    sync_ms: f64,
    buffers: i64,
}

async fn checkpoint_counters(p: &ProbeCtx<'_>) -> Result<Counters, tokio_postgres::Error> {
    let sql = if p.session.version_num >= 170_000 {
        "SELECT num_timed::int8, num_requested::int8, write_time::float8, sync_time::float8,
                buffers_written::int8
         FROM pg_stat_checkpointer"
    } else {
        "SELECT checkpoints_timed::int8, checkpoints_req::int8, checkpoint_write_time::float8,
                checkpoint_sync_time::float8, buffers_checkpoint::int8
         FROM pg_stat_bgwriter"
    };
    let row = p.client.query_one(sql, &[]).await?;
    Ok(Counters {
        timed: row.get(0),
        requested: row.get(1),
        write_ms: row.get(2),
        sync_ms: row.get(3),
        buffers: row.get(4),
    })
}

/// (timed, requested, which window): since the oldest recorded run of the last day
/// (checkpoints are minutes apart, too rare to judge between two runs) when that window holds
/// enough of them, else since stats reset.
async fn checkpoint_window(p: &ProbeCtx<'_>, c: &Counters) -> (f64, f64, String) {
    let window = match (
        oldest_recorded(p, "pg_checkpoints_timed_total").await,
        oldest_recorded(p, "pg_checkpoints_requested_total").await,
    ) {
        (Some((ago, t0)), Some((_, q0))) => {
            let (dt, dq) = (c.timed as f64 - t0, c.requested as f64 - q0);
            (dt >= 0.0 && dq >= 0.0 && dt + dq >= MIN_CHECKPOINTS).then_some((ago, dt, dq))
        }
        _ => None,
    };
    match window {
        Some((ago, dt, dq)) => (dt, dq, format!("in the last {}", format_duration(ago))),
        None => (
            c.timed as f64,
            c.requested as f64,
            "since stats reset".to_string(),
        ),
    }
}

pub(super) async fn checkpoints(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
    let c = checkpoint_counters(p).await?;
    let mut r = ProbeResult::new("checkpoints", Unit::Ratio);
    let (t, q, since) = checkpoint_window(p, &c).await;
    let total = t + q;
    let ratio = if total > 0.0 { q / total } else { 0.0 };
    r.value = Some(ratio);
    if total >= MIN_CHECKPOINTS {
        judge(&mut r, p.t, "checkpoints", ratio);
        r.message = format!(
            "{q:.0} of {total:.0} checkpoints requested rather than timed {since} ({:.0}%)",
            ratio * 100.0
        );
    } else {
        r.message = format!("only {total:.0} checkpoint(s) {since}: too few to judge");
    }
    let all = c.timed + c.requested;
    if all > 0 {
        r.message.push_str(&format!(
            "; on average {} writing and {} syncing each",
            format_duration(c.write_ms / 1000.0 / all as f64),
            format_duration(c.sync_ms / 1000.0 / all as f64)
        ));
    }
    if r.state != State::Ok {
        r.hint = Some(
            "WAL fills max_wal_size before checkpoint_timeout: raise max_wal_size (requested \
             checkpoints also come from CHECKPOINT, pg_basebackup and CREATE/DROP DATABASE)"
                .into(),
        );
    }
    r.details = json!({"timed": c.timed, "requested": c.requested, "window": since,
        "requested_in_window": q, "timed_in_window": t, "write_seconds": c.write_ms / 1000.0,
        "sync_seconds": c.sync_ms / 1000.0, "buffers_written": c.buffers});
    checkpoint_samples(&mut r, &c, ratio);
    Ok(r)
}

fn checkpoint_samples(r: &mut ProbeResult, c: &Counters, ratio: f64) {
    for (name, help, unit, v) in [
        (
            "pg_checkpoints_timed_total",
            "Checkpoints started by checkpoint_timeout",
            Unit::Count,
            c.timed as f64,
        ),
        (
            "pg_checkpoints_requested_total",
            "Checkpoints requested (WAL volume, CHECKPOINT, backups)",
            Unit::Count,
            c.requested as f64,
        ),
        (
            "pg_checkpoint_write_seconds_total",
            "Time checkpoints spent writing files",
            Unit::Seconds,
            c.write_ms / 1000.0,
        ),
        (
            "pg_checkpoint_sync_seconds_total",
            "Time checkpoints spent syncing files",
            Unit::Seconds,
            c.sync_ms / 1000.0,
        ),
        (
            "pg_checkpoints_requested_ratio",
            "Share of checkpoints requested rather than timed (window of the checkpoints probe)",
            Unit::Ratio,
            ratio,
        ),
    ] {
        r.sample(name, help, unit, vec![], v);
    }
}

pub(super) async fn pending_restart(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
    let rows = p
        .client
        .query(
            "SELECT name, current_setting(name) FROM pg_settings WHERE pending_restart ORDER BY 1",
            &[],
        )
        .await?;
    // What the configuration files say now, the last line of each name winning as it does at
    // startup (pg_file_settings: superusers only by default).
    let waiting: Vec<(String, String)> = p
        .client
        .query(
            "SELECT DISTINCT ON (name) name, setting FROM pg_file_settings
             ORDER BY name, seqno DESC",
            &[],
        )
        .await
        .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        .unwrap_or_default();
    let mut r = ProbeResult::new("pending_restart", Unit::Count);
    let settings: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            let current: String = row.get(1);
            let next = waiting
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone());
            json!({"name": name, "current": current, "after_restart": next})
        })
        .collect();
    let n = settings.len() as f64;
    r.value = Some(n);
    judge(&mut r, p.t, "pending_restart", n);
    r.message = if settings.is_empty() {
        "no setting waits for a restart".into()
    } else {
        let shown: Vec<String> = settings
            .iter()
            .map(|s| match s["after_restart"].as_str() {
                Some(next) => format!(
                    "{} {} -> {next}",
                    s["name"].as_str().unwrap_or("?"),
                    s["current"].as_str().unwrap_or("?")
                ),
                None => format!(
                    "{} (now {})",
                    s["name"].as_str().unwrap_or("?"),
                    s["current"].as_str().unwrap_or("?")
                ),
            })
            .collect();
        format!(
            "changed but not applied until a restart: {}",
            shown.join(", ")
        )
    };
    if !settings.is_empty() {
        r.hint = Some(
            "restart the server in a maintenance window (pg_ctl restart, systemctl restart \
             postgresql, patronictl restart) — or undo the change (ALTER SYSTEM RESET name; \
             SELECT pg_reload_conf();)"
                .into(),
        );
    }
    r.details = json!({"settings": settings});
    r.sample(
        "pg_settings_pending_restart",
        "Settings changed that take effect only after a restart",
        Unit::Count,
        vec![],
        n,
    );
    Ok(r)
}
