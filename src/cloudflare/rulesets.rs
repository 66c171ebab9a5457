//! Zone phase entry-point rulesets (`/zones/{id}/rulesets/phases/{phase}/entrypoint`).
//!
//! Rules are kept as JSON values so fields taskdb does not know survive a read-modify-write.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Client;

pub const PHASE_CUSTOM: &str = "http_request_firewall_custom";
pub const PHASE_RATELIMIT: &str = "http_ratelimit";
pub const PHASE_MANAGED: &str = "http_request_firewall_managed";

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Ruleset {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub phase: Option<String>,
    #[serde(default)]
    pub rules: Vec<Value>,
}

fn path(zone: &str, phase: &str) -> String {
    format!("/zones/{zone}/rulesets/phases/{phase}/entrypoint")
}

/// The phase's entry point, or `None` when the phase has none yet (404).
pub async fn entrypoint(c: &Client, zone: &str, phase: &str) -> Result<Option<Ruleset>> {
    c.get_opt(&path(zone, phase), &[]).await
}

/// Replace the entry point's whole rule list (creating the entry point if missing).
pub async fn put_entrypoint(
    c: &Client,
    zone: &str,
    phase: &str,
    rules: &[Value],
) -> Result<Ruleset> {
    c.put(&path(zone, phase), &json!({ "rules": rules })).await
}
