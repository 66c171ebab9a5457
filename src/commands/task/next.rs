//! `task next [--claim]`: the next task to work on, as Task Master chooses it; with `--claim`
//! taken atomically with a lease (the statements are `crate::db::tasks::next`'s, shared with
//! `worker` and `bench`).

use anyhow::Result;
use serde_json::Value;
use tokio::time::Instant;

use super::lease::holder;
use super::{LeaseArg, NextArgs};
use crate::context::Context;
use crate::db::listen::Waiter;
use crate::db::tasks::{self as q, ClaimRequest, Task};
use crate::exit::Exit;
use crate::options::Format;

pub(super) async fn next(a: NextArgs, ctx: &Context) -> Result<Exit> {
    if !a.claim {
        let db = ctx.db().await?;
        let task = q::next_task(&*db, a.tag.as_deref()).await?;
        return report(&a, ctx, task.into_iter().collect());
    }
    let who = holder(a.assign.as_deref(), ctx)?;
    let lease = match a.lease {
        Some(LeaseArg(lease)) => lease,
        None => ctx.settings.task_lease()?,
    };
    let max_attempts = match a.max_attempts {
        Some(n) => n,
        None => ctx.settings.max_attempts()?,
    };
    let req = ClaimRequest {
        holder: &who,
        lease,
        tag: a.tag.as_deref(),
        task_type: None,
        limit: a.limit.unwrap_or(1),
        max_attempts,
    };
    let db = ctx.db().await?;
    let claimed = match a.wait {
        None => q::claim(&*db, &req).await?,
        Some(wait) => {
            let deadline = Instant::now() + wait;
            // Listening starts before the first claim, so nothing committed after it is missed.
            let mut waiter = Waiter::open(ctx.spec().await?, &ctx.settings, &ctx.out).await?;
            match q::claim_waiting(&*db, &req, &mut waiter, deadline, &ctx.out).await? {
                Some(claimed) => claimed,
                None => {
                    report(&a, ctx, Vec::new())?;
                    ctx.out.note(format!(
                        "waited {}: nothing became claimable",
                        crate::units::format_duration(wait.as_secs_f64())
                    ));
                    return Ok(Exit::NOTHING_CLAIMED);
                }
            }
        }
    };
    report(&a, ctx, claimed)
}

/// Print what `next` found or claimed: short ids on stdout (json: the task, or null; an array
/// with --limit), a line per task on stderr.
fn report(a: &NextArgs, ctx: &Context, tasks: Vec<Task>) -> Result<Exit> {
    if ctx.out.format() == Format::Json {
        if a.limit.is_some() {
            ctx.out.json(&tasks)?;
        } else {
            match tasks.first() {
                Some(t) => ctx.out.json(t)?,
                None => ctx.out.json(&Value::Null)?,
            }
        }
    }
    if tasks.is_empty() {
        ctx.out.note(if a.claim {
            "nothing to claim: no pending task has all its dependencies completed"
        } else {
            "nothing ready: no pending or in-progress task has all its dependencies completed"
        });
        return Ok(Exit::SUCCESS);
    }
    if ctx.out.format() != Format::Json {
        for t in &tasks {
            ctx.out.line(t.short_id.to_string())?;
            let verb = if a.claim { "claimed" } else { "next" };
            let lease = match (a.claim, t.lease_expires_at) {
                (true, Some(until)) => format!(
                    " (attempt {}, lease until {})",
                    t.attempts,
                    crate::output::ts(Some(until))
                ),
                (true, None) => format!(" (attempt {}, no lease)", t.attempts),
                _ => String::new(),
            };
            ctx.out.note(format!(
                "{verb}: {} [{}] p{} {}{lease}",
                t.label(),
                t.status,
                t.priority,
                crate::output::escape_controls(&q::truncate(&t.title, 70))
            ));
        }
    }
    Ok(Exit::SUCCESS)
}
