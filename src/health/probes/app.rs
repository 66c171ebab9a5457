//! The probes of taskdb's own tables: the schema's migrations, stuck workflows and the age of
//! the newest recorded metric.

use serde_json::json;

use super::{judge, ProbeCtx};
use crate::health::{ProbeResult, State, Unit};
use crate::units::format_duration;

/// Compare the applied migrations with the ones this binary ships (`migrate status`).
pub(super) async fn schema(p: &ProbeCtx<'_>) -> ProbeResult {
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

pub(super) async fn stuck_workflows(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
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

pub(super) async fn metrics_freshness(
    p: &ProbeCtx<'_>,
) -> Result<ProbeResult, tokio_postgres::Error> {
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
