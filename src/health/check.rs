//! One run of the probes, as `taskdb health` and the MCP server's `health_summary` make it:
//! which probes run (`--check`/`--skip`, the tunnel only when Cloudflare is configured, the
//! Patroni probe only with a Patroni URL), the run's timeout, then connect, read the session
//! and run the database probes concurrently with the tunnel and Patroni probes, each bounded by
//! the deadline. What is done with the report (printing, `--record`, alerts, the textfile) is
//! the caller's.

use std::future::Future;
use std::time::{Duration, Instant as StdInstant};

use anyhow::Result;
use tokio::time::Instant;

use super::probes::recorded;
use super::probes::{self, BackupDir, Deployment, ProbeCtx, Session, CHECK_ONLY, PROBES};
use super::render::Report;
use super::{overall, patroni, tunnel, ProbeResult, State};
use crate::db::Db;
use crate::exit::{self, Exit};
use crate::output::Output;
use crate::settings::thresholds::Thresholds;
use crate::settings::{parse_health_timeout, DatabaseTarget, FileHealth, Settings};

/// The probes that need something configured, and whether it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Configured {
    /// Cloudflare (an API token): the `tunnel` probe.
    pub cloudflare: bool,
    /// A Patroni REST API URL: the `patroni` probe.
    pub patroni: bool,
}

/// The probes to run, in the documented order: `check` (else all but [`CHECK_ONLY`]; `tunnel`
/// and `patroni` only when configured) minus `skip`. Err: the one line to show.
pub fn select_probes(
    check: &[String],
    skip: &[String],
    configured: Configured,
) -> Result<Vec<&'static str>, String> {
    let known: Vec<&str> = PROBES.iter().map(|(n, _)| *n).collect();
    let find = |flag: &str, name: &str| -> Result<&'static str, String> {
        PROBES
            .iter()
            .map(|(n, _)| *n)
            .find(|n| *n == name.trim())
            .ok_or_else(|| {
                format!(
                    "{flag} {name:?}: no such probe (known: {})",
                    known.join(", ")
                )
            })
    };
    let mut selected: Vec<&'static str> = Vec::new();
    if check.is_empty() {
        // The tunnel and patroni probes belong to a default run only when configured; the
        // expensive or extension-bound ones only to a run that names them.
        selected.extend(
            PROBES
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| *n != "tunnel" || configured.cloudflare)
                .filter(|n| *n != "patroni" || configured.patroni)
                .filter(|n| !CHECK_ONLY.contains(n)),
        );
    } else {
        for c in check {
            let n = find("--check", c)?;
            if !selected.contains(&n) {
                selected.push(n);
            }
        }
    }
    for s in skip {
        let n = find("--skip", s)?;
        selected.retain(|x| *x != n);
    }
    if selected.is_empty() {
        return Err("no probe left to run (--skip removed them all)".into());
    }
    // Keep the documented order whatever order --check used.
    selected.sort_by_key(|n| known.iter().position(|k| k == n));
    Ok(selected)
}

/// The run's timeout: `flag` (`--timeout`), else `[health] timeout`, else the default. Err: the
/// one line to show.
pub fn run_timeout(flag: Option<&str>, file: &FileHealth) -> Result<Duration, String> {
    let (text, source) = match (flag, &file.timeout) {
        (Some(t), _) => (t, "--timeout"),
        (None, Some(t)) => (t.as_str(), "config health.timeout"),
        _ => (crate::settings::DEFAULT_HEALTH_TIMEOUT, "default timeout"),
    };
    parse_health_timeout(text).map_err(|e| format!("{source}: {e}"))
}

/// What one run checks.
pub struct Checks<'a> {
    pub selected: &'a [&'static str],
    pub thresholds: &'a Thresholds,
    /// The whole run's bound (for messages; the probes stop at the deadline given to [`run`]).
    pub timeout: Duration,
    /// The Cloudflare Tunnel the `tunnel` and `security` probes look at.
    pub tunnel_name: &'a str,
    /// The Patroni REST API URLs the `patroni` probe asks, when configured.
    pub patroni_urls: Option<&'a [String]>,
}

