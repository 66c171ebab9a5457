//! Warning and critical thresholds: defaults, then `[health.thresholds.NAME]` in the config file,
//! then `--warn NAME=V` / `--crit NAME=V`. Every value is parsed here (not by clap) so that a bad
//! one is a health usage error (exit 3, UNKNOWN) with one clear line.

use std::collections::BTreeMap;

use super::{FileThreshold, ThresholdValue};
use crate::units::{parse_bytes, parse_duration, parse_ratio, Unit};

/// Which way is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Values at or above the threshold are bad (lag, age, usage).
    Higher,
    /// Values below the threshold are bad (hit ratio, standbys, uptime): `standbys=1` means "at least one".
    Lower,
}

/// A threshold that can be set, with its defaults.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    pub name: &'static str,
    pub probe: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub meaning: &'static str,
}

const MB: f64 = 1024.0 * 1024.0;

/// Every threshold, in probe order. README's probes table mirrors this.
pub const DEFS: &[Def] = &[
    Def {
        name: "connect_time",
        probe: "connect",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: Some(5.0),
        meaning: "time to connect and run a query",
    },
    Def {
        name: "uptime",
        probe: "server",
        unit: Unit::Seconds,
        direction: Direction::Lower,
        warn: None,
        crit: None,
        meaning: "server uptime (a low value means a recent restart)",
    },
    Def {
        name: "connections",
        probe: "connections",
        unit: Unit::Ratio,
        direction: Direction::Higher,
        warn: Some(0.8),
        crit: Some(0.95),
        meaning: "client connections / (max_connections - reserved slots)",
    },
    Def {
        name: "hit_ratio",
        probe: "hit_ratio",
        unit: Unit::Ratio,
        direction: Direction::Lower,
        warn: Some(0.90),
        crit: Some(0.80),
        meaning: "buffer cache hit ratio of this database",
    },
    Def {
        name: "longest_transaction",
        probe: "longest_transaction",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(300.0),
        crit: Some(1800.0),
        meaning: "age of the oldest open transaction",
    },
    Def {
        name: "idle_in_transaction",
        probe: "idle_in_transaction",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(60.0),
        crit: Some(300.0),
        meaning: "longest time a session has sat idle inside a transaction",
    },
    Def {
        name: "blocked",
        probe: "blocked",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(10.0),
        crit: Some(60.0),
        meaning: "longest time a session has waited for a lock another session holds",
    },
    Def {
        name: "wraparound",
        probe: "wraparound",
        unit: Unit::Count,
        direction: Direction::Higher,
        warn: Some(1.3e9),
        crit: Some(1.4e9),
        meaning: "transaction-id (and multixact) age of the oldest database",
    },
    Def {
        name: "database_size",
        probe: "database_size",
        unit: Unit::Bytes,
        direction: Direction::Higher,
        warn: None,
        crit: None,
        meaning: "size of this database",
    },
    Def {
        name: "dead_tuples",
        probe: "dead_tuples",
        unit: Unit::Ratio,
        direction: Direction::Higher,
        warn: Some(0.2),
        crit: Some(0.5),
        meaning: "worst dead/(live+dead) tuple ratio of a table with >= 1000 rows",
    },
    Def {
        name: "bloat",
        probe: "bloat",
        unit: Unit::Ratio,
        direction: Direction::Higher,
        warn: Some(0.5),
        crit: Some(0.8),
        meaning: "worst wasted share of a table or index of at least 8 MiB",
    },
    Def {
        name: "invalid_indexes",
        probe: "invalid_indexes",
        unit: Unit::Count,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: None,
        meaning: "indexes left INVALID (an interrupted concurrent build)",
    },
    Def {
        name: "sequences",
        probe: "sequences",
        unit: Unit::Ratio,
        direction: Direction::Higher,
        warn: Some(0.85),
        crit: Some(0.95),
        meaning: "used share of the sequence (or its column's type) closest to exhaustion",
    },
    Def {
        name: "checkpoints",
        probe: "checkpoints",
        unit: Unit::Ratio,
        direction: Direction::Higher,
        warn: Some(0.5),
        crit: None,
        meaning: "share of checkpoints requested (WAL volume, CHECKPOINT) rather than timed",
    },
    Def {
        name: "archive_failures",
        probe: "archiver",
        unit: Unit::Count,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: None,
        meaning: "WAL archiving failures since the last recorded run (failing now is CRITICAL)",
    },
    Def {
        name: "archive_age",
        probe: "archiver",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: None,
        crit: None,
        meaning: "time since the last WAL segment was archived (set above archive_timeout)",
    },
    Def {
        name: "replication_lag",
        probe: "replication",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(30.0),
        crit: Some(300.0),
        meaning: "replay lag in seconds (each standby, or this standby)",
    },
    Def {
        name: "replication_lag_bytes",
        probe: "replication",
        unit: Unit::Bytes,
        direction: Direction::Higher,
        warn: Some(64.0 * MB),
        crit: Some(1024.0 * MB),
        meaning: "replay lag in bytes of WAL",
    },
    Def {
        name: "standbys",
        probe: "replication",
        unit: Unit::Count,
        direction: Direction::Lower,
        warn: None,
        crit: None,
        meaning: "streaming standbys a primary must have (e.g. --crit standbys=1)",
    },
    Def {
        name: "pending_restart",
        probe: "pending_restart",
        unit: Unit::Count,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: None,
        meaning: "settings changed that take effect only after a restart",
    },
    Def {
        name: "backup_age",
        probe: "backup_age",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(26.0 * 3600.0),
        crit: Some(50.0 * 3600.0),
        meaning: "age of the newest intact backup of this database in backup.dir",
    },
    Def {
        name: "patroni_lag",
        probe: "patroni",
        unit: Unit::Bytes,
        direction: Direction::Higher,
        warn: Some(MB),
        crit: Some(64.0 * MB),
        meaning: "bytes a streaming replica is behind the Patroni leader (1MB: Patroni's default maximum_lag_on_failover)",
    },
    Def {
        name: "patroni_replicas",
        probe: "patroni",
        unit: Unit::Count,
        direction: Direction::Lower,
        warn: Some(1.0),
        crit: None,
        meaning: "replicas streaming from the Patroni leader (e.g. --warn patroni_replicas=2 for 3 nodes)",
    },
    Def {
        name: "stuck_workflows",
        probe: "stuck_workflows",
        unit: Unit::Count,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: Some(10.0),
        meaning: "running workflows past their timeout_minutes",
    },
    Def {
        name: "metrics_freshness",
        probe: "metrics_freshness",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(900.0),
        crit: Some(3600.0),
        meaning: "age of the newest row in system_metrics",
    },
    Def {
        name: "slow_queries",
        probe: "slow_queries",
        unit: Unit::Seconds,
        direction: Direction::Higher,
        warn: Some(1.0),
        crit: None,
        meaning: "highest mean execution time of a statement (pg_stat_statements, >= 5 calls)",
    },
    Def {
        name: "role_expiry",
        probe: "security",
        unit: Unit::Seconds,
        direction: Direction::Lower,
        warn: Some(7.0 * 86_400.0),
        crit: None,
        meaning: "time until a login role's VALID UNTIL (security probe's expiring_roles)",
    },
];

