//! The built-in load test behind `taskdb bench`.
//!
//! It runs the seed system's operations against a scratch database it creates (with the real
//! schema, so the real triggers and functions run) and drops afterwards, over N connections
//! with prepared statements, and measures throughput and latency per operation. The SQL of each
//! operation is in [`Op::sql`]; `benches/compare.sh` runs the very same statements through
//! pgbench so the two can be compared.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde::Serialize;
use tokio_postgres::{Client, Statement};

/// Apply the whole schema to the (empty) scratch database, as `migrate up` would.
pub async fn apply_schema(client: &mut Client, out: &crate::output::Output) -> Result<()> {
    for file in crate::db::migrations::catalog() {
        crate::db::migrations::apply_up(client, &file, out)
            .await
            .context("cannot apply the schema to the scratch database")?;
    }
    Ok(())
}

/// The scratch database every run uses; its existence marks a crashed or `--keep` run.
pub const SCRATCH_DB: &str = "taskdb_bench_scratch";

/// Operations of the seed system that the bench exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    CreateTask,
    GetTask,
    UpdateStatus,
    ListReady,
    ClaimNext,
    RecordMetric,
    LogApiCall,
}

impl Op {
    pub const ALL: [Op; 7] = [
        Op::CreateTask,
        Op::GetTask,
        Op::UpdateStatus,
        Op::ListReady,
        Op::ClaimNext,
        Op::RecordMetric,
        Op::LogApiCall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::CreateTask => "create_task",
            Op::GetTask => "get_task",
            Op::UpdateStatus => "update_status",
            Op::ListReady => "list_ready",
            Op::ClaimNext => "claim_next",
            Op::RecordMetric => "record_metric",
            Op::LogApiCall => "log_api_call",
        }
    }

    /// The statement each operation runs. Parameters are whole numbers chosen by the client
    /// (see [`Op::params`]), so pgbench can issue the very same SQL (`taskdb bench --pgbench-script`).
    pub fn sql(self) -> &'static str {
        match self {
            Op::CreateTask => {
                "SELECT short_id FROM create_task(p_title => 'bench created ' || $1::bigint, \
                 p_priority => $2::int, p_tags => ARRAY['bench-new']::text[])"
            }
            Op::GetTask => "SELECT * FROM tasks WHERE short_id = $1::bigint",
            // The row is locked before its status is read: a concurrent claim may have just
            // moved it, and the toggle must start from the status it has now.
            Op::UpdateStatus => {
                "WITH t AS (SELECT id, status FROM tasks WHERE short_id = $1::bigint FOR UPDATE) \
                 SELECT (update_task_status(t.id, CASE t.status WHEN 'pending' THEN 'in_progress' \
                 ELSE 'pending' END)).short_id FROM t"
            }
            Op::ListReady => {
                "SELECT t.short_id, t.title, t.priority FROM tasks t \
                 WHERE t.status = 'pending' AND t.open_blockers = 0 \
                 ORDER BY t.priority DESC, t.short_id LIMIT 20"
            }
            // Any ready task, as `taskdb task next --claim` without --tag: with a tag filter every
            // claim walks past all pending tasks of other tags ranked above the first match.
            Op::ClaimNext => {
                "WITH next AS (SELECT t.id FROM tasks t \
                   WHERE t.status = 'pending' AND t.open_blockers = 0 \
                   ORDER BY t.priority DESC, t.short_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 UPDATE tasks SET status = 'in_progress', assigned_to = 'bench-agent-' || $1::bigint \
                 FROM next WHERE tasks.id = next.id RETURNING tasks.short_id"
            }
            Op::RecordMetric => {
                "SELECT record_metric(p_name => 'bench.value', p_value => ($1::bigint / 10.0)::float8, \
                 p_component => 'bench')"
            }
            Op::LogApiCall => {
                "SELECT log_api_call(p_integration_name => 'bench', p_endpoint => '/bench', \
                 p_method => 'GET', p_response_status => 200, p_response_time_ms => $1::int)"
            }
        }
    }

    /// The pgbench variable that stands for each `$n` (set by the pgbench script's `\set`s).
    pub fn pgbench_vars(self) -> &'static [&'static str] {
        match self {
            Op::CreateTask => &["n", "prio"],
            Op::GetTask => &["any"],
            Op::UpdateStatus => &["own"],
            Op::ListReady => &[],
            Op::ClaimNext => &["client_id"],
            Op::RecordMetric => &["val"],
            Op::LogApiCall => &["ms"],
        }
    }
}

