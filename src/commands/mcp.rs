//! `taskdb mcp`: the flags; the server is `crate::mcp`.

use anyhow::Result;
use clap::Args;

use crate::context::Context;
use crate::exit::Exit;
use crate::mcp::{self, Options, TOOLS};

#[derive(Debug, Args)]
#[command(after_long_help = long_help())]
pub struct McpArgs {
    /// Serve only these tools (comma-separated or repeated; see the list below)
    #[arg(long, value_delimiter = ',', value_name = "TOOL")]
    tools: Vec<String>,
}

fn long_help() -> String {
    let mut s =
        String::from("Tools (--tools; * = served by --read-only, next_task without claim):\n");
    for t in TOOLS {
        let mark = if t.reads { '*' } else { ' ' };
        s.push_str(&format!("  {:<21}{mark} {}\n", t.name, t.summary));
    }
    s.push_str(
        "\nResources: task://{id} (a task as JSON and Markdown), tasks://ready (the ready \
         tasks).\n\n\
         --read-only (the global option; TASKDB_READ_ONLY, [database] read_only) serves only the \
         tools marked * on a read-only session, and its connection prefers a standby \
         (target_session_attrs=prefer-standby): the server writes nothing.\n\n\
         The server acts as the actor (--actor, TASKDB_ACTOR): it holds the tasks it claims \
         and is named in the audit log. It uses the configured connection, so under a \
         least-privilege role it can do exactly what that role may. One connection for the \
         session, opened again after a server restart or failover. stdout carries only \
         protocol messages; logs (-v) go to stderr.\n\n\
         Register it with an MCP client, e.g. (Claude Code, Cursor: mcpServers):\n  \
         {\"mcpServers\": {\"taskdb\": {\"command\": \"taskdb\", \"args\": [\"mcp\"],\n    \
         \"env\": {\"DATABASE_URL\": \"postgresql://agent@db/taskdb\", \"TASKDB_ACTOR\": \"agent-7\"}}}}",
    );
    s
}

pub async fn run(args: McpArgs, ctx: &Context) -> Result<Exit> {
    let opts = Options {
        read_only: ctx.read_only(),
        tools: args.tools,
    };
    mcp::serve(opts, ctx).await
}
