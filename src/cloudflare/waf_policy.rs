//! The WAF policy file (`taskdb waf apply --policy FILE`): parsing, validation, the rules and
//! zone settings it stands for, and the merge into entry-point rule lists that keeps every rule
//! taskdb does not own.
//!
//! taskdb's rules are recognised by `ref` (or description) starting with `taskdb:`.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Result;
use serde::Deserialize;
use serde_json::{json, Value};

use super::plan::{self, Action, PlanItem};
use crate::exit::usage;

pub const OWNED_PREFIX: &str = "taskdb:";
pub const CLOUDFLARE_MANAGED_RULESET: &str = "efb7b8c949ac4650a09736fc376e9aee";
pub const OWASP_RULESET: &str = "4814384a9e5d4991b9815dcfc25d2f1f";
/// OWASP rule 949110 "Inbound Anomaly Score Exceeded": where the score threshold is set.
pub const OWASP_ANOMALY_RULE: &str = "6179ae15870a4bb7b2d480d4843b323c";

/// Periods and mitigation timeouts the rate-limiting API accepts (seconds).
const PERIODS: &[i64] = &[10, 60, 120, 300, 600, 3600];
const TIMEOUTS: &[i64] = &[0, 10, 60, 120, 300, 600, 3600, 86400];

/// ISO 3166-1 alpha-2, plus Cloudflare's T1 (Tor) and XX (unknown).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL \
BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM \
DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC \
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE \
NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD \
SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA \
UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW T1 XX";

/// The policy file. Every section and key is optional; what is missing takes the secure default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Hostnames the rules protect (all taskdb rules are scoped to them); empty = the whole zone.
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub managed: Managed,
    #[serde(default)]
    pub rules: CustomRules,
    #[serde(default)]
    pub rate_limit: RateLimit,
    #[serde(default)]
    pub tls: Tls,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Managed {
    /// Deploy the Cloudflare Managed Ruleset.
    pub cloudflare: bool,
    /// Deploy the Cloudflare OWASP Core Ruleset.
    pub owasp: bool,
    /// OWASP paranoia level 1-4 (higher catches more, with more false positives).
    pub paranoia_level: i64,
    /// OWASP anomaly score threshold: 60 low, 40 medium, 25 high sensitivity.
    pub score_threshold: i64,
    /// What OWASP does above the threshold: block, log or managed_challenge.
    pub owasp_action: String,
}

