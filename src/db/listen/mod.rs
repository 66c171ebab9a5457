//! Waiting for claimable work without polling: a dedicated session runs `LISTEN taskdb_ready`
//! (the schema notifies that channel, at most once per transaction, when a task becomes
//! claimable), and [`Waiter::wait`] sleeps until a notification arrives, the caller's deadline
//! passes (the earliest lease end: an expiring lease notifies nobody), or, when listening is
//! off or impossible, the next poll tick.
//!
//! Use it in this order: open the waiter *before* trying to claim (LISTEN is then in effect, so
//! nothing that becomes claimable after the attempt goes unheard), try, wait only when the
//! attempt found nothing, and try again after every wake.
//!
//! The listening session is never the command's main client: a transaction-pooling PgBouncer
//! hands each transaction to whichever server session is free, so a LISTEN through it hears
//! nothing. `[database] listen_url` points the listener elsewhere, or (`off`) turns it off. What
//! can be detected falls back to polling, with the reason shown by `-v`: the connection cannot
//! be opened, LISTEN is refused (a standby), or a test notification sent from a second
//! connection does not arrive (transaction pooling; see `link`). A lost connection is re-opened (a few tries) and
//! reported as [`Wake::Reconnected`], since notifications sent meanwhile are lost; if it cannot
//! be, the waiter polls, says so once, and tries to listen again now and then.

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::time::{sleep_until, Instant};

use super::ConnSpec;
use crate::output::Output;
use crate::settings::{show_interval, DatabaseTarget, ListenTarget, Settings, Sourced};

mod link;

use link::{round_trip, Event, Link, Refusal};

/// The channel the schema notifies when a task becomes claimable.
pub const CHANNEL: &str = "taskdb_ready";

/// The listening session's application_name (unless the user set one), in pg_stat_activity.
pub const APPLICATION_NAME: &str = "taskdb listen";

/// Before each try at re-opening a lost listening connection; after the last, poll.
const RECONNECT_DELAYS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_millis(500),
    Duration::from_secs(2),
];
/// While polling because listening failed, how often to try listening again.
const RELISTEN_EVERY: Duration = Duration::from_secs(60);
/// How often an idle listening connection is checked: a peer that vanished sends no error,
/// and TCP keepalives notice only after hours.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Bound on one statement on the listening connection when connect_timeout is 0 (forever).
const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(10);

/// How a [`Waiter`] learns that work may be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitMode {
    /// `LISTEN taskdb_ready` on a dedicated connection to `target` (`user@host:port/db`).
    Listen { target: String },
    /// A tick every `interval`, because of `reason`.
    Poll { interval: Duration, reason: String },
}

impl fmt::Display for WaitMode {
    /// What `-v` says: `LISTEN taskdb_ready on a dedicated connection to …` or
    /// `polling every 1s (…)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitMode::Listen { target } => {
                write!(f, "LISTEN {CHANNEL} on a dedicated connection to {target}")
            }
            WaitMode::Poll { interval, reason } => {
                write!(f, "polling every {} ({reason})", show_interval(*interval))
            }
        }
    }
}

/// Why [`Waiter::wait`] returned. Every wake means "try to claim now"; only `Deadline` says
/// that the caller's own time came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// `taskdb_ready` was notified; every notification that had arrived by then is consumed.
    Notified,
    /// `until` passed.
    Deadline,
    /// Polling: the interval elapsed (also the first wake after falling back to polling).
    PollTick,
    /// The listening connection was lost and is open again: notifications sent in between
    /// were lost.
    Reconnected,
}

/// The waiting side of a command that waits for claimable work.
pub struct Waiter {
    /// How to reach the listener; `None` with `listen_url = off`.
    spec: Option<ConnSpec>,
    out: Output,
    interval: Duration,
    /// Bound on each statement on the listening connection.
    io: Duration,
    mode: WaitMode,
    state: State,
    /// A notification was taken from the queue but not yet returned (a wait was cancelled in
    /// between): the next wait returns `Notified` at once.
    woken: bool,
}

