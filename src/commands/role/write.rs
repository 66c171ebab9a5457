//! `role create`, `role rotate`, `role drop`: every flag and file checked first, then the
//! connected role's right to manage roles, then one transaction each.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::{input, CreateArgs, DropArgs, RotateArgs};
use crate::context::Context;
use crate::db::roles::{self as q, kinds_text, Kind, NewRole, Outcome};
use crate::db::Db;
use crate::exit::{failed, not_permitted, usage, Exit};
use crate::options::Format;
use crate::platform::{random_hex, write_private_file};

/// Random bytes in a generated password (256 bits; 64 hex characters).
const GENERATED_BYTES: usize = 32;

/// Where a new password goes: a 0600 file, or stdout.
enum SecretTo<'a> {
    File(&'a Path),
    Stdout,
}

impl<'a> SecretTo<'a> {
    fn of(file: Option<&'a Path>, stdout: bool) -> Option<SecretTo<'a>> {
        match (file, stdout) {
            (Some(f), _) => Some(SecretTo::File(f)),
            (None, true) => Some(SecretTo::Stdout),
            (None, false) => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            SecretTo::File(f) => format!("written to {} (mode 0600)", f.display()),
            SecretTo::Stdout => "printed on stdout".into(),
        }
    }
}

/// Connect and make sure the connected role may manage roles, and that the group roles exist.
async fn managing(ctx: &Context, verb: &str) -> Result<Db> {
    let db = ctx.db().await?;
    let m = q::manager(&db).await?;
    if !m.groups_exist {
        return Err(failed(
            "taskdb's group roles (taskdb_reader, taskdb_agent, taskdb_operator) do not exist on this server: run `taskdb migrate up` (migration V16 creates them)",
        ));
    }
    if !m.can_manage {
        return Err(not_permitted(format!(
            "role {verb} needs a connected role with CREATEROLE (or a superuser): {} has neither; connect as the schema owner or an administrator",
            m.role
        )));
    }
    Ok(db)
}

/// What `role create` / `role rotate` report (never the password).
#[derive(Debug, Serialize)]
struct Report<'a> {
    role: &'a str,
    kind: &'a str,
    #[serde(flatten)]
    outcome: Outcome,
    /// none, unchanged, set, generated.
    password: &'a str,
    /// Where a generated password went.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

pub(super) async fn create(a: CreateArgs, ctx: &Context) -> Result<Exit> {
    let name = input::new_role_name(&a.name)?;
    let kind = input::kind(&a.kind)?;
    let valid_until = a
        .valid_until
        .as_deref()
        .map(|t| input::valid_until(t, chrono::Utc::now()))
        .transpose()?;
    let secret_to = SecretTo::of(a.secret_file.as_deref(), a.stdout);
    if a.generate && secret_to.is_none() {
        return Err(usage(
            "--generate needs --secret-file FILE (written with mode 0600) or --stdout",
        ));
    }
    let password = match &a.password_file {
        Some(path) => Some(input::password_file(path)?),
        None if a.generate => Some(random_hex(GENERATED_BYTES)?),
        None => None,
    };
    let verifier = password.as_deref().map(q::scram_verifier);
    let mut db = managing(ctx, "create").await?;
    let existing = q::lookup(&db, name).await?;
    // A generated password is only for a new role: an existing one keeps its own.
    let generated_for_new = a.generate && existing.is_none();
    let new = NewRole {
        name,
        kind,
        verifier: if a.generate && !generated_for_new {
            None
        } else {
            verifier.as_deref()
        },
        valid_until,
        connection_limit: a.connection_limit,
    };
    let secret_to = if generated_for_new { secret_to } else { None };
    let outcome =
        create_and_keep_secret(&mut db, &new, secret_to.as_ref(), password.as_deref()).await?;
    let password_said = if a.password_file.is_some() {
        "set"
    } else if generated_for_new {
        "generated"
    } else if outcome == Outcome::Created {
        "none"
    } else {
        "unchanged"
    };
    let report = Report {
        role: name,
        kind: kind.name(),
        outcome,
        password: password_said,
        secret: secret_to.as_ref().map(SecretTo::describe),
    };
    let on_stdout = matches!(secret_to, Some(SecretTo::Stdout));
    say_created(ctx, &report, a.generate, on_stdout)?;
    if let (true, Some(p)) = (on_stdout, &password) {
        ctx.out.line(p)?;
    }
    Ok(Exit::SUCCESS)
}

/// Create (or find) the role; a generated password for a new role is written to its 0600 file
/// before the transaction commits, so a file that cannot be written leaves no role behind.
async fn create_and_keep_secret(
    db: &mut Db,
    new: &NewRole<'_>,
    secret_file: Option<&SecretTo<'_>>,
    password: Option<&str>,
) -> Result<Outcome> {
    match (secret_file, password) {
        (Some(SecretTo::File(path)), Some(p)) => {
            let path = path.to_path_buf();
            let contents = format!("{p}\n");
            q::create(db, new, move || {
                write_private_file(&path, contents.as_bytes())
            })
            .await
        }
        _ => q::create(db, new, || Ok(())).await,
    }
}

/// The report: JSON on stdout, or a note on stderr (also in JSON mode when stdout carries the
/// password alone).
fn say_created(
    ctx: &Context,
    r: &Report<'_>,
    generate: bool,
    password_on_stdout: bool,
) -> Result<()> {
    if ctx.out.format() == Format::Json && !password_on_stdout {
        return ctx.out.json(r);
    }
    let what = match &r.outcome {
        Outcome::Created => format!("created role {} ({})", r.role, r.kind),
        Outcome::Existed { changed } if changed.is_empty() => {
            format!("role {} ({}) exists: nothing changed", r.role, r.kind)
        }
        Outcome::Existed { changed } => format!(
            "role {} ({}) exists: set {}",
            r.role,
            r.kind,
            changed.join(", ")
        ),
    };
    let password = match (r.password, &r.secret) {
        ("generated", Some(to)) => format!("; its password was {to}"),
        ("unchanged", _) if generate => {
            "; password unchanged (to make a new one: taskdb role rotate)".into()
        }
        ("none", _) => "; no password: it logs in only where pg_hba.conf needs none".into(),
        _ => String::new(),
    };
    ctx.out.note(format!("{what}{password}"));
    Ok(())
}

/// The role `name` must be one of taskdb's login roles (not a group role, not someone else's).
async fn taskdb_role(db: &Db, name: &str) -> Result<Vec<Kind>> {
    let Some(existing) = q::lookup(db, name).await? else {
        return Err(usage(format!("no role {name} on this server")));
    };
    if existing.is_group {
        return Err(usage(format!(
            "{name} is one of taskdb's group roles, not a login role"
        )));
    }
    if existing.kinds.is_empty() {
        return Err(usage(format!(
            "role {name} is not a taskdb role (a member of taskdb_reader, taskdb_agent or taskdb_operator): taskdb manages only its own"
        )));
    }
    Ok(existing.kinds)
}

pub(super) async fn rotate(a: RotateArgs, ctx: &Context) -> Result<Exit> {
    let to = SecretTo::of(a.secret_file.as_deref(), a.stdout)
        .ok_or_else(|| usage("say where the new password goes: --secret-file FILE or --stdout"))?;
    let mut db = managing(ctx, "rotate").await?;
    let kinds = taskdb_role(&db, &a.name).await?;
    let password = random_hex(GENERATED_BYTES)?;
    let verifier = q::scram_verifier(&password);
    let tx = db.transaction();
    q::set_password(&tx, &a.name, &verifier).await?;
    if let SecretTo::File(path) = &to {
        // Before the commit: a file that cannot be written leaves the old password working.
        write_private_file(path, format!("{password}\n").as_bytes())?;
    }
    tx.commit().await.map_err(|e| match &to {
        SecretTo::File(path) => failed(format!(
            "the new password could not be committed ({e}): the one in {} does not work, the old one still does",
            path.display()
        )),
        SecretTo::Stdout => crate::db::db_error(e),
    })?;
    ctx.out.note(format!(
        "new password of {} ({}): {}; the old one no longer works (sessions already open stay open)",
        a.name,
        kinds_text(&kinds),
        to.describe()
    ));
    if let SecretTo::Stdout = to {
        ctx.out.line(&password)?;
    }
    Ok(Exit::SUCCESS)
}

pub(super) async fn drop(a: DropArgs, ctx: &Context) -> Result<Exit> {
    let mut db = managing(ctx, "drop").await?;
    if q::lookup(&db, &a.name).await?.is_none() {
        ctx.out.note(format!(
            "no role {} on this server: nothing to drop",
            a.name
        ));
        return Ok(Exit::SUCCESS);
    }
    let kinds = taskdb_role(&db, &a.name).await?;
    let note = format!("role {} dropped by {}", a.name, ctx.actor());
    let dropped = match q::drop_role(&mut db, &a.name, a.force, &note).await? {
        Ok(d) => d,
        Err(held) => {
            let ids: Vec<String> = held.iter().map(|t| format!("#{}", t.short_id)).collect();
            return Err(usage(format!(
                "role {} holds {} task(s) ({}): let it finish or release them, or drop it with --force to hand them back",
                a.name,
                held.len(),
                ids.join(", ")
            )));
        }
    };
    if ctx.out.format() == Format::Json {
        ctx.out.json(&dropped)?;
    }
    let released: Vec<String> = dropped
        .released
        .iter()
        .map(|t| format!("#{}", t.short_id))
        .collect();
    ctx.out.note(format!(
        "dropped role {} ({}){}",
        a.name,
        kinds_text(&kinds),
        if released.is_empty() {
            String::new()
        } else {
            format!("; handed back {}", released.join(", "))
        }
    ));
    if dropped.open_sessions > 0 {
        ctx.out.warn(format!(
            "{} session(s) of {} are still open and keep working until they end (pg_terminate_backend ends them)",
            dropped.open_sessions, a.name
        ));
    }
    Ok(Exit::SUCCESS)
}
