//! `taskdb health`: run the probes, print them, exit with the Nagios code of the worst one;
//! optionally also write a Prometheus textfile, record the values and send alerts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant as StdInstant};

use anyhow::Result;
use clap::Args;
use tokio::time::Instant;

use crate::context::Context;
use crate::exit::{self, Exit};
use crate::health::probes::{self, ProbeCtx, Session, PROBES};
use crate::health::render::{self, Report};
use crate::health::{alert, overall, tunnel, ProbeResult, State};
use crate::options::Format;
use crate::settings::thresholds::{Thresholds, DEFS};
use crate::units::parse_duration;

const DEFAULT_TIMEOUT: &str = "10s";
const DEFAULT_COOLDOWN: &str = "15m";

/// Arguments of `taskdb health` (the help text lives on the command in cli.rs).
#[derive(Debug, Args)]
#[command(after_long_help = long_help())]
pub struct HealthArgs {
    /// Run only these probes (comma-separated or repeated); see the list below
    #[arg(long, value_delimiter = ',', value_name = "PROBE")]
    check: Vec<String>,

    /// Skip these probes (comma-separated or repeated)
    #[arg(long, value_delimiter = ',', value_name = "PROBE")]
    skip: Vec<String>,

    /// Warning threshold NAME=VALUE, e.g. connections=80%, idle_in_transaction=30s, off disables
    #[arg(long, value_name = "NAME=VALUE")]
    warn: Vec<String>,

    /// Critical threshold NAME=VALUE, e.g. replication_lag_bytes=1GB, standbys=1
    #[arg(long, value_name = "NAME=VALUE")]
    crit: Vec<String>,

    /// Bound on the whole run, connecting included [default: 10s; config health.timeout]
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,

    /// Also write the Prometheus output to FILE, atomically (temp file + rename in its directory)
    #[arg(long, value_name = "FILE")]
    textfile: Option<PathBuf>,

    /// Store every probe value in system_metrics (component "health") in one statement
    #[arg(long)]
    record: bool,

    /// POST a JSON alert to URL when the overall state changes [env: TASKDB_HEALTH_ALERT_WEBHOOK]
    #[arg(long, value_name = "URL")]
    alert_webhook: Option<String>,

    /// Cloudflare Tunnel the `tunnel` probe looks at
    #[arg(long = "tunnel", value_name = "NAME", default_value = crate::cloudflare::tunnel_state::DEFAULT_TUNNEL_NAME)]
    tunnel_name: String,

    /// At most one alert per state within this time [default: 15m; config health.alert_cooldown]
    #[arg(long, value_name = "DURATION")]
    alert_cooldown: Option<String>,
}

fn long_help() -> String {
    let mut s = String::from("Probes (--check, --skip):\n");
    for (name, what) in PROBES {
        s.push_str(&format!("  {name:<21} {what}\n"));
    }
    s.push_str("\nThresholds (--warn/--crit NAME=VALUE; config [health.thresholds.NAME]):\n");
    for d in DEFS {
        let show = |v: Option<f64>| v.map(|v| d.unit.show(v)).unwrap_or_else(|| "-".into());
        s.push_str(&format!(
            "  {:<22} warn {:<8} crit {:<8} {}\n",
            d.name,
            show(d.warn),
            show(d.crit),
            d.meaning
        ));
    }
    s.push_str(
        "\nExamples:\n  taskdb health\n  taskdb health --format nagios --warn idle_in_transaction=30s\n  \
         taskdb health --format prometheus --check connections,replication --crit standbys=1\n  \
         taskdb health --quiet --record --textfile /var/lib/node_exporter/textfile/taskdb.prom\n\n\
         Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad options: a bad\n\
         value, an unknown flag, a missing value, an invalid config file).",
    );
    s
}

/// A health usage error: one line, exit 3 (UNKNOWN), nothing done.
fn usage3(msg: impl Into<String>) -> anyhow::Error {
    exit::Error::WithCode(Exit::NAGIOS_UNKNOWN, msg.into()).into()
}

