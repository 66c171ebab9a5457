//! `task import` and `task export`: Task Master's tasks.json in and out. Parsing and writing
//! the file are `crate::taskmaster`'s, the rows `crate::db::taskmaster`'s; this part reads the
//! file within its size limit, checks every row before anything is written, and reports.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use serde_json::Value;

use super::{ExportArgs, ImportArgs};
use crate::context::Context;
use crate::db::tasks::refuse_line_breaks;
use crate::db::tasks::MAX_TITLE_CHARS;
use crate::exit::{usage, Exit};
use crate::limits;
use crate::options::Format;
use crate::taskmaster;

pub(super) async fn import(a: ImportArgs, ctx: &Context) -> Result<Exit> {
    let name = a.file.display().to_string();
    let bytes = read_task_file(&a, &name)?;
    // Parse, then let go of the bytes and the parsed tree as soon as the rows exist.
    let file = taskmaster::parse(&bytes).map_err(|e| usage(format!("{name}: {e}")))?;
    drop(bytes);
    let set =
        taskmaster::to_import_rows(file, &a.tags).map_err(|e| usage(format!("{name}: {e}")))?;
    for r in &set.rows {
        let n = r.title.chars().count();
        if n > MAX_TITLE_CHARS {
            return Err(usage(format!(
                "{name}: {}: the title is {n} characters long; at most {MAX_TITLE_CHARS}",
                r.external_key
            )));
        }
        refuse_line_breaks("the title", &r.title)
            .map_err(|e| usage(format!("{name}: {}: {e}", r.external_key)))?;
        let text_nul = [
            Some(&r.title),
            r.description.as_ref(),
            r.details.as_ref(),
            r.test_strategy.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|s| s.contains('\0'));
        if text_nul {
            return Err(usage(format!(
                "{name}: {}",
                taskmaster::nul_refusal(&r.external_key)
            )));
        }
    }
    let mut db = ctx.db().await?;
    let spinner = ctx
        .out
        .spinner(format!("importing {} tasks", set.rows.len()));
    let report = crate::db::taskmaster::import(&mut db, &set, a.dry_run).await;
    spinner.finish_and_clear();
    let report = report?;
    if ctx.out.format() == Format::Json {
        ctx.out.json(&report)?;
    } else {
        let verb = if a.dry_run {
            "would import"
        } else {
            "imported"
        };
        ctx.out.note(format!(
            "{verb} {} tag(s): {} created, {} updated, {} unchanged; {} dependencies; {} status change(s)",
            report.tags.len(),
            report.created,
            report.updated,
            report.unchanged,
            report.dependencies,
            report.status_changes
        ));
        if a.dry_run {
            ctx.out.note("dry run: nothing was written");
        }
    }
    Ok(Exit::SUCCESS)
}

/// The bytes of the file to import (`-`: stdin), at most `--max-size`; a file that is too
/// large, missing or unreadable is bad input.
fn read_task_file(a: &ImportArgs, name: &str) -> Result<Vec<u8>> {
    let what = "task files";
    let read = if name == "-" {
        limits::read_from(std::io::stdin().lock(), a.max_size, what)
    } else {
        limits::read(&a.file, a.max_size, what)
    };
    read.map_err(|e| match e.kind() {
        _ if limits::too_large(&e).is_some() => {
            usage(format!("{name}: {e}; raise it with --max-size"))
        }
        std::io::ErrorKind::NotFound => usage(format!("{name}: no such file")),
        _ => usage(format!("{name}: cannot read: {e}")),
    })
}

pub(super) async fn export(a: ExportArgs, ctx: &Context) -> Result<Exit> {
    let db = ctx.db().await?;
    let rows = crate::db::taskmaster::export_rows(&db).await?;
    let tag_meta: HashMap<String, Value> = crate::taskmaster::tag_metadata(&rows);
    let known: std::collections::BTreeSet<String> = rows.iter().map(|r| r.tag()).collect();
    for t in &a.tags {
        if !known.contains(t) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(usage(format!(
                "tag {t:?} has no tasks (tags: {})",
                if list.is_empty() {
                    "none".into()
                } else {
                    list.join(", ")
                }
            )));
        }
    }
    let (doc, report) = taskmaster::export(&rows, &tag_meta, &a.tags);
    drop(rows);
    for w in &report.warnings {
        ctx.out.warn(w);
    }
    match &a.output {
        Some(path) => {
            // Streamed to the file (a large export is never held twice in memory).
            let write = || -> std::io::Result<()> {
                let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
                serde_json::to_writer_pretty(&mut f, &doc)?;
                std::io::Write::write_all(&mut f, b"\n")?;
                std::io::Write::flush(&mut f)
            };
            write().with_context(|| format!("cannot write {}", path.display()))?;
            ctx.out.note(format!(
                "exported {} task(s) and {} subtask(s) to {}",
                report.tasks,
                report.subtasks,
                path.display()
            ));
        }
        None => ctx.out.json(&doc)?,
    }
    Ok(Exit::SUCCESS)
}
