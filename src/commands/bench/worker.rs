//! `taskdb bench --workload worker`: its two phases on the same clients (throughput on the
//! seeded tasks, then the claim-to-start latency of tasks a producer creates while the clients
//! wait) and its figures. The clients' loop and the producer are `crate::bench`'s.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use super::{tick, verdict, BenchArgs, BenchReport};
use crate::bench::{
    self, ClaimToStart, Op, Producer, ProducerRun, Production, Samples, WorkerClient, WorkerPhase,
    Workload,
};
use crate::context::Context;
use crate::db::bench as scratch;
use crate::db::listen::{WaitMode, Waiter};
use crate::db::ConnSpec;
use crate::exit::Exit;
use crate::options::Format;
use crate::settings::{ListenTarget, Settings};

/// The claim-to-start phase in the JSON document (`claim_to_start`).
#[derive(Debug, Serialize)]
pub(super) struct ClaimToStartReport {
    /// How long it measured (tasks created in this window are timed).
    duration_s: f64,
    /// The producer's rate, tasks a second (a quarter of tasks_per_sec, at most 200).
    rate_per_sec: f64,
    /// Tasks created in the window…
    produced: u64,
    /// …taken by a claim (each one timed)…
    claimed: u64,
    /// …and still unclaimed when the clients stopped (their latency is not in the figures).
    unclaimed: u64,
    /// Claims in the window that found nothing (an idle client woken with nothing left for it).
    empty_claims: u64,
    /// How the idle clients learnt of new tasks: "listen", or the polling and why.
    wait_mode: String,
    /// From the end of the task's insert to the claim taking it, by the server's clock; null
    /// when no task was taken.
    avg_ms: Option<f64>,
    p50_ms: Option<f64>,
    p95_ms: Option<f64>,
    p99_ms: Option<f64>,
    max_ms: Option<f64>,
}

impl ClaimToStartReport {
    fn new(run: &WorkerRun, latency: &ClaimToStart, wait_mode: String) -> ClaimToStartReport {
        let sorted = &latency.latencies_us;
        let q = |q: f64| (!sorted.is_empty()).then(|| bench::quantile_ms(sorted, q));
        let sum: u64 = sorted.iter().map(|&us| u64::from(us)).sum();
        ClaimToStartReport {
            duration_s: run.measured.as_secs_f64(),
            rate_per_sec: run.rate,
            produced: latency.produced,
            claimed: sorted.len() as u64,
            unclaimed: latency.unclaimed,
            empty_claims: run.samples.empty_claims,
            wait_mode,
            avg_ms: (!sorted.is_empty()).then(|| sum as f64 / sorted.len() as f64 / 1000.0),
            p50_ms: q(0.50),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            max_ms: q(1.0),
        }
    }
}

/// What one phase measured: the clients' merged samples (and the producer's run, in the
/// claim-to-start phase), when it started, and how long it measured.
struct WorkerRun {
    samples: Samples,
    started: Instant,
    measured: Duration,
    producer: Option<ProducerRun>,
    /// The producer's rate (0 without one).
    rate: f64,
}

