//! Opening a connection: each host in turn (failover), TLS per sslmode, a timeout around the
//! whole attempt, and every failure turned into one line with a hint.

use anyhow::Result;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::{AsyncMessage, Client, Connection, NoTls, Notification};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::cancel;
use super::route::{judge, Opened, ServerRole, SessionAttrs, Verdict};
use super::spec::{ConnSpec, Endpoint};
use super::tls::{self, SslMode};
use crate::exit::{failed, unavailable};

impl ConnSpec {
    /// The same server and settings, another database (e.g. a scratch database).
    pub fn with_database(mut self, dbname: &str) -> ConnSpec {
        self.dbname = dbname.to_string();
        self
    }

    /// The same settings under another application_name (shows in pg_stat_activity).
    pub fn with_application_name(mut self, name: &str) -> ConnSpec {
        self.base.application_name(name);
        self
    }

    /// Open one more connection with these settings (TLS, failover, password lookup, errors
    /// as for [`super::connect`]); the driver runs in the background.
    pub async fn client(&self) -> Result<Client> {
        Ok(self.open(|_| {}).await?.0)
    }

    /// Try the hosts in order; the first that accepts (and suits `target_session_attrs`) wins.
    /// `on_skip` hears about each host passed over (shown with `-v`).
    pub async fn open(&self, on_skip: impl Fn(String)) -> Result<(Client, Endpoint)> {
        self.open_with_sink(on_skip, None).await
    }

    /// [`ConnSpec::open`], and the driver tells `sink` what the server sends unasked (see
    /// [`DriverEvent`]): the connection of a `LISTEN`er.
    pub(super) async fn open_with_sink(
        &self,
        on_skip: impl Fn(String),
        sink: Option<&MessageSink>,
    ) -> Result<(Client, Endpoint)> {
        let opened = self.open_routed(on_skip, sink).await?;
        Ok((opened.client, opened.endpoint))
    }

    /// [`ConnSpec::open_with_sink`], and what the server reached said about itself.
    pub(super) async fn open_routed(
        &self,
        on_skip: impl Fn(String),
        sink: Option<&MessageSink>,
    ) -> Result<Opened> {
        let tls =
            if self.tls.mode != SslMode::Disable && self.endpoints.iter().any(Endpoint::is_tcp) {
                Some(MakeRustlsConnect::new(self.tls.client_config()?))
            } else {
                None
            };
        let mut order: Vec<&Endpoint> = self.endpoints.iter().collect();
        if self.random_order {
            shuffle(&mut order);
        }
        let mut failures = Vec::new();
        // prefer-standby: the first host that is no standby, used if no standby answers.
        let mut fallback: Option<Opened> = None;
        for endpoint in order {
            let failure = match self.open_one(endpoint, tls.as_ref(), sink).await {
                Err(f) => f,
                Ok((client, role)) => match self.suits(client, role, endpoint).await {
                    Ok((opened, false)) => return Ok(opened),
                    Ok((opened, true)) => {
                        on_skip(format!(
                            "{} is not a standby: used only if no standby answers (target_session_attrs=prefer-standby)",
                            endpoint.label()
                        ));
                        fallback.get_or_insert(opened);
                        continue;
                    }
                    Err(f) => f,
                },
            };
            on_skip(format!("skipped {}: {}", endpoint.label(), failure.message));
            failures.push(failure);
        }
        if let Some(opened) = fallback {
            on_skip(format!(
                "no standby answered: using {}, which is not one",
                opened.endpoint.label()
            ));
            return Ok(opened);
        }
        // Every host down, starting, full or of the wrong role (a failover in progress): exit 6,
        // try again; anything else (a password, a certificate, a missing database) is exit 1.
        if failures.iter().all(|f| f.retryable) {
            Err(unavailable(summarize(&failures)))
        } else {
            Err(failed(summarize(&failures)))
        }
    }

