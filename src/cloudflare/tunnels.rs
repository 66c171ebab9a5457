//! Remotely-managed Cloudflare Tunnels (`/accounts/{id}/cfd_tunnel`).

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Client;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Tunnel {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub connections: Vec<Connection>,
    #[serde(default)]
    pub remote_config: Option<bool>,
    #[serde(default)]
    pub config_src: Option<String>,
}

/// One connection of a connector to a Cloudflare data centre.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Connection {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub colo_name: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_version: Option<String>,
    #[serde(default)]
    pub opened_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub origin_ip: Option<String>,
    #[serde(default)]
    pub is_pending_reconnect: Option<bool>,
}

/// A connector (one running cloudflared) and its connections.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Connector {
    pub id: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub arch: Option<String>,
    #[serde(default)]
    pub config_version: Option<i64>,
    #[serde(default)]
    pub run_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub conns: Vec<Connection>,
}

/// The remote configuration document.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Configuration {
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub config: Option<Value>,
}

fn base(account: &str) -> String {
    format!("/accounts/{account}/cfd_tunnel")
}

/// The live (not deleted) tunnel called `name`.
pub async fn find_by_name(c: &Client, account: &str, name: &str) -> Result<Option<Tunnel>> {
    let found: Vec<Tunnel> = c
        .list(
            &base(account),
            &[
                ("name", name.to_string()),
                ("is_deleted", "false".to_string()),
            ],
            100,
        )
        .await?;
    Ok(found
        .into_iter()
        .find(|t| t.name == name && t.deleted_at.is_none()))
}

pub async fn create(c: &Client, account: &str, name: &str) -> Result<Tunnel> {
    c.post(
        &base(account),
        &json!({ "name": name, "config_src": "cloudflare" }),
    )
    .await
}

pub async fn get_configuration(
    c: &Client,
    account: &str,
    id: &str,
) -> Result<Option<Configuration>> {
    c.get_opt(&format!("{}/{id}/configurations", base(account)), &[])
        .await
}

pub async fn put_configuration(
    c: &Client,
    account: &str,
    id: &str,
    config: &Value,
) -> Result<Configuration> {
    c.put(
        &format!("{}/{id}/configurations", base(account)),
        &json!({ "config": config }),
    )
    .await
}

/// The connector token (a bare string result). A secret: never log it.
pub async fn token(c: &Client, account: &str, id: &str) -> Result<String> {
    c.get(&format!("{}/{id}/token", base(account)), &[]).await
}

pub async fn connectors(c: &Client, account: &str, id: &str) -> Result<Vec<Connector>> {
    let found: Option<Vec<Connector>> = c
        .get_opt(&format!("{}/{id}/connections", base(account)), &[])
        .await?;
    Ok(found.unwrap_or_default())
}

pub async fn delete_connections(c: &Client, account: &str, id: &str) -> Result<()> {
    c.delete(&format!("{}/{id}/connections", base(account)))
        .await
}

pub async fn delete(c: &Client, account: &str, id: &str) -> Result<()> {
    c.delete(&format!("{}/{id}", base(account))).await
}
