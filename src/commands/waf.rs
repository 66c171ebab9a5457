//! `taskdb waf apply|status`: the zone's WAF (managed rulesets, custom rules, rate limiting) and
//! TLS settings from a TOML policy, changing only taskdb's own rules.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;

use crate::cloudflare::plan::{self, Action, PlanItem};
use crate::cloudflare::rulesets::{self, PHASE_CUSTOM, PHASE_MANAGED, PHASE_RATELIMIT};
use crate::cloudflare::scope::{self, ZoneBy};
use crate::cloudflare::waf_policy::{self, Policy};
use crate::cloudflare::zones::{self, Zone};
use crate::cloudflare::{api_error, Client};
use crate::context::Context;
use crate::exit::{failed, usage, Exit};
use crate::options::ApiTokenOpt;
use crate::options::Format;

const PHASES: [&str; 3] = [PHASE_MANAGED, PHASE_CUSTOM, PHASE_RATELIMIT];

/// API error code of a PATCH on a zone setting the zone's plan locks ("ipv6 cannot be modified
/// for this zone"), seen even where the setting's `editable` did not say so.
const SETTING_LOCKED: u32 = 1057;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  taskdb waf apply --zone example.com --dry-run     # secure defaults, show the plan
  taskdb waf apply --policy waf.toml                # zone from the policy's hostnames
  taskdb waf status --policy waf.toml --format json")]
pub struct WafArgs {
    #[command(subcommand)]
    cmd: WafCmd,
}

#[derive(Debug, Subcommand)]
enum WafCmd {
    /// Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings
    #[command(
        after_help = "Without --policy, secure defaults: Cloudflare Managed and OWASP Core \
rulesets (paranoia 1, threshold 40), 100 requests/minute per IP, SSL strict, TLS >= 1.2, TLS 1.3, \
always HTTPS, HSTS. Rules that taskdb did not create (their ref/description does not start with \
`taskdb:`) are kept as they are. Re-applying an unchanged policy changes nothing.

A policy file (every key optional; the README documents them all):
  hostnames = [\"db.example.com\"]
  [managed]
  paranoia_level = 2
  score_threshold = 40
  [rules]
  allow_ips = [\"203.0.113.0/24\"]
  blocked_countries = [\"KP\"]
  [rate_limit]
  requests = 100
  period = 60
  [tls.hsts]
  preload = false"
    )]
    Apply(ApplyArgs),
    /// Show what is deployed and how it differs from the policy
    Status(StatusArgs),
}

#[derive(Debug, Args)]
struct ZoneOpts {
    /// TOML policy file (see the README); without it, the secure defaults
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy's first hostname)
    #[arg(long, value_name = "NAME")]
    zone: Option<String>,
    #[command(flatten)]
    api: ApiTokenOpt,
}

#[derive(Debug, Args)]
struct ApplyArgs {
    #[command(flatten)]
    z: ZoneOpts,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    z: ZoneOpts,
}

pub async fn run(args: WafArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        WafCmd::Apply(a) => apply(a, ctx).await,
        WafCmd::Status(a) => status(a, ctx).await,
    }
}