/// Everything validated before anything runs.
struct Plan {
    format: Format,
    selected: Vec<&'static str>,
    thresholds: Thresholds,
    timeout: Duration,
    textfile: Option<PathBuf>,
    webhook: Option<String>,
    cooldown: Duration,
}

fn plan(args: &HealthArgs, ctx: &Context) -> Result<Plan> {
    let format = ctx.out.format();
    if !matches!(
        format,
        Format::Table | Format::Json | Format::Nagios | Format::Prometheus
    ) {
        return Err(usage3(format!(
            "--format {} is not supported by health (use table, json, nagios or prometheus)",
            format.name()
        )));
    }
    let known: Vec<&str> = PROBES.iter().map(|(n, _)| *n).collect();
    let find = |flag: &str, name: &str| -> Result<&'static str> {
        PROBES
            .iter()
            .map(|(n, _)| *n)
            .find(|n| *n == name.trim())
            .ok_or_else(|| {
                usage3(format!(
                    "{flag} {name:?}: no such probe (known: {})",
                    known.join(", ")
                ))
            })
    };
    let mut selected: Vec<&'static str> = Vec::new();
    if args.check.is_empty() {
        // The tunnel probe belongs to a default run only when Cloudflare is configured.
        let cloudflare = tunnel::configured(&ctx.settings);
        selected.extend(
            PROBES
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| *n != "tunnel" || cloudflare),
        );
    } else {
        for c in &args.check {
            let n = find("--check", c)?;
            if !selected.contains(&n) {
                selected.push(n);
            }
        }
    }
    for s in &args.skip {
        let n = find("--skip", s)?;
        selected.retain(|x| *x != n);
    }
    if selected.is_empty() {
        return Err(usage3("no probe left to run (--skip removed them all)"));
    }
    // Keep the documented order whatever order --check used.
    selected.sort_by_key(|n| known.iter().position(|k| k == n));

    let h = &ctx.settings.file.health;
    let thresholds = Thresholds::build(&h.thresholds, &args.warn, &args.crit).map_err(usage3)?;
    let (timeout_text, timeout_src) = match (&args.timeout, &h.timeout) {
        (Some(t), _) => (t.as_str(), "--timeout"),
        (None, Some(t)) => (t.as_str(), "config health.timeout"),
        _ => (DEFAULT_TIMEOUT, "default timeout"),
    };
    let timeout =
        parse_duration(timeout_text).map_err(|e| usage3(format!("{timeout_src}: {e}")))?;
    if timeout < Duration::from_millis(100) {
        return Err(usage3(format!(
            "{timeout_src}: {timeout_text:?} is too short (minimum 100ms)"
        )));
    }
    let (cd_text, cd_src) = match (&args.alert_cooldown, &h.alert_cooldown) {
        (Some(t), _) => (t.as_str(), "--alert-cooldown"),
        (None, Some(t)) => (t.as_str(), "config health.alert_cooldown"),
        _ => (DEFAULT_COOLDOWN, "default cooldown"),
    };
    let cooldown = parse_duration(cd_text).map_err(|e| usage3(format!("{cd_src}: {e}")))?;
    let webhook = args.alert_webhook.clone().or_else(|| {
        ctx.settings
            .health_alert_webhook
            .as_ref()
            .map(|s| s.value.clone())
    });
    if let Some(url) = &webhook {
        let ok = reqwest::Url::parse(url)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .unwrap_or(false);
        if !ok {
            return Err(usage3(
                "the alert webhook must be an http:// or https:// URL",
            ));
        }
    }
    if let Some(path) = &args.textfile {
        check_textfile_target(path).map_err(usage3)?;
    }
    Ok(Plan {
        format,
        selected,
        thresholds,
        timeout,
        textfile: args.textfile.clone(),
        webhook,
        cooldown,
    })
}

