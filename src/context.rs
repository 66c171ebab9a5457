//! The per-process context every command receives: settings, output, and the connection spec,
//! resolved on first use (so `--help` and commands without a database stay instant) and then
//! shared by every connection and child tool of the process.

use anyhow::Result;
use tokio::sync::OnceCell;

use crate::db::{ConnSpec, Db, ToolConn};
use crate::options::GlobalOpts;
use crate::output::Output;
use crate::settings::Settings;

pub struct Context {
    pub settings: Settings,
    pub out: Output,
    pub global: GlobalOpts,
    spec: OnceCell<ConnSpec>,
}

impl Context {
    pub fn new(global: GlobalOpts) -> Result<Context> {
        let out = Output::new(&global);
        let settings = Settings::load(&global)?;
        Ok(Context {
            settings,
            out,
            global,
            spec: OnceCell::new(),
        })
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
                let spec = crate::db::resolve(&self.settings, &self.out).await?;
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
