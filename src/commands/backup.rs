//! `taskdb backup create|list|verify|restore`: verified `pg_dump -Fc` backups.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::context::Context;
use crate::db::backup::{self, orphans};
use crate::db::migrations as mig;
use crate::db::pgtools::{find_tools, PgTools};
use crate::exit::{usage, Exit};
use crate::units::format_bytes_iec;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  taskdb backup create --reason nightly        # into backup.dir, verified, with a manifest
  taskdb backup list --format json
  taskdb backup verify ~/.local/state/taskdb/backups/taskdb_20261125T093000Z_v4_nightly.dump
  taskdb backup restore FILE --into taskdb_copy  # into a new database
  taskdb backup restore FILE --yes               # over the current database
  taskdb backup prune --older-than 14d           # retention, e.g. after the nightly backup
  taskdb backup prune --keep 7 --dry-run         # what would go")]
pub struct BackupArgs {
    #[command(subcommand)]
    cmd: BackupCmd,
}

#[derive(Debug, Subcommand)]
enum BackupCmd {
    /// Back up the database with pg_dump -Fc into the backup directory, verified
    #[command(
        long_about = "Back up the database with `pg_dump -Fc` into the backup directory.

The file (0600, directory 0700) is named <database>_<UTC time>_v<schema version>_<reason>.dump
and has a JSON manifest beside it (<file>.json: sha256, size, server and pg_dump versions,
schema version, reason, actor, duration). The backup only counts once pg_restore has read it
back completely and its sha256 matches; otherwise both files are removed and the command fails.
Until then pg_dump writes <file>.partial, renamed only after verification and after the
manifest is written. On SIGINT/SIGTERM pg_dump is stopped and both files are removed; after
kill -9 (pg_dump dies with taskdb) the .partial file stays, shown by `backup list` as
incomplete and removed by `backup prune`.
pg_dump must be at least as new as the server (else the package to install is named)."
    )]
    Create(CreateArgs),
    /// List the backups in the backup directory (from their manifests) and interrupted ones
    List,
    /// Check that a backup is readable to the end and matches its manifest
    Verify(VerifyArgs),
    /// Restore a backup into a new database (--into) or over the current one
    #[command(
        long_about = "Restore a backup made by `taskdb backup create` (or any pg_dump -Fc).

The file is verified first; a missing, empty, truncated or non-dump file is refused before
anything is touched (exit 2). With --into NAME a new database is created and restored into
(it must not exist). Without --into, the current database's objects are dropped and recreated
from the backup in one transaction: every user schema is dropped and the archive's script is
run with psql --single-transaction (all or nothing), after confirmation (--yes) and after a
safety backup of the current state (--no-backup to skip). The database ends up exactly as the
backup was: objects created after the backup are gone too."
    )]
    Restore(RestoreArgs),
    /// Delete old backups from the backup directory (retention)
    #[command(
        long_about = "Delete old backups (the dump and its manifest) from the backup directory.

Per database, a backup goes when it is not among the newest --keep (default 1) AND, if
--older-than is given, was taken longer ago than that. The newest backup of each database is
always kept, so a retention job can never leave a database without a backup, not even when
backups have stopped being made. Only backups with a taskdb manifest are considered, plus the
leftovers of interrupted `backup create` runs (a `<name>.dump.partial` no running backup holds,
a taskdb-named `.dump` without a manifest), which always go; other files in the directory are
never touched. No database connection is made."
    )]
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Why the backup is taken (recorded in the manifest and the file name)
    #[arg(long, value_name = "TEXT", default_value = "manual")]
    reason: String,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The .dump file
    file: PathBuf,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The .dump file
    file: PathBuf,
    /// Restore into this new database instead of over the current one
    #[arg(long, value_name = "DBNAME")]
    into: Option<String>,
    /// Restoring over the current database: skip the safety backup of its current state
    #[arg(long)]
    no_backup: bool,
}

#[derive(Debug, Args)]
struct PruneArgs {
    /// Keep this many newest backups of each database (at least 1)
    #[arg(long, value_name = "N")]
    keep: Option<usize>,
    /// Delete only backups older than this (e.g. 14d, 36h, 2w)
    #[arg(long, value_name = "AGE", value_parser = crate::units::parse_duration)]
    older_than: Option<std::time::Duration>,
    /// Show what would be deleted; delete nothing
    #[arg(long)]
    dry_run: bool,
}

