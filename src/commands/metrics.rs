//! `taskdb metrics record|dump|prune`: write, read and expire rows of `system_metrics`.

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::context::Context;
use crate::db::metrics::{self, Agg, Filter};
use crate::db::Db;
use crate::exit::{failed, usage, Exit};
use crate::health::render::{sanitize_name, Exposition};
use crate::options::{DatabaseUse, Format};
use crate::units::{format_duration, parse_duration, parse_point_in_time};

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    cmd: MetricsCmd,
}

#[derive(Debug, Subcommand)]
enum MetricsCmd {
    /// Record one sample
    #[command(
        after_help = "Examples:\n  taskdb metrics record queue_depth 42 --component scheduler --unit count\n  \
                            taskdb metrics record deploy_seconds 93.5 --type timer --unit seconds --tag env=prod"
    )]
    Record(RecordArgs),
    /// Print samples, raw (paginated) or aggregated per time bucket
    #[command(
        after_help = "Examples:\n  taskdb metrics dump --name pg_connect_seconds --since 1h\n  \
                            taskdb metrics dump --component health --since 1d --bucket 1h --agg p95 --format csv\n  \
                            taskdb metrics dump --since 2026-11-01T00:00:00Z --limit 100 --offset 100\n  \
                            taskdb metrics dump --component health --format prometheus   # latest value per series"
    )]
    Dump(DumpArgs),
    /// Remove samples older than a given age: whole monthly partitions first, then rows
    #[command(
        after_help = "Examples:\n  taskdb metrics prune --older-than 30d --dry-run\n  taskdb metrics prune --older-than 90d"
    )]
    Prune(PruneArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MetricType {
    Gauge,
    Counter,
    Histogram,
    Timer,
}

impl MetricType {
    fn name(self) -> &'static str {
        match self {
            MetricType::Gauge => "gauge",
            MetricType::Counter => "counter",
            MetricType::Histogram => "histogram",
            MetricType::Timer => "timer",
        }
    }
}

#[derive(Debug, Args)]
struct RecordArgs {
    /// Metric name, e.g. queue_depth
    name: String,
    /// A finite number (negative values allowed)
    #[arg(allow_hyphen_values = true)]
    value: String,
    /// Metric type
    #[arg(long = "type", value_enum, default_value_t = MetricType::Gauge)]
    metric_type: MetricType,
    /// Unit: bytes, seconds, milliseconds, count, percent, requests_per_second, errors_per_minute
    #[arg(long)]
    unit: Option<String>,
    /// Component the sample belongs to, e.g. scheduler
    #[arg(long)]
    component: Option<String>,
    /// A tag key=value (repeatable)
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    tags: Vec<String>,
}

#[derive(Debug, Args)]
struct DumpArgs {
    /// Only these metric names (repeatable)
    #[arg(long = "name", value_name = "NAME")]
    names: Vec<String>,
    /// Only this component
    #[arg(long)]
    component: Option<String>,
    /// From this time on: a duration back from now (1h, 7d) or RFC 3339
    #[arg(long, allow_hyphen_values = true, value_name = "WHEN")]
    since: Option<String>,
    /// Before this time: a duration back from now or RFC 3339
    #[arg(long, allow_hyphen_values = true, value_name = "WHEN")]
    until: Option<String>,
    /// Aggregate per time bucket of this size (1m, 1h, 1d; aligned to UTC epoch)
    #[arg(long, value_name = "DURATION")]
    bucket: Option<String>,
    /// Aggregate used with --bucket
    #[arg(long, value_enum, default_value_t = Agg::Avg)]
    agg: Agg,
    /// Raw samples per page
    #[arg(long, default_value_t = 1000)]
    limit: i64,
    /// Raw samples to skip (the next page starts at --offset + --limit)
    #[arg(long, default_value_t = 0)]
    offset: i64,
}

#[derive(Debug, Args)]
struct PruneArgs {
    /// Remove samples older than this (e.g. 30d, 12h)
    #[arg(long, allow_hyphen_values = true, value_name = "DURATION")]
    older_than: String,
    /// Report what would be removed; change nothing
    #[arg(long)]
    dry_run: bool,
}

impl MetricsArgs {
    /// Which subcommands write (refused in read-only mode and on a standby).
    pub fn database_use(&self) -> DatabaseUse {
        match &self.cmd {
            MetricsCmd::Dump(_) => DatabaseUse::Reads,
            MetricsCmd::Record(_) => DatabaseUse::Writes("metrics record"),
            MetricsCmd::Prune(_) => DatabaseUse::Writes("metrics prune"),
        }
    }
}

pub async fn run(args: MetricsArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        MetricsCmd::Record(a) => record(a, ctx).await,
        MetricsCmd::Dump(a) => dump(a, ctx).await,
        MetricsCmd::Prune(a) => prune(a, ctx).await,
    }
}

