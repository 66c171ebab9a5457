//! The built-in load test behind `taskdb bench`.
//!
//! It runs the seed system's operations against a scratch database it creates (with the real
//! schema, so the real triggers and functions run) and drops afterwards, over N connections
//! (each statement sent unnamed, as `pgbench -M extended` sends it, through `crate::db::Db`),
//! and measures throughput and latency per operation. The SQL of each
//! operation is in [`Op::sql`], except the claim, which is `task next --claim`'s own
//! ([`crate::db::tasks::claim_next`]); `benches/compare.sh` runs the very same statements
//! through pgbench (`pgbench`) so the two can be compared. The `claim` workload is measured
//! against a minimal `FOR UPDATE SKIP LOCKED` queue (the anchor, [`Op::QueueAnchor`]) on the
//! same connections just before. The `worker` workload is no mix but `taskdb worker`'s cycle
//! per task, then the claim-to-start latency of tasks created while the workers wait
//! (`worker`). The scratch database, the anchor's table and the worker's statements are
//! `crate::db::bench`'s; the figures are `stats`'.

mod pgbench;
mod stats;
mod worker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::db::bench::ANCHOR_CLAIM_SQL;
use crate::db::tasks::{claim_next, ClaimRequest};
use crate::db::Db;

pub use pgbench::pgbench_script;
pub use stats::{merge_all, quantile_ms, row_of, summarize, OpReport, Samples};
pub use worker::{
    claim_to_start, producer_rate, ClaimToStart, Producer, ProducerRun, Production, WorkerClient,
    WorkerPhase, DRAIN, MAX_RATE, WORKER_LEASE,
};

/// Operations of the seed system that the bench exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    CreateTask,
    GetTask,
    UpdateStatus,
    ListReady,
    ClaimNext,
    /// The minimal queue's claim: the anchor `claim_next` is compared with.
    QueueAnchor,
    RecordMetric,
    LogApiCall,
    /// The worker workload's steps per task (`worker`): the claim with a lease, one heartbeat,
    /// the end of the attempt (completed).
    Claim,
    Heartbeat,
    Complete,
}

impl Op {
    pub const ALL: [Op; 11] = [
        Op::CreateTask,
        Op::GetTask,
        Op::UpdateStatus,
        Op::ListReady,
        Op::ClaimNext,
        Op::QueueAnchor,
        Op::RecordMetric,
        Op::LogApiCall,
        Op::Claim,
        Op::Heartbeat,
        Op::Complete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::CreateTask => "create_task",
            Op::GetTask => "get_task",
            Op::UpdateStatus => "update_status",
            Op::ListReady => "list_ready",
            Op::ClaimNext => "claim_next",
            Op::QueueAnchor => "queue_anchor",
            Op::RecordMetric => "record_metric",
            Op::LogApiCall => "log_api_call",
            Op::Claim => "claim",
            Op::Heartbeat => "heartbeat",
            Op::Complete => "complete",
        }
    }

    /// The statement each operation runs. Parameters are whole numbers chosen by the client
    /// (see [`Op::pgbench_vars`]), so pgbench can issue the very same SQL (`taskdb bench
    /// --pgbench-script`). None for the claim: it runs `task next --claim`'s statement
    /// ([`claim_next`]: [`crate::db::tasks::CLAIM_SQL`]); none for the worker workload's steps
    /// either (`worker`: [`crate::db::bench::WorkerStatements`]). The anchor's `$1` is the
    /// claimant.
    pub fn sql(self) -> Option<&'static str> {
        Some(match self {
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
            Op::ClaimNext | Op::Claim | Op::Heartbeat | Op::Complete => return None,
            Op::QueueAnchor => ANCHOR_CLAIM_SQL,
            Op::RecordMetric => {
                "SELECT record_metric(p_name => 'bench.value', p_value => ($1::bigint / 10.0)::float8, \
                 p_component => 'bench')"
            }
            Op::LogApiCall => {
                "SELECT log_api_call(p_integration_name => 'bench', p_endpoint => '/bench', \
                 p_method => 'GET', p_response_status => 200, p_response_time_ms => $1::int)"
            }
        })
    }

    /// The pgbench variable that stands for each `$n` (set by the pgbench script's `\set`s).
    pub fn pgbench_vars(self) -> &'static [&'static str] {
        match self {
            Op::CreateTask => &["n", "prio"],
            Op::GetTask => &["any"],
            Op::UpdateStatus => &["own"],
            Op::ListReady => &[],
            Op::ClaimNext | Op::QueueAnchor => &[],
            Op::Claim | Op::Heartbeat | Op::Complete => &[],
            Op::RecordMetric => &["val"],
            Op::LogApiCall => &["ms"],
        }
    }
}

/// Who claims in the bench: this and the client's index (`bench-agent-3`).
const CLAIMANT_PREFIX: &str = "bench-agent-";