enum State {
    Listening(Link),
    /// The connection was lost; `failures` tries to re-open it failed (`why`: the last reason).
    Lost {
        failures: usize,
        next_try: Instant,
        why: String,
    },
    /// Polling; at `relisten_at`, try to listen again (never after `off`, or a refusal that
    /// trying again cannot change).
    Polling {
        relisten_at: Option<Instant>,
    },
}

impl Waiter {
    /// Open the waiting side: a dedicated session (never `main`'s client; `main` is the
    /// command's connection spec, reused unless `listen_url` names another server) that runs
    /// `LISTEN taskdb_ready`. When `listen_url` is `off`, or the session cannot be opened or
    /// cannot listen, the waiter polls every `poll_interval` and [`Waiter::mode`] says why;
    /// `-v` prints the mode either way. Errors only for a `listen_url` that does not parse
    /// (exit 2).
    pub async fn open(main: &ConnSpec, settings: &Settings, out: &Output) -> Result<Waiter> {
        let spec = match &settings.listen.value {
            ListenTarget::Off => None,
            ListenTarget::Database => Some(main.clone()),
            ListenTarget::Conninfo(url) => {
                Some(listen_spec(url, &settings.listen, settings, out).await?)
            }
        };
        let mut waiter = Waiter {
            spec: spec.map(named),
            out: out.clone(),
            interval: settings.poll_interval.value,
            io: DEFAULT_IO_TIMEOUT,
            mode: WaitMode::Listen {
                target: String::new(),
            },
            state: State::Polling { relisten_at: None },
            woken: false,
        };
        let opened = match &waiter.spec {
            None => Err(Refusal::fixed(format!(
                "listen_url is off, from {}",
                settings.listen.source
            ))),
            Some(spec) => {
                waiter.io = spec.connect_timeout.unwrap_or(DEFAULT_IO_TIMEOUT);
                Link::open(spec, waiter.io, out).await
            }
        };
        match opened {
            Ok(link) => {
                waiter.listening(link);
                out.debug(1, format!("waiting: {}", waiter.mode));
            }
            Err(refusal) => waiter.fall_back(refusal, false),
        }
        Ok(waiter)
    }

    /// One more waiter with the same settings (`taskdb bench` opens one per client): opened as
    /// [`Waiter::open`] opens one, except that where this one polls for good (`listen_url`
    /// off, or a test notification that never arrived: transaction pooling), the new one polls
    /// for the same reason at once, without testing again.
    pub async fn another(&self, main: &ConnSpec, settings: &Settings) -> Result<Waiter> {
        if let (State::Polling { relisten_at: None }, WaitMode::Poll { .. }) =
            (&self.state, &self.mode)
        {
            return Ok(Waiter {
                spec: self.spec.clone(),
                out: self.out.clone(),
                interval: self.interval,
                io: self.io,
                mode: self.mode.clone(),
                state: State::Polling { relisten_at: None },
                woken: false,
            });
        }
        Waiter::open(main, settings, &self.out).await
    }

    /// How the waiter learns of new work now (it changes when a lost connection cannot be
    /// re-opened, and back when listening works again).
    pub fn mode(&self) -> &WaitMode {
        &self.mode
    }

    /// Block until a notification arrives, `until` passes, or (polling) the interval elapses,
    /// and say which. A burst wakes once: every notification received by then is consumed.
    /// Never fails: what goes wrong with the listening connection is re-opened or polled
    /// around. Cancellation-safe (a `select!` may drop it at any await): a notification taken
    /// from the queue is returned by the next call.
    pub async fn wait(&mut self, until: Instant) -> Wake {
        loop {
            let wake = if self.woken {
                Some(self.finish_wake(until).await)
            } else {
                match self.state {
                    State::Listening(_) => self.wait_listening(until).await,
                    State::Lost { .. } => self.wait_reconnect(until).await,
                    State::Polling { .. } => Some(self.wait_polling(until).await),
                }
            };
            if let Some(wake) = wake {
                return wake;
            }
        }
    }

