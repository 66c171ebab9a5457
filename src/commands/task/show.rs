//! `task show` (every field of a task, then its dependencies, children, workflows and recent
//! changes) and `task tree` (the hierarchy drawn with box-drawing branches).

use anyhow::Result;

use super::{IdArg, TreeArgs};
use crate::context::Context;
use crate::db::tasks::{self as q, DepRow, Details, Task, TaskRef, TreeNode};
use crate::exit::Exit;
use crate::options::Format;
use crate::output::{escape_controls, ts, Output, Row};
use crate::taskmaster;

pub(super) async fn show(a: IdArg, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    ctx.out.require_format(&[Format::Table, Format::Json])?;
    let mut db = ctx.db().await?;
    let doc = q::task_doc(&mut db, r).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&doc)?;
        return Ok(Exit::SUCCESS);
    }
    let rows: Vec<Vec<String>> = field_rows(&doc.task, doc.details.completion_percent)
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect();
    let mut text = ctx.out.table(&["field", "value"], &rows);
    text.push_str(&sections(&ctx.out, &doc.details));
    ctx.out.raw(text)?;
    Ok(Exit::SUCCESS)
}

/// The field table of `task show`: name and value, empty values left out.
fn field_rows(t: &Task, completion: f64) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<String>| v.unwrap_or_default();
    let mut fields: Vec<(&str, String)> = vec![
        ("id", format!("{} ({})", t.label(), t.id)),
        ("title", t.title.clone()),
        ("status", t.status.clone()),
        (
            "priority",
            format!(
                "{} ({})",
                t.priority,
                taskmaster::priority_from_db(i32::from(t.priority))
            ),
        ),
        ("completion", format!("{completion:.0}%")),
        ("type", t.task_type.clone()),
    ];
    let mut add = |k: &'static str, v: String| {
        if !v.is_empty() {
            fields.push((k, v));
        }
    };
    add("assigned_to", opt(&t.assigned_to));
    add("lease", lease_text(t));
    add("attempts", attempts_text(t));
    add("last_outcome", opt(&t.last_outcome));
    add("parent", num(t.parent_short_id.map(|p| format!("#{p}"))));
    add("tags", t.tags.join(", "));
    add("description", opt(&t.description));
    add("details", opt(&t.details));
    add("test_strategy", opt(&t.test_strategy));
    add("complexity", num(t.complexity.map(|c| c.to_string())));
    for (k, v) in [
        ("requirements", &t.requirements),
        ("acceptance_criteria", &t.acceptance_criteria),
        ("affected_files", &t.affected_files),
    ] {
        add(k, q::list_items(v).join("\n"));
    }
    add(
        "estimated_hours",
        num(t.estimated_hours.map(|h| h.to_string())),
    );
    add("actual_hours", num(t.actual_hours.map(|h| h.to_string())));
    add("repository_url", opt(&t.repository_url));
    add("branch", opt(&t.branch_name));
    add("pr_number", num(t.pr_number.map(|n| n.to_string())));
    add("linear_issue", opt(&t.linear_issue_id));
    add(
        "github_issue",
        num(t.github_issue_number.map(|n| n.to_string())),
    );
    add("external_key", opt(&t.external_key));
    if t.metadata.as_object().is_some_and(|m| !m.is_empty()) {
        add("metadata", t.metadata.to_string());
    }
    add(
        "created",
        format!("{} by {}", ts(Some(t.created_at)), t.created_by),
    );
    add("updated", ts(Some(t.updated_at)));
    add("started", ts(t.started_at));
    add("completed", ts(t.completed_at));
    fields
}

/// The tables under the fields: dependencies, children, workflows, recent changes (each only
/// when there is something to list).
fn sections(out: &Output, d: &Details) -> String {
    let mut text = String::new();
    let mut section = |title: &str, columns: &[&str], rows: Vec<Vec<String>>| {
        if !rows.is_empty() {
            text.push_str(&format!("\n{title}\n"));
            text.push_str(&out.table(columns, &rows));
        }
    };
    section(
        "Dependencies",
        DepRow::columns(),
        d.dependencies
            .iter()
            .chain(&d.dependents)
            .map(Row::cells)
            .collect(),
    );
    let children = d.children.iter().map(|c| {
        vec![
            format!("#{}", c.short_id),
            c.status.clone(),
            c.priority.to_string(),
            q::truncate(&c.title, 60),
        ]
    });
    section(
        "Children",
        &["id", "status", "pri", "title"],
        children.collect(),
    );
    let workflows = d.workflows.iter().map(|w| {
        vec![
            format!("#{}", w.short_id),
            w.workflow_type.clone(),
            w.status.clone(),
            w.current_step.clone().unwrap_or_default(),
            match w.steps_total {
                Some(n) => format!("{}/{n}", w.steps_completed),
                None => w.steps_completed.to_string(),
            },
        ]
    });
    section(
        "Workflows",
        &["id", "type", "status", "step", "steps"],
        workflows.collect(),
    );
    section(
        "Recent changes",
        &["when", "actor", "change"],
        d.recent_history.iter().map(Row::cells).collect(),
    );
    text
}

