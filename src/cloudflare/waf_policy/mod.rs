//! The WAF policy file (`taskdb waf apply --policy FILE`): what it may say and its secure
//! defaults (here); reading and validating it (`parse`); the rules and zone settings it stands
//! for (`rules`); and the merge into entry-point rule lists that keeps every rule taskdb does not
//! own (`merge`).
//!
//! taskdb's rules are recognised by `ref` (or description) starting with `taskdb:`.

use serde::Deserialize;

mod merge;
mod parse;
mod rules;

pub use merge::{is_owned, merge, Merge};
pub use parse::{is_country, load, parse, parse_ip_or_cidr, Invalid};

pub const OWNED_PREFIX: &str = "taskdb:";
pub const CLOUDFLARE_MANAGED_RULESET: &str = "efb7b8c949ac4650a09736fc376e9aee";
pub const OWASP_RULESET: &str = "4814384a9e5d4991b9815dcfc25d2f1f";
/// OWASP rule 949110 "Inbound Anomaly Score Exceeded": where the score threshold is set.
pub const OWASP_ANOMALY_RULE: &str = "6179ae15870a4bb7b2d480d4843b323c";

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
