//! Dependencies between tasks (`task_dependencies`): listing both directions, adding and
//! removing an edge. Cycles are refused by the schema's trigger, not here.

use anyhow::Result;
use serde::Serialize;
use tokio_postgres::GenericClient;
use uuid::Uuid;

use super::truncate;
use crate::db::db_error;
use crate::output::Row;

/// A dependency edge seen from one task, with the other task's headline.
#[derive(Debug, Clone, Serialize)]
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
pub async fn deps_of<C: GenericClient>(db: &C, task: Uuid) -> Result<Vec<DepRow>> {
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
pub async fn add_dependency<C: GenericClient>(
    db: &C,
    task: Uuid,
    on: Uuid,
    kind: &str,
) -> Result<u64> {
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
pub async fn remove_dependency<C: GenericClient>(db: &C, task: Uuid, on: Uuid) -> Result<u64> {
    db.execute(
        "DELETE FROM task_dependencies WHERE task_id = $1 AND depends_on_task_id = $2",
        &[&task, &on],
    )
    .await
    .map_err(db_error)
}
