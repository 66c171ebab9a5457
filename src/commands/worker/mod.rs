//! `taskdb worker [flags] -- CMD [ARGS…]`: claim tasks and run a command for each, for as long
//! as there is work (or until told to stop).
//!
//! Here: the flags and the loop that claims while slots are free (with backoff while the
//! database cannot be reached) and collects what the runs report. The parts: `plan` checks the
//! flags (all before anything connects), `supervise` runs one task's
//! command (heartbeats, loss, stop, the attempt's end), `pump` passes its output through,
//! `conn` holds the connection the runs share and the idle wait, `report` prints the outcome
//! of each task. The rules (who holds a task, attempts, give-up) are the schema's
//! (`crate::db::tasks::lease`); no transaction is open while a command runs: a claim, a
//! heartbeat and the attempt's end are one statement each.

mod conn;
mod plan;
mod pump;
mod report;
mod supervise;

use std::ffi::OsString;
use std::pin::Pin;
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::watch;

use crate::context::Context;
use crate::db::reconnect::{self, Backoff};
use crate::db::tasks::{ClaimRequest, Task};
use crate::exit::Exit;
use crate::platform::PrivateDir;
use crate::signals::{self, Signal};
use conn::{Conn, IdleWait};
use plan::{plan, Plan};
use report::{Report, Tally};

#[derive(Debug, Args)]
#[command(after_help = "Each claimed task runs CMD with TASKDB_TASK_ID (uuid), \
    TASKDB_TASK_SHORT_ID, TASKDB_TASK_ATTEMPT, TASKDB_TASK_HOLDER and TASKDB_TASK_FILE (the task \
    as `task show --format json` prints its fields; 0600, removed afterwards) in its \
    environment, stdin empty, in a process group of its own. CMD's stdout and stderr go to the \
    worker's stderr (prefixed [#id] with --concurrency above 1). The lease is extended every \
    third of it while CMD runs.\n\
    Exit 0: the task is completed. Anything else (an exit status, a signal, a CMD that cannot \
    start) fails the attempt: the task is pending again, or failed after max attempts; the exit \
    code, signal, duration and the last 20 lines of stderr are kept as an error context. If the \
    lease is lost (a heartbeat refused: it expired and another worker took the task), CMD is \
    stopped and the task left alone.\n\
    SIGINT/SIGTERM: stop claiming, let running commands finish for --grace, then stop them \
    (SIGTERM to the group, SIGKILL 5 s later) and release their tasks; a second signal stops \
    them at once. Exit 130/143 then.\n\
    A failover: while the database cannot be reached, claims are tried again (waits doubling \
    from 250 ms to 2 s) for --reconnect-for, and a running task's heartbeats and end until its \
    lease ends; running commands go on. A claim whose answer was lost is not held for long: \
    its lease expires and the task is claimed again.\n\
    Exit codes: 0 (--idle-exit or --max-tasks reached; --once: the task completed), 1 (--once: \
    it failed or was lost; or a database error before anything was claimed), 2 bad input, 4 \
    (--once: nothing to claim, within --idle-exit), 6 (the database could not be reached at \
    start, or for all of --reconnect-for), 130/143 signals.\n\n\
    Examples:\n  \
    taskdb worker --tag backend -- ./run-task.sh\n  \
    taskdb worker --concurrency 4 --idle-exit 10m -- sh -c 'agent \"$TASKDB_TASK_FILE\"'\n  \
    taskdb worker --once -- make -C /srv/ci task || [ $? -eq 4 ]   # one task, if any\n  \
    taskdb --format json worker --max-tasks 10 -- ./run.sh | jq -c 'select(.outcome != \"completed\")'")]
