//! `show_task`, `list_tasks`, `create_task`, `set_task_status`: what `task show`, `task list`
//! (and `search`), `task create` and `task status` do, through the same `db::tasks` functions.

use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Id;
use crate::db::tasks::{
    self as q, parse_priority, parse_status, ListRequest, NewTask, Task, TaskDoc, TaskOrder,
};
use crate::exit::usage;
use crate::mcp::render::{self, TaskSummary};
use crate::mcp::server::{Server, CALL_LIMIT};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowTask {
    /// The task: its short id (42 or "#42") or its UUID.
    pub id: Id,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Short id, ascending.
    Id,
    /// Priority, highest first.
    Priority,
    /// Creation time, newest first.
    Created,
    /// Last change, newest first.
    Updated,
}

/// The most tasks one `list_tasks` call returns.
const MAX_LIST: u32 = 200;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasks {
    /// Only these statuses: pending, in_progress, review, blocked, deferred, completed,
    /// failed, cancelled (done and in-progress are accepted).
    #[serde(default)]
    pub status: Vec<String>,
    /// Only tasks assigned to this name ("none": only unassigned tasks).
    pub assigned: Option<String>,
    /// Only tasks of this type (e.g. feature, bug_fix).
    #[serde(rename = "type")]
    pub task_type: Option<String>,
    /// Only tasks carrying every one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only the subtasks of this task.
    pub parent: Option<Id>,
    /// Only tasks ready to work on: pending, in progress or in review, every blocking
    /// dependency completed.
    #[serde(default)]
    pub ready: bool,
    /// Only tasks whose claim has expired (their agent stopped sending heartbeats).
    #[serde(default)]
    pub stale: bool,
    /// Words to find in titles and descriptions (fuzzy; best matches first).
    pub search: Option<String>,
    /// The order (default: id; a search is ranked by relevance unless this is given).
    pub sort: Option<Sort>,
    /// At most this many tasks, 1-200 (default 20).
    pub limit: Option<u32>,
    /// The next page: `next_after` of the previous page (not with search).
    pub after: Option<Id>,
}

/// A page of tasks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskPage {
    pub tasks: Vec<TaskSummary>,
    /// More tasks match than this page holds.
    pub more: bool,
    /// Pass this as `after` for the next page (when there is one and this is not a search).
    pub next_after: Option<i64>,
}

/// A task's priority: 0-10 or a name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Priority {
    Number(i64),
    Name(String),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    /// What is to be done, in one line (at most 500 characters).
    pub title: String,
    /// One paragraph on what and why.
    pub description: Option<String>,
    /// Implementation notes.
    pub details: Option<String>,
    /// How to verify that the task is done.
    pub test_strategy: Option<String>,
    /// The kind of task, lower snake_case (e.g. feature, bug_fix, deployment; default
    /// general).
    #[serde(rename = "type")]
    pub task_type: Option<String>,
    /// 0-10 (10 = most urgent) or low, medium, high, critical (default medium, 5).
    pub priority: Option<Priority>,
    /// Estimated complexity, 1-10.
    pub complexity: Option<i16>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Make it a subtask of this task.
    pub parent: Option<Id>,
    /// Tasks that must be completed before this one.
    #[serde(default)]
    pub depends_on: Vec<Id>,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub acceptance_criteria: Vec<String>,
    #[serde(default)]
    pub affected_files: Vec<String>,
    /// Estimated hours of work.
    pub estimated_hours: Option<f64>,
    /// Claims before the task is given up as failed (1-1000; default: the server's setting).
    pub max_attempts: Option<u32>,
    /// Anything else to keep with the task (a JSON object).
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTaskStatus {
    /// The task: its short id (42 or "#42") or its UUID.
    pub id: Id,
    /// The new status: pending, in_progress, review, blocked, deferred, completed, failed or
    /// cancelled (done and in-progress are accepted). Only the transitions the database allows
    /// are made (e.g. a completed task can only go back to in_progress).
    pub status: String,
    /// Why (kept with the change in the task's history).
    pub note: Option<String>,
}

/// A status change: the status before and the task after.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusChange {
    pub previous_status: String,
    pub task: Task,
}

#[tool_router(router = tasks_router, vis = "pub(super)")]
impl Server {
    #[tool(
        description = "Everything about one task: its fields (description, details, test strategy, \
            requirements, acceptance criteria…), completion, what it depends on and what depends \
            on it, its subtasks, workflows and recent history. Use list_tasks to find ids.",
        output_schema = schema_for_output::<TaskDoc>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn show_task(&self, Parameters(p): Parameters<ShowTask>) -> CallToolResult {
        self.reply("show_task", CALL_LIMIT, async {
            let r = p.id.task()?;
            let mut db = self.conn.hold().await?;
            let doc = q::task_doc(&mut db, r).await?;
            let text = render::doc_markdown(&doc);
            Ok((doc, text))
        })
        .await
    }

