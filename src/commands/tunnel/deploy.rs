//! `tunnel deploy`: read everything, plan, then write only what differs.

use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::cloudflare::access::{self, AccessApp, AccessPolicy};
use crate::cloudflare::dns::{self, DnsRecord};
use crate::cloudflare::plan::{self, Action, PlanItem};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::tunnels::{self, Tunnel};
use crate::cloudflare::{api_error, Client};
use crate::context::Context;
use crate::exit::{failed, Exit};
use crate::options::Format;
use crate::platform::write_private_file;

use super::status::first_hostname;
use super::*;

/// The ingress document taskdb puts on its tunnel. Timeouts are whole seconds (cloudflared parses
/// them as integers).
fn desired_config(hostname: &str, service: &str, connect_timeout: u64) -> Value {
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
fn config_changes(current: Option<&Value>, desired: &Value) -> Option<Vec<String>> {
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

#[derive(Debug)]
enum TunnelStep {
    Existing(Tunnel),
    Create,
}

#[derive(Debug)]
enum TokenStep {
    Existing(String),
    Create(String),
}

#[derive(Debug)]
enum AppStep {
    Keep(AccessApp),
    Update(AccessApp, Value),
    Create(Value),
}

/// A policy taskdb wants; the service token's id is filled in at apply time.
#[derive(Debug, Clone)]
struct WantedPolicy {
    name: String,
    decision: &'static str,
    include: Vec<Value>,
    uses_service_token: bool,
    precedence: i64,
}

impl WantedPolicy {
    fn body(&self, token_id: Option<&str>) -> Value {
        let include = if self.uses_service_token {
            vec![json!({"service_token": {"token_id": token_id.unwrap_or("(new)")}})]
        } else {
            self.include.clone()
        };
        json!({
            "name": self.name,
            "decision": self.decision,
            "include": include,
            "precedence": self.precedence,
        })
    }
}

#[derive(Debug)]
enum PolicyOp {
    Create(WantedPolicy),
    Update(String, WantedPolicy),
    Delete(String),
}

#[derive(Debug)]
enum DnsStep {
    Keep,
    Patch(String, Value),
    /// Delete these records (foreign, with --force), then create.
    Create(Vec<String>, Value),
}

struct DeployPlan {
    items: Vec<PlanItem>,
    tunnel: TunnelStep,
    config: Option<Value>,
    service_token: Option<TokenStep>,
    app: Option<AppStep>,
    policies: Vec<PolicyOp>,
    dns: DnsStep,
    /// The tunnel served another hostname before: its CNAME (to this tunnel) and taskdb's
    /// Access application there are removed once the new hostname is in place.
    stale_dns: Vec<String>,
    stale_app: Option<String>,
}

fn wanted_policies(a: &DeployArgs) -> Vec<WantedPolicy> {
    let mut out = Vec::new();
    let mut include: Vec<Value> = a
        .emails
        .iter()
        .map(|e| json!({"email": {"email": e}}))
        .collect();
    include.extend(
        a.email_domains
            .iter()
            .map(|d| json!({"email_domain": {"domain": d.to_ascii_lowercase()}})),
    );
    if !include.is_empty() {
        out.push(WantedPolicy {
            name: format!("{POLICY_PREFIX} allow"),
            decision: "allow",
            include,
            uses_service_token: false,
            precedence: 1,
        });
    }
    if a.service_token.is_some() {
        out.push(WantedPolicy {
            name: format!("{POLICY_PREFIX} service token"),
            // "Service Auth" in the dashboard: no identity-provider login for the token.
            decision: "non_identity",
            include: Vec::new(),
            uses_service_token: true,
            precedence: 2,
        });
    }
    out
}

fn app_body(name: &str, hostname: &str) -> Value {
    json!({
        "type": "self_hosted",
        "name": format!("taskdb {name} ({hostname})"),
        "domain": hostname,
        "session_duration": "24h",
        "app_launcher_visible": false,
        // The binding cookie breaks `cloudflared access tcp`.
        "enable_binding_cookie": false,
    })
}

fn policy_differs(cur: &AccessPolicy, want: &Value) -> Vec<String> {
    let cur_v = json!({
        "decision": cur.decision,
        "include": cur.include,
        "precedence": cur.precedence,
    });
    let want_v = json!({
        "decision": want["decision"],
        "include": want["include"],
        "precedence": want["precedence"],
    });
    plan::diff("", &cur_v, &want_v)
}

#[allow(clippy::too_many_arguments)]
async fn plan_deploy(
    c: &Client,
    a: &DeployArgs,
    account: &str,
    zone_id: &str,
    hostname: &str,
    service: &str,
) -> Result<DeployPlan> {
    let mut items = Vec::new();

    // 1. The tunnel.
    let tunnel = match tunnels::find_by_name(c, account, &a.name).await? {
        Some(t) => {
            if t.config_src.as_deref() == Some("local") || t.remote_config == Some(false) {
                return Err(failed(format!(
                    "tunnel {} exists but is locally managed (config file); taskdb manages \
                     remotely-configured tunnels only: choose another --name",
                    a.name
                )));
            }
            items.push(PlanItem::new("tunnel", &a.name, Action::Unchanged, vec![]));
            TunnelStep::Existing(t)
        }
        None => {
            items.push(PlanItem::new(
                "tunnel",
                &a.name,
                Action::Create,
                vec!["config_src: cloudflare".into()],
            ));
            TunnelStep::Create
        }
    };
    let tunnel_id = match &tunnel {
        TunnelStep::Existing(t) => Some(t.id.clone()),
        TunnelStep::Create => None,
    };

    // 2. Its configuration.
    let desired = desired_config(hostname, service, a.connect_timeout);
    let current = match &tunnel_id {
        Some(id) => tunnels::get_configuration(c, account, id)
            .await?
            .and_then(|cfg| cfg.config),
        None => None,
    };
    let config = match config_changes(current.as_ref(), &desired) {
        None => {
            items.push(PlanItem::new(
                "tunnel configuration",
                &a.name,
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
            items.push(PlanItem::new(
                "tunnel configuration",
                &a.name,
                action,
                changes,
            ));
            Some(desired)
        }
    };

    // 3. Access: service token, application, policies.
    let (service_token, app, policies) = if a.no_access {
        (None, None, Vec::new())
    } else {
        plan_access(c, a, account, hostname, &mut items).await?
    };

    // 4. DNS.
    let dns_step = plan_dns(c, a, zone_id, hostname, tunnel_id.as_deref(), &mut items).await?;

    // 5. A previous hostname of this tunnel (the deployed ingress names another one).
    let (stale_dns, stale_app) = match (current.as_ref().and_then(first_hostname), &tunnel_id) {
        (Some(old), Some(id)) if old != hostname => {
            plan_stale(c, account, zone_id, &old, id, &mut items).await?
        }
        _ => (Vec::new(), None),
    };

    Ok(DeployPlan {
        items,
        tunnel,
        config,
        service_token,
        app,
        policies,
        dns: dns_step,
        stale_dns,
        stale_app,
    })
}

/// The Access part of the plan: the service token, the application for the hostname and
/// taskdb's policies on it (others' policies are left alone).
async fn plan_access(
    c: &Client,
    a: &DeployArgs,
    account: &str,
    hostname: &str,
    items: &mut Vec<PlanItem>,
) -> Result<(Option<TokenStep>, Option<AppStep>, Vec<PolicyOp>)> {
    let mut service_token = None;
    let app;
    let mut policies = Vec::new();
    if let Some(name) = &a.service_token {
        match access::service_token_by_name(c, account, name).await? {
            Some(t) => {
                items.push(PlanItem::new(
                    "access service token",
                    name,
                    Action::Unchanged,
                    vec![],
                ));
                service_token = Some(TokenStep::Existing(t.id));
            }
            None => {
                items.push(PlanItem::new(
                    "access service token",
                    name,
                    Action::Create,
                    vec!["duration: 8760h".into()],
                ));
                service_token = Some(TokenStep::Create(name.clone()));
            }
        }
    }
    let wanted_app = app_body(&a.name, hostname);
    let current_app = access::app_for_domain(c, account, hostname).await?;
    let current_policies = match &current_app {
        Some(existing) => {
            if !existing.name.starts_with("taskdb") && !a.force {
                return Err(failed(format!(
                    "an Access application for {hostname} already exists ({:?}, not created by \
                     taskdb); pass --force to take it over",
                    existing.name
                )));
            }
            let cur = json!({
                "type": existing.app_type,
                "name": existing.name,
                "domain": existing.domain,
                "session_duration": existing.session_duration,
            });
            let want = json!({
                "type": wanted_app["type"],
                "name": wanted_app["name"],
                "domain": wanted_app["domain"],
                "session_duration": wanted_app["session_duration"],
            });
            let changes = plan::diff("", &cur, &want);
            if changes.is_empty() {
                items.push(PlanItem::new(
                    "access application",
                    hostname,
                    Action::Unchanged,
                    vec![],
                ));
                app = Some(AppStep::Keep(existing.clone()));
            } else {
                items.push(PlanItem::new(
                    "access application",
                    hostname,
                    Action::Update,
                    changes,
                ));
                app = Some(AppStep::Update(existing.clone(), wanted_app));
            }
            access::policies(c, account, &existing.id).await?
        }
        None => {
            items.push(PlanItem::new(
                "access application",
                hostname,
                Action::Create,
                plan::fields(&wanted_app),
            ));
            app = Some(AppStep::Create(wanted_app));
            Vec::new()
        }
    };
    let token_id = match &service_token {
        Some(TokenStep::Existing(id)) => Some(id.as_str()),
        _ => None,
    };
    let wanted = wanted_policies(a);
    for w in &wanted {
        let body = w.body(token_id);
        match current_policies.iter().find(|p| p.name == w.name) {
            Some(cur) => {
                // A new service token means a new token id even if nothing else changed.
                let mut changes = policy_differs(cur, &body);
                if w.uses_service_token && token_id.is_none() {
                    changes.push("include: service token (new)".into());
                }
                if changes.is_empty() {
                    items.push(PlanItem::new(
                        "access policy",
                        &w.name,
                        Action::Unchanged,
                        vec![],
                    ));
                } else {
                    items.push(PlanItem::new(
                        "access policy",
                        &w.name,
                        Action::Update,
                        changes,
                    ));
                    policies.push(PolicyOp::Update(cur.id.clone(), w.clone()));
                }
            }
            None => {
                items.push(PlanItem::new(
                    "access policy",
                    &w.name,
                    Action::Create,
                    plan::fields(&body),
                ));
                policies.push(PolicyOp::Create(w.clone()));
            }
        }
    }
    for cur in &current_policies {
        if cur.name.starts_with(POLICY_PREFIX) && !wanted.iter().any(|w| w.name == cur.name) {
            items.push(PlanItem::new(
                "access policy",
                &cur.name,
                Action::Delete,
                vec![],
            ));
            policies.push(PolicyOp::Delete(cur.id.clone()));
        }
    }
    Ok((service_token, app, policies))
}

/// The DNS part: the proxied CNAME to the tunnel; anything else on the name is refused
/// unless `--force`.
async fn plan_dns(
    c: &Client,
    a: &DeployArgs,
    zone_id: &str,
    hostname: &str,
    tunnel_id: Option<&str>,
    items: &mut Vec<PlanItem>,
) -> Result<DnsStep> {
    let target = format!(
        "{}.cfargotunnel.com",
        tunnel_id.unwrap_or("<new-tunnel-id>")
    );
    let records = dns::by_name(c, zone_id, hostname).await?;
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
    if !foreign.is_empty() && !a.force {
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

/// The tunnel's previous hostname: its CNAME to this tunnel and taskdb's Access application.
async fn plan_stale(
    c: &Client,
    account: &str,
    zone_id: &str,
    old: &str,
    tunnel_id: &str,
    items: &mut Vec<PlanItem>,
) -> Result<(Vec<String>, Option<String>)> {
    let mut stale_dns = Vec::new();
    let mut stale_app = None;
    let old_target = format!("{tunnel_id}.cfargotunnel.com");
    for r in dns::by_name(c, zone_id, old).await? {
        if r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(&old_target) {
            items.push(PlanItem::new(
                "dns record",
                old,
                Action::Delete,
                vec![format!("previous hostname: CNAME -> {old_target}")],
            ));
            stale_dns.push(r.id);
        }
    }
    if let Some(app) = access::app_for_domain(c, account, old).await? {
        if app.name.starts_with("taskdb") {
            items.push(PlanItem::new(
                "access application",
                old,
                Action::Delete,
                vec!["previous hostname".into()],
            ));
            stale_app = Some(app.id);
        }
    }
    Ok((stale_dns, stale_app))
}

/// Create the tunnel; a 409 name conflict (a concurrent or half-finished run) converges on the
/// tunnel that exists.
async fn create_tunnel(c: &Client, account: &str, name: &str) -> Result<Tunnel> {
    match tunnels::create(c, account, name).await {
        Ok(t) => Ok(t),
        Err(err) if api_error(&err).is_some_and(|e| e.status == 409 || e.has_code(1013)) => {
            tunnels::find_by_name(c, account, name)
                .await?
                .ok_or(err)
                .context("the tunnel name is taken but no live tunnel of that name is visible")
        }
        Err(err) => Err(err),
    }
}

#[derive(Serialize)]
struct NextSteps {
    connector: String,
    systemd_unit: String,
    client: String,
    psql: String,
}

#[derive(Serialize)]
struct DeployReport<'a> {
    dry_run: bool,
    hostname: &'a str,
    tunnel_name: &'a str,
    tunnel_id: Option<String>,
    plan: &'a [PlanItem],
    connector_token_file: Option<String>,
    service_token_file: Option<String>,
    next_steps: Option<NextSteps>,
}

fn next_steps(token_file: &Path, hostname: &str, name: &str, service_token: bool) -> NextSteps {
    let tf = token_file.display();
    let client = if service_token {
        format!(
            "cloudflared access tcp --hostname {hostname} --url localhost:15432 \
             --service-token-id \"$TUNNEL_SERVICE_TOKEN_ID\" --service-token-secret \"$TUNNEL_SERVICE_TOKEN_SECRET\""
        )
    } else {
        format!("cloudflared access tcp --hostname {hostname} --url localhost:15432")
    };
    NextSteps {
        connector: format!("cloudflared tunnel --no-autoupdate run --token-file {tf}"),
        systemd_unit: format!(
            "[Unit]\nDescription=Cloudflare Tunnel for taskdb ({name})\nAfter=network-online.target\n\
             Wants=network-online.target\n\n[Service]\n\
             ExecStart=/usr/bin/cloudflared tunnel --no-autoupdate run --token-file {tf}\n\
             Restart=on-failure\nRestartSec=5s\n\n[Install]\nWantedBy=multi-user.target\n"
        ),
        client,
        psql: "psql -h localhost -p 15432 -U <user> <dbname>".into(),
    }
}

pub(super) async fn run(a: DeployArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let (hostname, service) = validate_deploy(&a)?;
    let c = Client::from_settings(&ctx.settings, a.api.api_token_file.as_deref(), &ctx.out)?;
    let sc = scope::resolve(&c, &ctx.settings, ZoneBy::Hostname(&hostname), None).await?;
    let account = sc.account_id.clone();
    let zone = sc
        .zone
        .ok_or_else(|| failed(format!("no zone found for {hostname}")))?;
    if zone.status.as_deref().is_some_and(|s| s != "active") {
        ctx.out.warn(format!(
            "zone {} is {} (not active): the hostname will not serve until it is",
            zone.name,
            zone.status.as_deref().unwrap_or("?")
        ));
    }
    let sub = hostname
        .strip_suffix(&format!(".{}", zone.name))
        .unwrap_or("");
    if sub.contains('.') {
        ctx.out.warn(format!(
            "{hostname} is more than one level below {}: Cloudflare's Universal certificate does not \
             cover it (an Advanced Certificate is needed), prefer e.g. {}.{}",
            zone.name,
            sub.replace('.', "-"),
            zone.name
        ));
    }
    let token_path = a
        .token_file
        .clone()
        .unwrap_or_else(|| default_token_path(&a.name));
    let st_path = a.service_token.as_ref().map(|n| {
        a.service_token_file
            .clone()
            .unwrap_or_else(|| default_service_token_path(n))
    });

    let spinner = ctx.out.spinner("reading what is deployed");
    let mut p = plan_deploy(&c, &a, &account, &zone.id, &hostname, &service).await?;
    spinner.finish_and_clear();

    // The connector token file (local; compared with the token only when the tunnel exists).
    let existing_id = match &p.tunnel {
        TunnelStep::Existing(t) => Some(t.id.clone()),
        TunnelStep::Create => None,
    };
    let current_file =
        crate::limits::read_to_string(&token_path, crate::limits::SMALL_FILE, "token files").ok();
    let connector_token = match &existing_id {
        Some(id) => Some(tunnels::token(&c, &account, id).await?),
        None => None,
    };
    let file_action = match (&current_file, &connector_token) {
        (Some(f), Some(t)) if f.trim() == t.trim() => Action::Unchanged,
        (Some(_), _) => Action::Update,
        (None, _) => Action::Create,
    };
    p.items.push(PlanItem::new(
        "connector token file",
        token_path.display().to_string(),
        file_action,
        vec![],
    ));

    if a.dry_run {
        return report_deploy(
            ctx,
            format,
            &a,
            &hostname,
            existing_id,
            &p.items,
            None,
            None,
            true,
        );
    }

    let mut state = read_state(&a.name).unwrap_or_default();
    state.name = a.name.clone();
    state.hostname = Some(hostname.clone());
    state.account_id = Some(account.clone());
    state.zone_id = Some(zone.id.clone());

    // 1. Tunnel.
    let tunnel = match p.tunnel {
        TunnelStep::Existing(t) => t,
        TunnelStep::Create => {
            let t = create_tunnel(&c, &account, &a.name).await?;
            ctx.out
                .note(format!("created tunnel {} ({})", t.name, t.id));
            t
        }
    };
    state.tunnel_id = Some(tunnel.id.clone());
    write_state(&state)?;

    // 2. Configuration. (If the tunnel was just created the plan already wants a PUT; if the
    // 409 path found a tunnel, re-check so a converged run does not write needlessly.)
    let desired = desired_config(&hostname, &service, a.connect_timeout);
    let put_config = match (&p.config, existing_id.is_none()) {
        (Some(_), true) => {
            let cur = tunnels::get_configuration(&c, &account, &tunnel.id)
                .await?
                .and_then(|c| c.config);
            config_changes(cur.as_ref(), &desired).is_some()
        }
        (Some(_), false) => true,
        (None, _) => false,
    };
    if put_config {
        tunnels::put_configuration(&c, &account, &tunnel.id, &desired).await?;
        ctx.out
            .note(format!("configured ingress {hostname} -> {service}"));
    }

    // 3. Access.
    let mut token_id = None;
    let mut new_service_token_file = None;
    match p.service_token {
        Some(TokenStep::Existing(id)) => {
            token_id = Some(id);
            if let Some(path) = &st_path {
                if !path.exists() {
                    ctx.out.warn(format!(
                        "the secret of service token {:?} is not in {} (Cloudflare shows it only \
                         at creation); rotate it in the dashboard if you lost it",
                        a.service_token.as_deref().unwrap_or(""),
                        path.display()
                    ));
                }
            }
        }
        Some(TokenStep::Create(name)) => {
            let created = access::create_service_token(
                &c,
                &account,
                &json!({"name": name, "duration": "8760h"}),
            )
            .await?;
            let path = st_path
                .clone()
                .unwrap_or_else(|| default_service_token_path(&name));
            let doc = json!({
                "name": created.name,
                "client_id": created.client_id,
                "client_secret": created.client_secret,
            });
            write_private_file(&path, serde_json::to_string_pretty(&doc)?.as_bytes())?;
            ctx.out.note(format!(
                "created service token {name}; its client id and secret are in {} (0600, shown nowhere else)",
                path.display()
            ));
            token_id = Some(created.id);
            new_service_token_file = Some(path.display().to_string());
            // Remembered so `tunnel delete` removes it: only tokens taskdb created.
            state.service_token = Some(name.clone());
            write_state(&state)?;
        }
        None => {}
    }
    let app_id = match p.app {
        Some(AppStep::Keep(app)) => Some(app.id),
        Some(AppStep::Update(app, body)) => {
            access::update_app(&c, &account, &app.id, &body).await?;
            Some(app.id)
        }
        Some(AppStep::Create(body)) => {
            let app = access::create_app(&c, &account, &body).await?;
            ctx.out
                .note(format!("created Access application for {hostname}"));
            Some(app.id)
        }
        None => None,
    };
    if let Some(app_id) = &app_id {
        for op in &p.policies {
            match op {
                PolicyOp::Create(w) => {
                    access::create_policy(&c, &account, app_id, &w.body(token_id.as_deref()))
                        .await?;
                }
                PolicyOp::Update(id, w) => {
                    access::update_policy(&c, &account, app_id, id, &w.body(token_id.as_deref()))
                        .await?;
                }
                PolicyOp::Delete(id) => access::delete_policy(&c, &account, app_id, id).await?,
            }
        }
    }

    // 4. DNS.
    match p.dns {
        DnsStep::Keep => {}
        DnsStep::Patch(id, body) => {
            dns::patch(&c, &zone.id, &id, &body).await?;
        }
        DnsStep::Create(delete_ids, mut body) => {
            for id in &delete_ids {
                dns::delete(&c, &zone.id, id).await?;
            }
            body["content"] = json!(format!("{}.cfargotunnel.com", tunnel.id));
            create_dns(&c, &zone.id, &hostname, &body).await?;
            ctx.out.note(format!(
                "DNS {hostname} -> {}.cfargotunnel.com (proxied)",
                tunnel.id
            ));
        }
    }

    for id in &p.stale_dns {
        dns::delete(&c, &zone.id, id).await?;
    }
    if let Some(id) = &p.stale_app {
        access::delete_app(&c, &account, id).await?;
    }

    // 5. Connector token.
    let tok = match connector_token {
        Some(t) => t,
        None => tunnels::token(&c, &account, &tunnel.id).await?,
    };
    if current_file.as_deref().map(str::trim) != Some(tok.trim()) {
        write_private_file(&token_path, tok.trim().as_bytes())?;
    }

    report_deploy(
        ctx,
        format,
        &a,
        &hostname,
        Some(tunnel.id),
        &p.items,
        Some(&token_path),
        new_service_token_file,
        false,
    )
}

/// POST the record; "already exists" (81053/81057: a concurrent run) converges when the record
/// that exists is the one we want.
async fn create_dns(c: &Client, zone: &str, hostname: &str, body: &Value) -> Result<()> {
    match dns::create(c, zone, body).await {
        Ok(_) => Ok(()),
        Err(err) if api_error(&err).is_some_and(|e| e.has_code(81053) || e.has_code(81057)) => {
            let want = body["content"].as_str().unwrap_or_default();
            let now = dns::by_name(c, zone, hostname).await?;
            if now
                .iter()
                .any(|r| r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(want))
            {
                Ok(())
            } else {
                Err(err)
            }
        }
        Err(err) => Err(err),
    }
}

#[allow(clippy::too_many_arguments)]
fn report_deploy(
    ctx: &Context,
    format: Format,
    a: &DeployArgs,
    hostname: &str,
    tunnel_id: Option<String>,
    items: &[PlanItem],
    token_path: Option<&Path>,
    service_token_file: Option<String>,
    dry_run: bool,
) -> Result<Exit> {
    let steps = token_path.map(|p| next_steps(p, hostname, &a.name, a.service_token.is_some()));
    if format == Format::Json {
        ctx.out.json(&DeployReport {
            dry_run,
            hostname,
            tunnel_name: &a.name,
            tunnel_id,
            plan: items,
            connector_token_file: token_path.map(|p| p.display().to_string()),
            service_token_file,
            next_steps: steps,
        })?;
        return Ok(Exit::SUCCESS);
    }
    ctx.out.list(items)?;
    let writes = items.iter().filter(|i| i.is_write()).count();
    if dry_run {
        ctx.out.note(format!(
            "dry run: {writes} change(s) planned, nothing was changed"
        ));
        return Ok(Exit::SUCCESS);
    }
    if writes == 0 {
        ctx.out
            .note("everything was already deployed: nothing changed");
    }
    if let Some(s) = steps {
        ctx.out.line(format!(
            "\nNext steps\n\n1. Run the connector next to PostgreSQL (the token file is a secret, 0600):\n\n    {}\n\n   or as a systemd unit (/etc/systemd/system/cloudflared-taskdb.service):\n\n{}\n2. On a client machine:\n\n    {}\n    {}",
            s.connector,
            s.systemd_unit
                .lines()
                .map(|l| if l.is_empty() { String::new() } else { format!("    {l}") })
                .collect::<Vec<_>>()
                .join("\n"),
            s.client,
            s.psql
        ))?;
    }
    Ok(Exit::SUCCESS)
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
