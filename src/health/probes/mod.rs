//! The probes. Each is one short catalog query (shapes from check_postgres, postgres_exporter and
//! pgwatch, with their pitfalls fixed) that yields a headline value, a state and a message.
//!
//! All probes share one connection and run concurrently, so tokio-postgres pipelines their
//! queries; each is bounded by the run's deadline, and the session has a short `lock_timeout`
//! so a table locked by a migration makes a probe UNKNOWN instead of hanging cron.
//!
//! Here: the list of probes, the session facts, running and timing them, and what they share
//! (errors, judging a value by its thresholds). The probes themselves, grouped by what they look
//! at: `connection`, `activity`, `storage`, `bloat`, `objects` (invalid indexes, sequences),
//! `wal` (checkpoints, archiving, settings waiting for a restart), `replication`, `backup`
//! (this host's backup directory), `app` (taskdb's own tables), `statements`
//! (pg_stat_statements), `security` (roles, passwords, pg_hba.conf, TLS); what `--record`
//! stores and reads back: `recorded`.

use std::future::Future;
use std::time::Instant as StdInstant;

use tokio::time::Instant;
use tokio_postgres::error::SqlState;

use super::{ProbeResult, State, Unit};
use crate::db::Db;
use crate::settings::thresholds::Thresholds;

mod activity;
mod app;
mod backup;
mod bloat;
mod connection;
mod objects;
pub mod recorded;
mod replication;
mod security;
mod statements;
mod storage;
mod wal;

pub use backup::BackupDir;
pub use connection::{connect_failed, connect_ok, server};
pub use security::Deployment;

/// Every probe, in output order. `--check` chooses among these.
pub const PROBES: &[(&str, &str)] = &[
    (
        "connect",
        "time to connect and run a query; CRITICAL when unreachable",
    ),
    ("server", "version, uptime, primary or standby"),
    (
        "connections",
        "client connections vs usable slots (max_connections - reserved)",
    ),
    ("hit_ratio", "buffer cache hit ratio of this database"),
    (
        "longest_transaction",
        "oldest open transaction (pg_monitor)",
    ),
    (
        "idle_in_transaction",
        "sessions idle inside a transaction (pg_monitor)",
    ),
    (
        "blocked",
        "sessions waiting for a lock, and who blocks them (pg_monitor)",
    ),
    ("wraparound", "transaction-id and multixact age"),
    ("database_size", "size of this database"),
    ("dead_tuples", "dead-tuple ratio of this database's tables"),
    (
        "bloat",
        "estimated wasted space of tables and indexes, exact with pgstattuple (only with --check)",
    ),
    (
        "invalid_indexes",
        "indexes left INVALID by an interrupted concurrent build",
    ),
    (
        "sequences",
        "the sequence closest to exhaustion (its column's type included)",
    ),
    (
        "checkpoints",
        "requested vs timed checkpoints, write and sync time",
    ),
    (
        "archiver",
        "WAL archiving: failing now, failures since the last recorded run, last archived",
    ),
    (
        "replication",
        "standbys and slots (primary) or replay lag (standby) (pg_monitor)",
    ),
    (
        "pending_restart",
        "settings changed that wait for a server restart",
    ),
    (
        "backup_age",
        "newest intact backup of this database in backup.dir",
    ),
    (
        "schema",
        "migrations: pending -> WARNING, divergent -> CRITICAL",
    ),
    ("stuck_workflows", "running workflows past their timeout"),
    ("metrics_freshness", "age of the newest recorded metric"),
    (
        "slow_queries",
        "highest mean statement time from pg_stat_statements (only with --check)",
    ),
    (
        "security",
        "superuser/BYPASSRLS connection, password hashing, trust rules, passwordless and expiring logins, ssl with a deployed tunnel",
    ),
    (
        "tunnel",
        "Cloudflare Tunnel status (only when Cloudflare is configured)",
    ),
    (
        "patroni",
        "Patroni: leader, replicas streaming, lag, paused, synchronous mode, timeline changes (only with a Patroni URL)",
    ),
];

/// Probes a default run leaves out (they read whole relations, or need an extension most
/// servers lack): they run only when named with `--check`.
pub const CHECK_ONLY: &[&str] = &["bloat", "slow_queries"];

/// Facts about the session every probe may use, read once after connecting.
#[derive(Debug, Clone)]
pub struct Session {
    pub server_version: String,
    pub version_num: i32,
    pub uptime_seconds: f64,
    pub in_recovery: bool,
    /// Superuser, or member of pg_read_all_stats (pg_monitor includes it): sees every session.
    pub reads_all_stats: bool,
    pub role: String,
    pub database: String,
}

impl Session {
    /// Read the facts; every later transaction of `client` (the probes') gets a lock_timeout
    /// of 2s and the statement_timeout given.
    pub async fn read(
        client: &mut Db,
        statement_timeout_ms: u128,
    ) -> Result<Session, tokio_postgres::Error> {
        client.set_local("lock_timeout", "2s");
        client.set_local("statement_timeout", &format!("{statement_timeout_ms}ms"));
        let row = client
            .query_one(
                "SELECT current_setting('server_version'),
                        current_setting('server_version_num')::int4,
                        extract(epoch FROM now() - pg_postmaster_start_time())::float8,
                        pg_is_in_recovery(),
                        pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
                        current_user::text,
                        current_database()::text",
                &[],
            )
            .await?;
        Ok(Session {
            server_version: row.get(0),
            version_num: row.get(1),
            uptime_seconds: row.get(2),
            in_recovery: row.get(3),
            reads_all_stats: row.get(4),
            role: row.get(5),
            database: row.get(6),
        })
    }
}

