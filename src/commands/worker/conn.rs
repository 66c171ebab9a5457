//! The one connection a worker's claims and runs share (statements are pipelined on it; none
//! opens a transaction), reopened when it broke; and the idle wait.

use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::Result;
use tokio::sync::Mutex;

use crate::context::Context;
use crate::db::listen::Waiter;
use crate::db::tasks::{self as q, ClaimRequest, Task};
use crate::db::Db;
use crate::exit::{failed, unavailable, Exit};

pub(super) struct Conn<'a> {
    ctx: &'a Context,
    db: Mutex<Option<Rc<Db>>>,
}

impl<'a> Conn<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Conn {
            ctx,
            db: Mutex::new(None),
        }
    }

    /// The open connection, or a new one when there is none or it closed.
    pub async fn get(&self) -> Result<Rc<Db>> {
        let mut slot = self.db.lock().await;
        if let Some(db) = slot.as_ref().filter(|db| !db.is_closed()) {
            return Ok(Rc::clone(db));
        }
        *slot = None;
        let db = Rc::new(self.ctx.db().await?);
        *slot = Some(Rc::clone(&db));
        Ok(db)
    }

    /// Forget the connection (a statement on it failed or hung): the next use opens another.
    pub async fn reset(&self) {
        *self.db.lock().await = None;
    }

    /// Run `op` on the connection within `limit`. A failure that is not the schema refusing
    /// (exit 2: TD030 "not held by", a task that is gone…) resets the connection.
    pub async fn call<T, F, Fut>(&self, limit: Duration, op: F) -> Result<T, Failure>
    where
        F: FnOnce(Rc<Db>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let attempt = async {
            let db = self.get().await?;
            op(db).await
        };
        let result = match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            // A server that does not answer (a machine gone without a reset) is unreachable.
            Err(_) => Err(unavailable(format!(
                "no answer from the database within {}",
                crate::units::format_duration(limit.as_secs_f64())
            ))),
        };
        match result {
            Ok(value) => Ok(value),
            Err(e) if crate::exit::code_for(&e) == Exit::USAGE => {
                Err(Failure::Refused(format!("{e:#}")))
            }
            Err(e) => {
                self.reset().await;
                Err(Failure::Unreachable(
                    format!("{e:#}"),
                    crate::exit::code_for(&e),
                ))
            }
        }
    }

    /// Claim (one statement) within `limit`.
    pub async fn claim(&self, req: &ClaimRequest<'_>, limit: Duration) -> Result<Vec<Task>> {
        self.call(limit, |db| async move { q::claim(&db, req).await })
            .await
            .map_err(Failure::into_error)
    }
}

/// Why a statement of a run did not do its work.
#[derive(Debug, Clone)]
pub(super) enum Failure {
    /// The schema refused it: the task is not (or no longer) held by this worker in this
    /// attempt, or is gone.
    Refused(String),
    /// The database could not be reached or did not answer in time (exit 6), or the
    /// statement failed otherwise (the error's exit code): tried again while the lease lasts.
    Unreachable(String, Exit),
}

impl Failure {
    pub fn into_error(self) -> anyhow::Error {
        match self {
            Failure::Refused(m) => crate::exit::usage(m),
            Failure::Unreachable(m, Exit::UNAVAILABLE) => unavailable(m),
            Failure::Unreachable(m, _) => failed(m),
        }
    }
}

/// Bound on the idle wait's lookup of the next lease end (and how soon it looks again when
/// the database does not answer).
const EXPIRY_LOOKUP: Duration = Duration::from_secs(1);
/// The least an idle wait sleeps (a lease that keeps reading as expired — its task locked by
/// someone else — must not make the worker spin).
const MIN_WAIT: Duration = Duration::from_millis(50);

/// The idle wait: LISTEN taskdb_ready on a dedicated connection (`crate::db::listen`), so a
/// task that becomes claimable wakes the worker at once; where listening is off or impossible
/// the waiter polls (`[database] poll_interval`), and `-v` says which.
pub(super) struct IdleWait {
    waiter: Waiter,
}

impl IdleWait {
    /// Start listening (before the first claim). Errors only for a `listen_url` that does not
    /// parse (exit 2).
    pub async fn open(ctx: &Context) -> Result<IdleWait> {
        let waiter = Waiter::open(ctx.spec().await?, &ctx.settings, &ctx.out).await?;
        Ok(IdleWait { waiter })
    }

    /// Return when there may be work to claim, at the latest at `until`: on a notification, or
    /// at the next lease expiry (an expired lease makes its task claimable again without a
    /// notification), or at the poll interval when not listening. A signal ends the wait too:
    /// the worker selects on both, and the waiter is cancellation-safe.
    pub async fn wait_for_work(&mut self, conn: &Conn<'_>, until: Instant) {
        let now = Instant::now();
        let mut wake = until;
        let expiry = conn
            .call(EXPIRY_LOOKUP, |db| async move {
                q::until_next_expiry(&db).await
            })
            .await;
        match expiry {
            // 10 ms after the lease's end, so the server's clock has passed it.
            Ok(Some(d)) => wake = wake.min(now + d + Duration::from_millis(10)),
            Ok(None) => {}
            // The database is not answering: look again shortly rather than sleep to `until`.
            Err(_) => wake = wake.min(now + EXPIRY_LOOKUP),
        }
        let wake = wake.max(now + MIN_WAIT).min(until.max(now));
        let woken = self.waiter.wait(wake.into()).await;
        conn.ctx.out.debug(2, format!("woken: {woken:?}"));
    }
}