/// The textfile's directory must exist (we never create it: a typo would go unnoticed).
fn check_textfile_target(path: &Path) -> Result<(), String> {
    let shown = path.display();
    if path.file_name().is_none() {
        return Err(format!("--textfile {shown}: not a file path"));
    }
    let dir = textfile_dir(path);
    match std::fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(format!(
                "--textfile {shown}: {} is not a directory",
                dir.display()
            ))
        }
        Err(e) => {
            return Err(format!(
                "--textfile {shown}: directory {}: {e}",
                dir.display()
            ))
        }
    }
    if path.is_dir() {
        return Err(format!("--textfile {shown}: is a directory"));
    }
    Ok(())
}

fn textfile_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write via a temp file in the same directory (not ending in .prom) and rename over the target,
/// so the collector never reads half a file.
fn write_textfile(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = textfile_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(exit::failed(format!(
            "cannot write textfile {}: {e}",
            path.display()
        )));
    }
    Ok(())
}

pub async fn run(args: HealthArgs, ctx: &Context) -> Result<Exit> {
    let plan = plan(&args, ctx)?;
    let started = StdInstant::now();
    let start = Instant::now();
    // Probes get 90% of the budget; recording, alerting and writing get the rest.
    let end = start + plan.timeout;
    let probe_deadline = start + plan.timeout.mul_f64(0.9);
    let checked_at = chrono::Utc::now();

    // The tunnel probe needs no database: it runs alongside the database probes.
    let tunnel_probe = async {
        if !plan.selected.contains(&"tunnel") {
            return None;
        }
        Some(
            match tokio::time::timeout_at(
                probe_deadline,
                tunnel::probe(&ctx.settings, &ctx.out, &args.tunnel_name),
            )
            .await
            {
                Ok(r) => r,
                Err(_) => ProbeResult::unknown(
                    "tunnel",
                    crate::health::Unit::Count,
                    "timed out: Cloudflare did not answer before the --timeout deadline",
                    None,
                ),
            },
        )
    };
    let (collected, tunnel_result) =
        tokio::join!(collect(&plan, ctx, probe_deadline), tunnel_probe);
    let (mut report, db) = collected?;
    report.results.extend(tunnel_result);
    report.checked_at = checked_at;
    report.state = overall(&report.results);
    if report.connected() {
        report.last_success = Some(checked_at.timestamp() as f64);
    } else if let Some(path) = &plan.textfile {
        report.last_success =
            crate::limits::read_to_string(path, crate::limits::SMALL_FILE, "textfiles")
                .ok()
                .and_then(|t| render::previous_last_success(&t));
    }
    report.duration_seconds = started.elapsed().as_secs_f64();

    let mut pipeline_broken = false;
    if args.record {
        match &db {
            Some(db) => match tokio::time::timeout_at(end, record(db, &report)).await {
                Ok(Ok(n)) => ctx
                    .out
                    .debug(1, format!("recorded {n} values in system_metrics")),
                Ok(Err(e)) => {
                    ctx.out.warn(format!("--record failed: {e:#}"));
                    pipeline_broken = true;
                }
                Err(_) => {
                    ctx.out.warn("--record did not finish within --timeout");
                    pipeline_broken = true;
                }
            },
            None => ctx.out.warn("--record skipped: no database connection"),
        }
    }
    if let Some(url) = &plan.webhook {
        alert_if_needed(ctx, url, plan.cooldown, &report, db.as_ref(), end).await;
    }

    let text = match plan.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&render::json(&report))?;
            s.push('\n');
            s
        }
        Format::Nagios => render::nagios(&report),
        Format::Prometheus => render::prometheus(&report),
        _ => render::human(&report, &ctx.out),
    };
    // The textfile first: it must not depend on whoever reads stdout.
    if let Some(path) = &plan.textfile {
        if let Err(e) = write_textfile(path, &render::prometheus(&report)) {
            eprintln!("error: {e:#}");
            pipeline_broken = true;
        }
    }
    if let Err(e) = ctx.out.raw(text) {
        // `taskdb health | head -1`: a closed pipe does not change the verdict.
        if !exit::is_broken_pipe(&e) {
            return Err(e);
        }
    }
    let mut state = report.state;
    if pipeline_broken && state < State::Unknown {
        // The probes ran but their results did not get where cron expects them.
        state = State::Unknown;
    }
    Ok(Exit(state.code()))
}

