//! Zones (`/zones`), the token's accounts (`/accounts`), token verification and zone settings.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Client;
use crate::exit::failed;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AccountRef {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    pub account: AccountRef,
}

/// `result` of the token-verify endpoints.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenStatus {
    #[serde(default)]
    pub status: String,
}

/// One zone setting (`/zones/{id}/settings/{setting}`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ZoneSetting {
    pub id: String,
    pub value: Value,
    #[serde(default)]
    pub editable: Option<bool>,
}

/// The accounts a user-owned token can see (`GET /accounts`; an account-owned token is refused
/// there with code 1001).
pub async fn accounts(c: &Client) -> Result<Vec<AccountRef>> {
    c.list("/accounts", &[], 50).await
}

/// The zone called exactly `name`, if the token can see it.
pub async fn find_by_name(c: &Client, name: &str) -> Result<Option<Zone>> {
    let zones: Vec<Zone> = c.list("/zones", &[("name", name.to_string())], 50).await?;
    Ok(zones
        .into_iter()
        .find(|z| z.name.eq_ignore_ascii_case(name)))
}

pub async fn get(c: &Client, zone_id: &str) -> Result<Zone> {
    c.get(&format!("/zones/{zone_id}"), &[]).await
}

/// The zone a hostname belongs to: the longest suffix of it that is a zone the token can see.
pub async fn for_hostname(c: &Client, hostname: &str) -> Result<Zone> {
    let candidates = suffixes(hostname);
    for name in &candidates {
        if let Some(zone) = find_by_name(c, name).await? {
            return Ok(zone);
        }
    }
    Err(failed(format!(
        "no Cloudflare zone for {hostname} is visible to this token (tried {}); check the hostname, \
         and that the token has \"Zone: Zone Read\" on the zone (or set CLOUDFLARE_ZONE_ID)",
        candidates.join(", ")
    )))
}

/// Suffixes of a hostname with at least two labels, longest first.
pub fn suffixes(hostname: &str) -> Vec<String> {
    let labels: Vec<&str> = hostname.trim_end_matches('.').split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

/// Verify the token at one of the verify endpoints; it must be `active`.
pub async fn verify_token_at(c: &Client, path: &str) -> Result<()> {
    let status: TokenStatus = c.get(path, &[]).await?;
    if status.status != "active" {
        return Err(failed(format!(
            "cloudflare: the API token is {} (not active)",
            if status.status.is_empty() {
                "in an unknown state"
            } else {
                &status.status
            }
        )));
    }
    Ok(())
}

pub async fn get_setting(c: &Client, zone_id: &str, id: &str) -> Result<ZoneSetting> {
    c.get(&format!("/zones/{zone_id}/settings/{id}"), &[]).await
}

pub async fn patch_setting(
    c: &Client,
    zone_id: &str,
    id: &str,
    value: &Value,
) -> Result<ZoneSetting> {
    c.patch(
        &format!("/zones/{zone_id}/settings/{id}"),
        &json!({ "value": value }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_longest_first() {
        assert_eq!(
            suffixes("db.prod.example.co.uk"),
            vec![
                "db.prod.example.co.uk",
                "prod.example.co.uk",
                "example.co.uk",
                "co.uk"
            ]
        );
        assert_eq!(suffixes("example.com"), vec!["example.com"]);
        assert!(suffixes("localhost").is_empty());
    }
}
