//! Schema migrations: refinery's runner for the ups, taskdb's own down scripts, history, status,
//! and the advisory lock every run holds.
//!
//! Files: `migrations/V<n>__<name>.sql` (embedded by refinery) and, beside each,
//! `migrations/V<n>__<name>.down.sql` (a name refinery's grammar ignores; embedded by build.rs).
//! History: refinery's `refinery_schema_history` table (version, name, applied_on, checksum).
//!
//! Here: the migrations this binary ships (the catalog). Beside it: `status` (the history and
//! how it compares with the files), `plan` (what `up`/`down` would run), `lock` (the advisory
//! lock and session settings), `apply` (one migration up or down), `rehearse` (up, down, up on
//! a scratch database, compared with `pg_dump --schema-only`).

use std::time::Duration;

mod apply;
mod lock;
mod plan;
mod rehearse;
mod status;

pub use apply::{apply_down, apply_up, history_note, holds_data, StepReport};
pub use lock::{
    acquire_lock, ensure_own_session, identify_session, release_lock, set_lock_timeout, LOCK_KEY,
};
pub use plan::{plan_down, plan_up, up_target, validate_down_args, version_below, versions, Plan};
pub use rehearse::{roundtrip, schema_dump};
pub use status::{
    current_version, ensure_consistent, history_exists, read_history, status, Applied, State,
    StatusRow,
};

mod embedded {
    refinery::embed_migrations!("migrations");
}

include!(concat!(env!("OUT_DIR"), "/down_scripts.rs"));

/// refinery's history table.
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// Test-only: milliseconds to sleep after each applied migration, so that tests can kill a run
/// deterministically between two migrations. Not for production use.
pub const TEST_DELAY_ENV: &str = "TASKDB_TEST_MIGRATION_DELAY_MS";

/// One migration as shipped in this binary.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub version: u32,
    pub name: String,
    pub up_sql: String,
    /// refinery's checksum of (name, version, sql).
    pub checksum: u64,
    pub down_sql: Option<&'static str>,
}

impl MigrationFile {
    pub fn file_name(&self) -> String {
        format!("migrations/V{}__{}.sql", self.version, self.name)
    }
    pub fn down_file_name(&self) -> String {
        format!("migrations/V{}__{}.down.sql", self.version, self.name)
    }
    pub fn label(&self) -> String {
        format!("V{}__{}", self.version, self.name)
    }
}

/// Every embedded migration, oldest first.
pub fn catalog() -> Vec<MigrationFile> {
    let runner = embedded::migrations::runner();
    let mut files: Vec<MigrationFile> = runner
        .get_migrations()
        .iter()
        .map(|m| MigrationFile {
            version: m.version(),
            name: m.name().to_string(),
            up_sql: m.sql().unwrap_or_default().to_string(),
            checksum: m.checksum(),
            down_sql: DOWN_SCRIPTS
                .iter()
                .find(|(v, n, _)| *v == m.version() && *n == m.name())
                .map(|(_, _, sql)| *sql),
        })
        .collect();
    files.sort_by_key(|m| m.version);
    files
}

/// Down scripts that have no up script of the same version and name.
pub fn orphan_down_scripts() -> Vec<String> {
    let ups = catalog();
    DOWN_SCRIPTS
        .iter()
        .filter(|(v, n, _)| !ups.iter().any(|m| m.version == *v && m.name == *n))
        .map(|(v, n, _)| format!("migrations/V{v}__{n}.down.sql"))
        .collect()
}

/// Test hook: pause between migrations when `TASKDB_TEST_MIGRATION_DELAY_MS` is set.
pub async fn test_delay() {
    if let Some(ms) = std::env::var(TEST_DELAY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_migration_has_a_down_script() {
        for m in catalog() {
            assert!(m.down_sql.is_some(), "{} has no down script", m.file_name());
        }
        assert!(
            orphan_down_scripts().is_empty(),
            "{:?}",
            orphan_down_scripts()
        );
    }
}
