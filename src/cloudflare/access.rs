//! Cloudflare Access: applications, their policies, service tokens (`/accounts/{id}/access`).

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Client;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccessApp {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(rename = "type", default)]
    pub app_type: Option<String>,
    #[serde(default)]
    pub session_duration: Option<String>,
    #[serde(default)]
    pub aud: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccessPolicy {
    pub id: String,
    pub name: String,
    pub decision: String,
    #[serde(default)]
    pub include: Vec<Value>,
    #[serde(default)]
    pub precedence: Option<i64>,
}

/// A service token as listed (the secret is only ever in the create response).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServiceToken {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub client_id: Option<String>,
}

/// The create response of a service token; holds the secret, so no `Debug`.
#[derive(Deserialize)]
pub struct NewServiceToken {
    pub id: String,
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
}

fn base(account: &str) -> String {
    format!("/accounts/{account}/access")
}

/// The application whose domain is `hostname`.
pub async fn app_for_domain(
    c: &Client,
    account: &str,
    hostname: &str,
) -> Result<Option<AccessApp>> {
    // The 2024 API has no filters on this list; newer ones paginate: list all, filter here.
    let apps: Vec<AccessApp> = c.list(&format!("{}/apps", base(account)), &[], 100).await?;
    Ok(apps.into_iter().find(|a| {
        a.domain
            .as_deref()
            .is_some_and(|d| d.eq_ignore_ascii_case(hostname))
    }))
}

pub async fn create_app(c: &Client, account: &str, body: &Value) -> Result<AccessApp> {
    c.post(&format!("{}/apps", base(account)), body).await
}

pub async fn update_app(c: &Client, account: &str, id: &str, body: &Value) -> Result<AccessApp> {
    c.put(&format!("{}/apps/{id}", base(account)), body).await
}

pub async fn delete_app(c: &Client, account: &str, id: &str) -> Result<()> {
    c.delete(&format!("{}/apps/{id}", base(account))).await
}

pub async fn policies(c: &Client, account: &str, app: &str) -> Result<Vec<AccessPolicy>> {
    c.list(&format!("{}/apps/{app}/policies", base(account)), &[], 100)
        .await
}

pub async fn create_policy(
    c: &Client,
    account: &str,
    app: &str,
    body: &Value,
) -> Result<AccessPolicy> {
    c.post(&format!("{}/apps/{app}/policies", base(account)), body)
        .await
}

pub async fn update_policy(
    c: &Client,
    account: &str,
    app: &str,
    id: &str,
    body: &Value,
) -> Result<AccessPolicy> {
    c.put(&format!("{}/apps/{app}/policies/{id}", base(account)), body)
        .await
}

pub async fn delete_policy(c: &Client, account: &str, app: &str, id: &str) -> Result<()> {
    c.delete(&format!("{}/apps/{app}/policies/{id}", base(account)))
        .await
}

pub async fn service_token_by_name(
    c: &Client,
    account: &str,
    name: &str,
) -> Result<Option<ServiceToken>> {
    let tokens: Vec<ServiceToken> = c
        .list(&format!("{}/service_tokens", base(account)), &[], 100)
        .await?;
    Ok(tokens.into_iter().find(|t| t.name == name))
}

pub async fn create_service_token(
    c: &Client,
    account: &str,
    body: &Value,
) -> Result<NewServiceToken> {
    c.post(&format!("{}/service_tokens", base(account)), body)
        .await
}

pub async fn delete_service_token(c: &Client, account: &str, id: &str) -> Result<()> {
    c.delete(&format!("{}/service_tokens/{id}", base(account)))
        .await
}
