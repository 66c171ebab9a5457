//! `task list`, `task search` and `task history`: turn the flags into a filter, read the rows
//! (`crate::db::tasks`) and print them as a table, JSON or CSV with every field.

use anyhow::Result;
use serde_json::Value;

use super::{HistoryArgs, ListArgs, SearchArgs, SortKey};
use crate::context::Context;
use crate::db::tasks::{self as q, ListRequest, Task, TaskOrder, TaskRef};
use crate::exit::{usage, Exit};
use crate::options::Format;

impl From<SortKey> for TaskOrder {
    fn from(k: SortKey) -> TaskOrder {
        match k {
            SortKey::Id => TaskOrder::Id,
            SortKey::Priority => TaskOrder::Priority,
            SortKey::Created => TaskOrder::Created,
            SortKey::Updated => TaskOrder::Updated,
        }
    }
}

/// `task search TEXT`: `task list --search TEXT` with nothing else.
pub(super) async fn search(a: SearchArgs, ctx: &Context) -> Result<Exit> {
    let req = ListRequest {
        search: Some(a.text),
        limit: a.limit,
        ..ListRequest::default()
    };
    run_list(req, ctx).await
}

pub(super) async fn list(a: ListArgs, ctx: &Context) -> Result<Exit> {
    let req = ListRequest {
        statuses: a.status,
        assigned: a.assigned,
        task_type: a.task_type,
        tags: a.tags,
        parent: a.parent,
        ready: a.ready,
        stale: a.stale,
        search: a.search,
        order: a.sort.map(TaskOrder::from),
        limit: a.limit,
        after: a.after,
    };
    run_list(req, ctx).await
}

async fn run_list(req: ListRequest, ctx: &Context) -> Result<Exit> {
    let checked = req.check()?;
    let (search, limit) = (checked.request().search.is_some(), checked.request().limit);
    let db = ctx.db().await?;
    let page = checked.run(&db).await?;
    print_page(ctx, &page, search, limit)
}

/// The rows, then where the next page starts when there is one.
fn print_page(ctx: &Context, page: &q::Page, search: bool, limit: i64) -> Result<Exit> {
    let tasks = &page.tasks;
    if ctx.out.format() == Format::Table && tasks.is_empty() {
        ctx.out.note("no tasks match");
        return Ok(Exit::SUCCESS);
    }
    if ctx.out.format() == Format::Csv {
        ctx.out.raw(tasks_csv(tasks)?)?;
    } else {
        ctx.out.list(tasks)?;
    }
    if page.more {
        if let Some(last) = tasks.last() {
            if search {
                ctx.out
                    .note(format!("(first {limit} matches; raise --limit for more)"));
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

pub(super) async fn history(a: HistoryArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    if a.limit.is_some_and(|n| n < 1) {
        return Err(usage("--limit must be at least 1"));
    }
    let db = ctx.db().await?;
    let task = q::find(&db, r, "task").await?;
    let rows = q::history(&db, task.id, a.limit).await?;
    ctx.out.list(&rows)?;
    Ok(Exit::SUCCESS)
}
