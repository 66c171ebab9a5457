//! Dependencies between tasks (`task_dependencies`): listing both directions, adding and
//! removing an edge. Cycles are refused by the schema's trigger, not here.

use anyhow::Result;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{find, truncate, TaskRef};
use crate::db::{db_error, Db};
use crate::exit::usage;
use crate::output::Row;

/// A dependency edge seen from one task, with the other task's headline.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DepRow {
    pub id: Uuid,
    pub short_id: i64,
    pub title: String,
    pub status: String,
    pub dependency_type: String,
    /// "depends_on" (this task waits for it) or "dependent" (it waits for this task).
    pub direction: String,
}

impl Row for DepRow {
    fn columns() -> &'static [&'static str] {
        &["direction", "id", "status", "type", "title"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.direction.replace('_', " "),
            format!("#{}", self.short_id),
            self.status.clone(),
            self.dependency_type.clone(),
            truncate(&self.title, 60),
        ]
    }
}

/// Dependencies (what `task` waits for) and dependents (what waits for `task`).
pub async fn deps_of(db: &Db, task: Uuid) -> Result<Vec<DepRow>> {
    let rows = db
        .query(
            "SELECT o.id, o.short_id, o.title, o.status, d.dependency_type, 'depends_on' \
               FROM task_dependencies d JOIN tasks o ON o.id = d.depends_on_task_id \
              WHERE d.task_id = $1 \
             UNION ALL \
             SELECT o.id, o.short_id, o.title, o.status, d.dependency_type, 'dependent' \
               FROM task_dependencies d JOIN tasks o ON o.id = d.task_id \
              WHERE d.depends_on_task_id = $1 \
             ORDER BY 6 DESC, 2",
            &[&task],
        )
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(DepRow {
                id: r.try_get(0)?,
                short_id: r.try_get(1)?,
                title: r.try_get(2)?,
                status: r.try_get(3)?,
                dependency_type: r.try_get(4)?,
                direction: r.try_get(5)?,
            })
        })
        .collect()
}

/// `task` depends on `on` with `kind` (`blocks` or `related`); an existing edge takes the new
/// kind. Returns the rows changed: 0 when the edge was already there with that kind.
pub async fn add_dependency(db: &Db, task: Uuid, on: Uuid, kind: &str) -> Result<u64> {
    db.execute(
        "INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) \
         VALUES ($1, $2, $3) \
         ON CONFLICT (task_id, depends_on_task_id) DO UPDATE SET dependency_type = EXCLUDED.dependency_type \
         WHERE task_dependencies.dependency_type <> EXCLUDED.dependency_type",
        &[&task, &on, &kind],
    )
    .await
    .map_err(db_error)
}

/// Remove the dependency of `task` on `on`; returns the rows removed (0: there was none).
pub async fn remove_dependency(db: &Db, task: Uuid, on: Uuid) -> Result<u64> {
    db.execute(
        "DELETE FROM task_dependencies WHERE task_id = $1 AND depends_on_task_id = $2",
        &[&task, &on],
    )
    .await
    .map_err(db_error)
}

/// What a dependency means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DependencyType {
    /// The other task must be completed first (cycles are refused).
    #[default]
    Blocks,
    /// An informational link.
    Related,
}

impl DependencyType {
    pub fn name(self) -> &'static str {
        match self {
            DependencyType::Blocks => "blocks",
            DependencyType::Related => "related",
        }
    }
}

/// What [`link`] did: the edge and whether it changed (false: it was already there, of that
/// type).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Link {
    pub task_id: Uuid,
    pub task_short_id: i64,
    pub depends_on_task_id: Uuid,
    pub depends_on_short_id: i64,
    pub dependency_type: &'static str,
    pub changed: bool,
}

/// Task `id` depends on `on` with `kind` (`task deps add`): both must exist (exit 2 otherwise),
/// a task cannot depend on itself, and a cycle is refused by the schema's trigger.
pub async fn link(db: &Db, id: TaskRef, on: TaskRef, kind: DependencyType) -> Result<Link> {
    let t = find(db, id, "task").await?;
    let d = find(db, on, "dependency task").await?;
    if t.id == d.id {
        return Err(usage(format!("task {} cannot depend on itself", t.label())));
    }
    let n = add_dependency(db, t.id, d.id, kind.name()).await?;
    Ok(Link {
        task_id: t.id,
        task_short_id: t.short_id,
        depends_on_task_id: d.id,
        depends_on_short_id: d.short_id,
        dependency_type: kind.name(),
        changed: n > 0,
    })
}

/// What [`unlink`] removed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Unlink {
    pub task_id: Uuid,
    pub task_short_id: i64,
    pub depends_on_task_id: Uuid,
    pub depends_on_short_id: i64,
    pub removed: bool,
}

/// Task `id` no longer depends on `on` (`task deps rm`); refused (exit 2) when it did not.
pub async fn unlink(db: &Db, id: TaskRef, on: TaskRef) -> Result<Unlink> {
    let t = find(db, id, "task").await?;
    let d = find(db, on, "dependency task").await?;
    if remove_dependency(db, t.id, d.id).await? == 0 {
        return Err(usage(format!(
            "{} does not depend on {}",
            t.label(),
            d.label()
        )));
    }
    Ok(Unlink {
        task_id: t.id,
        task_short_id: t.short_id,
        depends_on_task_id: d.id,
        depends_on_short_id: d.short_id,
        removed: true,
    })
}
