//! Which account and zone a command works in, after verifying the token: the configured
//! account, else the one the local state recorded, else the zone's, else the token's only one.

use anyhow::Result;

use super::zones::{self, Zone};
use super::{api_error, Client};
use crate::exit::usage;
use crate::settings::Settings;

/// How to find the zone.
pub enum ZoneBy<'a> {
    /// The zone of this hostname (longest matching suffix), unless CLOUDFLARE_ZONE_ID is set.
    Hostname(&'a str),
    /// A zone name given on the command line (beats CLOUDFLARE_ZONE_ID).
    Name(&'a str),
    /// Only CLOUDFLARE_ZONE_ID / config; no zone is fine.
    Settings,
}

pub struct Scope {
    pub account_id: String,
    pub zone: Option<Zone>,
}

/// Verify the token (user-owned, then account-owned), then settle the zone and the account.
pub async fn resolve(
    c: &Client,
    settings: &Settings,
    zone_by: ZoneBy<'_>,
    account_hint: Option<&str>,
) -> Result<Scope> {
    let settings_account = settings
        .cloudflare_account_id
        .as_ref()
        .map(|s| s.value.clone())
        .or_else(|| account_hint.map(str::to_string));

    // User-owned tokens verify at /user; account-owned ones get a 401 there.
    let user_check = zones::verify_token_at(c, "/user/tokens/verify").await;
    let mut verified = false;
    let mut pending_401 = None;
    match user_check {
        Ok(()) => verified = true,
        Err(err) if api_error(&err).is_some_and(|e| e.status == 401) => {
            if let Some(account) = &settings_account {
                zones::verify_token_at(c, &format!("/accounts/{account}/tokens/verify")).await?;
                verified = true;
            } else {
                pending_401 = Some(err);
            }
        }
        Err(err) => return Err(err),
    }

    let zone_id = settings
        .cloudflare_zone_id
        .as_ref()
        .map(|s| s.value.clone());
    let zone_result = find_zone(c, &zone_by, zone_id.as_deref()).await;
    let zone = match zone_result {
        Ok(z) => z,
        // An invalid token: report the verify failure, not the zone lookup.
        Err(err) if pending_401.is_some() && api_error(&err).is_some_and(|e| e.status == 401) => {
            return Err(pending_401.unwrap_or(err));
        }
        Err(err) => return Err(err),
    };
    if let (ZoneBy::Hostname(host), Some(z)) = (&zone_by, &zone) {
        let host = host.to_ascii_lowercase();
        let zname = z.name.to_ascii_lowercase();
        if host != zname && !host.ends_with(&format!(".{zname}")) {
            return Err(usage(format!(
                "hostname {host} is not in zone {} (CLOUDFLARE_ZONE_ID); fix one of them",
                z.name
            )));
        }
    }
    let account_id = match (settings_account, &zone) {
        (Some(a), _) => a,
        (None, Some(z)) => z.account.id.clone(),
        (None, None) => match sole_account(c).await {
            Ok(id) => id,
            // An invalid token: report the verify failure, not the account listing.
            Err(err)
                if pending_401.is_some() && api_error(&err).is_some_and(|e| e.status == 401) =>
            {
                return Err(pending_401.unwrap_or(err));
            }
            Err(err) => return Err(err),
        },
    };
    if !verified {
        zones::verify_token_at(c, &format!("/accounts/{account_id}/tokens/verify")).await?;
    }
    Ok(Scope { account_id, zone })
}

/// Neither the settings, nor the local state, nor a zone say which account: the token's only
/// account, when it sees exactly one. Refused (exit 2) when it sees none or several, or may not
/// list them (an account-owned token, or one without "Account Settings Read").
async fn sole_account(c: &Client) -> Result<String> {
    const WHICH: &str = "cannot tell which Cloudflare account to use";
    let accounts = match zones::accounts(c).await {
        Ok(a) => a,
        Err(err) => {
            return match api_error(&err) {
                Some(e) if matches!(e.status, 400 | 403) || e.has_code(1001) => {
                    Err(usage(format!(
                "{WHICH}: set CLOUDFLARE_ACCOUNT_ID or pass --hostname (this token may not list \
                     its accounts: {e})"
            )))
                }
                _ => Err(err),
            }
        }
    };
    match accounts.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(usage(format!(
            "{WHICH}: this token sees no account; set CLOUDFLARE_ACCOUNT_ID or pass --hostname"
        ))),
        many => Err(usage(format!(
            "{WHICH}: this token sees {} accounts ({}); set CLOUDFLARE_ACCOUNT_ID to one of them \
             or pass --hostname",
            many.len(),
            many.iter()
                .map(|a| match &a.name {
                    Some(n) => format!("{} \"{}\"", a.id, super::text::escape_controls(n)),
                    None => a.id.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The zone `zone_by` names (`zone_id`: CLOUDFLARE_ZONE_ID or the config's).
async fn find_zone(
    c: &Client,
    zone_by: &ZoneBy<'_>,
    zone_id: Option<&str>,
) -> Result<Option<Zone>> {
    match zone_by {
        ZoneBy::Name(name) => zones::find_by_name(c, name).await.and_then(|z| {
            z.ok_or_else(|| {
                crate::exit::failed(format!(
                    "no Cloudflare zone named {name} is visible to this token; check the name and \
                     that the token has \"Zone: Zone Read\" on it"
                ))
            })
            .map(Some)
        }),
        ZoneBy::Hostname(host) => match zone_id {
            Some(id) => zones::get(c, id).await.map(Some),
            None => zones::for_hostname(c, host).await.map(Some),
        },
        ZoneBy::Settings => match zone_id {
            Some(id) => zones::get(c, id).await.map(Some),
            None => Ok(None),
        },
    }
}
