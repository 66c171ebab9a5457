//! The MCP server: what it says about itself (`initialize`), its tools (rmcp's router over the
//! `tools` modules) and resources (`resources`), and how a tool's outcome becomes a reply —
//! structured content plus a short text, or a tool error with the CLI's one-line message.
//! Nothing here panics on a request, and a failed call leaves the server serving.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool_handler, ErrorData, RoleServer, ServerHandler};
use serde::Serialize;

use super::conn::Conn;
use crate::db::connection_lost;
use crate::exit::failed;
use crate::output::{escape_controls, Output};
use crate::settings::Settings;

/// How long a tool call may wait for the database (a claim's `wait_seconds` comes on top):
/// past it the call fails and the next one opens a new connection.
pub const CALL_LIMIT: Duration = Duration::from_secs(60);

const INSTRUCTIONS: &str = "taskdb: the task database of an AI-driven CI/CD system. \
    The loop of an agent: next_task with claim=true takes the next ready task (in_progress, \
    assigned to you, leased); while you work, call heartbeat before the lease ends; finish with \
    set_task_status (completed, or review/blocked/failed with a note), or hand the task back \
    with release_task. show_task reads everything about one task, list_tasks finds tasks \
    (filters, search, pages). Ids: a task's short id (42) or its UUID.";

pub struct Server {
    pub(super) conn: Conn,
    pub(super) settings: Settings,
    pub(super) out: Output,
    pub(super) read_only: bool,
    tools: ToolRouter<Server>,
}

impl Server {
    pub fn new(conn: Conn, settings: Settings, out: Output, read_only: bool) -> Server {
        Server {
            conn,
            settings,
            out,
            read_only,
            tools: ToolRouter::new(),
        }
    }

    /// Serve these tools.
    pub fn with_tools(mut self, tools: ToolRouter<Server>) -> Server {
        self.tools = tools;
        self
    }

    /// The names of the tools served.
    pub fn tool_names(&self) -> Vec<String> {
        self.tools
            .list_all()
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    /// Run one tool call within `limit` and turn its outcome into the reply: the value as
    /// structured content and `text` for the model, or a tool error with the one line the CLI
    /// would print for the same failure (a refused privilege naming the connected role).
    pub(super) async fn reply<T: Serialize>(
        &self,
        tool: &str,
        limit: Duration,
        call: impl Future<Output = Result<(T, String)>>,
    ) -> CallToolResult {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(limit, call).await {
            Ok(outcome) => outcome,
            Err(_) => {
                self.conn.discard();
                Err(failed(format!(
                    "no answer from the database within {}",
                    crate::units::format_duration(limit.as_secs_f64())
                )))
            }
        };
        let outcome = outcome.and_then(|(value, text)| Ok((serde_json::to_value(value)?, text)));
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match outcome {
            Ok((value, text)) => {
                self.out
                    .debug(1, format!("taskdb mcp: {tool}: ok ({ms:.1} ms)"));
                let mut result = CallToolResult::structured(value);
                // Text quoted from the database: no raw control characters.
                result.content = vec![ContentBlock::text(escape_controls(&text).into_owned())];
                result
            }
            Err(e) => {
                if connection_lost(&e) {
                    self.conn.discard();
                }
                let line = self.conn.error_line(e);
                self.out
                    .debug(1, format!("taskdb mcp: {tool}: error ({ms:.1} ms): {line}"));
                CallToolResult::error(vec![ContentBlock::text(line)])
            }
        }
    }
}

#[tool_handler(router = self.tools)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("taskdb", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(super::resources::list())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(super::resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        super::resources::read(self, &request.uri).await
    }
}
