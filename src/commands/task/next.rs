//! `task next [--claim]`: the next task to work on, as Task Master chooses it; with `--claim`
//! taken atomically (the statements are `crate::db::tasks::next`'s, shared with `bench`).

use anyhow::Result;
use serde_json::Value;

use super::NextArgs;
use crate::context::Context;
use crate::db::tasks as q;
use crate::exit::{usage, Exit};
use crate::options::Format;

pub(super) async fn next(a: NextArgs, ctx: &Context) -> Result<Exit> {
    if let Some(w) = &a.assign {
        if w.trim().is_empty() || w.contains('\0') {
            return Err(usage("--assign needs a name"));
        }
    }
    let mut db = ctx.db().await?;
    let tag = a.tag.as_deref();
    let task = if a.claim {
        let who = a.assign.clone().unwrap_or_else(|| ctx.actor().to_string());
        q::claim_next_task(&mut db.client, tag, &who).await?
    } else {
        q::next_task(&*db, tag).await?
    };
    match task {
        None => {
            if ctx.out.format() == Format::Json {
                ctx.out.json(&Value::Null)?;
            }
            ctx.out.note(if a.claim {
                "nothing to claim: no pending task has all its dependencies completed"
            } else {
                "nothing ready: no pending or in-progress task has all its dependencies completed"
            });
        }
        Some(t) => {
            if ctx.out.format() == Format::Json {
                ctx.out.json(&t)?;
            } else {
                ctx.out.line(t.short_id.to_string())?;
                let verb = if a.claim { "claimed" } else { "next" };
                ctx.out.note(format!(
                    "{verb}: {} [{}] p{} {}",
                    t.label(),
                    t.status,
                    t.priority,
                    crate::output::escape_controls(&q::truncate(&t.title, 70))
                ));
            }
        }
    }
    Ok(Exit::SUCCESS)
}
