//! What `migrate up|down` print: the summary of a run, or a dry run's plan with its SQL.

use anyhow::Result;
use serde::Serialize;

use crate::context::Context;
use crate::db::migrations::{self as mig, StepReport};

/// What `up`/`down` print at the end.
#[derive(Debug, Serialize)]
pub(super) struct RunSummary {
    pub(super) direction: &'static str,
    pub(super) dry_run: bool,
    pub(super) from_version: u32,
    pub(super) to_version: u32,
    pub(super) backup: Option<std::path::PathBuf>,
    pub(super) steps: Vec<StepReport>,
}

impl RunSummary {
    /// Before the first step: nothing done, the schema at `current`.
    pub(super) fn start(direction: &'static str, current: u32) -> RunSummary {
        RunSummary {
            direction,
            dry_run: false,
            from_version: current,
            to_version: current,
            backup: None,
            steps: Vec::new(),
        }
    }
}

pub(super) fn print_summary(ctx: &Context, summary: &RunSummary) -> Result<()> {
    if ctx.out.format() == crate::options::Format::Json {
        return ctx.out.json(summary);
    }
    if !summary.steps.is_empty() {
        ctx.out.list(&summary.steps)?;
    }
    let total: u64 = summary.steps.iter().map(|s| s.duration_ms).sum();
    let verb = if summary.direction == "up" {
        "applied"
    } else {
        "reverted"
    };
    if summary.steps.is_empty() {
        ctx.out.note(format!(
            "nothing to do: the schema is at V{}",
            summary.to_version
        ));
    } else {
        ctx.out.note(format!(
            "{verb} {} migration(s) in {:.2}s; the schema is now at V{} (was V{})",
            summary.steps.len(),
            total as f64 / 1000.0,
            summary.to_version,
            summary.from_version
        ));
    }
    Ok(())
}

/// A dry run: each script that would run (`direction` "up" or "down") and the history
/// statement committed with it.
pub(super) fn print_plan(ctx: &Context, direction: &'static str, plan: &mig::Plan) -> Result<()> {
    let (from, to) = (plan.from, plan.to);
    #[derive(Serialize)]
    struct Planned<'a> {
        version: u32,
        name: &'a str,
        file: String,
        sql: &'a str,
    }
    #[derive(Serialize)]
    struct Plan<'a> {
        direction: &'static str,
        dry_run: bool,
        from_version: u32,
        to_version: u32,
        steps: Vec<Planned<'a>>,
    }
    let steps: Vec<Planned> = plan
        .steps
        .iter()
        .map(|m| Planned {
            version: m.version,
            name: &m.name,
            file: if direction == "up" {
                m.file_name()
            } else {
                m.down_file_name()
            },
            sql: if direction == "up" {
                &m.up_sql
            } else {
                m.down_sql.unwrap_or_default()
            },
        })
        .collect();
    if ctx.out.format() == crate::options::Format::Json {
        return ctx.out.json(&Plan {
            direction,
            dry_run: true,
            from_version: from,
            to_version: to,
            steps,
        });
    }
    ctx.out
        .require_format(&[crate::options::Format::Table, crate::options::Format::Json])?;
    if steps.is_empty() {
        ctx.out
            .note(format!("nothing to do: the schema is at V{from}"));
        return Ok(());
    }
    for s in &steps {
        let history = mig::history_note(direction, s.version, s.name);
        ctx.out.line(format!(
            "-- {} (one transaction)\n{}\n{history}\n",
            s.file,
            s.sql.trim_end()
        ))?;
    }
    ctx.out.note(format!(
        "dry run: {} migration(s) would take the schema from V{from} to V{to}; nothing was changed",
        steps.len()
    ));
    Ok(())
}
