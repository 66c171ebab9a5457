//! Printing a health report: a table for people, the seed's `/health` JSON extended with every
//! probe, a check_postgres-style Nagios line with perfdata, and Prometheus text exposition.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use console::Style;
use serde::Serialize;

use super::probes::Session;
use super::{ProbeResult, Sample, State, Unit};
use crate::output::Output;

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct Report {
    pub state: State,
    pub checked_at: DateTime<Utc>,
    pub duration_seconds: f64,
    /// `user@host:port/db`, never with a password.
    pub target: String,
    pub session: Option<Session>,
    pub results: Vec<ProbeResult>,
    /// When the database last answered (now if it did; carried over from the textfile otherwise).
    pub last_success: Option<f64>,
}

impl Report {
    pub fn connected(&self) -> bool {
        self.session.is_some()
    }

    fn probe(&self, name: &str) -> Option<&ProbeResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// "1 CRITICAL, 2 WARNING, 12 OK": how many probes ended in each state, worst first.
    pub fn counts(&self) -> String {
        let mut parts = Vec::new();
        for s in [State::Critical, State::Unknown, State::Warning, State::Ok] {
            let n = self.results.iter().filter(|r| r.state == s).count();
            if n > 0 {
                parts.push(format!("{n} {}", s.name()));
            }
        }
        parts.join(", ")
    }
}

// ---- human ------------------------------------------------------------------------------------

pub fn human(report: &Report, out: &Output) -> String {
    let style = |s: State| match s {
        State::Ok => Style::new().green(),
        State::Warning => Style::new().yellow().bold(),
        State::Critical => Style::new().red().bold(),
        State::Unknown => Style::new().magenta().bold(),
    };
    let rows: Vec<Vec<String>> = report
        .results
        .iter()
        .map(|r| {
            let mut message = one_line(&r.message);
            if let Some(h) = &r.hint {
                message.push_str(&format!("\nhint: {}", one_line(h)));
            }
            vec![
                r.name.to_string(),
                out.paint(r.state.name(), &style(r.state)),
                r.value
                    .map(|v| r.unit.show(v))
                    .unwrap_or_else(|| "-".into()),
                message,
            ]
        })
        .collect();
    let mut text = out.table(&["probe", "state", "value", "message"], &rows);
    let _ = writeln!(
        text,
        "overall: {} ({}) — {} in {}",
        out.paint(report.state.name(), &style(report.state)),
        report.counts(),
        report.target,
        crate::units::format_duration(report.duration_seconds)
    );
    text
}

// ---- JSON -------------------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonReport<'a> {
    /// healthy | degraded | unhealthy | unknown (the seed's word)
    status: &'static str,
    /// OK | WARNING | CRITICAL | UNKNOWN
    state: State,
    exit_code: u8,
    checked_at: DateTime<Utc>,
    duration_seconds: f64,
    database: JsonDatabase,
    /// The seed's `cloudflare` object, when the tunnel probe ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudflare: Option<serde_json::Value>,
    probes: &'a [ProbeResult],
}

#[derive(Serialize)]
struct JsonDatabase {
    connected: bool,
    /// Milliseconds to connect and run a query (the seed's field).
    response_time: Option<f64>,
    target: String,
    server_version: Option<String>,
    in_recovery: Option<bool>,
    /// The seed's pool_status, from the server's point of view: usable slots and sessions.
    pool_status: Option<serde_json::Value>,
}

pub fn json(report: &Report) -> serde_json::Value {
    let connect = report.probe("connect");
    let pool = report.probe("connections").and_then(|c| {
        let d = &c.details;
        Some(serde_json::json!({
            "total": d.get("usable")?,
            "active": d.get("active")?,
            "idle": d.get("idle")?,
            "idle_in_transaction": d.get("idle_in_transaction")?,
            "used": d.get("used")?,
        }))
    });
    let doc = JsonReport {
        status: report.state.status_word(),
        state: report.state,
        exit_code: report.state.code(),
        checked_at: report.checked_at,
        duration_seconds: report.duration_seconds,
        database: JsonDatabase {
            connected: report.connected(),
            response_time: connect
                .filter(|_| report.connected())
                .and_then(|c| c.value)
                .map(|s| (s * 1000.0 * 1000.0).round() / 1000.0),
            target: report.target.clone(),
            server_version: report.session.as_ref().map(|s| s.server_version.clone()),
            in_recovery: report.session.as_ref().map(|s| s.in_recovery),
            pool_status: pool,
        },
        cloudflare: report.probe("tunnel").map(|t| {
            serde_json::json!({
                "tunnel_status": t.details.get("tunnel_status").cloned().unwrap_or(serde_json::Value::Null),
                "state": t.state,
            })
        }),
        probes: &report.results,
    };
    serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
}