pub async fn run(args: BackupArgs, ctx: &Context) -> Result<Exit> {
    // Refuse an unsupported --format before anything is written, not when printing the result.
    use crate::options::Format;
    ctx.out
        .require_format(&[Format::Table, Format::Json, Format::Csv])?;
    match args.cmd {
        BackupCmd::Create(a) => create(a, ctx).await,
        BackupCmd::List => list(ctx),
        BackupCmd::Verify(a) => verify(a, ctx).await,
        BackupCmd::Restore(a) => restore(a, ctx).await,
        BackupCmd::Prune(a) => prune(a, ctx),
    }
}

fn manifest_fields(path: &std::path::Path, m: &backup::Manifest) -> Vec<(&'static str, String)> {
    vec![
        ("file", path.display().to_string()),
        ("database", m.database.clone()),
        ("created_at", crate::output::ts(Some(m.created_at))),
        ("schema_version", format!("v{}", m.schema_version)),
        ("reason", m.reason.clone()),
        ("size", format_bytes_iec(m.size_bytes)),
        ("sha256", m.sha256.clone()),
        ("server_version", m.server_version.clone()),
        ("pg_dump_version", m.pg_dump_version.clone()),
        ("actor", m.actor.clone()),
        ("duration_ms", m.duration_ms.to_string()),
    ]
}

async fn create(args: CreateArgs, ctx: &Context) -> Result<Exit> {
    let db = ctx.db().await?;
    let config = ctx.tool_conn().await?;
    let created = backup::create(
        &db,
        &config,
        &ctx.settings.backup_dir.value,
        &args.reason,
        ctx.actor(),
        &ctx.out,
    )
    .await?;
    #[derive(Serialize)]
    struct Out<'a> {
        path: &'a std::path::Path,
        manifest_path: &'a std::path::Path,
        verified: bool,
        #[serde(flatten)]
        manifest: &'a backup::Manifest,
    }
    ctx.out.record(
        &Out {
            path: &created.path,
            manifest_path: &created.manifest_path,
            verified: true,
            manifest: &created.manifest,
        },
        &manifest_fields(&created.path, &created.manifest),
    )?;
    ctx.out.note(format!(
        "backup written and verified: {}",
        created.path.display()
    ));
    Ok(Exit::SUCCESS)
}

/// A row of `backup list`/`prune`: a backup with its manifest, or the leftover of an
/// interrupted one (`status` "incomplete").
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum ListRow {
    Backup {
        status: &'static str,
        #[serde(flatten)]
        listed: backup::Listed,
    },
    Incomplete(orphans::Leftover),
}

impl ListRow {
    fn backup(listed: backup::Listed) -> ListRow {
        ListRow::Backup {
            status: if listed.present { "ok" } else { "file_gone" },
            listed,
        }
    }
}

impl crate::output::Row for ListRow {
    fn columns() -> &'static [&'static str] {
        backup::Listed::columns()
    }
    fn cells(&self) -> Vec<String> {
        match self {
            ListRow::Backup { listed, .. } => listed.cells(),
            ListRow::Incomplete(l) => vec![
                crate::output::ts(Some(l.created_at)),
                l.database.clone(),
                format!("v{}", l.schema_version),
                l.reason.clone(),
                format!("incomplete ({})", format_bytes_iec(l.size_bytes)),
                String::new(),
                l.path.display().to_string(),
            ],
        }
    }
}

fn list(ctx: &Context) -> Result<Exit> {
    let dir = &ctx.settings.backup_dir.value;
    let leftovers = orphans::leftovers(dir)?;
    let mut items: Vec<ListRow> = backup::list(dir)?
        .into_iter()
        .filter(|l| !orphans::owns(&leftovers, &l.manifest_path))
        .map(ListRow::backup)
        .collect();
    if !leftovers.is_empty() {
        ctx.out.warn(format!(
            "{} incomplete backup(s) (interrupted; never verified): `taskdb backup prune` removes them",
            leftovers.len()
        ));
    }
    items.extend(leftovers.into_iter().map(ListRow::Incomplete));
    ctx.out.list(&items)?;
    if items.is_empty() {
        ctx.out.note(format!("no backups in {}", dir.display()));
    }
    Ok(Exit::SUCCESS)
}

