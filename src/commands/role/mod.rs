//! `taskdb role …`: the database roles taskdb's clients log in as. `create` makes a login role of
//! a kind (it joins the group role migration V16 made: taskdb_reader, taskdb_agent or
//! taskdb_operator), `list` and `show` say who may do what, `rotate` gives a new password, `drop`
//! removes one. Input is checked here before anything connects; the SQL is
//! `crate::db::roles`'. Secrets go to a 0600 file (or stdout when asked), never anywhere else.

mod input;
mod write;

use std::path::PathBuf;

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand};

use crate::context::Context;
use crate::db::roles::{self as q, kinds_text};
use crate::exit::{usage, Exit};
use crate::options::{DatabaseUse, Format};
use crate::output::ts;

#[derive(Debug, Args)]
#[command(
    after_help = "Kinds (the group role a login role joins, per database by migration V16):\n  \
    reader    reads tasks, workflows, metrics and the audit trail; writes nothing\n  \
    agent     reads; claims, heartbeats, releases, changes the status of and finishes only the\n            \
              tasks it claimed; records metrics, workflow steps, API calls\n  \
    operator  reads and writes all data (tasks, import/export, maintain); no DDL\n\
    The schema owner (the role `taskdb migrate` runs as) keeps DDL. Managing roles needs a\n\
    connected role with CREATEROLE (or a superuser); without it: exit 5.\n\n\
    Examples:\n  \
    taskdb role create agent_ci --kind agent --generate --secret-file ~/.config/taskdb/agent_ci.password\n  \
    taskdb role create dashboard --kind reader --password-file ./pw --valid-until 2027-01-31\n  \
    taskdb role list\n  \
    taskdb role show agent_ci\n  \
    taskdb role rotate agent_ci --secret-file ~/.config/taskdb/agent_ci.password\n  \
    taskdb role drop agent_ci --force"
)]
pub struct RoleArgs {
    #[command(subcommand)]
    cmd: RoleCmd,
}

#[derive(Debug, Subcommand)]
enum RoleCmd {
    /// Create a login role of a kind (idempotent: an existing role of that kind is kept)
    ///
    /// An existing role of the same kind gets what --password-file, --valid-until and
    /// --connection-limit say and nothing else (--generate makes no new password for it: use
    /// `role rotate`); a role of another kind, or not a taskdb role, is refused (exit 2).
    /// Passwords are sent as a SCRAM-SHA-256 verifier computed here: the server never sees them.
    Create(CreateArgs),
    /// List taskdb's login roles: kind, login, expiry, connections, last activity, leases
    List,
    /// Show a role's attributes and its effective grants in this database
    Show {
        /// The role
        name: String,
    },
    /// Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout
    Rotate(RotateArgs),
    /// Drop a role; refused while it holds tasks unless --force, which hands them back first
    Drop(DropArgs),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("password").args(["password_file", "generate"])))]
#[command(group(ArgGroup::new("secret_to").args(["secret_file", "stdout"])))]
pub(super) struct CreateArgs {
    /// The new role's name (quoted in every statement: any name PostgreSQL allows)
    name: String,
    /// What it is for: reader, agent or operator
    #[arg(long, value_name = "KIND")]
    kind: String,
    /// Set the password to the first line of FILE (without a password the role logs in only
    /// where pg_hba.conf needs none: peer, cert, trust)
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Make up a random password (256 bits, hex); needs --secret-file or --stdout
    #[arg(long)]
    generate: bool,
    /// Where the generated password goes: a new file of mode 0600 (replaced if there)
    #[arg(long, value_name = "FILE", requires = "generate")]
    secret_file: Option<PathBuf>,
    /// Print the generated password on stdout (and nothing else there)
    #[arg(long, requires = "generate")]
    stdout: bool,
    /// The password stops working then: a date (2027-01-31, midnight UTC), an RFC 3339 time,
    /// or infinity
    #[arg(long, value_name = "DATE")]
    valid_until: Option<String>,
    /// At most N sessions at once (-1: no limit)
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = clap::value_parser!(i32).range(-1..=100_000))]
    connection_limit: Option<i32>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("secret_to").args(["secret_file", "stdout"]).required(true)))]
pub(super) struct RotateArgs {
    /// The role
    name: String,
    /// Write the new password to this file, mode 0600 (replaced if there)
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// Print the new password on stdout (and nothing else there)
    #[arg(long)]
    stdout: bool,
}

#[derive(Debug, Args)]
pub(super) struct DropArgs {
    /// The role
    name: String,
    /// Hand back the tasks it holds (pending again, audited) and drop it
    #[arg(long)]
    force: bool,
}

impl RoleArgs {
    /// Which subcommands write (refused in read-only mode and on a standby).
    pub fn database_use(&self) -> DatabaseUse {
        DatabaseUse::Writes(match &self.cmd {
            RoleCmd::List | RoleCmd::Show { .. } => return DatabaseUse::Reads,
            RoleCmd::Create(_) => "role create",
            RoleCmd::Rotate(_) => "role rotate",
            RoleCmd::Drop(_) => "role drop",
        })
    }
}

pub async fn run(args: RoleArgs, ctx: &Context) -> Result<Exit> {
    match args.cmd {
        RoleCmd::Create(a) => write::create(a, ctx).await,
        RoleCmd::List => list(ctx).await,
        RoleCmd::Show { name } => show(&name, ctx).await,
        RoleCmd::Rotate(a) => write::rotate(a, ctx).await,
        RoleCmd::Drop(a) => write::drop(a, ctx).await,
    }
}

async fn list(ctx: &Context) -> Result<Exit> {
    let db = ctx.db().await?;
    let rows = q::list(&db).await?;
    ctx.out.list(&rows)?;
    Ok(Exit::SUCCESS)
}

async fn show(name: &str, ctx: &Context) -> Result<Exit> {
    let format = ctx.out.require_format(&[Format::Table, Format::Json])?;
    let db = ctx.db().await?;
    let Some(d) = q::show(&db, name).await? else {
        return Err(usage(format!("no role {name} on this server")));
    };
    if format == Format::Json {
        ctx.out.json(&d)?;
        return Ok(Exit::SUCCESS);
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let fields = [
        ("role", d.name.clone()),
        ("kind", kinds_text(&d.kinds)),
        ("login", yes_no(d.login)),
        ("superuser", yes_no(d.superuser)),
        ("bypass RLS", yes_no(d.bypass_rls)),
        ("create role", yes_no(d.create_role)),
        ("create db", yes_no(d.create_db)),
        (
            "valid until",
            d.valid_until
                .map_or_else(|| "never".into(), |t| ts(Some(t))),
        ),
        (
            "connection limit",
            if d.connection_limit < 0 {
                "none".into()
            } else {
                d.connection_limit.to_string()
            },
        ),
        ("member of", d.member_of.join(", ")),
        (
            "password",
            d.password
                .clone()
                .unwrap_or_else(|| "(not visible: superusers only)".into()),
        ),
    ];
    ctx.out.record(&d, &fields)?;
    if d.superuser {
        ctx.out
            .note("a superuser bypasses every privilege and row-level security");
    }
    ctx.out.list(&d.grants)?;
    Ok(Exit::SUCCESS)
}
