//! `migrate down`: revert the newest migrations with their down scripts, after a confirmation
//! and a backup, under the migration lock.

use std::time::Duration;

use anyhow::Result;

use super::report::{print_plan, print_summary, RunSummary};
use super::{lock_settings, take_backup, DownArgs};
use crate::context::Context;
use crate::db::migrations::{self as mig, MigrationFile};
use crate::exit::{failed_as, Exit};

pub(super) async fn down(args: DownArgs, ctx: &Context) -> Result<Exit> {
    let files = mig::catalog();
    mig::validate_down_args(&files, args.steps, args.target)?;
    let (lock_timeout, lock_wait) = lock_settings(&args.lock, ctx);
    let mut db = ctx.db().await?;
    if args.dry_run {
        let history = mig::read_history(&db).await?;
        let plan = mig::plan_down(&files, &history, args.steps, args.target)?;
        print_plan(ctx, "down", &plan)?;
        return Ok(Exit::SUCCESS);
    }
    mig::ensure_own_session(ctx.spec().await?, "migrate down", &ctx.out).await?;
    mig::identify_session(&db, "migrate down").await?;
    mig::acquire_lock(&db, lock_wait, &ctx.out).await?;
    // The lock is this session's: from here on the run is one session (settings included).
    db.hold_session().await.map_err(crate::db::db_error)?;
    let result = down_locked(&args, ctx, &mut db, &files, lock_timeout).await;
    let _ = mig::release_lock(&db).await;
    let summary = result?;
    print_summary(ctx, &summary)?;
    Ok(Exit::SUCCESS)
}

async fn down_locked(
    args: &DownArgs,
    ctx: &Context,
    db: &mut crate::db::Db,
    files: &[MigrationFile],
    lock_timeout: Duration,
) -> Result<RunSummary> {
    let history = mig::read_history(db).await?;
    let plan = mig::plan_down(files, &history, args.steps, args.target)?;
    let (current, to) = (plan.from, plan.to);
    let mut summary = RunSummary::start("down", current);
    if plan.steps.is_empty() {
        return Ok(summary);
    }
    let names: Vec<String> = plan.steps.iter().map(|m| m.label()).collect();
    ctx.out
        .confirm(&format!(
            "revert {} migration(s) ({}) on {}, from V{current} to V{to}? Data in what they created is lost",
            plan.steps.len(),
            names.join(", "),
            db.target
        ))
        .await?;
    if !args.no_backup {
        let created =
            take_backup(ctx, db, &format!("before migrate down v{current} to v{to}")).await?;
        summary.backup = Some(created);
    }
    mig::set_lock_timeout(db, lock_timeout).await?;
    let bar = ctx.out.progress(plan.steps.len() as u64, "reverting");
    for (i, file) in plan.steps.iter().enumerate() {
        if i > 0 {
            mig::test_delay().await;
        }
        bar.set_message(file.label());
        match mig::apply_down(db, file, &ctx.out).await {
            Ok(step) => {
                summary.to_version = mig::version_below(&history, file.version);
                summary.steps.push(step);
                bar.inc(1);
            }
            Err(e) => {
                bar.abandon();
                return Err(failed_as(
                    &e,
                    format!("{e:#}; the schema is at V{}", summary.to_version),
                ));
            }
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}