/// Run both phases on `--clients` connections to the prepared scratch database `spec`, print
/// the figures, and fail (exit 1) if any step failed or the server went away.
pub(super) async fn run(
    args: &BenchArgs,
    ctx: &Context,
    format: Format,
    spec: &ConnSpec,
    server_version: String,
) -> Result<Exit> {
    let settings = waiting_settings(ctx);
    let spinner = ctx
        .out
        .spinner(format!("opening {} connections", args.clients));
    let mut clients: Vec<WorkerClient> = Vec::new();
    for index in 0..args.clients {
        // The waiter first: it listens before the client's first claim. Where the first one
        // found that listening cannot work (transaction pooling), the others poll at once.
        let waiter = match clients.first() {
            Some(first) => first.waiter().another(spec, &settings).await?,
            None => Waiter::open(spec, &settings, &ctx.out).await?,
        };
        let client = super::open(spec, ctx).await?;
        clients.push(WorkerClient::new(client, index, waiter));
    }
    spinner.finish_and_clear();

    let mut throughput = measure(args, ctx, &mut clients, None).await;
    let operations = bench::summarize(&mut throughput.samples, throughput.measured);
    let tasks_per_sec = bench::row_of(&operations, Op::Complete).ops_per_sec;

    let mut latency = None;
    if !throughput.samples.disconnected && tasks_per_sec > 0.0 {
        let spinner = ctx.out.spinner("parking the seeded tasks");
        scratch::park_seed(&super::open(spec, ctx).await?).await?;
        let producer = Producer::new(super::open(spec, ctx).await?);
        spinner.finish_and_clear();
        let rate = bench::producer_rate(tasks_per_sec);
        latency = Some(measure(args, ctx, &mut clients, Some((&producer, rate))).await);
    }
    let wait_mode = wait_mode(&clients);
    drop(clients);

    let claim_to_start = latency.as_ref().map(|run| {
        let produced = run.producer.as_ref().map_or(&[][..], |p| &p.produced[..]);
        let timed = bench::claim_to_start(produced, &run.samples.claimed);
        ClaimToStartReport::new(run, &timed, wait_mode)
    });
    let producer = latency.as_ref().and_then(|l| l.producer.as_ref());
    let phases: Vec<&Samples> = [Some(&throughput), latency.as_ref()]
        .into_iter()
        .flatten()
        .map(|run| &run.samples)
        .collect();
    let first_error = phases
        .iter()
        .find_map(|s| s.first_error.clone())
        .or_else(|| producer.and_then(|p| p.first_error.clone()));
    let report = BenchReport {
        workload: Workload::Worker,
        clients: args.clients,
        duration_s: throughput.measured.as_secs_f64(),
        warmup_s: args.warmup.as_secs_f64(),
        seed_rows: args.seed_rows,
        server_version,
        total_ops_per_sec: operations.last().map_or(0.0, |r| r.ops_per_sec),
        operations,
        errors: phases.iter().map(|s| s.error_count()).sum::<u64>()
            + producer.map_or(0, |p| p.errors),
        empty_claims: throughput.samples.empty_claims,
        first_error,
        disconnected: phases.iter().any(|s| s.disconnected)
            || producer.is_some_and(|p| p.disconnected),
        anchor: None,
        claim_vs_anchor: None,
        tasks_per_sec: Some(tasks_per_sec),
        claim_to_start,
    };
    match format {
        Format::Json => ctx.out.json(&report)?,
        _ => super::render_table(ctx, &report)?,
    }
    if !report.disconnected {
        warnings(args, ctx, &throughput, report.claim_to_start.as_ref());
    }
    verdict(&report)
}

/// The settings the clients' waiters open with: they listen on the scratch database, through
/// the configured server; a `listen_url` names another database, whose notifications are not
/// the bench's. `listen_url = off` stays off (the clients poll).
fn waiting_settings(ctx: &Context) -> Settings {
    let mut settings = ctx.settings.clone();
    if matches!(settings.listen.value, ListenTarget::Conninfo(_)) {
        settings.listen.value = ListenTarget::Database;
        ctx.out.debug(
            1,
            "bench: the clients listen on the scratch database through the configured server, not listen_url",
        );
    }
    settings
}

/// "listen" when every client's waiter listens; otherwise the first one's polling and why.
fn wait_mode(clients: &[WorkerClient]) -> String {
    clients
        .iter()
        .map(WorkerClient::wait_mode)
        .find(|mode| !matches!(mode, WaitMode::Listen { .. }))
        .map_or_else(|| "listen".to_string(), ToString::to_string)
}

