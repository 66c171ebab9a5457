//! `add_dependency`, `remove_dependency` and `record_workflow_step`: `task deps add|rm` and
//! `workflow step` through the same `db` functions.

use rmcp::handler::server::common::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::Id;
use crate::db::tasks::{self as q, DependencyType, Link, Unlink};
use crate::db::workflows::{self as w, StepStatus, Workflow};
use crate::mcp::server::{Server, CALL_LIMIT};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDependency {
    /// The task that waits: its short id (42 or "#42") or its UUID.
    pub id: Id,
    /// The task it waits for.
    pub depends_on: Id,
    /// blocks (default: depends_on must be completed first; a cycle is refused) or related
    /// (a link for information).
    #[serde(rename = "type", default)]
    pub dependency_type: DependencyType,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveDependency {
    /// The task that waits: its short id (42 or "#42") or its UUID.
    pub id: Id,
    /// The task it no longer waits for.
    pub depends_on: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordWorkflowStep {
    /// The workflow: its short id (3 or "#3") or its UUID (show_task lists a task's
    /// workflows).
    pub workflow: Id,
    /// The step's name, one line (e.g. build, test, deploy).
    pub step: String,
    /// What happened (default completed). The first step starts the workflow, a failed step
    /// fails it, the last declared step completes it.
    #[serde(default)]
    pub status: StepStatus,
    /// The step's result, any JSON (e.g. {"artifact": "app.tar"}).
    pub result: Option<Value>,
    /// What went wrong, for a failed step.
    pub error: Option<String>,
}

#[tool_router(router = links_router, vis = "pub(super)")]
impl Server {
    #[tool(
        description = "Make a task wait for another: with type blocks (the default) it is not \
            ready until depends_on is completed. A dependency cycle is refused and spelled out. \
            Adding an existing dependency changes nothing (changed=false).",
        output_schema = schema_for_output::<Link>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn add_dependency(&self, Parameters(p): Parameters<AddDependency>) -> CallToolResult {
        self.reply("add_dependency", CALL_LIMIT, async {
            let (r1, r2) = (p.id.task()?, p.depends_on.task()?);
            let db = self.conn.hold().await?;
            let link = q::link(&db, r1, r2, p.dependency_type).await?;
            let state = if link.changed {
                "now depends"
            } else {
                "already depends"
            };
            let text = format!(
                "#{} {state} on #{} ({})",
                link.task_short_id, link.depends_on_short_id, link.dependency_type
            );
            Ok((link, text))
        })
        .await
    }

    #[tool(
        description = "Remove a dependency between two tasks (refused when there is none).",
        output_schema = schema_for_output::<Unlink>(),
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn remove_dependency(
        &self,
        Parameters(p): Parameters<RemoveDependency>,
    ) -> CallToolResult {
        self.reply("remove_dependency", CALL_LIMIT, async {
            let (r1, r2) = (p.id.task()?, p.depends_on.task()?);
            let db = self.conn.hold().await?;
            let unlink = q::unlink(&db, r1, r2).await?;
            let text = format!(
                "#{} no longer depends on #{}",
                unlink.task_short_id, unlink.depends_on_short_id
            );
            Ok((unlink, text))
        })
        .await
    }

    #[tool(
        description = "Record a step of a task's workflow run (build, test, deploy…) as running, \
            completed, failed or skipped, with its result or error. Returns the workflow with \
            its status and steps done.",
        output_schema = schema_for_output::<Workflow>(),
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = false
        )
    )]
    async fn record_workflow_step(
        &self,
        Parameters(p): Parameters<RecordWorkflowStep>,
    ) -> CallToolResult {
        self.reply("record_workflow_step", CALL_LIMIT, async {
            let r = w::parse_ref(&p.workflow.text())?;
            w::check_step_name(&p.step)?;
            let status = p.status.name();
            let db = self.conn.hold().await?;
            let wf = w::find(&db, r).await?;
            let after = w::record_step(
                &db,
                &wf,
                &p.step,
                status,
                p.result.as_ref(),
                p.error.as_deref(),
            )
            .await?;
            let text = format!(
                "{}: step {} {status}; workflow {} ({} steps done)",
                after.label(),
                p.step,
                after.status,
                after.steps()
            );
            Ok((after, text))
        })
        .await
    }
}
