//! The per-process context every command receives: settings, output, and a lazy database
//! connection (connecting only when a command needs one keeps `--help` and friends instant).

use anyhow::Result;

use crate::cli::GlobalOpts;
use crate::db::Db;
use crate::output::Output;
use crate::settings::Settings;

pub struct Context {
    pub settings: Settings,
    pub out: Output,
    pub global: GlobalOpts,
}

impl Context {
    pub fn new(global: GlobalOpts) -> Result<Context> {
        let out = Output::new(&global);
        let settings = Settings::load(&global)?;
        Ok(Context {
            settings,
            out,
            global,
        })
    }

    /// The actor recorded in the audit log for this process.
    pub fn actor(&self) -> &str {
        &self.settings.actor.value
    }

    /// Connect to the configured database (starting the managed local cluster when nothing is
    /// configured). The session has `application_name=taskdb` and `taskdb.actor` set.
    pub async fn db(&self) -> Result<Db> {
        crate::db::connect(self).await
    }
}