/// Everything read from the zone, and what the policy wants done to it.
struct Survey {
    zone: Zone,
    /// Per phase: the current rules and the merge with the policy.
    phases: Vec<(&'static str, Vec<Value>, waf_policy::Merge)>,
    settings: Vec<SettingSurvey>,
}

/// One zone setting: what it is, what the policy wants, and whether the zone lets us change it.
struct SettingSurvey {
    id: &'static str,
    current: Value,
    desired: Value,
    /// `field: old -> new`; empty when in sync.
    changes: Vec<String>,
    /// `editable: false` in the API's answer (the zone's plan locks it).
    editable: bool,
}

impl SettingSurvey {
    fn action(&self) -> Action {
        match (self.changes.is_empty(), self.editable) {
            (true, _) => Action::Unchanged,
            (false, true) => Action::Update,
            (false, false) => Action::NotEditable,
        }
    }
}

impl Survey {
    fn items(&self) -> Vec<PlanItem> {
        let mut items: Vec<PlanItem> = self
            .phases
            .iter()
            .flat_map(|(_, _, m)| m.items.clone())
            .collect();
        for st in &self.settings {
            items.push(PlanItem::new(
                "zone setting",
                st.id,
                st.action(),
                st.changes.clone(),
            ));
        }
        items
    }
}

async fn survey(z: &ZoneOpts, policy: &Policy, ctx: &Context) -> Result<(Client, Survey)> {
    let c = Client::from_settings(&ctx.settings, z.api.api_token_file.as_deref(), &ctx.out)?;
    let first_host = policy
        .hostnames
        .first()
        .map(|h| h.trim().to_ascii_lowercase());
    let zone_by = match (
        &z.zone,
        ctx.settings.cloudflare_zone_id.is_some(),
        &first_host,
    ) {
        (Some(name), _, _) => ZoneBy::Name(name),
        (None, true, _) => ZoneBy::Settings,
        (None, false, Some(h)) => ZoneBy::Hostname(h),
        (None, false, None) => return Err(usage(
            "which zone? pass --zone NAME, set CLOUDFLARE_ZONE_ID, or list hostnames in the policy",
        )),
    };
    let sc = scope::resolve(&c, &ctx.settings, zone_by, None).await?;
    let zone = sc.zone.ok_or_else(|| failed("no zone found"))?;
    let suffix = format!(".{}", zone.name.to_ascii_lowercase());
    for h in &policy.hostnames {
        let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
        if h != zone.name.to_ascii_lowercase() && !h.ends_with(&suffix) {
            return Err(usage(format!(
                "policy hostname {h} is not in zone {}",
                zone.name
            )));
        }
    }
    let spinner = ctx.out.spinner(format!("reading the WAF of {}", zone.name));
    let mut phases = Vec::new();
    for phase in PHASES {
        let current = rulesets::entrypoint(&c, &zone.id, phase)
            .await?
            .map(|r| r.rules)
            .unwrap_or_default();
        let merged = waf_policy::merge(phase, &current, &policy.rules_for(phase));
        phases.push((phase, current, merged));
    }
    let mut settings = Vec::new();
    for (id, desired) in policy.settings() {
        let got = zones::get_setting(&c, &zone.id, id).await?;
        let changes = plan::diff(id, &got.value, &desired);
        settings.push(SettingSurvey {
            id,
            current: got.value,
            desired,
            changes,
            editable: got.editable != Some(false),
        });
    }
    spinner.finish_and_clear();
    Ok((
        c,
        Survey {
            zone,
            phases,
            settings,
        },
    ))
}

fn load_policy(path: Option<&PathBuf>) -> Result<Policy> {
    match path {
        Some(p) => waf_policy::load(p),
        None => Ok(Policy::default()),
    }
}

#[derive(Serialize)]
struct ApplyReport<'a> {
    dry_run: bool,
    zone: &'a str,
    plan: &'a [PlanItem],
}

