//! `taskdb health`: run the probes, print them, exit with the Nagios code of the worst one;
//! optionally also write a Prometheus textfile, record the values and send alerts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use tokio::time::Instant;

use crate::context::Context;
use crate::exit::{self, Exit};
use crate::health::probes::{recorded, PROBES};
use crate::health::render::{self, Report};
use crate::health::{alert, check, tunnel, State};
use crate::options::Format;
use crate::settings::thresholds::{Thresholds, DEFS};
use crate::settings::{
    is_webhook_url, FileHealth, DEFAULT_HEALTH_ALERT_COOLDOWN, DEFAULT_HEALTH_TIMEOUT,
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

    /// Also write the Prometheus output to FILE, atomically (a new temp file beside it, renamed over it)
    #[arg(long, value_name = "FILE")]
    textfile: Option<PathBuf>,

    /// Store every probe value in system_metrics (component "health") in one statement
    #[arg(long)]
    record: bool,

    /// POST a JSON alert to URL when the overall state changes [env: TASKDB_HEALTH_ALERT_WEBHOOK]
    #[arg(long, value_name = "URL")]
    alert_webhook: Option<String>,

    /// Patroni REST API the `patroni` probe asks, e.g. http://db1:8008 (several: comma-separated, tried in order) [config: health.patroni_url]
    #[arg(long, value_name = "URL")]
    patroni_url: Option<String>,

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
    /// The `patroni` probe's REST API URLs, when configured.
    patroni: Option<Vec<String>>,
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
    if args.record && ctx.read_only() {
        return Err(usage3(format!(
            "--record writes the report to the database, but read-only mode is on (from {}): run it without --read-only",
            ctx.settings.read_only.source
        )));
    }
    let h = &ctx.settings.file.health;
    let patroni = match args.patroni_url.as_deref().or(h.patroni_url.as_deref()) {
        Some(text) => Some(crate::settings::parse_patroni_urls(text).map_err(usage3)?),
        None => None,
    };
    let configured = check::Configured {
        cloudflare: tunnel::configured(&ctx.settings),
        patroni: patroni.is_some(),
    };
    let selected = check::select_probes(&args.check, &args.skip, configured).map_err(usage3)?;
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
        patroni,
    })
}

/// The run's timeout and the alert cooldown: flag, else `[health]`, else the default.
fn durations(args: &HealthArgs, h: &FileHealth) -> Result<(Duration, Duration)> {
    let timeout = check::run_timeout(args.timeout.as_deref(), h).map_err(usage3)?;
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

/// Write via a new temp file in the same directory and rename it over the target, so the
/// collector never reads half a file. The temp file is created exclusively (O_EXCL) under a
/// random name that does not end in `.prom`, so nothing planted in the directory (a symlink
/// at a guessable name) is followed or overwritten.
fn write_textfile(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = textfile_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let result = (|| -> std::io::Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        tmp.write_all(text.as_bytes())?;
        tmp.as_file().sync_all()?;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))?;
        // Dropped on an error above: the temp file is removed.
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    result.map_err(|e| exit::failed(format!("cannot write textfile {}: {e}", path.display())))
}

pub async fn run(args: HealthArgs, ctx: &Context) -> Result<Exit> {
    let plan = plan(&args, ctx)?;
    let start = Instant::now();
    // Probes get 90% of the budget; recording, alerting and writing get the rest.
    let end = start + plan.timeout;
    let probe_deadline = start + plan.timeout.mul_f64(0.9);
    let checks = check::Checks {
        selected: &plan.selected,
        thresholds: &plan.thresholds,
        timeout: plan.timeout,
        tunnel_name: &args.tunnel_name,
        patroni_urls: plan.patroni.as_deref(),
    };
    let (mut report, mut db) =
        check::run(&checks, probe_deadline, ctx.db(), &ctx.settings, &ctx.out)
            .await
            .map_err(|e| {
                if exit::code_for(&e) == Exit::USAGE {
                    usage3(format!("{e:#}"))
                } else {
                    e
                }
            })?;
    if let (false, Some(path)) = (report.connected(), &plan.textfile) {
        report.last_success =
            crate::limits::read_to_string(path, crate::limits::SMALL_FILE, "textfiles")
                .ok()
                .and_then(|t| render::previous_last_success(&t));
    }

    let mut pipeline_broken = false;
    if args.record {
        pipeline_broken |= !record(ctx, db.as_ref(), &report, end).await;
    }
    if let Some(url) = &plan.webhook {
        // Read-only mode writes nothing to the database: the alert state goes to its file.
        let db = db.as_mut().filter(|_| !ctx.read_only());
        alert::alert_if_needed(&ctx.out, url, plan.cooldown, &report, db, end).await;
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