#[derive(Serialize)]
struct Recorded<'a> {
    id: i64,
    name: &'a str,
    value: f64,
    metric_type: &'a str,
    unit: Option<&'a str>,
    component: Option<&'a str>,
    tags: &'a serde_json::Value,
}

/// The largest magnitude `metrics record` accepts.
const MAX_ABS_VALUE: f64 = 1e300;

async fn record(a: RecordArgs, ctx: &Context) -> Result<Exit> {
    ctx.out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    let value: f64 = a
        .value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| usage(format!("value {:?} is not a finite number", a.value)))?;
    // Sums, averages and percentile interpolation must stay finite in float8 (±1.8e308).
    if value.abs() > MAX_ABS_VALUE {
        return Err(usage(format!(
            "value {:?} is out of range: at most ±1e300, so that aggregates stay finite",
            a.value
        )));
    }
    if a.name.trim().is_empty() {
        return Err(usage("the metric name must not be blank"));
    }
    let mut tags = serde_json::Map::new();
    for t in &a.tags {
        let (k, v) = t
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| usage(format!("--tag {t:?}: expected KEY=VALUE")))?;
        tags.insert(k.trim().to_string(), v.to_string().into());
    }
    let tags = serde_json::Value::Object(tags);
    let db = ctx.db().await?;
    let id = metrics::record(
        &db,
        &a.name,
        value,
        a.component.as_deref(),
        a.metric_type.name(),
        &tags,
        a.unit.as_deref(),
    )
    .await
    .map_err(|e| match e.as_db_error() {
        // The schema's CHECKs are the rule book; say which rule in one line.
        Some(d) if d.code() == &tokio_postgres::error::SqlState::CHECK_VIOLATION => {
            let what = match d.constraint() {
                Some("system_metrics_unit_valid") => format!(
                    "unit {:?} is not allowed (bytes, seconds, milliseconds, count, percent, requests_per_second, errors_per_minute)",
                    a.unit.clone().unwrap_or_default()
                ),
                Some(c) => format!("rejected by the schema ({c}): {}", d.message()),
                None => d.message().to_string(),
            };
            usage(what)
        }
        _ => anyhow::Error::new(e).context("cannot record the metric"),
    })?;
    let rec = Recorded {
        id,
        name: &a.name,
        value,
        metric_type: a.metric_type.name(),
        unit: a.unit.as_deref(),
        component: a.component.as_deref(),
        tags: &tags,
    };
    ctx.out.record(
        &rec,
        &[
            ("id", id.to_string()),
            ("name", a.name.clone()),
            ("value", value.to_string()),
            ("type", a.metric_type.name().into()),
            ("unit", a.unit.clone().unwrap_or_default()),
            ("component", a.component.clone().unwrap_or_default()),
        ],
    )?;
    Ok(Exit::SUCCESS)
}

async fn dump(a: DumpArgs, ctx: &Context) -> Result<Exit> {
    let format =
        ctx.out
            .require_format(&[Format::Table, Format::Json, Format::Csv, Format::Prometheus])?;
    let (filter, bucket) = dump_filter(&a)?;
    let db = ctx.db().await?;
    match bucket {
        Some(secs) => dump_buckets(ctx, &db, &filter, secs, a.agg, format).await,
        None if format == Format::Prometheus => dump_latest(ctx, &db, &filter).await,
        None => dump_raw(ctx, &db, &filter, a.limit, a.offset).await,
    }?;
    Ok(Exit::SUCCESS)
}

/// The samples `--name`, `--component`, `--since` and `--until` select, and the `--bucket`
/// size in seconds; bad values exit 2 before connecting.
fn dump_filter(a: &DumpArgs) -> Result<(Filter, Option<f64>)> {
    let now = chrono::Utc::now();
    let since = a
        .since
        .as_deref()
        .map(|s| parse_point_in_time(s, now).map_err(|e| usage(format!("--since: {e}"))))
        .transpose()?;
    let until = a
        .until
        .as_deref()
        .map(|s| parse_point_in_time(s, now).map_err(|e| usage(format!("--until: {e}"))))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until) {
        if s >= u {
            return Err(usage("--since must be before --until"));
        }
    }
    let bucket = match &a.bucket {
        Some(b) => {
            let d = parse_duration(b).map_err(|e| usage(format!("--bucket: {e}")))?;
            if d.as_secs_f64() < 1.0 {
                return Err(usage(format!("--bucket {b:?}: must be at least 1s")));
            }
            Some(d.as_secs_f64())
        }
        None => None,
    };
    if a.limit < 1 || a.offset < 0 {
        return Err(usage("--limit must be at least 1 and --offset at least 0"));
    }
    let filter = Filter {
        names: a.names.clone(),
        component: a.component.clone(),
        since,
        until,
    };
    Ok((filter, bucket))
}