    /// Wait on the listening connection; `None` when the state changed (notified, lost).
    async fn wait_listening(&mut self, until: Instant) -> Option<Wake> {
        let State::Listening(link) = &mut self.state else {
            return None;
        };
        let ping_at = link.next_ping;
        let (client, io) = (&link.client, self.io);
        let outcome = tokio::select! {
            biased;
            event = link.events.recv() => Outcome::Event(event),
            () = sleep_until(until) => Outcome::Deadline,
            alive = async { sleep_until(ping_at).await; round_trip(client, io).await } => {
                Outcome::Pinged(alive)
            }
        };
        match outcome {
            Outcome::Deadline => return Some(Wake::Deadline),
            Outcome::Event(Some(Event::Notified)) => {
                link.queued.store(false, Ordering::Release);
                self.woken = true;
            }
            Outcome::Pinged(Ok(())) => link.next_ping = Instant::now() + PING_EVERY,
            Outcome::Event(Some(Event::Ended(why))) | Outcome::Pinged(Err(why)) => self.lose(why),
            Outcome::Event(None) => self.lose("its driver stopped".into()),
            Outcome::Event(Some(Event::Other(_))) => {}
        }
        None
    }

    /// A notification was taken: consume every one received up to a round trip on the
    /// listening connection (the server sends pending notifications before it answers), so a
    /// burst wakes once.
    async fn finish_wake(&mut self, until: Instant) -> Wake {
        if let State::Listening(link) = &mut self.state {
            let settled = tokio::select! {
                r = round_trip(&link.client, self.io) => r,
                // Past the deadline: the caller is told now; the rest is drained next time.
                () = sleep_until(until) => Ok(()),
            };
            if settled.is_ok() {
                link.next_ping = Instant::now() + PING_EVERY;
            }
            let ended = settled.err().or_else(|| link.drain());
            if let Some(why) = ended {
                self.lose(why);
            }
        }
        self.woken = false;
        Wake::Notified
    }

    /// Re-open a lost connection (one try per call); `None` while tries remain.
    async fn wait_reconnect(&mut self, until: Instant) -> Option<Wake> {
        let State::Lost {
            failures,
            next_try,
            why,
        } = &self.state
        else {
            return None;
        };
        let (failures, next_try) = (*failures, *next_try);
        let Some(spec) = self
            .spec
            .as_ref()
            .filter(|_| failures < RECONNECT_DELAYS.len())
        else {
            let refusal = Refusal::retry(format!(
                "the listening connection was lost and {failures} tries to re-open it failed; the last: {why}"
            ));
            self.fall_back(refusal, true);
            return Some(Wake::PollTick);
        };
        let attempt = async {
            sleep_until(next_try).await;
            Link::open(spec, self.io, &self.out).await
        };
        let opened = tokio::select! {
            opened = attempt => opened,
            () = sleep_until(until) => return Some(Wake::Deadline),
        };
        match opened {
            Ok(link) => {
                self.listening(link);
                self.out
                    .debug(1, format!("waiting: listening again: {}", self.mode));
                Some(Wake::Reconnected)
            }
            Err(refusal) if !refusal.retry => {
                self.fall_back(
                    Refusal::fixed(format!(
                        "the listening connection was lost, and a new one cannot listen: {}",
                        refusal.why
                    )),
                    true,
                );
                Some(Wake::PollTick)
            }
            Err(refusal) => {
                let failures = failures + 1;
                let delay = RECONNECT_DELAYS.get(failures).copied().unwrap_or_default();
                self.state = State::Lost {
                    failures,
                    next_try: Instant::now() + delay,
                    why: refusal.why,
                };
                None
            }
        }
    }

