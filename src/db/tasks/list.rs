//! `task list` and `task search`: one statement built from the filters (every value a
//! parameter), ordered, with keyset pagination (`--after`) and trigram search.

use anyhow::Result;
use uuid::Uuid;

use super::{find, parse_status, Params, Task, TaskRef, TASK_COLUMNS};
use crate::db::{db_error, Db};
use crate::exit::usage;

/// SQL condition: every blocking dependency of `t` is completed (the count V9's triggers keep).
const READY: &str = "t.open_blockers = 0";

/// The order of a listing (each ends with the short id, so it is total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOrder {
    /// Short id, ascending
    Id,
    /// Priority, highest first
    Priority,
    /// Creation time, newest first
    Created,
    /// Last change, newest first
    Updated,
}

/// Whose tasks.
#[derive(Debug, Clone)]
pub enum Assignee {
    /// Unassigned tasks only.
    Nobody,
    /// Tasks assigned to this name.
    Named(String),
}

/// What `task list` asks for; empty fields do not filter.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub statuses: Vec<&'static str>,
    pub assigned: Option<Assignee>,
    pub task_type: Option<String>,
    /// Every one of these tags.
    pub tags: Vec<String>,
    /// Children of this task.
    pub parent: Option<Uuid>,
    /// Pending, in progress or review with every blocking dependency completed.
    pub ready: bool,
    /// Held under a lease that has expired (claimable again at the next claim).
    pub stale: bool,
    /// Rank by trigram similarity of title and description to this text.
    pub search: Option<String>,
    /// None: by id, or by relevance when searching.
    pub order: Option<TaskOrder>,
    /// Start after this task in the chosen order.
    pub after: Option<Task>,
    /// At most this many rows; 0 = all.
    pub limit: i64,
}

/// A listing as asked for, in words (statuses, ids and the assignee as typed; `none` = no
/// assignee): checked before connecting ([`ListRequest::check`]), then run against the database
/// ([`CheckedList::run`]). `task list`, `task search` and the MCP server's `list_tasks` ask this way.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub statuses: Vec<String>,
    pub assigned: Option<String>,
    pub task_type: Option<String>,
    pub tags: Vec<String>,
    pub parent: Option<String>,
    pub ready: bool,
    pub stale: bool,
    pub search: Option<String>,
    pub order: Option<TaskOrder>,
    /// At most this many rows; 0 = all.
    pub limit: i64,
    pub after: Option<String>,
}

/// A [`ListRequest`] whose words are valid.
#[derive(Debug)]
pub struct CheckedList {
    req: ListRequest,
    statuses: Vec<&'static str>,
    parent: Option<TaskRef>,
    after: Option<TaskRef>,
}

impl ListRequest {
    /// Parse the statuses and ids and check the rest (bad input: exit 2).
    pub fn check(self) -> Result<CheckedList> {
        let statuses = self
            .statuses
            .iter()
            .map(|s| parse_status(s))
            .collect::<Result<_>>()?;
        if self.limit < 0 {
            return Err(usage("--limit must be 0 (all) or more"));
        }
        let parent = self.parent.as_deref().map(TaskRef::parse).transpose()?;
        let after = self.after.as_deref().map(TaskRef::parse).transpose()?;
        if let Some(s) = &self.search {
            if s.trim().is_empty() {
                return Err(usage("--search needs some text"));
            }
            if after.is_some() {
                return Err(usage(
                    "--after pages a listing; search results are ranked: raise --limit instead",
                ));
            }
        }
        Ok(CheckedList {
            req: self,
            statuses,
            parent,
            after,
        })
    }
}

impl CheckedList {
    /// What was asked for (the limit, whether it is a search).
    pub fn request(&self) -> &ListRequest {
        &self.req
    }

    /// Look the parent and the `--after` task up (missing: exit 2) and read the page.
    pub async fn run(self, db: &Db) -> Result<Page> {
        let parent = match self.parent {
            Some(p) => Some(find(db, p, "parent task").await?.id),
            None => None,
        };
        let after = match self.after {
            Some(r) => Some(find(db, r, "--after task").await?),
            None => None,
        };
        let req = self.req;
        let filter = ListFilter {
            statuses: self.statuses,
            assigned: req.assigned.map(|who| match who.as_str() {
                "none" => Assignee::Nobody,
                _ => Assignee::Named(who),
            }),
            task_type: req.task_type,
            tags: req.tags,
            parent,
            ready: req.ready,
            stale: req.stale,
            search: req.search,
            order: req.order,
            after,
            limit: req.limit,
        };
        list(db, &filter).await
    }
}