pub struct ProbeCtx<'a> {
    pub client: &'a Db,
    pub t: &'a Thresholds,
    pub session: &'a Session,
    /// What the `security` probe needs to know beyond the server.
    pub deployment: &'a Deployment,
    /// Where this host keeps backups (the `backup_age` probe).
    pub backups: &'a BackupDir,
}

/// Run the selected probes (not `connect`/`server`, which come from the session) concurrently,
/// each bounded by `deadline`.
pub async fn run_selected(
    p: &ProbeCtx<'_>,
    selected: &[&'static str],
    deadline: Instant,
) -> Vec<ProbeResult> {
    let futures = selected
        .iter()
        .filter(|n| !matches!(**n, "connect" | "server" | "tunnel" | "patroni"))
        .map(|name| timed(name, deadline, run_one(p, name)));
    futures_util::future::join_all(futures).await
}

async fn timed(
    name: &'static str,
    deadline: Instant,
    fut: impl Future<Output = Result<ProbeResult, tokio_postgres::Error>>,
) -> ProbeResult {
    let start = StdInstant::now();
    let mut r = match tokio::time::timeout_at(deadline, fut).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => from_error(name, &e),
        Err(_) => ProbeResult::unknown(
            name,
            unit_of(name),
            "timed out: no answer before the --timeout deadline",
            Some("the server is overloaded or hung, or the probe waited on a lock".into()),
        ),
    };
    r.duration_seconds = start.elapsed().as_secs_f64();
    r
}

pub fn unit_of(name: &str) -> Unit {
    match name {
        "connect"
        | "server"
        | "longest_transaction"
        | "idle_in_transaction"
        | "blocked"
        | "metrics_freshness"
        | "replication"
        | "backup_age"
        | "slow_queries" => Unit::Seconds,
        "connections" | "hit_ratio" | "dead_tuples" | "bloat" | "sequences" | "checkpoints" => {
            Unit::Ratio
        }
        "database_size" | "patroni" => Unit::Bytes,
        _ => Unit::Count,
    }
}

/// A probe that failed with a database error is UNKNOWN, with a hint where we know one.
pub fn from_error(name: &'static str, e: &tokio_postgres::Error) -> ProbeResult {
    let text = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    let hint = match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => {
            Some("grant the monitoring role: GRANT pg_monitor TO <role>".to_string())
        }
        Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_FUNCTION => {
            Some("the taskdb schema is missing or old: run `taskdb migrate up`".to_string())
        }
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => Some(
            "another session holds a lock on the table this probe reads (lock_timeout 2s)"
                .to_string(),
        ),
        Some(c) if *c == SqlState::QUERY_CANCELED => {
            Some("the probe's query was cancelled (statement_timeout)".to_string())
        }
        _ => None,
    };
    ProbeResult::unknown(name, unit_of(name), format!("could not run: {text}"), hint)
}

/// The UNKNOWN result of a probe that needs to see every session.
fn needs_stats(name: &'static str, s: &Session) -> ProbeResult {
    ProbeResult::unknown(
        name,
        unit_of(name),
        format!(
            "role {} cannot see other roles' sessions, so this would under-count",
            s.role
        ),
        Some(format!("GRANT pg_monitor TO {};", s.role)),
    )
}

async fn run_one(
    p: &ProbeCtx<'_>,
    name: &'static str,
) -> Result<ProbeResult, tokio_postgres::Error> {
    match name {
        "connections" => connection::connections(p).await,
        "hit_ratio" => storage::hit_ratio(p).await,
        "longest_transaction" => activity::longest_transaction(p).await,
        "idle_in_transaction" => activity::idle_in_transaction(p).await,
        "blocked" => activity::blocked(p).await,
        "wraparound" => storage::wraparound(p).await,
        "database_size" => storage::database_size(p).await,
        "dead_tuples" => storage::dead_tuples(p).await,
        "bloat" => bloat::bloat(p).await,
        "invalid_indexes" => objects::invalid_indexes(p).await,
        "sequences" => objects::sequences(p).await,
        "checkpoints" => wal::checkpoints(p).await,
        "archiver" => wal::archiver(p).await,
        "replication" => replication::replication(p).await,
        "pending_restart" => wal::pending_restart(p).await,
        "backup_age" => Ok(backup::backup_age(p)),
        "schema" => Ok(app::schema(p).await),
        "stuck_workflows" => app::stuck_workflows(p).await,
        "metrics_freshness" => app::metrics_freshness(p).await,
        "slow_queries" => statements::slow_queries(p).await,
        "security" => security::security(p).await,
        other => Ok(ProbeResult::unknown(
            "unknown",
            Unit::Count,
            format!("no probe named {other}"),
            None,
        )),
    }
}

/// Set warn/crit from a threshold and raise the state by `value`.
fn judge(r: &mut ProbeResult, t: &Thresholds, threshold: &str, value: f64) {
    let (w, c) = t.get(threshold);
    if r.warn.is_none() && r.crit.is_none() {
        r.warn = w;
        r.crit = c;
    }
    r.raise(State::from(t.breach(threshold, value)));
}
