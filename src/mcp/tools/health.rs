//! `health_summary`: `taskdb health`'s default run (the same probes, thresholds and timeout
//! from the configuration, through `health::check`) on a connection of its own — its
//! `connect` probe times a fresh connection — summarised for a model.

use chrono::{DateTime, Utc};
use rmcp::handler::server::common::schema_for_output;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Serialize;
use tokio::time::Instant;

use crate::cloudflare::tunnel_state::DEFAULT_TUNNEL_NAME;
use crate::exit::usage;
use crate::health::render::Report;
use crate::health::{check, tunnel, State};
use crate::mcp::server::Server;
use crate::settings::parse_patroni_urls;
use crate::settings::thresholds::Thresholds;

/// One check of a health run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Check {
    pub name: String,
    /// OK, WARNING, UNKNOWN or CRITICAL.
    pub state: State,
    pub message: String,
    /// What to do about it, when known.
    pub hint: Option<String>,
    /// The value the thresholds apply to (absent when the check could not run).
    pub value: Option<f64>,
}

/// A health run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HealthSummary {
    /// The worst check's state: OK, WARNING, UNKNOWN or CRITICAL.
    pub state: State,
    /// healthy, degraded, unknown or unhealthy.
    pub status: String,
    /// The database looked at (user@host:port/db, never a password).
    pub target: String,
    pub checked_at: DateTime<Utc>,
    pub checks: Vec<Check>,
}

#[tool_router(router = health_router, vis = "pub(super)")]
impl Server {
    #[tool(
        description = "Check the database the way `taskdb health` does (connection, load, locks, \
            replication, storage, schema migrations, security, stuck workflows…): the overall \
            state and every check that is not OK, with a hint.",
        output_schema = schema_for_output::<HealthSummary>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn health_summary(&self) -> CallToolResult {
        let h = &self.settings.file.health;
        let timeout = check::run_timeout(None, h).unwrap_or(crate::settings::MIN_HEALTH_TIMEOUT);
        // The run bounds itself; this is a backstop a little after its own deadline.
        let limit = timeout + std::time::Duration::from_secs(5);
        self.reply("health_summary", limit, async {
            let timeout = check::run_timeout(None, h).map_err(usage)?;
            let patroni = h.patroni_url.as_deref().map(parse_patroni_urls);
            let patroni = patroni.transpose().map_err(usage)?;
            let configured = check::Configured {
                cloudflare: tunnel::configured(&self.settings),
                patroni: patroni.is_some(),
            };
            let selected = check::select_probes(&[], &[], configured).map_err(usage)?;
            let thresholds = Thresholds::build(&h.thresholds, &[], &[]).map_err(usage)?;
            let checks = check::Checks {
                selected: &selected,
                thresholds: &thresholds,
                timeout,
                tunnel_name: DEFAULT_TUNNEL_NAME,
                patroni_urls: patroni.as_deref(),
            };
            let deadline = Instant::now() + timeout.mul_f64(0.9);
            let connect = crate::db::connect(self.conn.spec(), self.conn.actor(), &self.out);
            let (report, _db) =
                check::run(&checks, deadline, connect, &self.settings, &self.out).await?;
            Ok(summary(&report))
        })
        .await
    }
}

/// The summary and its text: the overall state, then one line per check that is not OK.
fn summary(report: &Report) -> (HealthSummary, String) {
    let mut lines = vec![format!(
        "health: {} ({}): {}",
        report.state.name(),
        report.state.status_word(),
        report.counts()
    )];
    for r in report.results.iter().filter(|r| r.state != State::Ok) {
        let hint = r
            .hint
            .as_deref()
            .map(|h| format!(" (hint: {h})"))
            .unwrap_or_default();
        lines.push(format!(
            "{} {}: {}{hint}",
            r.state.name(),
            r.name,
            r.message
        ));
    }
    let out = HealthSummary {
        state: report.state,
        status: report.state.status_word().to_string(),
        target: report.target.clone(),
        checked_at: report.checked_at,
        checks: report
            .results
            .iter()
            .map(|r| Check {
                name: r.name.to_string(),
                state: r.state,
                message: r.message.clone(),
                hint: r.hint.clone(),
                value: r.value,
            })
            .collect(),
    };
    (out, lines.join("\n"))
}
