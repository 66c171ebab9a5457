//! Queries on `workflows`. Transitions, retries and step bookkeeping are the schema's
//! (`update_workflow_step`, `update_workflow_status`, the status guard trigger).

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row as PgRow};
use uuid::Uuid;

use crate::db::db_error;
use crate::db::tasks::{truncate, TaskRef};
use crate::exit::usage;
use crate::output::{ts, Row};

pub const WORKFLOW_COLUMNS: &str = "w.id, w.short_id, w.task_id, \
     (SELECT t.short_id FROM tasks t WHERE t.id = w.task_id) AS task_short_id, \
     w.workflow_type, w.status, w.current_step, w.steps_total, w.steps_completed, w.step_log, \
     w.error_log, w.retry_count, w.max_retries, w.timeout_minutes, w.validation_results, \
     w.metadata, w.codegen_pr_url, w.claude_session_id, w.created_by, w.created_at, w.updated_at, \
     w.started_at, w.completed_at, \
     (w.status = 'running' AND w.started_at < now() - make_interval(mins => w.timeout_minutes)) AS stuck";

/// Workflow types the schema accepts.
pub const TYPES: &[&str] = &[
    "standard",
    "hotfix",
    "rollback",
    "deployment",
    "validation",
    "cleanup",
];
/// Workflow statuses, in the schema's order.
pub const STATUSES: &[&str] = &[
    "initialized",
    "running",
    "completed",
    "failed",
    "cancelled",
    "timeout",
];

#[derive(Debug, Clone, Serialize)]
pub struct Workflow {
    pub id: Uuid,
    pub short_id: i64,
    pub task_id: Option<Uuid>,
    pub task_short_id: Option<i64>,
    pub workflow_type: String,
    pub status: String,
    pub current_step: Option<String>,
    pub steps_total: Option<i32>,
    pub steps_completed: i32,
    pub step_log: Value,
    pub error_log: Value,
    pub retry_count: i32,
    pub max_retries: i32,
    pub timeout_minutes: i32,
    pub validation_results: Value,
    pub metadata: Value,
    pub codegen_pr_url: Option<String>,
    pub claude_session_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Running longer than its timeout.
    pub stuck: bool,
}

impl Workflow {
    pub fn from_row(r: &PgRow) -> Result<Workflow> {
        Ok(Workflow {
            id: r.try_get(0)?,
            short_id: r.try_get(1)?,
            task_id: r.try_get(2)?,
            task_short_id: r.try_get(3)?,
            workflow_type: r.try_get(4)?,
            status: r.try_get(5)?,
            current_step: r.try_get(6)?,
            steps_total: r.try_get(7)?,
            steps_completed: r.try_get(8)?,
            step_log: r.try_get(9)?,
            error_log: r.try_get(10)?,
            retry_count: r.try_get(11)?,
            max_retries: r.try_get(12)?,
            timeout_minutes: r.try_get(13)?,
            validation_results: r.try_get(14)?,
            metadata: r.try_get(15)?,
            codegen_pr_url: r.try_get(16)?,
            claude_session_id: r.try_get(17)?,
            created_by: r.try_get(18)?,
            created_at: r.try_get(19)?,
            updated_at: r.try_get(20)?,
            started_at: r.try_get(21)?,
            completed_at: r.try_get(22)?,
            stuck: r.try_get::<_, Option<bool>>(23)?.unwrap_or(false),
        })
    }

    pub fn label(&self) -> String {
        format!("workflow #{}", self.short_id)
    }

    pub fn steps(&self) -> String {
        match self.steps_total {
            Some(n) => format!("{}/{n}", self.steps_completed),
            None => self.steps_completed.to_string(),
        }
    }
}

impl Row for Workflow {
    fn columns() -> &'static [&'static str] {
        &[
            "id", "task", "type", "status", "step", "steps", "retries", "started",
        ]
    }
    fn cells(&self) -> Vec<String> {
        let status = if self.stuck {
            format!("{} (stuck)", self.status)
        } else {
            self.status.clone()
        };
        vec![
            self.short_id.to_string(),
            self.task_short_id
                .map(|t| format!("#{t}"))
                .unwrap_or_default(),
            self.workflow_type.clone(),
            status,
            truncate(self.current_step.as_deref().unwrap_or(""), 30),
            self.steps(),
            format!("{}/{}", self.retry_count, self.max_retries),
            ts(self.started_at),
        ]
    }
}

/// A workflow id as typed: `3`, `#3` or a UUID.
pub fn parse_ref(text: &str) -> Result<WorkflowRef> {
    TaskRef::parse_as(text, "workflow")
}

/// Workflow ids take the same forms as task ids.
pub type WorkflowRef = TaskRef;

/// Find a workflow; not found is bad input (exit 2).
pub async fn find<C: GenericClient>(db: &C, r: WorkflowRef) -> Result<Workflow> {
    let row = match r {
        TaskRef::Short(n) => {
            db.query_opt(
                &format!("SELECT {WORKFLOW_COLUMNS} FROM workflows w WHERE w.short_id = $1"),
                &[&n],
            )
            .await
        }
        TaskRef::Uuid(u) => {
            db.query_opt(
                &format!("SELECT {WORKFLOW_COLUMNS} FROM workflows w WHERE w.id = $1"),
                &[&u],
            )
            .await
        }
    }
    .map_err(db_error)?;
    match row {
        Some(row) => Workflow::from_row(&row),
        None => Err(usage(format!("workflow {} not found", r.display()))),
    }
}

/// One entry of the step timeline, for display.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub name: String,
    pub status: String,
    pub attempt: i64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_seconds: Option<f64>,
    pub error: Option<String>,
    pub result: Value,
}

impl Row for StepRow {
    fn columns() -> &'static [&'static str] {
        &["attempt", "step", "status", "started", "duration", "error"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.attempt.to_string(),
            self.name.clone(),
            self.status.clone(),
            self.started_at
                .as_deref()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| ts(Some(t.with_timezone(&Utc))))
                .unwrap_or_default(),
            self.duration_seconds
                .map(human_duration)
                .unwrap_or_default(),
            truncate(self.error.as_deref().unwrap_or(""), 50),
        ]
    }
}

/// `1h 2m`, `3m 4s`, `5.2s`.
pub fn human_duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        format!("{}m {}s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    } else {
        format!(
            "{}h {}m",
            (secs / 3600.0) as u64,
            ((secs % 3600.0) / 60.0) as u64
        )
    }
}

/// The step timeline of a workflow, with durations.
pub fn steps(w: &Workflow) -> Vec<StepRow> {
    let parse = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    };
    w.step_log
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let started = parse(e.get("started_at"));
            let finished = parse(e.get("finished_at"));
            let duration = match (started, finished) {
                (Some(s), Some(f)) => Some((f - s).num_milliseconds() as f64 / 1000.0),
                _ => None,
            };
            StepRow {
                name: e
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                status: e
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                attempt: e.get("attempt").and_then(Value::as_i64).unwrap_or(0),
                started_at: e
                    .get("started_at")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                finished_at: e
                    .get("finished_at")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                duration_seconds: duration,
                error: e.get("error").and_then(Value::as_str).map(str::to_string),
                result: e.get("result").cloned().unwrap_or(Value::Null),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn refs_and_durations() {
        assert_eq!(parse_ref("#3").unwrap(), TaskRef::Short(3));
        assert!(parse_ref("w3").is_err());
        assert_eq!(human_duration(5.25), "5.2s");
        assert_eq!(human_duration(125.0), "2m 5s");
        assert_eq!(human_duration(3725.0), "1h 2m");
    }
}
