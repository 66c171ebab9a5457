//! The commands that change tasks: `task create`, `update`, `status`, `delete` and `deps`.
//! Each validates its flags, resolves the ids it names, calls `crate::db::tasks` and prints
//! what the database answered.

use anyhow::Result;
use serde_json::json;

use super::input::{parse_fields, Fields};
use super::{
    CreateArgs, DeleteArgs, DepType, DepsArgs, DepsCmd, FieldArgs, StatusArgs, UpdateArgs,
};
use crate::context::Context;
use crate::db::tasks::{
    self as q, parse_status, DependencyType, NewTask, Task, TaskChanges, TaskRef,
};
use crate::exit::{usage, Exit};
use crate::options::Format;
use crate::output::escape_controls;

pub(super) async fn create(a: CreateArgs, ctx: &Context) -> Result<Exit> {
    let f = parse_fields(&a.fields)?;
    let depends_on: Vec<TaskRef> = a
        .depends_on
        .iter()
        .map(|d| TaskRef::parse(d))
        .collect::<Result<_>>()?;
    let new = new_task(a.title, a.fields, f, depends_on);
    new.check()?;
    let mut db = ctx.db().await?;
    let task = q::create(&mut db, &new).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&task)?;
    } else {
        ctx.out.line(task.short_id.to_string())?;
        ctx.out
            .debug(1, format!("created {} ({})", task.label(), task.id));
    }
    Ok(Exit::SUCCESS)
}

/// The row `task create` asks for, from its flags (validated into `f`).
fn new_task(title: String, x: FieldArgs, f: Fields, depends_on: Vec<TaskRef>) -> NewTask {
    NewTask {
        title,
        description: x.description,
        details: x.details,
        test_strategy: x.test_strategy,
        task_type: x.task_type,
        priority: f.priority.unwrap_or(5),
        complexity: x.complexity,
        max_attempts: x.max_attempts,
        assigned_to: x.assign,
        parent: f.parent,
        tags: x.tags,
        requirements: x.requirements,
        acceptance_criteria: x.criteria,
        affected_files: x.files,
        metadata: f.meta.unwrap_or_default(),
        estimated_hours: x.estimate,
        depends_on,
        repository_url: x.repo,
        branch_name: x.branch,
        pr_number: x.pr,
        linear_issue_id: x.linear,
        github_issue_number: x.github,
    }
}

pub(super) async fn update(a: UpdateArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let f = parse_fields(&a.fields)?;
    let x = a.fields;
    let changes = TaskChanges {
        title: a.title,
        description: x.description,
        details: x.details,
        test_strategy: x.test_strategy,
        task_type: x.task_type,
        repository_url: x.repo,
        branch_name: x.branch,
        pr_number: x.pr,
        linear_issue_id: x.linear,
        github_issue_number: x.github,
        complexity: x.complexity,
        max_attempts: x.max_attempts,
        priority: f.priority,
        assigned_to: x.assign,
        estimated_hours: x.estimate,
        parent: f.parent,
        tags: x.tags,
        requirements: x.requirements,
        acceptance_criteria: x.criteria,
        affected_files: x.files,
        clear_parent: a.no_parent,
        unassign: a.unassign,
        metadata: f.meta,
    };
    changes.check()?;
    let mut db = ctx.db().await?;
    let Some(task) = q::update(&mut db, r, &changes).await? else {
        return Err(usage(
            "nothing to change: give at least one field (see `taskdb task update --help`)",
        ));
    };
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

pub(super) async fn status(a: StatusArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let new = parse_status(&a.status)?;
    let mut db = ctx.db().await?;
    let (before, after) = q::set_status(&mut db, r, new, a.note.as_deref()).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else {
        ctx.out.note(format!(
            "{} {} → {}",
            after.label(),
            before.status,
            after.status
        ));
    }
    Ok(Exit::SUCCESS)
}

pub(super) async fn delete(a: DeleteArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let mut db = ctx.db().await?;
    let task = q::find(&db, r, "task").await?;
    let (children, dependents) = q::dependents_and_children(&db, task.id).await?;
    if (children > 0 || dependents > 0) && !a.cascade {
        return Err(usage(format!(
            "task {} has {children} child task(s) and {dependents} dependent task(s); \
             pass --cascade to delete its descendants and drop those dependencies",
            task.label()
        )));
    }
    let short_title = q::truncate(&task.title, 40);
    let title = escape_controls(&short_title);
    let prompt = if a.cascade && children > 0 {
        format!(
            "delete task {} \"{title}\" and all its descendants?",
            task.label()
        )
    } else {
        format!("delete task {} \"{title}\"?", task.label())
    };
    ctx.out.confirm(&prompt).await?;
    let n = q::delete(&mut db, task.id, a.cascade).await?;
    if ctx.out.format() == Format::Json {
        ctx.out
            .json(&json!({"deleted": n, "id": task.id, "short_id": task.short_id}))?;
    } else {
        ctx.out.note(format!("deleted {n} task(s)"));
    }
    Ok(Exit::SUCCESS)
}

pub(super) async fn deps(a: DepsArgs, ctx: &Context) -> Result<Exit> {
    match a.cmd {
        DepsCmd::Add {
            id,
            depends_on,
            dep_type,
        } => add_dependency(&id, &depends_on, dep_type, ctx).await,
        DepsCmd::Rm { id, depends_on } => remove_dependency(&id, &depends_on, ctx).await,
        DepsCmd::List { id } => {
            let r = TaskRef::parse(&id)?;
            let db = ctx.db().await?;
            let t = q::find(&db, r, "task").await?;
            let rows = q::deps_of(&db, t.id).await?;
            ctx.out.list(&rows)?;
            Ok(Exit::SUCCESS)
        }
    }
}

async fn add_dependency(id: &str, depends_on: &str, kind: DepType, ctx: &Context) -> Result<Exit> {
    let (r1, r2) = (TaskRef::parse(id)?, TaskRef::parse(depends_on)?);
    let kind = match kind {
        DepType::Blocks => DependencyType::Blocks,
        DepType::Related => DependencyType::Related,
    };
    let db = ctx.db().await?;
    let link = q::link(&db, r1, r2, kind).await?;
    let state = if link.changed {
        "now depends"
    } else {
        "already depends"
    };
    ctx.out.note(format!(
        "#{} {state} on #{} ({})",
        link.task_short_id, link.depends_on_short_id, link.dependency_type
    ));
    if ctx.out.format() == Format::Json {
        ctx.out.json(&link)?;
    }
    Ok(Exit::SUCCESS)
}

async fn remove_dependency(id: &str, depends_on: &str, ctx: &Context) -> Result<Exit> {
    let (r1, r2) = (TaskRef::parse(id)?, TaskRef::parse(depends_on)?);
    let db = ctx.db().await?;
    let unlink = q::unlink(&db, r1, r2).await?;
    ctx.out.note(format!(
        "#{} no longer depends on #{}",
        unlink.task_short_id, unlink.depends_on_short_id
    ));
    if ctx.out.format() == Format::Json {
        ctx.out.json(&unlink)?;
    }
    Ok(Exit::SUCCESS)
}