    /// Whether a host that accepted suits `target_session_attrs`: the connection, and whether
    /// it is only a fallback (prefer-standby on a server that is no standby); else why not.
    async fn suits(
        &self,
        client: Client,
        reported: Option<ServerRole>,
        endpoint: &Endpoint,
    ) -> std::result::Result<(Opened, bool), Failure> {
        let at = endpoint.label();
        let role = match (self.session_attrs, reported) {
            (SessionAttrs::Any, _) | (_, Some(_)) => reported,
            // A server before PostgreSQL 14 does not say: ask it.
            (_, None) => Some(ServerRole::ask(&client).await.map_err(|e| {
                let failure = Failure::new(
                    format!("cannot ask the server at {at} whether it is a standby: {e:#}"),
                    "check the server log",
                );
                if crate::exit::code_for(&e) == crate::exit::Exit::UNAVAILABLE {
                    failure.retryable()
                } else {
                    failure
                }
            })?),
        };
        let verdict = role.map_or(Verdict::Use, |r| judge(self.session_attrs, r, &at));
        let opened = Opened {
            client,
            endpoint: endpoint.clone(),
            role,
        };
        match verdict {
            Verdict::Use => Ok((opened, false)),
            Verdict::Fallback => Ok((opened, true)),
            // The host may well suit a moment later: roles change in a failover.
            Verdict::Skip(message, hint) => Err(Failure::new(message, hint).retryable()),
        }
    }

