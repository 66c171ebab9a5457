//! A claim that waits for work (`task next --claim --wait`, the MCP server's `next_task` with
//! `wait_seconds`): claim, and while nothing is claimable wait for a task to become so — woken
//! by the schema's `NOTIFY taskdb_ready` (a new ready task, a blocker completed, a release), at
//! the earliest lease end (an expiry notifies nobody), or by polling where listening is off or
//! impossible ([`crate::db::listen::Waiter`]).

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use tokio::time::Instant;

use super::{claim, until_next_expiry, ClaimRequest, Task};
use crate::db::listen::Waiter;
use crate::db::reconnect::{gave_up, is_retryable, Backoff};
use crate::db::Db;
use crate::output::Output;

/// Where a waiting claim runs its statements: a connection of its own, or a shared one taken
/// for each statement and handed back while waiting (the MCP server's).
pub trait ClaimTarget: Sync {
    /// [`claim`] once.
    fn claim(&self, req: &ClaimRequest<'_>) -> impl Future<Output = Result<Vec<Task>>> + Send;
    /// [`until_next_expiry`].
    fn until_next_expiry(&self) -> impl Future<Output = Result<Option<Duration>>> + Send;
}

impl ClaimTarget for Db {
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
    claim_waiting_through(target, req, waiter, deadline, None, out).await
}

/// [`claim_waiting`], riding through a failover with `backoff`: a round that fails because the
/// database cannot be reached (exit 6; `target` opens a new connection by itself) is tried
/// again after the backoff's wait, within its budget and `deadline`, then that error ends the
/// wait. Without a backoff the first failure does.
pub async fn claim_waiting_through<T: ClaimTarget>(
    target: &T,
    req: &ClaimRequest<'_>,
    waiter: &mut Waiter,
    deadline: Instant,
    mut backoff: Option<&mut Backoff>,
    out: &Output,
) -> Result<Option<Vec<Task>>> {
    loop {
        let round = async {
            let claimed = target.claim(req).await?;
            if !claimed.is_empty() {
                return Ok(Ok(claimed));
            }
            Ok(Err(target.until_next_expiry().await?))
        }
        .await;
        let now = Instant::now();
        let next_expiry = match round {
            Ok(Ok(claimed)) => return Ok(Some(claimed)),
            Ok(Err(next_expiry)) => {
                if let Some(b) = backoff.as_deref_mut() {
                    reconnected(b, out);
                }
                next_expiry
            }
            Err(e) => match backoff.as_deref_mut() {
                Some(b) if is_retryable(&e) => {
                    let pause = pause_after(b, e, now, deadline, out)?;
                    tokio::time::sleep_until(pause).await;
                    continue;
                }
                _ => return Err(e),
            },
        };
        if now >= deadline {
            return Ok(None);
        }
        // A lease that ends before the deadline makes its task claimable then (10 ms after,
        // so the server's clock has passed it). One that already ended is being handed back by
        // another claim (its row was locked): look again shortly, not in a busy loop.
        let until = match next_expiry {
            Some(d) => deadline.min(now + (d + Duration::from_millis(10)).max(RECHECK)),
            None => deadline,
        };
        let wake = waiter.wait(until).await;
        out.debug(2, format!("woken: {wake:?}"));
    }
}

/// A round succeeded: say so if rounds had been failing, and restore the backoff's budget.
fn reconnected(backoff: &mut Backoff, out: &Output) {
    if let Some(since) = backoff.failing_since() {
        out.note(format!(
            "connected again after {}",
            crate::units::format_duration(since.elapsed().as_secs_f64())
        ));
    }
    backoff.succeeded();
}

/// A round failed with `e` (retryable) at `now`: when to try again, or the error that ends the
/// wait (the budget spent, or the deadline passed). Warns at the first failure.
fn pause_after(
    backoff: &mut Backoff,
    e: anyhow::Error,
    now: Instant,
    deadline: Instant,
    out: &Output,
) -> Result<Instant> {
    let first = backoff.failing_since().is_none();
    let Some(pause) = backoff.failed(now.into_std()) else {
        return Err(gave_up(e, backoff.budget()));
    };
    if now >= deadline {
        return Err(e.context("the --wait ended while the database could not be reached"));
    }
    if first {
        out.warn(format!(
            "{e:#}; reconnecting for up to {}",
            crate::units::format_duration(backoff.budget().as_secs_f64())
        ));
    }
    Ok(deadline.min(now + pause))
}
