//! The resources: `task://{id}` (a task by short id or UUID, as JSON — `task show`'s — and as
//! Markdown) and `tasks://ready` (the tasks ready to work on, as JSON and Markdown). Reading
//! them never writes, so they are there in `--read-only` mode too.

use rmcp::model::{
    CacheScope, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
};
use rmcp::ErrorData;
use serde_json::json;

use super::render::{self, TaskSummary};
use super::server::Server;
use crate::db::tasks::{self as q, ListRequest, TaskOrder, TaskRef};
use crate::db::{connection_lost, error_line};
use crate::exit::{code_for, Exit};

/// The listing of ready tasks.
pub const READY_URI: &str = "tasks://ready";
/// At most this many tasks in [`READY_URI`].
const READY_LIMIT: i64 = 100;

pub fn list() -> ListResourcesResult {
    let ready = Resource::new(READY_URI, "ready-tasks")
        .with_title("Ready tasks")
        .with_description(
            "Tasks ready to work on (pending, in progress or in review, every blocking \
             dependency completed), highest priority first, at most 100: JSON and Markdown",
        )
        .with_mime_type("application/json");
    let mut result = ListResourcesResult::with_all_items(vec![ready]);
    result.ttl_ms = Some(0);
    result.cache_scope = Some(CacheScope::Private);
    result
}

pub fn templates() -> ListResourceTemplatesResult {
    let task = ResourceTemplate::new("task://{id}", "task")
        .with_title("A task")
        .with_description(
            "A task by short id (task://42) or UUID, with its dependencies, subtasks, workflows \
             and recent history: JSON (as `taskdb task show --format json`) and Markdown",
        )
        .with_mime_type("application/json");
    let mut result = ListResourceTemplatesResult::with_all_items(vec![task]);
    result.ttl_ms = Some(0);
    result.cache_scope = Some(CacheScope::Private);
    result
}

/// Read `uri`: a URI that names no resource, or a task that does not exist, is "not found";
/// a database failure is an internal error with the CLI's one line.
pub async fn read(server: &Server, uri: &str) -> Result<ReadResourceResponse, ErrorData> {
    let read = async {
        if uri == READY_URI {
            return ready(server).await.map(Some);
        }
        match uri.strip_prefix("task://") {
            Some(id) => task(server, uri, TaskRef::parse(id)?).await.map(Some),
            None => Ok(None),
        }
    };
    let read = read.await;
    if read.as_ref().is_err_and(connection_lost) {
        server.conn.discard();
    }
    match read {
        Ok(Some(contents)) => {
            let mut result = ReadResourceResult::new(contents);
            result.ttl_ms = Some(0);
            result.cache_scope = Some(CacheScope::Private);
            Ok(result.into())
        }
        Ok(None) => Err(ErrorData::resource_not_found(
            format!("no such resource {uri:?}: use task://{{id}} or {READY_URI}"),
            Some(json!({ "uri": uri })),
        )),
        Err(e) if code_for(&e) == Exit::USAGE => Err(ErrorData::resource_not_found(
            error_line(&e),
            Some(json!({ "uri": uri })),
        )),
        Err(e) => Err(ErrorData::internal_error(server.conn.error_line(e), None)),
    }
}

/// A task as JSON and as Markdown.
async fn task(server: &Server, uri: &str, r: TaskRef) -> anyhow::Result<Vec<ResourceContents>> {
    let mut db = server.conn.hold().await?;
    let doc = q::task_doc(&mut db, r).await?;
    drop(db);
    Ok(vec![
        ResourceContents::text(serde_json::to_string_pretty(&doc)?, uri)
            .with_mime_type("application/json"),
        ResourceContents::text(render::doc_markdown(&doc), uri).with_mime_type("text/markdown"),
    ])
}

/// The ready tasks, highest priority first, as JSON and as Markdown.
async fn ready(server: &Server) -> anyhow::Result<Vec<ResourceContents>> {
    let req = ListRequest {
        ready: true,
        order: Some(TaskOrder::Priority),
        limit: READY_LIMIT,
        ..ListRequest::default()
    };
    let checked = req.check()?;
    let db = server.conn.hold().await?;
    let page = checked.run(&db).await?;
    drop(db);
    let tasks: Vec<TaskSummary> = page.tasks.iter().map(TaskSummary::from).collect();
    let doc = json!({ "tasks": tasks, "more": page.more });
    let mut md = String::from("# Ready tasks\n\n");
    for t in &page.tasks {
        md.push_str(&format!("- {}\n", render::line(t)));
    }
    if page.tasks.is_empty() {
        md.push_str("(none)\n");
    } else if page.more {
        md.push_str(&format!(
            "\n(the first {READY_LIMIT}; list_tasks pages through all)\n"
        ));
    }
    Ok(vec![
        ResourceContents::text(serde_json::to_string_pretty(&doc)?, READY_URI)
            .with_mime_type("application/json"),
        ResourceContents::text(md, READY_URI).with_mime_type("text/markdown"),
    ])
}
