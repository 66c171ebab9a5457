//! The API token: where it comes from (`--api-token-file`, `CLOUDFLARE_API_TOKEN`, the config
//! file) and a type whose `Debug` never shows it, written only into a sensitive
//! `Authorization` header.

use std::fmt;
use std::path::Path;

use anyhow::Result;
use reqwest::header::HeaderValue;

use crate::exit::usage;
use crate::settings::Settings;

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

    pub(super) fn header(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
        value.set_sensitive(true);
        value
    }

    /// The secret itself, for masking it in messages (never for printing).
    pub(super) fn secret(&self) -> &str {
        &self.0
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
}
