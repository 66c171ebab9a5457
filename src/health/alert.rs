//! Alerting with a cooldown: POST a JSON message to a webhook when the overall state changes, and
//! at most once per cooldown for the same state (a reminder while a problem persists).
//!
//! The last alert state lives in the database (`health_alert_state`, one row per webhook, locked
//! while deciding so two overlapping cron runs cannot both alert). When the database cannot be
//! reached — exactly when an alert matters most — a state file under `$XDG_STATE_HOME/taskdb`
//! stands in, so a cron job every minute still does not spam.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::render::Report;
use super::State;
use crate::db::Db;
use crate::output::Output;

/// What was last announced on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub last_state: String,
    /// State name → when an alert for it was last sent.
    pub sent: BTreeMap<String, DateTime<Utc>>,
}

impl Default for AlertState {
    fn default() -> Self {
        AlertState {
            last_state: State::Ok.name().into(),
            sent: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Send; `reminder` when the state did not change but the cooldown has passed.
    Send { reminder: bool },
    /// A change that is not announced because the same state was alerted within the cooldown.
    Suppress(String),
    /// Nothing to say.
    Quiet,
}

/// The pure rule. A first run with no history behaves as if the last state was OK.
pub fn decide(
    prev: &AlertState,
    current: State,
    now: DateTime<Utc>,
    cooldown: Duration,
) -> Decision {
    let cooldown = chrono::Duration::from_std(cooldown).unwrap_or(chrono::Duration::MAX);
    let recently_sent = |s: State| {
        prev.sent
            .get(s.name())
            .filter(|t| now.signed_duration_since(**t) < cooldown)
            .copied()
    };
    if current.name() != prev.last_state {
        match recently_sent(current) {
            Some(t) => Decision::Suppress(format!(
                "{} was already alerted at {} (cooldown)",
                current.name(),
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            None => Decision::Send { reminder: false },
        }
    } else if current != State::Ok && recently_sent(current).is_none() {
        Decision::Send { reminder: true }
    } else {
        Decision::Quiet
    }
}

/// The state after a decision (a failed send leaves it unchanged so the next run retries).
pub fn next_state(
    prev: &AlertState,
    current: State,
    decision: &Decision,
    sent_ok: bool,
    now: DateTime<Utc>,
) -> AlertState {
    let mut next = prev.clone();
    match decision {
        Decision::Send { .. } if sent_ok => {
            next.last_state = current.name().into();
            next.sent.insert(current.name().into(), now);
        }
        Decision::Suppress(_) => next.last_state = current.name().into(),
        _ => {}
    }
    next
}

/// A stable id for a webhook that does not reveal it (webhook URLs carry tokens).
pub fn channel(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    format!("webhook:{}", &hex::encode(digest)[..16])
}

/// The JSON body: `text` for chat webhooks (Slack/Mattermost), the rest for machines.
pub fn payload(report: &Report, previous: &str, reminder: bool) -> serde_json::Value {
    let problems: Vec<serde_json::Value> = report
        .results
        .iter()
        .filter(|r| r.state != State::Ok)
        .map(|r| serde_json::json!({"probe": r.name, "state": r.state, "message": r.message, "hint": r.hint}))
        .collect();
    let host = crate::platform::hostname();
    let text = if report.state == State::Ok {
        format!(
            "taskdb health on {host}: back to OK (was {previous}) — {}",
            report.target
        )
    } else {
        let first: Vec<String> = report
            .results
            .iter()
            .filter(|r| r.state != State::Ok)
            .map(|r| format!("{} {}: {}", r.name, r.state.name(), r.message))
            .collect();
        format!(
            "taskdb health on {host}: {}{} — {}: {}",
            report.state.name(),
            if reminder { " (still)" } else { "" },
            report.target,
            first.join("; ")
        )
    };
    serde_json::json!({
        "text": text,
        "source": "taskdb",
        "state": report.state,
        "previous_state": previous,
        "status": report.state.status_word(),
        "reminder": reminder,
        "host": host,
        "database": report.target,
        "checked_at": report.checked_at,
        "problems": problems,
    })
}

/// POST the payload; errors never include the URL.
pub async fn post(url: &str, body: &serde_json::Value, timeout: Duration) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("taskdb/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")?;
    let response = client
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("webhook request failed: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        anyhow::bail!("webhook answered HTTP {status}");
    }
    Ok(())
}

// ---- where the state lives -----------------------------------------------------------------------

/// Load the state for `channel` inside an open transaction, locking its row.
pub async fn load_db(tx: &Db, channel: &str) -> Result<AlertState, tokio_postgres::Error> {
    tx.execute(
        "INSERT INTO health_alert_state (channel) VALUES ($1) ON CONFLICT (channel) DO NOTHING",
        &[&channel],
    )
    .await?;
    let row = tx
        .query_one(
            "SELECT last_state, sent FROM health_alert_state WHERE channel = $1 FOR UPDATE",
            &[&channel],
        )
        .await?;
    let sent: serde_json::Value = row.get(1);
    Ok(AlertState {
        last_state: row.get(0),
        sent: serde_json::from_value(sent).unwrap_or_default(),
    })
}

pub async fn store_db(
    tx: &Db,
    channel: &str,
    state: &AlertState,
) -> Result<(), tokio_postgres::Error> {
    let sent = serde_json::to_value(&state.sent).unwrap_or_default();
    tx.execute(
        "UPDATE health_alert_state SET last_state = $2, sent = $3, updated_at = now() WHERE channel = $1",
        &[&channel, &state.last_state, &sent],
    )
    .await?;
    Ok(())
}

/// Whether the database has the alert table (an old schema falls back to the state file).
pub async fn db_has_table(client: &Db) -> bool {
    client
        .query_one("SELECT to_regclass('health_alert_state') IS NOT NULL", &[])
        .await
        .map(|r| r.get::<_, bool>(0))
        .unwrap_or(false)
}

pub fn state_file(channel: &str) -> PathBuf {
    crate::platform::state_home(&crate::platform::ProcessEnv)
        .join("taskdb")
        .join(format!("health-alert-{}.json", channel.replace(':', "-")))
}

pub fn load_file(channel: &str) -> AlertState {
    crate::limits::read(
        state_file(channel),
        crate::limits::SMALL_FILE,
        "state files",
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok())
    .unwrap_or_default()
}

pub fn store_file(channel: &str, state: &AlertState) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(state)?;
    crate::platform::write_private_file(&state_file(channel), &bytes)
}

// ---- one run's alerting ----------------------------------------------------------------------------

/// Decide and send an alert for this run's report; the last state lives in the database when
/// it is a writable one with the table, else in the state file. Never fails: problems go to
/// stderr, and everything is bounded by `end`.
pub async fn alert_if_needed(
    out: &Output,
    url: &str,
    cooldown: Duration,
    report: &Report,
    db: Option<&mut Db>,
    end: Instant,
) {
    let channel = channel(url);
    let work = async {
        // A standby is read-only: its alert state lives in the state file.
        let writable = report.session.as_ref().is_some_and(|s| !s.in_recovery);
        if let Some(db) = db.filter(|_| writable) {
            if db_has_table(&*db).await {
                // The row lock serialises overlapping runs: the second waits, then sees the first's send.
                let tx = db.transaction();
                let prev = load_db(&tx, &channel).await?;
                let next = decide_and_send(out, url, cooldown, report, prev, end).await;
                store_db(&tx, &channel, &next).await?;
                tx.commit().await?;
                return Ok::<_, anyhow::Error>(());
            }
            out.debug(
                1,
                "no health_alert_state table (run `taskdb migrate up`): using the state file",
            );
        }
        let prev = load_file(&channel);
        let next = decide_and_send(out, url, cooldown, report, prev.clone(), end).await;
        if next != prev {
            store_file(&channel, &next)?;
        }
        Ok(())
    };
    match tokio::time::timeout_at(end, work).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: alerting failed: {e:#}"),
        Err(_) => eprintln!("warning: alerting did not finish within --timeout"),
    }
}

/// Apply the rule to the previous state, send when it says so, and return the next state.
async fn decide_and_send(
    out: &Output,
    url: &str,
    cooldown: Duration,
    report: &Report,
    prev: AlertState,
    end: Instant,
) -> AlertState {
    let now = chrono::Utc::now();
    let decision = decide(&prev, report.state, now, cooldown);
    let mut delivered = false;
    match &decision {
        Decision::Send { reminder } => {
            let body = payload(report, &prev.last_state, *reminder);
            let budget = end
                .saturating_duration_since(Instant::now())
                .clamp(Duration::from_millis(100), Duration::from_secs(5));
            match post(url, &body, budget).await {
                Ok(()) => {
                    delivered = true;
                    out.debug(1, format!("alert sent: {}", report.state.name()));
                }
                Err(e) => eprintln!("warning: alert not delivered: {e:#}"),
            }
        }
        Decision::Suppress(why) => out.debug(1, format!("alert suppressed: {why}")),
        Decision::Quiet => {}
    }
    next_state(&prev, report.state, &decision, delivered, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(mins: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000 + mins * 60, 0).unwrap()
    }

    #[test]
    fn changes_alert_once_per_cooldown_and_failures_retry() {
        let cd = Duration::from_secs(15 * 60);
        let s0 = AlertState::default();
        assert_eq!(decide(&s0, State::Ok, at(0), cd), Decision::Quiet);
        let d = decide(&s0, State::Critical, at(0), cd);
        assert_eq!(d, Decision::Send { reminder: false });
        // The webhook failed: nothing recorded, the next run tries again.
        assert_eq!(next_state(&s0, State::Critical, &d, false, at(0)), s0);
        let s1 = next_state(&s0, State::Critical, &d, true, at(0));
        assert_eq!(s1.last_state, "CRITICAL");
        // Same state within the cooldown: quiet; after it: a reminder.
        assert_eq!(decide(&s1, State::Critical, at(5), cd), Decision::Quiet);
        assert_eq!(
            decide(&s1, State::Critical, at(16), cd),
            Decision::Send { reminder: true }
        );
        // Recovery is announced.
        let d = decide(&s1, State::Ok, at(6), cd);
        assert_eq!(d, Decision::Send { reminder: false });
        let s2 = next_state(&s1, State::Ok, &d, true, at(6));
        // Flapping back to CRITICAL inside the cooldown is suppressed, but remembered.
        let d = decide(&s2, State::Critical, at(7), cd);
        assert!(matches!(d, Decision::Suppress(_)), "{d:?}");
        let s3 = next_state(&s2, State::Critical, &d, false, at(7));
        assert_eq!(s3.last_state, "CRITICAL");
        assert_eq!(decide(&s3, State::Critical, at(8), cd), Decision::Quiet);
    }

    #[test]
    fn channel_hides_the_url() {
        let c = channel("https://hooks.example.com/T000/B000/secret");
        assert!(c.starts_with("webhook:") && !c.contains("secret"));
        assert_eq!(c, channel("https://hooks.example.com/T000/B000/secret"));
    }
}
