//! Queries on `workflows`. Transitions, retries and step bookkeeping are the schema's
//! (`update_workflow_step`, `update_workflow_status`, the status guard trigger); this module
//! binds the requests, reads the rows back and names the workflow in the schema's refusals.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::Row as PgRow;
use uuid::Uuid;

use crate::db::tasks::{truncate, TaskRef};
use crate::db::{db_error, Db};
use crate::exit::usage;
use crate::output::{ts, Row};
use crate::units::format_duration_spaced;

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

/// A workflow run of a task (every column), as `workflow show` and the MCP server's
/// `record_workflow_step` return it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
pub async fn find(db: &Db, r: WorkflowRef) -> Result<Workflow> {
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
                .map(format_duration_spaced)
                .unwrap_or_default(),
            truncate(self.error.as_deref().unwrap_or(""), 50),
        ]
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

/// A new workflow of task `task_id` through the schema's `create_workflow`; returns it as
/// stored.
pub async fn create(
    db: &Db,
    task_id: Uuid,
    workflow_type: &str,
    steps: Option<i32>,
    timeout_minutes: i32,
    max_retries: i32,
) -> Result<Workflow> {
    let row = db
        .query_one(
            "SELECT w.id FROM create_workflow($1, $2, $3, $4, $5) w",
            &[
                &task_id,
                &workflow_type,
                &steps,
                &timeout_minutes,
                &max_retries,
            ],
        )
        .await
        .map_err(db_error)?;
    find(db, WorkflowRef::Uuid(row.try_get(0)?)).await
}

/// Workflows, newest first: in `statuses` (empty: any), of `task_id`, only the `stuck` ones,
/// at most `limit` (0 = all).
pub async fn list(
    db: &Db,
    statuses: &[String],
    task_id: Option<Uuid>,
    stuck: bool,
    limit: i64,
) -> Result<Vec<Workflow>> {
    let limit = if limit == 0 { i64::MAX } else { limit };
    let rows = db
        .query(
            &format!(
                "SELECT {WORKFLOW_COLUMNS} FROM workflows w \
                  WHERE (cardinality($1::text[]) = 0 OR w.status = ANY($1)) \
                    AND ($2::uuid IS NULL OR w.task_id = $2) \
                    AND (NOT $3 OR (w.status = 'running' \
                         AND w.started_at < now() - make_interval(mins => w.timeout_minutes))) \
                  ORDER BY w.short_id DESC LIMIT $4"
            ),
            &[&statuses, &task_id, &stuck, &limit],
        )
        .await
        .map_err(db_error)?;
    rows.iter().map(Workflow::from_row).collect()
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// The step started.
    Running,
    /// The step finished successfully.
    #[default]
    Completed,
    /// The step failed (this fails the workflow).
    Failed,
    /// The step was skipped (counts as done).
    Skipped,
}

impl StepStatus {
    pub fn name(self) -> &'static str {
        match self {
            StepStatus::Running => "running",
            StepStatus::Completed => "completed",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// A step name: not empty, one line (bad input: exit 2).
pub fn check_step_name(step: &str) -> Result<()> {
    if step.trim().is_empty() {
        return Err(usage("the step name is empty"));
    }
    crate::db::tasks::refuse_line_breaks("the step name", step)
}

/// Record step `step` of `w` with `status` through the schema's `update_workflow_step`;
/// returns the workflow as stored afterwards.
pub async fn record_step(
    db: &Db,
    w: &Workflow,
    step: &str,
    status: &str,
    result: Option<&Value>,
    error: Option<&str>,
) -> Result<Workflow> {
    db.execute(
        "SELECT 1 FROM update_workflow_step($1, $2, $3, $4, $5)",
        &[&w.id, &step, &status, &result, &error],
    )
    .await
    .map_err(|e| with_label(w, e))?;
    find(db, WorkflowRef::Uuid(w.id)).await
}

/// Move `w` to `status` through the schema's `update_workflow_status` (`reason` goes to the
/// error log) and return it as stored. A stuck workflow (running past its timeout) is timed
/// out first, so that it can be retried.
pub async fn set_status(
    client: &mut Db,
    r: WorkflowRef,
    status: &str,
    reason: Option<&str>,
) -> Result<(Workflow, Workflow)> {
    let tx = client.transaction();
    let w = find(&tx, r).await?;
    if status == "running" && w.stuck {
        tx.execute(
            "SELECT 1 FROM update_workflow_status($1, 'timeout', $2)",
            &[
                &w.id,
                &format!(
                    "not finished within {} minutes of its start",
                    w.timeout_minutes
                ),
            ],
        )
        .await
        .map_err(|e| with_label(&w, e))?;
    }
    tx.execute(
        "SELECT 1 FROM update_workflow_status($1, $2, $3)",
        &[&w.id, &status, &reason],
    )
    .await
    .map_err(|e| with_label(&w, e))?;
    let after = find(&tx, WorkflowRef::Uuid(w.id)).await?;
    tx.commit().await.map_err(db_error)?;
    Ok((w, after))
}

/// Delete workflow `id` (its steps are part of the row).
pub async fn delete(db: &Db, id: Uuid) -> Result<()> {
    db.execute("DELETE FROM workflows WHERE id = $1", &[&id])
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Prefix the schema's refusal with which workflow it was about, unless the schema's message
/// already starts by naming it ("workflow #3 has no retries left").
fn with_label(w: &Workflow, e: tokio_postgres::Error) -> anyhow::Error {
    let refused = crate::db::sqlstate(&e).is_some_and(|c| c.starts_with("TD"));
    let err = db_error(e);
    let label = w.label();
    let text = err.to_string();
    let names_it = text
        .strip_prefix(&label)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()));
    if refused && !names_it {
        usage(format!("{label}: {text}"))
    } else {
        err
    }
}

/// A workflow's headline, as `task show` lists a task's workflows.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WorkflowBrief {
    pub id: Uuid,
    pub short_id: i64,
    pub workflow_type: String,
    pub status: String,
    pub current_step: Option<String>,
    pub steps_completed: i32,
    pub steps_total: Option<i32>,
    pub retry_count: i32,
    pub created_at: DateTime<Utc>,
}

/// The workflows of task `task_id`, by short id.
pub async fn briefs_of_task(db: &Db, task_id: Uuid) -> Result<Vec<WorkflowBrief>> {
    db.query(
        "SELECT id, short_id, workflow_type, status, current_step, steps_completed, steps_total, \
                retry_count, created_at FROM workflows WHERE task_id = $1 ORDER BY short_id",
        &[&task_id],
    )
    .await
    .map_err(db_error)?
    .iter()
    .map(|r| {
        Ok(WorkflowBrief {
            id: r.try_get(0)?,
            short_id: r.try_get(1)?,
            workflow_type: r.try_get(2)?,
            status: r.try_get(3)?,
            current_step: r.try_get(4)?,
            steps_completed: r.try_get(5)?,
            steps_total: r.try_get(6)?,
            retry_count: r.try_get(7)?,
            created_at: r.try_get(8)?,
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn refs() {
        assert_eq!(parse_ref("#3").unwrap(), TaskRef::Short(3));
        assert!(parse_ref("w3").is_err());
    }
}
