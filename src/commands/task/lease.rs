//! `task heartbeat` and `task release`: what the holder of a claim does with its lease (the
//! rules are the schema's, `crate::db::tasks::lease`), and the flags claims share.

use anyhow::Result;
use clap::Args;

use super::LeaseArg;
use crate::context::Context;
use crate::db::tasks::{self as q, TaskRef};
use crate::exit::{usage, Exit};
use crate::options::Format;
use crate::output::ts;

#[derive(Debug, Args)]
pub(crate) struct HeartbeatArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// The holder [default: the actor]
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// New lease length from now (e.g. 15m) [default: [tasks] lease, else 15m]
    #[arg(long, value_name = "DURATION", value_parser = parse_lease_arg)]
    extend: Option<LeaseArg>,
    /// Only if the claim is still this attempt (what `task show` calls attempts)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..))]
    attempt: Option<i32>,
}

#[derive(Debug, Args)]
pub(crate) struct ReleaseArgs {
    /// Task id: short id (42, #42) or UUID
    id: String,
    /// The holder [default: the actor]
    #[arg(long, value_name = "WHO")]
    assign: Option<String>,
    /// Why (kept in last_outcome and the audit trail)
    #[arg(long)]
    note: Option<String>,
    /// Only if the claim is still this attempt (what `task show` calls attempts)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(1..))]
    attempt: Option<i32>,
}

/// `--lease` / `--extend`: a duration from 1s, or `off`.
pub(crate) fn parse_lease_arg(text: &str) -> Result<LeaseArg, String> {
    crate::settings::parse_lease(text).map(LeaseArg)
}

/// The holder a claim, heartbeat or release acts for: `--assign`, else the actor.
pub(crate) fn holder(assign: Option<&str>, ctx: &Context) -> Result<String> {
    match assign {
        Some(w) if w.trim().is_empty() || w.contains('\0') => Err(usage("--assign needs a name")),
        Some(w) => Ok(w.to_string()),
        None => Ok(ctx.actor().to_string()),
    }
}

pub(super) async fn heartbeat(a: HeartbeatArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let who = holder(a.assign.as_deref(), ctx)?;
    let extend = ctx
        .settings
        .heartbeat_extension(a.extend.map(|LeaseArg(lease)| lease))?;
    let db = ctx.db().await?;
    let task = q::find(&db, r, "task").await?;
    let after = q::heartbeat(&db, task.id, &who, extend, a.attempt).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else if let Some(until) = after.lease_expires_at {
        ctx.out.line(ts(Some(until)))?;
        ctx.out.note(format!(
            "{} held by {who} until {}",
            after.label(),
            ts(Some(until))
        ));
    }
    Ok(Exit::SUCCESS)
}

pub(super) async fn release(a: ReleaseArgs, ctx: &Context) -> Result<Exit> {
    let r = TaskRef::parse(&a.id)?;
    let who = holder(a.assign.as_deref(), ctx)?;
    if let Some(note) = &a.note {
        q::refuse_line_breaks("--note", note)?;
    }
    let db = ctx.db().await?;
    let task = q::find(&db, r, "task").await?;
    let after = q::release(&db, task.id, &who, a.note.as_deref(), a.attempt).await?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&after)?;
    } else {
        ctx.out.note(format!(
            "{} released by {who}: {} again (attempt {} used)",
            after.label(),
            after.status,
            after.attempts
        ));
    }
    Ok(Exit::SUCCESS)
}