pub struct WorkerArgs {
    /// Only tasks carrying this tag
    #[arg(long, short = 't', value_name = "TAG")]
    tag: Option<String>,
    /// Only tasks of this type
    #[arg(long = "type", value_name = "TYPE")]
    task_type: Option<String>,
    /// Run up to N tasks at once (1-1000)
    #[arg(
        long,
        value_name = "N",
        default_value = "1",
        allow_hyphen_values = true
    )]
    concurrency: String,
    /// The lease of each claim, extended every third of it while CMD runs (30s, 15m, 2h) [default: [tasks] lease, else 15m]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    lease: Option<String>,
    /// Attempts before a task is given up (failed) [default: the task's own, else [tasks] max_attempts, else 3]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    max_attempts: Option<String>,
    /// Run one task, then exit with its outcome (0 completed, 1 not; 4 nothing to claim)
    #[arg(long)]
    once: bool,
    /// Claim at most N tasks, then exit 0 when they are done
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    max_tasks: Option<String>,
    /// Exit 0 after this long with nothing running and nothing to claim [default: never]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    idle_exit: Option<String>,
    /// On SIGINT/SIGTERM, how long running commands may still finish before they are stopped
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        allow_hyphen_values = true
    )]
    grace: String,
    /// The holder of the claims [default: the actor]
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// While the database cannot be reached (a failover), keep trying this long, then exit 6 [default: [tasks] reconnect_for, else 60s]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    reconnect_for: Option<String>,
    /// The command to run for each task, and its arguments (after --)
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

/// How long after SIGTERM a command that is being stopped gets SIGKILL.
pub(super) const KILL_AFTER: Duration = Duration::from_secs(5);

/// What the runs are told: keep going, or stop (SIGTERM, or SIGKILL at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    Run,
    /// The grace is over: SIGTERM to the group, SIGKILL after [`KILL_AFTER`], release.
    Terminate,
    /// A second signal: SIGKILL now, release.
    Kill,
}

pub async fn run(a: WorkerArgs, ctx: &Context) -> Result<Exit> {
    let plan = plan(a, ctx)?;
    // Signals are the worker's own from here (lib::run leaves them to it): a claim must not be
    // abandoned halfway, and running commands get their grace.
    let mut signals = signals::Listener::new();
    let dir = PrivateDir::create("taskdb-worker-")?;
    let conn = Conn::new(ctx);
    // The first connection is made before the loop, so a wrong address is one line and exit 1.
    tokio::select! {
        db = conn.get() => drop(db?),
        signal = signals.recv() => return Err(signals::interrupted(signal, 0)),
    }
    // Listening starts before the first claim, so no task that becomes claimable after that
    // claim is missed.
    let waiter = tokio::select! {
        waiter = IdleWait::open(ctx) => waiter?,
        signal = signals.recv() => return Err(signals::interrupted(signal, 0)),
    };
    ctx.out.debug(
        1,
        format!(
            "worker started: holder {}, concurrency {}, lease {}, command {}",
            plan.holder,
            plan.concurrency,
            crate::units::format_duration(plan.lease.as_secs_f64()),
            plan.program.to_string_lossy()
        ),
    );
    let mut w = Loop::new(ctx, &plan, &conn, &dir, waiter);
    let result = w.run(&mut signals).await;
    ctx.out
        .debug(1, format!("worker stopped: {}", w.tally.summary()));
    result
}

type Run<'a> = Pin<Box<dyn std::future::Future<Output = Report> + 'a>>;
type Claim<'a> = Pin<Box<dyn std::future::Future<Output = Result<Vec<Task>>> + 'a>>;

/// The worker's state between two events.
struct Loop<'a> {
    ctx: &'a Context,
    plan: &'a Plan,
    conn: &'a Conn<'a>,
    dir: &'a PrivateDir,
    stop: watch::Sender<Stop>,
    running: FuturesUnordered<Run<'a>>,
    claiming: Option<Claim<'a>>,
    /// How many tasks the claim in flight asked for.
    claim_asked: u32,
    tally: Tally,
    /// Claim as soon as a slot is free (false after a claim found less than it asked for, until
    /// the idle wait ends).
    claim_now: bool,
    /// A claim has succeeded (until then a claim that fails for another reason than an
    /// unreachable database is fatal: a misconfiguration).
    claimed_once: bool,
    /// The last claim succeeded and found less than it asked for.
    queue_empty: bool,
    /// The waits between failing claims, within `--reconnect-for`.
    backoff: Backoff,
    /// When to claim again after a failed claim.
    retry_at: Option<Instant>,
    /// Claims failed for all of `--reconnect-for`: no more claims; the error to exit with
    /// once the running tasks are done.
    gave_up: Option<anyhow::Error>,
    /// The first signal, once one arrived.
    signal: Option<Signal>,
    grace_ends: Option<Instant>,
    /// Since when nothing has run and nothing was claimable.
    idle_since: Instant,
    waiter: IdleWait,
}

