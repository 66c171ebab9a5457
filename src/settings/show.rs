//! `taskdb config show`: every effective setting as a (key, value, source) row, secrets
//! redacted, defaults named as such.

use serde::Serialize;

use super::{
    redact, DatabaseTarget, Settings, Source, Sourced, ThresholdValue,
    DEFAULT_API_LOGS_RETENTION_DAYS, DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_HEALTH_ALERT_COOLDOWN,
    DEFAULT_HEALTH_TIMEOUT, DEFAULT_MAINTAIN_MONTHS_AHEAD, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_METRICS_RETENTION_DAYS, DEFAULT_RECONNECT_FOR, DEFAULT_TASK_LEASE,
};

/// One row of `taskdb config show`.
#[derive(Debug, Clone, Serialize)]
pub struct SettingEntry {
    pub key: String,
    pub value: String,
    pub source: String,
}

impl crate::output::Row for SettingEntry {
    fn columns() -> &'static [&'static str] {
        &["key", "value", "source"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.key.clone(), self.value.clone(), self.source.clone()]
    }
}

/// The rows being collected.
#[derive(Default)]
struct Rows(Vec<SettingEntry>);

impl Rows {
    fn push(&mut self, key: &str, value: String, source: &Source) {
        self.0.push(SettingEntry {
            key: key.to_string(),
            value,
            source: source.to_string(),
        });
    }

    fn sourced(&mut self, key: &str, s: &Sourced<impl ToString>) {
        self.push(key, s.value.to_string(), &s.source);
    }

    /// A value that may be unset: "(not set)" from the defaults then.
    fn optional(&mut self, key: &str, s: &Option<Sourced<String>>, show: impl Fn(&str) -> String) {
        match s {
            Some(s) => self.push(key, show(&s.value), &s.source),
            None => self.push(key, "(not set)".into(), &Source::Default),
        }
    }

    /// A libpq key: the password is masked.
    fn libpq(&mut self, key: &str, value: &str, var: &str) {
        let shown = if key == "password" {
            redact::MASK.to_string()
        } else {
            value.to_string()
        };
        self.push(
            &format!("database.{key}"),
            shown,
            &Source::Env(var.to_string()),
        );
    }

    /// A value only the file sets, else its default.
    fn file_value(&mut self, key: &str, value: Option<String>, default: String, file: &Source) {
        match value {
            Some(v) => self.push(key, v, file),
            None => self.push(key, default, &Source::Default),
        }
    }
}

