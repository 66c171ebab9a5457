//! `taskdb task …`: create, find, change and hand out tasks; Task Master import/export.
//!
//! Ids: every command takes a task's short id (`42` or `#42`) or its UUID. A malformed id, or
//! one that names no task, is bad input (exit 2). Status changes go through the schema's
//! `update_task_status`, dependency cycles are refused by the schema's trigger; this module
//! validates input before it writes anything and prints what the schema answered.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::context::Context;
use crate::db::db_error;
use crate::db::tasks::{self as q, DepRow, Task, TaskRef, MAX_TITLE_CHARS, STATUSES};
use crate::exit::{usage, Exit};
use crate::limits;
use crate::options::Format;
use crate::taskmaster;

#[derive(Debug, Args)]
#[command(after_help = "Ids: a task's short id (42 or #42) or its UUID. \
    Statuses: pending, in_progress, review, blocked, deferred, completed, failed, cancelled \
    (Task Master's done and in-progress are accepted). Priorities: 0-10 or low(2), medium(5), \
    high(8), critical(10).")]
pub struct TaskArgs {
    #[command(subcommand)]
    cmd: TaskCmd,
}

#[derive(Debug, Subcommand)]
enum TaskCmd {
    /// Create a task; prints its short id (json: the whole task)
    #[command(after_help = "Examples:\n  \
        id=$(taskdb task create \"Fix login redirect\" --priority high --tag web)\n  \
        taskdb task create \"Write tests\" --parent \"$id\" --depends-on 12 --meta source=ci\n  \
        taskdb --format json task create \"Deploy\" --type deployment --meta-json '{\"env\":\"prod\"}'")]
    Create(CreateArgs),
    /// List tasks (filters, trigram search, keyset pagination)
    #[command(after_help = "Examples:\n  \
        taskdb task list --status pending --status in_progress --sort priority\n  \
        taskdb task list --ready --tag backend --limit 10\n  \
        taskdb task list --after 150          # the page after task #150 in the chosen order\n  \
        taskdb --format json task list --assigned none")]
    List(ListArgs),
    /// Find tasks by title and description, best matches first (same as `list --search`)
    Search(SearchArgs),
    /// Show one task: every field, dependencies, children, completion, workflows, history
    Show(IdArg),
    /// Draw the task hierarchy with statuses (all top-level tasks, or below one task)
    Tree(TreeArgs),
    /// The audit trail of a task: who changed what, when, old → new
    History(HistoryArgs),
    /// Change a task's fields (status has its own command: `task status`)
    Update(UpdateArgs),
    /// Move a task to a new status along the allowed transitions
    #[command(after_help = "Allowed transitions (enforced by the database):\n  \
        pending     → in_progress, blocked, deferred, completed, cancelled\n  \
        in_progress → pending, review, blocked, deferred, completed, failed, cancelled\n  \
        review      → in_progress, blocked, completed, failed, cancelled\n  \
        blocked     → pending, in_progress, deferred, cancelled\n  \
        deferred    → pending, in_progress, cancelled\n  \
        completed   → in_progress\n  \
        failed      → pending, in_progress, cancelled\n  \
        cancelled   → pending\n\
        Aliases: done = completed, in-progress = in_progress, canceled = cancelled.")]
    Status(StatusArgs),
    /// Delete a task (refuses when it has children or dependents, unless --cascade)
    Delete(DeleteArgs),
    /// Add, remove or list dependencies between tasks
    Deps(DepsArgs),
    /// The next task to work on (Task Master's choice); --claim takes it atomically
    #[command(
        after_help = "Choice (as `task-master next`): first the pending/in-progress subtasks of \
        in-progress tasks, then top-level pending/in-progress tasks; every blocking dependency must \
        be completed; highest priority first, then fewer dependencies, then lowest id.\n\
        With --claim only pending tasks are candidates; the chosen task is marked in_progress and \
        assigned in one transaction (FOR UPDATE SKIP LOCKED), so concurrent agents never get the \
        same task.\nNothing ready: empty stdout (json: null), a note on stderr, exit 0.\n\n\
        Example:\n  id=$(taskdb task next --claim --assign agent-7) && [ -n \"$id\" ] && work-on \"$id\""
    )]
    Next(NextArgs),
    /// Import a Task Master tasks.json (both shapes) in one transaction; idempotent
    #[command(
        after_help = "Each task and subtask gets external_key taskmaster:<tag>:<id> (subtasks \
        <id> = P.S); importing again updates those tasks in place. Subtasks become child tasks, \
        dependencies become task dependencies, and details, testStrategy and every unknown key \
        are kept (columns, or metadata.taskmaster) so `task export` can write the file back.\n\n\
        Examples:\n  taskdb task import .taskmaster/tasks/tasks.json --dry-run\n  \
        taskdb task import tasks.json --tag master --tag feature-x"
    )]
    Import(ImportArgs),
    /// Export tasks as a Task Master tasks.json (tagged format)
    #[command(
        after_help = "Imported tasks go back to their tag with their Task Master ids; other \
        top-level tasks go to tag master with new ids (max+1), their children become subtasks.\n\n\
        Example:\n  taskdb task export --tag master -o .taskmaster/tasks/tasks.json"
    )]
    Export(ExportArgs),
}

/// A task id argument.
#[derive(Debug, Args)]
struct IdArg {
    /// Task id: short id (42, #42) or UUID
    id: String,
}

