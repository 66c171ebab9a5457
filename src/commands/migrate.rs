//! `taskdb migrate up|down|status|validate`: schema migrations with a lock, backups and downs.

use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::context::Context;
use crate::db::backup;
use crate::db::migrations::{self as mig, MigrationFile, State, StepReport};
use crate::exit::{failed, usage, Exit};

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
lock: a second `migrate up` waits (--lock-wait) and then finds nothing to do. DDL waits at most
--lock-timeout for a table lock; a migration that times out is rolled back and retried.

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
        MigrateCmd::Up(a) => up(a, ctx).await,
        MigrateCmd::Down(a) => down(a, ctx).await,
        MigrateCmd::Status(a) => status(a, ctx).await,
        MigrateCmd::Validate(a) => validate(a, ctx).await,
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

/// What `up`/`down` print at the end.
#[derive(Debug, Serialize)]
struct RunSummary {
    direction: &'static str,
    dry_run: bool,
    from_version: u32,
    to_version: u32,
    backup: Option<std::path::PathBuf>,
    steps: Vec<StepReport>,
}

fn print_summary(ctx: &Context, summary: &RunSummary) -> Result<()> {
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

fn print_plan(
    ctx: &Context,
    direction: &'static str,
    plan: &[(&MigrationFile, &str)],
    from: u32,
    to: u32,
) -> Result<()> {
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
        .iter()
        .map(|(m, sql)| Planned {
            version: m.version,
            name: &m.name,
            file: if direction == "up" {
                m.file_name()
            } else {
                m.down_file_name()
            },
            sql,
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
        let history = if direction == "up" {
            format!(
                "-- then: INSERT INTO refinery_schema_history (version {}, name '{}', …)",
                s.version, s.name
            )
        } else {
            format!(
                "-- then: DELETE FROM refinery_schema_history WHERE version = {}",
                s.version
            )
        };
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

async fn up(args: UpArgs, ctx: &Context) -> Result<Exit> {
    let files = mig::catalog();
    let newest = files.last().map(|m| m.version).unwrap_or(0);
    if let Some(t) = args.target {
        if t > newest {
            return Err(usage(format!(
                "--target {t} is beyond the newest migration (V{newest}); nothing was changed"
            )));
        }
        if !files.iter().any(|m| m.version == t) {
            return Err(usage(format!(
                "--target {t} is not a migration version (versions: {}); nothing was changed",
                versions(&files)
            )));
        }
    }
    let target = args.target.unwrap_or(newest);
    let (lock_timeout, lock_wait) = lock_settings(&args.lock, ctx);
    let mut db = ctx.db().await?;

    if args.dry_run {
        let history = mig::read_history(&db).await?;
        let rows = mig::status(&files, &history);
        mig::ensure_consistent(&rows)?;
        let current = mig::current_version(&history);
        check_up_target(args.target, current)?;
        let plan: Vec<(&MigrationFile, &str)> = pending(&files, &rows, target)
            .into_iter()
            .map(|m| (m, m.up_sql.as_str()))
            .collect();
        let to = plan.last().map(|(m, _)| m.version).unwrap_or(current);
        print_plan(ctx, "up", &plan, current, to)?;
        return Ok(Exit::SUCCESS);
    }

    mig::identify_session(&db, "migrate up").await?;
    mig::acquire_lock(&db, lock_wait, &ctx.out).await?;
    let result = up_locked(&args, ctx, &mut db, &files, target, lock_timeout).await;
    // The lock also ends with the session; releasing early lets a waiting run go on at once.
    let _ = mig::release_lock(&db).await;
    let summary = result?;
    print_summary(ctx, &summary)?;
    Ok(Exit::SUCCESS)
}

fn versions(files: &[MigrationFile]) -> String {
    files
        .iter()
        .map(|m| m.version.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_up_target(target: Option<u32>, current: u32) -> Result<()> {
    if let Some(t) = target {
        if t < current {
            return Err(usage(format!(
                "--target {t} is below the current version V{current}; `migrate up` only goes up (use `migrate down --target {t}`); nothing was changed"
            )));
        }
    }
    Ok(())
}

fn pending<'a>(
    files: &'a [MigrationFile],
    rows: &[mig::StatusRow],
    target: u32,
) -> Vec<&'a MigrationFile> {
    files
        .iter()
        .filter(|m| m.version <= target)
        .filter(|m| {
            rows.iter()
                .any(|r| r.version == m.version && r.state == State::Pending)
        })
        .collect()
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
    let rows = mig::status(files, &history);
    mig::ensure_consistent(&rows)?;
    let current = mig::current_version(&history);
    check_up_target(args.target, current)?;
    let todo = pending(files, &rows, target);
    let mut summary = RunSummary {
        direction: "up",
        dry_run: false,
        from_version: current,
        to_version: current,
        backup: None,
        steps: Vec::new(),
    };
    if todo.is_empty() {
        return Ok(summary);
    }
    if !args.no_backup && mig::holds_data(db, &history).await? {
        let to = todo.last().map(|m| m.version).unwrap_or(current);
        let created =
            take_backup(ctx, db, &format!("before migrate up v{current} to v{to}")).await?;
        summary.backup = Some(created);
    }
    mig::set_lock_timeout(db, lock_timeout).await?;
    let bar = ctx.out.progress(todo.len() as u64, "migrating");
    for (i, file) in todo.iter().enumerate() {
        if i > 0 {
            mig::test_delay().await;
        }
        bar.set_message(file.label());
        let step = mig::apply_up(&mut db.client, file, &ctx.out).await;
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
                return Err(failed(format!("{e:#}; {done}")));
            }
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}

/// A verified backup before a schema change; its failure stops the change.
async fn take_backup(
    ctx: &Context,
    db: &crate::db::Db,
    reason: &str,
) -> Result<std::path::PathBuf> {
    let config = ctx.tool_conn().await?;
    ctx.out.note(format!(
        "taking a backup first ({}; --no-backup to skip)",
        ctx.settings.backup_dir.value.display()
    ));
    let created = backup::create(
        db,
        &config,
        &ctx.settings.backup_dir.value,
        reason,
        ctx.actor(),
        &ctx.out,
    )
    .await
    .context("the backup before the migration failed, so nothing was migrated")?;
    ctx.out.note(format!(
        "backup verified: {} ({})",
        created.path.display(),
        backup::human_bytes(created.manifest.size_bytes)
    ));
    Ok(created.path)
}

async fn down(args: DownArgs, ctx: &Context) -> Result<Exit> {
    if args.steps == Some(0) {
        return Err(usage("--steps must be at least 1; nothing was changed"));
    }
    let files = mig::catalog();
    if let Some(t) = args.target {
        if t != 0 && !files.iter().any(|m| m.version == t) {
            return Err(usage(format!(
                "--target {t} is not a migration version (versions: 0, {}); nothing was changed",
                versions(&files)
            )));
        }
    }
    let (lock_timeout, lock_wait) = lock_settings(&args.lock, ctx);
    let mut db = ctx.db().await?;
    if args.dry_run {
        let history = mig::read_history(&db).await?;
        let plan = down_plan(&args, &files, &history)?;
        let current = mig::current_version(&history);
        let to = down_target(&plan, &history);
        let plan: Vec<(&MigrationFile, &str)> = plan
            .iter()
            .map(|m| (*m, m.down_sql.unwrap_or_default()))
            .collect();
        print_plan(ctx, "down", &plan, current, to)?;
        return Ok(Exit::SUCCESS);
    }
    mig::identify_session(&db, "migrate down").await?;
    mig::acquire_lock(&db, lock_wait, &ctx.out).await?;
    let result = down_locked(&args, ctx, &mut db, &files, lock_timeout).await;
    let _ = mig::release_lock(&db).await;
    let summary = result?;
    print_summary(ctx, &summary)?;
    Ok(Exit::SUCCESS)
}

/// The migrations to revert, newest first; refuses what cannot be done (nothing changed).
fn down_plan<'a>(
    args: &DownArgs,
    files: &'a [MigrationFile],
    history: &[mig::Applied],
) -> Result<Vec<&'a MigrationFile>> {
    let rows = mig::status(files, history);
    mig::ensure_consistent(&rows)?;
    let mut applied: Vec<&MigrationFile> = files
        .iter()
        .filter(|m| history.iter().any(|a| a.version == m.version))
        .collect();
    applied.sort_by_key(|m| std::cmp::Reverse(m.version));
    let current = mig::current_version(history);
    let plan: Vec<&MigrationFile> = match (args.steps, args.target) {
        (_, Some(t)) => {
            if t > current {
                return Err(usage(format!(
                    "--target {t} is above the current version V{current}; `migrate down` only goes down; nothing was changed"
                )));
            }
            applied.into_iter().filter(|m| m.version > t).collect()
        }
        (steps, None) => {
            let n = steps.unwrap_or(1) as usize;
            if n > applied.len() {
                return Err(usage(format!(
                    "--steps {n} but only {} migration(s) are applied; nothing was changed",
                    applied.len()
                )));
            }
            applied.into_iter().take(n).collect()
        }
    };
    if let Some(m) = plan.iter().find(|m| m.down_sql.is_none()) {
        return Err(failed(format!(
            "{} has no down script ({}); nothing was changed",
            m.file_name(),
            m.down_file_name()
        )));
    }
    Ok(plan)
}

/// The version left applied after reverting `plan`.
fn down_target(plan: &[&MigrationFile], history: &[mig::Applied]) -> u32 {
    let lowest_reverted = plan.iter().map(|m| m.version).min();
    match lowest_reverted {
        None => mig::current_version(history),
        Some(low) => history
            .iter()
            .map(|a| a.version)
            .filter(|v| *v < low)
            .max()
            .unwrap_or(0),
    }
}

async fn down_locked(
    args: &DownArgs,
    ctx: &Context,
    db: &mut crate::db::Db,
    files: &[MigrationFile],
    lock_timeout: Duration,
) -> Result<RunSummary> {
    let history = mig::read_history(db).await?;
    let plan = down_plan(args, files, &history)?;
    let current = mig::current_version(&history);
    let to = down_target(&plan, &history);
    let mut summary = RunSummary {
        direction: "down",
        dry_run: false,
        from_version: current,
        to_version: current,
        backup: None,
        steps: Vec::new(),
    };
    if plan.is_empty() {
        return Ok(summary);
    }
    let names: Vec<String> = plan.iter().map(|m| m.label()).collect();
    ctx.out
        .confirm(&format!(
            "revert {} migration(s) ({}) on {}, from V{current} to V{to}? Data in what they created is lost",
            plan.len(),
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
    let bar = ctx.out.progress(plan.len() as u64, "reverting");
    for (i, file) in plan.iter().enumerate() {
        if i > 0 {
            mig::test_delay().await;
        }
        bar.set_message(file.label());
        match mig::apply_down(&mut db.client, file, &ctx.out).await {
            Ok(step) => {
                summary.to_version = history
                    .iter()
                    .map(|a| a.version)
                    .filter(|v| *v < file.version)
                    .max()
                    .unwrap_or(0);
                summary.steps.push(step);
                bar.inc(1);
            }
            Err(e) => {
                bar.abandon();
                return Err(failed(format!(
                    "{e:#}; the schema is at V{}",
                    summary.to_version
                )));
            }
        }
    }
    bar.finish_and_clear();
    Ok(summary)
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

async fn validate(args: ValidateArgs, ctx: &Context) -> Result<Exit> {
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

/// Rehearse every migration on a scratch database: dump, up, down, compare, up again.
async fn roundtrip(ctx: &Context, files: &[MigrationFile]) -> Result<()> {
    let base = ctx.tool_conn().await?;
    let admin = ctx.db().await?;
    let info = backup::server_info(&admin).await?;
    let tools = backup::find_tools(Some(info.major))?;
    let scratch = format!(
        "taskdb_validate_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    // The name is generated here (letters, digits, underscore), never user input.
    admin
        .batch_execute(&format!("CREATE DATABASE {scratch}"))
        .await
        .with_context(|| {
            format!("cannot create the scratch database {scratch} (needs CREATEDB)")
        })?;
    ctx.out
        .note(format!("rehearsing on scratch database {scratch}"));
    let mut config = base.clone();
    config.dbname(&scratch);
    let result = rehearse(ctx, &config, &tools, files).await;
    let dropped = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
        .await;
    if let Err(e) = dropped {
        ctx.out.warn(format!(
            "could not drop the scratch database {scratch}: {e}"
        ));
    }
    result
}

async fn rehearse(
    ctx: &Context,
    config: &crate::db::ToolConn,
    tools: &backup::PgTools,
    files: &[MigrationFile],
) -> Result<()> {
    // The configured server and settings (TLS, failover, password), the scratch database.
    let mut client = ctx
        .spec()
        .await?
        .clone()
        .with_database(config.get_dbname().unwrap_or_default())
        .client()
        .await
        .context("cannot connect to the scratch database")?;
    let bar = ctx.out.progress(files.len() as u64, "rehearsing");
    for file in files {
        bar.set_message(file.label());
        let before = schema_dump(tools, config).await?;
        mig::apply_up(&mut client, file, &ctx.out).await?;
        let after_up = schema_dump(tools, config).await?;
        mig::apply_down(&mut client, file, &ctx.out).await?;
        let after_down = schema_dump(tools, config).await?;
        if let Some(diff) = first_difference(&before, &after_down) {
            bar.abandon();
            return Err(failed(format!(
                "{} does not restore the schema {} left: {diff}",
                file.down_file_name(),
                if file.version == files[0].version {
                    "the empty database".to_string()
                } else {
                    "the previous migration".to_string()
                }
            )));
        }
        mig::apply_up(&mut client, file, &ctx.out).await?;
        let again = schema_dump(tools, config).await?;
        if let Some(diff) = first_difference(&after_up, &again) {
            bar.abandon();
            return Err(failed(format!(
                "{} applied after its down gives a different schema than the first time: {diff}",
                file.file_name()
            )));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// `pg_dump --schema-only` of a database, without the history table and volatile lines.
pub async fn schema_dump(tools: &backup::PgTools, config: &crate::db::ToolConn) -> Result<String> {
    let mut cmd = tokio::process::Command::new(&tools.pg_dump);
    cmd.args([
        "--schema-only",
        "--no-password",
        "--exclude-table",
        mig::HISTORY_TABLE,
    ])
    .stdin(std::process::Stdio::null())
    .kill_on_drop(true);
    backup::apply_connection_env(&mut cmd, config);
    let out = cmd
        .output()
        .await
        .with_context(|| format!("cannot run {}", tools.pg_dump.display()))?;
    if !out.status.success() {
        return Err(failed(format!(
            "pg_dump --schema-only failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(normalize_dump(&String::from_utf8_lossy(&out.stdout)))
}

/// Drop lines that differ between two dumps of the same schema (\restrict keys are random).
fn normalize_dump(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        // Comments only repeat the statement's name; a difference shows in the statement.
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first differing line of two dumps, as "expected … / found …".
fn first_difference(expected: &str, found: &str) -> Option<String> {
    if expected == found {
        return None;
    }
    let e: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
    let f: Vec<&str> = found.lines().filter(|l| !l.trim().is_empty()).collect();
    let i = e
        .iter()
        .zip(&f)
        .position(|(a, b)| a != b)
        .unwrap_or(e.len().min(f.len()));
    let show = |v: &[&str]| {
        v.get(i)
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| "(end of schema)".into())
    };
    Some(format!("expected `{}`, found `{}`", show(&e), show(&f)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_differences_name_the_first_line() {
        assert_eq!(first_difference("a\nb", "a\nb"), None);
        let d = first_difference("a\nb\n", "a\nc\n").unwrap();
        assert!(d.contains("expected `b`, found `c`"), "{d}");
        let d = first_difference("a\n", "a\nextra\n").unwrap();
        assert!(d.contains("(end of schema)") && d.contains("extra"), "{d}");
        assert_eq!(
            normalize_dump("\\restrict abc\nCREATE TABLE t ();\n\\unrestrict abc"),
            "CREATE TABLE t ();"
        );
    }
}
