//! `next_task` (what to work on, and with `claim` taking it), `heartbeat` and `release_task`:
//! `task next [--claim --lease --wait]`, `task heartbeat` and `task release` through the same
//! `db::tasks` functions. The holder is always the server's actor (`--actor`,
//! `TASKDB_ACTOR`): a model cannot act for another agent.

use std::time::Duration;

use anyhow::Result;
use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::Id;
use crate::db::listen::Waiter;
use crate::db::tasks::{self as q, ClaimRequest, ClaimTarget, Task};
use crate::exit::usage;
use crate::mcp::conn::Conn;
use crate::mcp::render;
use crate::mcp::server::{Server, CALL_LIMIT};
use crate::output::ts;
use crate::settings::parse_lease;

/// The longest `wait_seconds` (MCP clients give up on a call after a few minutes).
const MAX_WAIT_SECONDS: u32 = 300;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NextTask {
    /// Take the task: mark it in_progress, assign it to you and lease it, in one step
    /// (concurrent agents never get the same task). Without it, only say what is next.
    #[serde(default)]
    pub claim: bool,
    /// Only tasks carrying this tag.
    pub tag: Option<String>,
    /// With claim: how long you hold the task unless you send a heartbeat (30s, 15m, 2h, or
    /// "off" for no lease; default: the server's setting, else 15m).
    pub lease: Option<String>,
    /// With claim: when nothing is claimable, wait up to this many seconds (0-300) for a task
    /// to become claimable.
    pub wait_seconds: Option<u32>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NextTaskReadOnly {
    /// Only tasks carrying this tag.
    pub tag: Option<String>,
}

/// What `next_task` found or claimed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Next {
    /// The task, or null when nothing is ready.
    pub task: Option<Task>,
    /// Whether it is now yours (claimed).
    pub claimed: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The task you hold: its short id (42 or "#42") or its UUID.
    pub id: Id,
    /// New lease length from now (e.g. 15m; default: the server's lease setting, else 15m).
    pub extend: Option<String>,
    /// Only if your claim is still this attempt (the task's `attempts` when you claimed it).
    pub attempt: Option<i32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseTask {
    /// The task you hold: its short id (42 or "#42") or its UUID.
    pub id: Id,
    /// Why you hand it back (kept as its last outcome and in its history).
    pub note: Option<String>,
    /// Only if your claim is still this attempt (the task's `attempts` when you claimed it).
    pub attempt: Option<i32>,
}

#[tool_router(router = claims_router, vis = "pub(super)")]
impl Server {
    #[tool(
        description = "The next task to work on, as Task Master chooses it (subtasks of tasks in \
            progress first, then by priority, every blocking dependency completed). With \
            claim=true it becomes yours: in_progress, assigned to you, leased (keep it with \
            heartbeat; finish with set_task_status or release_task). task is null when nothing \
            is ready.",
        output_schema = schema_for_output::<Next>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn next_task(&self, Parameters(p): Parameters<NextTask>) -> CallToolResult {
        let wait = Duration::from_secs(u64::from(p.wait_seconds.unwrap_or(0)));
        self.reply("next_task", CALL_LIMIT + wait, self.next(p))
            .await
    }

    #[tool(
        description = "Extend your lease on a task you hold (claimed with next_task): send one \
            well before the lease ends, or the task goes back to the queue. Returns the task \
            with its new lease_expires_at.",
        output_schema = schema_for_output::<Task>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn heartbeat(&self, Parameters(p): Parameters<Heartbeat>) -> CallToolResult {
        self.reply("heartbeat", CALL_LIMIT, async {
            let r = p.id.task()?;
            let extend = match p.extend.as_deref() {
                None => None,
                Some(text) => Some(lease_arg(text)?),
            };
            let extend = self.settings.heartbeat_extension(extend)?;
            let who = self.conn.actor();
            let db = self.conn.hold().await?;
            let task = q::find(&db, r, "task").await?;
            let after = q::heartbeat(&db, task.id, who, extend, p.attempt).await?;
            let text = format!(
                "{} held by {who} until {}",
                after.label(),
                ts(after.lease_expires_at)
            );
            Ok((after, text))
        })
        .await
    }

    #[tool(
        description = "Hand a task you hold back: pending again, claimable by others (the \
            attempt still counts). Say why in note.",
        output_schema = schema_for_output::<Task>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn release_task(&self, Parameters(p): Parameters<ReleaseTask>) -> CallToolResult {
        self.reply("release_task", CALL_LIMIT, async {
            let r = p.id.task()?;
            if let Some(note) = &p.note {
                q::refuse_line_breaks("--note", note)?;
            }
            let who = self.conn.actor();
            let db = self.conn.hold().await?;
            let task = q::find(&db, r, "task").await?;
            let after = q::release(&db, task.id, who, p.note.as_deref(), p.attempt).await?;
            let text = format!(
                "{} released by {who}: {} again (attempt {} used)",
                after.label(),
                after.status,
                after.attempts
            );
            Ok((after, text))
        })
        .await
    }
}

#[tool_router(router = next_read_only_router, vis = "pub(super)")]
impl Server {
    #[tool(
        name = "next_task",
        description = "The next task to work on, as Task Master chooses it (subtasks of tasks in \
            progress first, then by priority, every blocking dependency completed); task is \
            null when nothing is ready. This server is read-only: it cannot claim.",
        output_schema = schema_for_output::<Next>(),
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn next_task_read_only(
        &self,
        Parameters(p): Parameters<NextTaskReadOnly>,
    ) -> CallToolResult {
        let p = NextTask {
            tag: p.tag,
            ..NextTask::default()
        };
        self.reply("next_task", CALL_LIMIT, self.next(p)).await
    }
}

impl Server {
    /// `next_task`: Task Master's next, or a claim (waiting up to `wait_seconds`).
    async fn next(&self, p: NextTask) -> Result<(Next, String)> {
        if !p.claim {
            if p.lease.is_some() || p.wait_seconds.is_some() {
                return Err(usage("lease and wait_seconds need claim=true"));
            }
            let db = self.conn.hold().await?;
            let task = q::next_task(&db, p.tag.as_deref()).await?;
            return Ok(next_reply(task, false));
        }
        if self.read_only {
            return Err(usage("this server is read-only (taskdb mcp --read-only)"));
        }
        let wait = p.wait_seconds.unwrap_or(0);
        if wait > MAX_WAIT_SECONDS {
            return Err(usage(format!(
                "wait_seconds must be 0 to {MAX_WAIT_SECONDS}"
            )));
        }
        let lease = match p.lease.as_deref() {
            Some(text) => lease_arg(text)?,
            None => self.settings.task_lease()?,
        };
        let req = ClaimRequest {
            holder: self.conn.actor(),
            lease,
            tag: p.tag.as_deref(),
            task_type: None,
            limit: 1,
            max_attempts: self.settings.max_attempts()?,
        };
        let claimed = if wait == 0 {
            self.conn.claim(&req).await?
        } else {
            let deadline = Instant::now() + Duration::from_secs(u64::from(wait));
            let mut waiter = Waiter::open(self.conn.spec(), &self.settings, &self.out).await?;
            q::claim_waiting(&self.conn, &req, &mut waiter, deadline, &self.out)
                .await?
                .unwrap_or_default()
        };
        Ok(next_reply(claimed.into_iter().next(), true))
    }
}

/// A lease as `--lease`/`--extend` takes it: a duration, or `off` (None).
fn lease_arg(text: &str) -> Result<Option<Duration>> {
    parse_lease(text).map_err(|why| usage(format!("invalid lease {text:?}: {why}")))
}

/// What `next_task` returns, and its text: the task as Markdown, or the CLI's note when
/// there is none.
fn next_reply(task: Option<Task>, claimed: bool) -> (Next, String) {
    let text = match &task {
        None if claimed => {
            "nothing to claim: no pending task has all its dependencies completed".to_string()
        }
        None => "nothing ready: no pending or in-progress task has all its dependencies completed"
            .to_string(),
        Some(t) => {
            let head = if claimed {
                let lease = match t.lease_expires_at {
                    Some(until) => format!("lease until {}", ts(Some(until))),
                    None => "no lease".to_string(),
                };
                format!("claimed #{} (attempt {}, {lease})", t.short_id, t.attempts)
            } else {
                format!("next: #{}", t.short_id)
            };
            format!("{head}\n\n{}", render::task_markdown(t))
        }
    };
    (Next { task, claimed }, text)
}

/// The session's connection as a waiting claim uses it: taken for each statement, free while
/// the claim waits (so the agent's other calls, a heartbeat say, go on meanwhile).
impl ClaimTarget for Conn {
    async fn claim(&self, req: &ClaimRequest<'_>) -> Result<Vec<Task>> {
        let db = self.hold().await?;
        q::claim(&db, req).await
    }
    async fn until_next_expiry(&self) -> Result<Option<Duration>> {
        let db = self.hold().await?;
        q::until_next_expiry(&db).await
    }
}