/// A pgbench custom script issuing the same statements with the same mix and parameter
/// choices as `taskdb bench` (run it with `-D seed_rows=N -D clients=C -c C`).
pub fn pgbench_script(workload: Workload) -> String {
    let mut s = String::from(
        "-- generated by `taskdb bench --pgbench-script`: the same SQL as taskdb bench\n\
         \\set r random(0, 99)\n\
         \\set any random(1, :seed_rows)\n\
         \\set k random(0, :seed_rows / 2 / :clients - 1)\n\
         \\set own 2 * (:client_id + :clients * :k) + 1\n\
         \\set n random(1, 1000000000)\n\
         \\set prio random(0, 10)\n\
         \\set val random(0, 999)\n\
         \\set ms random(0, 499)\n",
    );
    let mut acc = 0;
    for (i, (op, weight)) in workload.weights().iter().enumerate() {
        acc += weight;
        let mut sql = op.sql().split_whitespace().collect::<Vec<_>>().join(" ");
        for (n, var) in op.pgbench_vars().iter().enumerate().rev() {
            sql = sql.replace(&format!("${}", n + 1), &format!(":{var}"));
        }
        let keyword = if i == 0 { "\\if" } else { "\\elif" };
        s.push_str(&format!("{keyword} :r < {acc}\n{sql};\n"));
    }
    s.push_str("\\endif\n");
    s
}
/// Which mix of operations to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// get 35%, list_ready 15%, create 15%, update_status 15%, claim 10%, metric 5%, api log 5%
    Mixed,
    /// get 70%, list_ready 30%
    Read,
    /// create 40%, update_status 40%, metric 10%, api log 10%
    Write,
    /// claim_next only (agents pulling work)
    Claim,
}

impl Workload {
    /// (operation, weight in percent); the weights add up to 100.
    pub fn weights(self) -> &'static [(Op, u32)] {
        match self {
            Workload::Mixed => &[
                (Op::GetTask, 35),
                (Op::ListReady, 15),
                (Op::CreateTask, 15),
                (Op::UpdateStatus, 15),
                (Op::ClaimNext, 10),
                (Op::RecordMetric, 5),
                (Op::LogApiCall, 5),
            ],
            Workload::Read => &[(Op::GetTask, 70), (Op::ListReady, 30)],
            Workload::Write => &[
                (Op::CreateTask, 40),
                (Op::UpdateStatus, 40),
                (Op::RecordMetric, 10),
                (Op::LogApiCall, 10),
            ],
            Workload::Claim => &[(Op::ClaimNext, 100)],
        }
    }

    fn pick(self, roll: u32) -> Op {
        let mut acc = 0;
        for (op, w) in self.weights() {
            acc += w;
            if roll < acc {
                return *op;
            }
        }
        self.weights()[0].0
    }
}

/// A tiny deterministic PRNG (xorshift64*): the bench needs cheap, reproducible choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// How the seeded rows are laid out, shared with benches/compare.sh:
/// rows 1..=seed_rows; odd short ids form the "update" pool (each client toggles only its own
/// slice: id = 2 * (client + clients * k) + 1), even ones the "claim" pool.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub seed_rows: u64,
    pub clients: u64,
}

impl Layout {
    /// A random seeded task id.
    pub fn any_task(&self, rng: &mut Rng) -> i64 {
        (rng.below(self.seed_rows) + 1) as i64
    }