    async fn open_one(
        &self,
        endpoint: &Endpoint,
        tls: Option<&MakeRustlsConnect>,
        sink: Option<&MessageSink>,
    ) -> std::result::Result<(Client, Option<ServerRole>), Failure> {
        let password = self.password_for(endpoint);
        let config = |mode| self.endpoint_config(endpoint, password.as_ref().map(|p| p.0), mode);
        let fail = |e: Attempt| self.classify(e, endpoint, password.as_ref().map(|p| p.1.as_str()));
        let tls = match (endpoint.is_tcp(), tls) {
            (true, Some(tls)) => tls,
            // No TLS over Unix sockets (libpq ignores sslmode there), or sslmode=disable.
            _ => {
                return self
                    .attempt(config(PgSslMode::Disable), None, sink)
                    .await
                    .map_err(fail)
            }
        };
        match self.tls.mode {
            SslMode::Disable => self.attempt(config(PgSslMode::Disable), None, sink).await,
            // allow: plain first; TLS only when the server turned the plain attempt down.
            SslMode::Allow => match self.attempt(config(PgSslMode::Disable), None, sink).await {
                Err(Attempt::Pg(e)) if e.as_db_error().is_some() => {
                    self.attempt(config(PgSslMode::Require), Some(tls), sink)
                        .await
                }
                other => other,
            },
            // prefer: TLS when the server offers it; plain again if the handshake fails.
            SslMode::Prefer => match self
                .attempt(config(PgSslMode::Prefer), Some(tls), sink)
                .await
            {
                Err(Attempt::Pg(e)) if is_tls_error(&e) => {
                    self.attempt(config(PgSslMode::Disable), None, sink).await
                }
                other => other,
            },
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                self.attempt(config(PgSslMode::Require), Some(tls), sink)
                    .await
            }
        }
        .map_err(fail)
    }

    /// One connection attempt, bounded by connect_timeout as a whole (TCP, TLS and
    /// authentication; tokio-postgres alone bounds only the TCP connect). Also what the server
    /// reported about its role on connecting (PostgreSQL 14 and later).
    async fn attempt(
        &self,
        config: tokio_postgres::Config,
        tls: Option<&MakeRustlsConnect>,
        sink: Option<&MessageSink>,
    ) -> std::result::Result<(Client, Option<ServerRole>), Attempt> {
        let connecting = async {
            match tls {
                // Registered for cancelling on a signal while the driver runs.
                Some(tls) => {
                    let (client, connection) = config.connect(tls.clone()).await?;
                    let role = ServerRole::reported_by(&connection);
                    let registration = cancel::register_connection(&client, Some(tls));
                    tokio::spawn(drive(connection, registration, sink.cloned()));
                    Ok((client, role))
                }
                None => {
                    let (client, connection) = config.connect(NoTls).await?;
                    let role = ServerRole::reported_by(&connection);
                    let registration = cancel::register_connection(&client, None);
                    tokio::spawn(drive(connection, registration, sink.cloned()));
                    Ok((client, role))
                }
            }
        };
        match self.connect_timeout {
            Some(t) => match tokio::time::timeout(t, connecting).await {
                Ok(r) => r.map_err(Attempt::Pg),
                Err(_) => Err(Attempt::Timeout),
            },
            None => connecting.await.map_err(Attempt::Pg),
        }
    }

    /// Turn a failed attempt into one line with a hint.
    fn classify(&self, e: Attempt, endpoint: &Endpoint, password_from: Option<&str>) -> Failure {
        let at = endpoint.label();
        let user = &self.user;
        let e = match e {
            Attempt::Timeout => return self.timeout_failure(&at),
            Attempt::Pg(e) => e,
        };
        if let Some(db) = e.as_db_error() {
            return self.refused_by_server(db, &at, password_from);
        }
        let host_name = endpoint.host_text();
        if let Some(tls_error) = find_rustls_error(&e) {
            let (message, hint) = tls::describe_rustls_error(tls_error, &host_name);
            return Failure::new(message, hint);
        }
        let text = full_text(&e);
        if text.contains("server does not support TLS") {
            return Failure::new(
                format!(
                    "the server at {at} does not support SSL, but sslmode={} requires it",
                    self.tls.mode.name()
                ),
                "enable ssl on the server, or use sslmode=prefer",
            );
        }
        if text.contains("password missing") {
            return Failure::new(
                format!(
                    "the server at {at} asks for a password for user \"{user}\" but none was given"
                ),
                "put it in ~/.pgpass (0600), PGPASSWORD or the URL",
            );
        }
        if let Some(io) = find_io_error(&e) {
            if let Some(failure) = self.io_failure(io, endpoint, &at, &host_name) {
                return failure;
            }
        }
        let failure = Failure::new(
            format!("cannot connect to {at}: {text}"),
            "check the connection settings (`taskdb config show`)",
        );
        // The connection broke while it was being set up (a server going down).
        if e.is_closed() || find_io_error(&e).is_some() {
            failure.retryable()
        } else {
            failure
        }
    }

    fn timeout_failure(&self, at: &str) -> Failure {
        let secs = self.connect_timeout.map(|t| t.as_secs()).unwrap_or(0);
        Failure::new(
            format!("timed out after {secs} s connecting to {at}"),
            "the server did not answer: check the host, port and firewalls, or raise connect_timeout",
        )
        .retryable()
    }

    /// The server answered and refused: authentication, a missing database, not accepting
    /// connections, too many of them.
    fn refused_by_server(&self, db: &DbError, at: &str, password_from: Option<&str>) -> Failure {
        let user = &self.user;
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD {
            Failure::new(
                format!("password authentication failed for user \"{user}\" at {at}"),
                match password_from {
                    Some(from) => format!("the server rejected the password from {from}"),
                    None => {
                        "no password was given: put it in ~/.pgpass (0600), PGPASSWORD or the URL"
                            .into()
                    }
                },
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            Failure::new(
                format!("database \"{}\" does not exist on {at}", self.dbname),
                format!(
                    "create it first (createdb {}, or CREATE DATABASE as a superuser); `taskdb migrate up` creates the schema, not the database",
                    self.dbname
                ),
            )
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            let message = db.message();
            let hint = if message.contains("no encryption") {
                "the server accepts this user only over TLS: use sslmode=require or stronger"
            } else if message.contains("certificate") {
                "give a client certificate whose CN is the user name (sslcert, sslkey)"
            } else {
                "check pg_hba.conf on the server for this host, user and database"
            };
            Failure::new(
                format!("the server at {at} rejected user \"{user}\": {message}"),
                hint,
            )
        } else if *code == SqlState::CANNOT_CONNECT_NOW {
            Failure::new(
                format!(
                    "the server at {at} is not accepting connections: {}",
                    db.message()
                ),
                "it is starting up, shutting down or recovering; try again shortly",
            )
            .retryable()
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            Failure::new(
                format!(
                    "the server at {at} has too many connections: {}",
                    db.message()
                ),
                "close idle sessions, raise max_connections or use a pooler",
            )
            .retryable()
        } else {
            let failure = Failure::new(
                format!(
                    "the server at {at} refused the connection: {} (SQLSTATE {})",
                    db.message(),
                    code.code()
                ),
                "see the server log for details",
            );
            // Shutting down, crashed, or the connection failed: gone for now, not refused.
            if code.code().starts_with("57P") || code.code().starts_with("08") {
                failure.retryable()
            } else {
                failure
            }
        }
    }

    /// A socket-level failure (refused, no socket, timeout, read-only, name resolution), or
    /// `None` when it says nothing more than its text.
    fn io_failure(
        &self,
        io: &std::io::Error,
        endpoint: &Endpoint,
        at: &str,
        host_name: &str,
    ) -> Option<Failure> {
        use std::io::ErrorKind;
        match io.kind() {
            ErrorKind::ConnectionRefused => Some(
                Failure::new(
                    format!("connection refused by {at}"),
                    "is PostgreSQL running and listening there (listen_addresses, port)?",
                )
                .retryable(),
            ),
            ErrorKind::NotFound if !endpoint.is_tcp() => Some(
                Failure::new(
                    format!("no PostgreSQL socket at {at}"),
                    "is the server running? check host (the socket directory) and port",
                )
                .retryable(),
            ),
            ErrorKind::TimedOut => Some(self.timeout_failure(at)),
            _ if endpoint.is_tcp()
                && endpoint.hostaddr.is_none()
                && ["lookup", "resolve", "not known"]
                    .iter()
                    .any(|w| io.to_string().contains(w)) =>
            {
                Some(Failure::new(
                    format!("cannot resolve host name {host_name}: {io}"),
                    "check the host name and DNS",
                ))
            }
            _ => None,
        }
    }
}