impl Default for Managed {
    fn default() -> Self {
        Managed {
            cloudflare: true,
            owasp: true,
            paranoia_level: 1,
            score_threshold: 40,
            owasp_action: "block".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CustomRules {
    /// Only these IPs/CIDRs may reach the hostnames; everyone else is blocked.
    pub allow_ips: Vec<String>,
    /// IPs/CIDRs that are blocked.
    pub blocked_ips: Vec<String>,
    /// ISO 3166-1 alpha-2 country codes that are blocked (T1 = Tor).
    pub blocked_countries: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimit {
    pub enabled: bool,
    /// Requests allowed per period and client IP.
    pub requests: i64,
    /// Counting period in seconds (10, 60, 120, 300, 600, 3600).
    pub period: i64,
    /// How long a client stays blocked, seconds (0, 10, 60, 120, 300, 600, 3600, 86400).
    pub mitigation_timeout: i64,
    /// block, log or managed_challenge (challenges need mitigation_timeout = 0).
    pub action: String,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            requests: 100,
            period: 60,
            mitigation_timeout: 600,
            action: "block".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// SSL mode: strict, full, flexible or off.
    pub ssl: String,
    /// Minimum TLS version: "1.0", "1.1", "1.2" or "1.3".
    pub min_tls_version: String,
    pub tls_1_3: bool,
    pub always_use_https: bool,
    pub hsts: Hsts,
    /// Zone settings taskdb leaves alone (e.g. ones the zone's plan locks).
    pub skip_settings: Vec<String>,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            ssl: "strict".into(),
            min_tls_version: "1.2".into(),
            tls_1_3: true,
            always_use_https: true,
            hsts: Hsts::default(),
            skip_settings: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hsts {
    pub enabled: bool,
    /// Seconds (default one year).
    pub max_age: i64,
    pub include_subdomains: bool,
    pub preload: bool,
    pub nosniff: bool,
}

impl Default for Hsts {
    fn default() -> Self {
        Hsts {
            enabled: true,
            max_age: 31_536_000,
            include_subdomains: true,
            preload: false,
            nosniff: true,
        }
    }
}

/// A validation problem: the dotted key, the offending value (to find its line) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub key: String,
    pub value: Option<String>,
    pub message: String,
}

fn invalid(key: &str, value: Option<&str>, message: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        value: value.map(str::to_string),
        message: message.into(),
    }
}

/// Read, parse and validate a policy file; errors name the file, line and key (exit 2).
pub fn load(path: &Path) -> Result<Policy> {
    let text = crate::limits::read(path, crate::limits::SMALL_FILE, "policy files")
        .map_err(|e| usage(format!("cannot read policy file {}: {e}", path.display())))?;
    let text = String::from_utf8(text)
        .map_err(|_| usage(format!("policy file {} is not valid UTF-8", path.display())))?;
    parse(&text).map_err(|e| usage(format!("policy file {}{e}", path.display())))
}

/// Parse and validate policy text; the error starts with `:LINE: ` where a line is known.
pub fn parse(text: &str) -> std::result::Result<Policy, String> {
    let policy: Policy =
        toml::from_str(text).map_err(|e| crate::settings::describe_toml_error(text, &e))?;
    policy.validate().map_err(|inv| {
        let line = locate(text, &inv.key, inv.value.as_deref());
        match line {
            Some(n) => format!(":{n}: key `{}`: {}", inv.key, inv.message),
            None => format!(": key `{}`: {}", inv.key, inv.message),
        }
    })?;
    Ok(policy)
}

/// The line of `key` (dotted, `section.key`) or of a quoted value inside it.
fn locate(text: &str, key: &str, value: Option<&str>) -> Option<usize> {
    let (section, leaf) = match key.rsplit_once('.') {
        Some((s, l)) => (Some(s), l),
        None => (None, key),
    };
    let mut current: Option<String> = None;
    let mut key_line = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') && line.ends_with(']') {
            current = Some(line.trim_matches(['[', ']']).trim().to_string());
            continue;
        }
        let in_section = current.as_deref() == section;
        if in_section && key_line.is_none() {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim().trim_matches('"') == leaf {
                    key_line = Some(i + 1);
                    if value.is_none() {
                        return key_line;
                    }
                }
            }
        }
        if let (Some(start), Some(v)) = (key_line, value) {
            if i + 1 >= start && raw.contains(&format!("\"{v}\"")) {
                return Some(i + 1);
            }
        }
    }
    key_line
}

/// An IP or CIDR, normalised; a CIDR with host bits set is refused (it would not mean what it says).
pub fn parse_ip_or_cidr(s: &str) -> std::result::Result<String, String> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    match s.parse::<ipnet::IpNet>() {
        Ok(net) if net.trunc() == net => Ok(net.to_string()),
        Ok(net) => Err(format!(
            "{s:?} has host bits set (did you mean {}?)",
            net.trunc()
        )),
        Err(_) => Err(format!("{s:?} is not an IP address or CIDR range")),
    }
}

pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split_whitespace().any(|c| c == code)
}

