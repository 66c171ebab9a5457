//! `migrate validate`: every up has a down, no down is orphaned, applied checksums match; with
//! `--roundtrip`, every migration rehearsed on a scratch database.

use anyhow::Result;
use serde::Serialize;

use super::ValidateArgs;
use crate::context::Context;
use crate::db::migrations::{self as mig, MigrationFile, State};
use crate::exit::{failed, Exit};

/// One problem `validate` found.
#[derive(Debug, Serialize)]
struct Finding {
    check: &'static str,
    ok: bool,
    detail: String,
}

impl crate::output::Row for Finding {
    fn columns() -> &'static [&'static str] {
        &["check", "result", "detail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.check.to_string(),
            if self.ok { "ok" } else { "FAILED" }.to_string(),
            self.detail.clone(),
        ]
    }
}

pub(super) async fn validate(args: ValidateArgs, ctx: &Context) -> Result<Exit> {
    let files = mig::catalog();
    let mut findings = Vec::new();
    let no_down: Vec<String> = files
        .iter()
        .filter(|m| m.down_sql.is_none())
        .map(|m| m.down_file_name())
        .collect();
    findings.push(Finding {
        check: "down scripts",
        ok: no_down.is_empty(),
        detail: if no_down.is_empty() {
            format!("all {} migrations have one", files.len())
        } else {
            format!("missing: {}", no_down.join(", "))
        },
    });
    let orphans = mig::orphan_down_scripts();
    findings.push(Finding {
        check: "orphan down scripts",
        ok: orphans.is_empty(),
        detail: if orphans.is_empty() {
            "none".into()
        } else {
            format!("no up script for: {}", orphans.join(", "))
        },
    });
    let db = ctx.db().await?;
    let history = mig::read_history(&db).await?;
    let rows = mig::status(&files, &history);
    let bad: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.state, State::Divergent | State::Missing))
        .map(|r| format!("V{} {}: {}", r.version, r.state.as_str(), r.detail))
        .collect();
    findings.push(Finding {
        check: "applied checksums",
        ok: bad.is_empty(),
        detail: if bad.is_empty() {
            format!(
                "{} applied migration(s) match their files",
                rows.iter().filter(|r| r.state == State::Applied).count()
            )
        } else {
            bad.join("; ")
        },
    });
    if args.roundtrip {
        let ok_so_far = no_down.is_empty();
        let detail = if ok_so_far {
            match roundtrip(ctx, &files).await {
                Ok(()) => Ok(format!(
                    "{} migration(s): up, down, up on a scratch database; every down restored the schema",
                    files.len()
                )),
                Err(e) => Err(format!("{e:#}")),
            }
        } else {
            Err("skipped: some migrations have no down script".to_string())
        };
        findings.push(Finding {
            check: "roundtrip",
            ok: detail.is_ok(),
            detail: detail.unwrap_or_else(|e| e),
        });
    }
    ctx.out.list(&findings)?;
    if let Some(f) = findings.iter().find(|f| !f.ok) {
        return Err(failed(format!(
            "validate: {} failed: {}",
            f.check, f.detail
        )));
    }
    Ok(Exit::SUCCESS)
}

/// Rehearse every migration on a scratch database of the configured server.
async fn roundtrip(ctx: &Context, files: &[MigrationFile]) -> Result<()> {
    let admin = ctx.db().await?;
    let base = crate::db::ToolConn::reached(ctx.spec().await?, &admin)?;
    mig::roundtrip(&admin, ctx.spec().await?, &base, files, &ctx.out).await
}
