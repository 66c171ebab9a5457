//! `tunnel status` and `tunnel token`, and finding what they (and delete) work on.

use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};

use crate::cloudflare::access::{self, AccessApp};
use crate::cloudflare::dns::{self, DnsRecord};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::tunnel_plan::first_hostname;
use crate::cloudflare::tunnels::{self, Tunnel};
use crate::cloudflare::Client;
use crate::context::Context;
use crate::exit::{failed, Exit};
use crate::options::Format;
use crate::platform::write_private_file;

use super::*;

/// What status/token/delete work on: the account, maybe the zone, maybe the tunnel and hostname.
pub(super) struct Found {
    pub(super) client: Client,
    pub(super) account: String,
    pub(super) zone_id: Option<String>,
    pub(super) tunnel: Option<Tunnel>,
    pub(super) hostname: Option<String>,
    pub(super) state: Option<LocalState>,
}

pub(super) async fn find(l: &LookupArgs, ctx: &Context) -> Result<Found> {
    validate_tunnel_name(&l.name)?;
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

pub(super) async fn status(l: LookupArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let f = find(&l, ctx).await?;
    let report = read_status(&l.name, &f).await?;
    if format == Format::Json {
        ctx.out.json(&report)?;
        return Ok(Exit::SUCCESS);
    }
    if !report.exists {
        ctx.out.line(format!("tunnel {}: not deployed", l.name))?;
        return Ok(Exit::SUCCESS);
    }
    ctx.out.record(&report, &status_fields(&report))?;
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

/// Read the tunnel's configuration, connectors, DNS record and Access application.
async fn read_status(name: &str, f: &Found) -> Result<StatusReport> {
    let c = &f.client;
    let mut report = StatusReport {
        name: name.to_string(),
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
    Ok(report)
}

/// The fields of the status table.
fn status_fields(report: &StatusReport) -> Vec<(&'static str, String)> {
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
    vec![
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
    ]
}

pub(super) async fn token(a: TokenArgs, ctx: &Context) -> Result<Exit> {
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
