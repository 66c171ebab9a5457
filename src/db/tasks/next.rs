//! Task Master's `next`, in SQL, and claiming: `task next [--claim]`, `taskdb worker` and the
//! claim operation of `taskdb bench` run these very statements (`bench --pgbench-script` prints
//! them too).
//!
//! Both read indexes in Task Master's order (V14: `tasks_claim_idx` for pending tasks,
//! `tasks_running_idx` for in-progress ones, `tasks_claim_tag_idx` by first tag and
//! `tasks_claim_more_tags_gin` by the other tags when a tag is given), so their cost does not
//! grow with the tasks that are not candidates, nor with other tags' tasks.

use std::time::Duration;

use anyhow::Result;
use uuid::Uuid;

use super::{Task, TASK_COLUMNS};
use crate::db::{db_error, Db};

/// Task Master's order, as the indexes keep it: subtasks of in-progress tasks first, then
/// priority, fewer blocking dependencies, the parent's id, the id.
pub const NEXT_ORDER: &str = "t.parent_in_progress DESC, t.priority DESC, \
     t.blocking_dependencies, t.parent_short_id, t.short_id";

/// Claimable (pending) or in-progress candidates of `task next`: every blocking dependency
/// completed, top-level or children of an in-progress task.
const CANDIDATE: &str =
    "t.open_blockers = 0 AND (t.parent_task_id IS NULL OR t.parent_in_progress)";

/// The first candidate of one status matching `filter`, ordered by `order`: its id and
/// order keys only (the whole row is read for the winner alone).
fn first_candidate(status: &str, filter: &str, order: &str) -> String {
    format!(
        "(SELECT t.id, t.parent_in_progress, t.priority, t.blocking_dependencies, \
                t.parent_short_id, t.short_id \
           FROM tasks t WHERE {filter}t.status = '{status}' AND {CANDIDATE} \
         ORDER BY {order} LIMIT 1)"
    )
}

/// `task next` (`$1` = the tag when `tag`): the best candidate of each index, then the best of
/// those. Without a tag: the first entry of `tasks_claim_idx` (pending) and of
/// `tasks_running_idx` (in progress). With one: pending tasks whose first tag it is, in order
/// from `tasks_claim_tag_idx`; pending tasks carrying it further on, from
/// `tasks_claim_more_tags_gin` and sorted (`priority + 0` keeps the planner from walking
/// `tasks_claim_idx` through other tags' tasks instead, as `claim_tasks` does); in-progress
/// ones (few: the tasks being worked on) through `tasks_running_idx`.
fn next_statement(tag: bool) -> String {
    let parts = if tag {
        vec![
            first_candidate(
                "pending",
                "t.tags[1] = $1::text AND ",
                &format!("t.tags[1], {NEXT_ORDER}"),
            ),
            first_candidate(
                "pending",
                "t.tags[2:] @> ARRAY[$1::text] AND cardinality(t.tags) > 1 AND ",
                &NEXT_ORDER.replace("t.priority DESC", "t.priority + 0 DESC"),
            ),
            first_candidate("in_progress", "t.tags @> ARRAY[$1::text] AND ", NEXT_ORDER),
        ]
    } else {
        vec![
            first_candidate("pending", "", NEXT_ORDER),
            first_candidate("in_progress", "", NEXT_ORDER),
        ]
    };
    format!(
        "SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = \
           (SELECT c.id FROM ({}) c ORDER BY {} LIMIT 1)",
        parts.join(" UNION ALL "),
        NEXT_ORDER.replace("t.", "c.")
    )
}

/// `task next` without a tag (no parameters).
pub fn next_sql() -> String {
    next_statement(false)
}

/// `task next --tag $1`.
pub fn next_tagged_sql() -> String {
    next_statement(true)
}

/// The claim, one statement: the schema's `claim_tasks` (expired leases handed back first,
/// then up to `$4` claimable tasks locked with SKIP LOCKED and moved to in_progress for `$1`,
/// with a lease of `$2` seconds (NULL: none), an attempt counted and an audit row written).
/// `$3` = tag or NULL, `$5` = the default max attempts for expired leases, `$6` = task type or
/// NULL.
pub const CLAIM_FROM: &str = "claim_tasks($1::text, $2::float8 * interval '1 second', \
     $3::text, $4::int, $5::int, $6::text) t";

/// [`CLAIM_FROM`] as the benchmark runs it: the claimed ids only.
pub const CLAIM_SQL: &str = "SELECT t.id AS claimed_id, t.short_id AS claimed_short_id \
     FROM claim_tasks($1::text, $2::float8 * interval '1 second', $3::text, $4::int, $5::int, \
     $6::text) t";

/// The next task to work on (`tag`: only tasks carrying it), or None when nothing is ready.
pub async fn next_task(db: &Db, tag: Option<&str>) -> Result<Option<Task>> {
    let row = match tag {
        None => db.query_opt(&next_sql(), &[]).await,
        Some(tag) => db.query_opt(&next_tagged_sql(), &[&tag]).await,
    }
    .map_err(db_error)?;
    row.as_ref().map(Task::from_row).transpose()
}

/// What a claim asks for.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    /// Who will hold the tasks (`--assign`, or the actor).
    pub holder: &'a str,
    /// How long the claim holds them unless extended; None: until finished or released.
    pub lease: Option<Duration>,
    /// Only tasks carrying this tag.
    pub tag: Option<&'a str>,
    /// Only tasks of this type.
    pub task_type: Option<&'a str>,
    /// Claim up to this many tasks (1..=1000).
    pub limit: u32,
    /// Attempts before a task whose lease expired is given up (when the task sets none).
    pub max_attempts: u32,
}

impl ClaimRequest<'_> {
    fn lease_secs(&self) -> Option<f64> {
        self.lease.map(|d| d.as_secs_f64())
    }
    fn limit(&self) -> i32 {
        i32::try_from(self.limit).unwrap_or(i32::MAX)
    }
    fn max_attempts(&self) -> i32 {
        i32::try_from(self.max_attempts).unwrap_or(i32::MAX)
    }
}

/// Claim up to `req.limit` tasks in one statement (its own transaction when `db` is a client);
/// the claimed tasks in Task Master's order, none when nothing is claimable.
pub async fn claim(db: &Db, req: &ClaimRequest<'_>) -> Result<Vec<Task>> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM {CLAIM_FROM} ORDER BY {NEXT_ORDER}");
    let rows = db
        .query(
            &sql,
            &[
                &req.holder,
                &req.lease_secs(),
                &req.tag,
                &req.limit(),
                &req.max_attempts(),
                &req.task_type,
            ],
        )
        .await
        .map_err(db_error)?;
    rows.iter().map(Task::from_row).collect()
}

/// Claim the next task for `req.holder` with [`CLAIM_SQL`] (`req.limit` is 1 here): the claimed
/// task's id, or None when nothing is claimable. Errors are the driver's, for the caller to map.
pub async fn claim_next(
    db: &Db,
    req: &ClaimRequest<'_>,
) -> Result<Option<Uuid>, tokio_postgres::Error> {
    let row = db
        .query_opt(
            CLAIM_SQL,
            &[
                &req.holder,
                &req.lease_secs(),
                &req.tag,
                &1i32,
                &req.max_attempts(),
                &req.task_type,
            ],
        )
        .await?;
    row.map(|r| r.try_get(0)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_claim_share_the_order_of_the_indexes() {
        assert!(next_sql().contains(NEXT_ORDER));
        assert!(next_tagged_sql().contains(NEXT_ORDER));
        assert!(CLAIM_SQL.contains(CLAIM_FROM.trim_end_matches(" t")));
    }
}
