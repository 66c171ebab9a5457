//! One listening session: the connection, the queue its driver fills, and the test that
//! notifications really reach it.
//!
//! That test is needed because a transaction-pooling PgBouncer accepts `LISTEN` and then
//! delivers nothing: the server session that ran it goes back to the pool, and the next
//! statement (even a check of `pg_listening_channels()`) usually runs in that same session, so
//! nothing a client can ask tells the difference. A notification sent from a second
//! connection does: on a direct connection (or session pooling) it arrives within
//! milliseconds; through transaction pooling it never does.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::time::{timeout, Instant};
use tokio_postgres::Client;

use super::super::connect::{full_text, DriverEvent, MessageSink};
use super::super::ConnSpec;
use super::{CHANNEL, PING_EVERY};
use crate::output::Output;
use crate::settings::show_interval;

/// How long the test notification may take to arrive (at most the statement bound).
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// What the listening connection's driver passes to the waiter.
pub(super) enum Event {
    /// At least one `taskdb_ready` notification (more add nothing while this one is queued).
    Notified,
    /// A notification on another channel (the test's).
    Other(String),
    /// The connection ended, and why.
    Ended(String),
}

/// An open listening session.
pub(super) struct Link {
    pub(super) client: Client,
    pub(super) events: mpsc::Receiver<Event>,
    /// A `Notified` is queued and not yet taken: the driver queues no other.
    pub(super) queued: Arc<AtomicBool>,
    pub(super) next_ping: Instant,
    /// `user@host:port/db`, never the password.
    pub(super) target: String,
}

/// Why listening is impossible, and whether trying again later may help.
pub(super) struct Refusal {
    pub(super) why: String,
    pub(super) retry: bool,
    /// The test notification did not arrive: the connection does not keep its server session
    /// (transaction pooling).
    pub(super) unheard: bool,
}

impl Refusal {
    pub(super) fn retry(why: String) -> Refusal {
        Refusal {
            why,
            retry: true,
            unheard: false,
        }
    }

    pub(super) fn fixed(why: String) -> Refusal {
        Refusal {
            why,
            retry: false,
            unheard: false,
        }
    }
}

impl Link {
    /// Connect (as every taskdb connection: TLS, failover, password lookup), test that a
    /// notification from another connection arrives, and `LISTEN`. Whoever opens a link claims
    /// right after, so nothing committed before the LISTEN is missed.
    pub(super) async fn open(spec: &ConnSpec, io: Duration, out: &Output) -> Result<Link, Refusal> {
        let mut link = Link::connect(spec, out).await?;
        // The test first: through a transaction pool, no LISTEN on the real channel is left
        // behind on a pooled server session.
        let took = link.probe(spec, io).await?;
        statement(&link.client, &format!("LISTEN {CHANNEL}"), io).await?;
        out.debug(
            2,
            format!(
                "waiting: a test notification reached {} in {:.1} ms",
                link.target,
                took.as_secs_f64() * 1000.0
            ),
        );
        Ok(link)
    }

    /// Only the test of [`Link::open`]: whether a notification from a second connection
    /// reaches a connection made with `spec` (Err with `unheard` when it does not).
    pub(super) async fn test(spec: &ConnSpec, io: Duration, out: &Output) -> Result<(), Refusal> {
        Link::connect(spec, out).await?.probe(spec, io).await?;
        Ok(())
    }

