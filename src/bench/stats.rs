//! What the bench measured, turned into figures: latency samples per operation, quantiles,
//! and the per-operation rows of the report.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Op;

/// One client's measurements: per operation, latencies in microseconds, and error counts.
#[derive(Debug, Default)]
pub struct Samples {
    pub latencies: BTreeMap<Op, Vec<u32>>,
    pub errors: BTreeMap<Op, u64>,
    /// Measured claims that found nothing to claim (not errors: the pool ran dry).
    pub empty_claims: u64,
    /// When the first claim found nothing, warm-up included: the pool ran dry then.
    pub first_empty: Option<Instant>,
    /// The worker workload's claims that took a task, warm-up included: its short id and when
    /// the claim took it (the server's clock, µs since the epoch).
    pub claimed: Vec<(i64, i64)>,
    /// The first error message seen, for the report.
    pub first_error: Option<String>,
    /// The connection was lost and the client stopped early.
    pub disconnected: bool,
}

impl Samples {
    fn merge(&mut self, other: Samples) {
        for (op, mut v) in other.latencies {
            self.latencies.entry(op).or_default().append(&mut v);
        }
        for (op, n) in other.errors {
            *self.errors.entry(op).or_default() += n;
        }
        self.empty_claims += other.empty_claims;
        self.claimed.extend(other.claimed);
        self.first_empty = match (self.first_empty, other.first_empty) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.disconnected |= other.disconnected;
    }

    /// Failed operations, all kinds together.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// Merge all clients' samples.
pub fn merge_all(parts: Vec<Samples>) -> Samples {
    let mut total = Samples::default();
    for p in parts {
        total.merge(p);
    }
    total
}

/// Per-operation figures of a run.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    pub operation: &'static str,
    pub count: u64,
    pub errors: u64,
    pub ops_per_sec: f64,
    pub avg_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl OpReport {
    /// The row of `operation` from its sorted microsecond latencies over `secs` seconds.
    fn from_sorted(operation: &'static str, sorted: &[u32], errors: u64, secs: f64) -> OpReport {
        let sum: u64 = sorted.iter().map(|&v| u64::from(v)).sum();
        OpReport {
            operation,
            count: sorted.len() as u64,
            errors,
            ops_per_sec: sorted.len() as f64 / secs,
            avg_ms: if sorted.is_empty() {
                0.0
            } else {
                sum as f64 / sorted.len() as f64 / 1000.0
            },
            p50_ms: quantile_ms(sorted, 0.50),
            p95_ms: quantile_ms(sorted, 0.95),
            p99_ms: quantile_ms(sorted, 0.99),
            max_ms: quantile_ms(sorted, 1.0),
        }
    }
}

impl crate::output::Row for OpReport {
    fn columns() -> &'static [&'static str] {
        &[
            "operation",
            "count",
            "errors",
            "ops/s",
            "avg ms",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
        ]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.operation.to_string(),
            self.count.to_string(),
            self.errors.to_string(),
            format!("{:.0}", self.ops_per_sec),
            format!("{:.3}", self.avg_ms),
            format!("{:.3}", self.p50_ms),
            format!("{:.3}", self.p95_ms),
            format!("{:.3}", self.p99_ms),
            format!("{:.3}", self.max_ms),
        ]
    }
}

/// Quantile of sorted microsecond latencies, in milliseconds (nearest rank).
pub fn quantile_ms(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

/// Turn raw samples into per-operation rows plus a "total" row.
pub fn summarize(samples: &mut Samples, elapsed: Duration) -> Vec<OpReport> {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut rows = Vec::new();
    let mut all: Vec<u32> = Vec::new();
    let mut total_errors = 0;
    for op in Op::ALL {
        let errors = samples.errors.get(&op).copied().unwrap_or(0);
        total_errors += errors;
        match samples.latencies.get_mut(&op) {
            Some(lat) => {
                lat.sort_unstable();
                all.extend_from_slice(lat);
                rows.push(OpReport::from_sorted(op.name(), lat, errors, secs));
            }
            None if errors > 0 => rows.push(OpReport::from_sorted(op.name(), &[], errors, secs)),
            None => {}
        }
    }
    all.sort_unstable();
    rows.push(OpReport::from_sorted("total", &all, total_errors, secs));
    rows
}

/// `op`'s row among `rows`, or a row of zeros when it never ran.
pub fn row_of(rows: &[OpReport], op: Op) -> OpReport {
    rows.iter()
        .find(|r| r.operation == op.name())
        .cloned()
        .unwrap_or_else(|| OpReport::from_sorted(op.name(), &[], 0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(quantile_ms(&v, 0.5), 50.0);
        assert_eq!(quantile_ms(&v, 0.95), 95.0);
        assert_eq!(quantile_ms(&v, 1.0), 100.0);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
    }

    #[test]
    fn rows_have_the_mean_and_a_total() {
        let mut samples = Samples::default();
        samples
            .latencies
            .insert(Op::QueueAnchor, vec![3000, 1000, 2000]);
        samples.errors.insert(Op::ClaimNext, 2);
        let rows = summarize(&mut samples, Duration::from_secs(2));
        let names: Vec<&str> = rows.iter().map(|r| r.operation).collect();
        assert_eq!(names, ["claim_next", "queue_anchor", "total"]);
        assert_eq!(rows[1].avg_ms, 2.0);
        assert_eq!(rows[1].p50_ms, 2.0);
        assert_eq!(rows[1].ops_per_sec, 1.5);
        assert_eq!(rows[0].avg_ms, 0.0);
        assert_eq!((rows[2].count, rows[2].errors), (3, 2));
    }

    #[test]
    fn merging_keeps_the_earliest_empty_claim() {
        let now = Instant::now();
        let later = now + Duration::from_secs(1);
        let part = |t: Option<Instant>| Samples {
            first_empty: t,
            ..Samples::default()
        };
        let merged = merge_all(vec![
            part(None),
            part(Some(later)),
            part(Some(now)),
            part(None),
        ]);
        assert_eq!(merged.first_empty, Some(now));
    }
}