/// Fields shared by `create` and `update`.
#[derive(Debug, Args, Default)]
struct FieldArgs {
    /// One-paragraph description
    #[arg(long, short = 'd')]
    description: Option<String>,
    /// Implementation notes
    #[arg(long)]
    details: Option<String>,
    /// How to verify the task is done
    #[arg(long, value_name = "TEXT")]
    test_strategy: Option<String>,
    /// Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)
    #[arg(long = "type", value_name = "TYPE")]
    task_type: Option<String>,
    /// 0-10 (10 = most urgent) or low, medium, high, critical
    #[arg(long, short = 'p', value_name = "PRIORITY")]
    priority: Option<String>,
    /// Estimated complexity, 1-10
    #[arg(long, value_name = "1-10")]
    complexity: Option<i16>,
    /// Who works on it
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// Parent task (makes this a subtask)
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// Tag (repeatable; on update replaces the tags)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Requirement (repeatable; on update replaces the list)
    #[arg(long = "requirement", value_name = "TEXT")]
    requirements: Vec<String>,
    /// Acceptance criterion (repeatable; on update replaces the list)
    #[arg(long = "criterion", value_name = "TEXT")]
    criteria: Vec<String>,
    /// Affected file (repeatable; on update replaces the list)
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<String>,
    /// Estimated hours
    #[arg(long, value_name = "HOURS")]
    estimate: Option<f64>,
    /// Repository URL
    #[arg(long, value_name = "URL")]
    repo: Option<String>,
    /// Git branch
    #[arg(long, value_name = "BRANCH")]
    branch: Option<String>,
    /// Pull request number
    #[arg(long, value_name = "N")]
    pr: Option<i32>,
    /// Linear issue id
    #[arg(long, value_name = "ID")]
    linear: Option<String>,
    /// GitHub issue number
    #[arg(long, value_name = "N")]
    github: Option<i32>,
    /// Metadata entry key=value (repeatable; the value is stored as a string)
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    meta: Vec<String>,
    /// Metadata as a JSON object (merged with --meta)
    #[arg(long, value_name = "JSON")]
    meta_json: Option<String>,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The task's title (one line, at most 500 characters)
    title: String,
    #[command(flatten)]
    fields: FieldArgs,
    /// Task this one depends on (repeatable)
    #[arg(long, value_name = "ID")]
    depends_on: Vec<String>,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// New title (one line, at most 500 characters)
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
    /// Make it a top-level task again
    #[arg(long, conflicts_with = "parent")]
    no_parent: bool,
    /// Remove the assignee
    #[arg(long, conflicts_with = "assign")]
    unassign: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortKey {
    /// Short id, ascending
    Id,
    /// Priority, highest first (then id)
    Priority,
    /// Creation time, newest first (then id)
    Created,
    /// Last change, newest first (then id)
    Updated,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only these statuses (repeatable)
    #[arg(long, short = 's', value_name = "STATUS")]
    status: Vec<String>,
    /// Only tasks assigned to WHO (`none` = unassigned)
    #[arg(long, value_name = "WHO")]
    assigned: Option<String>,
    /// Only this type
    #[arg(long = "type", value_name = "TYPE")]
    task_type: Option<String>,
    /// Only tasks carrying every given tag (repeatable)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Only children of this task
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// Only ready tasks: pending, in_progress or review with every blocking dependency completed
    #[arg(long)]
    ready: bool,
    /// Rank by trigram similarity of title and description to TEXT
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Order of the rows [default: id; relevance with --search]
    #[arg(long, value_enum)]
    sort: Option<SortKey>,
    /// At most N rows (0 = all)
    #[arg(long, default_value_t = 50, value_name = "N")]
    limit: i64,
    /// Start after this task in the chosen order (keyset pagination)
    #[arg(long, value_name = "ID", conflicts_with = "search")]
    after: Option<String>,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// Words to look for
    text: String,
    /// At most N rows
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: i64,
}

#[derive(Debug, Args)]
struct TreeArgs {
    /// Root task (default: every top-level task)
    id: Option<String>,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// Only the N newest entries
    #[arg(long, value_name = "N")]
    limit: Option<i64>,
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// New status (done and in-progress are accepted)
    status: String,
    /// Why (kept with the status change)
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// Also delete every descendant and drop the dependencies of dependent tasks on it
    #[arg(long)]
    cascade: bool,
}

#[derive(Debug, Args)]
struct DepsArgs {
    #[command(subcommand)]
    cmd: DepsCmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DepType {
    /// DEPENDS_ON must be completed first (cycles refused)
    Blocks,
    /// Informational link
    Related,
}

#[derive(Debug, Subcommand)]
enum DepsCmd {
    /// ID depends on DEPENDS_ON (a cycle is refused and spelled out)
    Add {
        /// The task that waits
        id: String,
        /// The task it waits for
        depends_on: String,
        #[arg(long = "type", value_enum, default_value = "blocks")]
        dep_type: DepType,
    },
    /// Remove the dependency of ID on DEPENDS_ON
    Rm { id: String, depends_on: String },
    /// What ID waits for and what waits for ID
    List { id: String },
}

#[derive(Debug, Args)]
struct NextArgs {
    /// Only tasks carrying this tag (e.g. a Task Master tag)
    #[arg(long, short = 't', value_name = "TAG")]
    tag: Option<String>,
    /// Take the task: mark it in_progress and assign it, atomically
    #[arg(long)]
    claim: bool,
    /// Assignee for --claim [default: the actor]
    #[arg(long, value_name = "WHO", requires = "claim")]
    assign: Option<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The tasks.json file (`-` = stdin)
    file: PathBuf,
    /// Import only these tags (repeatable; default: every tag in the file)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Report what would be created and updated; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Refuse a file larger than this (1048576, 512kB, 16MB, 1GB)
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_max_size)]
    max_size: u64,
}

/// `--max-size`: a size of at least one byte.
fn parse_max_size(text: &str) -> std::result::Result<u64, String> {
    let bytes = crate::units::parse_bytes(text)?;
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("{text:?} is not a positive size"));
    }
    Ok(bytes as u64)
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Export only these tags (repeatable; default: all)
    #[arg(long = "tag", short = 't', value_name = "TAG")]
    tags: Vec<String>,
    /// Write to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub async fn run(args: TaskArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        TaskCmd::Create(a) => create(a, ctx).await,
        TaskCmd::List(a) => list(a, ctx).await,
        TaskCmd::Search(a) => {
            list(
                ListArgs {
                    status: vec![],
                    assigned: None,
                    task_type: None,
                    tags: vec![],
                    parent: None,
                    ready: false,
                    search: Some(a.text),
                    sort: None,
                    limit: a.limit,
                    after: None,
                },
                ctx,
            )
            .await
        }
        TaskCmd::Show(a) => show(a, ctx).await,
        TaskCmd::Tree(a) => tree(a, ctx).await,
        TaskCmd::History(a) => history(a, ctx).await,
        TaskCmd::Update(a) => update(a, ctx).await,
        TaskCmd::Status(a) => status(a, ctx).await,
        TaskCmd::Delete(a) => delete(a, ctx).await,
        TaskCmd::Deps(a) => deps(a, ctx).await,
        TaskCmd::Next(a) => next(a, ctx).await,
        TaskCmd::Import(a) => import(a, ctx).await,
        TaskCmd::Export(a) => export(a, ctx).await,
    }
}

// ---- input validation (before anything is written) ------------------------------------------

/// `0`–`10` or a Task Master priority name.
pub fn parse_priority(text: &str) -> Result<i16> {
    let t = text.trim().to_ascii_lowercase();
    if let Some((_, v)) = taskmaster::PRIORITY_NAMES.iter().find(|(n, _)| *n == t) {
        return Ok(*v as i16);
    }
    match t.parse::<i16>() {
        Ok(v) if (0..=10).contains(&v) => Ok(v),
        _ => Err(usage(format!(
            "invalid priority {text:?}: use 0-10 or low, medium, high, critical"
        ))),
    }
}

/// A status, with Task Master's spellings accepted.
pub fn parse_status(text: &str) -> Result<&'static str> {
    let t = text.trim().to_ascii_lowercase().replace('-', "_");
    let t = match t.as_str() {
        "done" => "completed",
        "canceled" => "cancelled",
        other => other,
    };
    STATUSES.iter().copied().find(|s| *s == t).ok_or_else(|| {
        usage(format!(
            "unknown status {text:?}: use one of {} (or done, in-progress)",
            STATUSES.join(", ")
        ))
    })
}

fn check_title(title: &str) -> Result<()> {
    if title.trim().is_empty() {
        return Err(usage("the title is empty"));
    }
    let n = title.chars().count();
    if n > MAX_TITLE_CHARS {
        return Err(usage(format!(
            "the title is {n} characters long; at most {MAX_TITLE_CHARS} (put long text in --description or --details)"
        )));
    }
    if title.contains('\0') {
        return Err(usage("the title contains a NUL character"));
    }
    refuse_line_breaks("the title", title)
}

