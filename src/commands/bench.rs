//! `taskdb bench`: the built-in load test (engine in `crate::bench`); the worker workload's
//! phases and figures are `worker`'s.

mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::bench::{self, BenchClient, Layout, Op, OpReport, Phase, Samples, Workload};
use crate::context::Context;
use crate::db::bench::{self as scratch, SCRATCH_DB};
use crate::db::ConnSpec;
use crate::exit::{failed, usage, Exit};
use crate::options::Format;
use crate::units::parse_whole_duration;
use indicatif::ProgressBar;

#[derive(Debug, Args)]
#[command(after_help = "\
The bench creates its own scratch database (taskdb_bench_scratch) on the configured server,
applies the schema, seeds it, runs the workload and drops it again: real tasks are never touched.
It needs the CREATEDB privilege. If a scratch database is left from a crashed run, bench refuses
to run until `taskdb bench --clean` has removed it. Each statement is sent unnamed and on its
own, as pgbench -M extended sends it (no prepared statements), so a run also works through a
transaction-pooling PgBouncer.

The claim workload first measures a minimal queue on the same connections (the anchor: a bare
table bench_queue with one partial index over its pending rows, claimed with one
UPDATE ... FOR UPDATE SKIP LOCKED), then taskdb's claim, and reports claim_next as a multiple
of it. The anchor gets as many rows as its whole phase needs; a phase that still runs out of
rows is reported, since the ratio is then unfair. --workload queue measures the anchor alone.

The worker workload runs what `taskdb worker` does per task, minus the command: each client
claims one task (lease 60s), heartbeats it once and completes it (with its completion context),
each step one statement, its own transaction; a client that finds nothing waits on
LISTEN taskdb_ready (or polls where listening cannot work). It reports claim, heartbeat and complete and tasks/s, measured on the
seeded tasks (they must last the phase: a warning says when they ran out). Then it measures the
claim-to-start latency: the rest of the seed is parked, one more connection creates tasks one
at a time at a quarter of that tasks/s (at most 200/s) while the clients wait, and for each task
created in the measured window the latency runs from the end of its insert to the claim that
took it, both by the server's clock (clock_timestamp(), each just before its commit): p50, p95,
max. The second phase has the same warm-up and duration.

Examples:
  taskdb bench                                   # mixed workload, 8 clients, 10 s
  taskdb bench --workload claim --clients 20 --duration 30s
  taskdb bench --workload worker --clients 8     # tasks/s and claim-to-start latency
  taskdb bench --workload queue --pgbench-script # the anchor's claim, for pgbench
  taskdb bench --format json > bench.json")]
pub struct BenchArgs {
    /// Concurrent connections
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    clients: u64,
    /// How long to measure (e.g. 10s, 2m, 500ms)
    #[arg(long, default_value = "10s", value_parser = parse_whole_duration)]
    duration: Duration,
    /// Unmeasured run-in before measuring
    #[arg(long, default_value = "2s", value_parser = parse_whole_duration)]
    warmup: Duration,
    /// Which operations to run
    #[arg(long, value_enum, default_value_t = Workload::Mixed)]
    workload: Workload,
    /// Tasks to seed the scratch database with (and rows of the minimal queue to start with)
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(100..=10_000_000))]
    seed_rows: u64,
    /// Keep the scratch database afterwards (for inspection or pgbench; remove with --clean)
    #[arg(long)]
    keep: bool,
    /// Only remove a scratch database left by an earlier run, then exit
    #[arg(long, conflicts_with = "keep")]
    clean: bool,
    /// Only create and seed the scratch database, keep it, and exit (for pgbench or psql)
    #[arg(long, conflicts_with_all = ["keep", "clean"])]
    prepare_only: bool,
    /// Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh);
    /// with --workload queue, the minimal queue's claim
    #[arg(long, conflicts_with_all = ["keep", "clean"])]
    pgbench_script: bool,
}

