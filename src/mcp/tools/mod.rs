//! The tools, one module per noun: `tasks` (show, list, create, status), `claims` (next,
//! heartbeat, release), `links` (dependencies, workflow steps), `health`. Each tool parses its
//! arguments into what the CLI's flags become, calls the same `db` (or `health`) function as
//! the CLI command, and returns the result as structured content plus a short text for the
//! model; a refusal is a tool error carrying the CLI's one-line message.
//!
//! Here: the catalog (which tools exist, which only read), `--tools`/`--read-only`, and the
//! argument types the tools share.

mod claims;
mod health;
mod links;
mod tasks;

use anyhow::Result;
use rmcp::handler::server::router::tool::ToolRouter;
use schemars::JsonSchema;
use serde::Deserialize;

use super::server::Server;
use crate::db::tasks::TaskRef;
use crate::exit::usage;

/// A tool of the catalog.
pub struct ToolInfo {
    pub name: &'static str,
    /// Served by `--read-only` (`next_task` then without `claim`).
    pub reads: bool,
    /// One line for `--help` and the README.
    pub summary: &'static str,
}

/// Every tool, in the order the README lists them.
pub const TOOLS: &[ToolInfo] = &[
    tool(
        "next_task",
        true,
        "the next task to work on; with claim, take it (leased)",
    ),
    tool("show_task", true, "everything about one task"),
    tool("list_tasks", true, "find tasks: filters, search, pages"),
    tool(
        "create_task",
        false,
        "create a task (dependencies, parent, fields)",
    ),
    tool(
        "set_task_status",
        false,
        "move a task to a status, with a note",
    ),
    tool("heartbeat", false, "extend the lease on a task you hold"),
    tool("release_task", false, "hand a task you hold back"),
    tool(
        "add_dependency",
        false,
        "make a task wait for another (cycles refused)",
    ),
    tool("remove_dependency", false, "remove a dependency"),
    tool(
        "record_workflow_step",
        false,
        "record a step of a workflow run",
    ),
    tool("health_summary", true, "taskdb health's checks, summarised"),
];

const fn tool(name: &'static str, reads: bool, summary: &'static str) -> ToolInfo {
    ToolInfo {
        name,
        reads,
        summary,
    }
}

/// The tools to serve: `named` (every tool when empty), only reading ones with `read_only`.
/// An unknown name, or a writing tool named with `read_only`, is refused (exit 2).
pub fn select(named: &[String], read_only: bool) -> Result<Vec<&'static str>> {
    let reading: Vec<&str> = TOOLS.iter().filter(|t| t.reads).map(|t| t.name).collect();
    let mut chosen = Vec::new();
    for name in named {
        let name = name.trim();
        let Some(tool) = TOOLS.iter().find(|t| t.name == name) else {
            let known: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
            return Err(usage(format!(
                "--tools {name:?}: no such tool (known: {})",
                known.join(", ")
            )));
        };
        if read_only && !tool.reads {
            return Err(usage(format!(
                "--tools {name}: it writes, and --read-only serves only {}",
                reading.join(", ")
            )));
        }
        if !chosen.contains(&tool.name) {
            chosen.push(tool.name);
        }
    }
    if chosen.is_empty() {
        chosen = TOOLS
            .iter()
            .filter(|t| t.reads || !read_only)
            .map(|t| t.name)
            .collect();
    }
    Ok(chosen)
}

/// The router of the `selected` tools (`next_task` without `claim` when `read_only`);
/// `health_summary` says it reaches outside the database when Cloudflare is configured (its
/// tunnel probe asks Cloudflare's API).
pub fn router(selected: &[&str], read_only: bool, cloudflare: bool) -> ToolRouter<Server> {
    let all = Server::tasks_router()
        + Server::claims_router()
        + Server::links_router()
        + Server::health_router();
    let all = if read_only {
        all + Server::next_read_only_router()
    } else {
        all
    };
    let mut chosen = ToolRouter::new();
    for mut route in all {
        if !selected.contains(&route.attr.name.as_ref()) {
            continue;
        }
        if route.attr.name == "health_summary" && cloudflare {
            if let Some(a) = route.attr.annotations.as_mut() {
                a.open_world_hint = Some(true);
            }
        }
        chosen.add_route(route);
    }
    chosen
}

/// A task or workflow id as a model may give it: the short id (42, or "42", "#42") or the
/// UUID.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Id {
    Number(i64),
    Text(String),
}

impl Id {
    /// As typed on the command line (the CLI's parsers and messages apply).
    pub fn text(&self) -> String {
        match self {
            Id::Number(n) => n.to_string(),
            Id::Text(t) => t.clone(),
        }
    }

    /// A task id, parsed as the CLI parses one (malformed: exit 2, the CLI's message).
    pub fn task(&self) -> Result<TaskRef> {
        TaskRef::parse(&self.text())
    }
}
