//! `taskdb maintain`: the one cron entry for upkeep. Creates the monthly partitions ahead,
//! applies retention to metrics, API access logs and the audit log, hands back tasks whose
//! lease expired (or gives them up after max attempts), recounts any wrong open-blocker count,
//! ANALYZEs taskdb's tables,
//! and says what it did. Idempotent; overlapping runs are serialised by an advisory lock that each
//! step's transaction takes (the second run skips when it is held as it starts, or waits with
//! --wait), so neither fails; a transaction lock, so that it holds through a transaction pooler.

use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::context::Context;
use crate::db::maintain::{self as db, Retention, RetentionDays};
use crate::db::Db;
use crate::exit::{usage, Exit};
use crate::options::Format;
use crate::settings::{
    FileMaintain, DEFAULT_API_LOGS_RETENTION_DAYS, DEFAULT_AUDIT_RETENTION_DAYS,
    DEFAULT_MAINTAIN_MONTHS_AHEAD, DEFAULT_METRICS_RETENTION_DAYS,
};

/// The most partitions `--months-ahead` may ask for.
const MAX_MONTHS_AHEAD: u32 = 120;

/// Arguments of `taskdb maintain` (the help text lives on the command in cli.rs).
#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  taskdb maintain\n  taskdb maintain --months-ahead 6 --audit-days 365 --format json\n\n\
cron (daily at 03:17):\n  17 3 * * *  taskdb --quiet maintain\n\n\
A second run while one is in progress skips (exit 0, says so on stderr); --wait waits instead."
)]
pub struct MaintainArgs {
    /// Monthly partitions to keep ready after the current month [config maintain.months_ahead]
    #[arg(long, value_name = "N")]
    months_ahead: Option<u32>,
    /// Days of system_metrics to keep; 0 keeps all [config maintain.metrics_retention_days]
    #[arg(long, value_name = "DAYS")]
    metrics_days: Option<u32>,
    /// Days of api_access_logs to keep; 0 keeps all [config maintain.api_logs_retention_days]
    #[arg(long, value_name = "DAYS")]
    api_logs_days: Option<u32>,
    /// Days of audit log to keep; 0 keeps all [config maintain.audit_retention_days]
    #[arg(long, value_name = "DAYS")]
    audit_days: Option<u32>,
    /// Wait for a maintain run in progress instead of skipping
    #[arg(long)]
    wait: bool,
}

#[derive(Debug, Serialize, Default)]
struct MaintainReport {
    /// True when another run held the lock and this one did nothing.
    skipped: bool,
    partitions_created: Vec<String>,
    retention: Vec<Retention>,
    /// Tasks whose lease had expired: handed back (pending) or given up (failed).
    leases_expired: Vec<ExpiredLease>,
    /// Tasks whose count of open blockers (tasks.open_blockers) was wrong and was recounted.
    blocker_counts_fixed: Vec<i64>,
    analyzed: Vec<String>,
    /// Tables not analyzed: the connected role does not own them (an operator role).
    analyze_skipped: Vec<String>,
    duration_seconds: f64,
}

/// A task whose lease had expired, and what became of it.
#[derive(Debug, Serialize)]
struct ExpiredLease {
    short_id: i64,
    /// `pending` (claimable again) or `failed` (given up after max attempts).
    status: String,
    attempts: i32,
    outcome: Option<String>,
}

/// One row of the human/CSV report.
#[derive(Serialize)]
struct Action {
    step: &'static str,
    target: String,
    result: String,
}

impl crate::output::Row for Action {
    fn columns() -> &'static [&'static str] {
        &["step", "target", "result"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.step.to_string(),
            self.target.clone(),
            self.result.clone(),
        ]
    }
}

/// The effective settings of one run: flag, else `[maintain]`, else the default.
fn plan(args: &MaintainArgs, file: &FileMaintain) -> Result<(u32, RetentionDays)> {
    let months_ahead = args
        .months_ahead
        .or(file.months_ahead)
        .unwrap_or(DEFAULT_MAINTAIN_MONTHS_AHEAD);
    if months_ahead > MAX_MONTHS_AHEAD {
        return Err(usage(format!(
            "--months-ahead {months_ahead}: at most {MAX_MONTHS_AHEAD}"
        )));
    }
    let days =
        |flag: Option<u32>, conf: Option<u32>, default: u32| flag.or(conf).unwrap_or(default);
    let retention = RetentionDays {
        audit_log: days(
            args.audit_days,
            file.audit_retention_days,
            DEFAULT_AUDIT_RETENTION_DAYS,
        ),
        system_metrics: days(
            args.metrics_days,
            file.metrics_retention_days,
            DEFAULT_METRICS_RETENTION_DAYS,
        ),
        api_access_logs: days(
            args.api_logs_days,
            file.api_logs_retention_days,
            DEFAULT_API_LOGS_RETENTION_DAYS,
        ),
    };
    Ok((months_ahead, retention))
}

