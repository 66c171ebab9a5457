//! The Access part of the `tunnel deploy` plan: the service token, the application for the
//! hostname and taskdb's policies on it (others' policies are left alone).

use anyhow::Result;
use serde_json::{json, Value};

use super::{is_taskdb_app, Wanted, POLICY_PREFIX};
use crate::cloudflare::access::{AccessApp, AccessPolicy, ServiceToken};
use crate::cloudflare::plan::{self, Action, PlanItem};
use crate::exit::failed;

#[derive(Debug)]
pub enum TokenStep {
    /// The token exists; its id.
    Existing(String),
    /// Create a token of this name.
    Create(String),
}

#[derive(Debug)]
pub enum AppStep {
    Keep(AccessApp),
    Update(AccessApp, Value),
    Create(Value),
}

/// A policy taskdb wants; the service token's id is filled in at apply time.
#[derive(Debug, Clone)]
pub struct WantedPolicy {
    pub name: String,
    decision: &'static str,
    include: Vec<Value>,
    uses_service_token: bool,
    precedence: i64,
}

impl WantedPolicy {
    /// The policy as the API takes it, with the service token's id (`(new)` before it exists).
    pub fn body(&self, token_id: Option<&str>) -> Value {
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
pub enum PolicyOp {
    Create(WantedPolicy),
    Update(String, WantedPolicy),
    Delete(String),
}

/// taskdb's policies: allow the emails and domains; let the service token through.
pub fn wanted_policies(w: &Wanted) -> Vec<WantedPolicy> {
    let mut out = Vec::new();
    let mut include: Vec<Value> = w
        .emails
        .iter()
        .map(|e| json!({"email": {"email": e}}))
        .collect();
    include.extend(
        w.email_domains
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
    if w.service_token.is_some() {
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

/// The service token `name`, given the one of that name found (if any).
pub fn plan_service_token(
    name: &str,
    found: Option<ServiceToken>,
    items: &mut Vec<PlanItem>,
) -> TokenStep {
    match found {
        Some(t) => {
            items.push(PlanItem::new(
                "access service token",
                name,
                Action::Unchanged,
                vec![],
            ));
            TokenStep::Existing(t.id)
        }
        None => {
            items.push(PlanItem::new(
                "access service token",
                name,
                Action::Create,
                vec!["duration: 8760h".into()],
            ));
            TokenStep::Create(name.to_string())
        }
    }
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

/// The Access application for the hostname, given the one there now; one taskdb did not
/// create is refused unless `--force`.
pub fn plan_app(
    w: &Wanted,
    current: Option<&AccessApp>,
    items: &mut Vec<PlanItem>,
) -> Result<AppStep> {
    let hostname = w.hostname;
    let wanted_app = app_body(w.name, hostname);
    let Some(existing) = current else {
        items.push(PlanItem::new(
            "access application",
            hostname,
            Action::Create,
            plan::fields(&wanted_app),
        ));
        return Ok(AppStep::Create(wanted_app));
    };
    if !is_taskdb_app(existing) && !w.force {
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
        Ok(AppStep::Keep(existing.clone()))
    } else {
        items.push(PlanItem::new(
            "access application",
            hostname,
            Action::Update,
            changes,
        ));
        Ok(AppStep::Update(existing.clone(), wanted_app))
    }
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

/// taskdb's policies on the application, given its current ones: each wanted one created or
/// updated, each of taskdb's no longer wanted deleted.
pub fn plan_policies(
    w: &Wanted,
    current: &[AccessPolicy],
    token: Option<&TokenStep>,
    items: &mut Vec<PlanItem>,
) -> Vec<PolicyOp> {
    let token_id = match token {
        Some(TokenStep::Existing(id)) => Some(id.as_str()),
        _ => None,
    };
    let mut ops = Vec::new();
    let wanted = wanted_policies(w);
    for want in &wanted {
        let body = want.body(token_id);
        match current.iter().find(|p| p.name == want.name) {
            Some(cur) => {
                // A new service token means a new token id even if nothing else changed.
                let mut changes = policy_differs(cur, &body);
                if want.uses_service_token && token_id.is_none() {
                    changes.push("include: service token (new)".into());
                }
                if changes.is_empty() {
                    items.push(PlanItem::new(
                        "access policy",
                        &want.name,
                        Action::Unchanged,
                        vec![],
                    ));
                } else {
                    items.push(PlanItem::new(
                        "access policy",
                        &want.name,
                        Action::Update,
                        changes,
                    ));
                    ops.push(PolicyOp::Update(cur.id.clone(), want.clone()));
                }
            }
            None => {
                items.push(PlanItem::new(
                    "access policy",
                    &want.name,
                    Action::Create,
                    plan::fields(&body),
                ));
                ops.push(PolicyOp::Create(want.clone()));
            }
        }
    }
    for cur in current {
        if cur.name.starts_with(POLICY_PREFIX) && !wanted.iter().any(|w| w.name == cur.name) {
            items.push(PlanItem::new(
                "access policy",
                &cur.name,
                Action::Delete,
                vec![],
            ));
            ops.push(PolicyOp::Delete(cur.id.clone()));
        }
    }
    ops
}
