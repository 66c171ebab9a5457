//! Task Master's `next`, in SQL, and claiming it: `task next [--claim]` and the claim operation
//! of `taskdb bench` run these very statements (`bench --pgbench-script` prints them too).

use anyhow::Result;
use tokio_postgres::{Client, GenericClient, Statement, Transaction};
use uuid::Uuid;

use super::{find, Task, TaskRef, TASK_COLUMNS};
use crate::db::db_error;

/// Task Master's choice among tasks in `$statuses`: subtasks of in-progress tasks first
/// (phase 1), then top-level tasks (phase 2); every blocking dependency completed; priority
/// desc, fewer dependencies, parent id, id. `$1` = tag or NULL.
macro_rules! choice_sql {
    ($statuses:literal) => {
        concat!(
            "SELECT t.id FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_task_id \
             WHERE ",
            $statuses,
            " \
               AND (t.parent_task_id IS NULL OR p.status = 'in_progress') \
               AND ($1::text IS NULL OR t.tags @> ARRAY[$1::text]) \
               AND t.open_blockers = 0 \
             ORDER BY (t.parent_task_id IS NOT NULL) DESC, t.priority DESC, \
               (SELECT count(*) FROM task_dependencies d WHERE d.task_id = t.id AND d.dependency_type = 'blocks'), \
               p.short_id NULLS FIRST, t.short_id \
             LIMIT 1"
        )
    };
}

/// `task next` without `--claim`: pending and in-progress tasks are candidates.
const NEXT_SQL: &str = choice_sql!("t.status IN ('pending', 'in_progress')");

/// Claiming, first statement: choose among pending tasks, lock the choice (skipping rows other
/// claims hold, so concurrent agents never get the same task) and move it to in_progress
/// through the schema's `update_task_status`. `$1` = tag or NULL, `$2` = the claimant. One row
/// (`claimed_id`, `claimed_short_id`), or none when nothing is ready.
pub const CLAIM_SQL: &str = concat!(
    "SELECT s.id AS claimed_id, s.short_id AS claimed_short_id FROM (",
    choice_sql!("t.status = 'pending'"),
    " FOR UPDATE OF t SKIP LOCKED) n \
     CROSS JOIN LATERAL update_task_status(n.id, 'in_progress', 'claimed by ' || $2::text) s"
);

/// Claiming, second statement: assign the claimed task `$1` to `$2`.
pub const ASSIGN_SQL: &str = "UPDATE tasks SET assigned_to = $2 WHERE id = $1";

/// The next task to work on (`tag`: only tasks carrying it), or None when nothing is ready.
pub async fn next_task<C: GenericClient>(db: &C, tag: Option<&str>) -> Result<Option<Task>> {
    // One statement: the choice and the row it names.
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = ({NEXT_SQL})");
    let row = db.query_opt(&sql, &[&tag]).await.map_err(db_error)?;
    row.as_ref().map(Task::from_row).transpose()
}

/// The two statements of a claim, prepared on one connection.
pub struct ClaimStatements {
    claim: Statement,
    assign: Statement,
}

impl ClaimStatements {
    pub async fn prepare<C: GenericClient>(db: &C) -> Result<Self, tokio_postgres::Error> {
        let (claim, assign) = tokio::try_join!(db.prepare(CLAIM_SQL), db.prepare(ASSIGN_SQL))?;
        Ok(ClaimStatements { claim, assign })
    }
}

/// Claim the next pending task for `who` ([`CLAIM_SQL`], then [`ASSIGN_SQL`]) inside `tx`,
/// which holds the row lock until it commits. The claimed task's id, or None when nothing is
/// ready. Errors are the driver's, for the caller to map.
pub async fn claim_next(
    tx: &Transaction<'_>,
    statements: &ClaimStatements,
    tag: Option<&str>,
    who: &str,
) -> Result<Option<Uuid>, tokio_postgres::Error> {
    let Some(row) = tx.query_opt(&statements.claim, &[&tag, &who]).await? else {
        return Ok(None);
    };
    let id: Uuid = row.try_get(0)?;
    tx.execute(&statements.assign, &[&id, &who]).await?;
    Ok(Some(id))
}

/// `task next --claim`: claim the next pending task for `who` in a transaction of its own and
/// return it as stored, or None when nothing is ready.
pub async fn claim_next_task(
    client: &mut Client,
    tag: Option<&str>,
    who: &str,
) -> Result<Option<Task>> {
    let tx = client.transaction().await.map_err(db_error)?;
    let statements = ClaimStatements::prepare(&tx).await.map_err(db_error)?;
    let Some(id) = claim_next(&tx, &statements, tag, who)
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let task = find(&tx, TaskRef::Uuid(id), "task").await?;
    tx.commit().await.map_err(db_error)?;
    Ok(Some(task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_and_next_share_the_choice() {
        let tail = NEXT_SQL
            .split_once("t.status IN ('pending', 'in_progress')")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        assert!(!tail.is_empty());
        assert!(CLAIM_SQL.contains(tail), "{CLAIM_SQL}");
        assert!(CLAIM_SQL.contains("WHERE t.status = 'pending' "));
    }
}