impl<'a> Loop<'a> {
    fn new(
        ctx: &'a Context,
        plan: &'a Plan,
        conn: &'a Conn<'a>,
        dir: &'a PrivateDir,
        waiter: IdleWait,
    ) -> Self {
        Loop {
            ctx,
            plan,
            conn,
            dir,
            stop: watch::channel(Stop::Run).0,
            running: FuturesUnordered::new(),
            claiming: None,
            claim_asked: 0,
            tally: Tally::default(),
            claim_now: true,
            claimed_once: false,
            queue_empty: false,
            backoff: Backoff::new(plan.reconnect_for),
            retry_at: None,
            gave_up: None,
            signal: None,
            grace_ends: None,
            idle_since: Instant::now(),
            waiter,
        }
    }

    /// Tasks the worker may still claim now: free slots, within --max-tasks.
    fn wanted(&self) -> u32 {
        if self.signal.is_some() || self.gave_up.is_some() {
            return 0;
        }
        let free = u64::from(self.plan.concurrency).saturating_sub(self.running.len() as u64);
        let left = match self.plan.max_tasks {
            Some(max) => max.saturating_sub(self.tally.claimed),
            None => u64::MAX,
        };
        u32::try_from(free.min(left)).unwrap_or(u32::MAX)
    }

    fn start_claim(&mut self, n: u32) {
        let plan = self.plan;
        let conn = self.conn;
        self.claim_now = false;
        self.claim_asked = n;
        self.claiming = Some(Box::pin(async move {
            let req = ClaimRequest {
                holder: &plan.holder,
                lease: Some(plan.lease),
                tag: plan.tag.as_deref(),
                task_type: plan.task_type.as_deref(),
                limit: n,
                max_attempts: plan.max_attempts,
            };
            conn.claim(&req, plan.beat_every().max(Duration::from_secs(10)))
                .await
        }));
    }