/// A one-line value (a title, a step name) with a line break would break every one-line
/// listing it appears in; refuse it (exit 2) and say where longer text goes.
pub(crate) fn refuse_line_breaks(what: &str, text: &str) -> Result<()> {
    let breaks = |c: char| {
        matches!(
            c,
            '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        )
    };
    if text.contains(breaks) {
        return Err(usage(format!(
            "{what} contains a line break; it must be one line (put longer text in --description or --details)"
        )));
    }
    Ok(())
}

fn check_text(name: &str, value: &Option<String>) -> Result<()> {
    if value.as_deref().is_some_and(|v| v.contains('\0')) {
        return Err(usage(format!("--{name} contains a NUL character")));
    }
    Ok(())
}

/// `--meta k=v…` and `--meta-json` as one object (None when neither was given).
fn parse_meta(pairs: &[String], json_text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    let mut map = Map::new();
    let mut any = false;
    if let Some(text) = json_text {
        any = true;
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(obj)) => map.extend(obj),
            Ok(other) => {
                return Err(usage(format!(
                    "--meta-json must be a JSON object, got {}",
                    json_kind(&other)
                )))
            }
            Err(e) => return Err(usage(format!("--meta-json is not valid JSON: {e}"))),
        }
    }
    for pair in pairs {
        any = true;
        let Some((k, v)) = pair.split_once('=') else {
            return Err(usage(format!(
                "--meta {pair:?} has no '=': use --meta key=value"
            )));
        };
        if k.trim().is_empty() {
            return Err(usage(format!("--meta {pair:?} has an empty key")));
        }
        map.insert(k.trim().to_string(), Value::String(v.to_string()));
    }
    Ok(any.then_some(map))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validated field values, ready to bind.
#[derive(Debug, Default)]
struct Fields {
    priority: Option<i16>,
    meta: Option<Map<String, Value>>,
    parent: Option<TaskRef>,
}

fn validate_fields(f: &FieldArgs) -> Result<Fields> {
    for (name, v) in [
        ("description", &f.description),
        ("details", &f.details),
        ("test-strategy", &f.test_strategy),
        ("assign", &f.assign),
        ("repo", &f.repo),
        ("branch", &f.branch),
        ("linear", &f.linear),
    ] {
        check_text(name, v)?;
    }
    if let Some(t) = &f.task_type {
        let ok = t.len() <= 50
            && t.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return Err(usage(format!(
                "invalid --type {t:?}: lower snake_case, e.g. feature, bug_fix, deployment"
            )));
        }
    }
    if let Some(c) = f.complexity {
        if !(1..=10).contains(&c) {
            return Err(usage(format!("invalid --complexity {c}: use 1-10")));
        }
    }
    if let Some(h) = f.estimate {
        if !(0.0..1_000_000.0).contains(&h) || !h.is_finite() {
            return Err(usage(format!(
                "invalid --estimate {h}: hours between 0 and 999999"
            )));
        }
    }
    for (name, v) in [("pr", f.pr), ("github", f.github)] {
        if v.is_some_and(|n| n <= 0) {
            return Err(usage(format!("--{name} must be a positive number")));
        }
    }
    for t in &f.tags {
        if t.trim().is_empty() || t.contains('\0') {
            return Err(usage(format!("invalid --tag {t:?}")));
        }
    }
    Ok(Fields {
        priority: f.priority.as_deref().map(parse_priority).transpose()?,
        meta: parse_meta(&f.meta, f.meta_json.as_deref())?,
        parent: f.parent.as_deref().map(TaskRef::parse).transpose()?,
    })
}

fn json_list(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.clone())).collect())
}

// ---- create ---------------------------------------------------------------------------------

async fn create(a: CreateArgs, ctx: &Context) -> Result<Exit> {
    check_title(&a.title)?;
    let f = validate_fields(&a.fields)?;
    let dep_refs: Vec<TaskRef> = a
        .depends_on
        .iter()
        .map(|d| TaskRef::parse(d))
        .collect::<Result<_>>()?;
    let mut db = ctx.db().await?;
    let tx = db.client.transaction().await.map_err(db_error)?;
    let parent = match f.parent {
        Some(r) => Some(q::find(&tx, r, "parent task").await?.id),
        None => None,
    };
    let mut deps = Vec::new();
    for r in dep_refs {
        deps.push(q::find(&tx, r, "dependency task").await?.id);
    }
    let x = &a.fields;
    let priority = i32::from(f.priority.unwrap_or(5));
    let complexity = x.complexity.map(i32::from);
    let meta = Value::Object(f.meta.unwrap_or_default());
    let row = tx
        .query_one(
            "SELECT t.id FROM create_task(p_title => $1, p_description => $2, \
               p_type => coalesce($3, 'general'), p_priority => $4, p_assigned_to => $5, \
               p_parent_task_id => $6, p_requirements => $7, p_metadata => $8, p_details => $9, \
               p_test_strategy => $10, p_tags => $11, p_complexity => $12, \
               p_acceptance_criteria => $13, p_affected_files => $14, p_depends_on => $15, \
               p_estimated_hours => $16::float8::numeric) t",
            &[
                &a.title,
                &x.description,
                &x.task_type,
                &priority,
                &x.assign,
                &parent,
                &json_list(&x.requirements),
                &meta,
                &x.details,
                &x.test_strategy,
                &x.tags,
                &complexity,
                &json_list(&x.criteria),
                &json_list(&x.files),
                &deps,
                &x.estimate,
            ],
        )
        .await
        .map_err(db_error)?;
    let id: Uuid = row.try_get(0)?;
    if x.repo.is_some()
        || x.branch.is_some()
        || x.pr.is_some()
        || x.linear.is_some()
        || x.github.is_some()
    {
        tx.execute(
            "UPDATE tasks SET repository_url = $2, branch_name = $3, pr_number = $4, \
               linear_issue_id = $5, github_issue_number = $6 WHERE id = $1",
            &[&id, &x.repo, &x.branch, &x.pr, &x.linear, &x.github],
        )
        .await
        .map_err(db_error)?;
    }
    let task = q::find(&tx, TaskRef::Uuid(id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&task)?;
    } else {
        ctx.out.line(task.short_id.to_string())?;
        ctx.out
            .debug(1, format!("created {} ({})", task.label(), task.id));
    }
    Ok(Exit::SUCCESS)
}

// ---- update ---------------------------------------------------------------------------------

