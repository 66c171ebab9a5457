//! The `patroni` probe: a Patroni cluster as its REST API reports it — `GET /cluster` (members,
//! roles, states, timelines, lag, pause) and `GET /config` (synchronous mode) from the first
//! configured URL that answers, and the leader's `GET /patroni` (which replicas stream from
//! it). `judge` turns those facts into a state; the timeline is compared with the one the last
//! `health --record` run stored (read by `probes::recorded`). Like the tunnel probe it needs no
//! database, and it is part of a default run only when a URL is configured (`--patroni-url`,
//! `[health] patroni_url`).

mod judge;

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::time::Instant;

pub use judge::{judge, Previous};

use super::{ProbeResult, Unit};
use crate::settings::redact;

/// Bound on each request (Patroni answers from memory; a node that takes longer is in trouble).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// A member as `GET /cluster` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub name: String,
    /// leader, replica, sync_standby, standby_leader (older versions: master).
    #[serde(default)]
    pub role: String,
    /// running, streaming (newer Patroni), stopped, starting, crashed, …
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub api_url: Option<String>,
    #[serde(default)]
    pub timeline: Option<i64>,
    /// Bytes behind the leader, or "unknown".
    #[serde(default)]
    pub lag: Option<Value>,
}

impl Member {
    pub fn is_leader(&self) -> bool {
        matches!(self.role.as_str(), "leader" | "master" | "standby_leader")
    }

    /// The lag in bytes, when Patroni knows it.
    pub fn lag_bytes(&self) -> Option<f64> {
        self.lag.as_ref().and_then(Value::as_f64)
    }
}

#[derive(Debug, Deserialize)]
struct ClusterDoc {
    #[serde(default)]
    members: Vec<Member>,
    #[serde(default)]
    pause: bool,
}

/// What the REST API said, for [`judge`].
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The URL that answered (credentials masked).
    pub url: String,
    /// The cluster's name (`scope`), when the leader said it.
    pub scope: Option<String>,
    pub members: Vec<Member>,
    pub paused: bool,
    /// `synchronous_mode` of the dynamic configuration.
    pub synchronous_mode: bool,
    /// Replicas the leader streams WAL to (`application_name`s of its `replication` list);
    /// None when the leader's status could not be read.
    pub streaming: Option<Vec<String>>,
}

impl Facts {
    pub fn leader(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.is_leader())
    }
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value, String> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    // /patroni answers 503 on a node that is not running, still with its JSON.
    let body = response
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    match serde_json::from_slice(&body) {
        Ok(v) => Ok(v),
        Err(_) => Err(format!("HTTP {status} without JSON")),
    }
}

/// Ask the first URL that answers `/cluster`, then its `/config` and the leader's `/patroni`.
/// The error names each URL (masked) and why.
pub async fn fetch(urls: &[String]) -> Result<Facts, String> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("taskdb/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let mut failures = Vec::new();
    for base in urls {
        match ask(&client, base).await {
            Ok(facts) => return Ok(facts),
            Err(why) => failures.push(why),
        }
    }
    Err(format!(
        "no Patroni REST API answered: {}",
        failures.join("; ")
    ))
}

/// One node's view of the cluster.
async fn ask(client: &reqwest::Client, base: &str) -> Result<Facts, String> {
    let shown = redact::url(base);
    let cluster = get_json(client, &format!("{base}/cluster"))
        .await
        .map_err(|why| format!("{shown}: {why}"))?;
    let doc: ClusterDoc = serde_json::from_value(cluster)
        .map_err(|e| format!("{shown}/cluster: unexpected answer: {e}"))?;
    let config = get_json(client, &format!("{base}/config"))
        .await
        .map_err(|why| format!("{shown}/config: {why}"))?;
    let mut facts = Facts {
        url: shown,
        members: doc.members,
        paused: doc.pause,
        synchronous_mode: config
            .get("synchronous_mode")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        ..Facts::default()
    };
    let leader_api = facts.leader().and_then(|m| m.api_url.clone());
    if let Some(api) = leader_api {
        if let Ok(status) = get_json(client, &api).await {
            facts.scope = status
                .pointer("/patroni/scope")
                .and_then(Value::as_str)
                .map(str::to_string);
            facts.streaming = Some(streaming_replicas(&status));
        }
    }
    Ok(facts)
}

/// The `application_name`s (Patroni: member names) the leader's status lists as streaming.
fn streaming_replicas(status: &Value) -> Vec<String> {
    status
        .get("replication")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("state").and_then(Value::as_str) == Some("streaming"))
        .filter_map(|r| r.get("application_name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// [`fetch`] within `deadline`.
pub async fn fetch_until(urls: &[String], deadline: Instant) -> Result<Facts, String> {
    match tokio::time::timeout_at(deadline, fetch(urls)).await {
        Ok(r) => r,
        Err(_) => Err(
            "timed out: the Patroni REST API did not answer before the --timeout deadline".into(),
        ),
    }
}

/// The probe when it cannot say anything about the cluster: UNKNOWN, like the tunnel probe
/// when Cloudflare does not answer (the database probes say whether the database works).
pub fn unknown(message: String, hint: Option<String>) -> ProbeResult {
    ProbeResult::unknown("patroni", Unit::Bytes, message, hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_replicas_come_from_the_leaders_replication_list() {
        let status = serde_json::json!({"replication": [
            {"application_name": "pg1", "state": "streaming"},
            {"application_name": "pg2", "state": "catchup"}]});
        assert_eq!(streaming_replicas(&status), vec!["pg1"]);
        assert!(streaming_replicas(&serde_json::json!({})).is_empty());
    }
}