/// What the driver of a connection opened with a sink reports, besides query results.
pub(super) enum DriverEvent {
    /// A `NOTIFY` on a channel the session listens to.
    Notification(Notification),
    /// The connection ended: with the error that ended it, or `None` when it was closed (the
    /// client dropped, or the server said goodbye).
    Ended(Option<tokio_postgres::Error>),
}

/// Where a connection's driver reports [`DriverEvent`]s. Called on the driver task, which it
/// must not block.
pub(super) type MessageSink = std::sync::Arc<dyn Fn(DriverEvent) + Send + Sync>;

/// Run a connection until it ends, then leave the cancel registry. Without a sink the server's
/// unasked messages are dropped (notices logged, as `Connection`'s own future does); with one,
/// notifications and the end are handed to it.
async fn drive<S, T>(
    mut connection: Connection<S, T>,
    registration: cancel::Registration,
    sink: Option<MessageSink>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    match sink {
        None => {
            let _ = connection.await;
        }
        Some(sink) => {
            let ended = loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(n))) => sink(DriverEvent::Notification(n)),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break Some(e),
                    None => break None,
                }
            };
            sink(DriverEvent::Ended(ended));
        }
    }
    drop(registration);
}

/// Why one host could not be used.
#[derive(Debug)]
struct Failure {
    message: String,
    hint: String,
    /// The host may well work a moment later: it is down, starting, full or of the wrong role
    /// (what a failover looks like), rather than refusing these settings.
    retryable: bool,
}

impl Failure {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: hint.into(),
            retryable: false,
        }
    }

    fn retryable(self) -> Failure {
        Failure {
            retryable: true,
            ..self
        }
    }
}

/// One line for all hosts tried.
fn summarize(failures: &[Failure]) -> String {
    match failures {
        [] => "no host to connect to".into(),
        [one] => format!("{}; hint: {}", one.message, one.hint),
        many => {
            let all: Vec<&str> = many.iter().map(|f| f.message.as_str()).collect();
            let hint = many.last().map(|f| f.hint.as_str()).unwrap_or_default();
            format!(
                "could not connect to any of the {} hosts: {}; hint: {hint}",
                many.len(),
                all.join("; ")
            )
        }
    }
}

enum Attempt {
    Pg(tokio_postgres::Error),
    Timeout,
}

/// The rustls error inside a tokio-postgres TLS error (it travels inside an io::Error, whose
/// `source()` skips it, hence `get_ref`).
fn find_rustls_error(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            if let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(r);
            }
        }
        cause = c.source();
    }
    None
}

/// The error and its causes on one line (tokio-postgres' own Display shows only the kind).
pub(super) fn full_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let s = c.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        cause = c.source();
    }
    text.replace('\n', " ")
}

fn find_io_error(e: &tokio_postgres::Error) -> Option<&std::io::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

fn is_tls_error(e: &tokio_postgres::Error) -> bool {
    find_rustls_error(e).is_some() || full_text(e).starts_with("error performing TLS handshake")
}

/// load_balance_hosts=random: a shuffle seeded by the std hasher's per-process random keys.
fn shuffle<T>(items: &mut [T]) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    for i in (1..items.len()).rev() {
        let mut h = state.build_hasher();
        h.write_usize(i);
        let j = (h.finish() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_summarize_on_one_line() {
        let one = summarize(&[Failure::new("connection refused by a:1", "start it")]);
        assert_eq!(one, "connection refused by a:1; hint: start it");
        let two = summarize(&[Failure::new("x", "h1"), Failure::new("y", "h2")]);
        assert_eq!(
            two,
            "could not connect to any of the 2 hosts: x; y; hint: h2"
        );
    }
}