/// The JSON document of a run.
#[derive(Debug, Serialize)]
pub(super) struct BenchReport {
    workload: Workload,
    clients: u64,
    duration_s: f64,
    warmup_s: f64,
    seed_rows: u64,
    server_version: String,
    operations: Vec<OpReport>,
    total_ops_per_sec: f64,
    errors: u64,
    empty_claims: u64,
    first_error: Option<String>,
    disconnected: bool,
    /// The minimal queue (claim and queue workloads; null otherwise).
    anchor: Option<AnchorReport>,
    /// Claims that took a row per second, claim_next's ÷ the anchor's (claim workload; null
    /// otherwise). Without empty claims, their ops/s ratio.
    claim_vs_anchor: Option<f64>,
    /// Tasks completed per second in the measured window (worker workload; null otherwise).
    tasks_per_sec: Option<f64>,
    /// The worker workload's claim-to-start phase (null otherwise).
    claim_to_start: Option<worker::ClaimToStartReport>,
}

/// The minimal queue's figures in the JSON document.
#[derive(Debug, Serialize)]
struct AnchorReport {
    #[serde(flatten)]
    figures: OpReport,
    duration_s: f64,
    /// The rows it was seeded with (grown from --seed-rows until they last the phase).
    queue_rows: u64,
    /// Measured claims that found nothing: the queue ran dry and the ratio is unfair.
    empty_claims: u64,
}

/// What one phase measured: the merged samples, when it started, and how long it measured.
struct PhaseRun {
    samples: Samples,
    started: Instant,
    measured: Duration,
}

impl PhaseRun {
    /// How long after its start the first claim found nothing, if one did.
    fn dry_after(&self) -> Option<Duration> {
        self.samples
            .first_empty
            .map(|t| t.saturating_duration_since(self.started))
    }
}

/// The minimal queue's phase and the rows it ran on.
struct AnchorRun {
    run: PhaseRun,
    rows: u64,
}

/// How often the minimal queue is measured at most (each attempt that runs dry early sizes the
/// next from its rate).
const ANCHOR_ATTEMPTS: u32 = 3;

pub async fn run(args: BenchArgs, ctx: &Context) -> Result<Exit> {
    if args.pgbench_script {
        if args.workload == Workload::Worker {
            return Err(usage(
                "--pgbench-script has no script for --workload worker: each of its steps needs \
                 the task the claim before it took",
            ));
        }
        ctx.out.raw(bench::pgbench_script(args.workload))?;
        return Ok(Exit::SUCCESS);
    }
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    if args.duration.is_zero() {
        return Err(usage("--duration must be longer than 0"));
    }
    let admin = ctx.db().await?;
    let leftover = scratch::scratch_exists(&admin).await?;
    if args.clean {
        if leftover {
            scratch::drop_scratch(&admin).await?;
            ctx.out
                .note(format!("removed the scratch database {SCRATCH_DB}"));
        } else {
            ctx.out.note("nothing to clean: no scratch database");
        }
        return Ok(Exit::SUCCESS);
    }
    if leftover {
        return Err(failed(format!(
            "a scratch database {SCRATCH_DB} from an earlier run exists (crashed, or run with --keep); remove it with `taskdb bench --clean`"
        )));
    }
    scratch::create_scratch(&admin).await?;
    let result = run_in_scratch(&args, ctx, format).await;
    if args.prepare_only && result.is_ok() {
        ctx.out.note(format!(
            "prepared the scratch database {SCRATCH_DB}; remove it with `taskdb bench --clean`"
        ));
        return result;
    }
    if !args.keep {
        if let Err(e) = scratch::drop_scratch(&admin).await {
            ctx.out.warn(format!("could not drop {SCRATCH_DB}: {e:#}"));
        }
    } else {
        ctx.out
            .note(format!("kept the scratch database {SCRATCH_DB}"));
    }
    result
}

async fn run_in_scratch(args: &BenchArgs, ctx: &Context, format: Format) -> Result<Exit> {
    // The configured server and settings (TLS, failover, password), the scratch database.
    let spec = ctx
        .spec()
        .await?
        .clone()
        .with_database(SCRATCH_DB)
        .with_application_name("taskdb bench");

    let spinner = ctx.out.spinner("preparing the scratch database");
    let mut setup = open(&spec, ctx).await?;
    scratch::apply_schema(&mut setup, &ctx.out).await?;
    if args.workload.uses_tasks() {
        scratch::seed(&setup, args.seed_rows).await?;
    }
    if args.workload.uses_anchor() {
        scratch::create_anchor(&setup, args.seed_rows).await?;
    }
    let server_version = scratch::server_version(&setup).await?;
    drop(setup);
    if args.prepare_only {
        spinner.finish_and_clear();
        return Ok(Exit::SUCCESS);
    }
    if args.workload == Workload::Worker {
        spinner.finish_and_clear();
        return worker::run(args, ctx, format, &spec, server_version).await;
    }

    spinner.set_message(format!("opening {} connections", args.clients));
    let mut clients = Vec::new();
    for index in 0..args.clients {
        let client = open(&spec, ctx).await?;
        clients.push(BenchClient::new(client, index, args.workload));
    }
    spinner.finish_and_clear();

    // The anchor first, then taskdb's own workload, each with the server to itself.
    let mut anchor = None;
    if args.workload.uses_anchor() {
        anchor = Some(measure_anchor(args, ctx, &spec, &mut clients).await?);
    }
    let lost = anchor.as_ref().is_some_and(|a| a.run.samples.disconnected);
    let mut main = None;
    if args.workload.uses_tasks() && !lost {
        main = Some(measure(args, ctx, &mut clients, args.workload, false).await);
    }
    report(args, ctx, format, server_version, anchor, main)
}