/// The lease the benchmark's claims take (the default `[tasks] lease`, 15 minutes): longer than
/// any run, so no lease expires during one.
pub const BENCH_LEASE_SECS: u64 = 900;

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
    /// claim_next only (agents pulling work), measured against the minimal queue just before
    Claim,
    /// the minimal queue's claim only (a bare FOR UPDATE SKIP LOCKED table; the anchor of claim)
    Queue,
    /// taskdb worker's steps per task, minus the command: claim with a lease, heartbeat,
    /// complete; then the claim-to-start latency of new tasks
    Worker,
}

impl Workload {
    /// (operation, weight in percent); the weights add up to 100. None for `worker`, which is
    /// no mix but a cycle per task ([`worker`]).
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
            Workload::Queue => &[(Op::QueueAnchor, 100)],
            Workload::Worker => &[],
        }
    }

    /// What a run of this workload measures, one after the other on the same connections:
    /// `claim` runs the minimal queue first (the anchor), then taskdb's claim.
    pub fn phases(self) -> &'static [Workload] {
        match self {
            Workload::Mixed => &[Workload::Mixed],
            Workload::Read => &[Workload::Read],
            Workload::Write => &[Workload::Write],
            Workload::Claim => &[Workload::Queue, Workload::Claim],
            Workload::Queue => &[Workload::Queue],
            Workload::Worker => &[Workload::Worker],
        }
    }

    /// The run needs the minimal queue's table.
    pub fn uses_anchor(self) -> bool {
        self.phases().contains(&Workload::Queue)
    }

    /// The run needs the seeded tasks (every workload but the minimal queue alone).
    pub fn uses_tasks(self) -> bool {
        self != Workload::Queue
    }

    fn pick(self, roll: u32) -> Op {
        let mut acc = 0;
        for (op, w) in self.weights() {
            acc += w;
            if roll < acc {
                return *op;
            }
        }
        // Not reached for a mix (its weights add up to 100); `worker` is no mix.
        self.weights().first().map_or(Op::GetTask, |(op, _)| *op)
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

/// The most rows [`rows_to_last`] asks for: the largest minimal queue, and `--seed-rows`'s
/// ceiling.
pub const MAX_ANCHOR_ROWS: u64 = 10_000_000;

/// The rows a claim pool needs to last a whole phase of `phase` (warm-up and measured), from a
/// run whose `rows` ran dry after `dry_after`: that rate for `phase`, half as much again for
/// margin, at least twice `rows`, at most [`MAX_ANCHOR_ROWS`].
pub fn rows_to_last(rows: u64, dry_after: Duration, phase: Duration) -> u64 {
    let rate = rows as f64 / dry_after.as_secs_f64().max(0.001);
    let wanted = (rate * phase.as_secs_f64() * 1.5).ceil();
    let wanted = if wanted.is_finite() && wanted < MAX_ANCHOR_ROWS as f64 {
        wanted as u64
    } else {
        MAX_ANCHOR_ROWS
    };
    wanted.max(rows.saturating_mul(2)).min(MAX_ANCHOR_ROWS)
}

/// One measured run of one workload, shared by its clients.
pub struct Phase<'a> {
    pub workload: Workload,
    pub layout: Layout,
    /// Operations started from here on are measured (the end of the warm-up).
    pub record_from: Instant,
    pub until: Instant,
    /// Measured operations so far, for the progress line.
    pub counter: &'a AtomicU64,
    /// Stop every client as soon as one claim finds nothing (set in `dry`): the attempt only
    /// probes how fast the pool empties.
    pub stop_when_dry: bool,
    pub dry: &'a AtomicBool,
}

/// One connected client and the statements of its workload.
pub struct BenchClient {
    db: Db,
    statements: BTreeMap<Op, &'static str>,
    /// The workload claims ([`claim_next`]).
    claims: bool,
    index: u64,
    /// Who this client claims as ([`CLAIMANT_PREFIX`] and its index).
    who: String,
}

impl BenchClient {
    /// A client of `workload` on `db`. Its statements go through `crate::db::Db` (unnamed,
    /// one round trip each, nothing kept on the server session), so that it runs through a
    /// transaction pooler too.
    pub fn new(db: Db, index: u64, workload: Workload) -> BenchClient {
        let mut statements = BTreeMap::new();
        let mut claims = false;
        for phase in workload.phases() {
            for (op, _) in phase.weights() {
                match op.sql() {
                    Some(sql) => {
                        statements.insert(*op, sql);
                    }
                    None => claims |= *op == Op::ClaimNext,
                }
            }
        }
        BenchClient {
            db,
            statements,
            claims,
            index,
            who: format!("{CLAIMANT_PREFIX}{index}"),
        }
    }

    /// `task next --claim` without a tag: one statement, its own transaction. Ok(false):
    /// nothing to claim.
    async fn claim(&mut self) -> Result<bool, tokio_postgres::Error> {
        if !self.claims {
            return Ok(true);
        }
        let req = ClaimRequest {
            holder: &self.who,
            lease: Some(std::time::Duration::from_secs(BENCH_LEASE_SECS)),
            tag: None,
            task_type: None,
            limit: 1,
            max_attempts: crate::settings::DEFAULT_MAX_ATTEMPTS,
        };
        let claimed = claim_next(&self.db, &req).await?;
        Ok(claimed.is_some())
    }

