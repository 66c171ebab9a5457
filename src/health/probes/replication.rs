//! The `replication` probe: on a primary its standbys and replication slots, on a standby its
//! own replay lag and WAL receiver.

use serde_json::json;

use super::{judge, needs_stats, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::{format_bytes, format_duration};

pub(super) async fn replication(p: &ProbeCtx<'_>) -> Result<ProbeResult, tokio_postgres::Error> {
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
    let Standbys {
        list: standby_list,
        worst_secs,
        worst_bytes,
        streaming,
    } = standby_rows(&mut r, &standbys, &mut problems);
    let slot_list = slot_rows(&mut r, &slots, &mut problems);
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

/// What the primary's standbys add up to.
struct Standbys {
    list: Vec<serde_json::Value>,
    worst_secs: f64,
    worst_bytes: f64,
    streaming: usize,
}

/// Samples and details per standby; a standby that is not streaming is a problem (WARNING).
fn standby_rows(
    r: &mut ProbeResult,
    standbys: &[tokio_postgres::Row],
    problems: &mut Vec<String>,
) -> Standbys {
    let mut standby_list = Vec::new();
    let mut worst_secs = 0f64;
    let mut worst_bytes = 0f64;
    let mut streaming = 0usize;
    for row in standbys {
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
    Standbys {
        list: standby_list,
        worst_secs,
        worst_bytes,
        streaming,
    }
}

/// Samples and details per replication slot; an inactive slot is a problem (CRITICAL).
fn slot_rows(
    r: &mut ProbeResult,
    slots: &[tokio_postgres::Row],
    problems: &mut Vec<String>,
) -> Vec<serde_json::Value> {
    let mut slot_list = Vec::new();
    for row in slots {
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
    slot_list
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