pub fn def(name: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.name == name)
}

/// Which threshold a value crosses (health turns it into a Nagios state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    None,
    Warn,
    Crit,
}

/// The effective thresholds of this run.
#[derive(Debug, Clone)]
pub struct Thresholds {
    values: BTreeMap<&'static str, (Option<f64>, Option<f64>)>,
}

#[derive(Clone, Copy)]
enum Level {
    Warn,
    Crit,
}

impl Thresholds {
    pub fn defaults() -> Thresholds {
        Thresholds {
            values: DEFS.iter().map(|d| (d.name, (d.warn, d.crit))).collect(),
        }
    }

    /// Defaults, overridden by the config file, overridden by flags. Errors are one line.
    pub fn build(
        file: &BTreeMap<String, FileThreshold>,
        warn_flags: &[String],
        crit_flags: &[String],
    ) -> Result<Thresholds, String> {
        let mut t = Thresholds::defaults();
        for (name, ft) in file {
            let d = def(name).ok_or_else(|| {
                format!(
                    "config [health.thresholds.{name}]: unknown threshold (known: {})",
                    names()
                )
            })?;
            let ctx = format!("config [health.thresholds.{name}]");
            if let Some(v) = &ft.warn {
                t.set(
                    d,
                    Level::Warn,
                    parse_value(d, &v.as_text()).map_err(|e| format!("{ctx} warn: {e}"))?,
                );
            }
            if let Some(v) = &ft.crit {
                t.set(
                    d,
                    Level::Crit,
                    parse_value(d, &v.as_text()).map_err(|e| format!("{ctx} crit: {e}"))?,
                );
            }
        }
        for (flag, level, list) in [
            ("--warn", Level::Warn, warn_flags),
            ("--crit", Level::Crit, crit_flags),
        ] {
            for item in list {
                let (name, value) = item.split_once('=').ok_or_else(|| {
                    format!("{flag} {item:?}: expected NAME=VALUE (e.g. {flag} connections=80%)")
                })?;
                let d = def(name.trim()).ok_or_else(|| {
                    format!(
                        "{flag} {item:?}: unknown threshold {name:?} (known: {})",
                        names()
                    )
                })?;
                let v = parse_value(d, value).map_err(|e| format!("{flag} {item:?}: {e}"))?;
                t.set(d, level, v);
            }
        }
        t.check_order()?;
        Ok(t)
    }

    fn set(&mut self, d: &Def, level: Level, value: Option<f64>) {
        let entry = self.values.entry(d.name).or_insert((None, None));
        match level {
            Level::Warn => entry.0 = value,
            Level::Crit => entry.1 = value,
        }
    }

