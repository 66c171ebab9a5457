//! `taskdb bench`: the built-in load test (engine in `crate::bench`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use crate::bench::{self, BenchClient, Layout, OpReport, Workload};
use crate::context::Context;
use crate::db::bench::{self as scratch, SCRATCH_DB};
use crate::exit::{failed, usage, Exit};
use crate::options::Format;
use crate::units::parse_whole_duration;

#[derive(Debug, Args)]
#[command(after_help = "\
The bench creates its own scratch database (taskdb_bench_scratch) on the configured server,
applies the schema, seeds it, runs the workload and drops it again: real tasks are never touched.
It needs the CREATEDB privilege. If a scratch database is left from a crashed run, bench refuses
to run until `taskdb bench --clean` has removed it.

Examples:
  taskdb bench                                   # mixed workload, 8 clients, 10 s
  taskdb bench --workload claim --clients 20 --duration 30s
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
    /// Tasks to seed the scratch database with
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
    /// Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh)
    #[arg(long, conflicts_with_all = ["keep", "clean"])]
    pgbench_script: bool,
}

/// The JSON document of a run.
#[derive(Debug, Serialize)]
struct BenchReport {
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
}

pub async fn run(args: BenchArgs, ctx: &Context) -> Result<Exit> {
    if args.pgbench_script {
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
    let mut setup = spec.client().await?;
    scratch::apply_schema(&mut setup, &ctx.out).await?;
    scratch::seed(&setup, args.seed_rows).await?;
    let server_version = scratch::server_version(&setup).await?;
    drop(setup);
    if args.prepare_only {
        spinner.finish_and_clear();
        return Ok(Exit::SUCCESS);
    }

    spinner.set_message(format!("opening {} connections", args.clients));
    let mut clients = Vec::new();
    for index in 0..args.clients {
        let client = spec.client().await?;
        clients.push(BenchClient::prepare(client, index, args.workload).await?);
    }
    spinner.finish_and_clear();

    let (samples, measured) = measure(args, ctx, &mut clients).await;
    report(args, ctx, format, server_version, samples, measured)
}

/// Run the workload on every client (warm-up, then `--duration` measured) with a progress
/// line; the merged samples and the time measured.
async fn measure(
    args: &BenchArgs,
    ctx: &Context,
    clients: &mut [BenchClient],
) -> (bench::Samples, Duration) {
    let layout = Layout {
        seed_rows: args.seed_rows,
        clients: args.clients,
    };
    let start = Instant::now();
    let record_from = start + args.warmup;
    let until = record_from + args.duration;
    let counter = Arc::new(AtomicU64::new(0));
    let progress = ctx.out.spinner(format!(
        "{:?} workload, {} clients",
        args.workload, args.clients
    ));
    let ticker = {
        let progress = progress.clone();
        let counter = counter.clone();
        let workload = args.workload;
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let now = counter.load(Ordering::Relaxed);
                let phase = if Instant::now() < record_from {
                    "warming up"
                } else {
                    "measuring"
                };
                progress.set_message(format!("{workload:?}: {phase}, {} ops/s", now - last));
                last = now;
            }
        })
    };
    let runs = clients
        .iter_mut()
        .map(|c| c.run(args.workload, layout, record_from, until, &counter));
    let parts = futures_util::future::join_all(runs).await;
    ticker.abort();
    progress.finish_and_clear();
    let measured = Instant::now()
        .saturating_duration_since(record_from)
        .min(args.duration);
    (bench::merge_all(parts), measured)
}

/// Print what was measured; a lost server or any failed operation is a failure (exit 1).
fn report(
    args: &BenchArgs,
    ctx: &Context,
    format: Format,
    server_version: String,
    mut samples: bench::Samples,
    measured: Duration,
) -> Result<Exit> {
    let operations = bench::summarize(&mut samples, measured);
    let total = operations.last().map(|r| r.ops_per_sec).unwrap_or(0.0);
    let errors: u64 = samples.errors.values().sum();
    let report = BenchReport {
        workload: args.workload,
        clients: args.clients,
        duration_s: measured.as_secs_f64(),
        warmup_s: args.warmup.as_secs_f64(),
        seed_rows: args.seed_rows,
        server_version,
        operations,
        total_ops_per_sec: total,
        errors,
        empty_claims: samples.empty_claims,
        first_error: samples.first_error.clone(),
        disconnected: samples.disconnected,
    };
    match format {
        Format::Json => ctx.out.json(&report)?,
        _ => {
            ctx.out.list(&report.operations)?;
            ctx.out.note(format!(
                "{:?} workload, {} clients, {:.1} s measured after {:.1} s warm-up, {} seeded tasks, PostgreSQL {}",
                report.workload, report.clients, report.duration_s, report.warmup_s, report.seed_rows, report.server_version
            ));
            if report.empty_claims > 0 {
                ctx.out.note(format!(
                    "{} claims found nothing ready (the claim pool ran dry; raise --seed-rows)",
                    report.empty_claims
                ));
            }
        }
    }
    if samples.disconnected {
        return Err(failed(format!(
            "the server went away during the run: {}",
            samples.first_error.unwrap_or_default()
        )));
    }
    if errors > 0 {
        return Err(failed(format!(
            "{errors} operations failed; first: {}",
            samples.first_error.unwrap_or_default()
        )));
    }
    Ok(Exit::SUCCESS)
}
