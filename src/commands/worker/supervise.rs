//! One task's run: write the task file, start CMD, extend the lease every third of it while CMD
//! runs, stop CMD when the lease is lost or the worker stops, and end the attempt (finish it
//! with CMD's outcome, or release the task) — each statement on its own, no transaction open.

use std::path::PathBuf;
use std::process::Stdio;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::conn::{Conn, Failure};
use super::pump::{Pump, Tail};
use super::report::{Brief, Outcome, Report};
use super::{Plan, Stop, KILL_AFTER};
use crate::context::Context;
use crate::db::reconnect::Backoff;
use crate::db::tasks::{self as q, AttemptEnd, Task};
use crate::db::Db;
use crate::platform::child::{own_group_dying_with_parent, signal_group, Ended};
use crate::platform::PrivateDir;

/// How long CMD's output is still read after it exited (a process it left behind may hold the
/// pipes open).
const DRAIN: Duration = Duration::from_secs(1);
/// Far enough to mean "not before the run ends".
const NEVER: Duration = Duration::from_secs(366 * 86_400);

/// Why CMD is being stopped.
#[derive(Debug, Clone)]
enum Stopping {
    /// The lease is gone: leave the task alone.
    Lost(String),
    /// The worker stops: release the task.
    Stopped,
}

/// How CMD's run ended.
#[derive(Debug)]
enum End {
    /// CMD ran to its end (`ended`) or could not start (None): the attempt ends with it.
    Ran {
        ended: Option<Ended>,
        note: String,
        tail: String,
    },
    Lost(String, Option<Ended>),
    Stopped(Option<Ended>),
}

/// A started CMD.
struct Started {
    child: tokio::process::Child,
    pgid: u32,
    file: PathBuf,
    tail: Arc<Mutex<Tail>>,
    pumps: Vec<JoinHandle<()>>,
}

struct Runner<'a> {
    ctx: &'a Context,
    plan: &'a Plan,
    conn: &'a Conn<'a>,
    task: Brief,
    started: Instant,
    /// Until when this worker can count on its lease (from the last heartbeat that went through).
    lease_end: Instant,
    stop: watch::Receiver<Stop>,
    /// A statement has failed and not yet succeeded since (warned once).
    failing: bool,
    /// The waits between tries of a statement the database did not answer (the lease, not
    /// the backoff, bounds how long).
    backoff: Backoff,
    /// A statement of the attempt's end went unanswered: it may have committed just before
    /// the connection was lost.
    unanswered: bool,
}

/// Run CMD for a claimed task and end the attempt; never fails (what went wrong is the report).
pub(super) async fn run(
    ctx: &Context,
    plan: &Plan,
    conn: &Conn<'_>,
    dir: &PrivateDir,
    task: Task,
    stop: watch::Receiver<Stop>,
) -> Report {
    let mut r = Runner::new(ctx, plan, conn, &task, stop);
    let end = match r.start(dir, &task) {
        Ok(mut started) => {
            ctx.out.debug(
                1,
                format!(
                    "{} {:?} started (attempt {}, pid {})",
                    r.task.label(),
                    q::truncate(&task.title, 70),
                    task.attempts,
                    started.pgid
                ),
            );
            let end = r.supervise(&mut started).await;
            let duration = r.started.elapsed();
            let _ = std::fs::remove_file(&started.file);
            (finish_pumps(started, end).await, duration)
        }
        Err(why) => {
            let note = format!("cannot start: {why}");
            let (ended, tail) = (None, String::new());
            (End::Ran { ended, note, tail }, r.started.elapsed())
        }
    };
    let (end, duration) = end;
    match end {
        End::Ran { ended, note, tail } => r.finish(ended, note, tail, duration).await,
        End::Lost(reason, ended) => r.report(Outcome::Lost, ended, duration, Some(reason), None),
        End::Stopped(ended) => r.release(ended, duration).await,
    }
}

/// A task claimed after the worker was told to stop: hand it back without running CMD.
pub(super) async fn release_unstarted(
    ctx: &Context,
    plan: &Plan,
    conn: &Conn<'_>,
    task: Task,
    stop: watch::Receiver<Stop>,
) -> Report {
    let mut r = Runner::new(ctx, plan, conn, &task, stop);
    r.release(None, Duration::ZERO).await
}