pub(super) async fn tree(a: TreeArgs, ctx: &Context) -> Result<Exit> {
    let root = a.id.as_deref().map(TaskRef::parse).transpose()?;
    ctx.out.require_format(&[Format::Table, Format::Json])?;
    let db = ctx.db().await?;
    let root = match root {
        Some(r) => Some(q::find(&db, r, "task").await?.id),
        None => None,
    };
    let nodes = q::tree(&db, root).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&nodes)?;
        return Ok(Exit::SUCCESS);
    }
    if nodes.is_empty() {
        ctx.out.note("no tasks");
        return Ok(Exit::SUCCESS);
    }
    ctx.out.raw(draw_tree(&nodes))?;
    Ok(Exit::SUCCESS)
}

/// Draw depth-first nodes (ordered by path) with box-drawing branches.
fn draw_tree(nodes: &[TreeNode]) -> String {
    let mut out = String::new();
    // For each node: is it the last among its siblings?
    let is_last: Vec<bool> = (0..nodes.len())
        .map(|i| {
            let n = &nodes[i];
            nodes[i + 1..]
                .iter()
                .take_while(|m| m.depth >= n.depth)
                .all(|m| m.depth > n.depth)
        })
        .collect();
    let mut open: Vec<bool> = Vec::new(); // per depth: does a sibling follow below?
    for (i, n) in nodes.iter().enumerate() {
        let d = n.depth as usize;
        open.truncate(d);
        let mut line = String::new();
        if d > 0 {
            for more in open.iter().skip(1) {
                line.push_str(if *more { "│   " } else { "    " });
            }
            line.push_str(if is_last[i] {
                "└── "
            } else {
                "├── "
            });
        }
        line.push_str(&format!(
            "#{} [{}] {}",
            n.short_id,
            n.status,
            escape_controls(&q::truncate(&n.title, 70))
        ));
        out.push_str(&line);
        out.push('\n');
        open.push(!is_last[i]);
    }
    out
}

/// "held by agent-7 until 2026-12-03T10:15:00Z (expired)" for a leased task, else empty.
fn lease_text(t: &q::Task) -> String {
    let Some(until) = t.lease_expires_at else {
        return String::new();
    };
    let holder = t.assigned_to.as_deref().unwrap_or("nobody");
    let expired = if until < chrono::Utc::now() {
        " (expired: claimable again)"
    } else {
        ""
    };
    format!(
        "held by {} until {}{expired}",
        crate::output::escape_controls(holder),
        crate::output::ts(Some(until))
    )
}

/// "2 of 3" (the task's own max), "2", or empty for a task never claimed.
fn attempts_text(t: &q::Task) -> String {
    match (t.attempts, t.max_attempts) {
        (0, None) => String::new(),
        (n, Some(max)) => format!("{n} of {max}"),
        (n, None) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn tree_drawing() {
        let n = |short_id, depth, path: Vec<i64>| TreeNode {
            id: Uuid::nil(),
            short_id,
            parent_task_id: None,
            title: format!("t{short_id}"),
            status: "pending".into(),
            priority: 5,
            depth,
            path,
        };
        let nodes = vec![
            n(1, 0, vec![1]),
            n(2, 1, vec![1, 2]),
            n(4, 2, vec![1, 2, 4]),
            n(3, 1, vec![1, 3]),
            n(5, 0, vec![5]),
        ];
        assert_eq!(
            draw_tree(&nodes),
            "#1 [pending] t1\n├── #2 [pending] t2\n│   └── #4 [pending] t4\n└── #3 [pending] t3\n#5 [pending] t5\n"
        );
    }
}
