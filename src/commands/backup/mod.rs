//! `taskdb backup create|list|verify|restore|prune`: verified `pg_dump -Fc` backups, encrypted
//! with age when `backup.encrypt_to` (or `--encrypt-to`) names recipients. Restoring is in
//! `restore`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::context::Context;
use crate::db::backup::{self, orphans, Identities, VerifyError};
use crate::db::pgtools::find_tools;
use crate::exit::{failed, usage, Exit};
use crate::options::DatabaseUse;
use crate::units::format_bytes_iec;

mod restore;

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  taskdb backup create --reason nightly        # into backup.dir, verified, with a manifest
  taskdb backup create --encrypt-to age1…      # encrypted with age (or: [backup] encrypt_to)
  taskdb backup list --format json
  taskdb backup verify ~/.local/state/taskdb/backups/taskdb_20261125T093000Z_v4_nightly.dump
  taskdb backup verify FILE.dump.age --identity key.txt   # decrypt and read it to the end
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
pg_dump must be at least as new as the server (else the package to install is named).

Encrypted: with --encrypt-to RECIPIENT (repeatable) or, without it, the recipients of
[backup] encrypt_to / TASKDB_BACKUP_ENCRYPT_TO, pg_dump's output is encrypted with age as it is
written, into <file>.dump.age (an ordinary age file: `age -d -i KEYFILE` opens it). The manifest
records the recipients and the sha256 and size of the ciphertext. To verify it without any
recipient's secret key, the file is also encrypted to a one-time key that taskdb holds in memory
only while it reads the backup back, then forgets."
    )]
    Create(CreateArgs),
    /// List the backups in the backup directory (from their manifests) and interrupted ones
    List,
    /// Check that a backup is readable to the end and matches its manifest
    #[command(
        long_about = "Check that a backup is readable to the end and matches its manifest.

The file must be a non-empty pg_dump custom-format archive, or an age-encrypted one. When a
manifest is beside it (<file>.json), its size and sha256 must match. Then pg_restore reads the
table of contents and every data block to the end.
An encrypted backup is decrypted as pg_restore reads it with --identity KEYFILE (an age
identity file, AGE-SECRET-KEY-1… lines). Without --identity only the ciphertext is checked
against the manifest (reported, exit 0: it was not decrypted); without a manifest either, there
is nothing to check and it is refused (exit 2).
Exit codes: 0 ok; 1 the file fails verification (damaged, truncated, modified: a changed byte
of an encrypted file fails decryption); 2 bad input: a missing file, an unreadable or invalid
identity file, an identity the file is not encrypted to."
    )]
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
backup was: objects created after the backup are gone too.
An encrypted backup (age) needs --identity KEYFILE: it is decrypted as pg_restore reads it, never
written to disk in the clear. Without --identity, or with an identity it is not encrypted to,
it is refused before anything is touched (exit 2)."
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
    /// Encrypt with age to this recipient (age1…, as `age-keygen -y` prints it; repeatable);
    /// replaces backup.encrypt_to for this backup
    #[arg(long, value_name = "RECIPIENT")]
    encrypt_to: Vec<String>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The .dump (or encrypted .dump.age) file
    file: PathBuf,
    /// age identity file to decrypt an encrypted backup with (AGE-SECRET-KEY-1… lines, as
    /// age-keygen writes them; repeatable)
    #[arg(long, value_name = "KEYFILE")]
    identity: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The .dump (or encrypted .dump.age) file
    file: PathBuf,
    /// Restore into this new database instead of over the current one
    #[arg(long, value_name = "DBNAME")]
    into: Option<String>,
    /// Restoring over the current database: skip the safety backup of its current state
    #[arg(long)]
    no_backup: bool,
    /// age identity file to decrypt an encrypted backup with (needed for one; repeatable)
    #[arg(long, value_name = "KEYFILE")]
    identity: Vec<PathBuf>,
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