    /// A task from this client's own slice of the update pool, so clients never race on a row.
    pub fn own_update_task(&self, client: u64, rng: &mut Rng) -> Option<i64> {
        let per_client = self.seed_rows / 2 / self.clients;
        if per_client == 0 {
            return None;
        }
        let k = rng.below(per_client);
        Some((2 * (client + self.clients * k) + 1) as i64)
    }
}

/// SQL that fills a freshly migrated scratch database: tasks whose odd ids form the update pool
/// (each client toggles its own slice) and all of which can be claimed, one in ten depending on
/// its predecessor (so "ready" means something), and the integration that `log_api_call`
/// counts against.
pub fn seed_sql(rows: u64) -> String {
    format!(
        "INSERT INTO tasks (title, priority, tags) \
           SELECT 'bench task ' || i, (i * 7) % 11, \
                  CASE WHEN i % 2 = 1 THEN ARRAY['bench-update'] ELSE ARRAY['bench-claim'] END \
           FROM generate_series(1, {rows}) AS i;
         INSERT INTO task_dependencies (task_id, depends_on_task_id) \
           SELECT t.id, p.id FROM tasks t JOIN tasks p ON p.short_id = t.short_id - 1 \
           WHERE t.short_id % 10 = 0;
         INSERT INTO external_integrations (integration_type, integration_name, rate_limit_per_minute) \
           VALUES ('webhook', 'bench', 10000);
         ANALYZE;"
    )
}

/// One client's measurements: per operation, latencies in microseconds, and error counts.
#[derive(Debug, Default)]
pub struct Samples {
    pub latencies: BTreeMap<Op, Vec<u32>>,
    pub errors: BTreeMap<Op, u64>,
    /// Claims that found nothing to claim (not errors: the pool ran dry).
    pub empty_claims: u64,
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
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.disconnected |= other.disconnected;
    }
}

/// Per-operation figures of a run.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    pub operation: &'static str,
    pub count: u64,
    pub errors: u64,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl crate::output::Row for OpReport {
    fn columns() -> &'static [&'static str] {
        &[
            "operation",
            "count",
            "errors",
            "ops/s",
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
        let Some(lat) = samples.latencies.get_mut(&op) else {
            if errors > 0 {
                rows.push(OpReport {
                    operation: op.name(),
                    count: 0,
                    errors,
                    ops_per_sec: 0.0,
                    p50_ms: 0.0,
                    p95_ms: 0.0,
                    p99_ms: 0.0,
                    max_ms: 0.0,
                });
                total_errors += errors;
            }
            continue;
        };
        lat.sort_unstable();
        all.extend_from_slice(lat);
        total_errors += errors;
        rows.push(OpReport {
            operation: op.name(),
            count: lat.len() as u64,
            errors,
            ops_per_sec: lat.len() as f64 / secs,
            p50_ms: quantile_ms(lat, 0.50),
            p95_ms: quantile_ms(lat, 0.95),
            p99_ms: quantile_ms(lat, 0.99),
            max_ms: quantile_ms(lat, 1.0),
        });
    }
    all.sort_unstable();
    rows.push(OpReport {
        operation: "total",
        count: all.len() as u64,
        errors: total_errors,
        ops_per_sec: all.len() as f64 / secs,
        p50_ms: quantile_ms(&all, 0.50),
        p95_ms: quantile_ms(&all, 0.95),
        p99_ms: quantile_ms(&all, 0.99),
        max_ms: quantile_ms(&all, 1.0),
    });
    rows
}

/// One connected client with its prepared statements.
pub struct BenchClient {
    client: Client,
    statements: BTreeMap<Op, Statement>,
    index: u64,
}

impl BenchClient {
    pub async fn prepare(client: Client, index: u64, workload: Workload) -> Result<BenchClient> {
        let mut statements = BTreeMap::new();
        for (op, _) in workload.weights() {
            let stmt = client
                .prepare(op.sql())
                .await
                .with_context(|| format!("cannot prepare {}", op.name()))?;
            statements.insert(*op, stmt);
        }
        Ok(BenchClient {
            client,
            statements,
            index,
        })
    }

