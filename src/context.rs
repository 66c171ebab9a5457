//! The per-process context every command receives: settings, output, and the connection spec,
//! resolved on first use (so `--help` and commands without a database stay instant) and then
//! shared by every connection and child tool of the process.

use anyhow::Result;
use tokio::sync::OnceCell;

use crate::db::route::Purpose;
use crate::db::{ConnSpec, Db, ToolConn};
use crate::exit::usage;
use crate::options::{DatabaseUse, GlobalOpts};
use crate::output::Output;
use crate::settings::{Settings, Sourced};

pub struct Context {
    pub settings: Settings,
    pub out: Output,
    pub global: GlobalOpts,
    /// What the command does with the database (routes its connections: `ConnSpec::route`).
    purpose: Purpose,
    spec: OnceCell<ConnSpec>,
}

impl Context {
    /// The context of a command that uses the database as `use_` says: in read-only mode a
    /// command that writes is refused here, before anything else happens (exit 2).
    pub fn new(global: GlobalOpts, use_: DatabaseUse) -> Result<Context> {
        let out = Output::new(&global);
        let settings = Settings::load(&global)?;
        let purpose = purpose(use_, &settings.read_only)?;
        Ok(Context {
            settings,
            out,
            global,
            purpose,
            spec: OnceCell::new(),
        })
    }

    /// Read-only mode (`--read-only`, `TASKDB_READ_ONLY`, `[database] read_only`).
    pub fn read_only(&self) -> bool {
        self.settings.read_only.value
    }

    /// The actor recorded in the audit log for this process.
    pub fn actor(&self) -> &str {
        &self.settings.actor.value
    }

    /// The role taskdb connects as, once the connection settings were resolved (None before).
    pub fn connected_role(&self) -> Option<&str> {
        self.spec.get().map(|s| s.user.as_str())
    }

    /// How to reach the configured database, resolved once per process (starting the managed
    /// local cluster when nothing is configured). Its warnings are shown once.
    pub async fn spec(&self) -> Result<&ConnSpec> {
        self.spec
            .get_or_try_init(|| async {
                let mut spec = crate::db::resolve(&self.settings, &self.out).await?;
                spec.route(self.purpose.clone())?;
                for warning in &spec.warnings {
                    self.out.warn(warning);
                }
                Ok(spec)
            })
            .await
    }

    /// Connect to the configured database. The session has `application_name=taskdb`; its
    /// transactions have `taskdb.actor` set (`db::Db`).
    pub async fn db(&self) -> Result<Db> {
        crate::db::connect(self.spec().await?, self.actor(), &self.out).await
    }

    /// How pg_dump, pg_restore and psql reach the configured database.
    pub async fn tool_conn(&self) -> Result<ToolConn> {
        ToolConn::from_spec(self.spec().await?)
    }
}

/// What a command's connections are for; a command that writes is refused in read-only mode.
fn purpose(use_: DatabaseUse, read_only: &Sourced<bool>) -> Result<Purpose> {
    Ok(match (use_, read_only.value) {
        (DatabaseUse::Writes(command), true) => {
            return Err(usage(format!(
                "`taskdb {command}` writes to the database, but read-only mode is on (from {}): only commands that read run in it",
                read_only.source
            )))
        }
        (_, true) => Purpose::ReadOnly(read_only.source.to_string()),
        (DatabaseUse::Reads, false) => Purpose::Reads,
        (DatabaseUse::Writes(command) | DatabaseUse::WritesUnlessReadOnly(command), false) => {
            Purpose::Writes(command)
        }
    })
}