impl Policy {
    pub fn validate(&self) -> std::result::Result<(), Invalid> {
        for h in &self.hostnames {
            if super::names::validate_hostname(h).is_err() {
                return Err(invalid(
                    "hostnames",
                    Some(h),
                    format!("{h:?} is not a hostname"),
                ));
            }
        }
        let m = &self.managed;
        if !(1..=4).contains(&m.paranoia_level) {
            return Err(invalid(
                "managed.paranoia_level",
                None,
                format!("must be 1-4, got {}", m.paranoia_level),
            ));
        }
        if !(1..=1000).contains(&m.score_threshold) {
            return Err(invalid(
                "managed.score_threshold",
                None,
                format!(
                    "must be a positive score (60 low, 40 medium, 25 high), got {}",
                    m.score_threshold
                ),
            ));
        }
        if !["block", "log", "managed_challenge"].contains(&m.owasp_action.as_str()) {
            return Err(invalid(
                "managed.owasp_action",
                None,
                format!(
                    "must be block, log or managed_challenge, got {:?}",
                    m.owasp_action
                ),
            ));
        }
        for (key, list) in [
            ("rules.allow_ips", &self.rules.allow_ips),
            ("rules.blocked_ips", &self.rules.blocked_ips),
        ] {
            for ip in list {
                parse_ip_or_cidr(ip).map_err(|e| invalid(key, Some(ip), e))?;
            }
        }
        if !self.rules.allow_ips.is_empty() && self.hostnames.is_empty() {
            return Err(invalid(
                "rules.allow_ips",
                None,
                "needs `hostnames` (an allowlist without them would lock everyone else out of the whole zone)",
            ));
        }
        for c in &self.rules.blocked_countries {
            if !is_country(c) {
                return Err(invalid(
                    "rules.blocked_countries",
                    Some(c),
                    format!(
                        "{c:?} is not an ISO 3166-1 alpha-2 country code (upper case, e.g. \"KP\")"
                    ),
                ));
            }
        }
        let r = &self.rate_limit;
        if r.requests <= 0 {
            return Err(invalid(
                "rate_limit.requests",
                None,
                format!("must be a positive number of requests, got {}", r.requests),
            ));
        }
        if !PERIODS.contains(&r.period) {
            return Err(invalid(
                "rate_limit.period",
                None,
                format!(
                    "must be one of 10, 60, 120, 300, 600, 3600 seconds, got {}",
                    r.period
                ),
            ));
        }
        if !TIMEOUTS.contains(&r.mitigation_timeout) {
            return Err(invalid(
                "rate_limit.mitigation_timeout",
                None,
                format!(
                    "must be one of 0, 10, 60, 120, 300, 600, 3600, 86400 seconds, got {}",
                    r.mitigation_timeout
                ),
            ));
        }
        if !["block", "log", "managed_challenge"].contains(&r.action.as_str()) {
            return Err(invalid(
                "rate_limit.action",
                None,
                format!(
                    "must be block, log or managed_challenge, got {:?}",
                    r.action
                ),
            ));
        }
        if r.action == "managed_challenge" && r.mitigation_timeout != 0 {
            return Err(invalid(
                "rate_limit.mitigation_timeout",
                None,
                "must be 0 when the action is a challenge",
            ));
        }
        let t = &self.tls;
        if !["off", "flexible", "full", "strict"].contains(&t.ssl.as_str()) {
            return Err(invalid(
                "tls.ssl",
                None,
                format!("must be off, flexible, full or strict, got {:?}", t.ssl),
            ));
        }
        if !["1.0", "1.1", "1.2", "1.3"].contains(&t.min_tls_version.as_str()) {
            return Err(invalid(
                "tls.min_tls_version",
                None,
                format!(
                    "must be \"1.0\", \"1.1\", \"1.2\" or \"1.3\", got {:?}",
                    t.min_tls_version
                ),
            ));
        }
        if t.min_tls_version == "1.3" && !t.tls_1_3 {
            return Err(invalid(
                "tls.tls_1_3",
                None,
                "must be true when min_tls_version is 1.3",
            ));
        }
        let managed: Vec<&str> = self.all_settings().iter().map(|(id, _)| *id).collect();
        for id in &t.skip_settings {
            if !managed.contains(&id.as_str()) {
                return Err(invalid(
                    "tls.skip_settings",
                    Some(id),
                    format!(
                        "{id:?} is not a setting taskdb manages ({})",
                        managed.join(", ")
                    ),
                ));
            }
        }
        if !(0..=31_536_000 * 2).contains(&t.hsts.max_age) {
            return Err(invalid(
                "tls.hsts.max_age",
                None,
                format!("must be 0-63072000 seconds, got {}", t.hsts.max_age),
            ));
        }
        Ok(())
    }

    /// `(http.host in {"a" "b"})`, or `None` for the whole zone.
    fn host_scope(&self) -> Option<String> {
        if self.hostnames.is_empty() {
            return None;
        }
        let hosts: Vec<String> = self
            .hostnames
            .iter()
            .map(|h| {
                format!(
                    "\"{}\"",
                    h.trim().trim_end_matches('.').to_ascii_lowercase()
                )
            })
            .collect();
        Some(format!("(http.host in {{{}}})", hosts.join(" ")))
    }

    fn scoped(&self, expr: &str) -> String {
        match self.host_scope() {
            Some(scope) => format!("{scope} and {expr}"),
            None => expr.to_string(),
        }
    }