/// Connect, read the session, run the probes. Only a configuration error is an `Err`.
async fn collect(
    plan: &Plan,
    ctx: &Context,
    deadline: Instant,
) -> Result<(Report, Option<crate::db::Db>)> {
    let wanted = |n: &str| plan.selected.contains(&n);
    let not_run = |reason: &str| -> Vec<ProbeResult> {
        plan.selected
            .iter()
            .filter(|n| !matches!(**n, "connect" | "tunnel"))
            .map(|n| {
                ProbeResult::unknown(n, probes::unit_of(n), format!("not run: {reason}"), None)
            })
            .collect()
    };
    let mut report = Report {
        state: State::Unknown,
        checked_at: chrono::Utc::now(),
        duration_seconds: 0.0,
        target: describe_target(ctx),
        session: None,
        results: Vec::new(),
        last_success: None,
    };
    let t0 = StdInstant::now();
    let secs = |t: StdInstant| t.elapsed().as_secs_f64();
    let timeout_text = crate::units::format_duration(plan.timeout.as_secs_f64());
    let db = match tokio::time::timeout_at(deadline, ctx.db()).await {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => {
            if exit::code_for(&e) == Exit::USAGE {
                return Err(usage3(format!("{e:#}")));
            }
            report
                .results
                .push(probes::connect_failed(format!("{e:#}"), secs(t0)));
            report.results.extend(not_run("no connection"));
            return Ok((report, None));
        }
        Err(_) => {
            report.results.push(probes::connect_failed(
                format!(
                    "no connection within the {timeout_text} timeout: the server does not answer"
                ),
                secs(t0),
            ));
            report.results.extend(not_run("no connection"));
            return Ok((report, None));
        }
    };
    report.target = db.target.clone();
    // The server-side work is bounded too (a backstop a little after our own deadline, which
    // normally fires first and says "timed out").
    let statement_ms = deadline
        .saturating_duration_since(Instant::now())
        .as_millis()
        + 1000;
    let session = match tokio::time::timeout_at(deadline, Session::read(&db, statement_ms)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            report.results.push(probes::connect_failed(
                format!(
                    "connected, but a first query failed: {}",
                    probes::from_error("connect", &e).message
                ),
                secs(t0),
            ));
            report.results.extend(not_run("no working session"));
            return Ok((report, None));
        }
        Err(_) => {
            report.results.push(probes::connect_failed(
                format!("connected, but no answer to a query within the {timeout_text} timeout"),
                secs(t0),
            ));
            report.results.extend(not_run("the server does not answer"));
            return Ok((report, None));
        }
    };
    let connect_secs = secs(t0);
    if wanted("connect") {
        report.results.push(probes::connect_ok(
            &plan.thresholds,
            connect_secs,
            &db.target,
        ));
    }
    if wanted("server") {
        report
            .results
            .push(probes::server(&plan.thresholds, &session));
    }
    let pctx = ProbeCtx {
        client: &db,
        t: &plan.thresholds,
        session: &session,
    };
    let rest = probes::run_selected(&pctx, &plan.selected, deadline).await;
    report.results.extend(rest);
    report.session = Some(session);
    Ok((report, Some(db)))
}

fn describe_target(ctx: &Context) -> String {
    match &ctx.settings.database {
        crate::settings::DatabaseTarget::Conninfo(s) => crate::settings::redact::conninfo(&s.value),
        crate::settings::DatabaseTarget::Environment(_) => "(PG*/DB_* environment)".into(),
        crate::settings::DatabaseTarget::Local => "(managed local cluster)".into(),
    }
}

