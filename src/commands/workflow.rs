//! `taskdb workflow …`: workflow runs of tasks. Every status change goes through the schema's
//! `update_workflow_step` / `update_workflow_status`; the database refuses what the transition
//! table does not allow (and retries past `max_retries`). The flags are checked here, the SQL
//! is `crate::db::workflows`'.

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::context::Context;
use crate::db::tasks::{self as tq, TaskRef};
use crate::db::workflows::{self as q, Workflow, STATUSES, TYPES};
use crate::exit::{usage, Exit};
use crate::options::{DatabaseUse, Format};
use crate::output::{ts, Row};

#[derive(Debug, Args)]
#[command(after_help = "Ids: a workflow's short id (3 or #3) or its UUID.\n\
    Statuses: initialized → running → completed | failed | cancelled | timeout; \
    failed and timeout → running again with `retry` while retries are left.")]
pub struct WorkflowArgs {
    #[command(subcommand)]
    cmd: WorkflowCmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StepStatus {
    /// The step started
    Running,
    /// The step finished successfully
    Completed,
    /// The step failed (fails the workflow)
    Failed,
    /// The step was skipped (counts as done)
    Skipped,
}

#[derive(Debug, Subcommand)]
enum WorkflowCmd {
    /// Start tracking a workflow for a task; prints its short id (json: the workflow)
    #[command(
        after_help = "Example:\n  wf=$(taskdb workflow create 42 --type deployment --steps 3)"
    )]
    Create {
        /// The task (short id or UUID)
        task: String,
        /// standard, hotfix, rollback, deployment, validation or cleanup
        #[arg(long = "type", value_name = "TYPE", default_value = "standard")]
        workflow_type: String,
        /// Number of steps; the workflow completes when that many distinct steps are done
        #[arg(long, value_name = "N")]
        steps: Option<i32>,
        /// Retries allowed after a failure or timeout (0-100)
        #[arg(long, default_value_t = 3, value_name = "N")]
        max_retries: i32,
        /// A running workflow older than this is stuck (1-1440)
        #[arg(long, default_value_t = 60, value_name = "MINUTES")]
        timeout_minutes: i32,
    },
    /// List workflows
    List {
        /// Only these statuses (repeatable)
        #[arg(long, short = 's', value_name = "STATUS")]
        status: Vec<String>,
        /// Only workflows of this task
        #[arg(long, value_name = "ID")]
        task: Option<String>,
        /// Only running workflows past their timeout
        #[arg(long)]
        stuck: bool,
        /// At most N rows (0 = all)
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: i64,
    },
    /// Show a workflow: fields, the step timeline with durations, errors
    Show {
        /// Workflow id
        id: String,
    },
    /// Record a step (starts the workflow; a failed step fails it; the last declared step completes it)
    #[command(after_help = "Examples:\n  \
        taskdb workflow step 3 build --status running\n  \
        taskdb workflow step 3 build --result '{\"artifact\":\"app.tar\"}'\n  \
        taskdb workflow step 3 test --status failed --error \"2 tests failed\"")]
    Step {
        /// Workflow id
        id: String,
        /// Step name (one line)
        step: String,
        #[arg(long, value_enum, default_value = "completed")]
        status: StepStatus,
        /// Result of the step (JSON)
        #[arg(long, value_name = "JSON")]
        result: Option<String>,
        /// Error text (for a failed step)
        #[arg(long, value_name = "TEXT")]
        error: Option<String>,
    },
    /// Mark a workflow completed
    Complete(ReasonArgs),
    /// Mark a workflow failed
    Fail(ReasonArgs),
    /// Cancel a workflow
    Cancel(ReasonArgs),
    /// Run a failed or timed-out workflow again (while retries are left)
    Retry(ReasonArgs),
    /// Delete a workflow and its history of steps
    Delete {
        /// Workflow id
        id: String,
    },
}

#[derive(Debug, Args)]
struct ReasonArgs {
    /// Workflow id
    id: String,
    /// Why (appended to the error log)
    #[arg(long)]
    reason: Option<String>,
}

