//! Health probes for cron: what each probe measures (`probes`), how values become states
//! (`thresholds`), how results are printed (`render`) and how state changes are announced
//! (`alert`). The command itself (`commands::health`) wires them together.

pub mod alert;
pub mod check;
pub mod patroni;
pub mod probes;
pub mod render;
pub mod tunnel;

use serde::Serialize;

use crate::settings::thresholds::Breach;
pub use crate::units::Unit;

/// A Nagios state. The derive order is the severity order used for "the worst probe":
/// OK < WARNING < UNKNOWN < CRITICAL (a known fault outranks not knowing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Ok,
    Warning,
    Unknown,
    Critical,
}

impl State {
    /// The Nagios exit code / Prometheus value: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn code(self) -> u8 {
        match self {
            State::Ok => 0,
            State::Warning => 1,
            State::Critical => 2,
            State::Unknown => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        match text {
            "OK" => Some(State::Ok),
            "WARNING" => Some(State::Warning),
            "CRITICAL" => Some(State::Critical),
            "UNKNOWN" => Some(State::Unknown),
            _ => None,
        }
    }

    /// The seed's `/health` vocabulary.
    pub fn status_word(self) -> &'static str {
        match self {
            State::Ok => "healthy",
            State::Warning => "degraded",
            State::Critical => "unhealthy",
            State::Unknown => "unknown",
        }
    }
}

impl From<Breach> for State {
    fn from(b: Breach) -> State {
        match b {
            Breach::None => State::Ok,
            Breach::Warn => State::Warning,
            Breach::Crit => State::Critical,
        }
    }
}

/// One Prometheus sample a probe produced (also what `--record` stores).
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    /// Family name without the `taskdb_` prefix, base units in the name.
    pub name: &'static str,
    #[serde(skip)]
    pub help: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
    #[serde(skip)]
    pub unit: Unit,
}

impl Sample {
    /// Its Prometheus type (also stored as `system_metrics.metric_type`): names ending in
    /// `_total` are counters, everything else a gauge.
    pub fn kind(&self) -> &'static str {
        if self.name.ends_with("_total") {
            "counter"
        } else {
            "gauge"
        }
    }
}

/// The outcome of one probe.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub name: &'static str,
    pub state: State,
    /// The headline value the thresholds apply to (absent when the probe could not run).
    pub value: Option<f64>,
    pub unit: Unit,
    pub message: String,
    /// What to do about a WARNING/CRITICAL/UNKNOWN, when we know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub duration_seconds: f64,
    /// Probe-specific facts (who blocks whom, per-standby lag, …).
    pub details: serde_json::Value,
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

impl ProbeResult {
    pub fn new(name: &'static str, unit: Unit) -> ProbeResult {
        ProbeResult {
            name,
            state: State::Ok,
            value: None,
            unit,
            message: String::new(),
            hint: None,
            warn: None,
            crit: None,
            duration_seconds: 0.0,
            details: serde_json::Value::Null,
            samples: Vec::new(),
        }
    }

    /// A probe that could not run.
    pub fn unknown(
        name: &'static str,
        unit: Unit,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> ProbeResult {
        let mut r = ProbeResult::new(name, unit);
        r.state = State::Unknown;
        r.message = message.into();
        r.hint = hint;
        r
    }

    pub fn sample(
        &mut self,
        name: &'static str,
        help: &'static str,
        unit: Unit,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        self.samples.push(Sample {
            name,
            help,
            labels,
            value,
            unit,
        });
    }

    /// Raise the state (never lowers it).
    pub fn raise(&mut self, state: State) {
        self.state = self.state.max(state);
    }
}

/// The worst state of a set of probes (OK when there are none).
pub fn overall(results: &[ProbeResult]) -> State {
    results.iter().map(|r| r.state).max().unwrap_or(State::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_state_wins_with_critical_above_unknown() {
        let mut a = ProbeResult::new("a", Unit::Count);
        let mut b = ProbeResult::new("b", Unit::Count);
        assert_eq!(overall(&[a.clone(), b.clone()]), State::Ok);
        a.raise(State::Warning);
        b.raise(State::Unknown);
        assert_eq!(overall(&[a.clone(), b.clone()]), State::Unknown);
        a.raise(State::Critical);
        a.raise(State::Ok);
        assert_eq!(a.state, State::Critical);
        assert_eq!(overall(&[a, b]), State::Critical);
        assert_eq!(State::Unknown.code(), 3);
    }
}
