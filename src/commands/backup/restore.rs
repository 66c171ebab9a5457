//! `taskdb backup restore`: into a new database (`--into`) or over the current one (after
//! confirmation and a safety backup, under the migration lock). An encrypted backup needs
//! `--identity`; it is checked (decrypted and read to the end) before anything is touched.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde::Serialize;

use super::{check_file_arg, identities, RestoreArgs};
use crate::context::Context;
use crate::db::backup::{self, Archive, Kind};
use crate::db::migrations as mig;
use crate::db::pgtools::{find_tools, PgTools};
use crate::exit::{usage, Exit};

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

pub(super) async fn restore(args: RestoreArgs, ctx: &Context) -> Result<Exit> {
    check_file_arg(&args.file)?;
    if let Some(name) = &args.into {
        if !valid_db_name(name) {
            return Err(usage(format!(
                "--into {name:?}: use letters, digits and underscores (at most 63, not starting with a digit)"
            )));
        }
    }
    let ids = identities(&args.identity, ctx)?;
    // Other kinds of bad file are refused by the verification below.
    let encrypted = match backup::encryption::kind(&args.file) {
        Ok(Kind::Age) if ids.is_none() => {
            return Err(usage(format!(
                "{} is encrypted (age): restoring it needs --identity KEYFILE (the secret key of a recipient it was encrypted to); nothing was changed",
                args.file.display()
            )))
        }
        Ok(Kind::Plain) if ids.is_some() => {
            ctx.out.warn(format!(
                "{} is not encrypted: --identity is not needed",
                args.file.display()
            ));
            false
        }
        kind => kind == Ok(Kind::Age),
    };
    let archive = Archive {
        path: &args.file,
        identities: if encrypted { ids.as_ref() } else { None },
    };
    let tools = find_tools(None)?;
    // Refuse a bad file (or a key that does not open it) before touching anything.
    let verified = backup::verify(&args.file, &tools, archive.identities, &ctx.out)
        .await
        .map_err(|why| usage(format!("refusing to restore: {why}; nothing was changed")))?;
    let db = ctx.db().await?;
    // The server `db` reached (with several hosts, the primary), not the first one listed.
    let config = crate::db::ToolConn::reached(ctx.spec().await?, &db)?;
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
        archive,
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
    /// The file, and the identities that decrypt it if it is encrypted.
    archive: Archive<'a>,
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
    if let Err(e) = backup::restore_into_new(&r.tools, &r.config, name, &r.archive, &ctx.out).await
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
    mig::ensure_own_session(ctx.spec().await?, "backup restore", &ctx.out).await?;
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
                &backup::Target::from_settings(&ctx.settings),
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
        backup::restore_over(&r.tools, &r.config, database, &r.archive, &ctx.out).await?;
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