    /// taskdb's rules for one phase, in order.
    pub fn rules_for(&self, phase: &str) -> Vec<Value> {
        let ips = |list: &[String]| {
            list.iter()
                .filter_map(|s| parse_ip_or_cidr(s).ok())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = Vec::new();
        match phase {
            super::rulesets::PHASE_CUSTOM => {
                if !self.rules.allow_ips.is_empty() {
                    out.push(json!({
                        "ref": "taskdb:allowlist",
                        "description": "taskdb: only allowlisted IPs reach the protected hostnames",
                        "expression": self.scoped(&format!("not (ip.src in {{{}}})", ips(&self.rules.allow_ips))),
                        "action": "block",
                        "enabled": true,
                    }));
                }
                if !self.rules.blocked_countries.is_empty() {
                    let cc: Vec<String> = self
                        .rules
                        .blocked_countries
                        .iter()
                        .map(|c| format!("\"{c}\""))
                        .collect();
                    out.push(json!({
                        "ref": "taskdb:blocked-countries",
                        "description": "taskdb: blocked countries",
                        "expression": self.scoped(&format!("(ip.src.country in {{{}}})", cc.join(" "))),
                        "action": "block",
                        "enabled": true,
                    }));
                }
                if !self.rules.blocked_ips.is_empty() {
                    out.push(json!({
                        "ref": "taskdb:blocked-ips",
                        "description": "taskdb: blocked IPs",
                        "expression": self.scoped(&format!("(ip.src in {{{}}})", ips(&self.rules.blocked_ips))),
                        "action": "block",
                        "enabled": true,
                    }));
                }
            }
            super::rulesets::PHASE_RATELIMIT => {
                let r = &self.rate_limit;
                if r.enabled {
                    out.push(json!({
                        "ref": "taskdb:ratelimit",
                        "description": format!("taskdb: {} requests per {}s per IP", r.requests, r.period),
                        "expression": self
                            .host_scope()
                            .unwrap_or_else(|| "(http.request.uri.path wildcard \"/*\")".into()),
                        "action": r.action,
                        "ratelimit": {
                            "characteristics": ["cf.colo.id", "ip.src"],
                            "period": r.period,
                            "requests_per_period": r.requests,
                            "mitigation_timeout": r.mitigation_timeout,
                        },
                        "enabled": true,
                    }));
                }
            }
            super::rulesets::PHASE_MANAGED => {
                let m = &self.managed;
                let expr = self.host_scope().unwrap_or_else(|| "true".into());
                if m.cloudflare {
                    out.push(json!({
                        "ref": "taskdb:cf-managed",
                        "description": "taskdb: Cloudflare Managed Ruleset",
                        "expression": expr,
                        "action": "execute",
                        "action_parameters": {"id": CLOUDFLARE_MANAGED_RULESET},
                        "enabled": true,
                    }));
                }
                if m.owasp {
                    // Paranoia level N = the categories above N disabled.
                    let categories: Vec<Value> = ((m.paranoia_level + 1)..=4)
                        .map(|l| json!({"category": format!("paranoia-level-{l}"), "enabled": false}))
                        .collect();
                    let mut overrides = json!({
                        "rules": [{
                            "id": OWASP_ANOMALY_RULE,
                            "score_threshold": m.score_threshold,
                            "action": m.owasp_action,
                        }]
                    });
                    if !categories.is_empty() {
                        overrides["categories"] = Value::Array(categories);
                    }
                    out.push(json!({
                        "ref": "taskdb:owasp",
                        "description": "taskdb: Cloudflare OWASP Core Ruleset",
                        "expression": expr,
                        "action": "execute",
                        "action_parameters": {"id": OWASP_RULESET, "overrides": overrides},
                        "enabled": true,
                    }));
                }
            }
            _ => {}
        }
        out
    }

    /// The zone settings to manage, `(setting id, desired value)`: all that taskdb knows but
    /// those in `tls.skip_settings`.
    pub fn settings(&self) -> Vec<(&'static str, Value)> {
        self.all_settings()
            .into_iter()
            .filter(|(id, _)| !self.tls.skip_settings.iter().any(|s| s == id))
            .collect()
    }

    /// Every zone setting taskdb knows how to manage, with the value this policy wants.
    fn all_settings(&self) -> Vec<(&'static str, Value)> {
        let onoff = |b: bool| json!(if b { "on" } else { "off" });
        let t = &self.tls;
        vec![
            ("ssl", json!(t.ssl)),
            ("min_tls_version", json!(t.min_tls_version)),
            ("tls_1_3", onoff(t.tls_1_3)),
            ("always_use_https", onoff(t.always_use_https)),
            (
                "security_header",
                json!({"strict_transport_security": {
                    "enabled": t.hsts.enabled,
                    "max_age": t.hsts.max_age,
                    "include_subdomains": t.hsts.include_subdomains,
                    "preload": t.hsts.preload,
                    "nosniff": t.hsts.nosniff,
                }}),
            ),
        ]
    }
}

/// True for a rule taskdb owns.
pub fn is_owned(rule: &Value) -> bool {
    let starts = |k: &str| {
        rule.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(OWNED_PREFIX))
    };
    starts("ref") || starts("description")
}