/// Run the checks: `connect` opens the session the database probes share; the tunnel probe
/// runs alongside them; all end by `deadline`. The report's overall state is the worst
/// probe's. Err only for a configuration error (`connect` refused the settings: exit 2).
pub async fn run(
    c: &Checks<'_>,
    deadline: Instant,
    connect: impl Future<Output = Result<Db>>,
    settings: &Settings,
    out: &Output,
) -> Result<(Report, Option<Db>)> {
    let started = StdInstant::now();
    let checked_at = chrono::Utc::now();
    let (collected, tunnel_result, patroni_facts) = tokio::join!(
        collect(c, deadline, connect, settings),
        tunnel_probe(c, deadline, settings, out),
        patroni_fetch(c, deadline)
    );
    let (mut report, db) = collected?;
    report.results.extend(tunnel_result);
    if let Some(fetched) = patroni_facts {
        let until = deadline.max(Instant::now() + Duration::from_millis(500));
        report
            .results
            .push(patroni_probe(c, fetched, db.as_ref(), until).await);
    }
    report.checked_at = checked_at;
    report.state = overall(&report.results);
    if report.connected() {
        report.last_success = Some(checked_at.timestamp() as f64);
    }
    report.duration_seconds = started.elapsed().as_secs_f64();
    Ok((report, db))
}