/// Every sample of every probe, in one INSERT (unnest of parallel arrays).
async fn record(db: &crate::db::Db, report: &Report) -> Result<u64> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut units = Vec::new();
    let mut types = Vec::new();
    let mut tags = Vec::new();
    for r in &report.results {
        for s in &r.samples {
            if !s.value.is_finite() {
                continue;
            }
            let mut t = serde_json::Map::new();
            t.insert("probe".into(), r.name.into());
            for (k, v) in &s.labels {
                t.insert((*k).into(), v.clone().into());
            }
            names.push(s.name.to_string());
            values.push(s.value);
            units.push(s.unit.metric_unit().map(str::to_string));
            types.push(
                if s.name.ends_with("_total") {
                    "counter"
                } else {
                    "gauge"
                }
                .to_string(),
            );
            tags.push(serde_json::Value::Object(t).to_string());
        }
        names.push(format!("probe_state.{}", r.name));
        values.push(f64::from(r.state.code()));
        units.push(Some("count".to_string()));
        types.push("gauge".to_string());
        tags.push(serde_json::json!({"probe": r.name, "state": r.state.name()}).to_string());
    }
    let n = db
        .execute(
            "INSERT INTO system_metrics (metric_name, metric_value, component, metric_type, metric_unit, tags, source_system)
             SELECT n, v, 'health', k, u, t::jsonb, 'taskdb'
             FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[]) AS x(n, v, u, t, k)",
            &[&names, &values, &units, &tags, &types],
        )
        .await?;
    Ok(n)
}

/// Decide and send an alert. Never changes the exit code; problems go to stderr.
async fn alert_if_needed(
    ctx: &Context,
    url: &str,
    cooldown: Duration,
    report: &Report,
    db: Option<&crate::db::Db>,
    end: Instant,
) {
    let channel = alert::channel(url);
    let work = async {
        // A standby is read-only: its alert state lives in the state file.
        let writable = report.session.as_ref().is_some_and(|s| !s.in_recovery);
        if let Some(db) = db.filter(|_| writable) {
            if alert::db_has_table(db).await {
                // The row lock serialises overlapping runs: the second waits, then sees the first's send.
                db.batch_execute("BEGIN").await?;
                let prev = alert::load_db(db, &channel).await?;
                let next = decide_and_send(ctx, url, cooldown, report, prev, end).await;
                alert::store_db(db, &channel, &next).await?;
                db.batch_execute("COMMIT").await?;
                return Ok::<_, anyhow::Error>(());
            }
            ctx.out.debug(
                1,
                "no health_alert_state table (run `taskdb migrate up`): using the state file",
            );
        }
        let prev = alert::load_file(&channel);
        let next = decide_and_send(ctx, url, cooldown, report, prev.clone(), end).await;
        if next != prev {
            alert::store_file(&channel, &next)?;
        }
        Ok(())
    };
    match tokio::time::timeout_at(end, work).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: alerting failed: {e:#}"),
        Err(_) => eprintln!("warning: alerting did not finish within --timeout"),
    }
}

async fn decide_and_send(
    ctx: &Context,
    url: &str,
    cooldown: Duration,
    report: &Report,
    prev: alert::AlertState,
    end: Instant,
) -> alert::AlertState {
    let now = chrono::Utc::now();
    let decision = alert::decide(&prev, report.state, now, cooldown);
    let mut delivered = false;
    match &decision {
        alert::Decision::Send { reminder } => {
            let body = alert::payload(report, &prev.last_state, *reminder);
            let budget = end
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(100), Duration::from_secs(5));
            match alert::post(url, &body, budget).await {
                Ok(()) => {
                    delivered = true;
                    ctx.out
                        .debug(1, format!("alert sent: {}", report.state.name()));
                }
                Err(e) => eprintln!("warning: alert not delivered: {e:#}"),
            }
        }
        alert::Decision::Suppress(why) => ctx.out.debug(1, format!("alert suppressed: {why}")),
        alert::Decision::Quiet => {}
    }
    alert::next_state(&prev, report.state, &decision, delivered, now)
}