async fn update(a: UpdateArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    if let Some(t) = &a.title {
        check_title(t)?;
    }
    let f = validate_fields(&a.fields)?;
    let x = &a.fields;
    let mut db = ctx.db().await?;
    let tx = db.client.transaction().await.map_err(db_error)?;
    let task = q::find_for_update(&tx, r, "task").await?;
    let parent = match f.parent {
        Some(pr) => Some(q::find(&tx, pr, "parent task").await?.id),
        None => None,
    };
    if parent == Some(task.id) {
        return Err(usage(format!(
            "task {} cannot be its own parent",
            task.label()
        )));
    }
    // Build "SET col = $n" for each given field; values are always parameters.
    let mut sets: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(task.id)];
    let mut set = |col: &str, cast: &str, v: Box<dyn ToSql + Sync + Send>| {
        params.push(v);
        sets.push(format!("{col} = ${}{cast}", params.len()));
    };
    if let Some(v) = &a.title {
        set("title", "", Box::new(v.clone()));
    }
    macro_rules! opt {
        ($col:expr, $v:expr) => {
            if let Some(v) = $v.clone() {
                set($col, "", Box::new(v));
            }
        };
    }
    opt!("description", x.description);
    opt!("details", x.details);
    opt!("test_strategy", x.test_strategy);
    opt!("type", x.task_type);
    opt!("repository_url", x.repo);
    opt!("branch_name", x.branch);
    opt!("pr_number", x.pr);
    opt!("linear_issue_id", x.linear);
    opt!("github_issue_number", x.github);
    opt!("complexity", x.complexity);
    opt!("priority", f.priority);
    opt!("assigned_to", x.assign);
    if let Some(h) = x.estimate {
        set("estimated_hours", "::float8::numeric", Box::new(h));
    }
    if let Some(p) = parent {
        set("parent_task_id", "", Box::new(p));
    }
    if !x.tags.is_empty() {
        set("tags", "", Box::new(x.tags.clone()));
    }
    for (col, list) in [
        ("requirements", &x.requirements),
        ("acceptance_criteria", &x.criteria),
        ("affected_files", &x.files),
    ] {
        if !list.is_empty() {
            set(col, "", Box::new(json_list(list)));
        }
    }
    if a.no_parent {
        sets.push("parent_task_id = NULL".into());
    }
    if a.unassign {
        sets.push("assigned_to = NULL".into());
    }
    if let Some(m) = f.meta {
        params.push(Box::new(Value::Object(m)));
        sets.push(format!("metadata = metadata || ${}", params.len()));
    }
    if sets.is_empty() {
        return Err(usage(
            "nothing to change: give at least one field (see `taskdb task update --help`)",
        ));
    }
    let sql = format!("UPDATE tasks SET {} WHERE id = $1", sets.join(", "));
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
    tx.execute(&sql, &refs).await.map_err(db_error)?;
    let task = q::find(&tx, TaskRef::Uuid(task.id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    print_task_brief(ctx, &task)?;
    Ok(Exit::SUCCESS)
}

/// After a write: json → the whole task; table → the short id (like `create`).
fn print_task_brief(ctx: &Context, task: &Task) -> Result<()> {
    if ctx.out.format() == Format::Json {
        ctx.out.json(task)
    } else {
        ctx.out.line(task.short_id.to_string())
    }
}

// ---- status ---------------------------------------------------------------------------------

async fn status(a: StatusArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let new = parse_status(&a.status)?;
    let mut db = ctx.db().await?;
    let tx = db.client.transaction().await.map_err(db_error)?;
    let task = q::find(&tx, r, "task").await?;
    tx.execute(
        "SELECT 1 FROM update_task_status($1, $2, $3)",
        &[&task.id, &new, &a.note],
    )
    .await
    .map_err(|e| {
        let refused = crate::db::sqlstate(&e) == Some("TD010");
        let err = db_error(e);
        if refused {
            usage(format!("task {}: {err}", task.label()))
        } else {
            err
        }
    })?;
    let after = q::find(&tx, TaskRef::Uuid(task.id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else {
        ctx.out.note(format!(
            "{} {} → {}",
            after.label(),
            task.status,
            after.status
        ));
    }
    Ok(Exit::SUCCESS)
}

// ---- list / search --------------------------------------------------------------------------

/// Escape LIKE wildcards so the search text matches literally.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

async fn list(a: ListArgs, ctx: &Context) -> Result<Exit> {
    let statuses: Vec<&str> = a
        .status
        .iter()
        .map(|s| parse_status(s))
        .collect::<Result<_>>()?;
    if a.limit < 0 {
        return Err(usage("--limit must be 0 (all) or more"));
    }
    let parent = a.parent.as_deref().map(TaskRef::parse).transpose()?;
    let after = a.after.as_deref().map(TaskRef::parse).transpose()?;
    if let Some(s) = &a.search {
        if s.trim().is_empty() {
            return Err(usage("--search needs some text"));
        }
    }
    let db = ctx.db().await?;
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut push = |p: Box<dyn ToSql + Sync + Send>| -> String {
        params.push(p);
        format!("${}", params.len())
    };
    if !statuses.is_empty() {
        let owned: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        conds.push(format!("t.status = ANY({})", push(Box::new(owned))));
    }
    match a.assigned.as_deref() {
        Some("none") => conds.push("t.assigned_to IS NULL".into()),
        Some(who) => conds.push(format!(
            "t.assigned_to = {}",
            push(Box::new(who.to_string()))
        )),
        None => {}
    }
    if let Some(t) = &a.task_type {
        conds.push(format!("t.type = {}", push(Box::new(t.clone()))));
    }
    if !a.tags.is_empty() {
        conds.push(format!("t.tags @> {}", push(Box::new(a.tags.clone()))));
    }
    if let Some(p) = parent {
        let p = q::find(&*db, p, "parent task").await?;
        conds.push(format!("t.parent_task_id = {}", push(Box::new(p.id))));
    }
    if a.ready {
        conds.push(format!(
            "t.status IN ('pending', 'in_progress', 'review') AND {READY}"
        ));
    }
    let mut order = match a.sort.unwrap_or(SortKey::Id) {
        SortKey::Id => "t.short_id".to_string(),
        SortKey::Priority => "t.priority DESC, t.short_id".to_string(),
        SortKey::Created => "t.created_at DESC, t.short_id".to_string(),
        SortKey::Updated => "t.updated_at DESC, t.short_id".to_string(),
    };
    if let Some(text) = &a.search {
        let qp = push(Box::new(text.clone()));
        let lp = push(Box::new(like_pattern(text)));
        conds.push(format!(
            "(t.title % {qp} OR t.title ILIKE {lp} OR t.description ILIKE {lp} OR t.description % {qp})"
        ));
        if a.sort.is_none() {
            order = format!(
                "greatest(similarity(t.title, {qp}), similarity(coalesce(t.description, ''), {qp}) * 0.8) DESC, t.short_id"
            );
        }
    }
    if let Some(r) = after {
        let cursor = q::find(&*db, r, "--after task").await?;
        let c = match a.sort.unwrap_or(SortKey::Id) {
            SortKey::Id => format!("t.short_id > {}", push(Box::new(cursor.short_id))),
            SortKey::Priority => {
                let pp = push(Box::new(cursor.priority));
                let sp = push(Box::new(cursor.short_id));
                format!("(t.priority < {pp} OR (t.priority = {pp} AND t.short_id > {sp}))")
            }
            SortKey::Created | SortKey::Updated => {
                let col = if matches!(a.sort, Some(SortKey::Created)) {
                    "created_at"
                } else {
                    "updated_at"
                };
                let v = if col == "created_at" {
                    cursor.created_at
                } else {
                    cursor.updated_at
                };
                let tp = push(Box::new(v));
                let sp = push(Box::new(cursor.short_id));
                format!("(t.{col} < {tp} OR (t.{col} = {tp} AND t.short_id > {sp}))")
            }
        };
        conds.push(c);
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    // One row more than asked tells whether there is a next page.
    let limit_sql = if a.limit > 0 {
        format!("LIMIT {}", push(Box::new(a.limit + 1)))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {} FROM tasks t {where_sql} ORDER BY {order} {limit_sql}",
        q::TASK_COLUMNS
    );
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
    let rows = db.query(&sql, &refs).await.map_err(db_error)?;
    let mut tasks: Vec<Task> = rows.iter().map(Task::from_row).collect::<Result<_>>()?;
    let more = a.limit > 0 && tasks.len() as i64 > a.limit;
    if more {
        tasks.truncate(a.limit as usize);
    }
    if ctx.out.format() == Format::Table && tasks.is_empty() {
        ctx.out.note("no tasks match");
        return Ok(Exit::SUCCESS);
    }
    if ctx.out.format() == Format::Csv {
        ctx.out.raw(tasks_csv(&tasks)?)?;
    } else {
        ctx.out.list(&tasks)?;
    }
    if more {
        if let Some(last) = tasks.last() {
            if a.search.is_some() {
                ctx.out.note(format!(
                    "(first {} matches; raise --limit for more)",
                    a.limit
                ));
            } else {
                ctx.out.note(format!("(more: --after {})", last.short_id));
            }
        }
    }
    Ok(Exit::SUCCESS)
}

/// CSV with every field of every task (the table shows a concise subset): the columns are the
/// JSON keys in field order, nested values (arrays, objects) as JSON text, absent ones empty.
fn tasks_csv(tasks: &[Task]) -> Result<String> {
    let mut rows = Vec::with_capacity(tasks.len());
    for t in tasks {
        let v = serde_json::to_value(t)?;
        rows.push(
            q::TASK_FIELDS
                .iter()
                .map(|h| match v.get(*h) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                })
                .collect(),
        );
    }
    Ok(crate::output::csv(q::TASK_FIELDS, &rows))
}

/// SQL condition: every blocking dependency of `t` is completed (the count V9's triggers keep).
const READY: &str = "t.open_blockers = 0";

// ---- show -----------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct WorkflowBrief {
    id: Uuid,
    short_id: i64,
    workflow_type: String,
    status: String,
    current_step: Option<String>,
    steps_completed: i32,
    steps_total: Option<i32>,
    retry_count: i32,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize)]
struct ChildBrief {
    id: Uuid,
    short_id: i64,
    title: String,
    status: String,
    priority: i16,
}

#[derive(Debug, Serialize)]
struct ShowDoc<'a> {
    #[serde(flatten)]
    task: &'a Task,
    completion_percent: f64,
    dependencies: Vec<&'a DepRow>,
    dependents: Vec<&'a DepRow>,
    children: Vec<ChildBrief>,
    workflows: Vec<WorkflowBrief>,
    recent_history: Vec<q::HistoryRow>,
}