impl BackupArgs {
    /// Which subcommands write to the database (refused in read-only mode and on a standby);
    /// `create` only reads (pg_dump), so it may run on a standby.
    pub fn database_use(&self) -> DatabaseUse {
        match &self.cmd {
            BackupCmd::Restore(_) => DatabaseUse::Writes("backup restore"),
            _ => DatabaseUse::Reads,
        }
    }
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
        BackupCmd::Restore(a) => restore::restore(a, ctx).await,
        BackupCmd::Prune(a) => prune(a, ctx),
    }
}

fn manifest_fields(path: &std::path::Path, m: &backup::Manifest) -> Vec<(&'static str, String)> {
    let mut fields = vec![
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
    ];
    if let Some(e) = &m.encryption {
        fields.push((
            "encrypted_to",
            format!("{}: {}", e.method, e.recipients.join(", ")),
        ));
    }
    fields
}

async fn create(args: CreateArgs, ctx: &Context) -> Result<Exit> {
    let flagged = args
        .encrypt_to
        .iter()
        .map(|t| {
            crate::settings::parse_recipient(t).map_err(|e| usage(format!("--encrypt-to: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let target = match flagged.is_empty() {
        true => backup::Target::from_settings(&ctx.settings),
        false => backup::Target {
            dir: &ctx.settings.backup_dir.value,
            encrypt_to: &flagged,
        },
    };
    let db = ctx.db().await?;
    // The server `db` reached (with several hosts, the primary), not the first one listed.
    let config = crate::db::ToolConn::reached(ctx.spec().await?, &db)?;
    let created =
        backup::create(&db, &config, &target, &args.reason, ctx.actor(), &ctx.out).await?;
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
    let how = match &created.manifest.encryption {
        Some(e) => format!(", encrypted to {} recipient(s),", e.recipients.len()),
        None => String::new(),
    };
    ctx.out.note(format!(
        "backup written{how} and verified: {}",
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
        listed: Box<backup::Listed>,
    },
    Incomplete(orphans::Leftover),
}

impl ListRow {
    fn backup(listed: backup::Listed) -> ListRow {
        ListRow::Backup {
            status: if listed.present { "ok" } else { "file_gone" },
            listed: Box::new(listed),
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

/// The identities of `--identity` (None without the flag). Bad files are exit 2.
fn identities(paths: &[PathBuf], ctx: &Context) -> Result<Option<Identities>> {
    if paths.is_empty() {
        return Ok(None);
    }
    Identities::load(paths, &ctx.out).map(Some)
}

async fn verify(args: VerifyArgs, ctx: &Context) -> Result<Exit> {
    check_file_arg(&args.file)?;
    let ids = identities(&args.identity, ctx)?;
    let tools = find_tools(None)?;
    let v = backup::verify(&args.file, &tools, ids.as_ref(), &ctx.out)
        .await
        .map_err(|e| match e {
            VerifyError::Key(why) => usage(why),
            VerifyError::File(why) => failed(format!("verification failed: {why}")),
        })?;
    if ids.is_some() && !v.encrypted {
        ctx.out.warn(format!(
            "{} is not encrypted: --identity was not needed",
            args.file.display()
        ));
    }
    let mut fields = vec![
        ("file", v.file.display().to_string()),
        ("size", format_bytes_iec(v.size_bytes)),
        ("sha256", v.sha256.clone()),
        (
            "encryption",
            match (v.encrypted, v.decrypted) {
                (false, _) => "none".to_string(),
                (true, true) => "age: decrypted and read to the end".to_string(),
                (true, false) => "age: not decrypted (no --identity)".to_string(),
            },
        ),
        (
            "toc_entries",
            v.toc_entries
                .map_or_else(|| "(not read)".to_string(), |n| n.to_string()),
        ),
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
    ctx.out.note(if v.encrypted && !v.decrypted {
        format!(
            "{}: the ciphertext matches its manifest; not decrypted (--identity KEYFILE reads the archive to the end)",
            args.file.display()
        )
    } else {
        format!("{}: ok", args.file.display())
    });
    Ok(Exit::SUCCESS)
}
