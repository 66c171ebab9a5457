//! The `worker` workload: what `taskdb worker` does per task, minus the command, on N
//! connections, and how long a new task waits before a worker has it.
//!
//! Each client loops: claim one task with a lease ([`WORKER_LEASE`]), heartbeat it once, end
//! the attempt as succeeded (the task completed, with its completion context). Each step is one
//! statement, its own transaction, as the worker runs them; the statements are
//! `crate::db::bench::WorkerStatements`. A client that finds nothing claimable waits as a worker
//! does: on its [`Waiter`] (`LISTEN taskdb_ready` on a connection of its own), woken by a
//! notification or after [`IDLE_RECHECK`] at most.
//!
//! The workload has two phases. The first measures throughput on the seeded tasks (it must not
//! run dry). The second measures the claim-to-start latency: what is left of the seed is parked,
//! the workers go idle, and a [`Producer`] (one more connection) creates tasks at a steady rate
//! ([`producer_rate`]); for each task created in the measured window, the latency runs from
//! the moment its insert was done (`clock_timestamp()` just before the producer's commit, which
//! makes it claimable) to the moment a claim took it (`clock_timestamp()` in the claim, just
//! before its commit), both by the server's clock ([`claim_to_start`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;
use tokio::time::MissedTickBehavior;

use super::{describe_pg_error, Op, Samples, CLAIMANT_PREFIX};
use crate::db::bench::{produce_sql, StepError, WorkerStatements};
use crate::db::listen::{WaitMode, Waiter};
use crate::db::tasks::AttemptEnd;
use crate::db::Db;
use crate::settings::DEFAULT_MAX_ATTEMPTS;

/// The lease each claim takes, and the heartbeat extends it by.
pub const WORKER_LEASE: Duration = Duration::from_secs(60);

/// The longest an idle client waits between two claims without a notification (as a worker
/// looks again now and then: a lease that ends notifies nobody).
pub const IDLE_RECHECK: Duration = Duration::from_secs(1);

/// After the claim-to-start phase's window, how long the clients stay to take the tasks created
/// in it that are still unclaimed (so the slowest are measured too, not left out).
pub const DRAIN: Duration = Duration::from_secs(5);

/// The producer's rate: this share of the tasks/s the first phase measured, so the workers are
/// idle most of the time (the latency is a wake-up's, not a backlog's)…
const RATE_SHARE: f64 = 0.25;
/// …at most this many tasks a second (one connection creates them, each its own transaction)…
pub const MAX_RATE: f64 = 200.0;
/// …and at least this many.
const MIN_RATE: f64 = 1.0;

/// How fast the producer creates tasks, from the first phase's tasks/s: a quarter of it, within
/// 1 to [`MAX_RATE`] a second.
pub fn producer_rate(tasks_per_sec: f64) -> f64 {
    let rate = tasks_per_sec * RATE_SHARE;
    if rate.is_finite() {
        rate.clamp(MIN_RATE, MAX_RATE)
    } else {
        MIN_RATE
    }
}

/// The producer's tasks the clients have yet to take, shared by the producer and the clients of
/// the claim-to-start phase.
#[derive(Debug, Default)]
pub struct Production {
    /// Created minus taken (briefly negative when a client takes a task before the producer has
    /// its commit's answer).
    outstanding: AtomicI64,
    /// The producer has stopped.
    done: AtomicBool,
}

impl Production {
    /// The producer has stopped and every task it created is taken.
    fn settled(&self) -> bool {
        self.done.load(Ordering::Acquire) && self.outstanding.load(Ordering::Acquire) <= 0
    }
}

/// One measured phase of the worker workload, shared by its clients.
pub struct WorkerPhase<'a> {
    /// Cycles whose claim starts from here on are measured (the end of the warm-up)…
    pub record_from: Instant,
    /// …and before this.
    pub until: Instant,
    /// Measured tasks completed so far, for the progress line.
    pub counter: &'a AtomicU64,
    /// The claim-to-start phase's producer: finding nothing is then the normal idle state, and
    /// after `until` the clients stay (up to [`DRAIN`]) until it settles.
    pub production: Option<&'a Production>,
}

impl WorkerPhase<'_> {
    /// The clients go on claiming at `now`.
    fn goes_on(&self, now: Instant) -> bool {
        if now < self.until {
            return true;
        }
        self.production
            .is_some_and(|p| !p.settled() && now < self.until + DRAIN)
    }

    /// The latest an idle client waits to.
    fn end(&self) -> Instant {
        match self.production {
            Some(_) => self.until + DRAIN,
            None => self.until,
        }
    }
}