fn rule_ref(rule: &Value) -> Option<&str> {
    rule.get("ref").and_then(Value::as_str)
}

/// The outcome of merging taskdb's rules into a phase's current rule list.
#[derive(Debug)]
pub struct Merge {
    /// The full list to PUT (foreign rules unchanged and in place).
    pub rules: Vec<Value>,
    pub items: Vec<PlanItem>,
    pub changed: bool,
}

/// Fields the API adds to rules that must not be sent back.
const READ_ONLY: &[&str] = &["version", "last_updated", "categories"];

fn strip_read_only(rule: &Value) -> Value {
    let mut r = rule.clone();
    if let Some(obj) = r.as_object_mut() {
        for k in READ_ONLY {
            obj.remove(*k);
        }
    }
    r
}

/// Merge `desired` (taskdb's rules) into `current` (the phase's whole list): foreign rules are
/// kept as they are and where they are; taskdb's are updated in place (keeping their id),
/// created at the end, or deleted.
pub fn merge(phase: &str, current: &[Value], desired: &[Value]) -> Merge {
    let resource = format!("rule ({phase})");
    let mut items = Vec::new();
    for want in desired {
        let name = rule_ref(want).unwrap_or("?").to_string();
        let existing = current
            .iter()
            .find(|r| is_owned(r) && rule_ref(r) == rule_ref(want));
        match existing {
            Some(cur) => {
                let changes = plan::diff("", cur, want);
                let action = if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Update
                };
                items.push(PlanItem::new(&resource, name, action, changes));
            }
            None => {
                let summary = vec![
                    format!("action: {}", plan::show(&want["action"])),
                    format!("expression: {}", plan::show(&want["expression"])),
                ];
                items.push(PlanItem::new(&resource, name, Action::Create, summary));
            }
        }
    }
    for cur in current.iter().filter(|r| is_owned(r)) {
        let gone = !desired.iter().any(|w| rule_ref(w) == rule_ref(cur));
        if gone {
            let name = rule_ref(cur)
                .or_else(|| cur.get("description").and_then(Value::as_str))
                .unwrap_or("?");
            items.push(PlanItem::new(&resource, name, Action::Delete, vec![]));
        }
    }

    // The list to send: every rule where it was (foreign ones untouched, taskdb's replaced by
    // their new version keeping their id), then taskdb's new rules at the end.
    let mut rules = Vec::new();
    let mut placed = vec![false; desired.len()];
    for cur in current {
        if !is_owned(cur) {
            rules.push(strip_read_only(cur));
            continue;
        }
        let wanted = desired
            .iter()
            .position(|w| rule_ref(w) == rule_ref(cur))
            .filter(|&i| !placed[i]);
        if let Some(i) = wanted {
            placed[i] = true;
            let mut send = desired[i].clone();
            if let (Some(id), Some(obj)) = (cur.get("id"), send.as_object_mut()) {
                obj.insert("id".into(), id.clone());
            }
            rules.push(send);
        }
    }
    for (i, want) in desired.iter().enumerate() {
        if !placed[i] {
            rules.push(want.clone());
        }
    }
    let changed = items.iter().any(PlanItem::is_write);
    Merge {
        rules,
        items,
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudflare::rulesets::{PHASE_CUSTOM, PHASE_MANAGED, PHASE_RATELIMIT};

    #[test]
    fn defaults_are_secure_and_valid() {
        let p = parse("").unwrap();
        assert_eq!(p.rate_limit.requests, 100);
        assert_eq!(p.rate_limit.period, 60);
        assert_eq!(p.tls.ssl, "strict");
        assert_eq!(p.tls.min_tls_version, "1.2");
        assert_eq!(p.rules_for(PHASE_MANAGED).len(), 2);
        assert_eq!(p.rules_for(PHASE_RATELIMIT).len(), 1);
        assert!(p.rules_for(PHASE_CUSTOM).is_empty());
    }

    #[test]
    fn country_list_is_complete() {
        assert_eq!(COUNTRIES.split_whitespace().count(), 249 + 2);
        assert!(is_country("KP") && is_country("T1"));
        assert!(!is_country("ZZ") && !is_country("kp") && !is_country("USA"));
    }

    #[test]
    fn skipped_settings_are_not_managed() {
        let p =
            parse("[tls]\nskip_settings = [\"min_tls_version\", \"security_header\"]\n").unwrap();
        let ids: Vec<&str> = p.settings().iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec!["ssl", "tls_1_3", "always_use_https"]);
        assert_eq!(parse("").unwrap().settings().len(), 5);
        let e = parse("[tls]\nskip_settings = [\"ipv6\"]\n").unwrap_err();
        assert!(e.contains("tls.skip_settings") && e.contains("ipv6"), "{e}");
    }

    #[test]
    fn bad_values_name_line_and_key() {
        let e = parse("[rate_limit]\nperiod = 60\nrequests = -5\n").unwrap_err();
        assert!(e.starts_with(":3: key `rate_limit.requests`"), "{e}");
        let e = parse("hostnames = [\"db.example.com\"]\n[rules]\nallow_ips = [\n  \"10.0.0.0/8\",\n  \"300.1.1.1\",\n]\n")
            .unwrap_err();
        assert!(e.starts_with(":5: key `rules.allow_ips`"), "{e}");
        let e = parse("[rules]\nblocked_countries = [\"KP\", \"XY\"]\n").unwrap_err();
        assert!(
            e.starts_with(":2: key `rules.blocked_countries`") && e.contains("XY"),
            "{e}"
        );
        let e = parse("[tls]\nbogus = 1\n").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let e = parse("[rules]\nallow_ips = [\"10.0.0.0/8\"]\n").unwrap_err();
        assert!(e.contains("needs `hostnames`"), "{e}");
        assert!(parse_ip_or_cidr("10.0.0.1/8")
            .unwrap_err()
            .contains("10.0.0.0/8"));
        assert_eq!(parse_ip_or_cidr("2001:db8::/32").unwrap(), "2001:db8::/32");
    }

    #[test]
    fn paranoia_and_threshold_become_overrides() {
        let p = parse("[managed]\nparanoia_level = 2\nscore_threshold = 25\ncloudflare = false\n")
            .unwrap();
        let rules = p.rules_for(PHASE_MANAGED);
        assert_eq!(rules.len(), 1);
        let o = &rules[0]["action_parameters"]["overrides"];
        assert_eq!(o["categories"].as_array().unwrap().len(), 2);
        assert_eq!(o["categories"][0]["category"], "paranoia-level-3");
        assert_eq!(o["rules"][0]["score_threshold"], 25);
    }

    #[test]
    fn merge_keeps_foreign_rules_and_ids() {
        let p = parse("hostnames = [\"db.example.com\"]\n[rules]\nblocked_ips = [\"192.0.2.1\"]\n")
            .unwrap();
        let desired = p.rules_for(PHASE_CUSTOM);
        let foreign = json!({"id": "f1", "ref": "theirs", "description": "office", "expression": "true",
                             "action": "log", "version": "3", "last_updated": "x"});
        let m = merge(PHASE_CUSTOM, std::slice::from_ref(&foreign), &desired);
        assert!(m.changed);
        assert_eq!(m.rules.len(), 2);
        assert_eq!(m.rules[0]["id"], "f1");
        assert!(m.rules[0].get("version").is_none());
        // Deployed as desired (plus API fields): unchanged, no write.
        let mut deployed = desired[0].clone();
        deployed["id"] = json!("mine");
        deployed["version"] = json!("1");
        let m = merge(PHASE_CUSTOM, &[foreign.clone(), deployed.clone()], &desired);
        assert!(!m.changed, "{:?}", m.items);
        // An update keeps every rule's position (a foreign rule after ours stays after it).
        let mut old = deployed.clone();
        old["expression"] = json!("(ip.src in {192.0.2.2})");
        let later = json!({"id": "f2", "ref": "later", "expression": "true", "action": "log"});
        let m = merge(
            PHASE_CUSTOM,
            &[foreign.clone(), old, later.clone()],
            &desired,
        );
        assert!(m.changed);
        let ids: Vec<&str> = m.rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec!["f1", "mine", "f2"]);
        assert_eq!(m.rules[1]["expression"], desired[0]["expression"]);
        // A rule taskdb no longer wants is deleted; the foreign one stays.
        let m = merge(PHASE_CUSTOM, &[foreign, deployed], &[]);
        assert!(m.changed);
        assert_eq!(m.rules.len(), 1);
        assert_eq!(m.items[0].action, Action::Delete);
    }
}
