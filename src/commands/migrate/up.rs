//! `migrate up`: the pending migrations, oldest first, under the migration lock, after a backup
//! when the database holds data.

use std::time::Duration;

use anyhow::Result;

use super::report::{print_plan, print_summary, RunSummary};
use super::{lock_settings, take_backup, UpArgs};
use crate::context::Context;
use crate::db::migrations::{self as mig, MigrationFile};
use crate::exit::{failed_as, Exit};

pub(super) async fn up(args: UpArgs, ctx: &Context) -> Result<Exit> {
    let files = mig::catalog();
    let target = mig::up_target(&files, args.target)?;
    let (lock_timeout, lock_wait) = lock_settings(&args.lock, ctx);
    let mut db = ctx.db().await?;

    if args.dry_run {
        let history = mig::read_history(&db).await?;
        let plan = mig::plan_up(&files, &history, args.target, target)?;
        print_plan(ctx, "up", &plan)?;
        return Ok(Exit::SUCCESS);
    }

    mig::ensure_own_session(ctx.spec().await?, "migrate up", &ctx.out).await?;
    mig::identify_session(&db, "migrate up").await?;
    mig::acquire_lock(&db, lock_wait, &ctx.out).await?;
    // The lock is this session's: from here on the run is one session (settings included).
    db.hold_session().await.map_err(crate::db::db_error)?;
    let result = up_locked(&args, ctx, &mut db, &files, target, lock_timeout).await;
    // The lock also ends with the session; releasing early lets a waiting run go on at once.
    let _ = mig::release_lock(&db).await;
    let summary = result?;
    print_summary(ctx, &summary)?;
    Ok(Exit::SUCCESS)
}

async fn up_locked(
    args: &UpArgs,
    ctx: &Context,
    db: &mut crate::db::Db,
    files: &[MigrationFile],
    target: u32,
    lock_timeout: Duration,
) -> Result<RunSummary> {
    let history = mig::read_history(db).await?;
    let plan = mig::plan_up(files, &history, args.target, target)?;
    let (current, to) = (plan.from, plan.to);
    let mut summary = RunSummary::start("up", current);
    if plan.steps.is_empty() {
        return Ok(summary);
    }
    if !args.no_backup && mig::holds_data(db, &history).await? {
        let created =
            take_backup(ctx, db, &format!("before migrate up v{current} to v{to}")).await?;
        summary.backup = Some(created);
    }
    mig::set_lock_timeout(db, lock_timeout).await?;
    let bar = ctx.out.progress(plan.steps.len() as u64, "migrating");
    for (i, file) in plan.steps.iter().enumerate() {
        if i > 0 {
            mig::test_delay().await;
        }
        bar.set_message(file.label());
        let step = mig::apply_up(db, file, &ctx.out).await;
        match step {
            Ok(step) => {
                ctx.out.debug(
                    1,
                    format!("applied {} in {} ms", file.label(), step.duration_ms),
                );
                summary.to_version = file.version;
                summary.steps.push(step);
                bar.inc(1);
            }
            Err(e) => {
                bar.abandon();
                let done = if summary.steps.is_empty() {
                    format!("nothing was applied; the schema is at V{current}")
                } else {
                    format!(
                        "applied before it: {}; the schema is at V{}",
                        summary
                            .steps
                            .iter()
                            .map(|s| format!("V{}", s.version))
                            .collect::<Vec<_>>()
                            .join(", "),
                        summary.to_version
                    )
                };
                return Err(failed_as(&e, format!("{e:#}; {done}")));
            }
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}