impl Settings {
    /// Every effective setting as (key, display value, source), secrets redacted.
    pub fn entries(&self) -> Vec<SettingEntry> {
        let mut rows = Rows::default();
        rows.push(
            "config_file",
            self.config_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none)".into()),
            &Source::Default,
        );
        self.database_entries(&mut rows);
        rows.sourced("database.connect_timeout", &self.connect_timeout);
        rows.sourced("database.read_only", &self.read_only);
        rows.sourced("database.listen_url", &self.listen);
        rows.push(
            "database.poll_interval",
            super::show_interval(self.poll_interval.value),
            &self.poll_interval.source,
        );
        let path = |s: &Sourced<std::path::PathBuf>| Sourced {
            value: s.value.display().to_string(),
            source: s.source.clone(),
        };
        rows.sourced("local.data_dir", &path(&self.local_data_dir));
        rows.sourced("backup.dir", &path(&self.backup_dir));
        rows.push(
            "backup.encrypt_to",
            super::show_recipients(&self.backup_encrypt_to.value),
            &self.backup_encrypt_to.source,
        );
        rows.sourced("migrate.lock_timeout", &self.migrate_lock_timeout);
        rows.sourced("migrate.lock_wait", &self.migrate_lock_wait);
        rows.sourced("actor", &self.actor);
        rows.optional("cloudflare.api_token", &self.cloudflare_api_token, |_| {
            redact::MASK.into()
        });
        rows.optional("cloudflare.account_id", &self.cloudflare_account_id, |v| {
            v.into()
        });
        rows.optional("cloudflare.zone_id", &self.cloudflare_zone_id, |v| v.into());
        rows.sourced("cloudflare.base_url", &self.cloudflare_base_url);
        rows.optional(
            "health.alert_webhook",
            &self.health_alert_webhook,
            redact::url,
        );
        self.file_section_entries(&mut rows);
        rows.0
    }

    /// `database.*`: the connection string, or the libpq variables it was built from.
    fn database_entries(&self, rows: &mut Rows) {
        match &self.database {
            DatabaseTarget::Conninfo(s) => {
                rows.push("database.url", redact::conninfo(&s.value), &s.source);
                // PG* variables fill keys the connection string leaves out (as in libpq).
                let given = crate::conninfo::parse(&s.value).unwrap_or_default();
                for (key, (value, var)) in &self.libpq_defaults {
                    if !given.contains(key) {
                        rows.libpq(key, value, var);
                    }
                }
            }
            DatabaseTarget::Environment(vars) => {
                for (key, (value, var)) in vars {
                    rows.libpq(key, value, var);
                }
            }
            DatabaseTarget::Local => rows.push(
                "database.url",
                "(managed local cluster)".into(),
                &Source::Default,
            ),
        }
    }

    /// `[health]`, `[tasks]` and `[maintain]`, which only the file (or the defaults) set.
    fn file_section_entries(&self, rows: &mut Rows) {
        let file_src = super::file_source(self.config_file.as_deref());
        let h = &self.file.health;
        rows.file_value(
            "health.timeout",
            h.timeout.clone(),
            DEFAULT_HEALTH_TIMEOUT.into(),
            &file_src,
        );
        rows.file_value(
            "health.alert_cooldown",
            h.alert_cooldown.clone(),
            DEFAULT_HEALTH_ALERT_COOLDOWN.into(),
            &file_src,
        );
        if let Some(urls) = &h.patroni_url {
            let shown: Vec<String> = urls.split(',').map(|u| redact::url(u.trim())).collect();
            rows.push("health.patroni_url", shown.join(","), &file_src);
        }
        for (name, t) in &h.thresholds {
            let show = |v: &Option<ThresholdValue>| match v {
                Some(ThresholdValue::Number(n)) => n.to_string(),
                Some(ThresholdValue::Text(s)) => s.clone(),
                None => "(default)".into(),
            };
            rows.push(
                &format!("health.thresholds.{name}"),
                format!("warn={} crit={}", show(&t.warn), show(&t.crit)),
                &file_src,
            );
        }
        let t = &self.file.tasks;
        rows.file_value(
            "tasks.lease",
            t.lease.clone(),
            DEFAULT_TASK_LEASE.into(),
            &file_src,
        );
        rows.file_value(
            "tasks.max_attempts",
            t.max_attempts.map(|n| n.to_string()),
            DEFAULT_MAX_ATTEMPTS.to_string(),
            &file_src,
        );
        rows.file_value(
            "tasks.reconnect_for",
            t.reconnect_for.clone(),
            DEFAULT_RECONNECT_FOR.into(),
            &file_src,
        );
        let m = &self.file.maintain;
        for (key, value, default) in [
            (
                "maintain.months_ahead",
                m.months_ahead,
                DEFAULT_MAINTAIN_MONTHS_AHEAD,
            ),
            (
                "maintain.metrics_retention_days",
                m.metrics_retention_days,
                DEFAULT_METRICS_RETENTION_DAYS,
            ),
            (
                "maintain.api_logs_retention_days",
                m.api_logs_retention_days,
                DEFAULT_API_LOGS_RETENTION_DAYS,
            ),
            (
                "maintain.audit_retention_days",
                m.audit_retention_days,
                DEFAULT_AUDIT_RETENTION_DAYS,
            ),
        ] {
            rows.file_value(
                key,
                value.map(|v| v.to_string()),
                default.to_string(),
                &file_src,
            );
        }
    }
}