/// One more connection to the scratch database `spec` (no `-v` line each: there may be
/// hundreds), without taskdb's per-transaction settings: each statement is sent unnamed and on
/// its own, as `pgbench -M extended` sends it, and nothing depends on the server session, so a
/// run works through a transaction pooler too.
async fn open(spec: &ConnSpec, ctx: &Context) -> Result<crate::db::Db> {
    let mut db = crate::db::open(spec, ctx.actor(), &ctx.out, 2).await?;
    db.clear_settings();
    Ok(db)
}

/// The minimal queue's phase. An attempt whose queue runs dry before the phase ends stops
/// there, and the next runs on a queue re-created with the rows that rate needs
/// ([`bench::rows_to_last`]); the last attempt runs to the end whatever happens. The table is
/// dropped afterwards, so nothing of it is left while taskdb's claim is measured.
async fn measure_anchor(
    args: &BenchArgs,
    ctx: &Context,
    spec: &ConnSpec,
    clients: &mut [BenchClient],
) -> Result<AnchorRun> {
    let mut rows = args.seed_rows;
    let mut attempt = 1;
    loop {
        let last = attempt >= ANCHOR_ATTEMPTS || rows >= bench::MAX_ANCHOR_ROWS;
        let run = measure(args, ctx, clients, Workload::Queue, !last).await;
        if run.samples.disconnected {
            return Ok(AnchorRun { run, rows });
        }
        match run.dry_after() {
            Some(after) if !last => {
                let grown = bench::rows_to_last(rows, after, args.warmup + args.duration);
                ctx.out.debug(
                    1,
                    format!(
                        "the minimal queue's {rows} rows ran out after {:.2} s: measuring it again with {grown} rows",
                        after.as_secs_f64()
                    ),
                );
                rows = grown;
                attempt += 1;
                scratch::create_anchor(&open(spec, ctx).await?, rows).await?;
            }
            _ => {
                scratch::drop_anchor(&open(spec, ctx).await?).await?;
                return Ok(AnchorRun { run, rows });
            }
        }
    }
}

/// Run `workload` on every client (warm-up, then `--duration` measured) with a progress
/// line; with `stop_when_dry`, only until a claim finds nothing.
async fn measure(
    args: &BenchArgs,
    ctx: &Context,
    clients: &mut [BenchClient],
    workload: Workload,
    stop_when_dry: bool,
) -> PhaseRun {
    let counter = Arc::new(AtomicU64::new(0));
    let dry = AtomicBool::new(false);
    let started = Instant::now();
    let phase = Phase {
        workload,
        layout: Layout {
            seed_rows: args.seed_rows,
            clients: args.clients,
        },
        record_from: started + args.warmup,
        until: started + args.warmup + args.duration,
        counter: &counter,
        stop_when_dry,
        dry: &dry,
    };
    let label = match workload {
        Workload::Queue => "minimal queue".to_string(),
        w => format!("{w:?} workload"),
    };
    let progress = ctx
        .out
        .spinner(format!("{label}, {} clients", args.clients));
    let ticker = tick(
        &progress,
        label,
        counter.clone(),
        phase.record_from,
        "ops/s",
    );
    let runs = clients.iter_mut().map(|c| c.run(&phase));
    let parts = futures_util::future::join_all(runs).await;
    ticker.abort();
    progress.finish_and_clear();
    let measured = Instant::now()
        .saturating_duration_since(phase.record_from)
        .min(args.duration);
    PhaseRun {
        samples: bench::merge_all(parts),
        started,
        measured,
    }
}
/// Update `progress` every second with the phase's state and the rate of `counter` (in
/// `unit`), until the returned task is aborted.
fn tick(
    progress: &ProgressBar,
    label: String,
    counter: Arc<AtomicU64>,
    record_from: Instant,
    unit: &'static str,
) -> tokio::task::JoinHandle<()> {
    let progress = progress.clone();
    tokio::spawn(async move {
        let mut last = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = counter.load(Ordering::Relaxed);
            let state = if Instant::now() < record_from {
                "warming up"
            } else {
                "measuring"
            };
            progress.set_message(format!("{label}: {state}, {} {unit}", now - last));
            last = now;
        }
    })
}

