//! What a failed call says: the API's error items with the call that failed and a hint (the
//! missing permission for a 403), or the network failure after the retries.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::text;

/// One `{code, message}` item of `errors` / `messages`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ApiMessage {
    #[serde(default)]
    pub code: u32,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub error_chain: Vec<ApiMessage>,
}

/// A failed API call: the HTTP status, Cloudflare's error items, and the call that failed.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub method: String,
    pub path: String,
    pub errors: Vec<ApiMessage>,
}

impl ApiError {
    /// True when any error item carries `code`.
    pub fn has_code(&self, code: u32) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    fn hint(&self) -> Option<String> {
        match self.status {
            401 if self.path.ends_with("/tokens/verify") => None,
            401 => Some("the API token is invalid, expired or revoked".into()),
            403 => Some(format!(
                "the API token lacks the \"{}\" permission",
                permission_for(&self.method, &self.path)
            )),
            429 => Some(
                "rate limited by the API (1200 requests per 5 minutes per token); try again in a few minutes"
                    .into(),
            ),
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cloudflare: ")?;
        if self.errors.is_empty() {
            write!(f, "HTTP {}", self.status)?;
        } else {
            let parts: Vec<String> = self
                .errors
                .iter()
                .map(|e| {
                    let mut s = format!("{} {}", e.code, e.message.trim());
                    for c in &e.error_chain {
                        s.push_str(&format!(" [{} {}]", c.code, c.message.trim()));
                    }
                    s
                })
                .collect();
            f.write_str(&parts.join("; "))?;
        }
        write!(f, " ({} {})", self.method, self.path)?;
        if let Some(hint) = self.hint() {
            write!(f, ": {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The permission group (as the dashboard names it) a call needs, for 403 messages.
pub fn permission_for(method: &str, path: &str) -> &'static str {
    let read = method == "GET";
    if path.contains("/cfd_tunnel") {
        if read {
            "Account: Cloudflare Tunnel Read"
        } else {
            "Account: Cloudflare Tunnel Edit"
        }
    } else if path.contains("/access/service_tokens") {
        if read {
            "Account: Access: Service Tokens Read"
        } else {
            "Account: Access: Service Tokens Edit"
        }
    } else if path.contains("/access/") {
        if read {
            "Account: Access: Apps and Policies Read"
        } else {
            "Account: Access: Apps and Policies Edit"
        }
    } else if path.contains("/dns_records") {
        if read {
            "Zone: DNS Read"
        } else {
            "Zone: DNS Edit"
        }
    } else if path.contains("/rulesets") {
        if read {
            "Zone: Zone WAF Read"
        } else {
            "Zone: Zone WAF Edit"
        }
    } else if path.contains("/settings") {
        if read {
            "Zone: Zone Settings Read"
        } else {
            "Zone: Zone Settings Edit"
        }
    } else if path.starts_with("/zones") {
        "Zone: Zone Read"
    } else if path == "/accounts" {
        "Account: Account Settings Read"
    } else {
        "the one this call requires"
    }
}

/// A network-level failure after the retries were used up.
#[derive(Debug)]
pub struct NetworkError {
    pub method: String,
    pub path: String,
    pub detail: String,
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cloudflare: request failed: {} ({} {})",
            self.detail, self.method, self.path
        )
    }
}

impl std::error::Error for NetworkError {}

pub(super) fn network_error(
    method: &Method,
    path: &str,
    err: reqwest::Error,
    timeout: Duration,
) -> anyhow::Error {
    let detail = if err.is_timeout() {
        format!("no answer within {}s", timeout.as_secs())
    } else {
        // The chain says why (connection refused, DNS, TLS); no URL, no headers.
        let mut chain = String::new();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            chain.push_str(&format!(": {s}"));
            source = s.source();
        }
        text::escape_controls(&format!("{}{chain}", err.without_url()))
    };
    NetworkError {
        method: method.to_string(),
        path: path.to_string(),
        detail,
    }
    .into()
}

/// True for an API 404 (missing entry point, deleted resource).
pub fn is_not_found(err: &anyhow::Error) -> bool {
    api_error(err).is_some_and(|e| e.status == 404)
}

/// The API error inside an anyhow error, if that is what it is.
pub fn api_error(err: &anyhow::Error) -> Option<&ApiError> {
    err.chain().find_map(|c| c.downcast_ref::<ApiError>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_code_message_call_and_permission() {
        let e = ApiError {
            status: 403,
            method: "POST".into(),
            path: "/zones/z/dns_records".into(),
            errors: vec![ApiMessage {
                code: 9109,
                message: "Unauthorized to access requested resource".into(),
                error_chain: vec![],
            }],
        };
        assert_eq!(
            e.to_string(),
            "cloudflare: 9109 Unauthorized to access requested resource (POST /zones/z/dns_records): \
             the API token lacks the \"Zone: DNS Edit\" permission"
        );
        assert!(e.has_code(9109));
    }
}
