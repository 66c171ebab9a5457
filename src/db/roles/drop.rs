//! `role drop`: the tasks a role holds, and dropping it — handing those back first, through the
//! schema's `release_task` (so the release is audited like any other), in the same transaction.

use anyhow::Result;
use serde::Serialize;
use uuid::Uuid;

use super::ident;
use crate::db::tasks::release;
use crate::db::{db_error, Db};

/// A task a role holds: in progress, claimed in one of its sessions.
#[derive(Debug, Clone, Serialize)]
pub struct HeldTask {
    #[serde(skip)]
    pub id: Uuid,
    pub short_id: i64,
    /// The holder name it claimed the task for (`--assign`, or its actor).
    pub holder: String,
    pub attempt: i32,
}

/// The tasks `name` holds (`tasks.holder_role`), by short id; locked (FOR NO KEY UPDATE) when
/// `db` is a transaction, so that none is finished or handed back behind our back.
pub async fn held_tasks(db: &Db, name: &str) -> Result<Vec<HeldTask>> {
    let rows = db
        .query(
            "SELECT t.id, t.short_id, coalesce(t.assigned_to, ''), t.attempts FROM tasks t \
              WHERE t.status = 'in_progress' AND t.holder_role = $1 \
              ORDER BY t.short_id FOR NO KEY UPDATE",
            &[&name],
        )
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(HeldTask {
                id: r.try_get(0)?,
                short_id: r.try_get(1)?,
                holder: r.try_get(2)?,
                attempt: r.try_get(3)?,
            })
        })
        .collect()
}

/// What dropping a role did.
#[derive(Debug, Clone, Serialize)]
pub struct Dropped {
    /// The tasks handed back first (pending again).
    pub released: Vec<HeldTask>,
    /// Its sessions that were open: they keep working until they end.
    pub open_sessions: i64,
}

/// Drop the role `name` in one transaction. The tasks it holds are handed back first when
/// `release_held` is set (with `note` in their last outcome and audit trail); otherwise a role
/// that holds tasks is left as it is and they are returned (`Ok(Err(held))`).
pub async fn drop_role(
    client: &mut Db,
    name: &str,
    release_held: bool,
    note: &str,
) -> Result<Result<Dropped, Vec<HeldTask>>> {
    let tx = client.transaction();
    let held = held_tasks(&tx, name).await?;
    if !held.is_empty() && !release_held {
        return Ok(Err(held));
    }
    for t in &held {
        release(&tx, t.id, &t.holder, Some(note), Some(t.attempt)).await?;
    }
    let open_sessions: i64 = tx
        .query_one(
            "SELECT count(*) FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid \
              WHERE r.rolname = $1",
            &[&name],
        )
        .await
        .map_err(db_error)?
        .try_get(0)?;
    tx.batch_execute(&format!("DROP ROLE {}", ident(name)))
        .await
        .map_err(|e| match e.as_db_error() {
            // Objects it owns or privileges granted to it directly, here or in other databases.
            Some(d) if d.code().code() == "2BP01" => crate::exit::failed(format!(
                "{}: {} (in each database named: REASSIGN OWNED BY {q} TO …; DROP OWNED BY {q})",
                d.message(),
                d.detail().unwrap_or("").replace('\n', "; "),
                q = ident(name)
            )),
            _ => db_error(e),
        })?;
    tx.commit().await.map_err(db_error)?;
    Ok(Ok(Dropped {
        released: held,
        open_sessions,
    }))
}
