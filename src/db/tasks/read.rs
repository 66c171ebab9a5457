//! The reads behind `task show` (a task's completion, dependencies, children, workflows and
//! recent history, fetched together) and `task tree` (the hierarchy, depth first).

use anyhow::Result;
use schemars::JsonSchema;
use serde::Serialize;
use uuid::Uuid;

use super::{deps_of, find, history, DepRow, HistoryRow, Task, TaskRef};
use crate::db::workflows::{briefs_of_task, WorkflowBrief};
use crate::db::{db_error, Db, Tx};

/// A child task's headline.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChildBrief {
    pub id: Uuid,
    pub short_id: i64,
    pub title: String,
    pub status: String,
    pub priority: i16,
}

/// Everything `task show` prints besides the task's own fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Details {
    /// Of its children (the schema's `calculate_task_completion`), or 0/100 by its own status.
    pub completion_percent: f64,
    /// The tasks it depends on.
    pub dependencies: Vec<DepRow>,
    /// The tasks that depend on it.
    pub dependents: Vec<DepRow>,
    pub children: Vec<ChildBrief>,
    pub workflows: Vec<WorkflowBrief>,
    /// The five newest audit entries, oldest first.
    pub recent_history: Vec<HistoryRow>,
}

/// The details of task `id` (see [`Details`]), read in `tx`.
pub async fn details(tx: &Tx<'_>, id: Uuid) -> Result<Details> {
    let db: &Db = tx;
    // Point lookups: without statistics the planner expects hundreds of rows and starts
    // parallel workers (~15 ms) to fetch two. The five reads are independent: issued
    // together (after the setting, which is sent first), they share one round trip
    // (tokio-postgres pipelines concurrent requests) instead of waiting one by one.
    let no_parallel = async {
        db.batch_execute("SET LOCAL max_parallel_workers_per_gather = 0")
            .await
            .map_err(db_error)
    };
    let ((), completion_percent, mut dependencies, children, workflows, recent_history) = tokio::try_join!(
        no_parallel,
        completion(db, id),
        deps_of(db, id),
        children(db, id),
        briefs_of_task(db, id),
        history(db, id, Some(5)),
    )?;
    let dependents = dependencies.split_off(
        dependencies
            .iter()
            .position(|d| d.direction != "depends_on")
            .unwrap_or(dependencies.len()),
    );
    Ok(Details {
        completion_percent,
        dependencies,
        dependents,
        children,
        workflows,
        recent_history,
    })
}

/// A task and its [`Details`]: `task show`'s JSON, the MCP server's `show_task` and
/// `task://` resource.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskDoc {
    #[serde(flatten)]
    pub task: Task,
    #[serde(flatten)]
    pub details: Details,
}

/// Task `r` with its details, read in one transaction; not found is bad input (exit 2).
pub async fn task_doc(db: &mut Db, r: TaskRef) -> Result<TaskDoc> {
    let tx = db.transaction();
    let task = find(&tx, r, "task").await?;
    let details = details(&tx, task.id).await?;
    // It only read: rolled back without waiting for the answer.
    tx.close();
    Ok(TaskDoc { task, details })
}

/// The schema's `calculate_task_completion`, in percent.
async fn completion(db: &Db, id: Uuid) -> Result<f64> {
    let row = db
        .query_one("SELECT calculate_task_completion($1)::float8", &[&id])
        .await
        .map_err(db_error)?;
    Ok(row.try_get(0)?)
}

/// The children of a task, by short id.
async fn children(db: &Db, id: Uuid) -> Result<Vec<ChildBrief>> {
    db.query(
        "SELECT id, short_id, title, status, priority FROM tasks WHERE parent_task_id = $1 ORDER BY short_id",
        &[&id],
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
    .collect()
}

/// One task of a hierarchy: `depth` 0 at the root, `path` the short ids from the root.
#[derive(Debug, Serialize)]
pub struct TreeNode {
    pub id: Uuid,
    pub short_id: i64,
    pub parent_task_id: Option<Uuid>,
    pub title: String,
    pub status: String,
    pub priority: i16,
    pub depth: i32,
    pub path: Vec<i64>,
}

/// The hierarchy below `root` (the schema's `get_task_hierarchy`), or below every top-level
/// task; depth first, ordered by path.
pub async fn tree(db: &Db, root: Option<Uuid>) -> Result<Vec<TreeNode>> {
    let rows = match root {
        Some(id) => {
            db.query(
                "SELECT task_id, short_id, parent_task_id, title, status, priority, depth, path \
                   FROM get_task_hierarchy($1)",
                &[&id],
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
    rows.iter()
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
        .collect()
}
