//! The one database connection of an MCP session. Tool calls take it in turn (a call holds it
//! for its statements, never while it waits for work); it is opened on first use and opened
//! again when it was lost (a server restart, a failover: `db::connect` tries the configured
//! hosts in order; a statement that found it ended, `db::connection_lost`) or when a call got
//! no answer in time. With `--read-only` every transaction
//! on it is read-only.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::db::{ConnSpec, Db};
use crate::exit::failed;
use crate::output::Output;

pub struct Conn {
    spec: ConnSpec,
    actor: String,
    out: Output,
    read_only: bool,
    slot: Mutex<Option<Db>>,
    /// The connection was found no good ([`Conn::discard`]): open a new one next time.
    stale: AtomicBool,
}

/// The connection, held by one call until dropped.
pub type Held<'a> = MappedMutexGuard<'a, Db>;

impl Conn {
    pub fn new(spec: ConnSpec, actor: String, out: Output, read_only: bool) -> Conn {
        Conn {
            spec,
            actor,
            out,
            read_only,
            slot: Mutex::new(None),
            stale: AtomicBool::new(false),
        }
    }

    /// The session's connection, (re)opened when there is none, it closed, or a call gave up
    /// on it; held until the returned guard is dropped.
    pub async fn hold(&self) -> Result<Held<'_>> {
        let mut slot = self.slot.lock().await;
        let stale = self.stale.swap(false, Ordering::SeqCst);
        if let Some(db) = slot.as_ref() {
            if db.is_closed() || stale {
                self.out.note(format!(
                    "taskdb mcp: the connection to {} was lost; reconnecting",
                    db.target
                ));
                *slot = None;
            }
        }
        if slot.is_none() {
            *slot = Some(self.open().await?);
        }
        MutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| failed("the database connection was lost while opening it"))
    }

    async fn open(&self) -> Result<Db> {
        let mut db = crate::db::connect(&self.spec, &self.actor, &self.out).await?;
        if self.read_only {
            db.set_read_only();
        }
        self.out
            .debug(1, format!("taskdb mcp: connected to {}", db.target));
        Ok(db)
    }

    /// The connection is no good: a call got no answer in time (a server that vanished
    /// without closing it), or a statement found it ended. The next call opens another.
    pub fn discard(&self) {
        self.stale.store(true, Ordering::SeqCst);
    }

    /// How the session reaches the database (for the connections that are not the session's:
    /// a waiting claim's listener, `health_summary`'s run).
    pub fn spec(&self) -> &ConnSpec {
        &self.spec
    }

    /// The one line the CLI would print for `err`: a refused privilege (42501) names the role
    /// the session connects as, as `lib::run` does for a command.
    pub fn error_line(&self, err: anyhow::Error) -> String {
        crate::db::error_line(&crate::db::explain_refusal(err, Some(&self.spec.user)))
    }

    /// Who the session acts as (the audit log's actor, the holder of its claims).
    pub fn actor(&self) -> &str {
        &self.actor
    }
}
