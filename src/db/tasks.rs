//! Queries on `tasks`, `task_dependencies` and the task side of `audit_log`.
//!
//! The rules (status transitions, cycles, audit) are the schema's; this module only turns
//! requests into parameterised statements and the schema's SQLSTATEs into clear errors.

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::{GenericClient, Row as PgRow};
use uuid::Uuid;

use crate::db::db_error;
use crate::exit::usage;
use crate::output::{ts, Row};

/// Every column of `tasks` as the CLI reads it (numeric hours as float8 — the driver has no
/// numeric type), plus the parent's short id.
pub const TASK_COLUMNS: &str =
    "t.id, t.short_id, t.external_key, t.title, t.description, t.details, \
     t.test_strategy, t.type, t.status, t.priority, t.complexity, t.tags, t.requirements, \
     t.acceptance_criteria, t.affected_files, t.metadata, t.estimated_hours::float8, \
     t.actual_hours::float8, t.parent_task_id, \
     (SELECT p.short_id FROM tasks p WHERE p.id = t.parent_task_id) AS parent_short_id, \
     t.assigned_to, t.created_by, t.repository_url, t.branch_name, t.pr_number, t.linear_issue_id, \
     t.github_issue_number, t.codegen_session_id, t.created_at, t.updated_at, t.started_at, \
     t.completed_at";

/// The task statuses, in the schema's order.
pub const STATUSES: &[&str] = &[
    "pending",
    "in_progress",
    "review",
    "blocked",
    "deferred",
    "completed",
    "failed",
    "cancelled",
];

/// Longest title accepted (characters). Titles are one-line summaries; long text belongs in
/// the description or details.
pub const MAX_TITLE_CHARS: usize = 500;

/// The JSON keys of [`Task`], in field order (CSV columns).
pub const TASK_FIELDS: &[&str] = &[
    "id",
    "short_id",
    "external_key",
    "title",
    "description",
    "details",
    "test_strategy",
    "type",
    "status",
    "priority",
    "complexity",
    "tags",
    "requirements",
    "acceptance_criteria",
    "affected_files",
    "metadata",
    "estimated_hours",
    "actual_hours",
    "parent_task_id",
    "parent_short_id",
    "assigned_to",
    "created_by",
    "repository_url",
    "branch_name",
    "pr_number",
    "linear_issue_id",
    "github_issue_number",
    "codegen_session_id",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
];

/// One task, every field (JSON and CSV output carry all of them).
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: Uuid,
    pub short_id: i64,
    pub external_key: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub test_strategy: Option<String>,
    #[serde(rename = "type")]
    pub task_type: String,
    pub status: String,
    pub priority: i16,
    pub complexity: Option<i16>,
    pub tags: Vec<String>,
    pub requirements: Value,
    pub acceptance_criteria: Value,
    pub affected_files: Value,
    pub metadata: Value,
    pub estimated_hours: Option<f64>,
    pub actual_hours: Option<f64>,
    pub parent_task_id: Option<Uuid>,
    pub parent_short_id: Option<i64>,
    pub assigned_to: Option<String>,
    pub created_by: String,
    pub repository_url: Option<String>,
    pub branch_name: Option<String>,
    pub pr_number: Option<i32>,
    pub linear_issue_id: Option<String>,
    pub github_issue_number: Option<i32>,
    pub codegen_session_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Task {
    /// Build from a row selected with [`TASK_COLUMNS`] (in that order).
    pub fn from_row(r: &PgRow) -> Result<Task> {
        Ok(Task {
            id: r.try_get(0)?,
            short_id: r.try_get(1)?,
            external_key: r.try_get(2)?,
            title: r.try_get(3)?,
            description: r.try_get(4)?,
            details: r.try_get(5)?,
            test_strategy: r.try_get(6)?,
            task_type: r.try_get(7)?,
            status: r.try_get(8)?,
            priority: r.try_get(9)?,
            complexity: r.try_get(10)?,
            tags: r.try_get(11)?,
            requirements: r.try_get(12)?,
            acceptance_criteria: r.try_get(13)?,
            affected_files: r.try_get(14)?,
            metadata: r.try_get(15)?,
            estimated_hours: r.try_get(16)?,
            actual_hours: r.try_get(17)?,
            parent_task_id: r.try_get(18)?,
            parent_short_id: r.try_get(19)?,
            assigned_to: r.try_get(20)?,
            created_by: r.try_get(21)?,
            repository_url: r.try_get(22)?,
            branch_name: r.try_get(23)?,
            pr_number: r.try_get(24)?,
            linear_issue_id: r.try_get(25)?,
            github_issue_number: r.try_get(26)?,
            codegen_session_id: r.try_get(27)?,
            created_at: r.try_get(28)?,
            updated_at: r.try_get(29)?,
            started_at: r.try_get(30)?,
            completed_at: r.try_get(31)?,
        })
    }

    /// `#42`
    pub fn label(&self) -> String {
        format!("#{}", self.short_id)
    }
}

impl Row for Task {
    fn columns() -> &'static [&'static str] {
        &["id", "status", "pri", "title", "assigned", "tags", "parent"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.short_id.to_string(),
            self.status.clone(),
            self.priority.to_string(),
            truncate(&self.title, 60),
            self.assigned_to.clone().unwrap_or_default(),
            self.tags.join(","),
            self.parent_short_id
                .map(|p| format!("#{p}"))
                .unwrap_or_default(),
        ]
    }
}

