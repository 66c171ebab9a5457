//! The plan of `tunnel deploy`, as pure functions: given what the API says is deployed (read by
//! the command) and what the flags want, what to create, update, keep or delete — the tunnel, its
//! ingress configuration, the proxied CNAME and a previous hostname's leftovers here, the Access
//! service token, application and policies in [`access`]. Nothing here calls the API, so the
//! command reads, plans, reports conflicts, and only then writes.

use anyhow::Result;
use serde_json::{json, Value};

use super::access::AccessApp;
use super::dns::DnsRecord;
use super::plan::{self, Action, PlanItem};
use super::tunnels::Tunnel;
use crate::exit::failed;

pub mod access;

pub use access::{plan_app, plan_policies, plan_service_token, wanted_policies};
pub use access::{AppStep, PolicyOp, TokenStep, WantedPolicy};

/// The comment on the DNS record taskdb writes (how `tunnel delete` knows a leftover is ours).
pub const DNS_COMMENT: &str = "managed-by: taskdb";
/// Access policies taskdb owns on its application are recognised by this name prefix.
pub const POLICY_PREFIX: &str = "taskdb";

/// What the flags of `tunnel deploy` want deployed (validated).
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// The tunnel's name.
    pub name: &'a str,
    pub hostname: &'a str,
    /// `tcp://HOST:PORT` of PostgreSQL as the connector reaches it.
    pub service: &'a str,
    pub connect_timeout: u64,
    pub emails: &'a [String],
    pub email_domains: &'a [String],
    pub service_token: Option<&'a str>,
    /// Take over a DNS record or Access application taskdb did not create.
    pub force: bool,
}

/// The CNAME target of a tunnel.
pub fn cname_target(tunnel_id: &str) -> String {
    format!("{tunnel_id}.cfargotunnel.com")
}

/// True for an Access application taskdb created (its name starts with "taskdb").
pub fn is_taskdb_app(app: &AccessApp) -> bool {
    app.name.starts_with("taskdb")
}

/// The first hostname of an ingress configuration (the one taskdb serves).
pub fn first_hostname(config: &Value) -> Option<String> {
    config
        .get("ingress")?
        .as_array()?
        .iter()
        .find_map(|r| r.get("hostname")?.as_str().map(str::to_string))
        .filter(|h| !h.is_empty())
}

#[derive(Debug)]
pub enum TunnelStep {
    Existing(Tunnel),
    Create,
}

impl TunnelStep {
    /// The tunnel's id when it exists already.
    pub fn existing_id(&self) -> Option<String> {
        match self {
            TunnelStep::Existing(t) => Some(t.id.clone()),
            TunnelStep::Create => None,
        }
    }
}

#[derive(Debug)]
pub enum DnsStep {
    Keep,
    Patch(String, Value),
    /// Delete these records (foreign, with --force), then create.
    Create(Vec<String>, Value),
}

/// Everything `tunnel deploy` will do, in the order it does it.
pub struct DeployPlan {
    pub items: Vec<PlanItem>,
    pub tunnel: TunnelStep,
    pub config: Option<Value>,
    pub service_token: Option<TokenStep>,
    pub app: Option<AppStep>,
    pub policies: Vec<PolicyOp>,
    pub dns: DnsStep,
    /// The tunnel served another hostname before: its CNAME (to this tunnel) and taskdb's
    /// Access application there are removed once the new hostname is in place.
    pub stale_dns: Vec<String>,
    pub stale_app: Option<String>,
}

/// The ingress document taskdb puts on its tunnel. Timeouts are whole seconds (cloudflared parses
/// them as integers).
pub fn desired_config(hostname: &str, service: &str, connect_timeout: u64) -> Value {
    json!({
        "ingress": [
            {
                "hostname": hostname,
                "service": service,
                "originRequest": {"connectTimeout": connect_timeout, "tcpKeepAlive": 30}
            },
            {"service": "http_status:404"}
        ]
    })
}

/// The configuration changes needed, or `None` when the deployed one matches.
pub fn config_changes(current: Option<&Value>, desired: &Value) -> Option<Vec<String>> {
    let current_ingress = current.and_then(|c| c.get("ingress")).cloned();
    let desired_ingress = desired.get("ingress").cloned().unwrap_or(Value::Null);
    match current_ingress {
        Some(cur) if cur == desired_ingress => None,
        Some(cur) => Some(plan::diff("ingress", &cur, &desired_ingress)),
        None => Some(describe_ingress(&desired_ingress)),
    }
}

/// One line per ingress rule: `ingress[0]: host -> service (connectTimeout 30s)`.
fn describe_ingress(ingress: &Value) -> Vec<String> {
    let rules = ingress.as_array().cloned().unwrap_or_default();
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let host = r
                .get("hostname")
                .and_then(Value::as_str)
                .unwrap_or("(catch-all)");
            let service = r.get("service").and_then(Value::as_str).unwrap_or("?");
            let timeout = r
                .pointer("/originRequest/connectTimeout")
                .and_then(Value::as_u64)
                .map(|t| format!(" (connectTimeout {t}s)"))
                .unwrap_or_default();
            format!("ingress[{i}]: {host} -> {service}{timeout}")
        })
        .collect()
}