/// The `tunnel` probe, when selected, bounded by the deadline.
async fn tunnel_probe(
    c: &Checks<'_>,
    deadline: Instant,
    settings: &Settings,
    out: &Output,
) -> Option<ProbeResult> {
    if !c.selected.contains(&"tunnel") {
        return None;
    }
    Some(
        match tokio::time::timeout_at(deadline, tunnel::probe(settings, out, c.tunnel_name)).await {
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

/// What the Patroni REST API says, when the `patroni` probe is selected (and how long asking
/// took); `Err` is why it could not be asked.
async fn patroni_fetch(
    c: &Checks<'_>,
    deadline: Instant,
) -> Option<(Result<patroni::Facts, String>, f64)> {
    if !c.selected.contains(&"patroni") {
        return None;
    }
    let started = StdInstant::now();
    let fetched = match c.patroni_urls {
        Some(urls) => patroni::fetch_until(urls, deadline).await,
        None => Err(String::new()),
    };
    Some((fetched, started.elapsed().as_secs_f64()))
}

/// The `patroni` probe's result: judged from the facts, with the leader's timeline compared
/// to the one the last `--record` run stored in this database (read by `until`).
async fn patroni_probe(
    c: &Checks<'_>,
    (fetched, secs): (Result<patroni::Facts, String>, f64),
    db: Option<&Db>,
    until: Instant,
) -> ProbeResult {
    let mut r = match fetched {
        Ok(facts) => {
            let scope = facts.scope.clone().unwrap_or_default();
            let previous = match db {
                Some(db) => tokio::time::timeout_at(
                    until,
                    recorded::last_recorded(db, "patroni_timeline", "scope", &scope),
                )
                .await
                .ok()
                .flatten(),
                None => None,
            };
            let previous = previous.map(|(secs_ago, timeline)| patroni::Previous {
                timeline,
                secs_ago,
            });
            patroni::judge(&facts, c.thresholds, previous)
        }
        Err(_) if c.patroni_urls.is_none() => patroni::unknown(
            "no Patroni REST API is configured".into(),
            Some("give --patroni-url http://HOST:8008 or set [health] patroni_url, or leave out --check patroni".into()),
        ),
        Err(why) => patroni::unknown(
            format!("could not ask Patroni: {why}"),
            Some("is Patroni running there and its REST API reachable? (patronictl list)".into()),
        ),
    };
    r.duration_seconds = secs;
    r
}

/// Connect, read the session, run the probes. Only a configuration error is an `Err`.
async fn collect(
    c: &Checks<'_>,
    deadline: Instant,
    connect: impl Future<Output = Result<Db>>,
    settings: &Settings,
) -> Result<(Report, Option<Db>)> {
    let mut report = Report {
        state: State::Unknown,
        checked_at: chrono::Utc::now(),
        duration_seconds: 0.0,
        target: describe_target(settings),
        session: None,
        results: Vec::new(),
        last_success: None,
    };
    let t0 = StdInstant::now();
    let (db, session) = match open_session(c, deadline, connect, t0).await? {
        Ok(opened) => opened,
        Err((failed, reason)) => {
            report.results.push(failed);
            report.results.extend(not_run(c, reason));
            return Ok((report, None));
        }
    };
    report.target = db.target.clone();
    let connect_secs = t0.elapsed().as_secs_f64();
    if c.selected.contains(&"connect") {
        report
            .results
            .push(probes::connect_ok(c.thresholds, connect_secs, &db.target));
    }
    if c.selected.contains(&"server") {
        report.results.push(probes::server(c.thresholds, &session));
    }
    let deployment = deployment(c, settings);
    let backups = BackupDir::of(settings);
    let pctx = ProbeCtx {
        client: &db,
        t: c.thresholds,
        session: &session,
        deployment: &deployment,
        backups: &backups,
    };
    let rest = probes::run_selected(&pctx, c.selected, deadline).await;
    report.results.extend(rest);
    report.session = Some(session);
    Ok((report, Some(db)))
}

/// What the `security` probe needs to know beyond the server: whether the target is the
/// managed local cluster, and whether `tunnel deploy` left the tunnel on this host.
fn deployment(c: &Checks<'_>, settings: &Settings) -> Deployment {
    if !c.selected.contains(&"security") {
        return Deployment::default();
    }
    Deployment {
        managed_local: matches!(settings.database, DatabaseTarget::Local),
        tunnel: tunnel::deployed(c.tunnel_name),
    }
}

/// The selected database probes, UNKNOWN because `reason` kept them from running.
fn not_run(c: &Checks<'_>, reason: &str) -> Vec<ProbeResult> {
    c.selected
        .iter()
        .filter(|n| !matches!(**n, "connect" | "tunnel" | "patroni"))
        .map(|n| ProbeResult::unknown(n, probes::unit_of(n), format!("not run: {reason}"), None))
        .collect()
}

/// A session that failed to open: the failed `connect` probe and why the others did not run.
type Unopened = (ProbeResult, &'static str);

/// Connect and read the session facts, both within the deadline. The outer `Err` is a
/// configuration error; the inner one a server that could not be used.
async fn open_session(
    c: &Checks<'_>,
    deadline: Instant,
    connect: impl Future<Output = Result<Db>>,
    t0: StdInstant,
) -> Result<std::result::Result<(Db, Session), Unopened>> {
    let secs = || t0.elapsed().as_secs_f64();
    let timeout_text = crate::units::format_duration(c.timeout.as_secs_f64());
    let mut db = match tokio::time::timeout_at(deadline, connect).await {
        Ok(Ok(db)) => db,
        Ok(Err(e)) if exit::code_for(&e) == Exit::USAGE => return Err(e),
        Ok(Err(e)) => {
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
    match tokio::time::timeout_at(deadline, Session::read(&mut db, statement_ms)).await {
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

/// Where the run looks, before it has connected (never with a password).
fn describe_target(settings: &Settings) -> String {
    match &settings.database {
        DatabaseTarget::Conninfo(s) => crate::settings::redact::conninfo(&s.value),
        DatabaseTarget::Environment(_) => "(PG*/DB_* environment)".into(),
        DatabaseTarget::Local => "(managed local cluster)".into(),
    }
}
