//! A small client for the Cloudflare v4 REST API (reqwest + rustls, no SDK).
//!
//! One envelope type for every response, one error type that names the failing call
//! (`cloudflare: <code> <message> (<METHOD> <path>)`), retries with capped exponential backoff for
//! 5xx and network errors, `Retry-After` for 429, request timeouts and page-based listing.
//! The API token lives in [`ApiToken`], whose `Debug`/`Display` never show it; it is only ever
//! written into a sensitive `Authorization` header.

pub mod access;
pub mod dns;
pub mod names;
pub mod plan;
pub mod rulesets;
pub mod scope;
mod text;
pub mod tunnel_state;
pub mod tunnels;
pub mod waf_policy;
pub mod zones;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exit::usage;
use crate::output::Output;
use crate::platform::{Env, ProcessEnv};
use crate::settings::Settings;

/// Retries after the first attempt (5xx, network errors, 429).
const MAX_RETRIES: u32 = 4;
/// First backoff step; doubled each retry, capped at [`MAX_BACKOFF`].
const DEFAULT_RETRY_BASE_MS: u64 = 1000;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` we honour; longer waits fail instead of hanging a terminal.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A bound on listing, whatever the server says.
const MAX_PAGES: u32 = 1000;

/// An API token. Never printed: `Debug` and `Display` show `********`.
#[derive(Clone)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn new(token: impl Into<String>) -> Result<ApiToken> {
        let token = token.into().trim().to_string();
        if token.is_empty() {
            return Err(usage("the Cloudflare API token is empty"));
        }
        if HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            // Do not echo the value: it is a secret even when malformed.
            return Err(usage(
                "the Cloudflare API token contains characters not allowed in an HTTP header",
            ));
        }
        Ok(ApiToken(token))
    }

    fn header(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(********)")
    }
}

/// The API token from `--api-token-file`, `CLOUDFLARE_API_TOKEN` or the config file.
pub fn resolve_token(settings: &Settings, token_file: Option<&Path>) -> Result<ApiToken> {
    if let Some(path) = token_file {
        let text = crate::limits::read_to_string(path, crate::limits::SMALL_FILE, "token files")
            .map_err(|e| {
                usage(format!(
                    "cannot read API token file {}: {e}",
                    path.display()
                ))
            })?;
        return ApiToken::new(text);
    }
    match &settings.cloudflare_api_token {
        Some(token) => ApiToken::new(token.value.clone()),
        None => Err(usage(
            "no Cloudflare API token: set CLOUDFLARE_API_TOKEN, `api_token` in the [cloudflare] \
             section of the config file, or pass --api-token-file FILE",
        )),
    }
}

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

/// `result_info` of list endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResultInfo {
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub per_page: Option<u32>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub total_count: Option<u32>,
    #[serde(default)]
    pub total_pages: Option<u32>,
}

/// The envelope of every v4 response. `result` is absent on some DELETEs and null on failures.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<ApiMessage>,
    #[serde(default)]
    pub messages: Vec<ApiMessage>,
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub result_info: Option<ResultInfo>,
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

/// How often and how long to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    /// Per request, `TASKDB_CLOUDFLARE_TIMEOUT_SECS` (default 30).
    pub timeout: Duration,
}

impl RetryPolicy {
    /// `TASKDB_CLOUDFLARE_RETRY_BASE_MS` shortens the backoff (tests set it to a few ms).
    pub fn from_env(env: &dyn Env) -> Result<RetryPolicy> {
        let base = match env.get("TASKDB_CLOUDFLARE_RETRY_BASE_MS") {
            Some(v) => v.parse::<u64>().map_err(|_| {
                usage(format!(
                    "TASKDB_CLOUDFLARE_RETRY_BASE_MS must be a whole number of milliseconds, got {v:?}"
                ))
            })?,
            None => DEFAULT_RETRY_BASE_MS,
        };
        let timeout = match env.get("TASKDB_CLOUDFLARE_TIMEOUT_SECS") {
            Some(v) => match v.parse::<u64>() {
                Ok(secs) if secs > 0 => secs,
                _ => {
                    return Err(usage(format!(
                        "TASKDB_CLOUDFLARE_TIMEOUT_SECS must be a positive number of seconds, got {v:?}"
                    )))
                }
            },
            None => DEFAULT_REQUEST_TIMEOUT_SECS,
        };
        Ok(RetryPolicy {
            max_retries: MAX_RETRIES,
            base: Duration::from_millis(base),
            timeout: Duration::from_secs(timeout),
        })
    }

    /// The wait before retry number `attempt` (0-based): base·2^attempt, capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(MAX_BACKOFF)
    }
}

/// The Cloudflare API client.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: ApiToken,
    retry: RetryPolicy,
    out: Output,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token)
            .finish()
    }
}

impl Client {
    pub fn new(base_url: &str, token: ApiToken, out: Output) -> Result<Client> {
        let retry = RetryPolicy::from_env(&ProcessEnv)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(retry.timeout)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("taskdb/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client")?;
        let base = base_url.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(usage(format!(
                "the Cloudflare base URL must start with https:// (got {base:?})"
            )));
        }
        Ok(Client {
            http,
            base,
            token,
            retry,
            out,
        })
    }

    /// A client from the settings (base URL) and the resolved token.
    pub fn from_settings(
        settings: &Settings,
        token_file: Option<&Path>,
        out: &Output,
    ) -> Result<Client> {
        let token = resolve_token(settings, token_file)?;
        Client::new(&settings.cloudflare_base_url.value, token, out.clone())
    }

    /// Send one call with retries; returns the envelope of a successful response.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Envelope> {
        let url = format!("{}{}", self.base, path);
        // Retrying a POST after a 5xx could create twice; 429s are refused before any work.
        let idempotent = method != Method::POST;
        let mut attempt = 0u32;
        loop {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.token.header());
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(body) = body {
                req = req.json(body);
            }
            self.out.debug(1, format!("cloudflare: {method} {path}"));
            let response = match req.send().await {
                Ok(r) => r,
                Err(err) => {
                    let retryable = idempotent || err.is_connect();
                    if retryable && attempt < self.retry.max_retries {
                        let wait = self.retry.backoff(attempt);
                        self.out.debug(
                            1,
                            format!(
                                "cloudflare: {method} {path}: {}; retrying in {:?}",
                                err.without_url(),
                                wait
                            ),
                        );
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Err(network_error(&method, path, err, self.retry.timeout));
                }
            };
            let status = response.status();
            self.out.debug(
                2,
                format!("cloudflare: {method} {path} -> {}", status.as_u16()),
            );
            if status.as_u16() == 429 && attempt < self.retry.max_retries {
                let wait = retry_after(response.headers().get(RETRY_AFTER))
                    .unwrap_or_else(|| self.retry.backoff(attempt));
                if wait <= MAX_RETRY_AFTER {
                    self.out.note(format!(
                        "cloudflare: rate limited; waiting {}s as the API asks",
                        wait.as_secs_f64().ceil()
                    ));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                    continue;
                }
            }
            if status.is_server_error() && idempotent && attempt < self.retry.max_retries {
                let wait = self.retry.backoff(attempt);
                self.out.debug(
                    1,
                    format!(
                        "cloudflare: {method} {path} -> {}; retrying in {wait:?}",
                        status.as_u16()
                    ),
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(err) => return Err(network_error(&method, path, err, self.retry.timeout)),
            };
            let envelope: Option<Envelope> = serde_json::from_slice(&bytes).ok();
            return match envelope {
                Some(env) if env.success && status.is_success() => Ok(env),
                Some(env) => Err(ApiError {
                    status: status.as_u16(),
                    method: method.to_string(),
                    path: path.to_string(),
                    errors: env.errors.iter().map(|e| self.clean(e)).collect(),
                }
                .into()),
                None => Err(ApiError {
                    status: status.as_u16(),
                    method: method.to_string(),
                    path: path.to_string(),
                    errors: Vec::new(),
                }
                .into()),
            };
        }
    }

    /// An error item as it may be printed: the token masked, control characters escaped.
    fn clean(&self, item: &ApiMessage) -> ApiMessage {
        ApiMessage {
            code: item.code,
            message: text::clean(&item.message, &self.token.0),
            error_chain: item.error_chain.iter().map(|c| self.clean(c)).collect(),
        }
    }

    /// `result` as `T`. serde's message may quote a value from the response: it is cleaned too.
    fn decode<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        result: Option<Value>,
    ) -> Result<T> {
        serde_json::from_value(result.unwrap_or(Value::Null)).map_err(|e| {
            anyhow::anyhow!(
                "cloudflare: unexpected response shape: {} ({method} {path})",
                text::clean(&e.to_string(), &self.token.0)
            )
        })
    }

    /// GET and decode `result`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let env = self.call(Method::GET, path, query, None).await?;
        self.decode("GET", path, env.result)
    }

    /// GET that maps 404 to `None`.
    pub async fn get_opt<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<T>> {
        match self.call(Method::GET, path, query, None).await {
            Ok(env) => self.decode("GET", path, env.result).map(Some),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every item of a page-based list endpoint.
    pub async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        per_page: u32,
    ) -> Result<Vec<T>> {
        let mut items: Vec<Value> = Vec::new();
        let mut page = 1u32;
        let mut previous_first: Option<Value> = None;
        loop {
            let mut q: Vec<(&str, String)> = query.to_vec();
            q.push(("page", page.to_string()));
            q.push(("per_page", per_page.to_string()));
            let env = self.call(Method::GET, path, &q, None).await?;
            let batch: Vec<Value> = self.decode("GET", path, env.result)?;
            // An endpoint that ignores `page` sends the same page again: stop there.
            if page > 1 && !batch.is_empty() && batch.first() == previous_first.as_ref() {
                break;
            }
            previous_first = batch.first().cloned();
            let n = batch.len() as u64;
            items.extend(batch);
            let info = env.result_info.unwrap_or_default();
            let more = match (info.total_pages, info.total_count) {
                (Some(total), _) => page < total,
                (None, Some(count)) => u64::from(page) * u64::from(per_page) < u64::from(count),
                // No paging information: a full page may have a successor.
                (None, None) => n == u64::from(per_page),
            };
            if !more || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
        self.decode("GET", path, Some(Value::Array(items)))
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        let env = self.call(Method::POST, path, &[], Some(body)).await?;
        self.decode("POST", path, env.result)
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        let env = self.call(Method::PUT, path, &[], Some(body)).await?;
        self.decode("PUT", path, env.result)
    }

    pub async fn patch<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        let env = self.call(Method::PATCH, path, &[], Some(body)).await?;
        self.decode("PATCH", path, env.result)
    }

    /// DELETE; a 404 counts as done (deleting what is already gone succeeds).
    pub async fn delete(&self, path: &str) -> Result<()> {
        match self.call(Method::DELETE, path, &[], None).await {
            Ok(_) => Ok(()),
            Err(err) if is_not_found(&err) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

fn network_error(
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

/// `Retry-After` as seconds (the API sends seconds; HTTP dates are not used by Cloudflare).
fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_never_formatted() {
        let t = ApiToken::new("super-secret-value").unwrap();
        assert!(!format!("{t:?}").contains("super-secret"));
        assert!(ApiToken::new("bad\ntoken").is_err());
        let err = ApiToken::new("bad\ntoken").unwrap_err().to_string();
        assert!(!err.contains("bad"), "{err}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 4,
            base: Duration::from_millis(1000),
            timeout: Duration::from_secs(30),
        };
        assert_eq!(p.backoff(0), Duration::from_secs(1));
        assert_eq!(p.backoff(3), Duration::from_secs(8));
        assert_eq!(p.backoff(10), MAX_BACKOFF);
        assert_eq!(p.backoff(40), MAX_BACKOFF);
    }

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

    #[test]
    fn retry_after_parses_seconds() {
        assert_eq!(
            retry_after(Some(&HeaderValue::from_static("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_after(Some(&HeaderValue::from_static("soon"))), None);
        assert_eq!(retry_after(None), None);
    }
}