async fn show(a: IdArg, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    ctx.out.require_format(&[Format::Table, Format::Json])?;
    let db = ctx.db().await?;
    let task = q::find(&*db, r, "task").await?;
    // Point lookups: without statistics the planner expects hundreds of rows and starts
    // parallel workers (~15 ms) to fetch two.
    db.batch_execute("SET max_parallel_workers_per_gather = 0")
        .await
        .map_err(db_error)?;
    // The five reads are independent: issued together, they share the connection's round
    // trips (tokio-postgres pipelines concurrent requests) instead of waiting one by one.
    let completion = async {
        let row = db
            .query_one("SELECT calculate_task_completion($1)::float8", &[&task.id])
            .await
            .map_err(db_error)?;
        Ok::<f64, anyhow::Error>(row.try_get(0)?)
    };
    let children = async {
        db.query(
            "SELECT id, short_id, title, status, priority FROM tasks WHERE parent_task_id = $1 ORDER BY short_id",
            &[&task.id],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| {
            Ok(ChildBrief {
                id: r.try_get(0)?,
                short_id: r.try_get(1)?,
                title: r.try_get(2)?,
                status: r.try_get(3)?,
                priority: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<ChildBrief>>>()
    };
    let workflows = async {
        db.query(
            "SELECT id, short_id, workflow_type, status, current_step, steps_completed, steps_total, \
                    retry_count, created_at FROM workflows WHERE task_id = $1 ORDER BY short_id",
            &[&task.id],
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
        .collect::<Result<Vec<WorkflowBrief>>>()
    };
    let (completion, deps, children, workflows, hist) = tokio::try_join!(
        completion,
        q::deps_of(&*db, task.id),
        children,
        workflows,
        q::history(&*db, task.id, Some(5)),
    )?;
    let doc = ShowDoc {
        task: &task,
        completion_percent: completion,
        dependencies: deps
            .iter()
            .filter(|d| d.direction == "depends_on")
            .collect(),
        dependents: deps.iter().filter(|d| d.direction == "dependent").collect(),
        children,
        workflows,
        recent_history: hist,
    };
    if ctx.out.format() == Format::Json {
        ctx.out.json(&doc)?;
        return Ok(Exit::SUCCESS);
    }
    let t = &task;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut fields: Vec<(&str, String)> = vec![
        ("id", format!("{} ({})", t.label(), t.id)),
        ("title", t.title.clone()),
        ("status", t.status.clone()),
        (
            "priority",
            format!(
                "{} ({})",
                t.priority,
                taskmaster::priority_from_db(i32::from(t.priority))
            ),
        ),
        ("completion", format!("{completion:.0}%")),
        ("type", t.task_type.clone()),
    ];
    let mut add = |k: &'static str, v: String| {
        if !v.is_empty() {
            fields.push((k, v));
        }
    };
    add("assigned_to", opt(&t.assigned_to));
    add(
        "parent",
        t.parent_short_id
            .map(|p| format!("#{p}"))
            .unwrap_or_default(),
    );
    add("tags", t.tags.join(", "));
    add("description", opt(&t.description));
    add("details", opt(&t.details));
    add("test_strategy", opt(&t.test_strategy));
    add(
        "complexity",
        t.complexity.map(|c| c.to_string()).unwrap_or_default(),
    );
    for (k, v) in [
        ("requirements", &t.requirements),
        ("acceptance_criteria", &t.acceptance_criteria),
        ("affected_files", &t.affected_files),
    ] {
        let items: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect();
        add(k, items.join("\n"));
    }
    add(
        "estimated_hours",
        t.estimated_hours.map(|h| h.to_string()).unwrap_or_default(),
    );
    add(
        "actual_hours",
        t.actual_hours.map(|h| h.to_string()).unwrap_or_default(),
    );
    add("repository_url", opt(&t.repository_url));
    add("branch", opt(&t.branch_name));
    add(
        "pr_number",
        t.pr_number.map(|n| n.to_string()).unwrap_or_default(),
    );
    add("linear_issue", opt(&t.linear_issue_id));
    add(
        "github_issue",
        t.github_issue_number
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    add("external_key", opt(&t.external_key));
    if t.metadata.as_object().is_some_and(|m| !m.is_empty()) {
        add("metadata", t.metadata.to_string());
    }
    add(
        "created",
        format!(
            "{} by {}",
            crate::output::ts(Some(t.created_at)),
            t.created_by
        ),
    );
    add("updated", crate::output::ts(Some(t.updated_at)));
    add("started", crate::output::ts(t.started_at));
    add("completed", crate::output::ts(t.completed_at));
    let rows: Vec<Vec<String>> = fields
        .iter()
        .map(|(k, v)| vec![k.to_string(), v.clone()])
        .collect();
    let mut text = ctx.out.table(&["field", "value"], &rows);
    if !deps.is_empty() {
        let rows: Vec<Vec<String>> = deps.iter().map(crate::output::Row::cells).collect();
        text.push_str("\nDependencies\n");
        text.push_str(
            &ctx.out
                .table(<DepRow as crate::output::Row>::columns(), &rows),
        );
    }
    if !doc.children.is_empty() {
        let rows: Vec<Vec<String>> = doc
            .children
            .iter()
            .map(|c| {
                vec![
                    format!("#{}", c.short_id),
                    c.status.clone(),
                    c.priority.to_string(),
                    q::truncate(&c.title, 60),
                ]
            })
            .collect();
        text.push_str("\nChildren\n");
        text.push_str(&ctx.out.table(&["id", "status", "pri", "title"], &rows));
    }
    if !doc.workflows.is_empty() {
        let rows: Vec<Vec<String>> = doc
            .workflows
            .iter()
            .map(|w| {
                vec![
                    format!("#{}", w.short_id),
                    w.workflow_type.clone(),
                    w.status.clone(),
                    w.current_step.clone().unwrap_or_default(),
                    match w.steps_total {
                        Some(n) => format!("{}/{n}", w.steps_completed),
                        None => w.steps_completed.to_string(),
                    },
                ]
            })
            .collect();
        text.push_str("\nWorkflows\n");
        text.push_str(
            &ctx.out
                .table(&["id", "type", "status", "step", "steps"], &rows),
        );
    }
    if !doc.recent_history.is_empty() {
        let rows: Vec<Vec<String>> = doc
            .recent_history
            .iter()
            .map(crate::output::Row::cells)
            .collect();
        text.push_str("\nRecent changes\n");
        text.push_str(&ctx.out.table(&["when", "actor", "change"], &rows));
    }
    ctx.out.raw(text)?;
    Ok(Exit::SUCCESS)
}

// ---- tree -----------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct TreeNode {
    id: Uuid,
    short_id: i64,
    parent_task_id: Option<Uuid>,
    title: String,
    status: String,
    priority: i16,
    depth: i32,
    path: Vec<i64>,
}

async fn tree(a: TreeArgs, ctx: &Context) -> Result<Exit> {
    let root = a.id.as_deref().map(TaskRef::parse).transpose()?;
    ctx.out.require_format(&[Format::Table, Format::Json])?;
    let db = ctx.db().await?;
    let rows = match root {
        Some(r) => {
            let t = q::find(&*db, r, "task").await?;
            db.query(
                "SELECT task_id, short_id, parent_task_id, title, status, priority, depth, path \
                   FROM get_task_hierarchy($1)",
                &[&t.id],
            )
            .await
        }
        None => {
            db.query(
                "WITH RECURSIVE tree AS ( \
                   SELECT t.id, t.short_id, t.parent_task_id, t.title, t.status, t.priority, 0 AS depth, \
                          ARRAY[t.short_id] AS path \
                     FROM tasks t WHERE t.parent_task_id IS NULL \
                   UNION ALL \
                   SELECT c.id, c.short_id, c.parent_task_id, c.title, c.status, c.priority, tr.depth + 1, \
                          tr.path || c.short_id \
                     FROM tree tr JOIN tasks c ON c.parent_task_id = tr.id \
                    WHERE c.short_id <> ALL (tr.path)) \
                 SELECT * FROM tree ORDER BY path",
                &[],
            )
            .await
        }
    }
    .map_err(db_error)?;
    let nodes: Vec<TreeNode> = rows
        .iter()
        .map(|r| {
            Ok(TreeNode {
                id: r.try_get(0)?,
                short_id: r.try_get(1)?,
                parent_task_id: r.try_get(2)?,
                title: r.try_get(3)?,
                status: r.try_get(4)?,
                priority: r.try_get(5)?,
                depth: r.try_get(6)?,
                path: r.try_get(7)?,
            })
        })
        .collect::<Result<_>>()?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&nodes)?;
        return Ok(Exit::SUCCESS);
    }
    if nodes.is_empty() {
        ctx.out.note("no tasks");
        return Ok(Exit::SUCCESS);
    }
    ctx.out.raw(draw_tree(&nodes))?;
    Ok(Exit::SUCCESS)
}

/// Draw depth-first nodes (ordered by path) with box-drawing branches.
fn draw_tree(nodes: &[TreeNode]) -> String {
    let mut out = String::new();
    // For each node: is it the last among its siblings?
    let is_last: Vec<bool> = (0..nodes.len())
        .map(|i| {
            let n = &nodes[i];
            nodes[i + 1..]
                .iter()
                .take_while(|m| m.depth >= n.depth)
                .all(|m| m.depth > n.depth)
        })
        .collect();
    let mut open: Vec<bool> = Vec::new(); // per depth: does a sibling follow below?
    for (i, n) in nodes.iter().enumerate() {
        let d = n.depth as usize;
        open.truncate(d);
        let mut line = String::new();
        if d > 0 {
            for more in open.iter().skip(1) {
                line.push_str(if *more { "│   " } else { "    " });
            }
            line.push_str(if is_last[i] {
                "└── "
            } else {
                "├── "
            });
        }
        line.push_str(&format!(
            "#{} [{}] {}",
            n.short_id,
            n.status,
            crate::output::escape_controls(&q::truncate(&n.title, 70))
        ));
        out.push_str(&line);
        out.push('\n');
        open.push(!is_last[i]);
    }
    out
}

// ---- history --------------------------------------------------------------------------------

async fn history(a: HistoryArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    if a.limit.is_some_and(|n| n < 1) {
        return Err(usage("--limit must be at least 1"));
    }
    let db = ctx.db().await?;
    let task = q::find(&*db, r, "task").await?;
    let rows = q::history(&*db, task.id, a.limit).await?;
    ctx.out.list(&rows)?;
    Ok(Exit::SUCCESS)
}

// ---- delete ---------------------------------------------------------------------------------

async fn delete(a: DeleteArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let mut db = ctx.db().await?;
    let task = q::find(&*db, r, "task").await?;
    let (children, dependents): (i64, i64) = {
        let row = db
            .query_one(
                "SELECT (SELECT count(*) FROM tasks WHERE parent_task_id = $1), \
                        (SELECT count(*) FROM task_dependencies WHERE depends_on_task_id = $1)",
                &[&task.id],
            )
            .await
            .map_err(db_error)?;
        (row.try_get(0)?, row.try_get(1)?)
    };
    if (children > 0 || dependents > 0) && !a.cascade {
        return Err(usage(format!(
            "task {} has {children} child task(s) and {dependents} dependent task(s); \
             pass --cascade to delete its descendants and drop those dependencies",
            task.label()
        )));
    }
    let prompt = if a.cascade && children > 0 {
        format!(
            "delete task {} \"{}\" and all its descendants?",
            task.label(),
            crate::output::escape_controls(&q::truncate(&task.title, 40))
        )
    } else {
        format!(
            "delete task {} \"{}\"?",
            task.label(),
            crate::output::escape_controls(&q::truncate(&task.title, 40))
        )
    };
    ctx.out.confirm(&prompt).await?;
    let tx = db.client.transaction().await.map_err(db_error)?;
    // Lock the task, then delete it with its descendants (children would otherwise be
    // orphaned by ON DELETE SET NULL); dependency rows go by ON DELETE CASCADE.
    let n = tx
        .execute(
            "WITH RECURSIVE sub AS ( \
               SELECT id, ARRAY[id] AS path FROM tasks WHERE id = $1 \
               UNION ALL \
               SELECT c.id, s.path || c.id FROM sub s JOIN tasks c ON c.parent_task_id = s.id \
                WHERE $2 AND c.id <> ALL (s.path)) \
             DELETE FROM tasks WHERE id IN (SELECT id FROM sub)",
            &[&task.id, &a.cascade],
        )
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    if ctx.out.format() == Format::Json {
        ctx.out
            .json(&json!({"deleted": n, "id": task.id, "short_id": task.short_id}))?;
    } else {
        ctx.out.note(format!("deleted {n} task(s)"));
    }
    Ok(Exit::SUCCESS)
}

// ---- deps -----------------------------------------------------------------------------------

async fn deps(a: DepsArgs, ctx: &Context) -> Result<Exit> {
    match a.cmd {
        DepsCmd::Add {
            id,
            depends_on,
            dep_type,
        } => {
            let (r1, r2) = (TaskRef::parse(&id)?, TaskRef::parse(&depends_on)?);
            let db = ctx.db().await?;
            let t = q::find(&*db, r1, "task").await?;
            let d = q::find(&*db, r2, "dependency task").await?;
            if t.id == d.id {
                return Err(usage(format!("task {} cannot depend on itself", t.label())));
            }
            let kind = match dep_type {
                DepType::Blocks => "blocks",
                DepType::Related => "related",
            };
            let n = db
                .execute(
                    "INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) \
                     VALUES ($1, $2, $3) \
                     ON CONFLICT (task_id, depends_on_task_id) DO UPDATE SET dependency_type = EXCLUDED.dependency_type \
                     WHERE task_dependencies.dependency_type <> EXCLUDED.dependency_type",
                    &[&t.id, &d.id, &kind],
                )
                .await
                .map_err(db_error)?;
            if n == 0 {
                ctx.out.note(format!(
                    "{} already depends on {} ({kind})",
                    t.label(),
                    d.label()
                ));
            } else {
                ctx.out.note(format!(
                    "{} now depends on {} ({kind})",
                    t.label(),
                    d.label()
                ));
            }
            if ctx.out.format() == Format::Json {
                ctx.out
                    .json(&json!({"task_id": t.id, "task_short_id": t.short_id,
                    "depends_on_task_id": d.id, "depends_on_short_id": d.short_id,
                    "dependency_type": kind, "changed": n > 0}))?;
            }
            Ok(Exit::SUCCESS)
        }
        DepsCmd::Rm { id, depends_on } => {
            let (r1, r2) = (TaskRef::parse(&id)?, TaskRef::parse(&depends_on)?);
            let db = ctx.db().await?;
            let t = q::find(&*db, r1, "task").await?;
            let d = q::find(&*db, r2, "dependency task").await?;
            let n = db
                .execute(
                    "DELETE FROM task_dependencies WHERE task_id = $1 AND depends_on_task_id = $2",
                    &[&t.id, &d.id],
                )
                .await
                .map_err(db_error)?;
            if n == 0 {
                return Err(usage(format!(
                    "{} does not depend on {}",
                    t.label(),
                    d.label()
                )));
            }
            ctx.out
                .note(format!("{} no longer depends on {}", t.label(), d.label()));
            if ctx.out.format() == Format::Json {
                ctx.out
                    .json(&json!({"task_id": t.id, "depends_on_task_id": d.id, "removed": true}))?;
            }
            Ok(Exit::SUCCESS)
        }
        DepsCmd::List { id } => {
            let r = TaskRef::parse(&id)?;
            let db = ctx.db().await?;
            let t = q::find(&*db, r, "task").await?;
            let rows = q::deps_of(&*db, t.id).await?;
            ctx.out.list(&rows)?;
            Ok(Exit::SUCCESS)
        }
    }
}

// ---- next -----------------------------------------------------------------------------------

/// Task Master's `next`, in SQL: subtasks of in-progress tasks first (phase 1), then top-level
/// tasks (phase 2); every blocking dependency completed; priority desc, fewer dependencies,
/// parent id, id. `$1` = tag or NULL; `$2` = only pending (claiming).
const NEXT_SQL: &str = "SELECT t.id FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_task_id \
     WHERE (CASE WHEN $2 THEN t.status = 'pending' ELSE t.status IN ('pending', 'in_progress') END) \
       AND (t.parent_task_id IS NULL OR p.status = 'in_progress') \
       AND ($1::text IS NULL OR t.tags @> ARRAY[$1::text]) \
       AND t.open_blockers = 0 \
     ORDER BY (t.parent_task_id IS NOT NULL) DESC, t.priority DESC, \
       (SELECT count(*) FROM task_dependencies d WHERE d.task_id = t.id AND d.dependency_type = 'blocks'), \
       p.short_id NULLS FIRST, t.short_id \
     LIMIT 1";

async fn next(a: NextArgs, ctx: &Context) -> Result<Exit> {
    if let Some(w) = &a.assign {
        if w.trim().is_empty() || w.contains('\0') {
            return Err(usage("--assign needs a name"));
        }
    }
    let mut db = ctx.db().await?;
    let task = if a.claim {
        let who = a.assign.clone().unwrap_or_else(|| ctx.actor().to_string());
        let tx = db.client.transaction().await.map_err(db_error)?;
        let sql = format!("{NEXT_SQL} FOR UPDATE OF t SKIP LOCKED");
        let row = tx
            .query_opt(&sql, &[&a.tag, &true])
            .await
            .map_err(db_error)?;
        match row {
            None => None,
            Some(row) => {
                let id: Uuid = row.try_get(0)?;
                tx.execute(
                    "SELECT 1 FROM update_task_status($1, 'in_progress', $2)",
                    &[&id, &format!("claimed by {who}")],
                )
                .await
                .map_err(db_error)?;
                tx.execute(
                    "UPDATE tasks SET assigned_to = $2 WHERE id = $1",
                    &[&id, &who],
                )
                .await
                .map_err(db_error)?;
                let t = q::find(&tx, TaskRef::Uuid(id), "task").await?;
                tx.commit().await.map_err(db_error)?;
                Some(t)
            }
        }
    } else {
        // One statement: the choice and the row it names.
        let sql = format!(
            "SELECT {} FROM tasks t WHERE t.id = ({NEXT_SQL})",
            q::TASK_COLUMNS
        );
        let row = db
            .query_opt(&sql, &[&a.tag, &false])
            .await
            .map_err(db_error)?;
        row.as_ref().map(Task::from_row).transpose()?
    };
    match task {
        None => {
            if ctx.out.format() == Format::Json {
                ctx.out.json(&Value::Null)?;
            }
            ctx.out.note(if a.claim {
                "nothing to claim: no pending task has all its dependencies completed"
            } else {
                "nothing ready: no pending or in-progress task has all its dependencies completed"
            });
        }
        Some(t) => {
            if ctx.out.format() == Format::Json {
                ctx.out.json(&t)?;
            } else {
                ctx.out.line(t.short_id.to_string())?;
                let verb = if a.claim { "claimed" } else { "next" };
                ctx.out.note(format!(
                    "{verb}: {} [{}] p{} {}",
                    t.label(),
                    t.status,
                    t.priority,
                    crate::output::escape_controls(&q::truncate(&t.title, 70))
                ));
            }
        }
    }
    Ok(Exit::SUCCESS)
}

// ---- import / export ------------------------------------------------------------------------

async fn import(a: ImportArgs, ctx: &Context) -> Result<Exit> {
    let name = a.file.display().to_string();
    let what = "task files";
    let read = if name == "-" {
        limits::read_from(std::io::stdin().lock(), a.max_size, what)
    } else {
        limits::read(&a.file, a.max_size, what)
    };
    let bytes = read.map_err(|e| match e.kind() {
        _ if limits::too_large(&e).is_some() => {
            usage(format!("{name}: {e}; raise it with --max-size"))
        }
        std::io::ErrorKind::NotFound => usage(format!("{name}: no such file")),
        _ => usage(format!("{name}: cannot read: {e}")),
    })?;
    // Parse, then let go of the bytes and the parsed tree as soon as the rows exist.
    let file = taskmaster::parse(&bytes).map_err(|e| usage(format!("{name}: {e}")))?;
    drop(bytes);
    let set =
        taskmaster::to_import_rows(file, &a.tags).map_err(|e| usage(format!("{name}: {e}")))?;
    for r in &set.rows {
        let n = r.title.chars().count();
        if n > MAX_TITLE_CHARS {
            return Err(usage(format!(
                "{name}: {}: the title is {n} characters long; at most {MAX_TITLE_CHARS}",
                r.external_key
            )));
        }
        refuse_line_breaks("the title", &r.title)
            .map_err(|e| usage(format!("{name}: {}: {e}", r.external_key)))?;
        let text_nul = [
            Some(&r.title),
            r.description.as_ref(),
            r.details.as_ref(),
            r.test_strategy.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|s| s.contains('\0'));
        if text_nul {
            return Err(usage(format!(
                "{name}: {}",
                taskmaster::nul_refusal(&r.external_key)
            )));
        }
    }
    let mut db = ctx.db().await?;
    let spinner = ctx
        .out
        .spinner(format!("importing {} tasks", set.rows.len()));
    let report = crate::db::taskmaster::import(&mut db.client, &set, a.dry_run).await;
    spinner.finish_and_clear();
    let report = report?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&report)?;
    } else {
        let verb = if a.dry_run {
            "would import"
        } else {
            "imported"
        };
        ctx.out.note(format!(
            "{verb} {} tag(s): {} created, {} updated, {} unchanged; {} dependencies; {} status change(s)",
            report.tags.len(),
            report.created,
            report.updated,
            report.unchanged,
            report.dependencies,
            report.status_changes
        ));
        if a.dry_run {
            ctx.out.note("dry run: nothing was written");
        }
    }
    Ok(Exit::SUCCESS)
}