    /// A critical threshold must be at least as bad as the warning one.
    fn check_order(&self) -> Result<(), String> {
        for d in DEFS {
            let (warn, crit) = self.get(d.name);
            if let (Some(w), Some(c)) = (warn, crit) {
                let wrong = match d.direction {
                    Direction::Higher => c < w,
                    Direction::Lower => c > w,
                };
                if wrong {
                    let rel = match d.direction {
                        Direction::Higher => "below",
                        Direction::Lower => "above",
                    };
                    return Err(format!(
                        "threshold {}: crit {} is {rel} warn {} (higher values are {}; crit must be the worse one)",
                        d.name,
                        d.unit.show(c),
                        d.unit.show(w),
                        match d.direction {
                            Direction::Higher => "worse",
                            Direction::Lower => "better",
                        }
                    ));
                }
            }
        }
        Ok(())
    }

    /// (warn, crit) for a threshold name.
    pub fn get(&self, name: &str) -> (Option<f64>, Option<f64>) {
        self.values.get(name).copied().unwrap_or((None, None))
    }

    /// Which threshold (if any) `value` crosses for threshold `name`.
    pub fn breach(&self, name: &str, value: f64) -> Breach {
        let Some(d) = def(name) else {
            return Breach::None;
        };
        let (warn, crit) = self.get(name);
        let bad = |limit: Option<f64>| match (limit, d.direction) {
            (Some(l), Direction::Higher) => value >= l,
            (Some(l), Direction::Lower) => value < l,
            (None, _) => false,
        };
        if bad(crit) {
            Breach::Crit
        } else if bad(warn) {
            Breach::Warn
        } else {
            Breach::None
        }
    }
}

fn names() -> String {
    DEFS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
}

/// Parse one threshold value in the unit of its definition; `off`/`none` disables it.
fn parse_value(d: &Def, text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("off") || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let v = match d.unit {
        Unit::Seconds => parse_duration(t)?.as_secs_f64(),
        Unit::Bytes => parse_bytes(t)?,
        Unit::Ratio => parse_ratio(t)?,
        Unit::Count => {
            let v: f64 = t.parse().map_err(|_| format!("{t:?} is not a number"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!("{t:?} must be a number >= 0"));
            }
            v
        }
    };
    Ok(Some(v))
}

impl ThresholdValue {
    fn as_text(&self) -> String {
        match self {
            ThresholdValue::Number(n) => n.to_string(),
            ThresholdValue::Text(s) => s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_override_defaults_and_states_follow_direction() {
        let t = Thresholds::build(
            &BTreeMap::new(),
            &flags(&["idle_in_transaction=2s", "hit_ratio=95%"]),
            &flags(&["idle_in_transaction=1m"]),
        )
        .unwrap();
        assert_eq!(t.get("idle_in_transaction"), (Some(2.0), Some(60.0)));
        assert_eq!(t.breach("idle_in_transaction", 1.0), Breach::None);
        assert_eq!(t.breach("idle_in_transaction", 2.0), Breach::Warn);
        assert_eq!(t.breach("idle_in_transaction", 61.0), Breach::Crit);
        assert_eq!(t.breach("hit_ratio", 0.99), Breach::None);
        assert_eq!(t.breach("hit_ratio", 0.93), Breach::Warn);
        assert_eq!(t.breach("hit_ratio", 0.5), Breach::Crit);
        assert_eq!(t.breach("database_size", 1e15), Breach::None);
    }

    #[test]
    fn bad_values_are_one_line_errors() {
        let e = Thresholds::build(&BTreeMap::new(), &flags(&["connections=abc"]), &[]).unwrap_err();
        assert!(
            e.contains("connections=abc") && e.contains("not a ratio"),
            "{e}"
        );
        let e = Thresholds::build(&BTreeMap::new(), &flags(&["nosuch=1"]), &[]).unwrap_err();
        assert!(e.contains("unknown threshold"), "{e}");
        let e = Thresholds::build(&BTreeMap::new(), &flags(&["connections"]), &[]).unwrap_err();
        assert!(e.contains("NAME=VALUE"), "{e}");
        let e = Thresholds::build(
            &BTreeMap::new(),
            &flags(&["connections=90%"]),
            &flags(&["connections=50%"]),
        )
        .unwrap_err();
        assert!(e.contains("crit 50.0% is below warn 90.0%"), "{e}");
        let e = Thresholds::build(&BTreeMap::new(), &[], &flags(&["hit_ratio=0.99"])).unwrap_err();
        assert!(e.contains("is above warn"), "{e}");
        // Off disables; the other bound stays.
        let t = Thresholds::build(&BTreeMap::new(), &flags(&["connections=off"]), &[]).unwrap();
        assert_eq!(t.get("connections"), (None, Some(0.95)));
    }
}