/// `--bucket`: one aggregate per metric and bucket; with `--format prometheus`, the newest
/// bucket of each metric.
async fn dump_buckets(
    ctx: &Context,
    db: &Db,
    filter: &Filter,
    secs: f64,
    agg: Agg,
    format: Format,
) -> Result<()> {
    let rows =
        metrics::bucketed(db, filter, secs, agg)
            .await
            .map_err(|e| match crate::db::sqlstate(&e) {
                // Other clients may have stored values near ±1.8e308 (the schema only
                // requires finite ones); say what overflowed instead of the raw error.
                Some("22003") => failed(format!(
                "the {} of a bucket is beyond the float8 range (samples near ±1.8e308 are stored): \
                 narrow --name/--since/--until or use --agg min, max or count",
                agg.name()
            )),
                _ => anyhow::Error::new(e).context("cannot read system_metrics"),
            })?;
    if format == Format::Prometheus {
        let mut e = Exposition::default();
        // The newest bucket of each metric (rows come oldest first).
        for b in rows.iter().rev() {
            let name = format!("taskdb_{}", sanitize_name(&b.name));
            if e.families.iter().any(|f| f.name == name) {
                continue;
            }
            let help = format!(
                "{} of {} per {} bucket (newest bucket)",
                b.agg,
                b.name,
                format_duration(secs)
            );
            e.add(
                name,
                &help,
                "gauge",
                vec![("agg".into(), b.agg.to_string())],
                b.value,
            );
        }
        ctx.out.raw(e.text())?;
    } else {
        ctx.out.list(&rows)?;
    }
    Ok(())
}

/// `--format prometheus` without `--bucket`: the newest sample of each series.
async fn dump_latest(ctx: &Context, db: &Db, filter: &Filter) -> Result<()> {
    let rows = metrics::latest(db, filter)
        .await
        .context("cannot read system_metrics")?;
    let mut e = Exposition::default();
    for s in &rows {
        let mut labels = Vec::new();
        if let Some(c) = &s.component {
            labels.push(("component".to_string(), c.clone()));
        }
        if let Some(obj) = s.tags.as_object() {
            for (k, v) in obj {
                let v = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                let k = sanitize_name(k);
                if k != "component" && !labels.iter().any(|(x, _)| *x == k) {
                    labels.push((k, v));
                }
            }
        }
        let kind = if s.metric_type == "counter" {
            "counter"
        } else {
            "gauge"
        };
        let help = format!(
            "{} from system_metrics ({}{})",
            s.name,
            s.metric_type,
            s.unit
                .as_deref()
                .map(|u| format!(", {u}"))
                .unwrap_or_default()
        );
        e.add(
            format!("taskdb_{}", sanitize_name(&s.name)),
            &help,
            kind,
            labels,
            s.value,
        );
    }
    ctx.out.raw(e.text())?;
    Ok(())
}

/// Raw samples, one page of `limit` from `offset`.
async fn dump_raw(ctx: &Context, db: &Db, filter: &Filter, limit: i64, offset: i64) -> Result<()> {
    let (rows, more) = metrics::raw(db, filter, limit, offset)
        .await
        .context("cannot read system_metrics")?;
    ctx.out.list(&rows)?;
    if more {
        ctx.out.note(format!(
            "more samples follow: next page with --offset {}",
            offset + limit
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct PruneReport {
    dry_run: bool,
    older_than_seconds: f64,
    #[serde(flatten)]
    pruned: metrics::Pruned,
}

async fn prune(a: PruneArgs, ctx: &Context) -> Result<Exit> {
    ctx.out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    let age = parse_duration(&a.older_than).map_err(|e| usage(format!("--older-than: {e}")))?;
    if age.as_secs() < 60 {
        return Err(usage(format!(
            "--older-than {:?}: must be at least 1m (that would remove nearly everything)",
            a.older_than
        )));
    }
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(age).map_err(|_| usage("--older-than: too long"))?;
    let mut db = ctx.db().await?;
    // A dry run does the real work inside the transaction for exact numbers, then undoes it.
    let pruned = metrics::prune_samples(&mut db, cutoff, a.dry_run).await?;
    let verb = if a.dry_run { "would remove" } else { "removed" };
    ctx.out.note(format!(
        "{verb} {} sample(s) older than {} ({}), {} whole partition(s)",
        pruned.rows_removed,
        format_duration(age.as_secs_f64()),
        crate::output::ts(Some(cutoff)),
        pruned.partitions_dropped.len()
    ));
    let fields = [
        ("dry_run", a.dry_run.to_string()),
        ("cutoff", crate::output::ts(Some(cutoff))),
        ("rows_removed", pruned.rows_removed.to_string()),
        ("partitions_dropped", pruned.partitions_dropped.join(" ")),
    ];
    ctx.out.record(
        &PruneReport {
            dry_run: a.dry_run,
            older_than_seconds: age.as_secs_f64(),
            pruned,
        },
        &fields,
    )?;
    Ok(Exit::SUCCESS)
}