impl WorkflowArgs {
    /// Which subcommands write (refused in read-only mode and on a standby).
    pub fn database_use(&self) -> DatabaseUse {
        DatabaseUse::Writes(match &self.cmd {
            WorkflowCmd::List { .. } | WorkflowCmd::Show { .. } => return DatabaseUse::Reads,
            WorkflowCmd::Create { .. } => "workflow create",
            WorkflowCmd::Step { .. } => "workflow step",
            WorkflowCmd::Complete(_) => "workflow complete",
            WorkflowCmd::Fail(_) => "workflow fail",
            WorkflowCmd::Cancel(_) => "workflow cancel",
            WorkflowCmd::Retry(_) => "workflow retry",
            WorkflowCmd::Delete { .. } => "workflow delete",
        })
    }
}

pub async fn run(args: WorkflowArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        WorkflowCmd::Create {
            task,
            workflow_type,
            steps,
            max_retries,
            timeout_minutes,
        } => {
            let r = TaskRef::parse(&task)?;
            if !TYPES.contains(&workflow_type.as_str()) {
                return Err(usage(format!(
                    "unknown workflow type {workflow_type:?}: use one of {}",
                    TYPES.join(", ")
                )));
            }
            if steps.is_some_and(|n| n < 1) {
                return Err(usage("--steps must be at least 1"));
            }
            if !(0..=100).contains(&max_retries) {
                return Err(usage("--max-retries must be between 0 and 100"));
            }
            if !(1..=1440).contains(&timeout_minutes) {
                return Err(usage("--timeout-minutes must be between 1 and 1440"));
            }
            let db = ctx.db().await?;
            let t = tq::find(&db, r, "task").await?;
            let w = q::create(
                &db,
                t.id,
                &workflow_type,
                steps,
                timeout_minutes,
                max_retries,
            )
            .await?;
            print_brief(ctx, &w)
        }
        WorkflowCmd::List {
            status,
            task,
            stuck,
            limit,
        } => list(status, task, stuck, limit, ctx).await,
        WorkflowCmd::Show { id } => show(&id, ctx).await,
        WorkflowCmd::Step {
            id,
            step,
            status,
            result,
            error,
        } => record_step(&id, &step, status, result, error, ctx).await,
        WorkflowCmd::Complete(a) => set_status(a, "completed", ctx).await,
        WorkflowCmd::Fail(a) => set_status(a, "failed", ctx).await,
        WorkflowCmd::Cancel(a) => set_status(a, "cancelled", ctx).await,
        WorkflowCmd::Retry(a) => set_status(a, "running", ctx).await,
        WorkflowCmd::Delete { id } => delete(&id, ctx).await,
    }
}

async fn list(
    status: Vec<String>,
    task: Option<String>,
    stuck: bool,
    limit: i64,
    ctx: &Context,
) -> Result<Exit> {
    for s in &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(usage(format!(
                "unknown workflow status {s:?}: use one of {}",
                STATUSES.join(", ")
            )));
        }
    }
    if limit < 0 {
        return Err(usage("--limit must be 0 (all) or more"));
    }
    let task = task.as_deref().map(TaskRef::parse).transpose()?;
    let db = ctx.db().await?;
    let task_id = match task {
        Some(r) => Some(tq::find(&db, r, "task").await?.id),
        None => None,
    };
    let list = q::list(&db, &status, task_id, stuck, limit).await?;
    if list.is_empty() && ctx.out.format() == Format::Table {
        ctx.out.note("no workflows match");
        return Ok(Exit::SUCCESS);
    }
    ctx.out.list(&list)?;
    Ok(Exit::SUCCESS)
}

async fn show(id: &str, ctx: &Context) -> Result<Exit> {
    let r = q::parse_ref(id)?;
    ctx.out.require_format(&[Format::Table, Format::Json])?;
    let db = ctx.db().await?;
    let w = q::find(&db, r).await?;
    let steps = q::steps(&w);
    if ctx.out.format() == Format::Json {
        let mut v = serde_json::to_value(&w)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("steps".into(), serde_json::to_value(&steps)?);
        }
        ctx.out.json(&v)?;
        return Ok(Exit::SUCCESS);
    }
    let rows: Vec<Vec<String>> = field_rows(&w)
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    let mut text = ctx.out.table(&["field", "value"], &rows);
    if !steps.is_empty() {
        let rows: Vec<Vec<String>> = steps.iter().map(Row::cells).collect();
        text.push_str("\nSteps\n");
        text.push_str(&ctx.out.table(q::StepRow::columns(), &rows));
    }
    let errors = error_rows(&w);
    if !errors.is_empty() {
        text.push_str("\nErrors\n");
        text.push_str(
            &ctx.out
                .table(&["at", "attempt", "status", "step", "message"], &errors),
        );
    }
    ctx.out.raw(text)?;
    Ok(Exit::SUCCESS)
}