    /// Run one operation. Ok(true) = did work, Ok(false) = nothing to claim.
    async fn run_op(
        &self,
        op: Op,
        rng: &mut Rng,
        layout: &Layout,
    ) -> Result<bool, tokio_postgres::Error> {
        let Some(stmt) = self.statements.get(&op) else {
            return Ok(true);
        };
        match op {
            Op::CreateTask => {
                let n = rng.below(1_000_000_000) as i64 + 1;
                let priority = rng.below(11) as i32;
                self.client.query_one(stmt, &[&n, &priority]).await?;
            }
            Op::GetTask => {
                let id = layout.any_task(rng);
                self.client.query_opt(stmt, &[&id]).await?;
            }
            Op::UpdateStatus => {
                if let Some(id) = layout.own_update_task(self.index, rng) {
                    self.client.query_opt(stmt, &[&id]).await?;
                }
            }
            Op::ListReady => {
                self.client.query(stmt, &[]).await?;
            }
            Op::ClaimNext => {
                let agent = self.index as i64;
                let row = self.client.query_opt(stmt, &[&agent]).await?;
                return Ok(row.is_some());
            }
            Op::RecordMetric => {
                let v = rng.below(1000) as i64;
                self.client.query_one(stmt, &[&v]).await?;
            }
            Op::LogApiCall => {
                let ms = rng.below(500) as i32;
                self.client.query_one(stmt, &[&ms]).await?;
            }
        }
        Ok(true)
    }

    /// Run operations until `until`; only those started after `record_from` are measured.
    pub async fn run(
        &self,
        workload: Workload,
        layout: Layout,
        record_from: Instant,
        until: Instant,
        counter: &std::sync::atomic::AtomicU64,
    ) -> Samples {
        let mut rng = Rng::new(0xB3AC_0000 + self.index);
        let mut samples = Samples::default();
        while Instant::now() < until {
            let op = workload.pick(rng.below(100) as u32);
            let started = Instant::now();
            let result = self.run_op(op, &mut rng, &layout).await;
            let micros = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
            let measured = started >= record_from;
            match result {
                Ok(did_work) => {
                    if measured {
                        samples.latencies.entry(op).or_default().push(micros);
                        if !did_work {
                            samples.empty_claims += 1;
                        }
                        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                Err(err) => {
                    *samples.errors.entry(op).or_default() += 1;
                    if samples.first_error.is_none() {
                        samples.first_error =
                            Some(format!("{}: {}", op.name(), describe_pg_error(&err)));
                    }
                    if err.is_closed() || self.client.is_closed() {
                        samples.disconnected = true;
                        break;
                    }
                }
            }
        }
        samples
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

fn describe_pg_error(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let text = err.to_string();
            match std::error::Error::source(err) {
                Some(src) => format!("{text}: {src}"),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up_to_100_and_pick_covers_each_op() {
        for w in [
            Workload::Mixed,
            Workload::Read,
            Workload::Write,
            Workload::Claim,
        ] {
            let sum: u32 = w.weights().iter().map(|(_, x)| x).sum();
            assert_eq!(sum, 100, "{w:?}");
            let picked: std::collections::BTreeSet<Op> = (0..100).map(|r| w.pick(r)).collect();
            assert_eq!(picked.len(), w.weights().len(), "{w:?}");
        }
    }

    #[test]
    fn update_slices_do_not_overlap_between_clients() {
        let layout = Layout {
            seed_rows: 1000,
            clients: 4,
        };
        let mut seen = std::collections::HashMap::new();
        for client in 0..4 {
            let mut rng = Rng::new(client);
            for _ in 0..2000 {
                let id = layout.own_update_task(client, &mut rng).unwrap();
                assert!(id % 2 == 1 && (1..=1000).contains(&id), "{id}");
                assert_eq!(*seen.entry(id).or_insert(client), client, "id {id} shared");
            }
        }
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|x| x * 1000).collect();
        assert_eq!(quantile_ms(&v, 0.5), 50.0);
        assert_eq!(quantile_ms(&v, 0.95), 95.0);
        assert_eq!(quantile_ms(&v, 1.0), 100.0);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
    }
}
