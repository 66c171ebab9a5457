//! `taskdb tunnel deploy|status|token|delete`: the database behind a remotely-managed Cloudflare
//! Tunnel, a proxied DNS record and (by default) a Cloudflare Access application.
//!
//! `deploy` first reads everything and builds a plan (no writes), so conflicts are reported before
//! anything changes; then it applies only the steps that differ. Running it twice changes nothing
//! the second time, and a run that died half-way is completed by the next one.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::cli::Format;
use crate::cloudflare::access::{self, AccessApp, AccessPolicy};
use crate::cloudflare::dns::{self, DnsRecord};
use crate::cloudflare::plan::{self, Action, PlanItem};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::tunnels::{self, Tunnel};
use crate::cloudflare::{api_error, Client};
use crate::context::Context;
use crate::exit::{failed, usage, Exit};
use crate::settings::{state_home, write_private_file, ProcessEnv};

const DEFAULT_NAME: &str = "taskdb";
const DNS_COMMENT: &str = "managed-by: taskdb";
/// Access policies taskdb owns on its application are recognised by this name prefix.
const POLICY_PREFIX: &str = "taskdb";

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  taskdb tunnel deploy --hostname db.example.com --access-allow-email-domain example.com
  taskdb tunnel deploy --hostname db.example.com --access-service-token ci --dry-run
  taskdb tunnel status
  taskdb tunnel token --stdout | sudo tee /etc/cloudflared/taskdb.token
  taskdb tunnel delete --yes")]
pub struct TunnelArgs {
    #[command(subcommand)]
    cmd: TunnelCmd,
}

/// Where the Cloudflare API token comes from when not CLOUDFLARE_API_TOKEN / the config file.
#[derive(Debug, Clone, Args)]
pub struct ApiTokenOpt {
    /// Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)
    #[arg(long, value_name = "FILE")]
    pub api_token_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TunnelCmd {
    /// Create or update the tunnel, its ingress, DNS record and Access application (idempotent)
    #[command(
        after_help = "Steps (each one only if it differs from what is deployed):
  1. find or create the remotely-managed tunnel NAME
  2. put its configuration: HOSTNAME -> SERVICE (tcp://), then the catch-all http_status:404
  3. the Access application for HOSTNAME and its policies (unless --no-access)
  4. the proxied CNAME HOSTNAME -> <tunnel-id>.cfargotunnel.com
  5. write the connector token to a 0600 file
Access comes before DNS so the hostname is never reachable unprotected.

Examples:
  taskdb tunnel deploy --hostname db.example.com --access-allow-email ops@example.com
  taskdb tunnel deploy --hostname db.example.com --access-service-token ci --dry-run"
    )]
    Deploy(DeployArgs),
    /// Show the tunnel's status, connections, ingress, DNS record and Access application
    Status(LookupArgs),
    /// Write the connector token to a 0600 file (or print it with --stdout)
    Token(TokenArgs),
    /// Delete the DNS record, Access application, configuration, connections and tunnel
    #[command(
        after_help = "Deletes in this order: DNS record, Access application (and the \
service token taskdb created), configuration (reduced to the catch-all), connections, tunnel. \
Stop the connector (cloudflared) first. Asks for confirmation (--yes to skip); deleting what is \
already gone succeeds."
    )]
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
struct DeployArgs {
    /// Public hostname of the database, in a zone of your account (e.g. db.example.com)
    #[arg(long, value_name = "HOST")]
    hostname: String,
    /// Tunnel name (unique in the account)
    #[arg(long, value_name = "NAME", default_value = DEFAULT_NAME)]
    name: String,
    /// Where the connector reaches PostgreSQL (tcp://HOST:PORT)
    #[arg(long, value_name = "URL", default_value = "tcp://127.0.0.1:5432")]
    service: String,
    /// Seconds the connector waits to connect to PostgreSQL
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    connect_timeout: u64,
    /// Allow this email through Access (repeatable)
    #[arg(long = "access-allow-email", value_name = "EMAIL")]
    emails: Vec<String>,
    /// Allow every email of this domain through Access (repeatable)
    #[arg(long = "access-allow-email-domain", value_name = "DOMAIN")]
    email_domains: Vec<String>,
    /// Allow an Access service token (created if missing; its secret goes to a 0600 file once)
    #[arg(long = "access-service-token", value_name = "NAME")]
    service_token: Option<String>,
    /// Where a new service token's client id and secret are written [default: state dir]
    #[arg(long, value_name = "PATH", requires = "service_token")]
    service_token_file: Option<PathBuf>,
    /// No Access application (anyone who can reach the hostname reaches PostgreSQL's login)
    #[arg(long, conflicts_with_all = ["emails", "email_domains", "service_token"])]
    no_access: bool,
    /// Where to write the connector token [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// Replace a DNS record or Access application for HOSTNAME that taskdb did not create
    #[arg(long)]
    force: bool,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    api: ApiTokenOpt,
}

