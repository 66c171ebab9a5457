//! `task list`, `task search` and `task history`: turn the flags into a filter, read the rows
//! (`crate::db::tasks`) and print them as a table, JSON or CSV with every field.

use anyhow::Result;
use serde_json::Value;

use super::input::parse_status;
use super::{HistoryArgs, ListArgs, SearchArgs, SortKey};
use crate::context::Context;
use crate::db::tasks::{self as q, Assignee, ListFilter, Task, TaskOrder, TaskRef};
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
    list(
        ListArgs {
            status: vec![],
            assigned: None,
            task_type: None,
            tags: vec![],
            parent: None,
            ready: false,
            stale: false,
            search: Some(a.text),
            sort: None,
            limit: a.limit,
            after: None,
        },
        ctx,
    )
    .await
}

pub(super) async fn list(a: ListArgs, ctx: &Context) -> Result<Exit> {
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
    let parent = match parent {
        Some(p) => Some(q::find(&*db, p, "parent task").await?.id),
        None => None,
    };
    let after = match after {
        Some(r) => Some(q::find(&*db, r, "--after task").await?),
        None => None,
    };
    let filter = ListFilter {
        statuses,
        assigned: a.assigned.map(|who| match who.as_str() {
            "none" => Assignee::Nobody,
            _ => Assignee::Named(who),
        }),
        task_type: a.task_type,
        tags: a.tags,
        parent,
        ready: a.ready,
        stale: a.stale,
        search: a.search,
        order: a.sort.map(TaskOrder::from),
        after,
        limit: a.limit,
    };
    let page = q::list(&*db, &filter).await?;
    print_page(ctx, &page, &filter)
}

/// The rows, then where the next page starts when there is one.
fn print_page(ctx: &Context, page: &q::Page, filter: &ListFilter) -> Result<Exit> {
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
            if filter.search.is_some() {
                ctx.out.note(format!(
                    "(first {} matches; raise --limit for more)",
                    filter.limit
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

pub(super) async fn history(a: HistoryArgs, ctx: &Context) -> Result<Exit> {
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