    /// Run one operation. Ok(true) = did work, Ok(false) = nothing to claim.
    async fn run_op(
        &mut self,
        op: Op,
        rng: &mut Rng,
        layout: &Layout,
    ) -> Result<bool, tokio_postgres::Error> {
        if op == Op::ClaimNext {
            return self.claim().await;
        }
        let Some(&stmt) = self.statements.get(&op) else {
            return Ok(true);
        };
        match op {
            Op::CreateTask => {
                let n = rng.below(1_000_000_000) as i64 + 1;
                let priority = rng.below(11) as i32;
                self.db.query_one(stmt, &[&n, &priority]).await?;
            }
            Op::GetTask => {
                let id = layout.any_task(rng);
                self.db.query_opt(stmt, &[&id]).await?;
            }
            Op::UpdateStatus => {
                if let Some(id) = layout.own_update_task(self.index, rng) {
                    self.db.query_opt(stmt, &[&id]).await?;
                }
            }
            Op::ListReady => {
                self.db.query(stmt, &[]).await?;
            }
            Op::ClaimNext | Op::Claim | Op::Heartbeat | Op::Complete => {}
            // One statement, autocommitted: the row is locked, taken and committed at once.
            Op::QueueAnchor => return Ok(self.db.execute(stmt, &[&self.who]).await? > 0),
            Op::RecordMetric => {
                let v = rng.below(1000) as i64;
                self.db.query_one(stmt, &[&v]).await?;
            }
            Op::LogApiCall => {
                let ms = rng.below(500) as i32;
                self.db.query_one(stmt, &[&ms]).await?;
            }
        }
        Ok(true)
    }

    /// Run `phase`'s operations until its end (or, when it says so, until the pool runs dry);
    /// only those started after its warm-up are measured.
    pub async fn run(&mut self, phase: &Phase<'_>) -> Samples {
        let mut rng = Rng::new(0xB3AC_0000 + self.index);
        let mut samples = Samples::default();
        while Instant::now() < phase.until {
            if phase.stop_when_dry && phase.dry.load(Ordering::Relaxed) {
                break;
            }
            let op = phase.workload.pick(rng.below(100) as u32);
            let started = Instant::now();
            let result = self.run_op(op, &mut rng, &phase.layout).await;
            let micros = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
            let measured = started >= phase.record_from;
            match result {
                Ok(did_work) => {
                    if !did_work && samples.first_empty.is_none() {
                        samples.first_empty = Some(started);
                        phase.dry.store(true, Ordering::Relaxed);
                    }
                    if measured {
                        samples.latencies.entry(op).or_default().push(micros);
                        if !did_work {
                            samples.empty_claims += 1;
                        }
                        phase.counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(err) => {
                    *samples.errors.entry(op).or_default() += 1;
                    if samples.first_error.is_none() {
                        samples.first_error =
                            Some(format!("{}: {}", op.name(), describe_pg_error(&err)));
                    }
                    if err.is_closed() || self.db.is_closed() {
                        samples.disconnected = true;
                        break;
                    }
                }
            }
        }
        samples
    }
}

pub(crate) fn describe_pg_error(err: &tokio_postgres::Error) -> String {
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
            Workload::Queue,
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
    fn claim_runs_the_anchor_first_and_only_queue_skips_the_tasks() {
        assert_eq!(Workload::Claim.phases(), [Workload::Queue, Workload::Claim]);
        assert_eq!(Workload::Queue.phases(), [Workload::Queue]);
        for w in [Workload::Mixed, Workload::Read, Workload::Write] {
            assert_eq!(w.phases(), [w]);
            assert!(!w.uses_anchor() && w.uses_tasks());
        }
        assert!(Workload::Claim.uses_anchor() && Workload::Claim.uses_tasks());
        assert!(Workload::Queue.uses_anchor() && !Workload::Queue.uses_tasks());
        // The worker workload is a cycle, not a mix: its phases are its own (bench::worker).
        assert_eq!(Workload::Worker.phases(), [Workload::Worker]);
        assert!(Workload::Worker.weights().is_empty());
        assert!(!Workload::Worker.uses_anchor() && Workload::Worker.uses_tasks());
    }

    #[test]
    fn the_anchor_is_sized_for_the_whole_phase() {
        let s = Duration::from_secs;
        // 20,000 rows gone in 1 s, 12 s to last: 20,000/s * 12 s * 1.5.
        assert_eq!(rows_to_last(20_000, s(1), s(12)), 360_000);
        // Never less than twice as many, never more than the ceiling.
        assert_eq!(rows_to_last(20_000, s(20), s(12)), 40_000);
        assert_eq!(
            rows_to_last(1_000_000, Duration::ZERO, s(3600)),
            MAX_ANCHOR_ROWS
        );
        assert_eq!(rows_to_last(MAX_ANCHOR_ROWS, s(1), s(1)), MAX_ANCHOR_ROWS);
    }
}