    /// A claim ended: start a run per task. A failure is fatal before the first success unless
    /// the database was unreachable (a misconfiguration); otherwise claims are tried again
    /// with backoff for `--reconnect-for`, while running tasks go on.
    fn claimed(&mut self, asked: u32, result: Result<Vec<Task>>) -> Result<()> {
        match result {
            Ok(tasks) => {
                if let Some(since) = self.backoff.failing_since() {
                    self.ctx.out.note(format!(
                        "claims work again after {}",
                        crate::units::format_duration(since.elapsed().as_secs_f64())
                    ));
                }
                self.backoff.succeeded();
                self.claimed_once = true;
                self.queue_empty = (tasks.len() as u64) < u64::from(asked);
                self.claim_now = !self.queue_empty;
                if !tasks.is_empty() {
                    self.idle_since = Instant::now();
                }
                for task in tasks {
                    self.tally.claimed += 1;
                    let (ctx, plan, conn, rx) =
                        (self.ctx, self.plan, self.conn, self.stop.subscribe());
                    let run: Run<'a> = if self.signal.is_some() {
                        // Claimed while the signal arrived: hand it back at once.
                        Box::pin(supervise::release_unstarted(ctx, plan, conn, task, rx))
                    } else {
                        Box::pin(supervise::run(ctx, plan, conn, self.dir, task, rx))
                    };
                    self.running.push(run);
                }
                Ok(())
            }
            Err(e) if !self.claimed_once && !reconnect::is_retryable(&e) => Err(e),
            Err(e) => {
                self.queue_empty = false;
                let first = self.backoff.failing_since().is_none();
                match self.backoff.failed(Instant::now()) {
                    Some(wait) => {
                        if first {
                            self.ctx.out.warn(format!(
                                "claim failed (trying again for up to {}, running tasks go on): {e:#}",
                                crate::units::format_duration(self.plan.reconnect_for.as_secs_f64())
                            ));
                        }
                        self.retry_at = Some(Instant::now() + wait);
                    }
                    None => {
                        if !self.running.is_empty() {
                            self.ctx.out.note(format!(
                                "giving up on claims; waiting for {} running task(s)",
                                self.running.len()
                            ));
                        }
                        self.gave_up = Some(reconnect::gave_up(e, self.plan.reconnect_for));
                    }
                }
                Ok(())
            }
        }
    }

    /// The exit code, once the worker is done.
    fn finished(&mut self) -> Option<Result<Exit>> {
        if self.claiming.is_some() || !self.running.is_empty() {
            return None;
        }
        if let Some(signal) = self.signal {
            return Some(Err(signals::interrupted(signal, 0)));
        }
        if let Some(e) = self.gave_up.take() {
            return Some(Err(e));
        }
        let all_claimed = self
            .plan
            .max_tasks
            .is_some_and(|max| self.tally.claimed >= max);
        if all_claimed {
            return Some(Ok(self.tally.exit_code(self.plan.once)));
        }
        let idle_over = self.queue_empty
            && !self.claim_now
            && self
                .plan
                .idle_exit
                .map_or(self.plan.once, |d| self.idle_since.elapsed() >= d);
        idle_over.then(|| Ok(self.tally.exit_code(self.plan.once)))
    }

    fn idle_deadline(&self) -> Instant {
        match self.plan.idle_exit {
            Some(d) if self.running.is_empty() => self.idle_since + d,
            _ => Instant::now() + Duration::from_secs(86_400),
        }
    }

    async fn run(&mut self, signals: &mut signals::Listener) -> Result<Exit> {
        loop {
            let wanted = self.wanted();
            if self.claiming.is_none() && self.claim_now && wanted > 0 {
                self.start_claim(wanted);
            }
            if let Some(done) = self.finished() {
                return done;
            }
            let idle_wait =
                self.claiming.is_none() && !self.claim_now && self.retry_at.is_none() && wanted > 0;
            let until = self.idle_deadline();
            let (grace_ends, retry_at) = (self.grace_ends, self.retry_at);
            tokio::select! {
                Some(report) = self.running.next(), if !self.running.is_empty() => {
                    self.ended(&report);
                }
                result = async {
                    match self.claiming.as_mut() {
                        Some(claim) => claim.await,
                        None => std::future::pending().await,
                    }
                } => {
                    self.claiming = None;
                    self.claimed(self.claim_asked, result)?;
                }
                signal = signals.recv() => self.signalled(signal),
                () = sleep_until_some(retry_at) => {
                    self.retry_at = None;
                    self.claim_now = true;
                }
                () = sleep_until_some(grace_ends) => {
                    self.grace_ends = None;
                    self.ctx.out.debug(1, "the grace is over: stopping the running commands");
                    self.stop.send_replace(Stop::Terminate);
                }
                () = self.waiter.wait_for_work(self.conn, until), if idle_wait => {
                    self.claim_now = true;
                }
            }
        }
    }

    fn ended(&mut self, report: &Report) {
        report.print(self.ctx, self.plan);
        self.tally.add(report.outcome);
        // A finished task may have made others claimable (its dependents).
        self.claim_now = true;
        if self.running.is_empty() {
            self.idle_since = Instant::now();
        }
    }

    fn signalled(&mut self, signal: Signal) {
        if self.signal.is_some() {
            self.ctx
                .out
                .debug(1, "second signal: stopping the running commands now");
            self.stop.send_replace(Stop::Kill);
            self.grace_ends = None;
            return;
        }
        // A claim in flight is let finish (its tasks are then released at once).
        self.signal = Some(signal);
        if !self.running.is_empty() {
            self.ctx.out.note(format!(
                "stopping: no more claims; {} running task(s) may finish within {} (a second signal stops them now)",
                self.running.len(),
                crate::units::format_duration(self.plan.grace.as_secs_f64())
            ));
            self.grace_ends = Some(Instant::now() + self.plan.grace);
        }
    }
}

/// Sleep until `when`, or forever when there is none.
async fn sleep_until_some(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}