/// Print what was measured; a lost server or any failed operation is a failure (exit 1).
fn report(
    args: &BenchArgs,
    ctx: &Context,
    format: Format,
    server_version: String,
    mut anchor: Option<AnchorRun>,
    mut main: Option<PhaseRun>,
) -> Result<Exit> {
    let anchor_ops = anchor
        .as_mut()
        .map(|a| bench::summarize(&mut a.run.samples, a.run.measured));
    let main_ops = main
        .as_mut()
        .map(|m| bench::summarize(&mut m.samples, m.measured));
    let anchor_report = anchor
        .as_ref()
        .zip(anchor_ops.as_ref())
        .map(|(a, ops)| AnchorReport {
            figures: bench::row_of(ops, Op::QueueAnchor),
            duration_s: a.run.measured.as_secs_f64(),
            queue_rows: a.rows,
            empty_claims: a.run.samples.empty_claims,
        });
    let phases: Vec<&PhaseRun> = anchor.iter().map(|a| &a.run).chain(main.iter()).collect();
    // The workload's own phase: the anchor's when it is the whole run (`queue`).
    let Some(own) = phases.last() else {
        return Err(failed("nothing was measured"));
    };
    let operations = main_ops.or(anchor_ops).unwrap_or_default();
    let errors: u64 = phases.iter().map(|p| p.samples.error_count()).sum();
    let first_error = phases.iter().find_map(|p| p.samples.first_error.clone());
    let disconnected = phases.iter().any(|p| p.samples.disconnected);
    let mut report = BenchReport {
        workload: args.workload,
        clients: args.clients,
        duration_s: own.measured.as_secs_f64(),
        warmup_s: args.warmup.as_secs_f64(),
        seed_rows: args.seed_rows,
        server_version,
        total_ops_per_sec: operations.last().map(|r| r.ops_per_sec).unwrap_or(0.0),
        operations,
        errors,
        empty_claims: own.samples.empty_claims,
        first_error,
        disconnected,
        anchor: anchor_report,
        claim_vs_anchor: None,
        tasks_per_sec: None,
        claim_to_start: None,
    };
    report.claim_vs_anchor = claim_rates(&report).and_then(|(claim, anchor)| ratio(claim, anchor));
    match format {
        Format::Json => ctx.out.json(&report)?,
        _ => render_table(ctx, &report)?,
    }
    if !disconnected {
        warn_dry(args, ctx, anchor.as_ref(), main.as_ref());
    }
    verdict(&report)
}

/// A lost server or any failed operation makes the run a failure (exit 1), after its figures.
fn verdict(report: &BenchReport) -> Result<Exit> {
    let first_error = report.first_error.clone().unwrap_or_default();
    if report.disconnected {
        return Err(failed(format!(
            "the server went away during the run: {first_error}"
        )));
    }
    if report.errors > 0 {
        return Err(failed(format!(
            "{} operations failed; first: {first_error}",
            report.errors
        )));
    }
    Ok(Exit::SUCCESS)
}

/// Claims that took a row per second, claim_next's and the anchor's (claim workload): what
/// the ratio compares. Claims that found nothing are left out, so a pool that runs dry makes
/// its side look slower, never faster.
fn claim_rates(report: &BenchReport) -> Option<(f64, f64)> {
    let anchor = report
        .anchor
        .as_ref()
        .filter(|_| report.workload == Workload::Claim)?;
    let took =
        |count: u64, empty: u64, secs: f64| count.saturating_sub(empty) as f64 / secs.max(1e-9);
    let claim = bench::row_of(&report.operations, Op::ClaimNext);
    Some((
        took(claim.count, report.empty_claims, report.duration_s),
        took(anchor.figures.count, anchor.empty_claims, anchor.duration_s),
    ))
}

