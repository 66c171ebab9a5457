//! The client: one call with retries (capped exponential backoff for 5xx and network errors,
//! `Retry-After` for 429), request timeouts, the response envelope and typed decoding.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::error::{is_not_found, network_error, ApiError, ApiMessage};
use super::text;
use super::token::{resolve_token, ApiToken};
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
            self.out.debug(
                2,
                format!(
                    "cloudflare: {method} {path} -> {}",
                    response.status().as_u16()
                ),
            );
            if let Some(wait) = self.retry_wait(&method, path, &response, idempotent, attempt) {
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            return self.envelope(&method, path, response).await;
        }
    }

    /// How long to wait before retrying a response (429 as the API asks, 5xx with backoff), or
    /// `None` when it is final.
    fn retry_wait(
        &self,
        method: &Method,
        path: &str,
        response: &reqwest::Response,
        idempotent: bool,
        attempt: u32,
    ) -> Option<Duration> {
        let status = response.status();
        if attempt >= self.retry.max_retries {
            return None;
        }
        if status.as_u16() == 429 {
            let wait = retry_after(response.headers().get(RETRY_AFTER))
                .unwrap_or_else(|| self.retry.backoff(attempt));
            if wait <= MAX_RETRY_AFTER {
                self.out.note(format!(
                    "cloudflare: rate limited; waiting {}s as the API asks",
                    wait.as_secs_f64().ceil()
                ));
                return Some(wait);
            }
        }
        if status.is_server_error() && idempotent {
            let wait = self.retry.backoff(attempt);
            self.out.debug(
                1,
                format!(
                    "cloudflare: {method} {path} -> {}; retrying in {wait:?}",
                    status.as_u16()
                ),
            );
            return Some(wait);
        }
        None
    }

    /// The envelope of a final response: `Ok` when it says success, else the [`ApiError`].
    async fn envelope(
        &self,
        method: &Method,
        path: &str,
        response: reqwest::Response,
    ) -> Result<Envelope> {
        let status = response.status();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(err) => return Err(network_error(method, path, err, self.retry.timeout)),
        };
        let envelope: Option<Envelope> = serde_json::from_slice(&bytes).ok();
        match envelope {
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
        }
    }

    /// An error item as it may be printed: the token masked, control characters escaped.
    fn clean(&self, item: &ApiMessage) -> ApiMessage {
        ApiMessage {
            code: item.code,
            message: text::clean(&item.message, self.token.secret()),
            error_chain: item.error_chain.iter().map(|c| self.clean(c)).collect(),
        }
    }

    /// `result` as `T`. serde's message may quote a value from the response: it is cleaned too.
    pub(super) fn decode<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        result: Option<Value>,
    ) -> Result<T> {
        serde_json::from_value(result.unwrap_or(Value::Null)).map_err(|e| {
            anyhow::anyhow!(
                "cloudflare: unexpected response shape: {} ({method} {path})",
                text::clean(&e.to_string(), self.token.secret())
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

/// `Retry-After` as seconds (the API sends seconds; HTTP dates are not used by Cloudflare).
fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    let secs: f64 = value?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn retry_after_parses_seconds() {
        assert_eq!(
            retry_after(Some(&HeaderValue::from_static("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_after(Some(&HeaderValue::from_static("soon"))), None);
        assert_eq!(retry_after(None), None);
    }
}
