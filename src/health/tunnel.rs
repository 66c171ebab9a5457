//! The Cloudflare Tunnel probe: the tunnel's status as Cloudflare reports it (healthy,
//! degraded, down, inactive), through taskdb's Cloudflare client. It needs no database, so it
//! runs alongside the database probes; it is part of a default run only when Cloudflare is
//! configured (an API token).

use serde_json::json;

use super::{ProbeResult, State, Unit};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::{tunnels, Client};
use crate::output::Output;
use crate::settings::Settings;

/// Whether Cloudflare is configured, i.e. whether the probe belongs in a default run.
pub fn configured(settings: &Settings) -> bool {
    settings.cloudflare_api_token.is_some()
}

/// A tunnel `taskdb tunnel deploy` created from this host (what it recorded locally).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedTunnel {
    pub name: String,
    pub hostname: Option<String>,
}

/// The tunnel named `name` if `tunnel deploy` created it from this host (its local state
/// records the tunnel's id; `tunnel delete` removes that state). No API call.
pub fn deployed(name: &str) -> Option<DeployedTunnel> {
    let state = crate::cloudflare::tunnel_state::read_state(name)?;
    state.tunnel_id.as_ref()?;
    Some(DeployedTunnel {
        name: name.to_string(),
        hostname: state.hostname,
    })
}

/// The state a tunnel status maps to.
pub fn state_of(status: &str) -> State {
    match status {
        "healthy" => State::Ok,
        "degraded" => State::Warning,
        "down" | "inactive" => State::Critical,
        _ => State::Unknown,
    }
}

pub async fn probe(settings: &Settings, out: &Output, name: &str) -> ProbeResult {
    let start = std::time::Instant::now();
    let mut r = ProbeResult::new("tunnel", Unit::Count);
    if !configured(settings) {
        r.state = State::Unknown;
        r.message = "Cloudflare is not configured".into();
        r.hint = Some(
            "set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID), or leave out --check tunnel"
                .into(),
        );
        return r;
    }
    let found = async {
        let client = Client::from_settings(settings, None, out)?;
        // CLOUDFLARE_ACCOUNT_ID, else the account `tunnel deploy` recorded on this host.
        let deployed = crate::cloudflare::tunnel_state::deployed_account(name);
        let sc = scope::resolve(&client, settings, ZoneBy::Settings, deployed.as_deref()).await?;
        tunnels::find_by_name(&client, &sc.account_id, name).await
    }
    .await;
    match found {
        Ok(Some(t)) => {
            let status = t.status.clone().unwrap_or_default();
            let connections = t.connections.len();
            r.value = Some(connections as f64);
            r.state = state_of(&status);
            r.message = format!(
                "tunnel {name} is {} with {connections} connection(s)",
                if status.is_empty() {
                    "of unknown status"
                } else {
                    &status
                }
            );
            if r.state != State::Ok {
                r.hint = Some(format!(
                    "is cloudflared running with this tunnel's token? (taskdb tunnel status --name {name})"
                ));
            }
            r.details = json!({"tunnel": name, "tunnel_id": t.id, "tunnel_status": status,
                               "connections": connections});
            r.sample(
                "cloudflare_tunnel_healthy",
                "1 when Cloudflare reports the tunnel healthy",
                Unit::Count,
                vec![("tunnel", name.to_string())],
                if r.state == State::Ok { 1.0 } else { 0.0 },
            );
            r.sample(
                "cloudflare_tunnel_connections",
                "Connections between cloudflared and Cloudflare's edge",
                Unit::Count,
                vec![("tunnel", name.to_string())],
                connections as f64,
            );
        }
        Ok(None) => {
            r.state = State::Critical;
            r.message = format!("no tunnel named {name} in the Cloudflare account");
            r.hint = Some("create it: taskdb tunnel deploy --hostname <host>".into());
            r.details = json!({"tunnel": name, "tunnel_status": "missing"});
        }
        Err(e) => {
            r.state = State::Unknown;
            r.message = format!("could not ask Cloudflare: {e:#}");
            r.details = json!({"tunnel": name});
        }
    }
    r.duration_seconds = start.elapsed().as_secs_f64();
    r
}