/// The tunnel: kept when it exists (and is remotely managed), else created.
pub fn plan_tunnel(
    name: &str,
    found: Option<Tunnel>,
    items: &mut Vec<PlanItem>,
) -> Result<TunnelStep> {
    match found {
        Some(t) => {
            if t.config_src.as_deref() == Some("local") || t.remote_config == Some(false) {
                return Err(failed(format!(
                    "tunnel {name} exists but is locally managed (config file); taskdb manages \
                     remotely-configured tunnels only: choose another --name"
                )));
            }
            items.push(PlanItem::new("tunnel", name, Action::Unchanged, vec![]));
            Ok(TunnelStep::Existing(t))
        }
        None => {
            items.push(PlanItem::new(
                "tunnel",
                name,
                Action::Create,
                vec!["config_src: cloudflare".into()],
            ));
            Ok(TunnelStep::Create)
        }
    }
}

/// The tunnel's configuration: `Some(desired)` when it must be put, `None` when it matches.
pub fn plan_config(
    name: &str,
    current: Option<&Value>,
    desired: Value,
    items: &mut Vec<PlanItem>,
) -> Option<Value> {
    match config_changes(current, &desired) {
        None => {
            items.push(PlanItem::new(
                "tunnel configuration",
                name,
                Action::Unchanged,
                vec![],
            ));
            None
        }
        Some(changes) => {
            let action = if current.is_some() {
                Action::Update
            } else {
                Action::Create
            };
            items.push(PlanItem::new("tunnel configuration", name, action, changes));
            Some(desired)
        }
    }
}

/// The DNS part: the proxied CNAME to the tunnel, given the records now on the hostname;
/// anything else on the name is refused unless `--force`.
pub fn plan_dns(
    w: &Wanted,
    tunnel_id: Option<&str>,
    records: &[DnsRecord],
    items: &mut Vec<PlanItem>,
) -> Result<DnsStep> {
    let hostname = w.hostname;
    let target = cname_target(tunnel_id.unwrap_or("<new-tunnel-id>"));
    let wanted_record = json!({
        "type": "CNAME",
        "name": hostname,
        "content": target,
        "proxied": true,
        "ttl": 1,
        "comment": DNS_COMMENT,
    });
    let is_ours = |r: &DnsRecord| {
        tunnel_id.is_some() && r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(&target)
    };
    let (ours, foreign): (Vec<&DnsRecord>, Vec<&DnsRecord>) =
        records.iter().partition(|r| is_ours(r));
    if !foreign.is_empty() && !w.force {
        let shown: Vec<String> = foreign
            .iter()
            .map(|r| format!("{} -> {}", r.record_type, r.content))
            .collect();
        return Err(failed(format!(
            "a DNS record for {hostname} already exists and does not point to this tunnel ({}); \
             pass --force to replace it",
            shown.join(", ")
        )));
    }
    let step = match (ours.first(), foreign.is_empty()) {
        (Some(r), true) => {
            if r.proxied == Some(true) {
                items.push(PlanItem::new(
                    "dns record",
                    hostname,
                    Action::Unchanged,
                    vec![],
                ));
                DnsStep::Keep
            } else {
                items.push(PlanItem::new(
                    "dns record",
                    hostname,
                    Action::Update,
                    vec![format!("proxied: {} -> true", r.proxied.unwrap_or(false))],
                ));
                DnsStep::Patch(r.id.clone(), json!({"proxied": true}))
            }
        }
        _ => {
            let mut delete_ids = Vec::new();
            for r in foreign.iter().chain(ours.iter()) {
                items.push(PlanItem::new(
                    "dns record",
                    hostname,
                    Action::Delete,
                    vec![format!("{} -> {}", r.record_type, r.content)],
                ));
                delete_ids.push(r.id.clone());
            }
            items.push(PlanItem::new(
                "dns record",
                hostname,
                Action::Create,
                vec![format!("CNAME -> {target}"), "proxied: true".into()],
            ));
            DnsStep::Create(delete_ids, wanted_record)
        }
    };
    Ok(step)
}

/// The tunnel's previous hostname `old`: its CNAMEs to this tunnel (of `records`, those on
/// `old`) are deleted.
pub fn plan_stale_dns(
    old: &str,
    tunnel_id: &str,
    records: Vec<DnsRecord>,
    items: &mut Vec<PlanItem>,
) -> Vec<String> {
    let old_target = cname_target(tunnel_id);
    let mut stale = Vec::new();
    for r in records {
        if r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(&old_target) {
            items.push(PlanItem::new(
                "dns record",
                old,
                Action::Delete,
                vec![format!("previous hostname: CNAME -> {old_target}")],
            ));
            stale.push(r.id);
        }
    }
    stale
}

/// The previous hostname's Access application, deleted when taskdb created it.
pub fn plan_stale_app(
    old: &str,
    app: Option<AccessApp>,
    items: &mut Vec<PlanItem>,
) -> Option<String> {
    let app = app.filter(is_taskdb_app)?;
    items.push(PlanItem::new(
        "access application",
        old,
        Action::Delete,
        vec!["previous hostname".into()],
    ));
    Some(app.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_tcp_ingress_integer_timeouts_and_catch_all_last() {
        let cfg = desired_config("db.example.com", "tcp://127.0.0.1:5432", 30);
        let ingress = cfg["ingress"].as_array().unwrap();
        assert_eq!(
            ingress.last().unwrap(),
            &json!({"service": "http_status:404"})
        );
        assert!(ingress[0]["originRequest"]["connectTimeout"].is_u64());
        assert_eq!(config_changes(Some(&cfg), &cfg), None);
        let other = desired_config("db.example.com", "tcp://127.0.0.1:6543", 30);
        assert_eq!(
            config_changes(Some(&other), &cfg).unwrap(),
            vec!["ingress[0].service: tcp://127.0.0.1:6543 -> tcp://127.0.0.1:5432"]
        );
        assert!(config_changes(None, &cfg).is_some());
    }
}
