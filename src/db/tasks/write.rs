//! Writes to `tasks`: create (the schema's `create_task`), change fields, change the status
//! (the schema's `update_task_status`), delete with descendants. Input is validated by the
//! caller; the schema enforces the rest.

use anyhow::Result;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{find, find_for_update, Params, Task, TaskRef};
use crate::db::{db_error, Db};
use crate::exit::usage;

/// A new task's fields; None and empty lists take the schema's defaults.
#[derive(Debug, Default)]
pub struct NewTask {
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    /// None: `general`.
    pub task_type: Option<String>,
    pub priority: i16,
    pub complexity: Option<i16>,
    /// Attempts before the task is given up; None: the claimant's default.
    pub max_attempts: Option<i32>,
    pub assigned_to: Option<String>,
    /// Makes it a subtask of this task (which must exist).
    pub parent: Option<TaskRef>,
    pub tags: Vec<String>,
    pub requirements: Vec<String>,
    pub acceptance_criteria: Vec<String>,
    pub affected_files: Vec<String>,
    pub metadata: Map<String, Value>,
    pub estimated_hours: Option<f64>,
    /// Tasks it depends on (which must exist).
    pub depends_on: Vec<TaskRef>,
    pub repository_url: Option<String>,
    pub branch_name: Option<String>,
    pub pr_number: Option<i32>,
    pub linear_issue_id: Option<String>,
    pub github_issue_number: Option<i32>,
}

/// A list of strings as a JSON array (the `jsonb` list columns).
fn json_list(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::String(s.clone())).collect())
}