fn prune(args: PruneArgs, ctx: &Context) -> Result<Exit> {
    if args.keep.is_none() && args.older_than.is_none() {
        return Err(usage(
            "say what to keep: --keep N (newest per database) and/or --older-than AGE",
        ));
    }
    if args.keep == Some(0) {
        return Err(usage(
            "--keep must be at least 1: the newest backup of each database is always kept",
        ));
    }
    let older_than = match args.older_than {
        None => None,
        Some(age) => {
            Some(chrono::Duration::from_std(age).map_err(|_| usage("--older-than is too long"))?)
        }
    };
    let dir = &ctx.settings.backup_dir.value;
    // Interrupted backups never count as backups: they always go (a manifest written just
    // before the interruption goes with its partial dump).
    let leftovers = orphans::leftovers(dir)?;
    let listed: Vec<backup::Listed> = backup::list(dir)?
        .into_iter()
        .filter(|l| !orphans::owns(&leftovers, &l.manifest_path))
        .collect();
    let doomed: Vec<backup::Listed> = backup::prunable(
        &listed,
        args.keep.unwrap_or(1),
        older_than,
        chrono::Utc::now(),
    )
    .into_iter()
    .map(|i| listed[i].clone())
    .collect();
    let freed: u64 = doomed
        .iter()
        .filter(|l| l.present)
        .map(|l| l.manifest.size_bytes)
        .chain(leftovers.iter().map(|l| l.size_bytes))
        .sum();
    if !args.dry_run {
        for l in &doomed {
            backup::remove(l)?;
        }
        for l in &leftovers {
            orphans::remove(l)?;
        }
    }
    let kept = listed.len() - doomed.len();
    let (n, n_left) = (doomed.len(), leftovers.len());
    let rows: Vec<ListRow> = doomed
        .into_iter()
        .map(ListRow::backup)
        .chain(leftovers.into_iter().map(ListRow::Incomplete))
        .collect();
    ctx.out.list(&rows)?;
    ctx.out.note(if args.dry_run {
        format!(
            "dry run: would delete {n} backup(s) and {n_left} incomplete one(s) ({}), keeping {kept}",
            format_bytes_iec(freed)
        )
    } else {
        format!(
            "deleted {n} backup(s) and {n_left} incomplete one(s) ({}), kept {kept} in {}",
            format_bytes_iec(freed),
            dir.display()
        )
    });
    Ok(Exit::SUCCESS)
}

/// A file argument that does not exist or is not a file is bad input (exit 2).
fn check_file_arg(file: &std::path::Path) -> Result<()> {
    match std::fs::metadata(file) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(usage(format!("{} is not a file", file.display()))),
        Err(e) => Err(usage(format!("cannot read {}: {e}", file.display()))),
    }
}

async fn verify(args: VerifyArgs, ctx: &Context) -> Result<Exit> {
    check_file_arg(&args.file)?;
    let tools = find_tools(None)?;
    let v = backup::verify(&args.file, &tools, &ctx.out)
        .await
        .map_err(|why| crate::exit::failed(format!("verification failed: {why}")))?;
    let mut fields = vec![
        ("file", v.file.display().to_string()),
        ("size", format_bytes_iec(v.size_bytes)),
        ("sha256", v.sha256.clone()),
        ("toc_entries", v.toc_entries.to_string()),
        (
            "manifest",
            if v.manifest.is_some() {
                "present, matches".to_string()
            } else {
                "none (sha256 not checked against a record)".to_string()
            },
        ),
    ];
    if let Some(m) = &v.manifest {
        fields.push(("schema_version", format!("v{}", m.schema_version)));
        fields.push(("created_at", crate::output::ts(Some(m.created_at))));
    }
    ctx.out.record(&v, &fields)?;
    ctx.out.note(format!("{}: ok", args.file.display()));
    Ok(Exit::SUCCESS)
}

/// A database name we are willing to create: letters, digits, underscore (no quoting games).
fn valid_db_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

/// What `backup restore` reports.
#[derive(Serialize)]
struct Restored {
    file: PathBuf,
    database: String,
    created_database: bool,
    safety_backup: Option<PathBuf>,
}

