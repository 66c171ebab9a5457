//! `taskdb mcp`: the task database as a Model Context Protocol server over stdio, built on the
//! official Rust SDK (`rmcp`: JSON-RPC, the protocol's revisions and their negotiation). AI
//! agents pick up, work and close tasks through tools instead of shelling out and parsing
//! tables.
//!
//! The parts: `server` (what the server says about itself, replies and tool errors), `tools/`
//! (one module per noun), `resources` (`task://{id}`, `tasks://ready`), `render` (the text
//! beside each structured result), `conn` (the session's one connection, reopened when lost).
//! Every tool calls the `db` function its CLI command calls; the schema's rules apply alike,
//! and a refusal comes back as a tool error with the CLI's one-line message.
//!
//! stdout carries only protocol messages: it is taken over before serving
//! (`platform::take_stdout`), so anything else printed lands on stderr with the logs.

mod conn;
mod render;
mod resources;
mod server;
mod tools;

use anyhow::Result;
use rmcp::ServiceExt;

use crate::context::Context;
use crate::db::error_line;
use crate::exit::{failed, Exit};

pub use tools::TOOLS;

/// What `taskdb mcp` serves.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only the tools that read, on a read-only session.
    pub read_only: bool,
    /// Only these tools (all when empty).
    pub tools: Vec<String>,
}

/// Serve MCP on stdin/stdout until the client closes stdin.
pub async fn serve(opts: Options, ctx: &Context) -> Result<Exit> {
    let selected = tools::select(&opts.tools, opts.read_only)?;
    let spec = ctx.spec().await?.clone();
    let cloudflare = crate::health::tunnel::configured(&ctx.settings);
    let conn = conn::Conn::new(
        spec,
        ctx.actor().to_string(),
        ctx.out.clone(),
        opts.read_only,
    );
    let server = server::Server::new(conn, ctx.settings.clone(), ctx.out.clone(), opts.read_only)
        .with_tools(tools::router(&selected, opts.read_only, cloudflare));
    let protocol = crate::platform::take_stdout()
        .map_err(|e| failed(format!("cannot keep stdout for the protocol: {e}")))?;
    // Connect now, so that a database that cannot be reached is said at once (on stderr);
    // the server serves anyway and each call tries again.
    match server.conn.hold().await {
        Ok(db) => drop(db),
        Err(e) => ctx.out.warn(format!(
            "taskdb mcp: no database connection yet ({}); tool calls will try again",
            error_line(&e)
        )),
    }
    ctx.out.debug(
        1,
        format!(
            "taskdb mcp: serving {} over stdio as {}{}",
            server.tool_names().join(", "),
            ctx.actor(),
            if opts.read_only { " (read-only)" } else { "" }
        ),
    );
    let transport = (tokio::io::stdin(), tokio::fs::File::from_std(protocol));
    let running = server
        .serve(transport)
        .await
        .map_err(|e| failed(format!("MCP session did not start: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| failed(format!("MCP session ended: {e}")))?;
    Ok(Exit::SUCCESS)
}
