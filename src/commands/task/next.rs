//! `task next [--claim]`: the next task to work on, as Task Master chooses it; with `--claim`
//! taken atomically with a lease (the statements are `crate::db::tasks::next`'s, shared with
//! `worker` and `bench`).

use std::time::Duration;

use anyhow::Result;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::lease::holder;
use super::{LeaseArg, NextArgs};
use crate::context::Context;
use crate::db::listen::Waiter;
use crate::db::reconnect::Backoff;
use crate::db::tasks::{self as q, ClaimRequest, ClaimTarget, Task};
use crate::db::{connection_lost, ConnSpec, Db};
use crate::exit::Exit;
use crate::options::Format;
use crate::output::Output;

pub(super) async fn next(a: NextArgs, ctx: &Context) -> Result<Exit> {
    if !a.claim {
        let db = ctx.db().await?;
        let task = q::next_task(&db, a.tag.as_deref()).await?;
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
        None => q::claim(&db, &req).await?,
        Some(wait) => {
            let deadline = Instant::now() + wait;
            // Listening starts before the first claim, so nothing committed after it is missed.
            let spec = ctx.spec().await?;
            let mut waiter = Waiter::open(spec, &ctx.settings, &ctx.out).await?;
            // A connection lost meanwhile (a failover) is opened again, for --reconnect-for.
            let target = Reopening {
                spec,
                actor: ctx.actor(),
                out: &ctx.out,
                db: Mutex::new(Some(db)),
            };
            let mut backoff = Backoff::new(reconnect_for(&a, ctx)?);
            let claimed = q::claim_waiting_through(
                &target,
                &req,
                &mut waiter,
                deadline,
                Some(&mut backoff),
                &ctx.out,
            );
            match claimed.await? {
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

fn reconnect_for(a: &NextArgs, ctx: &Context) -> Result<Duration> {
    match a.reconnect_for {
        Some(d) => Ok(d),
        None => ctx.settings.reconnect_for(),
    }
}

/// The command's connection as its waiting claim uses it: opened again (the hosts in order,
/// so after a failover the new primary) when a statement found it gone.
struct Reopening<'a> {
    spec: &'a ConnSpec,
    actor: &'a str,
    out: &'a Output,
    db: Mutex<Option<Db>>,
}

impl Reopening<'_> {
    /// The open connection, or a new one when there is none or it closed.
    async fn take(&self) -> Result<Db> {
        let open = self.db.lock().await.take().filter(|db| !db.is_closed());
        match open {
            Some(db) => Ok(db),
            None => crate::db::connect(self.spec, self.actor, self.out).await,
        }
    }

    /// Keep the connection for the next statement, unless `result` says it is gone.
    async fn put_back<T>(&self, db: Db, result: &Result<T>) {
        if !result.as_ref().is_err_and(connection_lost) {
            *self.db.lock().await = Some(db);
        }
    }
}

impl ClaimTarget for Reopening<'_> {
    async fn claim(&self, req: &ClaimRequest<'_>) -> Result<Vec<Task>> {
        let db = self.take().await?;
        let result = q::claim(&db, req).await;
        self.put_back(db, &result).await;
        result
    }
    async fn until_next_expiry(&self) -> Result<Option<Duration>> {
        let db = self.take().await?;
        let result = q::until_next_expiry(&db).await;
        self.put_back(db, &result).await;
        result
    }
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