// ---- Nagios -----------------------------------------------------------------------------------

/// `POSTGRES_TASKDB STATE: message | label=value[uom];warn;crit;min;max …`
pub fn nagios(report: &Report) -> String {
    let mut bad: Vec<&ProbeResult> = report
        .results
        .iter()
        .filter(|r| r.state != State::Ok)
        .collect();
    bad.sort_by_key(|r| std::cmp::Reverse(r.state));
    let message = if bad.is_empty() {
        format!("{} probes OK on {}", report.results.len(), report.target)
    } else {
        bad.iter()
            .map(|r| format!("{} {}: {}", r.name, r.state.name(), one_line(&r.message)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut perf = vec![format!("time={:.3}s", report.duration_seconds)];
    for r in &report.results {
        let Some(v) = r.value else { continue };
        let opt = |x: Option<f64>| x.map(num).unwrap_or_default();
        let (min, max) = match r.unit {
            Unit::Ratio => ("0", "1"),
            _ => ("0", ""),
        };
        perf.push(format!(
            "{}={}{};{};{};{min};{max}",
            r.name,
            num(v),
            r.unit.uom(),
            opt(r.warn),
            opt(r.crit)
        ));
    }
    // '|' separates perfdata in Nagios; it must not appear in the text.
    format!(
        "POSTGRES_TASKDB {}: {} | {}\n",
        report.state.name(),
        message.replace('|', "/"),
        perf.join(" ")
    )
}

// ---- Prometheus -------------------------------------------------------------------------------

/// One metric family of the text exposition format.
pub struct Family {
    pub name: String,
    pub help: String,
    /// "gauge" or "counter"
    pub kind: &'static str,
    pub samples: Vec<(Vec<(String, String)>, f64)>,
}

/// Collects samples into families, keeping first-appearance order.
#[derive(Default)]
pub struct Exposition {
    pub families: Vec<Family>,
}

impl Exposition {
    pub fn add(
        &mut self,
        name: String,
        help: &str,
        kind: &'static str,
        labels: Vec<(String, String)>,
        value: f64,
    ) {
        match self.families.iter_mut().find(|f| f.name == name) {
            Some(f) => f.samples.push((labels, value)),
            None => self.families.push(Family {
                name,
                help: help.to_string(),
                kind,
                samples: vec![(labels, value)],
            }),
        }
    }

    /// Text exposition format 0.0.4: HELP and TYPE once per family before its samples, every
    /// family in one block, no timestamps, no duplicate series, trailing newline.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for f in &self.families {
            let _ = writeln!(text, "# HELP {} {}", f.name, escape_help(&f.help));
            let _ = writeln!(text, "# TYPE {} {}", f.name, f.kind);
            let mut seen = BTreeSet::new();
            for (labels, value) in &f.samples {
                let label_text = if labels.is_empty() {
                    String::new()
                } else {
                    let inner: Vec<String> = labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
                        .collect();
                    format!("{{{}}}", inner.join(","))
                };
                // A duplicate series would make the whole file invalid: keep the first.
                if seen.insert(label_text.clone()) {
                    let _ = writeln!(text, "{}{label_text} {}", f.name, prom_num(*value));
                }
            }
        }
        text
    }
}

/// A valid metric or label name from arbitrary text (invalid characters become `_`).
pub fn sanitize_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

pub fn prometheus(report: &Report) -> String {
    let mut e = Exposition::default();
    run_families(&mut e, report);
    for r in &report.results {
        let l = || vec![("probe".to_string(), r.name.to_string())];
        e.add(
            "taskdb_probe_state".into(),
            "Probe state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
            "gauge",
            l(),
            f64::from(r.state.code()),
        );
        e.add(
            "taskdb_probe_up".into(),
            "1 when the probe could run (its state is not UNKNOWN)",
            "gauge",
            l(),
            if r.state == State::Unknown { 0.0 } else { 1.0 },
        );
        e.add(
            "taskdb_probe_duration_seconds".into(),
            "Time the probe took",
            "gauge",
            l(),
            r.duration_seconds,
        );
    }
    let all: Vec<&Sample> = report
        .results
        .iter()
        .flat_map(|r| r.samples.iter())
        .collect();
    for s in all {
        let labels = s
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        e.add(
            format!("taskdb_{}", s.name),
            s.help,
            s.kind(),
            labels,
            s.value,
        );
    }
    e.text()
}

/// The families about the run as a whole: state, last success, duration, version.
fn run_families(e: &mut Exposition, report: &Report) {
    e.add(
        "taskdb_health_state".into(),
        "Overall health state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
        "gauge",
        vec![],
        f64::from(report.state.code()),
    );
    if let Some(ts) = report.last_success {
        e.add(
            "taskdb_health_last_success_timestamp_seconds".into(),
            "Unix time of the last run in which the database answered",
            "gauge",
            vec![],
            ts,
        );
    }
    e.add(
        "taskdb_health_duration_seconds".into(),
        "Wall time of the whole health run",
        "gauge",
        vec![],
        report.duration_seconds,
    );
    e.add(
        "taskdb_build_info".into(),
        "taskdb version that wrote these metrics",
        "gauge",
        vec![("version".into(), env!("CARGO_PKG_VERSION").to_string())],
        1.0,
    );
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn prom_num(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v != 0.0 && !(1e-4..1e15).contains(&v.abs()) {
        // Shortest exact form with an exponent (`1.5e-7`), which the exposition format accepts,
        // rather than a long run of zeros.
        format!("{v:e}")
    } else {
        num(v)
    }
}

/// The shortest decimal that reads back as exactly `v` (Rust's `Display` of `f64`: never an
/// exponent, never rounded), as Nagios perfdata needs it.
fn num(v: f64) -> String {
    format!("{v}")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The previous `taskdb_health_last_success_timestamp_seconds` in an existing textfile.
pub fn previous_last_success(text: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix("taskdb_health_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut a = ProbeResult::new("connections", Unit::Ratio);
        a.value = Some(0.5);
        a.warn = Some(0.8);
        a.crit = Some(0.95);
        a.message = "5 of 10 | pipes".into();
        a.sample(
            "pg_connections",
            "Client connections",
            Unit::Count,
            vec![("state", "a\"b".into())],
            5.0,
        );
        a.sample(
            "pg_connections",
            "Client connections",
            Unit::Count,
            vec![("state", "idle".into())],
            1.0,
        );
        let mut b = ProbeResult::unknown(
            "blocked",
            Unit::Seconds,
            "no pg_monitor",
            Some("GRANT".into()),
        );
        b.duration_seconds = 0.001;
        Report {
            state: State::Unknown,
            checked_at: Utc::now(),
            duration_seconds: 0.0123,
            target: "u@h:5432/db".into(),
            session: None,
            results: vec![a, b],
            last_success: Some(1_700_000_000.0),
        }
    }

    #[test]
    fn nagios_line_has_state_message_and_perfdata() {
        let line = nagios(&report());
        assert!(
            line.starts_with("POSTGRES_TASKDB UNKNOWN: blocked UNKNOWN: no pg_monitor | "),
            "{line}"
        );
        assert!(line.contains("connections=0.5;0.8;0.95;0;1"), "{line}");
        assert!(
            !line.contains("blocked="),
            "no perfdata without a value: {line}"
        );
        assert_eq!(line.matches('|').count(), 1);
    }

    #[test]
    fn prometheus_groups_families_and_escapes() {
        let text = prometheus(&report());
        assert!(text.ends_with('\n'));
        assert!(text.contains("taskdb_pg_connections{state=\"a\\\"b\"} 5\n"));
        assert_eq!(
            text.matches("# TYPE taskdb_pg_connections gauge").count(),
            1
        );
        assert!(text.contains("taskdb_health_last_success_timestamp_seconds 1700000000\n"));
        assert!(text.contains("taskdb_probe_up{probe=\"blocked\"} 0\n"));
        assert_eq!(previous_last_success(&text), Some(1_700_000_000.0));
    }

    #[test]
    fn numbers_keep_full_precision() {
        // Small ratios and sub-microsecond durations are not rounded away (they used to print
        // as 0 after rounding to 6 decimals).
        let mut e = Exposition::default();
        for (name, v) in [
            ("a", 1.5e-7),
            ("b", 0.123_456_789_012_345_6),
            ("c", 1_700_000_000.0),
            ("d", 0.0),
            ("e", 2.5e20),
            ("f", -0.000_012_5),
        ] {
            e.add(name.into(), "h", "gauge", vec![], v);
        }
        let text = e.text();
        for line in [
            "a 1.5e-7",
            "b 0.1234567890123456",
            "c 1700000000",
            "d 0",
            "e 2.5e20",
            "f -1.25e-5",
        ] {
            assert!(text.contains(&format!("{line}\n")), "{line} in {text}");
        }
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.split_once(' ').unwrap();
            let expected = [
                1.5e-7,
                0.123_456_789_012_345_6,
                1.7e9,
                0.0,
                2.5e20,
                -0.000_012_5,
            ]["abcdef".find(name).unwrap()];
            assert_eq!(value.parse::<f64>().unwrap(), expected, "{line}");
        }
        // Nagios perfdata has no exponents: the exact decimal.
        assert_eq!(num(1.5e-7), "0.00000015");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(42.0), "42");
    }
}