async fn restore(args: RestoreArgs, ctx: &Context) -> Result<Exit> {
    check_file_arg(&args.file)?;
    if let Some(name) = &args.into {
        if !valid_db_name(name) {
            return Err(usage(format!(
                "--into {name:?}: use letters, digits and underscores (at most 63, not starting with a digit)"
            )));
        }
    }
    let tools = find_tools(None)?;
    // Refuse a bad file before touching anything.
    let verified = backup::verify(&args.file, &tools, &ctx.out)
        .await
        .map_err(|why| usage(format!("refusing to restore: {why}; nothing was changed")))?;
    let db = ctx.db().await?;
    let config = ctx.tool_conn().await?;
    let info = backup::server_info(&db).await?;
    let tools = find_tools(Some(info.major))?;
    let from = verified
        .manifest
        .as_ref()
        .map(|m| {
            format!(
                " (database {}, schema v{}, {})",
                m.database,
                m.schema_version,
                crate::output::ts(Some(m.created_at))
            )
        })
        .unwrap_or_default();
    let ready = Ready {
        args: &args,
        from,
        tools,
        config,
        db,
    };
    match &args.into {
        Some(name) => restore_into(&ready, name, ctx).await,
        None => restore_over_current(&ready, &info.database, ctx).await,
    }
}

/// A restore that passed its checks: the verified file, the tools, the connection.
struct Ready<'a> {
    args: &'a RestoreArgs,
    /// " (database …, schema v…, …)" from the manifest, or nothing.
    from: String,
    tools: PgTools,
    config: crate::db::ToolConn,
    db: crate::db::Db,
}

/// `--into NAME`: a new database, dropped again when the restore fails.
async fn restore_into(r: &Ready<'_>, name: &str, ctx: &Context) -> Result<Exit> {
    let (args, from, db) = (r.args, &r.from, &r.db);
    if backup::database_exists(db, name).await? {
        return Err(usage(format!(
            "database {name} already exists; --into needs a new name (or restore over the current database without --into); nothing was changed"
        )));
    }
    // The name was checked to be a plain identifier.
    backup::create_database(db, name).await?;
    if let Err(e) = backup::restore_into_new(&r.tools, &r.config, name, &args.file, &ctx.out).await
    {
        backup::drop_database(db, name).await;
        return Err(e.context(format!("database {name} was dropped again")));
    }
    ctx.out.note(format!(
        "restored {}{from} into the new database {name}",
        args.file.display()
    ));
    let r = Restored {
        file: args.file.clone(),
        database: name.to_string(),
        created_database: true,
        safety_backup: None,
    };
    ctx.out.record(
        &r,
        &[
            ("file", r.file.display().to_string()),
            ("database", name.to_string()),
        ],
    )?;
    Ok(Exit::SUCCESS)
}

/// Over the current database, after confirmation and a safety backup, with the migration lock
/// held so no migration runs while the schema is replaced.
async fn restore_over_current(r: &Ready<'_>, database: &str, ctx: &Context) -> Result<Exit> {
    let (args, from, db) = (r.args, &r.from, &r.db);
    ctx.out
        .confirm(&format!(
            "replace the objects and data of database {database} ({}) with backup {}{from}?",
            db.target,
            args.file.display()
        ))
        .await?;
    mig::identify_session(db, "backup restore").await?;
    mig::acquire_lock(
        db,
        std::time::Duration::from_secs(ctx.settings.migrate_lock_wait.value),
        &ctx.out,
    )
    .await?;
    let result = async {
        let safety = if args.no_backup {
            None
        } else {
            ctx.out
                .note("taking a safety backup of the current state first (--no-backup to skip)");
            let created = backup::create(
                db,
                &r.config,
                &ctx.settings.backup_dir.value,
                "before restore",
                ctx.actor(),
                &ctx.out,
            )
            .await
            .context("the safety backup failed, so nothing was restored")?;
            ctx.out
                .note(format!("safety backup: {}", created.path.display()));
            Some(created.path)
        };
        backup::restore_over(&r.tools, &r.config, database, &args.file, &ctx.out).await?;
        Ok::<_, anyhow::Error>(safety)
    }
    .await;
    let _ = mig::release_lock(db).await;
    let safety = result?;
    ctx.out.note(format!(
        "restored {}{from} over database {database}",
        args.file.display()
    ));
    let r = Restored {
        file: args.file.clone(),
        database: database.to_string(),
        created_database: false,
        safety_backup: safety,
    };
    ctx.out.record(
        &r,
        &[
            ("file", r.file.display().to_string()),
            ("database", r.database.clone()),
            (
                "safety_backup",
                r.safety_backup
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "(none)".into()),
            ),
        ],
    )?;
    Ok(Exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_database_names_are_created() {
        assert!(valid_db_name("taskdb_copy"));
        assert!(valid_db_name("_x1"));
        assert!(!valid_db_name("1abc"));
        assert!(!valid_db_name("a\"; DROP DATABASE x; --"));
        assert!(!valid_db_name(""));
        assert!(!valid_db_name(&"a".repeat(64)));
    }
}
