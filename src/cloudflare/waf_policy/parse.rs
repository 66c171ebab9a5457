//! Reading a policy file: TOML into [`Policy`], then validation whose errors name the line and
//! the dotted key, so a bad file exits 2 before anything is read from the zone.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Result;

use super::{Managed, Policy, RateLimit};
use crate::cloudflare::names::validate_hostname;
use crate::exit::usage;

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
    /// The first problem of the policy, checked section by section in file order.
    pub fn validate(&self) -> std::result::Result<(), Invalid> {
        for h in &self.hostnames {
            if validate_hostname(h).is_err() {
                return Err(invalid(
                    "hostnames",
                    Some(h),
                    format!("{h:?} is not a hostname"),
                ));
            }
        }
        validate_managed(&self.managed)?;
        self.validate_rules()?;
        validate_rate_limit(&self.rate_limit)?;
        self.validate_tls()
    }

    /// `[rules]`: addresses and countries; an allowlist needs hostnames.
    fn validate_rules(&self) -> std::result::Result<(), Invalid> {
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
        Ok(())
    }

    /// `[tls]`: modes, versions, the settings to skip, HSTS.
    fn validate_tls(&self) -> std::result::Result<(), Invalid> {
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
}

/// `[managed]`: paranoia level, score threshold, OWASP action.
fn validate_managed(m: &Managed) -> std::result::Result<(), Invalid> {
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
    Ok(())
}

/// `[rate_limit]`: requests, period, mitigation timeout, action.
fn validate_rate_limit(r: &RateLimit) -> std::result::Result<(), Invalid> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_is_complete() {
        assert_eq!(COUNTRIES.split_whitespace().count(), 249 + 2);
        assert!(is_country("KP") && is_country("T1"));
        assert!(!is_country("ZZ") && !is_country("kp") && !is_country("USA"));
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
}