    /// Sleep to the next tick or `until`, whichever comes first; at a tick, try listening again
    /// when it is time to.
    async fn wait_polling(&mut self, until: Instant) -> Wake {
        let tick = Instant::now() + self.interval;
        if until <= tick {
            sleep_until(until).await;
            return Wake::Deadline;
        }
        sleep_until(tick).await;
        let (
            State::Polling {
                relisten_at: Some(at),
            },
            Some(spec),
        ) = (&self.state, &self.spec)
        else {
            return Wake::PollTick;
        };
        if *at > Instant::now() {
            return Wake::PollTick;
        }
        let opened = tokio::select! {
            opened = Link::open(spec, self.io, &self.out) => opened,
            () = sleep_until(until) => return Wake::PollTick,
        };
        match opened {
            Ok(link) => {
                self.listening(link);
                self.out
                    .debug(1, format!("waiting: listening again: {}", self.mode));
                Wake::Reconnected
            }
            Err(refusal) => {
                self.out
                    .debug(2, format!("waiting: still polling: {}", refusal.why));
                self.state = State::Polling {
                    relisten_at: refusal.retry.then(|| Instant::now() + RELISTEN_EVERY),
                };
                Wake::PollTick
            }
        }
    }

    fn listening(&mut self, link: Link) {
        self.mode = WaitMode::Listen {
            target: link.target.clone(),
        };
        self.state = State::Listening(link);
    }

    /// The connection is gone (dropping the link closes what is left of it).
    fn lose(&mut self, why: String) {
        self.out.debug(
            1,
            format!("waiting: the listening connection was lost ({why}); re-opening it"),
        );
        self.state = State::Lost {
            failures: 0,
            next_try: Instant::now(),
            why,
        };
    }

    /// Poll from now on, and say so: with `-v` when opening, as a warning (once) when a
    /// connection that worked was lost.
    fn fall_back(&mut self, refusal: Refusal, loud: bool) {
        self.mode = WaitMode::Poll {
            interval: self.interval,
            reason: refusal.why,
        };
        let relisten = refusal.retry && self.spec.is_some();
        let again = if relisten {
            format!(
                "; trying to listen again every {}",
                show_interval(RELISTEN_EVERY)
            )
        } else {
            String::new()
        };
        let line = format!("waiting: {}{again}", self.mode);
        if loud {
            self.out.warn(line);
        } else {
            self.out.debug(1, line);
        }
        self.state = State::Polling {
            relisten_at: relisten.then(|| Instant::now() + RELISTEN_EVERY),
        };
    }
}

enum Outcome {
    Event(Option<Event>),
    Deadline,
    Pinged(std::result::Result<(), String>),
}

/// The spec of `listen_url`, resolved like the database URL (libpq's `PG*` variables fill keys
/// it leaves out). A bad one is exit 2 naming where it came from.
async fn listen_spec(
    url: &str,
    listen: &Sourced<ListenTarget>,
    settings: &Settings,
    out: &Output,
) -> Result<ConnSpec> {
    let mut alone = settings.clone();
    alone.database = DatabaseTarget::Conninfo(Sourced {
        value: url.to_string(),
        source: listen.source.clone(),
    });
    let spec = super::resolve(&alone, out).await.context("listen_url")?;
    for warning in &spec.warnings {
        out.warn(format!("listen_url: {warning}"));
    }
    Ok(spec)
}

/// [`APPLICATION_NAME`] unless the user named the application.
/// Whether connections made with `spec` lose their server session between transactions (a
/// transaction-pooling PgBouncer), told as the [`Waiter`] tells it: a notification sent from a
/// second connection does not reach the first. `Some(why)` when it did not arrive; None when
/// it did, or when the test could not tell (the server cannot be reached, a standby refuses
/// LISTEN): the caller's own checks then speak. Opens two connections for a moment.
pub async fn loses_sessions(spec: &ConnSpec, out: &Output) -> Option<String> {
    let spec = spec.clone().with_application_name("taskdb session test");
    let io = spec.connect_timeout.unwrap_or(DEFAULT_IO_TIMEOUT);
    match Link::test(&spec, io, out).await {
        Err(refusal) if refusal.unheard => Some(refusal.why),
        Err(refusal) => {
            out.debug(1, format!("session test: could not tell: {}", refusal.why));
            None
        }
        Ok(()) => None,
    }
}

fn named(spec: ConnSpec) -> ConnSpec {
    if spec.base.get_application_name() == Some("taskdb") {
        spec.with_application_name(APPLICATION_NAME)
    } else {
        spec
    }
}