    /// Connect (as every taskdb connection: TLS, failover, password lookup), the driver
    /// passing notifications to the link's queue.
    async fn connect(spec: &ConnSpec, out: &Output) -> Result<Link, Refusal> {
        // Room for one Notified, one Other and the end: nothing that matters is ever dropped.
        let (events_tx, events) = mpsc::channel(4);
        let queued = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&queued);
        let sink: MessageSink = Arc::new(move |event| match event {
            DriverEvent::Notification(n) if n.channel() == CHANNEL => {
                if !flag.swap(true, Ordering::AcqRel) {
                    let _ = events_tx.try_send(Event::Notified);
                }
            }
            DriverEvent::Notification(n) => {
                let _ = events_tx.try_send(Event::Other(n.channel().to_string()));
            }
            DriverEvent::Ended(e) => {
                let why = e.map_or_else(|| "the server closed it".into(), |e| full_text(&e));
                let _ = events_tx.try_send(Event::Ended(why));
            }
        });
        let (client, endpoint) = spec
            .open_with_sink(|m| out.debug(1, format!("waiting: {m}")), Some(&sink))
            .await
            .map_err(|e| Refusal::retry(format!("cannot open the listening connection: {e:#}")))?;
        Ok(Link {
            client,
            events,
            queued,
            next_ping: Instant::now() + PING_EVERY,
            target: format!("{}@{}/{}", spec.user, endpoint.label(), spec.dbname),
        })
    }

    /// LISTEN on a channel of this session's own, NOTIFY it from a second connection, and wait
    /// for it; how long it took.
    async fn probe(&mut self, spec: &ConnSpec, io: Duration) -> Result<Duration, Refusal> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let channel = format!(
            "taskdb_probe_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        statement(&self.client, &format!("LISTEN {channel}"), io).await?;
        let sender = match timeout(io, renamed(spec).client()).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                return Err(Refusal::retry(format!(
                    "cannot open a second connection to test LISTEN: {e:#}"
                )))
            }
            Err(_) => return Err(bounded("a second connection to test LISTEN", io)),
        };
        let started = Instant::now();
        statement(&sender, &format!("SELECT pg_notify('{channel}', '')"), io).await?;
        drop(sender);
        let wait = PROBE_WAIT.min(io);
        match timeout(wait, self.heard(&channel)).await {
            Err(_) => Err(Refusal {
                unheard: true,
                ..Refusal::fixed(format!(
                    "a test notification from another connection did not arrive within {}: this connection cannot LISTEN (a transaction-pooling PgBouncer?); set listen_url to a direct connection to the server, or to off",
                    show_interval(wait)
                ))
            }),
            Ok(Err(why)) => Err(Refusal::retry(format!(
                "the listening connection was lost while testing it: {why}"
            ))),
            Ok(Ok(())) => {
                let took = started.elapsed();
                statement(&self.client, &format!("UNLISTEN {channel}"), io).await?;
                Ok(took)
            }
        }
    }

    /// Until a notification on `channel` arrives; `Err(why)` if the connection ends first.
    async fn heard(&mut self, channel: &str) -> Result<(), String> {
        loop {
            match self.events.recv().await {
                Some(Event::Other(c)) if c == channel => return Ok(()),
                Some(Event::Other(_)) => {}
                Some(Event::Notified) => self.queued.store(false, Ordering::Release),
                Some(Event::Ended(why)) => return Err(why),
                None => return Err("its driver stopped".into()),
            }
        }
    }

    /// Take what is queued; `Some(why)` when the connection ended.
    pub(super) fn drain(&mut self) -> Option<String> {
        loop {
            match self.events.try_recv() {
                Ok(Event::Notified) => self.queued.store(false, Ordering::Release),
                Ok(Event::Other(_)) => {}
                Ok(Event::Ended(why)) => return Some(why),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some("its driver stopped".into()),
            }
        }
    }
}

/// The test notification's sender, told apart in pg_stat_activity from the listener.
fn renamed(spec: &ConnSpec) -> ConnSpec {
    if spec.base.get_application_name() == Some(super::APPLICATION_NAME) {
        spec.clone()
            .with_application_name(&format!("{} test", super::APPLICATION_NAME))
    } else {
        spec.clone()
    }
}

/// One statement in the simple protocol (no prepared statements, which transaction pooling
/// breaks), bounded by `io`. A standby refuses LISTEN during recovery: worth trying later,
/// after a failover.
async fn statement(client: &Client, sql: &str, io: Duration) -> Result<(), Refusal> {
    let what = sql.split_whitespace().next().unwrap_or(sql);
    match timeout(io, client.batch_execute(sql)).await {
        Ok(Ok(())) => Ok(()),
        Err(_) => Err(bounded(what, io)),
        Ok(Err(e)) if super::super::sqlstate(&e) == Some("25006") => Err(Refusal::retry(
            "the server refuses LISTEN during recovery (a standby): listen_url must reach the primary"
                .into(),
        )),
        Ok(Err(e)) if e.is_closed() || e.as_db_error().is_none() => {
            Err(Refusal::retry(format!("{what} failed: {}", full_text(&e))))
        }
        Ok(Err(e)) => Err(Refusal::fixed(format!("{what} failed: {}", full_text(&e)))),
    }
}

fn bounded(what: &str, io: Duration) -> Refusal {
    Refusal::retry(format!("{what} got no answer in {}", show_interval(io)))
}

/// One statement's round trip on the listening connection, bounded by `io`.
pub(super) async fn round_trip(client: &Client, io: Duration) -> Result<(), String> {
    match timeout(io, client.batch_execute("SELECT 1")).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(full_text(&e)),
        Err(_) => Err(format!("no answer in {}", show_interval(io))),
    }
}
