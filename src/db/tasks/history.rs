//! The audit trail of a task: its own `audit_log` rows and those of its dependency edges, with
//! a one-line summary of each change for tables.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::truncate;
use crate::db::{db_error, Db};
use crate::output::{ts, Row};

/// One audit entry about a task (its own row or one of its dependency edges).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HistoryRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    /// The role that connected (V16); None for entries written before.
    pub session_role: Option<String>,
    pub table_name: String,
    pub action: String,
    pub changed_fields: Option<Vec<String>>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
}

impl HistoryRow {
    /// The actor, and the role that connected when it is another name: `ci-bot (role agent_7)`.
    pub fn who(&self) -> String {
        match &self.session_role {
            Some(role) if *role != self.actor => format!("{} (role {role})", self.actor),
            _ => self.actor.clone(),
        }
    }

    /// "status: pending → in_progress; priority: 5 → 8", or what was created/deleted.
    pub fn summary(&self) -> String {
        let show = |v: Option<&Value>| match v {
            None | Some(Value::Null) => "∅".to_string(),
            Some(Value::String(s)) => truncate(s, 40),
            Some(other) => truncate(&other.to_string(), 40),
        };
        match (self.table_name.as_str(), self.action.as_str()) {
            ("task_dependencies", action) => {
                let v = self.new_values.as_ref().or(self.old_values.as_ref());
                let other = v
                    .and_then(|v| v.get("depends_on_task_id"))
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                let verb = if action == "DELETE" {
                    "removed"
                } else {
                    "added"
                };
                format!("dependency {verb}: depends on {other}")
            }
            (_, "INSERT") => "created".to_string(),
            (_, "DELETE") => "deleted".to_string(),
            _ => self
                .changed_fields
                .iter()
                .flatten()
                .map(|f| {
                    format!(
                        "{f}: {} → {}",
                        show(self.old_values.as_ref().and_then(|v| v.get(f))),
                        show(self.new_values.as_ref().and_then(|v| v.get(f)))
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

impl Row for HistoryRow {
    fn columns() -> &'static [&'static str] {
        &["when", "actor", "change"]
    }
    fn cells(&self) -> Vec<String> {
        vec![ts(Some(self.occurred_at)), self.who(), self.summary()]
    }
}

/// The audit trail of a task, newest last (`limit` newest entries when given).
pub async fn history(db: &Db, task: Uuid, limit: Option<i64>) -> Result<Vec<HistoryRow>> {
    let rows = db
        .query(
            // OFFSET 0 fences the task's rows (a few, found through the record index) from the
            // LIMIT: without statistics (right after a bulk load) the planner otherwise walks
            // the whole log backwards by id, hoping to meet five of them early.
            "SELECT * FROM ( \
               SELECT * FROM ( \
                 SELECT id, occurred_at, actor, session_role::text, table_name, action, changed_fields, \
                        old_values, new_values \
                   FROM audit_log \
                  WHERE (table_name = 'tasks' AND record_id = $1) \
                     OR (table_name = 'task_dependencies' AND record_id LIKE $1 || ':%') \
                 OFFSET 0) mine \
                ORDER BY id DESC LIMIT $2) h \
              ORDER BY id",
            &[&task.to_string(), &limit.unwrap_or(i64::MAX)],
        )
        .await
        .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                id: r.try_get(0)?,
                occurred_at: r.try_get(1)?,
                actor: r.try_get(2)?,
                session_role: r.try_get(3)?,
                table_name: r.try_get(4)?,
                action: r.try_get(5)?,
                changed_fields: r.try_get(6)?,
                old_values: r.try_get(7)?,
                new_values: r.try_get(8)?,
            })
        })
        .collect()
}
