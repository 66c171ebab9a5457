//! `taskdb migrate up|down|status|validate`: schema migrations with a lock, backups and downs.
//!
//! The flags and `status` here; `up`, `down` and `validate` beside, and `report` (what a run or
//! a dry run prints). The migrations themselves, their plans, lock and rehearsal are in
//! `db::migrations`.

use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};

use crate::context::Context;
use crate::db::backup;
use crate::db::migrations::{self as mig, State};
use crate::exit::Exit;
use crate::options::DatabaseUse;
use crate::units::format_bytes_iec;

mod down;
mod report;
mod up;
mod validate;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  taskdb migrate status                 # what is applied, pending, divergent or missing
  taskdb migrate up                     # apply everything pending (backup first if there is data)
  taskdb migrate up --dry-run           # print the SQL that would run; change nothing
  taskdb migrate down --steps 1 --yes   # backup, then revert the newest migration
  taskdb migrate validate --roundtrip   # rehearse every up/down on a scratch database")]
pub struct MigrateArgs {
    #[command(subcommand)]
    cmd: MigrateCmd,
}

#[derive(Debug, Subcommand)]
enum MigrateCmd {
    /// Apply pending migrations (safe to run from several hosts at once)
    #[command(long_about = "Apply pending migrations, oldest first.

Each migration and its history row commit in one transaction (refinery's runner), so an
interrupted run never leaves a half-applied migration. The whole run holds a database advisory
lock: a second `migrate up` waits (--lock-wait) and then finds nothing to do. The lock must be
held on a writable primary: a run that reached a standby refuses. DDL waits at most
--lock-timeout for a table lock; a migration that times out is rolled back and retried. A run
whose connection is lost (a failover, a switchover) exits 6: run it again to go on.

When the database already holds data (a user table has rows, or a migration was applied), a
verified backup is taken first (see `taskdb backup`), unless --no-backup.")]
    Up(UpArgs),
    /// Revert applied migrations with their down scripts (backup and confirmation first)
    #[command(
        long_about = "Revert applied migrations, newest first, with their down scripts.

Without --steps or --target, reverts the newest migration. A verified backup is taken first
(--no-backup to skip), and at a terminal you are asked to confirm (--yes to skip; without a
terminal --yes is required). Each down script and the removal of its history row commit in
one transaction, under the same lock as `migrate up`."
    )]
    Down(DownArgs),
    /// Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)
    Status(StatusArgs),
    /// Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them
    #[command(
        long_about = "Check the migrations shipped in this taskdb against the database.

Every up script must have a down script, and every applied migration must match its file.
With --roundtrip, every migration is rehearsed on a scratch database (created and dropped; needs
CREATEDB): schema dump, up, down, compare with the dump, up again. The first migration whose
down does not restore the schema is named."
    )]
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
struct LockArgs {
    /// Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]
    #[arg(long, value_name = "SECS")]
    lock_timeout: Option<u64>,
    /// Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]
    #[arg(long, value_name = "SECS")]
    lock_wait: Option<u64>,
}

#[derive(Debug, Args)]
struct UpArgs {
    /// Stop after this version (default: the newest)
    #[arg(long, value_name = "VERSION")]
    target: Option<u32>,
    /// Print the SQL that would run; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Do not take a backup first, even when the database holds data
    #[arg(long)]
    no_backup: bool,
    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct DownArgs {
    /// How many migrations to revert (default 1)
    #[arg(long, value_name = "N", conflicts_with = "target")]
    steps: Option<u32>,
    /// Revert down to this version, which stays applied (0: revert everything)
    #[arg(long, value_name = "VERSION")]
    target: Option<u32>,
    /// Print the SQL that would run; change nothing
    #[arg(long)]
    dry_run: bool,
    /// Do not take a backup first
    #[arg(long)]
    no_backup: bool,
    #[command(flatten)]
    lock: LockArgs,
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// Exit 1 when anything is pending, divergent or missing (for CI gates)
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// Rehearse up, down, up of every migration on a scratch database
    #[arg(long)]
    roundtrip: bool,
}

impl MigrateArgs {
    /// Which subcommands write (refused in read-only mode and on a standby).
    pub fn database_use(&self) -> DatabaseUse {
        DatabaseUse::Writes(match &self.cmd {
            MigrateCmd::Status(_) => return DatabaseUse::Reads,
            MigrateCmd::Up(_) => "migrate up",
            MigrateCmd::Down(_) => "migrate down",
            MigrateCmd::Validate(_) => "migrate validate",
        })
    }
}

pub async fn run(args: MigrateArgs, ctx: &Context) -> Result<Exit> {
    // Refuse an unsupported --format before anything is changed, not when printing the result.
    use crate::options::Format;
    let dry_run = matches!(&args.cmd, MigrateCmd::Up(a) if a.dry_run)
        || matches!(&args.cmd, MigrateCmd::Down(a) if a.dry_run);
    if dry_run {
        ctx.out.require_format(&[Format::Table, Format::Json])?;
    } else {
        ctx.out
            .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    }
    match args.cmd {
        MigrateCmd::Up(a) => up::up(a, ctx).await,
        MigrateCmd::Down(a) => down::down(a, ctx).await,
        MigrateCmd::Status(a) => status(a, ctx).await,
        MigrateCmd::Validate(a) => validate::validate(a, ctx).await,
    }
}

fn lock_settings(lock: &LockArgs, ctx: &Context) -> (Duration, Duration) {
    let timeout = lock
        .lock_timeout
        .unwrap_or(ctx.settings.migrate_lock_timeout.value);
    let wait = lock
        .lock_wait
        .unwrap_or(ctx.settings.migrate_lock_wait.value);
    (
        Duration::from_secs(timeout.max(1)),
        Duration::from_secs(wait),
    )
}

/// A verified backup before a schema change; its failure stops the change.
async fn take_backup(
    ctx: &Context,
    db: &crate::db::Db,
    reason: &str,
) -> Result<std::path::PathBuf> {
    // From the server the migration runs on (the primary), whichever host that is.
    let config = crate::db::ToolConn::reached(ctx.spec().await?, db)?;
    ctx.out.note(format!(
        "taking a backup first ({}; --no-backup to skip)",
        ctx.settings.backup_dir.value.display()
    ));
    let created = backup::create(
        db,
        &config,
        &backup::Target::from_settings(&ctx.settings),
        reason,
        ctx.actor(),
        &ctx.out,
    )
    .await
    .context("the backup before the migration failed, so nothing was migrated")?;
    ctx.out.note(format!(
        "backup verified: {} ({})",
        created.path.display(),
        format_bytes_iec(created.manifest.size_bytes)
    ));
    Ok(created.path)
}

async fn status(args: StatusArgs, ctx: &Context) -> Result<Exit> {
    let files = mig::catalog();
    let db = ctx.db().await?;
    let history = mig::read_history(&db).await?;
    let rows = mig::status(&files, &history);
    ctx.out.list(&rows)?;
    let count = |s: State| rows.iter().filter(|r| r.state == s).count();
    let (pending, divergent, missing) = (
        count(State::Pending),
        count(State::Divergent),
        count(State::Missing),
    );
    ctx.out.note(format!(
        "schema at V{}; {} applied, {pending} pending, {divergent} divergent, {missing} missing",
        mig::current_version(&history),
        count(State::Applied)
    ));
    if args.check && pending + divergent + missing > 0 {
        return Ok(Exit::FAILURE);
    }
    Ok(Exit::SUCCESS)
}
