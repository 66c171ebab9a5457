//! What a policy stands for: taskdb's rules for each ruleset phase (scoped to the policy's
//! hostnames) and the zone settings it manages.

use serde_json::{json, Value};

use super::{
    parse_ip_or_cidr, Policy, CLOUDFLARE_MANAGED_RULESET, OWASP_ANOMALY_RULE, OWASP_RULESET,
};
use crate::cloudflare::rulesets::{PHASE_CUSTOM, PHASE_MANAGED, PHASE_RATELIMIT};

impl Policy {
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
        match phase {
            PHASE_CUSTOM => self.custom_rules(),
            PHASE_RATELIMIT => self.rate_limit_rules(),
            PHASE_MANAGED => self.managed_rules(),
            _ => Vec::new(),
        }
    }

    /// `[rules]`: the allowlist, blocked countries, blocked IPs.
    fn custom_rules(&self) -> Vec<Value> {
        let ips = |list: &[String]| {
            list.iter()
                .filter_map(|s| parse_ip_or_cidr(s).ok())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = Vec::new();
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
        out
    }

    /// `[rate_limit]`: one rule, per client IP (and Cloudflare data centre).
    fn rate_limit_rules(&self) -> Vec<Value> {
        let r = &self.rate_limit;
        if !r.enabled {
            return Vec::new();
        }
        vec![json!({
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
        })]
    }

    /// `[managed]`: the Cloudflare Managed and OWASP Core rulesets, the latter with its paranoia
    /// level and score threshold as overrides.
    fn managed_rules(&self) -> Vec<Value> {
        let m = &self.managed;
        let expr = self.host_scope().unwrap_or_else(|| "true".into());
        let mut out = Vec::new();
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
    pub(super) fn all_settings(&self) -> Vec<(&'static str, Value)> {
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

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
}
