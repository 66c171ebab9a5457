//! What became of each task: one line on stderr (`#42 "title" completed in 3.2s (attempt 1)`)
//! and, with `--format json`, one JSON object per line on stdout.

use std::time::Duration;

use serde::Serialize;

use super::Plan;
use crate::context::Context;
use crate::db::tasks::{self as q, Task};
use crate::exit::Exit;
use crate::platform::child::Ended;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Outcome {
    /// CMD exited 0; the task is completed.
    Completed,
    /// CMD failed; the task is pending again, or failed after max attempts.
    Failed,
    /// The lease was lost (taken over, or the database unreachable until it ended); CMD was
    /// stopped and the task left to whoever holds it now.
    Lost,
    /// The worker was stopped; the task was handed back (pending).
    Released,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
            Outcome::Released => "released",
        }
    }
}

/// The claimed task, as reports name it.
#[derive(Debug, Clone)]
pub(super) struct Brief {
    pub id: uuid::Uuid,
    pub short_id: i64,
    pub title: String,
    /// This claim's attempt (the task's attempts after the claim).
    pub attempt: i32,
}

impl Brief {
    pub fn of(t: &Task) -> Brief {
        Brief {
            id: t.id,
            short_id: t.short_id,
            title: t.title.clone(),
            attempt: t.attempts,
        }
    }

    /// `#42`
    pub fn label(&self) -> String {
        format!("#{}", self.short_id)
    }
}

/// The end of one task's run.
#[derive(Debug)]
pub(super) struct Report {
    pub task: Brief,
    pub outcome: Outcome,
    /// How CMD ended (None: it did not start, or was never waited for).
    pub ended: Option<Ended>,
    pub duration: Duration,
    /// Why, in a few words: `exit status 3`, `lease taken over`, `worker stopped`.
    pub reason: Option<String>,
    /// The task's status afterwards, as the schema answered (None: not known, when lost).
    pub status: Option<String>,
}

/// A report as a JSON line.
#[derive(Debug, Serialize)]
struct JsonLine<'a> {
    task_id: uuid::Uuid,
    short_id: i64,
    title: &'a str,
    attempt: i32,
    outcome: Outcome,
    exit_code: Option<i32>,
    signal: Option<i32>,
    duration_ms: u64,
    holder: &'a str,
    status: Option<&'a str>,
    reason: Option<&'a str>,
}

impl Report {
    pub fn duration_ms(&self) -> u64 {
        u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX)
    }

    /// The line on stderr.
    pub fn line(&self) -> String {
        let t = &self.task;
        let title = q::truncate(&t.title, 70);
        let took = crate::units::format_duration_spaced(self.duration.as_secs_f64());
        let why = self
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let after = match (self.outcome, self.status.as_deref()) {
            (Outcome::Failed, Some("failed")) => "; gave up: failed",
            (Outcome::Failed, Some("pending")) => "; pending again",
            _ => "",
        };
        let when = match self.outcome {
            Outcome::Completed | Outcome::Failed => "in",
            Outcome::Lost | Outcome::Released => "after",
        };
        format!(
            "{} {title:?} {}{why} {when} {took} (attempt {}{after})",
            t.label(),
            self.outcome.word(),
            t.attempt
        )
    }

    /// Print the report: the line on stderr, and the JSON line on stdout with --format json.
    pub fn print(&self, ctx: &Context, plan: &Plan) {
        ctx.out.note(self.line());
        if !plan.json {
            return;
        }
        let line = JsonLine {
            task_id: self.task.id,
            short_id: self.task.short_id,
            title: &self.task.title,
            attempt: self.task.attempt,
            outcome: self.outcome,
            exit_code: self.ended.and_then(|e| e.code),
            signal: self.ended.and_then(|e| e.signal),
            duration_ms: self.duration_ms(),
            holder: &plan.holder,
            status: self.status.as_deref(),
            reason: self.reason.as_deref(),
        };
        let written = serde_json::to_string(&line)
            .map_err(anyhow::Error::from)
            .and_then(|text| ctx.out.line(text));
        if let Err(e) = written {
            ctx.out.warn(format!(
                "cannot write the JSON line of {}: {e:#}",
                self.task.label()
            ));
        }
    }
}

/// What the worker did, counted.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub claimed: u64,
    completed: u64,
    failed: u64,
    lost: u64,
    released: u64,
}

impl Tally {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Completed => self.completed += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Lost => self.lost += 1,
            Outcome::Released => self.released += 1,
        }
    }

    /// The exit code of a worker that ran out of work or reached --max-tasks; with --once, the
    /// one task's outcome (4: there was none).
    pub fn exit_code(&self, once: bool) -> Exit {
        match (once, self.claimed, self.completed) {
            (false, _, _) => Exit::SUCCESS,
            (true, 0, _) => Exit::NOTHING_CLAIMED,
            (true, _, 0) => Exit::FAILURE,
            (true, _, _) => Exit::SUCCESS,
        }
    }

    pub fn summary(&self) -> String {
        format!(
            "{} claimed: {} completed, {} failed, {} lost, {} released",
            self.claimed, self.completed, self.failed, self.lost, self.released
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Brief {
        Brief {
            id: uuid::Uuid::nil(),
            short_id: 42,
            title: "Fix \"it\"".into(),
            attempt: 2,
        }
    }

    fn report(outcome: Outcome, reason: Option<&str>, status: Option<&str>) -> Report {
        Report {
            task: task(),
            outcome,
            ended: None,
            duration: Duration::from_millis(3200),
            reason: reason.map(str::to_string),
            status: status.map(str::to_string),
        }
    }

    #[test]
    fn lines_say_what_became_of_the_task() {
        assert_eq!(
            report(Outcome::Completed, None, Some("completed")).line(),
            r#"#42 "Fix \"it\"" completed in 3.2s (attempt 2)"#
        );
        assert_eq!(
            report(Outcome::Failed, Some("exit status 3"), Some("pending")).line(),
            r#"#42 "Fix \"it\"" failed (exit status 3) in 3.2s (attempt 2; pending again)"#
        );
        assert_eq!(
            report(Outcome::Failed, Some("exit status 3"), Some("failed")).line(),
            r#"#42 "Fix \"it\"" failed (exit status 3) in 3.2s (attempt 2; gave up: failed)"#
        );
        assert_eq!(
            report(Outcome::Lost, Some("lease taken over"), None).line(),
            r#"#42 "Fix \"it\"" lost (lease taken over) after 3.2s (attempt 2)"#
        );
        assert_eq!(
            report(Outcome::Released, Some("worker stopped"), Some("pending")).line(),
            r#"#42 "Fix \"it\"" released (worker stopped) after 3.2s (attempt 2)"#
        );
    }

    #[test]
    fn once_exits_with_the_outcome_of_its_task() {
        let mut t = Tally::default();
        assert_eq!(t.exit_code(true), Exit::NOTHING_CLAIMED);
        assert_eq!(t.exit_code(false), Exit::SUCCESS);
        t.claimed = 1;
        t.add(Outcome::Failed);
        assert_eq!(t.exit_code(true), Exit::FAILURE);
        assert_eq!(t.exit_code(false), Exit::SUCCESS);
        let mut t = Tally {
            claimed: 1,
            ..Tally::default()
        };
        t.add(Outcome::Completed);
        assert_eq!(t.exit_code(true), Exit::SUCCESS);
    }
}
