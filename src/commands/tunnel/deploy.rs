//! `tunnel deploy`: read everything, plan (`cloudflare::tunnel_plan`), then write only what
//! differs. Here: the flags, the API reads the plan needs, the writes, and the report.

use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::cloudflare::access;
use crate::cloudflare::dns;
use crate::cloudflare::plan::{Action, PlanItem};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::tunnel_plan::{
    self as tp, cname_target, first_hostname, AppStep, DeployPlan, DnsStep, PolicyOp, TokenStep,
    TunnelStep, Wanted,
};
use crate::cloudflare::tunnels::{self, Tunnel};
use crate::cloudflare::zones::Zone;
use crate::cloudflare::{api_error, Client};
use crate::context::Context;
use crate::exit::{failed, Exit};
use crate::options::Format;
use crate::platform::write_private_file;

use super::*;

/// What the (validated) flags want deployed.
fn wanted<'a>(a: &'a DeployArgs, hostname: &'a str, service: &'a str) -> Wanted<'a> {
    Wanted {
        name: &a.name,
        hostname,
        service,
        connect_timeout: a.connect_timeout,
        emails: &a.emails,
        email_domains: &a.email_domains,
        service_token: a.service_token.as_deref(),
        force: a.force,
    }
}

/// Read what is deployed and plan every step; nothing is written.
async fn plan_deploy(
    c: &Client,
    w: &Wanted<'_>,
    with_access: bool,
    account: &str,
    zone_id: &str,
) -> Result<DeployPlan> {
    let mut items = Vec::new();

    // 1. The tunnel.
    let found = tunnels::find_by_name(c, account, w.name).await?;
    let tunnel = tp::plan_tunnel(w.name, found, &mut items)?;
    let tunnel_id = tunnel.existing_id();

    // 2. Its configuration.
    let desired = tp::desired_config(w.hostname, w.service, w.connect_timeout);
    let current = match &tunnel_id {
        Some(id) => tunnels::get_configuration(c, account, id)
            .await?
            .and_then(|cfg| cfg.config),
        None => None,
    };
    let config = tp::plan_config(w.name, current.as_ref(), desired, &mut items);

    // 3. Access: service token, application, policies.
    let (service_token, app, policies) = if with_access {
        plan_access(c, w, account, &mut items).await?
    } else {
        (None, None, Vec::new())
    };

    // 4. DNS.
    let records = dns::by_name(c, zone_id, w.hostname).await?;
    let dns_step = tp::plan_dns(w, tunnel_id.as_deref(), &records, &mut items)?;

    // 5. A previous hostname of this tunnel (the deployed ingress names another one).
    let (stale_dns, stale_app) = match (current.as_ref().and_then(first_hostname), &tunnel_id) {
        (Some(old), Some(id)) if old != w.hostname => {
            let records = dns::by_name(c, zone_id, &old).await?;
            let stale_dns = tp::plan_stale_dns(&old, id, records, &mut items);
            let app = access::app_for_domain(c, account, &old).await?;
            (stale_dns, tp::plan_stale_app(&old, app, &mut items))
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

/// The Access reads and plan: the service token, the application for the hostname, its policies.
async fn plan_access(
    c: &Client,
    w: &Wanted<'_>,
    account: &str,
    items: &mut Vec<PlanItem>,
) -> Result<(Option<TokenStep>, Option<AppStep>, Vec<PolicyOp>)> {
    let token = match w.service_token {
        Some(name) => {
            let found = access::service_token_by_name(c, account, name).await?;
            Some(tp::plan_service_token(name, found, items))
        }
        None => None,
    };
    let current_app = access::app_for_domain(c, account, w.hostname).await?;
    let app = tp::plan_app(w, current_app.as_ref(), items)?;
    let current_policies = match &current_app {
        Some(existing) => access::policies(c, account, &existing.id).await?,
        None => Vec::new(),
    };
    let policies = tp::plan_policies(w, &current_policies, token.as_ref(), items);
    Ok((token, Some(app), policies))
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
    let w = wanted(&a, &hostname, &service);
    let c = Client::from_settings(&ctx.settings, a.api.api_token_file.as_deref(), &ctx.out)?;
    let (account, zone) = zone_for(&c, ctx, &hostname).await?;
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
    let mut p = plan_deploy(&c, &w, !a.no_access, &account, &zone.id).await?;
    spinner.finish_and_clear();
    let existing_id = p.tunnel.existing_id();
    let token_file = plan_token_file(&c, &account, existing_id.as_deref(), &token_path).await?;
    p.items.push(token_file.item.clone());

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
    let at = Target {
        c: &c,
        ctx,
        account: &account,
        zone_id: &zone.id,
    };
    let (tunnel, new_service_token_file) =
        apply_deploy(&at, &w, &p, st_path.as_deref(), &mut state).await?;

    // 5. Connector token.
    let tok = match token_file.token {
        Some(t) => t,
        None => tunnels::token(&c, &account, &tunnel.id).await?,
    };
    if token_file.current.as_deref().map(str::trim) != Some(tok.trim()) {
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

/// The connector token file (local; compared with the token only when the tunnel exists).
struct TokenFile {
    /// What the file holds now.
    current: Option<String>,
    /// The tunnel's token, when the tunnel exists.
    token: Option<String>,
    item: PlanItem,
}

async fn plan_token_file(
    c: &Client,
    account: &str,
    existing_id: Option<&str>,
    path: &Path,
) -> Result<TokenFile> {
    let current =
        crate::limits::read_to_string(path, crate::limits::SMALL_FILE, "token files").ok();
    let token = match existing_id {
        Some(id) => Some(tunnels::token(c, account, id).await?),
        None => None,
    };
    let action = match (&current, &token) {
        (Some(f), Some(t)) if f.trim() == t.trim() => Action::Unchanged,
        (Some(_), _) => Action::Update,
        (None, _) => Action::Create,
    };
    let item = PlanItem::new(
        "connector token file",
        path.display().to_string(),
        action,
        vec![],
    );
    Ok(TokenFile {
        current,
        token,
        item,
    })
}

/// Steps 1-4 of the plan: tunnel, configuration, Access, DNS (and the previous hostname's
/// leftovers). Returns the tunnel and the file a new service token was written to.
async fn apply_deploy(
    at: &Target<'_>,
    w: &Wanted<'_>,
    p: &DeployPlan,
    st_path: Option<&Path>,
    state: &mut LocalState,
) -> Result<(Tunnel, Option<String>)> {
    // 1. Tunnel. 2. Configuration.
    let tunnel = apply_tunnel(at, w, &p.tunnel, p.config.is_some(), state).await?;
    // 3. Access.
    let new_service_token_file = apply_access(at, w, p, st_path, state).await?;
    // 4. DNS, then what the previous hostname left.
    apply_dns(at, w.hostname, &p.dns, &tunnel).await?;
    for id in &p.stale_dns {
        dns::delete(at.c, at.zone_id, id).await?;
    }
    if let Some(id) = &p.stale_app {
        access::delete_app(at.c, at.account, id).await?;
    }
    Ok((tunnel, new_service_token_file))
}

/// The account and zone of the hostname, with warnings about a zone that will not serve it.
async fn zone_for(c: &Client, ctx: &Context, hostname: &str) -> Result<(String, Zone)> {
    let sc = scope::resolve(c, &ctx.settings, ZoneBy::Hostname(hostname), None).await?;
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
    Ok((account, zone))
}

/// Where the writes go.
struct Target<'a> {
    c: &'a Client,
    ctx: &'a Context,
    account: &'a str,
    zone_id: &'a str,
}

/// Create the tunnel if planned (remembering it in the local state), then put its
/// configuration if it differs.
async fn apply_tunnel(
    at: &Target<'_>,
    w: &Wanted<'_>,
    step: &TunnelStep,
    config_differs: bool,
    state: &mut LocalState,
) -> Result<Tunnel> {
    let (c, account) = (at.c, at.account);
    let created = matches!(step, TunnelStep::Create);
    let tunnel = match step {
        TunnelStep::Existing(t) => t.clone(),
        TunnelStep::Create => {
            let t = create_tunnel(c, account, w.name).await?;
            at.ctx
                .out
                .note(format!("created tunnel {} ({})", t.name, t.id));
            t
        }
    };
    state.tunnel_id = Some(tunnel.id.clone());
    write_state(state)?;

    // If the tunnel was just created the plan already wants a PUT; if the 409 path found a
    // tunnel, re-check so a converged run does not write needlessly.
    let desired = tp::desired_config(w.hostname, w.service, w.connect_timeout);
    let put_config = match (config_differs, created) {
        (true, true) => {
            let cur = tunnels::get_configuration(c, account, &tunnel.id)
                .await?
                .and_then(|c| c.config);
            tp::config_changes(cur.as_ref(), &desired).is_some()
        }
        (true, false) => true,
        (false, _) => false,
    };
    if put_config {
        tunnels::put_configuration(c, account, &tunnel.id, &desired).await?;
        at.ctx.out.note(format!(
            "configured ingress {} -> {}",
            w.hostname, w.service
        ));
    }
    Ok(tunnel)
}

/// The service token (a new one's secret to a 0600 file), the application and its policies.
/// Returns the file a new service token was written to.
async fn apply_access(
    at: &Target<'_>,
    w: &Wanted<'_>,
    p: &DeployPlan,
    st_path: Option<&Path>,
    state: &mut LocalState,
) -> Result<Option<String>> {
    let (c, account, out) = (at.c, at.account, &at.ctx.out);
    let mut token_id = None;
    let mut new_service_token_file = None;
    match &p.service_token {
        Some(TokenStep::Existing(id)) => {
            token_id = Some(id.clone());
            if let Some(path) = st_path {
                if !path.exists() {
                    out.warn(format!(
                        "the secret of service token {:?} is not in {} (Cloudflare shows it only \
                         at creation); rotate it in the dashboard if you lost it",
                        w.service_token.unwrap_or(""),
                        path.display()
                    ));
                }
            }
        }
        Some(TokenStep::Create(name)) => {
            let path = st_path
                .map(Path::to_path_buf)
                .unwrap_or_else(|| default_service_token_path(name));
            let id = create_service_token(at, name, &path).await?;
            token_id = Some(id);
            new_service_token_file = Some(path.display().to_string());
            // Remembered so `tunnel delete` removes it: only tokens taskdb created.
            state.service_token = Some(name.clone());
            write_state(state)?;
        }
        None => {}
    }
    let app_id = match &p.app {
        Some(AppStep::Keep(app)) => Some(app.id.clone()),
        Some(AppStep::Update(app, body)) => {
            access::update_app(c, account, &app.id, body).await?;
            Some(app.id.clone())
        }
        Some(AppStep::Create(body)) => {
            let app = access::create_app(c, account, body).await?;
            out.note(format!("created Access application for {}", w.hostname));
            Some(app.id)
        }
        None => None,
    };
    if let Some(app_id) = &app_id {
        let token_id = token_id.as_deref();
        for op in &p.policies {
            match op {
                PolicyOp::Create(p) => {
                    access::create_policy(c, account, app_id, &p.body(token_id)).await?;
                }
                PolicyOp::Update(id, p) => {
                    access::update_policy(c, account, app_id, id, &p.body(token_id)).await?;
                }
                PolicyOp::Delete(id) => access::delete_policy(c, account, app_id, id).await?,
            }
        }
    }
    Ok(new_service_token_file)
}

/// Create the service token `name` and write its client id and secret to `path` (0600);
/// returns its id.
async fn create_service_token(at: &Target<'_>, name: &str, path: &Path) -> Result<String> {
    let created = access::create_service_token(
        at.c,
        at.account,
        &json!({"name": name, "duration": "8760h"}),
    )
    .await?;
    let doc = json!({
        "name": created.name,
        "client_id": created.client_id,
        "client_secret": created.client_secret,
    });
    write_private_file(path, serde_json::to_string_pretty(&doc)?.as_bytes())?;
    at.ctx.out.note(format!(
        "created service token {name}; its client id and secret are in {} (0600, shown nowhere else)",
        path.display()
    ));
    Ok(created.id)
}

/// The DNS step: patch the record, or delete the ones in the way and create the CNAME.
async fn apply_dns(at: &Target<'_>, hostname: &str, step: &DnsStep, tunnel: &Tunnel) -> Result<()> {
    match step {
        DnsStep::Keep => {}
        DnsStep::Patch(id, body) => {
            dns::patch(at.c, at.zone_id, id, body).await?;
        }
        DnsStep::Create(delete_ids, body) => {
            let mut body = body.clone();
            for id in delete_ids {
                dns::delete(at.c, at.zone_id, id).await?;
            }
            body["content"] = json!(cname_target(&tunnel.id));
            create_dns(at.c, at.zone_id, hostname, &body).await?;
            at.ctx.out.note(format!(
                "DNS {hostname} -> {} (proxied)",
                cname_target(&tunnel.id)
            ));
        }
    }
    Ok(())
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
