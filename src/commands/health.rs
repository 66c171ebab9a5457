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
use crate::health::probes::{self, recorded, Deployment, ProbeCtx, Session, PROBES};
use crate::health::render::{self, Report};
use crate::health::{alert, overall, tunnel, ProbeResult, State};
use crate::options::Format;
use crate::settings::thresholds::{Thresholds, DEFS};
use crate::settings::{
    is_webhook_url, parse_health_timeout, FileHealth, DEFAULT_HEALTH_ALERT_COOLDOWN,
    DEFAULT_HEALTH_TIMEOUT,
};
use crate::units::parse_duration;

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

    // Bound on the whole run, connecting included (the default comes from settings)
    #[arg(long, value_name = "DURATION", help = format!(
        "Bound on the whole run, connecting included [default: {DEFAULT_HEALTH_TIMEOUT}; config health.timeout]"
    ))]
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

    /// Cloudflare Tunnel the `tunnel` probe looks at (and whose deployment `security` considers)
    #[arg(long = "tunnel", value_name = "NAME", default_value = crate::cloudflare::tunnel_state::DEFAULT_TUNNEL_NAME)]
    tunnel_name: String,

    // At most one alert per state within this time (the default comes from settings)
    #[arg(long, value_name = "DURATION", help = format!(
        "At most one alert per state within this time [default: {DEFAULT_HEALTH_ALERT_COOLDOWN}; config health.alert_cooldown]"
    ))]
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
    let selected = select_probes(args, tunnel::configured(&ctx.settings))?;
    let h = &ctx.settings.file.health;
    let thresholds = Thresholds::build(&h.thresholds, &args.warn, &args.crit).map_err(usage3)?;
    let (timeout, cooldown) = durations(args, h)?;
    let webhook = args.alert_webhook.clone().or_else(|| {
        ctx.settings
            .health_alert_webhook
            .as_ref()
            .map(|s| s.value.clone())
    });
    if webhook.as_deref().is_some_and(|url| !is_webhook_url(url)) {
        return Err(usage3(
            "the alert webhook must be an http:// or https:// URL",
        ));
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

/// The probes to run, in the documented order: `--check` (else all; `tunnel` only when
/// Cloudflare is configured) minus `--skip`.
fn select_probes(args: &HealthArgs, cloudflare: bool) -> Result<Vec<&'static str>> {
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
    Ok(selected)
}