    #[tool(
        description = "Find tasks: filter by status, assignee, type, tags, parent, readiness or \
            expired claims, or search titles and descriptions; sorted, paged (pass next_after as \
            after). Returns one summary per task; show_task has the rest.",
        output_schema = schema_for_output::<TaskPage>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn list_tasks(&self, Parameters(p): Parameters<ListTasks>) -> CallToolResult {
        self.reply("list_tasks", CALL_LIMIT, async {
            let limit = p.limit.unwrap_or(20);
            if !(1..=MAX_LIST).contains(&limit) {
                return Err(usage(format!("limit must be 1 to {MAX_LIST}")));
            }
            let req = ListRequest {
                statuses: p.status,
                assigned: p.assigned,
                task_type: p.task_type,
                tags: p.tags,
                parent: p.parent.as_ref().map(Id::text),
                ready: p.ready,
                stale: p.stale,
                search: p.search,
                order: p.sort.map(|s| match s {
                    Sort::Id => TaskOrder::Id,
                    Sort::Priority => TaskOrder::Priority,
                    Sort::Created => TaskOrder::Created,
                    Sort::Updated => TaskOrder::Updated,
                }),
                limit: i64::from(limit),
                after: p.after.as_ref().map(Id::text),
            };
            let checked = req.check()?;
            let search = checked.request().search.is_some();
            let db = self.conn.hold().await?;
            let page = checked.run(&db).await?;
            Ok(page_reply(&page, search))
        })
        .await
    }

    #[tool(
        description = "Create a task (pending). Only the title is required; give depends_on for \
            tasks that must be completed first and parent to make it a subtask. Returns the \
            task with its short id.",
        output_schema = schema_for_output::<Task>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn create_task(&self, Parameters(p): Parameters<CreateTask>) -> CallToolResult {
        self.reply("create_task", CALL_LIMIT, async {
            let new = new_task(p)?;
            new.check()?;
            let mut db = self.conn.hold().await?;
            let task = q::create(&mut db, &new).await?;
            let text = format!("created {}", render::line(&task));
            Ok((task, text))
        })
        .await
    }

    #[tool(
        description = "Move a task to another status (completed when done; review, blocked, \
            deferred, failed, cancelled, or back to pending), with a note saying why. The \
            database refuses transitions it does not allow and says which are.",
        output_schema = schema_for_output::<StatusChange>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn set_task_status(&self, Parameters(p): Parameters<SetTaskStatus>) -> CallToolResult {
        self.reply("set_task_status", CALL_LIMIT, async {
            let r = p.id.task()?;
            let status = parse_status(&p.status)?;
            let mut db = self.conn.hold().await?;
            let (before, after) = q::set_status(&mut db, r, status, p.note.as_deref()).await?;
            let text = format!("{} {} → {}", after.label(), before.status, after.status);
            Ok((
                StatusChange {
                    previous_status: before.status,
                    task: after,
                },
                text,
            ))
        })
        .await
    }
}

/// The page as the tool returns it, and its text: a line per task, then where the next page
/// starts.
fn page_reply(page: &q::Page, search: bool) -> (TaskPage, String) {
    let mut text: Vec<String> = page.tasks.iter().map(render::line).collect();
    if text.is_empty() {
        text.push("no tasks match".into());
    }
    let next_after = match page.tasks.last() {
        Some(last) if page.more && !search => Some(last.short_id),
        _ => None,
    };
    match (page.more, next_after) {
        (true, Some(after)) => text.push(format!("(more: after={after})")),
        (true, None) => text.push("(more matches: raise limit)".into()),
        _ => {}
    }
    let out = TaskPage {
        tasks: page.tasks.iter().map(TaskSummary::from).collect(),
        more: page.more,
        next_after,
    };
    (out, text.join("\n"))
}

/// The [`NewTask`] `create_task` asks for (ids and the priority parsed as the CLI parses them).
fn new_task(p: CreateTask) -> anyhow::Result<NewTask> {
    let priority = match p.priority {
        None => 5,
        Some(Priority::Number(n)) => parse_priority(&n.to_string())?,
        Some(Priority::Name(name)) => parse_priority(&name)?,
    };
    let max_attempts = p
        .max_attempts
        .map(|n| crate::settings::check_max_attempts(n).map_err(usage))
        .transpose()?
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX));
    Ok(NewTask {
        title: p.title,
        description: p.description,
        details: p.details,
        test_strategy: p.test_strategy,
        task_type: p.task_type,
        priority,
        complexity: p.complexity,
        max_attempts,
        parent: p.parent.as_ref().map(Id::task).transpose()?,
        tags: p.tags,
        requirements: p.requirements,
        acceptance_criteria: p.acceptance_criteria,
        affected_files: p.affected_files,
        metadata: p.metadata.unwrap_or_default(),
        estimated_hours: p.estimated_hours,
        depends_on: p
            .depends_on
            .iter()
            .map(Id::task)
            .collect::<anyhow::Result<_>>()?,
        ..NewTask::default()
    })
}