/// Create a task through the schema's `create_task`, in a transaction of its own, and return
/// it as stored. A parent or dependency that does not exist is bad input (exit 2).
pub async fn create(client: &mut Db, t: &NewTask) -> Result<Task> {
    let tx = client.transaction();
    let parent = match t.parent {
        Some(r) => Some(find(&tx, r, "parent task").await?.id),
        None => None,
    };
    let mut depends_on = Vec::new();
    for r in &t.depends_on {
        depends_on.push(find(&tx, *r, "dependency task").await?.id);
    }
    let id = insert(&tx, t, parent, &depends_on).await?;
    let task = find(&tx, TaskRef::Uuid(id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    Ok(task)
}

/// The statements of [`create`]: `create_task`, then the link columns it does not take.
async fn insert(tx: &Db, t: &NewTask, parent: Option<Uuid>, depends_on: &[Uuid]) -> Result<Uuid> {
    let meta = Value::Object(t.metadata.clone());
    let row = tx
        .query_one(
            "SELECT t.id FROM create_task(p_title => $1, p_description => $2, \
               p_type => coalesce($3, 'general'), p_priority => $4, p_assigned_to => $5, \
               p_parent_task_id => $6, p_requirements => $7, p_metadata => $8, p_details => $9, \
               p_test_strategy => $10, p_tags => $11, p_complexity => $12, \
               p_acceptance_criteria => $13, p_affected_files => $14, p_depends_on => $15, \
               p_estimated_hours => $16::float8::numeric) t",
            &[
                &t.title,
                &t.description,
                &t.task_type,
                &i32::from(t.priority),
                &t.assigned_to,
                &parent,
                &json_list(&t.requirements),
                &meta,
                &t.details,
                &t.test_strategy,
                &t.tags,
                &t.complexity.map(i32::from),
                &json_list(&t.acceptance_criteria),
                &json_list(&t.affected_files),
                &depends_on,
                &t.estimated_hours,
            ],
        )
        .await
        .map_err(db_error)?;
    let id: Uuid = row.try_get(0)?;
    if t.repository_url.is_some()
        || t.branch_name.is_some()
        || t.pr_number.is_some()
        || t.linear_issue_id.is_some()
        || t.github_issue_number.is_some()
        || t.max_attempts.is_some()
    {
        tx.execute(
            "UPDATE tasks SET repository_url = $2, branch_name = $3, pr_number = $4, \
               linear_issue_id = $5, github_issue_number = $6, max_attempts = $7 WHERE id = $1",
            &[
                &id,
                &t.repository_url,
                &t.branch_name,
                &t.pr_number,
                &t.linear_issue_id,
                &t.github_issue_number,
                &t.max_attempts,
            ],
        )
        .await
        .map_err(db_error)?;
    }
    Ok(id)
}

/// Changes to a task's fields: None and empty lists leave a field as it is.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    pub task_type: Option<String>,
    pub repository_url: Option<String>,
    pub branch_name: Option<String>,
    pub pr_number: Option<i32>,
    pub linear_issue_id: Option<String>,
    pub github_issue_number: Option<i32>,
    pub complexity: Option<i16>,
    pub max_attempts: Option<i32>,
    pub priority: Option<i16>,
    pub assigned_to: Option<String>,
    pub estimated_hours: Option<f64>,
    /// Makes it a subtask of this task (which must exist, and not be the task itself).
    pub parent: Option<TaskRef>,
    /// Replaces the tags.
    pub tags: Vec<String>,
    /// Replace the lists.
    pub requirements: Vec<String>,
    pub acceptance_criteria: Vec<String>,
    pub affected_files: Vec<String>,
    /// Make it a top-level task.
    pub clear_parent: bool,
    /// Remove the assignee.
    pub unassign: bool,
    /// Merged into the metadata (`metadata || this`).
    pub metadata: Option<Map<String, Value>>,
}

impl TaskChanges {
    /// The `SET` list and its parameters (`$1` is the task id, the rest follow); `parent` is
    /// [`TaskChanges::parent`] resolved.
    fn assignments(&self, id: Uuid, parent: Option<Uuid>) -> (Vec<String>, Params) {
        let mut params = Params::default();
        params.push(id);
        let mut sets: Vec<String> = Vec::new();
        let mut set = |col: &str, cast: &str, p: String| sets.push(format!("{col} = {p}{cast}"));
        macro_rules! opt {
            ($col:expr, $v:expr) => {
                if let Some(v) = $v.clone() {
                    set($col, "", params.push(v));
                }
            };
        }
        opt!("title", self.title);
        opt!("description", self.description);
        opt!("details", self.details);
        opt!("test_strategy", self.test_strategy);
        opt!("type", self.task_type);
        opt!("repository_url", self.repository_url);
        opt!("branch_name", self.branch_name);
        opt!("pr_number", self.pr_number);
        opt!("linear_issue_id", self.linear_issue_id);
        opt!("github_issue_number", self.github_issue_number);
        opt!("complexity", self.complexity);
        opt!("max_attempts", self.max_attempts);
        opt!("priority", self.priority);
        opt!("assigned_to", self.assigned_to);
        if let Some(h) = self.estimated_hours {
            set("estimated_hours", "::float8::numeric", params.push(h));
        }
        opt!("parent_task_id", parent);
        if !self.tags.is_empty() {
            set("tags", "", params.push(self.tags.clone()));
        }
        for (col, list) in [
            ("requirements", &self.requirements),
            ("acceptance_criteria", &self.acceptance_criteria),
            ("affected_files", &self.affected_files),
        ] {
            if !list.is_empty() {
                set(col, "", params.push(json_list(list)));
            }
        }
        if self.clear_parent {
            sets.push("parent_task_id = NULL".into());
        }
        if self.unassign {
            sets.push("assigned_to = NULL".into());
        }
        if let Some(m) = &self.metadata {
            let p = params.push(Value::Object(m.clone()));
            sets.push(format!("metadata = metadata || {p}"));
        }
        (sets, params)
    }
}

/// Apply `changes` to task `r` in a transaction of its own (the row locked first) and return
/// it as stored; None, with nothing written, when `changes` change nothing. A task or parent
/// that does not exist, or a task made its own parent, is bad input (exit 2).
pub async fn update(client: &mut Db, r: TaskRef, changes: &TaskChanges) -> Result<Option<Task>> {
    let tx = client.transaction();
    let task = find_for_update(&tx, r, "task").await?;
    let parent = match changes.parent {
        Some(pr) => Some(find(&tx, pr, "parent task").await?.id),
        None => None,
    };
    if parent == Some(task.id) {
        return Err(usage(format!(
            "task {} cannot be its own parent",
            task.label()
        )));
    }
    let (sets, params) = changes.assignments(task.id, parent);
    if sets.is_empty() {
        return Ok(None);
    }
    let sql = format!("UPDATE tasks SET {} WHERE id = $1", sets.join(", "));
    tx.execute(&sql, &params.refs()).await.map_err(db_error)?;
    let task = find(&tx, TaskRef::Uuid(task.id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    Ok(Some(task))
}

/// Move task `r` to `status` through the schema's `update_task_status` (`note` kept with the
/// change), in a transaction of its own; the task before and after. A transition the schema
/// refuses is bad input (exit 2).
pub async fn set_status(
    client: &mut Db,
    r: TaskRef,
    status: &str,
    note: Option<&str>,
) -> Result<(Task, Task)> {
    let tx = client.transaction();
    let task = find(&tx, r, "task").await?;
    tx.execute(
        "SELECT 1 FROM update_task_status($1, $2, $3)",
        &[&task.id, &status, &note],
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
    let after = find(&tx, TaskRef::Uuid(task.id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    Ok((task, after))
}

/// How many tasks are children of `id`, and how many depend on it.
pub async fn dependents_and_children(db: &Db, id: Uuid) -> Result<(i64, i64)> {
    let row = db
        .query_one(
            "SELECT (SELECT count(*) FROM tasks WHERE parent_task_id = $1), \
                    (SELECT count(*) FROM task_dependencies WHERE depends_on_task_id = $1)",
            &[&id],
        )
        .await
        .map_err(db_error)?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Delete task `id` and, with `cascade`, every descendant (children would otherwise be
/// orphaned by ON DELETE SET NULL); dependency rows go by ON DELETE CASCADE. Returns the number
/// of tasks deleted.
pub async fn delete(client: &mut Db, id: Uuid, cascade: bool) -> Result<u64> {
    let tx = client.transaction();
    let n = tx
        .execute(
            "WITH RECURSIVE sub AS ( \
               SELECT id, ARRAY[id] AS path FROM tasks WHERE id = $1 \
               UNION ALL \
               SELECT c.id, s.path || c.id FROM sub s JOIN tasks c ON c.parent_task_id = s.id \
                WHERE $2 AND c.id <> ALL (s.path)) \
             DELETE FROM tasks WHERE id IN (SELECT id FROM sub)",
            &[&id, &cascade],
        )
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    Ok(n)
}