/// The run's timeout and the alert cooldown: flag, else `[health]`, else the default.
fn durations(args: &HealthArgs, h: &FileHealth) -> Result<(Duration, Duration)> {
    let (timeout_text, timeout_src) = match (&args.timeout, &h.timeout) {
        (Some(t), _) => (t.as_str(), "--timeout"),
        (None, Some(t)) => (t.as_str(), "config health.timeout"),
        _ => (DEFAULT_HEALTH_TIMEOUT, "default timeout"),
    };
    let timeout =
        parse_health_timeout(timeout_text).map_err(|e| usage3(format!("{timeout_src}: {e}")))?;
    let (cd_text, cd_src) = match (&args.alert_cooldown, &h.alert_cooldown) {
        (Some(t), _) => (t.as_str(), "--alert-cooldown"),
        (None, Some(t)) => (t.as_str(), "config health.alert_cooldown"),
        _ => (DEFAULT_HEALTH_ALERT_COOLDOWN, "default cooldown"),
    };
    let cooldown = parse_duration(cd_text).map_err(|e| usage3(format!("{cd_src}: {e}")))?;
    Ok((timeout, cooldown))
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
    let (collected, tunnel_result) = tokio::join!(
        collect(&plan, ctx, &args.tunnel_name, probe_deadline),
        tunnel_probe(&plan, ctx, &args.tunnel_name, probe_deadline)
    );
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
        pipeline_broken |= !record(ctx, db.as_ref(), &report, end).await;
    }
    if let Some(url) = &plan.webhook {
        let client = db.as_ref().map(|d| &d.client);
        alert::alert_if_needed(&ctx.out, url, plan.cooldown, &report, client, end).await;
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

/// The `tunnel` probe, when selected, bounded by the probes' deadline.
async fn tunnel_probe(
    plan: &Plan,
    ctx: &Context,
    tunnel_name: &str,
    deadline: Instant,
) -> Option<ProbeResult> {
    if !plan.selected.contains(&"tunnel") {
        return None;
    }
    Some(
        match tokio::time::timeout_at(
            deadline,
            tunnel::probe(&ctx.settings, &ctx.out, tunnel_name),
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
}

/// `--record`: store the report's values. False when that failed (the pipeline is broken).
async fn record(ctx: &Context, db: Option<&crate::db::Db>, report: &Report, end: Instant) -> bool {
    let Some(db) = db else {
        ctx.out.warn("--record skipped: no database connection");
        return true;
    };
    match tokio::time::timeout_at(end, recorded::record(db, &report.results)).await {
        Ok(Ok(n)) => {
            ctx.out
                .debug(1, format!("recorded {n} values in system_metrics"));
            true
        }
        Ok(Err(e)) => {
            ctx.out.warn(format!("--record failed: {e:#}"));
            false
        }
        Err(_) => {
            ctx.out.warn("--record did not finish within --timeout");
            false
        }
    }
}

/// Connect, read the session, run the probes. Only a configuration error is an `Err`.
async fn collect(
    plan: &Plan,
    ctx: &Context,
    tunnel_name: &str,
    deadline: Instant,
) -> Result<(Report, Option<crate::db::Db>)> {
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
    let (db, session) = match open_session(plan, ctx, deadline, t0).await? {
        Ok(opened) => opened,
        Err((failed, reason)) => {
            report.results.push(failed);
            report.results.extend(not_run(plan, reason));
            return Ok((report, None));
        }
    };
    report.target = db.target.clone();
    let connect_secs = t0.elapsed().as_secs_f64();
    if plan.selected.contains(&"connect") {
        report.results.push(probes::connect_ok(
            &plan.thresholds,
            connect_secs,
            &db.target,
        ));
    }
    if plan.selected.contains(&"server") {
        report
            .results
            .push(probes::server(&plan.thresholds, &session));
    }
    let deployment = deployment(plan, ctx, tunnel_name);
    let pctx = ProbeCtx {
        client: &db,
        t: &plan.thresholds,
        session: &session,
        deployment: &deployment,
    };
    let rest = probes::run_selected(&pctx, &plan.selected, deadline).await;
    report.results.extend(rest);
    report.session = Some(session);
    Ok((report, Some(db)))
}

/// What the `security` probe needs to know beyond the server: whether the target is the
/// managed local cluster, and whether `tunnel deploy` left tunnel `tunnel_name` on this host.
fn deployment(plan: &Plan, ctx: &Context, tunnel_name: &str) -> Deployment {
    if !plan.selected.contains(&"security") {
        return Deployment::default();
    }
    Deployment {
        managed_local: matches!(
            ctx.settings.database,
            crate::settings::DatabaseTarget::Local
        ),
        tunnel: tunnel::deployed(tunnel_name),
    }
}

/// The selected database probes, UNKNOWN because `reason` kept them from running.
fn not_run(plan: &Plan, reason: &str) -> Vec<ProbeResult> {
    plan.selected
        .iter()
        .filter(|n| !matches!(**n, "connect" | "tunnel"))
        .map(|n| ProbeResult::unknown(n, probes::unit_of(n), format!("not run: {reason}"), None))
        .collect()
}

/// A session that failed to open: the failed `connect` probe and why the others did not run.
type Unopened = (ProbeResult, &'static str);

/// Connect and read the session facts, both within the deadline. The outer `Err` is a
/// configuration error (exit 3); the inner one a server that could not be used.
async fn open_session(
    plan: &Plan,
    ctx: &Context,
    deadline: Instant,
    t0: StdInstant,
) -> Result<std::result::Result<(crate::db::Db, Session), Unopened>> {
    let secs = || t0.elapsed().as_secs_f64();
    let timeout_text = crate::units::format_duration(plan.timeout.as_secs_f64());
    let db = match tokio::time::timeout_at(deadline, ctx.db()).await {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => {
            if exit::code_for(&e) == Exit::USAGE {
                return Err(usage3(format!("{e:#}")));
            }
            let failed = probes::connect_failed(format!("{e:#}"), secs());
            return Ok(Err((failed, "no connection")));
        }
        Err(_) => {
            let failed = probes::connect_failed(
                format!(
                    "no connection within the {timeout_text} timeout: the server does not answer"
                ),
                secs(),
            );
            return Ok(Err((failed, "no connection")));
        }
    };
    // The server-side work is bounded too (a backstop a little after our own deadline, which
    // normally fires first and says "timed out").
    let statement_ms = deadline
        .saturating_duration_since(Instant::now())
        .as_millis()
        + 1000;
    match tokio::time::timeout_at(deadline, Session::read(&db, statement_ms)).await {
        Ok(Ok(session)) => Ok(Ok((db, session))),
        Ok(Err(e)) => {
            let failed = probes::connect_failed(
                format!(
                    "connected, but a first query failed: {}",
                    probes::from_error("connect", &e).message
                ),
                secs(),
            );
            Ok(Err((failed, "no working session")))
        }
        Err(_) => {
            let failed = probes::connect_failed(
                format!("connected, but no answer to a query within the {timeout_text} timeout"),
                secs(),
            );
            Ok(Err((failed, "the server does not answer")))
        }
    }
}

fn describe_target(ctx: &Context) -> String {
    match &ctx.settings.database {
        crate::settings::DatabaseTarget::Conninfo(s) => crate::settings::redact::conninfo(&s.value),
        crate::settings::DatabaseTarget::Environment(_) => "(PG*/DB_* environment)".into(),
        crate::settings::DatabaseTarget::Local => "(managed local cluster)".into(),
    }
}
