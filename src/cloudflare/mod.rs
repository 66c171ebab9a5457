//! A small client for the Cloudflare v4 REST API (reqwest + rustls, no SDK).
//!
//! One envelope type for every response, one error type that names the failing call
//! (`cloudflare: <code> <message> (<METHOD> <path>)`), retries with capped exponential backoff for
//! 5xx and network errors, `Retry-After` for 429, request timeouts and page-based listing.
//! The API token lives in [`ApiToken`], whose `Debug`/`Display` never show it; it is only ever
//! written into a sensitive `Authorization` header.
//!
//! Here: `client` (calls, retries, decoding), `pagination` (list endpoints), `error` (what
//! a failure says), `token`; beside them one module per API (`access`, `dns`, `tunnels`,
//! `rulesets`, `zones`), and what taskdb plans with them (`plan`, `tunnel_plan`, `waf_policy`).

pub mod access;
mod client;
pub mod dns;
mod error;
pub mod names;
mod pagination;
pub mod plan;
pub mod rulesets;
pub mod scope;
mod text;
mod token;
pub mod tunnel_plan;
pub mod tunnel_state;
pub mod tunnels;
pub mod waf_policy;
pub mod zones;

pub use client::{Client, Envelope, ResultInfo, RetryPolicy};
pub use error::{api_error, is_not_found, permission_for, ApiError, ApiMessage, NetworkError};
pub use token::{resolve_token, ApiToken};
