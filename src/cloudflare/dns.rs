//! DNS records (`/zones/{id}/dns_records`).

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Client;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DnsRecord {
    pub id: String,
    #[serde(rename = "type")]
    pub record_type: String,
    pub name: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub proxied: Option<bool>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Every record (any type) named exactly `name`.
pub async fn by_name(c: &Client, zone: &str, name: &str) -> Result<Vec<DnsRecord>> {
    let records: Vec<DnsRecord> = c
        .list(
            &format!("/zones/{zone}/dns_records"),
            &[("name", name.to_string())],
            100,
        )
        .await?;
    Ok(records
        .into_iter()
        .filter(|r| r.name.eq_ignore_ascii_case(name))
        .collect())
}

pub async fn create(c: &Client, zone: &str, body: &Value) -> Result<DnsRecord> {
    c.post(&format!("/zones/{zone}/dns_records"), body).await
}

pub async fn patch(c: &Client, zone: &str, id: &str, body: &Value) -> Result<DnsRecord> {
    c.patch(&format!("/zones/{zone}/dns_records/{id}"), body)
        .await
}

pub async fn delete(c: &Client, zone: &str, id: &str) -> Result<()> {
    c.delete(&format!("/zones/{zone}/dns_records/{id}")).await
}
