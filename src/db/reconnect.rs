//! Riding through a failover or a restart: which errors are worth trying again (exit 6: no
//! server reachable, or the connection lost), how long to wait between tries (doubling from
//! [`FIRST_DELAY`] to [`MAX_DELAY`]) and when to give up (`[tasks] reconnect_for`).
//! `taskdb worker` and `task next --claim --wait` use it; other commands fail with exit 6 and
//! leave trying again to their caller.

use std::time::{Duration, Instant};

use crate::exit::{code_for, Exit};

/// The wait after the first failure.
pub const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest wait between two tries: a promoted replica is used within this of taking over.
pub const MAX_DELAY: Duration = Duration::from_secs(2);

/// Whether `e` means "the server could not be reached or the connection broke" (exit 6), so
/// that the same statement may succeed on the next connection.
pub fn is_retryable(e: &anyhow::Error) -> bool {
    code_for(e) == Exit::UNAVAILABLE
}

/// The waits between tries while the database cannot be reached, within a budget that starts
/// at the first failure and is restored by a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    budget: Duration,
    since: Option<Instant>,
    delay: Duration,
}

impl Backoff {
    /// Keep trying for `budget` after the first failure (zero: give up at once).
    pub fn new(budget: Duration) -> Backoff {
        Backoff {
            budget,
            since: None,
            delay: FIRST_DELAY,
        }
    }

    /// A try failed at `now`: how long to wait before the next one, or `None` once failures
    /// have lasted the whole budget. The wait never runs past the budget's end.
    pub fn failed(&mut self, now: Instant) -> Option<Duration> {
        let since = *self.since.get_or_insert(now);
        let spent = now.saturating_duration_since(since);
        if spent >= self.budget {
            return None;
        }
        let wait = self.delay.min(self.budget - spent);
        self.delay = (self.delay * 2).min(MAX_DELAY);
        Some(wait)
    }

    /// A try succeeded: the next failure starts a new budget.
    pub fn succeeded(&mut self) {
        self.since = None;
        self.delay = FIRST_DELAY;
    }

    /// When the current run of failures began (None: the last try succeeded).
    pub fn failing_since(&self) -> Option<Instant> {
        self.since
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }
}

/// The error that ends the trying: `e` (its exit code kept), said to be the last of
/// `budget`'s worth of tries.
pub fn gave_up(e: anyhow::Error, budget: Duration) -> anyhow::Error {
    e.context(format!(
        "gave up after {} of trying to reach the database ([tasks] reconnect_for)",
        crate::units::format_duration(budget.as_secs_f64())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_end_with_the_budget() {
        let t0 = Instant::now();
        let mut b = Backoff::new(Duration::from_secs(5));
        assert_eq!(b.failed(t0), Some(Duration::from_millis(250)));
        assert_eq!(b.failing_since(), Some(t0));
        assert_eq!(b.failed(t0), Some(Duration::from_millis(500)));
        assert_eq!(b.failed(t0), Some(Duration::from_secs(1)));
        assert_eq!(b.failed(t0), Some(Duration::from_secs(2)));
        assert_eq!(b.failed(t0), Some(Duration::from_secs(2)));
        // Never past the budget's end, and none after it.
        let late = t0 + Duration::from_millis(4500);
        assert_eq!(b.failed(late), Some(Duration::from_millis(500)));
        assert_eq!(b.failed(t0 + Duration::from_secs(5)), None);
        // A success starts over.
        b.succeeded();
        assert_eq!(b.failing_since(), None);
        let t1 = t0 + Duration::from_secs(60);
        assert_eq!(b.failed(t1), Some(FIRST_DELAY));
    }

    #[test]
    fn a_zero_budget_gives_up_at_the_first_failure() {
        let mut b = Backoff::new(Duration::ZERO);
        assert_eq!(b.failed(Instant::now()), None);
    }

    #[test]
    fn only_unavailable_errors_are_retried_and_giving_up_keeps_the_code() {
        assert!(is_retryable(&crate::exit::unavailable("down")));
        assert!(!is_retryable(&crate::exit::failed("bad sql")));
        assert!(!is_retryable(&crate::exit::usage("bad id")));
        let e = gave_up(crate::exit::unavailable("down"), Duration::from_secs(60));
        assert_eq!(code_for(&e), Exit::UNAVAILABLE);
        let text = format!("{e:#}");
        assert!(text.starts_with("gave up after 1m00s"), "{text}");
        assert!(text.ends_with(": down"), "{text}");
    }
}