/// Wait a moment for the rest of CMD's output, then take the stderr tail.
async fn finish_pumps(started: Started, end: End) -> End {
    for pump in started.pumps {
        let abort = pump.abort_handle();
        if tokio::time::timeout(DRAIN, pump).await.is_err() {
            abort.abort();
        }
    }
    match end {
        End::Ran { ended, note, .. } => {
            let tail = started.tail.lock().map(|t| t.text()).unwrap_or_default();
            End::Ran { ended, note, tail }
        }
        other => other,
    }
}

impl<'a> Runner<'a> {
    fn new(
        ctx: &'a Context,
        plan: &'a Plan,
        conn: &'a Conn<'a>,
        task: &Task,
        stop: watch::Receiver<Stop>,
    ) -> Self {
        let now = Instant::now();
        Runner {
            ctx,
            plan,
            conn,
            task: Brief::of(task),
            started: now,
            lease_end: now + plan.lease,
            stop,
            failing: false,
            backoff: Backoff::new(NEVER),
            unanswered: false,
        }
    }

    /// The longest a statement may take before the database counts as unreachable.
    fn statement_limit(&self) -> Duration {
        self.plan
            .beat_every()
            .clamp(Duration::from_secs(1), Duration::from_secs(30))
    }

    /// Write the task file and start CMD with the task in its environment.
    fn start(&self, dir: &PrivateDir, task: &Task) -> Result<Started, String> {
        let json = serde_json::to_vec_pretty(task).map_err(|e| e.to_string())?;
        let name = format!("task-{}-{}.json", task.short_id, task.attempts);
        let file = dir.write_new(&name, &json).map_err(|e| format!("{e:#}"))?;
        let mut cmd = tokio::process::Command::new(&self.plan.program);
        cmd.args(&self.plan.args)
            .env("TASKDB_TASK_ID", task.id.to_string())
            .env("TASKDB_TASK_SHORT_ID", task.short_id.to_string())
            .env("TASKDB_TASK_ATTEMPT", task.attempts.to_string())
            .env("TASKDB_TASK_HOLDER", &self.plan.holder)
            .env("TASKDB_TASK_FILE", &file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        own_group_dying_with_parent(&mut cmd);
        let spawned = cmd.spawn().and_then(|child| match child.id() {
            Some(pid) => Ok((child, pid)),
            None => Err(std::io::Error::other("it exited at once and was reaped")),
        });
        let (mut child, pgid) = match spawned {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&file);
                return Err(format!("{}: {e}", self.plan.program.to_string_lossy()));
            }
        };
        let prefix = self
            .plan
            .prefix_output()
            .then(|| format!("[{}] ", self.task.label()));
        let tail = Arc::new(Mutex::new(Tail::default()));
        let mut pumps = Vec::new();
        if let Some(out) = child.stdout.take() {
            pumps.push(tokio::spawn(Pump::new(prefix.clone(), None).run(out)));
        }
        if let Some(err) = child.stderr.take() {
            let pump = Pump::new(prefix, Some(Arc::clone(&tail)));
            pumps.push(tokio::spawn(pump.run(err)));
        }
        Ok(Started {
            child,
            pgid,
            file,
            tail,
            pumps,
        })
    }

    /// Wait for CMD, heartbeating; stop it when the lease is lost or the worker says so.
    async fn supervise(&mut self, s: &mut Started) -> End {
        let beat_every = self.plan.beat_every();
        let mut next_beat = Instant::now() + beat_every;
        let mut stopping: Option<Stopping> = None;
        let mut kill_at: Option<Instant> = None;
        let mut stop_open = true;
        loop {
            tokio::select! {
                status = s.child.wait() => {
                    let ended = status.as_ref().ok().map(|st| Ended::from_status(*st));
                    return match (stopping, status) {
                        (Some(Stopping::Lost(why)), _) => End::Lost(why, ended),
                        (Some(Stopping::Stopped), _) => End::Stopped(ended),
                        (None, Ok(_)) => End::Ran {
                            note: ended.map(|e| e.describe()).unwrap_or_default(),
                            ended,
                            tail: String::new(),
                        },
                        (None, Err(e)) => {
                            signal_group(s.pgid, libc::SIGKILL);
                            End::Ran { ended: None, note: format!("cannot wait for the command: {e}"), tail: String::new() }
                        }
                    };
                }
                () = tokio::time::sleep_until(next_beat.into()) => {
                    next_beat = match self.beat().await {
                        Beat::Held => Instant::now() + beat_every,
                        Beat::Retry(wait) => Instant::now() + wait.min(beat_every),
                        Beat::Lost(why) => {
                            self.ctx.out.debug(1, format!("{}: {why}; stopping the command", self.task.label()));
                            stopping = Some(Stopping::Lost(why));
                            signal_group(s.pgid, libc::SIGTERM);
                            kill_at = Some(Instant::now() + self.plan.grace);
                            Instant::now() + NEVER
                        }
                    };
                }
                changed = self.stop.changed(), if stop_open => {
                    if changed.is_err() {
                        stop_open = false;
                        continue;
                    }
                    let order = *self.stop.borrow_and_update();
                    if stopping.is_none() && order != Stop::Run {
                        stopping = Some(Stopping::Stopped);
                    }
                    match order {
                        Stop::Run => {}
                        Stop::Terminate => {
                            signal_group(s.pgid, libc::SIGTERM);
                            kill_at = Some(Instant::now() + KILL_AFTER);
                        }
                        Stop::Kill => {
                            signal_group(s.pgid, libc::SIGKILL);
                            kill_at = None;
                        }
                    }
                }
                () = sleep_until_some(kill_at) => {
                    signal_group(s.pgid, libc::SIGKILL);
                    kill_at = None;
                }
            }
        }
    }

    /// Extend the lease (fenced by this attempt).
    async fn beat(&mut self) -> Beat {
        let (id, holder, lease, attempt) = (
            self.task.id,
            self.plan.holder.as_str(),
            self.plan.lease,
            self.task.attempt,
        );
        let sent = Instant::now();
        let result = self
            .conn
            .call(self.statement_limit(), |db: Rc<Db>| async move {
                q::heartbeat(&db, id, holder, lease, Some(attempt)).await
            })
            .await;
        match result {
            Ok(_) => {
                self.lease_end = sent + lease;
                self.recovered();
                self.backoff.succeeded();
                Beat::Held
            }
            Err(Failure::Refused(why)) => {
                self.ctx.out.debug(
                    1,
                    format!("{}: heartbeat refused: {why}", self.task.label()),
                );
                Beat::Lost("lease taken over".into())
            }
            Err(Failure::Unreachable(why, _)) => {
                if Instant::now() >= self.lease_end {
                    Beat::Lost("database unreachable until the lease ended".into())
                } else {
                    self.warn_failing("heartbeat", &why);
                    Beat::Retry(self.backoff.failed(Instant::now()).unwrap_or(NEVER))
                }
            }
        }
    }

    fn warn_failing(&mut self, what: &str, why: &str) {
        if !self.failing {
            self.failing = true;
            self.ctx.out.warn(format!(
                "{}: {what} failed ({why}); trying again until the lease ends",
                self.task.label()
            ));
        }
    }

    fn recovered(&mut self) {
        if self.failing {
            self.failing = false;
            self.ctx
                .out
                .note(format!("{}: the database answers again", self.task.label()));
        }
    }

    /// Run a statement of the attempt's end, trying again while the database does not answer,
    /// until the lease ends (or at once after a second signal).
    async fn retry<T, F, Fut>(&mut self, what: &str, mut op: F) -> Result<T, Failure>
    where
        F: FnMut(Rc<Db>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<T>>,
    {
        loop {
            match self.conn.call(self.statement_limit(), &mut op).await {
                Ok(value) => {
                    self.recovered();
                    self.backoff.succeeded();
                    return Ok(value);
                }
                Err(Failure::Refused(why)) => return Err(Failure::Refused(why)),
                Err(Failure::Unreachable(why, code)) => {
                    self.unanswered = true;
                    let now = Instant::now();
                    if now >= self.lease_end || *self.stop.borrow() == Stop::Kill {
                        return Err(Failure::Unreachable(why, code));
                    }
                    self.warn_failing(what, &why);
                    let wait = self.backoff.failed(now).unwrap_or(NEVER);
                    tokio::time::sleep(wait.min(self.lease_end - now)).await;
                }
            }
        }
    }

    /// End the attempt with CMD's outcome (completed, or failed with the details).
    async fn finish(
        &mut self,
        ended: Option<Ended>,
        note: String,
        tail: String,
        duration: Duration,
    ) -> Report {
        let succeeded = ended.is_some_and(|e| e.success());
        let end = AttemptEnd {
            holder: &self.plan.holder,
            attempt: self.task.attempt,
            succeeded,
            note: (!succeeded).then_some(note.as_str()),
            details: json!({
                "exit_code": ended.and_then(|e| e.code),
                "signal": ended.and_then(|e| e.signal),
                "stderr_tail": tail,
                "duration_ms": u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            }),
            max_attempts: self.plan.max_attempts,
        };
        let id = self.task.id;
        let end = &end;
        let result = self
            .retry("finishing the attempt", |db: Rc<Db>| async move {
                q::finish_attempt(&db, id, end).await
            })
            .await;
        let (holder, attempt) = (self.plan.holder.as_str(), self.task.attempt);
        if let (Err(Failure::Refused(_)), true) = (&result, self.unanswered) {
            // Refused after a try that went unanswered: that try may have committed before the
            // connection was lost (a failover). If so, the end is this worker's after all.
            let recorded = self
                .conn
                .call(self.statement_limit(), |db: Rc<Db>| async move {
                    q::recorded_attempt_end(&db, id, holder, attempt).await
                })
                .await;
            if let Ok(Some((done, after))) = recorded {
                self.ctx.out.debug(
                    1,
                    format!(
                        "{}: the attempt's end had committed before the connection was lost",
                        self.task.label()
                    ),
                );
                let (outcome, reason) = if done {
                    (Outcome::Completed, None)
                } else {
                    (Outcome::Failed, Some(note))
                };
                return self.report(outcome, ended, duration, reason, Some(after.status));
            }
        }
        let outcome = if succeeded {
            Outcome::Completed
        } else {
            Outcome::Failed
        };
        let reason = (!succeeded).then_some(note.clone());
        self.settle(result, outcome, ended, duration, reason)
    }

    /// Hand the task back: the worker stops, which is not the task's fault.
    async fn release(&mut self, ended: Option<Ended>, duration: Duration) -> Report {
        // Fenced by the attempt: if the lease was lost and the task claimed again under the
        // same holder name, the newer claim is not handed back (it reads as lost).
        let (id, holder, attempt) = (self.task.id, self.plan.holder.as_str(), self.task.attempt);
        let result = self
            .retry("releasing the task", |db: Rc<Db>| async move {
                q::release(&db, id, holder, Some("worker stopped"), Some(attempt)).await
            })
            .await;
        let reason = Some("worker stopped".to_string());
        self.settle(result, Outcome::Released, ended, duration, reason)
    }

    /// The report of an attempt's end statement: `outcome` when it went through, lost when the
    /// lease was gone or the database did not answer before it ended.
    fn settle(
        &self,
        result: Result<Task, Failure>,
        outcome: Outcome,
        ended: Option<Ended>,
        duration: Duration,
        reason: Option<String>,
    ) -> Report {
        match result {
            Ok(after) => self.report(outcome, ended, duration, reason, Some(after.status)),
            Err(Failure::Refused(why)) => {
                self.ctx
                    .out
                    .debug(1, format!("{}: {why}", self.task.label()));
                let reason = Some("lease taken over".to_string());
                self.report(Outcome::Lost, ended, duration, reason, None)
            }
            Err(Failure::Unreachable(why, _)) => {
                self.ctx
                    .out
                    .debug(1, format!("{}: {why}", self.task.label()));
                let reason = Some("database unreachable until the lease ended".to_string());
                self.report(Outcome::Lost, ended, duration, reason, None)
            }
        }
    }

    fn report(
        &self,
        outcome: Outcome,
        ended: Option<Ended>,
        duration: Duration,
        reason: Option<String>,
        status: Option<String>,
    ) -> Report {
        Report {
            task: self.task.clone(),
            outcome,
            ended,
            duration,
            reason,
            status,
        }
    }
}

/// What a heartbeat found.
enum Beat {
    Held,
    /// The database did not answer; the lease has not ended yet: try again after this.
    Retry(Duration),
    Lost(String),
}

/// Sleep until `when`, or forever when there is none.
async fn sleep_until_some(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}
