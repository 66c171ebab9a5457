//! Queries on `tasks`, `task_dependencies` and the task side of `audit_log`.
//!
//! The rules (status transitions, cycles, audit) are the schema's; this module only turns
//! requests into parameterised statements and the schema's SQLSTATEs into clear errors.
//! Here: the task row ([`Task`]), ids ([`TaskRef`]) and lookups; the parts hold the reads of
//! `task list` (`list`), `task show`/`tree` (`read`), the audit trail (`history`),
//! dependencies (`deps`), the writes (`write`) and Task Master's `next` (`next`).

mod deps;
mod history;
mod input;
mod lease;
mod list;
mod next;
mod read;
mod wait;
mod write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row as PgRow;
use uuid::Uuid;

use crate::db::{db_error, Db};
use crate::exit::usage;
use crate::output::Row;

pub use deps::{
    add_dependency, deps_of, link, remove_dependency, unlink, DepRow, DependencyType, Link, Unlink,
};
pub use history::{history, HistoryRow};
pub use input::{check_title, parse_priority, parse_status, refuse_line_breaks};
pub use lease::{
    expire, finish_attempt, heartbeat, recorded_attempt_end, release, until_next_expiry,
    AttemptEnd, FINISH_FROM, HEARTBEAT_FROM,
};
pub use list::{list, Assignee, CheckedList, ListFilter, ListRequest, Page, TaskOrder};
pub use next::{
    claim, claim_next, next_sql, next_tagged_sql, next_task, ClaimRequest, CLAIM_FROM, CLAIM_SQL,
    NEXT_ORDER,
};
pub use read::{details, task_doc, tree, ChildBrief, Details, TaskDoc, TreeNode};
pub use wait::{claim_waiting, claim_waiting_through, ClaimTarget};
pub use write::{
    create, delete, dependents_and_children, set_status, update, NewTask, TaskChanges,
};

/// Every column of `tasks` as the CLI reads it (numeric hours as float8 — the driver has no
/// numeric type), the parent's short id (kept on the row by V14's triggers) and the lease.
pub const TASK_COLUMNS: &str =
    "t.id, t.short_id, t.external_key, t.title, t.description, t.details, \
     t.test_strategy, t.type, t.status, t.priority, t.complexity, t.tags, t.requirements, \
     t.acceptance_criteria, t.affected_files, t.metadata, t.estimated_hours::float8, \
     t.actual_hours::float8, t.parent_task_id, t.parent_short_id, \
     t.assigned_to, t.created_by, t.repository_url, t.branch_name, t.pr_number, t.linear_issue_id, \
     t.github_issue_number, t.codegen_session_id, t.created_at, t.updated_at, t.started_at, \
     t.completed_at, t.attempts, t.max_attempts, t.lease_expires_at, t.last_outcome";

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
    "attempts",
    "max_attempts",
    "lease_expires_at",
    "last_outcome",
];

/// One task, every field (JSON and CSV output carry all of them).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
    /// Claims so far (each claim is an attempt).
    pub attempts: i32,
    /// Attempts before the task is given up; None: the claimant's default.
    pub max_attempts: Option<i32>,
    /// The holder (`assigned_to`) holds the in-progress task until then.
    pub lease_expires_at: Option<DateTime<Utc>>,
    /// What ended the last attempt (expiry, release, failure, give-up, completion).
    pub last_outcome: Option<String>,
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
            attempts: r.try_get(32)?,
            max_attempts: r.try_get(33)?,
            lease_expires_at: r.try_get(34)?,
            last_outcome: r.try_get(35)?,
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

/// The items of a list column (`requirements`, `acceptance_criteria`, `affected_files`: JSON
/// arrays) as text: strings as they are, anything else as JSON.
pub fn list_items(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| x.to_string())
        })
        .collect()
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
pub async fn find(db: &Db, r: TaskRef, what: &str) -> Result<Task> {
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
pub async fn find_for_update(db: &Db, r: TaskRef, what: &str) -> Result<Task> {
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

/// The parameters of a statement built at run time: [`Params::push`] binds a value and gives
/// its placeholder (`$n`), so values are always parameters, never SQL text.
#[derive(Default)]
struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    fn push(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|p| p.as_ref() as _).collect()
    }
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
            attempts: 0,
            max_attempts: None,
            lease_expires_at: None,
            last_outcome: None,
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
