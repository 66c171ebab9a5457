//! Shared test helpers: the PostgreSQL harness, a fluent builder for running the real binary
//! (run.rs), a TCP proxy that counts and cuts connections (proxy.rs), and what more than one
//! test module needs. Test modules import from here only.

pub mod cf_fake;
pub mod metrics;
pub mod patroni;
pub mod pg;
pub mod pgbouncer;
mod proxy;
mod run;
pub mod schema;

use std::path::Path;

pub use pg::{DedicatedPg, TestDb, TestPg};
pub use proxy::Proxy;
pub use run::{wait_until, Ran, Spawned, Taskdb};

/// An isolated home for one test: HOME, XDG dirs, no config, no colour; optionally the test
/// database its commands use (like a shell with `DATABASE_URL` exported).
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("taskdb-test-home-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        // The local cluster's server user (postgres, when root) must be able to traverse it.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod sandbox");
        Sandbox {
            dir,
            database_url: None,
        }
    }

    /// A sandbox whose [`Sandbox::taskdb`] commands use `db` (`DATABASE_URL`).
    pub fn on(db: &TestDb) -> Sandbox {
        Sandbox {
            database_url: Some(db.url()),
            ..Sandbox::new()
        }
    }

    /// A sandbox whose commands use the database at `url` (`DATABASE_URL`).
    #[allow(dead_code)]
    pub fn on_url(url: impl Into<String>) -> Sandbox {
        Sandbox {
            database_url: Some(url.into()),
            ..Sandbox::new()
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `taskdb` with an environment that cannot see the developer's own settings, as a
    /// `std::process::Command`: the base of [`Sandbox::taskdb`], and of tests that need a
    /// `Command` of their own.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("taskdb"));
        for (key, _) in std::env::vars() {
            if key.starts_with("PG")
                || key.starts_with("DB_")
                || key.starts_with("TASKDB_")
                || key.starts_with("CLOUDFLARE_")
                || key.starts_with("XDG_")
                || key == "DATABASE_URL"
            {
                cmd.env_remove(&key);
            }
        }
        let home = self.path();
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("TASKDB_LOCAL_DATA_DIR", home.join("local-pg"))
            .env("NO_COLOR", "1")
            .env("TASKDB_ACTOR", "tester@test")
            .current_dir(home);
        cmd
    }
}

/// Run a test's body on a runtime like taskdb's (the test database is made and dropped
/// outside it: the harness uses the blocking client).
pub fn block_on<F: std::future::Future>(body: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(body)
}