/// The field table of `workflow show` (empty values are left out by the caller).
fn field_rows(w: &Workflow) -> Vec<(&'static str, String)> {
    let status = if w.stuck {
        format!(
            "{} (stuck: running longer than {} min)",
            w.status, w.timeout_minutes
        )
    } else {
        w.status.clone()
    };
    vec![
        ("id", format!("#{} ({})", w.short_id, w.id)),
        (
            "task",
            w.task_short_id.map(|t| format!("#{t}")).unwrap_or_default(),
        ),
        ("type", w.workflow_type.clone()),
        ("status", status),
        ("current_step", w.current_step.clone().unwrap_or_default()),
        ("steps", w.steps()),
        ("retries", format!("{} of {}", w.retry_count, w.max_retries)),
        ("timeout", format!("{} min", w.timeout_minutes)),
        (
            "created",
            format!("{} by {}", ts(Some(w.created_at)), w.created_by),
        ),
        ("started", ts(w.started_at)),
        ("finished", ts(w.completed_at)),
    ]
}

/// The error log of a workflow as table rows.
fn error_rows(w: &Workflow) -> Vec<Vec<String>> {
    w.error_log
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            vec![
                s("at"),
                e.get("attempt").map(|a| a.to_string()).unwrap_or_default(),
                s("status"),
                s("step"),
                s("message"),
            ]
        })
        .collect()
}

async fn record_step(
    id: &str,
    step: &str,
    status: StepStatus,
    result: Option<String>,
    error: Option<String>,
    ctx: &Context,
) -> Result<Exit> {
    let r = q::parse_ref(id)?;
    q::check_step_name(step)?;
    let result: Option<Value> = match result {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| usage(format!("--result is not valid JSON: {e}")))?,
        ),
        None => None,
    };
    let status = match status {
        StepStatus::Running => q::StepStatus::Running,
        StepStatus::Completed => q::StepStatus::Completed,
        StepStatus::Failed => q::StepStatus::Failed,
        StepStatus::Skipped => q::StepStatus::Skipped,
    }
    .name();
    let db = ctx.db().await?;
    let w = q::find(&db, r).await?;
    let after = q::record_step(&db, &w, step, status, result.as_ref(), error.as_deref()).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else {
        ctx.out.note(format!(
            "{}: step {step} {status}; workflow {} ({} steps done)",
            after.label(),
            after.status,
            after.steps()
        ));
    }
    Ok(Exit::SUCCESS)
}

async fn delete(id: &str, ctx: &Context) -> Result<Exit> {
    let r = q::parse_ref(id)?;
    let db = ctx.db().await?;
    let w = q::find(&db, r).await?;
    ctx.out
        .confirm(&format!(
            "delete {} ({}, {})?",
            w.label(),
            w.workflow_type,
            w.status
        ))
        .await?;
    q::delete(&db, w.id).await?;
    if ctx.out.format() == Format::Json {
        ctx.out
            .json(&json!({"deleted": 1, "id": w.id, "short_id": w.short_id}))?;
    } else {
        ctx.out.note(format!("deleted {}", w.label()));
    }
    Ok(Exit::SUCCESS)
}

async fn set_status(a: ReasonArgs, status: &str, ctx: &Context) -> Result<Exit> {
    let r = q::parse_ref(&a.id)?;
    let mut db = ctx.db().await?;
    let (before, after) = q::set_status(&mut db, r, status, a.reason.as_deref()).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else {
        ctx.out.note(format!(
            "{}: {} → {}",
            after.label(),
            before.status,
            after.status
        ));
    }
    Ok(Exit::SUCCESS)
}

fn print_brief(ctx: &Context, w: &Workflow) -> Result<Exit> {
    if ctx.out.format() == Format::Json {
        ctx.out.json(w)?;
    } else {
        ctx.out.line(w.short_id.to_string())?;
    }
    Ok(Exit::SUCCESS)
}