#[derive(Debug, Args)]
struct LookupArgs {
    /// Tunnel name
    #[arg(long, value_name = "NAME", default_value = DEFAULT_NAME)]
    name: String,
    /// The tunnel's hostname (only needed when taskdb cannot find it: no state, no ingress)
    #[arg(long, value_name = "HOST")]
    hostname: Option<String>,
    #[command(flatten)]
    api: ApiTokenOpt,
}

#[derive(Debug, Args)]
struct TokenArgs {
    #[command(flatten)]
    lookup: LookupArgs,
    /// Write the token here [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]
    #[arg(long, value_name = "PATH", conflicts_with = "stdout")]
    token_file: Option<PathBuf>,
    /// Print the token on stdout instead (it is a secret: pipe it, don't show it)
    #[arg(long)]
    stdout: bool,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    #[command(flatten)]
    lookup: LookupArgs,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: TunnelArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        TunnelCmd::Deploy(a) => deploy(a, ctx).await,
        TunnelCmd::Status(a) => status(a, ctx).await,
        TunnelCmd::Token(a) => token(a, ctx).await,
        TunnelCmd::Delete(a) => delete(a, ctx).await,
    }
}

// ---- input validation ---------------------------------------------------------------------------

/// A DNS hostname with at least two labels, no port, no wildcard.
pub fn validate_hostname(host: &str) -> Result<String> {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| usage(format!("--hostname {host:?}: {why}"));
    if h.len() > 253 || h.is_empty() {
        return Err(bad("not a hostname"));
    }
    let labels: Vec<&str> = h.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("needs a domain (e.g. db.example.com)"));
    }
    for l in &labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(bad(
                "not a valid hostname (letters, digits, '-', dots; no port, no '*')",
            ));
        }
    }
    Ok(h)
}

/// `tcp://HOST:PORT` — cloudflared dials 7864 when the port is missing, and a path is rejected.
pub fn validate_service(service: &str) -> Result<String> {
    let bad = |why: &str| usage(format!("--service {service:?}: {why}"));
    let rest = service
        .strip_prefix("tcp://")
        .ok_or_else(|| bad("must be tcp://HOST:PORT (PostgreSQL is proxied as raw TCP)"))?;
    if rest.contains('/') || rest.contains('?') {
        return Err(bad("must not have a path"));
    }
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| bad("needs an explicit port (e.g. tcp://127.0.0.1:5432)"))?;
    if host.is_empty() {
        return Err(bad("needs a host"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(service.to_string()),
        _ => Err(bad("the port must be 1-65535")),
    }
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 {
        return Err(usage("--name must be 1-64 characters"));
    }
    if uuid::Uuid::parse_str(name).is_ok() {
        return Err(usage(
            "--name must not be a UUID (cloudflared would take it for an id)",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(usage(
            "--name may contain only letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(())
}

fn validate_deploy(a: &DeployArgs) -> Result<(String, String)> {
    let host = validate_hostname(&a.hostname)?;
    let service = validate_service(&a.service)?;
    validate_name(&a.name)?;
    if a.connect_timeout == 0 || a.connect_timeout > 3600 {
        return Err(usage("--connect-timeout must be 1-3600 seconds"));
    }
    for e in &a.emails {
        let ok = e.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !e.contains(char::is_whitespace)
        });
        if !ok {
            return Err(usage(format!(
                "--access-allow-email {e:?} is not an email address"
            )));
        }
    }
    for d in &a.email_domains {
        validate_hostname(d)
            .map_err(|_| usage(format!("--access-allow-email-domain {d:?} is not a domain")))?;
    }
    if let Some(t) = &a.service_token {
        let ok = !t.is_empty()
            && t.len() <= 100
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
            && !t.starts_with('.');
        if !ok {
            return Err(usage(
                "--access-service-token NAME: 1-100 letters, digits, '-', '_' or '.'",
            ));
        }
    }
    if !a.no_access
        && a.emails.is_empty()
        && a.email_domains.is_empty()
        && a.service_token.is_none()
    {
        return Err(usage(
            "say who may connect: --access-allow-email, --access-allow-email-domain, \
             --access-service-token, or --no-access",
        ));
    }
    Ok((host, service))
}

// ---- local state ----------------------------------------------------------------------------------

/// What deploy remembers locally so status/token/delete need no flags. Always re-checked
/// against the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LocalState {
    name: String,
    hostname: Option<String>,
    account_id: Option<String>,
    zone_id: Option<String>,
    tunnel_id: Option<String>,
    service_token: Option<String>,
}

fn taskdb_state_dir() -> PathBuf {
    state_home(&ProcessEnv).join("taskdb")
}

fn state_path(name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("tunnel-{name}.json"))
}

fn default_token_path(name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("tunnel-{name}.token"))
}

fn default_service_token_path(token_name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("access-service-token-{token_name}.json"))
}

