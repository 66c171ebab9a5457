//! Checks of config-file values that serde's types cannot express (durations, thresholds, the
//! webhook URL, the poll interval, backup recipients), run when the file is read, so an invalid file is an error for every command
//! and not only for the one that uses the section. Errors name the line and the key.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::thresholds::Thresholds;
use super::{FileConfig, FileThreshold};

/// The `[health]` and `[database]` values again, with where they are in the text.
#[derive(Deserialize, Default)]
struct Doc {
    #[serde(default)]
    health: Health,
    #[serde(default)]
    tasks: Tasks,
    #[serde(default)]
    database: Database,
    #[serde(default)]
    backup: Backup,
}

#[derive(Deserialize, Default)]
struct Backup {
    encrypt_to: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
struct Tasks {
    lease: Option<Spanned<toml::Value>>,
    max_attempts: Option<Spanned<toml::Value>>,
    reconnect_for: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
struct Database {
    poll_interval: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
struct Health {
    timeout: Option<Spanned<toml::Value>>,
    alert_cooldown: Option<Spanned<toml::Value>>,
    alert_webhook: Option<Spanned<toml::Value>>,
    patroni_url: Option<Spanned<toml::Value>>,
    #[serde(default)]
    thresholds: BTreeMap<String, Spanned<Threshold>>,
}

#[derive(Deserialize)]
struct Threshold {
    warn: Option<Spanned<toml::Value>>,
    crit: Option<Spanned<toml::Value>>,
}

/// `Err(":LINE: key `KEY`: why")` for the value at `span`.
fn located(text: &str, span: std::ops::Range<usize>, key: &str, why: String) -> Result<(), String> {
    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
    Err(format!(":{line}: key `{key}`: {why}"))
}

/// `[tasks]`: lease, max_attempts, reconnect_for.
fn check_tasks(text: &str, file: &FileConfig, doc: &Doc) -> Result<(), String> {
    if let (Some(t), Some(s)) = (&file.tasks.lease, &doc.tasks.lease) {
        if let Err(e) = super::parse_lease(t) {
            return located(text, s.span(), "tasks.lease", e);
        }
    }
    if let (Some(n), Some(s)) = (file.tasks.max_attempts, &doc.tasks.max_attempts) {
        if let Err(e) = super::check_max_attempts(n) {
            return located(text, s.span(), "tasks.max_attempts", e);
        }
    }
    if let (Some(t), Some(s)) = (&file.tasks.reconnect_for, &doc.tasks.reconnect_for) {
        if let Err(e) = super::parse_wait(t) {
            return located(text, s.span(), "tasks.reconnect_for", e);
        }
    }
    Ok(())
}

/// The `patroni` probe's REST API base URLs (`--patroni-url`, `[health] patroni_url`): a
/// comma-separated list, tried in order, each `http://` or `https://`, a trailing `/` removed.
/// The error is one line without credentials.
pub fn parse_patroni_urls(text: &str) -> Result<Vec<String>, String> {
    let urls: Vec<String> = text
        .split(',')
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if urls.is_empty() {
        return Err("the Patroni URL is empty (e.g. http://db1:8008)".into());
    }
    for u in &urls {
        let scheme = u.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            return Err(format!(
                "the Patroni URL {} must start with http:// or https:// (e.g. http://db1:8008)",
                super::redact::url(u)
            ));
        }
    }
    Ok(urls)
}

/// Check a parsed file; the error reads `:LINE: key `KEY`: why` like a TOML error.
pub fn check(text: &str, file: &FileConfig) -> Result<(), String> {
    // The text already parsed into `file`, so it parses here too; the fallback is harmless.
    let doc: Doc = toml::from_str(text).unwrap_or_default();
    let at = |span: std::ops::Range<usize>, key: &str, why: String| located(text, span, key, why);
    check_tasks(text, file, &doc)?;
    if let (Some(t), Some(s)) = (&file.database.poll_interval, &doc.database.poll_interval) {
        if let Err(e) = super::parse_poll_interval(t) {
            return at(s.span(), "database.poll_interval", e);
        }
    }
    if let (Some(list), Some(s)) = (&file.backup.encrypt_to, &doc.backup.encrypt_to) {
        for (i, text) in list.iter().enumerate() {
            if let Err(e) = super::parse_recipient(text) {
                let which = if s.get_ref().is_array() {
                    format!("item {}: ", i + 1)
                } else {
                    String::new()
                };
                return at(s.span(), "backup.encrypt_to", format!("{which}{e}"));
            }
        }
    }
    let h = &file.health;
    if let (Some(t), Some(s)) = (&h.timeout, &doc.health.timeout) {
        if let Err(e) = super::parse_health_timeout(t) {
            return at(s.span(), "health.timeout", e);
        }
    }
    if let (Some(t), Some(s)) = (&h.alert_cooldown, &doc.health.alert_cooldown) {
        if let Err(e) = crate::units::parse_duration(t) {
            return at(s.span(), "health.alert_cooldown", e);
        }
    }
    if let (Some(urls), Some(s)) = (&h.patroni_url, &doc.health.patroni_url) {
        if let Err(e) = parse_patroni_urls(urls) {
            return at(s.span(), "health.patroni_url", e);
        }
    }
    if let (Some(url), Some(s)) = (&h.alert_webhook, &doc.health.alert_webhook) {
        if !super::is_webhook_url(url) {
            // Not echoed: a webhook URL carries its token.
            return at(
                s.span(),
                "health.alert_webhook",
                "must be an http:// or https:// URL".into(),
            );
        }
    }
    for (name, t) in &h.thresholds {
        let Some(spans) = doc.health.thresholds.get(name) else {
            continue;
        };
        if let Err(why) = threshold(name, t) {
            let key = format!("health.thresholds.{name}");
            let warn = spans.get_ref().warn.as_ref().map(|s| s.span());
            let crit = spans.get_ref().crit.as_ref().map(|s| s.span());
            // Blame the value that is wrong alone; warn and crit in the wrong order: crit.
            let alone = |ft: FileThreshold| threshold(name, &ft).is_err();
            let (span, key) = if warn.is_some()
                && alone(FileThreshold {
                    warn: t.warn.clone(),
                    crit: None,
                })
                && why.contains("] warn:")
            {
                (warn, format!("{key}.warn"))
            } else if let Some(c) = crit {
                (Some(c), format!("{key}.crit"))
            } else if warn.is_some() {
                (warn, format!("{key}.warn"))
            } else {
                (None, key)
            };
            return at(span.unwrap_or_else(|| spans.span()), &key, reason(&why));
        }
    }
    Ok(())
}

fn threshold(name: &str, t: &FileThreshold) -> Result<Thresholds, String> {
    Thresholds::build(&BTreeMap::from([(name.to_string(), t.clone())]), &[], &[])
}

/// The message without the `config [health.thresholds.NAME] warn:` prefix (the key is named).
fn reason(why: &str) -> String {
    match why.strip_prefix("config [") {
        Some(rest) => rest
            .split_once(']')
            .map(|(_, r)| r.trim_start_matches(" warn").trim_start_matches(" crit"))
            .map(|r| r.trim_start_matches(':').trim().to_string())
            .unwrap_or_else(|| why.to_string()),
        None => why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_config;
    use super::parse_patroni_urls;

    #[test]
    fn health_values_are_checked_with_line_and_key() {
        for (text, expect) in [
            (
                "[health]\ntimeout = \"soon\"\n",
                ":2: key `health.timeout`: ",
            ),
            (
                "[health]\n\ntimeout = \"5ms\"\n",
                ":3: key `health.timeout`: \"5ms\" is too short",
            ),
            (
                "[database]\nurl = \"postgres://h/d\"\npoll_interval = \"1ms\"\n",
                ":3: key `database.poll_interval`: \"1ms\" is too short",
            ),
            (
                "[health]\nalert_cooldown = \"x\"\n",
                ":2: key `health.alert_cooldown`",
            ),
            (
                "[health]\nalert_webhook = \"ftp://h/tok\"\n",
                ":2: key `health.alert_webhook`: must be an http",
            ),
            (
                "actor = \"a\"\n[health.thresholds.connections]\ncrit = \"90%\"\nwarn = \"lots\"\n",
                ":4: key `health.thresholds.connections.warn`: ",
            ),
            (
                "[health.thresholds.connections]\nwarn = \"90%\"\ncrit = \"80%\"\n",
                ":3: key `health.thresholds.connections.crit`: threshold connections: crit",
            ),
            (
                "[health.thresholds.nosuch]\nwarn = 1\n",
                ":2: key `health.thresholds.nosuch.warn`: unknown threshold",
            ),
        ] {
            let err = parse_config(text).unwrap_err();
            assert!(err.starts_with(expect), "{text:?}: {err}");
            assert!(!err.contains("tok"), "{err}");
        }
        // Backup recipients: the bad one is named by its line; a secret key is not echoed.
        let good = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
        parse_config(&format!("[backup]\nencrypt_to = [\"{good}\"]\n")).unwrap();
        parse_config(&format!("[backup]\nencrypt_to = \"{good}\"\n")).unwrap();
        let err = parse_config(&format!(
            "[backup]\nencrypt_to = [\n  \"{good}\",\n  \"age1nope\",\n]\n"
        ))
        .unwrap_err();
        assert!(
            err.starts_with(":2: key `backup.encrypt_to`: item 2: \"age1nope\" is not a valid"),
            "{err}"
        );
        let err = parse_config("[backup]\nencrypt_to = [\"x\", 5]\n").unwrap_err();
        assert!(err.starts_with(":2: key `backup.encrypt_to`: "), "{err}");
        let secret = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
        for text in [format!("[\"{secret}\"]"), format!("\"{secret}\"")] {
            let err = parse_config(&format!("[backup]\nencrypt_to = {text}\n")).unwrap_err();
            assert!(err.starts_with(":2: key `backup.encrypt_to`: "), "{err}");
            assert!(err.contains("secret key"), "{err}");
            assert!(!err.contains("GFPYYSJZ"), "{err}");
        }
        // Values that are only valid together are accepted.
        parse_config("[health.thresholds.connections]\nwarn = \"97%\"\ncrit = \"99%\"\n").unwrap();
        parse_config("[health]\ntimeout = \"20s\"\nalert_cooldown = \"15m\"\n").unwrap();
    }

    #[test]
    fn urls_are_a_checked_list() {
        assert_eq!(
            parse_patroni_urls(" http://a:8008/ , https://b:8008").unwrap(),
            vec!["http://a:8008", "https://b:8008"]
        );
        assert!(parse_patroni_urls(" , ").unwrap_err().contains("empty"));
        let e = parse_patroni_urls("db1:8008").unwrap_err();
        assert!(e.contains("http://"), "{e}");
        let e = parse_patroni_urls("ftp://u:secret@db1:8008").unwrap_err();
        assert!(!e.contains("secret"), "{e}");
    }
}