/// Shorten text for a table cell (full text is in json/csv and `task show`).
pub fn truncate(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max && line.len() == text.len() {
        line.to_string()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A task id as typed: `42`, `#42` or a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskRef {
    Short(i64),
    Uuid(Uuid),
}

impl TaskRef {
    /// Parse what a person typed; anything else is bad input (exit 2).
    pub fn parse(text: &str) -> Result<TaskRef> {
        Self::parse_as(text, "task")
    }

    /// Same, for any table with `short_id` + `id uuid` (`noun` names it in messages).
    pub fn parse_as(text: &str, noun: &str) -> Result<TaskRef> {
        let t = text.trim();
        let digits = t.strip_prefix('#').unwrap_or(t);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return digits
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(TaskRef::Short)
                .ok_or_else(|| usage(format!("malformed {noun} id {text:?}: out of range")));
        }
        Uuid::parse_str(t).map(TaskRef::Uuid).map_err(|_| {
            usage(format!(
                "malformed {noun} id {text:?}: use the short id (42 or #42) or the UUID"
            ))
        })
    }

    pub fn display(&self) -> String {
        match self {
            TaskRef::Short(n) => format!("#{n}"),
            TaskRef::Uuid(u) => u.to_string(),
        }
    }
}

/// Look a task up by short id or UUID. Not found is bad input (exit 2): the id came from the
/// user. `what` names the role in the message ("task", "parent task", …).
pub async fn find<C: GenericClient>(db: &C, r: TaskRef, what: &str) -> Result<Task> {
    let sql_short = format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.short_id = $1");
    let sql_uuid = format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = $1");
    let row = match r {
        TaskRef::Short(n) => db.query_opt(&sql_short, &[&n]).await,
        TaskRef::Uuid(u) => db.query_opt(&sql_uuid, &[&u]).await,
    }
    .map_err(db_error)?;
    match row {
        Some(row) => Task::from_row(&row),
        None => Err(usage(format!("{what} {} not found", r.display()))),
    }
}

/// Same as [`find`] but locks the row (`FOR UPDATE`) for the rest of the transaction.
pub async fn find_for_update<C: GenericClient>(db: &C, r: TaskRef, what: &str) -> Result<Task> {
    let (sql, param): (String, Box<dyn tokio_postgres::types::ToSql + Sync + Send>) = match r {
        TaskRef::Short(n) => (
            format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.short_id = $1 FOR UPDATE OF t"),
            Box::new(n),
        ),
        TaskRef::Uuid(u) => (
            format!("SELECT {TASK_COLUMNS} FROM tasks t WHERE t.id = $1 FOR UPDATE OF t"),
            Box::new(u),
        ),
    };
    let row = db.query_opt(&sql, &[&*param]).await.map_err(db_error)?;
    match row {
        Some(row) => Task::from_row(&row),
        None => Err(usage(format!("{what} {} not found", r.display()))),
    }
}

// ---- dependencies ---------------------------------------------------------------------------

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

// ---- history --------------------------------------------------------------------------------

/// One audit entry about a task (its own row or one of its dependency edges).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub table_name: String,
    pub action: String,
    pub changed_fields: Option<Vec<String>>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
}

impl HistoryRow {
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
        vec![
            ts(Some(self.occurred_at)),
            self.actor.clone(),
            self.summary(),
        ]
    }
}

/// The audit trail of a task, newest last (`limit` newest entries when given).
pub async fn history<C: GenericClient>(
    db: &C,
    task: Uuid,
    limit: Option<i64>,
) -> Result<Vec<HistoryRow>> {
    let rows = db
        .query(
            // OFFSET 0 fences the task's rows (a few, found through the record index) from the
            // LIMIT: without statistics (right after a bulk load) the planner otherwise walks
            // the whole log backwards by id, hoping to meet five of them early.
            "SELECT * FROM ( \
               SELECT * FROM ( \
                 SELECT id, occurred_at, actor, table_name, action, changed_fields, old_values, new_values \
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
                table_name: r.try_get(3)?,
                action: r.try_get(4)?,
                changed_fields: r.try_get(5)?,
                old_values: r.try_get(6)?,
                new_values: r.try_get(7)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn task_refs() {
        assert_eq!(TaskRef::parse("42").unwrap(), TaskRef::Short(42));
        assert_eq!(TaskRef::parse("#7").unwrap(), TaskRef::Short(7));
        let u = Uuid::new_v4();
        assert_eq!(TaskRef::parse(&u.to_string()).unwrap(), TaskRef::Uuid(u));
        for bad in [
            "",
            "#",
            "abc",
            "0",
            "-3",
            "4.2",
            "99999999999999999999",
            "1; drop table tasks",
        ] {
            let e = TaskRef::parse(bad).unwrap_err();
            assert_eq!(crate::exit::code_for(&e), crate::exit::Exit::USAGE, "{bad}");
        }
    }

    #[test]
    fn csv_fields_are_the_json_keys() {
        let t = Task {
            id: Uuid::nil(),
            short_id: 1,
            external_key: None,
            title: "t".into(),
            description: None,
            details: None,
            test_strategy: None,
            task_type: "general".into(),
            status: "pending".into(),
            priority: 5,
            complexity: None,
            tags: vec![],
            requirements: Value::Null,
            acceptance_criteria: Value::Null,
            affected_files: Value::Null,
            metadata: Value::Null,
            estimated_hours: None,
            actual_hours: None,
            parent_task_id: None,
            parent_short_id: None,
            assigned_to: None,
            created_by: "me".into(),
            repository_url: None,
            branch_name: None,
            pr_number: None,
            linear_issue_id: None,
            github_issue_number: None,
            codegen_session_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            started_at: None,
            completed_at: None,
        };
        let v = serde_json::to_value(&t).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = TASK_FIELDS.to_vec();
        keys.sort_unstable();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("a longer title", 8), "a longe…");
        assert_eq!(truncate("two\nlines", 10), "two…");
    }
}