pub async fn run(args: MaintainArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx
        .out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    let (months_ahead, retention) = plan(&args, &ctx.settings.file.maintain)?;
    let max_attempts = ctx.settings.max_attempts()?;
    let started = Instant::now();
    let mut db = ctx.db().await?;

    let mut report = MaintainReport::default();
    if !db::lock_free(&mut db, args.wait).await? {
        ctx.out.note("another taskdb maintain is running on this database: skipped (use --wait to wait for it)");
        report.skipped = true;
    } else {
        work(&mut db, months_ahead, retention, max_attempts, &mut report).await?;
    }
    report.duration_seconds = started.elapsed().as_secs_f64();

    if format == Format::Json {
        ctx.out.json(&report)?;
    } else {
        ctx.out.list(&actions(&report, months_ahead))?;
    }
    Ok(Exit::SUCCESS)
}

/// Every step, in order, each a transaction under the lock.
async fn work(
    client: &mut Db,
    months_ahead: u32,
    retention: RetentionDays,
    max_attempts: u32,
    report: &mut MaintainReport,
) -> Result<()> {
    report.partitions_created = db::ensure_partitions(client, months_ahead).await?;
    report.retention = db::apply_retention(client, retention).await?;
    report.leases_expired = db::expire_leases(client, max_attempts)
        .await?
        .into_iter()
        .map(|t| ExpiredLease {
            short_id: t.short_id,
            status: t.status,
            attempts: t.attempts,
            outcome: t.last_outcome,
        })
        .collect();
    report.blocker_counts_fixed = db::recount_open_blockers(client).await?;
    let analyzed = db::analyze_tables(client).await?;
    report.analyzed = analyzed.analyzed;
    report.analyze_skipped = analyzed.not_owned;
    Ok(())
}

/// The rows of the human/CSV report.
fn actions(report: &MaintainReport, months_ahead: u32) -> Vec<Action> {
    let mut actions = Vec::new();
    if report.skipped {
        actions.push(Action {
            step: "lock",
            target: "maintain".into(),
            result: "skipped: another run holds the lock".into(),
        });
    }
    for p in &report.partitions_created {
        actions.push(Action {
            step: "partition",
            target: p.clone(),
            result: "created".into(),
        });
    }
    if !report.skipped && report.partitions_created.is_empty() {
        actions.push(Action {
            step: "partition",
            target: format!("current month + {months_ahead}"),
            result: "already there".into(),
        });
    }
    for r in &report.retention {
        let mut result = format!(
            "{} row(s) older than {} days removed",
            r.rows_removed, r.keep_days
        );
        if !r.partitions_dropped.is_empty() {
            result.push_str(&format!("; dropped {}", r.partitions_dropped.join(", ")));
        }
        actions.push(Action {
            step: "retention",
            target: r.table.clone(),
            result,
        });
    }
    if !report.skipped && report.leases_expired.is_empty() {
        actions.push(Action {
            step: "leases",
            target: "tasks.lease_expires_at".into(),
            result: "none expired".into(),
        });
    }
    for l in &report.leases_expired {
        actions.push(Action {
            step: "lease",
            target: format!("#{}", l.short_id),
            result: format!(
                "expired: {} ({})",
                if l.status == "failed" {
                    "given up"
                } else {
                    "handed back"
                },
                l.outcome.as_deref().unwrap_or("")
            ),
        });
    }
    if !report.skipped {
        actions.push(Action {
            step: "readiness",
            target: "tasks.open_blockers".into(),
            result: readiness(&report.blocker_counts_fixed),
        });
    }
    actions.extend(analyze_actions(report));
    actions
}

/// The tables analyzed, and one line for those the connected role may not analyze.
fn analyze_actions(report: &MaintainReport) -> Vec<Action> {
    let mut actions: Vec<Action> = report
        .analyzed
        .iter()
        .map(|t| Action {
            step: "analyze",
            target: t.clone(),
            result: "done".into(),
        })
        .collect();
    if !report.analyze_skipped.is_empty() {
        actions.push(Action {
            step: "analyze",
            target: format!("{} table(s)", report.analyze_skipped.len()),
            result: "skipped: the connected role does not own them (autovacuum analyzes them; \
                     run maintain as the schema owner to force it)"
                .into(),
        });
    }
    actions
}

fn readiness(fixed: &[i64]) -> String {
    if fixed.is_empty() {
        "consistent".into()
    } else {
        format!(
            "recounted {} task(s): {}",
            fixed.len(),
            fixed
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
