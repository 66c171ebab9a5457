//! `tunnel delete`: DNS record, Access application, configuration, connections, tunnel.

use anyhow::Result;
use serde_json::json;

use crate::cloudflare::access::{self};
use crate::cloudflare::api_error;
use crate::cloudflare::dns::{self};
use crate::cloudflare::plan::{Action, PlanItem};
use crate::cloudflare::tunnel_plan::{cname_target, is_taskdb_app};
use crate::cloudflare::tunnels::{self};
use crate::context::Context;
use crate::exit::Exit;
use crate::options::Format;

use super::status::{find, Found};
use super::*;

pub(super) async fn run(a: DeleteArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let l = &a.lookup;
    let f = find(l, ctx).await?;
    let p = plan_delete(&f, &l.name).await?;
    let items = &p.items;

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
        respond(items, true)?;
        ctx.out.note("dry run: nothing was changed");
        return Ok(Exit::SUCCESS);
    }
    if items.is_empty() {
        remove_local_files(&l.name);
        return respond(items, false);
    }
    ctx.out
        .confirm(&format!(
            "Delete tunnel {} and its DNS record and Access application? Stop cloudflared first",
            l.name
        ))
        .await?;
    apply_delete(&f, &p).await?;
    remove_local_files(&l.name);
    respond(items, false)
}

/// What `tunnel delete` removes, read before anything is deleted.
struct DeletePlan {
    items: Vec<PlanItem>,
    dns_ids: Vec<String>,
    app_id: Option<String>,
    service_token_id: Option<String>,
    reset_config: bool,
    drop_connections: bool,
}

/// Read what exists and plan its removal: taskdb's DNS record, Access application and service
/// token, then the tunnel's configuration, connections and the tunnel.
async fn plan_delete(f: &Found, tunnel_name: &str) -> Result<DeletePlan> {
    let c = &f.client;
    let mut items = Vec::new();

    let dns_ids = plan_dns_removal(f, &mut items).await?;
    // Access application (taskdb's only) and the service token deploy created.
    let mut app_id = None;
    if let Some(h) = &f.hostname {
        if let Some(app) = access::app_for_domain(c, &f.account, h).await? {
            if is_taskdb_app(&app) {
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
                tunnel_name,
                Action::Update,
                vec!["ingress: catch-all only".into()],
            ));
            reset_config = true;
        }
        let conns = tunnels::connectors(c, &f.account, &t.id).await?;
        if !conns.is_empty() {
            items.push(PlanItem::new(
                "tunnel connections",
                tunnel_name,
                Action::Delete,
                vec![format!("{} connector(s)", conns.len())],
            ));
            drop_connections = true;
        }
        items.push(PlanItem::new(
            "tunnel",
            tunnel_name,
            Action::Delete,
            vec![t.id.clone()],
        ));
    }

    Ok(DeletePlan {
        items,
        dns_ids,
        app_id,
        service_token_id,
        reset_config,
        drop_connections,
    })
}

/// The DNS record: only the CNAME pointing at this tunnel (anything else is not ours).
async fn plan_dns_removal(f: &Found, items: &mut Vec<PlanItem>) -> Result<Vec<String>> {
    let c = &f.client;
    let mut dns_ids = Vec::new();
    if let (Some(h), Some(z), Some(t)) = (&f.hostname, &f.zone_id, &f.tunnel) {
        let target = cname_target(&t.id);
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
    Ok(dns_ids)
}

/// Delete in the planned order: DNS, Access, configuration, connections, tunnel.
async fn apply_delete(f: &Found, p: &DeletePlan) -> Result<()> {
    let c = &f.client;
    if let Some(z) = &f.zone_id {
        for id in &p.dns_ids {
            dns::delete(c, z, id).await?;
        }
    }
    if let Some(id) = &p.app_id {
        access::delete_app(c, &f.account, id).await?;
    }
    if let Some(id) = &p.service_token_id {
        access::delete_service_token(c, &f.account, id).await?;
    }
    if let Some(t) = &f.tunnel {
        if p.reset_config {
            tunnels::put_configuration(
                c,
                &f.account,
                &t.id,
                &json!({"ingress": [{"service": "http_status:404"}]}),
            )
            .await?;
        }
        if p.drop_connections {
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
    Ok(())
}

fn remove_local_files(name: &str) {
    for p in [state_path(name), default_token_path(name)] {
        let _ = std::fs::remove_file(p);
    }
}