/// `a ÷ b` when both are positive and the quotient finite.
fn ratio(a: f64, b: f64) -> Option<f64> {
    let r = a / b;
    (a > 0.0 && b > 0.0 && r.is_finite()).then_some(r)
}

/// A ratio with two significant digits, and at least two decimals (0.0069, 0.065, 0.41, 1.50).
fn ratio_text(r: f64) -> String {
    let decimals = (1 - r.log10().floor() as i64).clamp(2, 12) as usize;
    format!("{r:.decimals$}")
}

/// The table: the operations, with the anchor's row after claim_next's, and what they mean.
fn render_table(ctx: &Context, report: &BenchReport) -> Result<()> {
    let mut rows = report.operations.clone();
    if let (Workload::Claim, Some(anchor)) = (report.workload, &report.anchor) {
        let claim = rows
            .iter()
            .position(|r| r.operation == Op::ClaimNext.name())
            .map_or(0, |i| i + 1);
        rows.insert(claim, anchor.figures.clone());
    }
    ctx.out.list(&rows)?;
    let seeded = if report.workload.uses_tasks() {
        format!(", {} seeded tasks", report.seed_rows)
    } else {
        String::new()
    };
    ctx.out.note(format!(
        "{:?} workload, {} clients, {:.1} s measured after {:.1} s warm-up{seeded}, PostgreSQL {}",
        report.workload, report.clients, report.duration_s, report.warmup_s, report.server_version
    ));
    match (report.workload, &report.anchor, report.claim_vs_anchor, claim_rates(report)) {
        (Workload::Claim, Some(anchor), Some(r), Some((claim, queue))) => ctx.out.note(format!(
            "claim_next = {}× the minimal queue ({claim:.0} vs {queue:.0} claims/s{}). queue_anchor: the same \
             connections claiming from a bare FOR UPDATE SKIP LOCKED table of {} rows (one partial index, \
             no triggers), measured just before; total leaves it out",
            ratio_text(r),
            if report.empty_claims + anchor.empty_claims > 0 {
                "; unfair: a pool ran dry, see below"
            } else {
                ""
            },
            anchor.queue_rows
        )),
        (Workload::Queue, Some(anchor), _, _) => ctx.out.note(format!(
            "queue_anchor: a bare FOR UPDATE SKIP LOCKED table of {} rows (one partial index, no triggers)",
            anchor.queue_rows
        )),
        _ => {}
    }
    if report.workload == Workload::Worker {
        worker::notes(ctx, report);
    } else if report.empty_claims > 0 && !report.workload.uses_anchor() {
        ctx.out.note(format!(
            "{} claims found nothing ready (the claim pool ran dry; raise --seed-rows)",
            report.empty_claims
        ));
    }
    Ok(())
}

/// Say when a claim phase of `claim` or `queue` ran out of rows before its end: its figures
/// (and the ratio) then mix claims with empty polls.
fn warn_dry(args: &BenchArgs, ctx: &Context, anchor: Option<&AnchorRun>, main: Option<&PhaseRun>) {
    let phase = args.warmup + args.duration;
    if let Some((a, after)) = anchor.and_then(|a| a.run.dry_after().map(|t| (a, t))) {
        ctx.out.warn(format!(
            "the minimal queue ran dry {:.1} s into its {:.1} s phase even with {} rows ({} measured claims found nothing): its figures and the ratio are unfair",
            after.as_secs_f64(),
            phase.as_secs_f64(),
            a.rows,
            a.run.samples.empty_claims
        ));
    }
    if args.workload != Workload::Claim {
        return;
    }
    if let Some((m, after)) = main.and_then(|m| m.dry_after().map(|t| (m, t))) {
        let enough = bench::rows_to_last(args.seed_rows, after, phase).div_ceil(10_000) * 10_000;
        ctx.out.warn(format!(
            "the claim pool ran dry {:.1} s into its {:.1} s phase ({} measured claims found nothing ready): claim_next's figures and the ratio are unfair; run with --seed-rows {}",
            after.as_secs_f64(),
            phase.as_secs_f64(),
            m.samples.empty_claims,
            enough.min(bench::MAX_ANCHOR_ROWS)
        ));
    }
}
