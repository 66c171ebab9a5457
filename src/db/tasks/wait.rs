//! A claim that waits for work (`task next --claim --wait`, the MCP server's `next_task` with
//! `wait_seconds`): claim, and while nothing is claimable wait for a task to become so — woken
//! by the schema's `NOTIFY taskdb_ready` (a new ready task, a blocker completed, a release), at
//! the earliest lease end (an expiry notifies nobody), or by polling where listening is off or
//! impossible ([`crate::db::listen::Waiter`]).

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use tokio::time::Instant;
use tokio_postgres::GenericClient;

use super::{claim, until_next_expiry, ClaimRequest, Task};
use crate::db::listen::Waiter;
use crate::output::Output;

/// Where a waiting claim runs its statements: a connection of its own, or a shared one taken
/// for each statement and handed back while waiting (the MCP server's).
pub trait ClaimTarget: Sync {
    /// [`claim`] once.
    fn claim(&self, req: &ClaimRequest<'_>) -> impl Future<Output = Result<Vec<Task>>> + Send;
    /// [`until_next_expiry`].
    fn until_next_expiry(&self) -> impl Future<Output = Result<Option<Duration>>> + Send;
}

impl<C: GenericClient + Sync> ClaimTarget for C {
    async fn claim(&self, req: &ClaimRequest<'_>) -> Result<Vec<Task>> {
        claim(self, req).await
    }
    async fn until_next_expiry(&self) -> Result<Option<Duration>> {
        until_next_expiry(self).await
    }
}

/// The shortest wait between two claims of a waiting claim.
const RECHECK: Duration = Duration::from_millis(100);

/// Claim on `target`; while nothing is claimable, wait on `waiter` (opened before this call,
/// so nothing committed after the first attempt is missed) and try again, until `deadline`.
/// None: the wait ended empty.
pub async fn claim_waiting<T: ClaimTarget>(
    target: &T,
    req: &ClaimRequest<'_>,
    waiter: &mut Waiter,
    deadline: Instant,
    out: &Output,
) -> Result<Option<Vec<Task>>> {
    loop {
        let claimed = target.claim(req).await?;
        if !claimed.is_empty() {
            return Ok(Some(claimed));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        // A lease that ends before the deadline makes its task claimable then (10 ms after,
        // so the server's clock has passed it). One that already ended is being handed back by
        // another claim (its row was locked): look again shortly, not in a busy loop.
        let until = match target.until_next_expiry().await? {
            Some(d) => deadline.min(now + (d + Duration::from_millis(10)).max(RECHECK)),
            None => deadline,
        };
        let wake = waiter.wait(until).await;
        out.debug(2, format!("woken: {wake:?}"));
    }
}