/// One page of a listing.
#[derive(Debug)]
pub struct Page {
    pub tasks: Vec<Task>,
    /// More rows follow the page.
    pub more: bool,
}

/// The tasks `f` selects, in its order, at most `f.limit` of them.
pub async fn list(db: &Db, f: &ListFilter) -> Result<Page> {
    let mut params = Params::default();
    let mut conds = filter_conditions(f, &mut params);
    let mut order = order_by(f.order.unwrap_or(TaskOrder::Id)).to_string();
    if let Some(text) = &f.search {
        let qp = params.push(text.clone());
        let lp = params.push(like_pattern(text));
        conds.push(format!(
            "(t.title % {qp} OR t.title ILIKE {lp} OR t.description ILIKE {lp} OR t.description % {qp})"
        ));
        if f.order.is_none() {
            order = format!(
                "greatest(similarity(t.title, {qp}), similarity(coalesce(t.description, ''), {qp}) * 0.8) DESC, t.short_id"
            );
        }
    }
    if let Some(cursor) = &f.after {
        conds.push(after_condition(f.order, cursor, &mut params));
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    // One row more than asked tells whether there is a next page.
    let limit_sql = if f.limit > 0 {
        format!("LIMIT {}", params.push(f.limit + 1))
    } else {
        String::new()
    };
    let sql =
        format!("SELECT {TASK_COLUMNS} FROM tasks t {where_sql} ORDER BY {order} {limit_sql}");
    let rows = db.query(&sql, &params.refs()).await.map_err(db_error)?;
    let mut tasks: Vec<Task> = rows.iter().map(Task::from_row).collect::<Result<_>>()?;
    let more = f.limit > 0 && tasks.len() as i64 > f.limit;
    if more {
        tasks.truncate(f.limit as usize);
    }
    Ok(Page { tasks, more })
}

/// The plain filters (status, assignee, type, tags, parent, readiness).
fn filter_conditions(f: &ListFilter, params: &mut Params) -> Vec<String> {
    let mut conds: Vec<String> = Vec::new();
    if !f.statuses.is_empty() {
        let owned: Vec<String> = f.statuses.iter().map(|s| s.to_string()).collect();
        conds.push(format!("t.status = ANY({})", params.push(owned)));
    }
    match &f.assigned {
        Some(Assignee::Nobody) => conds.push("t.assigned_to IS NULL".into()),
        Some(Assignee::Named(who)) => {
            conds.push(format!("t.assigned_to = {}", params.push(who.clone())))
        }
        None => {}
    }
    if let Some(t) = &f.task_type {
        conds.push(format!("t.type = {}", params.push(t.clone())));
    }
    if !f.tags.is_empty() {
        conds.push(format!("t.tags @> {}", params.push(f.tags.clone())));
    }
    if let Some(p) = f.parent {
        conds.push(format!("t.parent_task_id = {}", params.push(p)));
    }
    if f.stale {
        conds.push("t.lease_expires_at < now()".to_string());
    }
    if f.ready {
        conds.push(format!(
            "t.status IN ('pending', 'in_progress', 'review') AND {READY}"
        ));
    }
    conds
}

fn order_by(order: TaskOrder) -> &'static str {
    match order {
        TaskOrder::Id => "t.short_id",
        TaskOrder::Priority => "t.priority DESC, t.short_id",
        TaskOrder::Created => "t.created_at DESC, t.short_id",
        TaskOrder::Updated => "t.updated_at DESC, t.short_id",
    }
}

/// Keyset pagination: the rows after `cursor` in `order`.
fn after_condition(order: Option<TaskOrder>, cursor: &Task, params: &mut Params) -> String {
    match order.unwrap_or(TaskOrder::Id) {
        TaskOrder::Id => format!("t.short_id > {}", params.push(cursor.short_id)),
        TaskOrder::Priority => {
            let pp = params.push(cursor.priority);
            let sp = params.push(cursor.short_id);
            format!("(t.priority < {pp} OR (t.priority = {pp} AND t.short_id > {sp}))")
        }
        TaskOrder::Created | TaskOrder::Updated => {
            let (col, v) = if order == Some(TaskOrder::Created) {
                ("created_at", cursor.created_at)
            } else {
                ("updated_at", cursor.updated_at)
            };
            let tp = params.push(v);
            let sp = params.push(cursor.short_id);
            format!("(t.{col} < {tp} OR (t.{col} = {tp} AND t.short_id > {sp}))")
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escaping() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
