//! `taskdb maintain`: the one cron entry for upkeep. Creates the monthly partitions ahead,
//! applies retention to metrics, API access logs and the audit log, recounts any wrong
//! open-blocker count, ANALYZEs taskdb's tables,
//! and says what it did. Idempotent; overlapping runs are serialised by an advisory lock (the
//! second one skips, or waits with --wait), so neither fails.

use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::Args;
use serde::Serialize;

use crate::context::Context;
use crate::exit::{usage, Exit};
use crate::options::Format;

/// Session advisory lock key of `taskdb maintain` ("taskdbmt").
const LOCK_KEY: i64 = 0x7461_736b_6462_6d74;

const DEFAULT_MONTHS_AHEAD: u32 = 3;
const DEFAULT_METRICS_DAYS: u32 = 30;
const DEFAULT_API_LOGS_DAYS: u32 = 7;
const DEFAULT_AUDIT_DAYS: u32 = 90;

/// Arguments of `taskdb health` (the help text lives on the command in cli.rs).
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

#[derive(Debug, Serialize)]
struct Retention {
    table: String,
    keep_days: u32,
    rows_removed: i64,
    partitions_dropped: Vec<String>,
}

#[derive(Debug, Serialize, Default)]
struct MaintainReport {
    /// True when another run held the lock and this one did nothing.
    skipped: bool,
    partitions_created: Vec<String>,
    retention: Vec<Retention>,
    /// Tasks whose count of open blockers (tasks.open_blockers) was wrong and was recounted.
    blocker_counts_fixed: Vec<i64>,
    analyzed: Vec<String>,
    duration_seconds: f64,
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

pub async fn run(args: MaintainArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx
        .out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    let file = &ctx.settings.file.maintain;
    let months_ahead = args
        .months_ahead
        .or(file.months_ahead)
        .unwrap_or(DEFAULT_MONTHS_AHEAD);
    if months_ahead > 120 {
        return Err(usage(format!("--months-ahead {months_ahead}: at most 120")));
    }
    let days =
        |flag: Option<u32>, conf: Option<u32>, default: u32| flag.or(conf).unwrap_or(default);
    let metrics_days = days(
        args.metrics_days,
        file.metrics_retention_days,
        DEFAULT_METRICS_DAYS,
    );
    let api_days = days(
        args.api_logs_days,
        file.api_logs_retention_days,
        DEFAULT_API_LOGS_DAYS,
    );
    let audit_days = days(
        args.audit_days,
        file.audit_retention_days,
        DEFAULT_AUDIT_DAYS,
    );
    let started = Instant::now();
    let db = ctx.db().await?;

    let locked: bool = if args.wait {
        db.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?;
        true
    } else {
        db.query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY])
            .await
            .context("cannot take the maintain lock")?
            .get(0)
    };
    let mut report = MaintainReport::default();
    if !locked {
        ctx.out.note("another taskdb maintain is running on this database: skipped (use --wait to wait for it)");
        report.skipped = true;
    } else {
        let result = work(
            &db,
            months_ahead,
            [
                ("audit_log", audit_days),
                ("system_metrics", metrics_days),
                ("api_access_logs", api_days),
            ],
            &mut report,
        )
        .await;
        let _ = db
            .execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY])
            .await;
        result?;
    }
    report.duration_seconds = started.elapsed().as_secs_f64();

    if format == Format::Json {
        ctx.out.json(&report)?;
    } else {
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
        if !report.skipped {
            actions.push(Action {
                step: "readiness",
                target: "tasks.open_blockers".into(),
                result: if report.blocker_counts_fixed.is_empty() {
                    "consistent".into()
                } else {
                    format!(
                        "recounted {} task(s): {}",
                        report.blocker_counts_fixed.len(),
                        report
                            .blocker_counts_fixed
                            .iter()
                            .map(|id| format!("#{id}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            });
        }
        for t in &report.analyzed {
            actions.push(Action {
                step: "analyze",
                target: t.clone(),
                result: "done".into(),
            });
        }
        ctx.out.list(&actions)?;
    }
    Ok(Exit::SUCCESS)
}

async fn work(
    db: &crate::db::Db,
    months_ahead: u32,
    retention: [(&'static str, u32); 3],
    report: &mut MaintainReport,
) -> Result<()> {
    let months = i32::try_from(months_ahead).unwrap_or(120);
    for table in ["system_metrics", "api_access_logs"] {
        let rows = db
            .query(
                "SELECT ensure_monthly_partitions($1::text::regclass, $2)",
                &[&table, &months],
            )
            .await
            .with_context(|| format!("cannot create the partitions of {table}"))?;
        report
            .partitions_created
            .extend(rows.iter().map(|r| r.get::<_, String>(0)));
    }

    // Retention in one transaction through the schema's cleanup_old_data(); the rows are counted
    // first so that rows in dropped partitions are reported too.
    let param = |d: u32| (d > 0).then(|| i32::try_from(d).unwrap_or(i32::MAX));
    db.batch_execute("BEGIN").await?;
    let outcome = async {
        let mut counts = Vec::new();
        for (table, column, keep) in [
            ("audit_log", "occurred_at", retention[0].1),
            ("system_metrics", "recorded_at", retention[1].1),
            ("api_access_logs", "occurred_at", retention[2].1),
        ] {
            if keep == 0 {
                continue;
            }
            // Table and column names are taskdb's constants, not input.
            let sql = format!(
                "SELECT count(*)::int8 FROM {table} WHERE {column} < now() - make_interval(days => $1)"
            );
            let keep_i = i32::try_from(keep).unwrap_or(i32::MAX);
            let n: i64 = db.query_one(&sql, &[&keep_i]).await?.get(0);
            counts.push((table, keep, n));
        }
        let rows = db
            .query(
                "SELECT table_name, deleted_rows, dropped_partitions FROM cleanup_old_data($1, $2, $3)",
                &[&param(retention[0].1), &param(retention[1].1), &param(retention[2].1)],
            )
            .await?;
        for (table, keep, n) in counts {
            let dropped: Vec<String> = rows
                .iter()
                .find(|r| r.get::<_, String>(0) == table)
                .map(|r| r.get(2))
                .unwrap_or_default();
            report.retention.push(Retention {
                table: table.to_string(),
                keep_days: keep,
                rows_removed: n,
                partitions_dropped: dropped,
            });
        }
        Ok::<_, tokio_postgres::Error>(())
    }
    .await;
    match outcome {
        Ok(()) => db
            .batch_execute("COMMIT")
            .await
            .context("cannot commit the retention")?,
        Err(e) => {
            let _ = db.batch_execute("ROLLBACK").await;
            return Err(anyhow::Error::new(e).context("retention failed (nothing was removed)"));
        }
    }

    // The open-blocker counts are derived data kept by triggers; a client writing the column
    // itself (or triggers disabled for a bulk load) can leave one wrong, and a wrong count
    // hides a ready task or offers a blocked one. Recount those under the graph lock.
    db.batch_execute("BEGIN").await?;
    let recount = async {
        db.execute("SELECT lock_task_graph('dependencies')", &[])
            .await?;
        // The schema's own recount: it rewrites, and returns, only the wrong ones.
        let rows = db
            .query(
                "SELECT t.short_id FROM refresh_open_blockers(ARRAY(SELECT id FROM tasks)) AS r(id) \
                   JOIN tasks t ON t.id = r.id ORDER BY 1",
                &[],
            )
            .await?;
        Ok::<_, tokio_postgres::Error>(rows.iter().map(|r| r.get::<_, i64>(0)).collect())
    }
    .await;
    match recount {
        Ok(fixed) => {
            db.batch_execute("COMMIT")
                .await
                .context("cannot commit the recount")?;
            report.blocker_counts_fixed = fixed;
        }
        Err(e) => {
            let _ = db.batch_execute("ROLLBACK").await;
            return Err(anyhow::Error::new(e).context("recounting open blockers failed"));
        }
    }

    // taskdb's tables: the ordinary and partitioned tables of the schema taskdb lives in
    // (partitions are analyzed through their parent).
    let tables: Vec<String> = db
        .query(
            "SELECT c.relname::text FROM pg_class c
             WHERE c.relnamespace = current_schema()::regnamespace
               AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for t in tables {
        let sql = format!(
            "ANALYZE {}",
            postgres_protocol::escape::escape_identifier(&t)
        );
        db.batch_execute(&sql)
            .await
            .with_context(|| format!("cannot ANALYZE {t}"))?;
        report.analyzed.push(t);
    }
    Ok(())
}