/// One phase on every client (warm-up, then `--duration` measured) with a progress line; with
/// a producer (and its rate), the claim-to-start phase.
async fn measure(
    args: &BenchArgs,
    ctx: &Context,
    clients: &mut [WorkerClient],
    producer: Option<(&Producer, f64)>,
) -> WorkerRun {
    let counter = Arc::new(AtomicU64::new(0));
    let production = Production::default();
    let started = Instant::now();
    let record_from = started + args.warmup;
    let until = record_from + args.duration;
    let phase = WorkerPhase {
        record_from,
        until,
        counter: &counter,
        production: producer.map(|_| &production),
    };
    let label = match producer {
        None => "worker workload".to_string(),
        Some((_, rate)) => format!("claim-to-start, a task every {:.1} ms", 1000.0 / rate),
    };
    let progress = ctx
        .out
        .spinner(format!("{label}, {} clients", args.clients));
    let ticker = tick(&progress, label, counter.clone(), record_from, "tasks/s");
    let runs = futures_util::future::join_all(clients.iter_mut().map(|c| c.run(&phase)));
    let produce = async {
        match producer {
            Some((p, rate)) => Some(p.run(rate, record_from, until, &production).await),
            None => None,
        }
    };
    let (parts, producer_run) = tokio::join!(runs, produce);
    ticker.abort();
    progress.finish_and_clear();
    WorkerRun {
        samples: bench::merge_all(parts),
        started,
        measured: Instant::now()
            .saturating_duration_since(record_from)
            .min(args.duration),
        producer: producer_run,
        rate: producer.map_or(0.0, |(_, rate)| rate),
    }
}

/// The table's lines under the operations: tasks/s and the claim-to-start latency.
pub(super) fn notes(ctx: &Context, report: &BenchReport) {
    if let Some(tasks) = report.tasks_per_sec {
        ctx.out.note(format!(
            "{tasks:.0} tasks/s completed. Per task, as taskdb worker runs them without a command: \
             claim (lease {} s), heartbeat, complete (with its completion context), each one \
             statement, its own transaction",
            bench::WORKER_LEASE.as_secs()
        ));
    }
    let Some(c) = &report.claim_to_start else {
        return;
    };
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    let waiting = if c.wait_mode == "listen" {
        "LISTEN taskdb_ready".to_string()
    } else {
        c.wait_mode.clone()
    };
    ctx.out.note(format!(
        "claim-to-start: p50 {} ms, p95 {} ms, max {} ms over {} tasks created one at a time at \
         {:.0}/s for {:.1} s while the clients waited ({waiting}); from the end of a task's \
         insert to the claim that took it, by the server's clock ({} claims found nothing)",
        ms(c.p50_ms),
        ms(c.p95_ms),
        ms(c.max_ms),
        c.claimed,
        c.rate_per_sec,
        c.duration_s,
        c.empty_claims
    ));
}

/// Say when the seeded tasks ran out before the first phase ended (its figures then mix work
/// with idle waits), and when tasks of the claim-to-start phase were never taken.
fn warnings(
    args: &BenchArgs,
    ctx: &Context,
    throughput: &WorkerRun,
    claim_to_start: Option<&ClaimToStartReport>,
) {
    if let Some(first) = throughput.samples.first_empty {
        let after = first.saturating_duration_since(throughput.started);
        let phase = args.warmup + args.duration;
        let enough = bench::rows_to_last(args.seed_rows, after, phase).div_ceil(10_000) * 10_000;
        ctx.out.warn(format!(
            "the seeded tasks ran out {:.1} s into the {:.1} s phase ({} measured claims found nothing \
             and waited): tasks/s and the claim, heartbeat and complete figures are unfair; run with \
             --seed-rows {}",
            after.as_secs_f64(),
            phase.as_secs_f64(),
            throughput.samples.empty_claims,
            enough.min(bench::MAX_ANCHOR_ROWS)
        ));
    }
    if let Some(c) = claim_to_start.filter(|c| c.unclaimed > 0) {
        ctx.out.warn(format!(
            "{} of the {} tasks created in the claim-to-start window were still unclaimed {} s after \
             it: the latency figures leave them out",
            c.unclaimed,
            c.produced,
            bench::DRAIN.as_secs()
        ));
    }
}