/// One connected client of the worker workload: its statements and its waiter.
pub struct WorkerClient {
    client: Db,
    statements: WorkerStatements,
    waiter: Waiter,
    /// Who this client claims as (`bench-agent-3`).
    who: String,
}

impl WorkerClient {
    /// A client with the worker's statements on `client`; `waiter` (opened before the first
    /// claim, so nothing that becomes claimable after it goes unheard) is its own.
    pub fn new(client: Db, index: u64, waiter: Waiter) -> WorkerClient {
        WorkerClient {
            client,
            statements: WorkerStatements::new(),
            waiter,
            who: format!("{CLAIMANT_PREFIX}{index}"),
        }
    }

    /// This client's waiter.
    pub fn waiter(&self) -> &Waiter {
        &self.waiter
    }

    /// How this client's waiter learns of new work now.
    pub fn wait_mode(&self) -> &WaitMode {
        self.waiter.mode()
    }

    /// Claim, heartbeat and complete tasks until the phase ends; wait on the waiter whenever
    /// nothing is claimable. Every claim that took a task is kept with its moment in
    /// `Samples::claimed`.
    pub async fn run(&mut self, phase: &WorkerPhase<'_>) -> Samples {
        let mut samples = Samples::default();
        while !samples.disconnected && phase.goes_on(Instant::now()) {
            let started = Instant::now();
            let measured = started >= phase.record_from && started < phase.until;
            let claim = self
                .statements
                .claim(&self.client, &self.who, WORKER_LEASE, DEFAULT_MAX_ATTEMPTS)
                .await;
            let Some(claimed) = self.timed(&mut samples, Op::Claim, started, measured, claim)
            else {
                continue;
            };
            let Some((task, claimed_us)) = claimed else {
                samples.first_empty.get_or_insert(started);
                if measured {
                    samples.empty_claims += 1;
                }
                let until = (Instant::now() + IDLE_RECHECK).min(phase.end());
                self.waiter
                    .wait(tokio::time::Instant::from_std(until))
                    .await;
                continue;
            };
            if let Some(production) = phase.production {
                production.outstanding.fetch_sub(1, Ordering::AcqRel);
            }
            samples.claimed.push((task.short_id, claimed_us));

            let at = Instant::now();
            let beat = self
                .statements
                .heartbeat(&self.client, &task, &self.who, WORKER_LEASE)
                .await;
            if self
                .timed(&mut samples, Op::Heartbeat, at, measured, beat)
                .is_none()
            {
                continue;
            }

            let at = Instant::now();
            let end = AttemptEnd {
                holder: &self.who,
                attempt: task.attempts,
                succeeded: true,
                note: None,
                details: json!({
                    "exit_code": 0,
                    "signal": null,
                    "stderr_tail": "",
                    "duration_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                }),
                max_attempts: DEFAULT_MAX_ATTEMPTS,
            };
            let finished = self.statements.finish(&self.client, &task, &end).await;
            if self
                .timed(&mut samples, Op::Complete, at, measured, finished)
                .is_some()
                && measured
            {
                phase.counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        samples
    }

    /// Account for one step that started at `started`: its latency when `measured`, or its
    /// error (a lost connection ends the client's run). The step's value when it succeeded.
    fn timed<T>(
        &self,
        samples: &mut Samples,
        op: Op,
        started: Instant,
        measured: bool,
        result: Result<T, StepError>,
    ) -> Option<T> {
        let micros = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        match result {
            Ok(value) => {
                if measured {
                    samples.latencies.entry(op).or_default().push(micros);
                }
                Some(value)
            }
            Err(err) => {
                *samples.errors.entry(op).or_default() += 1;
                let (text, closed) = match &err {
                    StepError::Db(e) => (describe_pg_error(e), e.is_closed()),
                    StepError::Row(why) => (why.clone(), false),
                };
                if samples.first_error.is_none() {
                    samples.first_error = Some(format!("{}: {text}", op.name()));
                }
                samples.disconnected |= closed || self.client.is_closed();
                None
            }
        }
    }
}

/// A task the producer created: its short id, when its insert was done (the server's clock,
/// µs since the epoch), and whether that was in the measured window.
#[derive(Debug, Clone, Copy)]
pub struct Produced {
    pub short_id: i64,
    pub created_us: i64,
    pub measured: bool,
}

/// What the producer did.
#[derive(Debug, Default)]
pub struct ProducerRun {
    pub produced: Vec<Produced>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub disconnected: bool,
}

/// The claim-to-start phase's producer: one connection creating claimable tasks.
pub struct Producer {
    client: Db,
    statement: String,
}

impl Producer {
    /// The producer on `client` (a connection of its own).
    pub fn new(client: Db) -> Producer {
        Producer {
            client,
            statement: produce_sql(),
        }
    }

    /// Create tasks at `rate` a second, each its own transaction, from now until `until`;
    /// those created from `record_from` on are measured. `production` learns of each one, and
    /// that the producer stopped.
    pub async fn run(
        &self,
        rate: f64,
        record_from: Instant,
        until: Instant,
        production: &Production,
    ) -> ProducerRun {
        let mut run = ProducerRun::default();
        let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(MIN_RATE)));
        // A late insert delays the next ones rather than sending a burst to catch up.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut n: i64 = 0;
        loop {
            ticks.tick().await;
            let started = Instant::now();
            if started >= until {
                break;
            }
            n += 1;
            let made = self
                .client
                .query_one(&self.statement, &[&n])
                .await
                .and_then(|row| Ok((row.try_get(0)?, row.try_get(1)?)));
            match made {
                Ok((short_id, created_us)) => {
                    production.outstanding.fetch_add(1, Ordering::AcqRel);
                    run.produced.push(Produced {
                        short_id,
                        created_us,
                        measured: started >= record_from,
                    });
                }
                Err(e) => {
                    run.errors += 1;
                    run.first_error
                        .get_or_insert_with(|| format!("produce: {}", describe_pg_error(&e)));
                    if e.is_closed() || self.client.is_closed() {
                        run.disconnected = true;
                        break;
                    }
                }
            }
        }
        production.done.store(true, Ordering::Release);
        run
    }
}

/// The claim-to-start latencies of the tasks created in the measured window.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClaimToStart {
    /// Tasks created in the window.
    pub produced: u64,
    /// Their latencies in µs (from the end of the task's insert to the claim taking it, the
    /// server's clock), sorted; one per task taken.
    pub latencies_us: Vec<u32>,
    /// Tasks created in the window that no claim took by the end of the phase.
    pub unclaimed: u64,
}

/// Pair the measured tasks the producer created with the claims that took them (`claimed`:
/// short id and the claim's moment, as [`WorkerClient::run`] keeps them).
pub fn claim_to_start(produced: &[Produced], claimed: &[(i64, i64)]) -> ClaimToStart {
    let mut taken: HashMap<i64, i64> = HashMap::with_capacity(claimed.len());
    for &(short_id, at) in claimed {
        let first = taken.entry(short_id).or_insert(at);
        *first = (*first).min(at);
    }
    let mut out = ClaimToStart::default();
    for p in produced.iter().filter(|p| p.measured) {
        out.produced += 1;
        match taken.get(&p.short_id) {
            // A wall clock may step back between the two readings: never below zero.
            Some(&at) => out.latencies_us.push(
                at.saturating_sub(p.created_us)
                    .clamp(0, i64::from(u32::MAX)) as u32,
            ),
            None => out.unclaimed += 1,
        }
    }
    out.latencies_us.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_a_quarter_of_the_throughput_within_bounds() {
        assert_eq!(producer_rate(400.0), 100.0);
        assert_eq!(producer_rate(10_000.0), MAX_RATE);
        assert_eq!(producer_rate(0.0), 1.0);
        assert_eq!(producer_rate(f64::NAN), 1.0);
    }

    #[test]
    fn latencies_pair_measured_tasks_with_their_first_claim() {
        let p = |short_id, created_us, measured| Produced {
            short_id,
            created_us,
            measured,
        };
        let produced = [
            p(1, 1_000, false),
            p(2, 2_000, true),
            p(3, 3_000, true),
            p(4, 4_000, true),
            p(5, 5_000, true),
        ];
        // 1 is from the warm-up; 4 is never taken; 5 was claimed twice; 3's clock stepped back.
        let claimed = [(1, 1_500), (2, 2_700), (5, 9_000), (5, 5_250), (3, 2_990)];
        let got = claim_to_start(&produced, &claimed);
        assert_eq!(got.produced, 4);
        assert_eq!(got.unclaimed, 1);
        assert_eq!(got.latencies_us, [0, 250, 700]);
    }

    #[test]
    fn the_phase_drains_only_with_a_producer() {
        let counter = AtomicU64::new(0);
        let now = Instant::now();
        let mut phase = WorkerPhase {
            record_from: now,
            until: now,
            counter: &counter,
            production: None,
        };
        assert!(!phase.goes_on(now));
        let production = Production::default();
        production.outstanding.store(1, Ordering::Release);
        production.done.store(true, Ordering::Release);
        phase.production = Some(&production);
        assert!(phase.goes_on(now + Duration::from_secs(1)));
        assert!(!phase.goes_on(now + DRAIN));
        production.outstanding.store(0, Ordering::Release);
        assert!(!phase.goes_on(now + Duration::from_secs(1)));
    }
}