fn read_state(name: &str) -> Option<LocalState> {
    let text = std::fs::read_to_string(state_path(name)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_state(state: &LocalState) -> Result<()> {
    let text = serde_json::to_vec_pretty(state)?;
    write_private_file(&state_path(&state.name), &text)
}

// ---- deploy ---------------------------------------------------------------------------------------

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
    let mut service_token = None;
    let mut app = None;
    let mut policies = Vec::new();
    if !a.no_access {
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
    }

    // 4. DNS.
    let target = format!(
        "{}.cfargotunnel.com",
        tunnel_id.as_deref().unwrap_or("<new-tunnel-id>")
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
    let dns_step = match (ours.first(), foreign.is_empty()) {
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

    // 5. A previous hostname of this tunnel (the deployed ingress names another one).
    let mut stale_dns = Vec::new();
    let mut stale_app = None;
    let old_host = current.as_ref().and_then(first_hostname);
    if let (Some(old), Some(id)) = (old_host, &tunnel_id) {
        if old != hostname {
            let old_target = format!("{id}.cfargotunnel.com");
            for r in dns::by_name(c, zone_id, &old).await? {
                if r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(&old_target) {
                    items.push(PlanItem::new(
                        "dns record",
                        &old,
                        Action::Delete,
                        vec![format!("previous hostname: CNAME -> {old_target}")],
                    ));
                    stale_dns.push(r.id);
                }
            }
            if let Some(app) = access::app_for_domain(c, account, &old).await? {
                if app.name.starts_with("taskdb") {
                    items.push(PlanItem::new(
                        "access application",
                        &old,
                        Action::Delete,
                        vec!["previous hostname".into()],
                    ));
                    stale_app = Some(app.id);
                }
            }
        }
    }

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

async fn deploy(a: DeployArgs, ctx: &Context) -> Result<Exit> {
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
    let current_file = std::fs::read_to_string(&token_path).ok();
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
    state.service_token = a.service_token.clone();

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

// ---- status / token / delete -------------------------------------------------------------------

/// What status/token/delete work on: the account, maybe the zone, maybe the tunnel and hostname.
struct Found {
    client: Client,
    account: String,
    zone_id: Option<String>,
    tunnel: Option<Tunnel>,
    hostname: Option<String>,
    state: Option<LocalState>,
}

async fn find(l: &LookupArgs, ctx: &Context) -> Result<Found> {
    validate_name(&l.name)?;
    let host_flag = match &l.hostname {
        Some(h) => Some(validate_hostname(h)?),
        None => None,
    };
    let state = read_state(&l.name);
    let hostname_hint = host_flag
        .clone()
        .or_else(|| state.as_ref().and_then(|s| s.hostname.clone()));
    let client = Client::from_settings(&ctx.settings, l.api.api_token_file.as_deref(), &ctx.out)?;
    let account_hint = state.as_ref().and_then(|s| s.account_id.clone());
    let zone_by = match (&hostname_hint, ctx.settings.cloudflare_zone_id.is_some()) {
        (Some(h), _) => ZoneBy::Hostname(h),
        (None, _) => ZoneBy::Settings,
    };
    let sc = scope::resolve(&client, &ctx.settings, zone_by, account_hint.as_deref()).await?;
    let tunnel = tunnels::find_by_name(&client, &sc.account_id, &l.name).await?;
    let mut hostname = hostname_hint;
    if hostname.is_none() {
        if let Some(t) = &tunnel {
            hostname = tunnels::get_configuration(&client, &sc.account_id, &t.id)
                .await?
                .and_then(|c| c.config)
                .and_then(|c| first_hostname(&c));
        }
    }
    Ok(Found {
        client,
        account: sc.account_id,
        zone_id: sc.zone.map(|z| z.id),
        tunnel,
        hostname,
        state,
    })
}

fn first_hostname(config: &Value) -> Option<String> {
    config
        .get("ingress")?
        .as_array()?
        .iter()
        .find_map(|r| r.get("hostname")?.as_str().map(str::to_string))
        .filter(|h| !h.is_empty())
}

#[derive(Serialize)]
struct StatusReport {
    name: String,
    exists: bool,
    tunnel_id: Option<String>,
    status: Option<String>,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    hostname: Option<String>,
    ingress: Vec<Value>,
    config_version: Option<i64>,
    /// Healthy, and every connector runs the latest configuration.
    ready: bool,
    connections: Vec<ConnectionRow>,
    dns_record: Option<DnsRecord>,
    access_application: Option<AccessApp>,
}

#[derive(Serialize)]
struct ConnectionRow {
    connector_id: String,
    colo: String,
    client_version: String,
    opened_at: Option<chrono::DateTime<chrono::Utc>>,
    origin_ip: String,
    config_version: Option<i64>,
}

async fn status(l: LookupArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let f = find(&l, ctx).await?;
    let c = &f.client;
    let mut report = StatusReport {
        name: l.name.clone(),
        exists: f.tunnel.is_some(),
        tunnel_id: f.tunnel.as_ref().map(|t| t.id.clone()),
        status: f.tunnel.as_ref().and_then(|t| t.status.clone()),
        created_at: f.tunnel.as_ref().and_then(|t| t.created_at),
        hostname: f.hostname.clone(),
        ingress: Vec::new(),
        config_version: None,
        ready: false,
        connections: Vec::new(),
        dns_record: None,
        access_application: None,
    };
    if let Some(t) = &f.tunnel {
        if let Some(cfg) = tunnels::get_configuration(c, &f.account, &t.id).await? {
            report.config_version = cfg.version;
            report.ingress = cfg
                .config
                .and_then(|c| c.get("ingress").and_then(|i| i.as_array().cloned()))
                .unwrap_or_default();
        }
        let connectors = tunnels::connectors(c, &f.account, &t.id).await?;
        // The connector applies remote configurations by version: older means not yet.
        let latest = report.config_version.unwrap_or(0);
        report.ready = t.status.as_deref() == Some("healthy")
            && !connectors.is_empty()
            && connectors
                .iter()
                .all(|k| k.config_version.unwrap_or(-1) >= latest);
        for conn in connectors {
            for k in &conn.conns {
                report.connections.push(ConnectionRow {
                    connector_id: conn.id.clone(),
                    colo: k.colo_name.clone().unwrap_or_default(),
                    client_version: k
                        .client_version
                        .clone()
                        .or_else(|| conn.version.clone())
                        .unwrap_or_default(),
                    opened_at: k.opened_at,
                    origin_ip: k.origin_ip.clone().unwrap_or_default(),
                    config_version: conn.config_version,
                });
            }
        }
    }
    if let Some(h) = &f.hostname {
        if let Some(z) = &f.zone_id {
            report.dns_record = dns::by_name(c, z, h).await?.into_iter().next();
        }
        report.access_application = access::app_for_domain(c, &f.account, h).await?;
    }
    if format == Format::Json {
        ctx.out.json(&report)?;
        return Ok(Exit::SUCCESS);
    }
    if !report.exists {
        ctx.out.line(format!("tunnel {}: not deployed", l.name))?;
        return Ok(Exit::SUCCESS);
    }
    let ingress: Vec<String> = report
        .ingress
        .iter()
        .map(|r| {
            let svc = r.get("service").and_then(Value::as_str).unwrap_or("?");
            match r.get("hostname").and_then(Value::as_str) {
                Some(h) if !h.is_empty() => format!("{h} -> {svc}"),
                _ => format!("(catch-all) -> {svc}"),
            }
        })
        .collect();
    let dns_text = report
        .dns_record
        .as_ref()
        .map(|r| {
            format!(
                "{} {} -> {}{}",
                r.record_type,
                r.name,
                r.content,
                if r.proxied == Some(true) {
                    " (proxied)"
                } else {
                    ""
                }
            )
        })
        .unwrap_or_else(|| "(none)".into());
    let app_text = report
        .access_application
        .as_ref()
        .map(|a| format!("{} ({})", a.name, a.domain.clone().unwrap_or_default()))
        .unwrap_or_else(|| "(none)".into());
    let fields = vec![
        ("name", report.name.clone()),
        ("id", report.tunnel_id.clone().unwrap_or_default()),
        ("status", report.status.clone().unwrap_or_default()),
        ("created_at", crate::output::ts(report.created_at)),
        ("hostname", report.hostname.clone().unwrap_or_default()),
        ("ingress", ingress.join("\n")),
        (
            "config_version",
            report
                .config_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        ("ready", if report.ready { "yes" } else { "no" }.to_string()),
        ("connections", report.connections.len().to_string()),
        ("dns_record", dns_text),
        ("access_application", app_text),
    ];
    ctx.out.record(&report, &fields)?;
    if !report.connections.is_empty() {
        let rows: Vec<Vec<String>> = report
            .connections
            .iter()
            .map(|k| {
                vec![
                    k.colo.clone(),
                    k.client_version.clone(),
                    crate::output::ts(k.opened_at),
                    k.origin_ip.clone(),
                    k.connector_id.clone(),
                ]
            })
            .collect();
        ctx.out.raw(ctx.out.table(
            &[
                "colo",
                "client_version",
                "opened_at",
                "origin_ip",
                "connector",
            ],
            &rows,
        ))?;
    }
    Ok(Exit::SUCCESS)
}

async fn token(a: TokenArgs, ctx: &Context) -> Result<Exit> {
    let f = find(&a.lookup, ctx).await?;
    let t = f.tunnel.ok_or_else(|| {
        failed(format!(
            "tunnel {} does not exist; run `taskdb tunnel deploy` first",
            a.lookup.name
        ))
    })?;
    let tok = tunnels::token(&f.client, &f.account, &t.id).await?;
    if a.stdout {
        ctx.out.line(tok.trim())?;
        return Ok(Exit::SUCCESS);
    }
    let path = a
        .token_file
        .unwrap_or_else(|| default_token_path(&a.lookup.name));
    write_private_file(&path, tok.trim().as_bytes())?;
    ctx.out.note(format!(
        "connector token written to {} (0600); run: cloudflared tunnel --no-autoupdate run --token-file {}",
        path.display(),
        path.display()
    ));
    if ctx.out.format() == Format::Json {
        ctx.out
            .json(&json!({"token_file": path.display().to_string()}))?;
    }
    Ok(Exit::SUCCESS)
}

async fn delete(a: DeleteArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let l = &a.lookup;
    let f = find(l, ctx).await?;
    let c = &f.client;
    let mut items = Vec::new();

    // DNS record: only the CNAME pointing at this tunnel (anything else is not ours).
    let mut dns_ids = Vec::new();
    if let (Some(h), Some(z), Some(t)) = (&f.hostname, &f.zone_id, &f.tunnel) {
        let target = format!("{}.cfargotunnel.com", t.id);
        for r in dns::by_name(c, z, h).await? {
            if r.record_type == "CNAME" && r.content.eq_ignore_ascii_case(&target) {
                items.push(PlanItem::new(
                    "dns record",
                    h,
                    Action::Delete,
                    vec![format!("CNAME -> {target}")],
                ));
                dns_ids.push(r.id);
            }
        }
    } else if let (Some(h), Some(z)) = (&f.hostname, &f.zone_id) {
        // The tunnel is gone already: a CNAME to some cfargotunnel that taskdb wrote is a leftover.
        for r in dns::by_name(c, z, h).await? {
            if r.record_type == "CNAME"
                && r.content.ends_with(".cfargotunnel.com")
                && r.comment.as_deref() == Some(DNS_COMMENT)
            {
                items.push(PlanItem::new(
                    "dns record",
                    h,
                    Action::Delete,
                    vec![format!("CNAME -> {}", r.content)],
                ));
                dns_ids.push(r.id);
            }
        }
    }
    // Access application (taskdb's only) and the service token deploy created.
    let mut app_id = None;
    if let Some(h) = &f.hostname {
        if let Some(app) = access::app_for_domain(c, &f.account, h).await? {
            if app.name.starts_with("taskdb") {
                items.push(PlanItem::new(
                    "access application",
                    h,
                    Action::Delete,
                    vec![],
                ));
                app_id = Some(app.id);
            }
        }
    }
    let mut service_token_id = None;
    if let Some(name) = f.state.as_ref().and_then(|s| s.service_token.clone()) {
        if let Some(t) = access::service_token_by_name(c, &f.account, &name).await? {
            items.push(PlanItem::new(
                "access service token",
                &name,
                Action::Delete,
                vec![],
            ));
            service_token_id = Some(t.id);
        }
    }
    // Configuration, connections, tunnel.
    let mut reset_config = false;
    let mut drop_connections = false;
    if let Some(t) = &f.tunnel {
        let cfg = tunnels::get_configuration(c, &f.account, &t.id)
            .await?
            .and_then(|c| c.config);
        let catch_all = json!([{"service": "http_status:404"}]);
        if cfg.as_ref().and_then(|c| c.get("ingress")) != Some(&catch_all) && cfg.is_some() {
            items.push(PlanItem::new(
                "tunnel configuration",
                &l.name,
                Action::Update,
                vec!["ingress: catch-all only".into()],
            ));
            reset_config = true;
        }
        let conns = tunnels::connectors(c, &f.account, &t.id).await?;
        if !conns.is_empty() {
            items.push(PlanItem::new(
                "tunnel connections",
                &l.name,
                Action::Delete,
                vec![format!("{} connector(s)", conns.len())],
            ));
            drop_connections = true;
        }
        items.push(PlanItem::new(
            "tunnel",
            &l.name,
            Action::Delete,
            vec![t.id.clone()],
        ));
    }

    let respond = |items: &[PlanItem], dry: bool| -> Result<Exit> {
        if format == Format::Json {
            ctx.out.json(&json!({"dry_run": dry, "plan": items}))?;
        } else if items.is_empty() {
            ctx.out
                .note(format!("tunnel {}: nothing to delete", l.name));
        } else {
            ctx.out.list(items)?;
        }
        Ok(Exit::SUCCESS)
    };
    if a.dry_run {
        respond(&items, true)?;
        ctx.out.note("dry run: nothing was changed");
        return Ok(Exit::SUCCESS);
    }
    if items.is_empty() {
        remove_local_files(&l.name);
        return respond(&items, false);
    }
    ctx.out
        .confirm(&format!(
            "Delete tunnel {} and its DNS record and Access application? Stop cloudflared first",
            l.name
        ))
        .await?;

    if let Some(z) = &f.zone_id {
        for id in &dns_ids {
            dns::delete(c, z, id).await?;
        }
    }
    if let Some(id) = &app_id {
        access::delete_app(c, &f.account, id).await?;
    }
    if let Some(id) = &service_token_id {
        access::delete_service_token(c, &f.account, id).await?;
    }
    if let Some(t) = &f.tunnel {
        if reset_config {
            tunnels::put_configuration(
                c,
                &f.account,
                &t.id,
                &json!({"ingress": [{"service": "http_status:404"}]}),
            )
            .await?;
        }
        if drop_connections {
            tunnels::delete_connections(c, &f.account, &t.id).await?;
        }
        tunnels::delete(c, &f.account, &t.id).await.map_err(|err| {
            if api_error(&err).is_some_and(|e| e.has_code(1022)) {
                err.context("stop the connector (cloudflared) first, then run delete again")
            } else {
                err
            }
        })?;
    }
    remove_local_files(&l.name);
    respond(&items, false)
}

fn remove_local_files(name: &str) {
    for p in [state_path(name), default_token_path(name)] {
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_and_services_are_validated() {
        assert_eq!(
            validate_hostname("DB.Example.com.").unwrap(),
            "db.example.com"
        );
        for bad in [
            "localhost",
            "db.example.com:5432",
            "*.example.com",
            "a..b",
            "-a.b",
        ] {
            assert!(validate_hostname(bad).is_err(), "{bad}");
        }
        assert!(validate_service("tcp://127.0.0.1:5432").is_ok());
        for bad in [
            "postgresql://db:5432",
            "tcp://db",
            "tcp://db:5432/x",
            "tcp://:5432",
            "tcp://db:0",
        ] {
            assert!(validate_service(bad).is_err(), "{bad}");
        }
    }

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