/// Put every phase whose rules change and patch every setting to update; a setting the zone
/// turns out to lock is marked so (and reported) instead of failing the run.
async fn write_changes(c: &Client, ctx: &Context, s: &mut Survey, planned: usize) -> Result<()> {
    let bar = ctx.out.progress(planned as u64, "applying");
    for (phase, _, merged) in &s.phases {
        if merged.changed {
            rulesets::put_entrypoint(c, &s.zone.id, phase, &merged.rules).await?;
            bar.inc(1);
        }
    }
    for st in s.settings.iter_mut() {
        if st.action() != Action::Update {
            continue;
        }
        match zones::patch_setting(c, &s.zone.id, st.id, &st.desired).await {
            Ok(_) => {}
            // "<setting> cannot be modified for this zone": locked although it was not
            // marked so; left as it is and reported like the marked ones.
            Err(e) if api_error(&e).is_some_and(|a| a.has_code(SETTING_LOCKED)) => {
                st.editable = false;
            }
            Err(e) => return Err(e),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

async fn apply(a: ApplyArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let policy = load_policy(a.z.policy.as_ref())?;
    let (c, mut s) = survey(&a.z, &policy, ctx).await?;
    let planned = s.items().iter().filter(|i| i.is_write()).count();
    if !a.dry_run && planned > 0 {
        write_changes(&c, ctx, &mut s, planned).await?;
    }
    let items = s.items();
    let writes = items.iter().filter(|i| i.is_write()).count();
    let locked: Vec<String> = s
        .settings
        .iter()
        .filter(|st| st.action() == Action::NotEditable)
        .map(|st| {
            format!(
                "{} (is {}, the policy wants {})",
                st.id,
                plan::show(&st.current),
                plan::show(&st.desired)
            )
        })
        .collect();
    if format == Format::Json {
        ctx.out.json(&ApplyReport {
            dry_run: a.dry_run,
            zone: &s.zone.name,
            plan: &items,
        })?;
    } else {
        ctx.out.list(&items)?;
    }
    if a.dry_run {
        ctx.out.note(format!(
            "dry run: {writes} change(s) planned for zone {}, nothing was changed",
            s.zone.name
        ));
    } else if writes == 0 {
        ctx.out.note(format!(
            "zone {}: already as the policy says, nothing changed",
            s.zone.name
        ));
    } else {
        ctx.out
            .note(format!("zone {}: {writes} change(s) applied", s.zone.name));
    }
    if locked.is_empty() {
        return Ok(Exit::SUCCESS);
    }
    let what = format!(
        "zone setting(s) this zone's plan does not let taskdb change: {}; list them in [tls] \
         skip_settings of the policy to stop managing them",
        locked.join(", ")
    );
    if a.dry_run {
        ctx.out.warn(what);
        return Ok(Exit::SUCCESS);
    }
    Err(failed(format!("everything else is applied, but {what}")))
}

#[derive(Serialize)]
struct DeployedRule {
    phase: String,
    owned_by_taskdb: bool,
    r#ref: Option<String>,
    description: Option<String>,
    action: Option<String>,
    enabled: bool,
}

#[derive(Serialize)]
struct DeployedSetting {
    id: String,
    value: Value,
    desired: Value,
    in_sync: bool,
    editable: bool,
}

#[derive(Serialize)]
struct StatusReport {
    zone: String,
    in_sync: bool,
    rules: Vec<DeployedRule>,
    settings: Vec<DeployedSetting>,
    drift: Vec<PlanItem>,
}

async fn status(a: StatusArgs, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let policy = load_policy(a.z.policy.as_ref())?;
    let (_c, s) = survey(&a.z, &policy, ctx).await?;
    let report = status_report(&s);
    if format == Format::Json {
        ctx.out.json(&report)?;
        return Ok(Exit::SUCCESS);
    }
    render_status(ctx, &report)?;
    Ok(Exit::SUCCESS)
}

/// What is deployed (every rule of the phases, the settings) and the drift from the policy.
fn status_report(s: &Survey) -> StatusReport {
    let str_of = |r: &Value, k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
    let rules: Vec<DeployedRule> = s
        .phases
        .iter()
        .flat_map(|(phase, current, _)| {
            current.iter().map(move |r| DeployedRule {
                phase: phase.to_string(),
                owned_by_taskdb: waf_policy::is_owned(r),
                r#ref: str_of(r, "ref"),
                description: str_of(r, "description"),
                action: str_of(r, "action"),
                enabled: r.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            })
        })
        .collect();
    let settings: Vec<DeployedSetting> = s
        .settings
        .iter()
        .map(|st| DeployedSetting {
            id: st.id.to_string(),
            value: st.current.clone(),
            desired: st.desired.clone(),
            in_sync: st.changes.is_empty(),
            editable: st.editable,
        })
        .collect();
    let drift: Vec<PlanItem> = s.items().into_iter().filter(PlanItem::is_drift).collect();
    StatusReport {
        zone: s.zone.name.clone(),
        in_sync: drift.is_empty(),
        rules,
        settings,
        drift,
    }
}

/// The status as tables: rules, settings, then the drift.
fn render_status(ctx: &Context, report: &StatusReport) -> Result<()> {
    let rule_rows: Vec<Vec<String>> = report
        .rules
        .iter()
        .map(|r| {
            vec![
                r.phase.clone(),
                r.r#ref.clone().unwrap_or_default(),
                r.description.clone().unwrap_or_default(),
                r.action.clone().unwrap_or_default(),
                if r.owned_by_taskdb { "taskdb" } else { "other" }.into(),
                r.enabled.to_string(),
            ]
        })
        .collect();
    ctx.out.line(format!("zone {}", report.zone))?;
    ctx.out.raw(ctx.out.table(
        &["phase", "ref", "description", "action", "owner", "enabled"],
        &rule_rows,
    ))?;
    let setting_rows: Vec<Vec<String>> = report
        .settings
        .iter()
        .map(|st| {
            vec![
                st.id.clone(),
                plan::show(&st.value),
                match (st.in_sync, st.editable) {
                    (true, _) => "yes",
                    (false, true) => "no",
                    (false, false) => "no (not editable on this zone)",
                }
                .into(),
            ]
        })
        .collect();
    ctx.out.raw(
        ctx.out
            .table(&["setting", "value", "as policy"], &setting_rows),
    )?;
    if report.drift.is_empty() {
        ctx.out.line("in sync with the policy")?;
    } else {
        ctx.out.line(format!(
            "drift from the policy ({} item(s); `taskdb waf apply` fixes it):",
            report.drift.len()
        ))?;
        ctx.out.list(&report.drift)?;
    }
    Ok(())
}