async fn export(a: ExportArgs, ctx: &Context) -> Result<Exit> {
    let db = ctx.db().await?;
    let rows = crate::db::taskmaster::export_rows(&db.client).await?;
    let tag_meta: HashMap<String, Value> = crate::db::taskmaster::tag_metadata(&rows);
    let known: std::collections::BTreeSet<String> = rows.iter().map(|r| r.tag()).collect();
    for t in &a.tags {
        if !known.contains(t) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(usage(format!(
                "tag {t:?} has no tasks (tags: {})",
                if list.is_empty() {
                    "none".into()
                } else {
                    list.join(", ")
                }
            )));
        }
    }
    let (doc, report) = taskmaster::export(&rows, &tag_meta, &a.tags);
    drop(rows);
    for w in &report.warnings {
        ctx.out.warn(w);
    }
    match &a.output {
        Some(path) => {
            // Streamed to the file (a large export is never held twice in memory).
            let write = || -> std::io::Result<()> {
                let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
                serde_json::to_writer_pretty(&mut f, &doc)?;
                std::io::Write::write_all(&mut f, b"\n")?;
                std::io::Write::flush(&mut f)
            };
            write().with_context(|| format!("cannot write {}", path.display()))?;
            ctx.out.note(format!(
                "exported {} task(s) and {} subtask(s) to {}",
                report.tasks,
                report.subtasks,
                path.display()
            ));
        }
        None => ctx.out.json(&doc)?,
    }
    Ok(Exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::exit::{code_for, Exit};

    #[test]
    fn priorities() {
        assert_eq!(parse_priority("0").unwrap(), 0);
        assert_eq!(parse_priority("10").unwrap(), 10);
        assert_eq!(parse_priority("High").unwrap(), 8);
        for bad in ["11", "-1", "urgent", "", "5.5"] {
            assert_eq!(code_for(&parse_priority(bad).unwrap_err()), Exit::USAGE);
        }
    }

    #[test]
    fn statuses_and_aliases() {
        assert_eq!(parse_status("done").unwrap(), "completed");
        assert_eq!(parse_status("in-progress").unwrap(), "in_progress");
        assert_eq!(parse_status("IN_PROGRESS").unwrap(), "in_progress");
        let e = parse_status("finished").unwrap_err();
        assert!(e.to_string().contains("unknown status"));
    }

    #[test]
    fn meta_flags() {
        assert!(parse_meta(&[], None).unwrap().is_none());
        let m = parse_meta(&["a=1".into(), "b=x=y".into()], Some(r#"{"c":[1]}"#))
            .unwrap()
            .unwrap();
        assert_eq!(m["a"], json!("1"));
        assert_eq!(m["b"], json!("x=y"));
        assert_eq!(m["c"], json!([1]));
        assert!(parse_meta(&["novalue".into()], None)
            .unwrap_err()
            .to_string()
            .contains("no '='"));
        assert!(parse_meta(&[], Some("[1]"))
            .unwrap_err()
            .to_string()
            .contains("JSON object"));
        assert!(parse_meta(&[], Some("{"))
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
    }

    #[test]
    fn titles() {
        assert!(check_title("ok").is_ok());
        assert!(check_title("  ").is_err());
        assert!(check_title(&"x".repeat(501)).is_err());
        assert!(check_title(&"é".repeat(500)).is_ok());
    }

    #[test]
    fn like_escaping() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn tree_drawing() {
        let n = |short_id, depth, path: Vec<i64>| TreeNode {
            id: Uuid::nil(),
            short_id,
            parent_task_id: None,
            title: format!("t{short_id}"),
            status: "pending".into(),
            priority: 5,
            depth,
            path,
        };
        let nodes = vec![
            n(1, 0, vec![1]),
            n(2, 1, vec![1, 2]),
            n(4, 2, vec![1, 2, 4]),
            n(3, 1, vec![1, 3]),
            n(5, 0, vec![5]),
        ];
        assert_eq!(
            draw_tree(&nodes),
            "#1 [pending] t1\n├── #2 [pending] t2\n│   └── #4 [pending] t4\n└── #3 [pending] t3\n#5 [pending] t5\n"
        );
    }
}
