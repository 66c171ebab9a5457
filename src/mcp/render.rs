//! The text a model reads beside each structured result: a task as Markdown (the `task://`
//! resource's Markdown and `show_task`'s text), one line per task in a listing, and the
//! summary a listing returns per task. Text quoted from the database has its control
//! characters escaped, as the CLI's output has.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::tasks::{list_items, truncate, DepRow, Task, TaskDoc};
use crate::output::{escape_controls, ts};
use crate::taskmaster;

/// A task in a listing: what a model needs to choose one (`show_task` has the rest).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskSummary {
    pub id: Uuid,
    pub short_id: i64,
    pub title: String,
    pub status: String,
    pub priority: i16,
    #[serde(rename = "type")]
    pub task_type: String,
    pub tags: Vec<String>,
    pub assigned_to: Option<String>,
    pub parent_short_id: Option<i64>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Task> for TaskSummary {
    fn from(t: &Task) -> TaskSummary {
        TaskSummary {
            id: t.id,
            short_id: t.short_id,
            title: t.title.clone(),
            status: t.status.clone(),
            priority: t.priority,
            task_type: t.task_type.clone(),
            tags: t.tags.clone(),
            assigned_to: t.assigned_to.clone(),
            parent_short_id: t.parent_short_id,
            lease_expires_at: t.lease_expires_at,
            updated_at: t.updated_at,
        }
    }
}

/// `#42 [pending] p8 Title (tags: a, b; assigned: agent-7; parent #40)`
pub fn line(t: &Task) -> String {
    let mut extra = Vec::new();
    if !t.tags.is_empty() {
        extra.push(format!("tags: {}", t.tags.join(", ")));
    }
    if let Some(who) = &t.assigned_to {
        extra.push(format!("assigned: {who}"));
    }
    if let Some(p) = t.parent_short_id {
        extra.push(format!("parent #{p}"));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join("; "))
    };
    let text = format!(
        "#{} [{}] p{} {}{extra}",
        t.short_id,
        t.status,
        t.priority,
        truncate(&t.title, 100)
    );
    escape_controls(&text).into_owned()
}

/// A task as Markdown: its headline facts, then its texts and lists.
pub fn task_markdown(t: &Task) -> String {
    let mut md = format!("# #{} {}\n\n", t.short_id, t.title);
    let mut facts = vec![
        format!("status: {}", t.status),
        format!(
            "priority: {} ({})",
            t.priority,
            taskmaster::priority_from_db(i32::from(t.priority))
        ),
        format!("type: {}", t.task_type),
    ];
    if !t.tags.is_empty() {
        facts.push(format!("tags: {}", t.tags.join(", ")));
    }
    if let Some(p) = t.parent_short_id {
        facts.push(format!("parent: #{p}"));
    }
    if let Some(who) = &t.assigned_to {
        facts.push(format!("assigned to: {who}"));
    }
    if let Some(until) = t.lease_expires_at {
        facts.push(format!("lease until: {}", ts(Some(until))));
    }
    if t.attempts > 0 {
        facts.push(match t.max_attempts {
            Some(max) => format!("attempt: {} of {max}", t.attempts),
            None => format!("attempt: {}", t.attempts),
        });
    }
    if let Some(outcome) = &t.last_outcome {
        facts.push(format!("last outcome: {outcome}"));
    }
    for f in facts {
        let _ = writeln!(md, "- {f}");
    }
    for (heading, text) in [
        ("Description", &t.description),
        ("Details", &t.details),
        ("Test strategy", &t.test_strategy),
    ] {
        if let Some(text) = text.as_deref().filter(|s| !s.trim().is_empty()) {
            let _ = write!(md, "\n## {heading}\n\n{}\n", text.trim_end());
        }
    }
    for (heading, items) in [
        ("Requirements", &t.requirements),
        ("Acceptance criteria", &t.acceptance_criteria),
        ("Affected files", &t.affected_files),
    ] {
        list_section(&mut md, heading, items);
    }
    escape_controls(&md).into_owned()
}

/// A JSON list column as a Markdown list (nothing when empty).
fn list_section(md: &mut String, heading: &str, items: &Value) {
    let items = list_items(items);
    if !items.is_empty() {
        let _ = write!(md, "\n## {heading}\n\n");
        for item in items {
            let _ = writeln!(md, "- {item}");
        }
    }
}

/// `show_task`'s text and the `task://` resource's Markdown: the task, then its
/// dependencies, dependents, children, workflows and recent changes.
pub fn doc_markdown(doc: &TaskDoc) -> String {
    let d = &doc.details;
    let mut md = task_markdown(&doc.task);
    let _ = writeln!(md, "- completion: {:.0}%", d.completion_percent);
    let edges = |rows: &[DepRow]| -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "#{} [{}] {} ({})",
                    r.short_id,
                    r.status,
                    truncate(&r.title, 100),
                    r.dependency_type
                )
            })
            .collect()
    };
    let children: Vec<String> = d
        .children
        .iter()
        .map(|c| {
            format!(
                "#{} [{}] p{} {}",
                c.short_id,
                c.status,
                c.priority,
                truncate(&c.title, 100)
            )
        })
        .collect();
    let workflows: Vec<String> = d
        .workflows
        .iter()
        .map(|w| {
            let steps = match w.steps_total {
                Some(n) => format!("{}/{n}", w.steps_completed),
                None => w.steps_completed.to_string(),
            };
            let step = w.current_step.as_deref().unwrap_or("-");
            format!(
                "workflow #{} {} {}, step {step} ({steps} steps done)",
                w.short_id, w.workflow_type, w.status
            )
        })
        .collect();
    let history: Vec<String> = d
        .recent_history
        .iter()
        .map(|h| format!("{} {}: {}", ts(Some(h.occurred_at)), h.actor, h.summary()))
        .collect();
    for (heading, items) in [
        ("Depends on", edges(&d.dependencies)),
        ("Dependents", edges(&d.dependents)),
        ("Children", children),
        ("Workflows", workflows),
        ("Recent changes", history),
    ] {
        if !items.is_empty() {
            let _ = write!(md, "\n## {heading}\n\n");
            for item in items {
                let _ = writeln!(md, "- {}", escape_controls(&item));
            }
        }
    }
    md
}
