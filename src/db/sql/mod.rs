//! The pool-safe query layer: every statement taskdb runs on a connection goes through [`Db`]
//! (or a [`Tx`], which derefs to it), so that it works the same on a direct connection and
//! through a transaction pooler (PgBouncer `pool_mode=transaction`, where each transaction may
//! run on another server connection, shared with other clients). Two rules make that true:
//!
//! - **No named prepared statement.** A statement is sent as one unnamed
//!   Parse/Bind/Describe/Execute/Sync (`query_typed`: one round trip, where a prepared one
//!   takes two), its parameters' types read off the Rust values ([`params`]). A named
//!   statement (tokio-postgres' `query(&str)` prepares one, `s1`, `s2`…) lives on the server
//!   connection it was prepared on, which the pooler may have given to another client by the
//!   time it is executed. Result columns must have built-in types (no enum or composite
//!   column: its type would be looked up through a cached named statement).
//! - **No session state.** What a connection's statements need — the actor the audit trigger
//!   records, `jit = off`, read-only, a command's timeouts ([`Local`]) — is set with
//!   `SET LOCAL` in each transaction: with `BEGIN` for a [`Tx`]; for a statement on its own,
//!   in a `BEGIN; SET LOCAL …` / statement / `COMMIT` pipeline sent at once (still one round
//!   trip); for a simple-protocol script, in front of it in the same message.
//!
//! The exceptions hold a session on purpose and are refused behind a transaction pooler:
//! `migrate` ([`Db::hold_session`]: its advisory lock) and the LISTEN connection of
//! `crate::db::listen` (a client of its own).

mod local;
mod params;
mod tx;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_postgres::types::ToSql;
use tokio_postgres::{CancelToken, Client, Error, Row};

use local::Local;
pub use tx::Tx;

/// An open connection. The driver task ends when this is dropped.
pub struct Db {
    client: Client,
    local: Local,
    /// A [`Tx`] is open: statements run in it as they are.
    in_tx: AtomicBool,
    /// The session is held as a whole ([`Db::hold_session`]): the settings are the session's,
    /// statements run as they are.
    held: bool,
    /// `user@host:port/db` of the server we reached (never the password), for messages.
    pub target: String,
    /// The host (or socket directory) and port we reached, for failover reports.
    pub host: String,
    pub port: u16,
    /// How long connecting took (TCP, TLS, authentication; all hosts tried).
    pub connect_time: Duration,
}

impl Db {
    /// A connection whose transactions act as `actor`.
    pub(in crate::db) fn new(
        client: Client,
        actor: &str,
        target: String,
        host: String,
        port: u16,
        connect_time: Duration,
    ) -> Db {
        Db {
            client,
            local: Local::new(actor),
            in_tx: AtomicBool::new(false),
            held: false,
            target,
            host,
            port,
            connect_time,
        }
    }

    /// Run every later transaction with `name = value` (`SET LOCAL`; `name` is taskdb's own
    /// constant, the value is quoted).
    pub fn set_local(&mut self, name: &str, value: &str) {
        self.local.set(name, value);
    }

    /// Drop every setting, the actor's included (writes are then audited as the connected
    /// role): statements are sent as they are, as pgbench sends them (`taskdb bench`).
    pub fn clear_settings(&mut self) {
        self.local = Local::none();
    }

    /// Make every later transaction read-only: a write then fails in the server with SQLSTATE
    /// 25006, whatever the client meant (`taskdb mcp --read-only`).
    pub fn set_read_only(&mut self) {
        self.local.set("transaction_read_only", "on");
    }

    /// The rows of `sql`.
    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let typed = params::typed(params);
        self.alone(self.client.query_typed(sql, &typed)).await
    }

    /// The one row of `sql` (an error when there is none or more).
    pub async fn query_one(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row, Error> {
        let typed = params::typed(params);
        self.alone(self.client.query_typed_one(sql, &typed)).await
    }

    /// The row of `sql`, if any (an error when there are more).
    pub async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error> {
        let typed = params::typed(params);
        self.alone(self.client.query_typed_opt(sql, &typed)).await
    }

    /// Run `sql`; the number of rows it changed.
    pub async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Error> {
        let typed = params::typed(params);
        self.alone(self.client.execute_typed(sql, &typed)).await
    }

    /// Run a script of statements without parameters (simple protocol) with the settings, in
    /// one transaction (its own, or the open [`Tx`]).
    pub async fn batch_execute(&self, script: &str) -> Result<(), Error> {
        if self.as_is() {
            self.client.batch_execute(script).await
        } else {
            self.client
                .batch_execute(&self.local.around_script(script))
                .await
        }
    }

    /// Run one statement that cannot run in a transaction block (`VACUUM`, `CREATE DATABASE`)
    /// on its own, without the settings.
    pub async fn utility(&self, sql: &str) -> Result<(), Error> {
        self.client.batch_execute(sql).await
    }

    /// Start a transaction: `BEGIN` and the settings are sent at once and their answer read
    /// with the commit, so they cost no round trip of their own. Rolled back if dropped
    /// unfinished.
    pub fn transaction(&mut self) -> Tx<'_> {
        Tx::begin(self)
    }

    /// Hold the session as a whole: the settings become the session's and statements run as
    /// they are, for work that needs one server session throughout (`migrate`'s advisory
    /// lock). Behind a transaction pooler that work must refuse: it cannot have one.
    pub async fn hold_session(&mut self) -> Result<(), Error> {
        if !self.local.is_empty() {
            self.client.batch_execute(self.local.for_session()).await?;
        }
        self.held = true;
        Ok(())
    }

    /// The driver's client for refinery's migration runner, which runs each of its
    /// statements in a transaction of its own.
    pub fn runner_client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// The connection ended (the server closed it, or it broke).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// What cancels the statement in flight (a cancel request on a connection of its own).
    pub fn cancel_token(&self) -> CancelToken {
        self.client.cancel_token()
    }

    /// In a transaction or a held session: statements need nothing around them.
    fn as_is(&self) -> bool {
        self.held || self.local.is_empty() || self.in_tx.load(Ordering::Relaxed)
    }

    /// Run one statement in its own transaction with the settings: `BEGIN; SET LOCAL …`, the
    /// statement and `COMMIT` are sent together (tokio-postgres pipelines requests issued
    /// concurrently, in the order they are first polled), so the three cost one round trip.
    /// A statement that fails leaves an aborted transaction that the `COMMIT` rolls back.
    async fn alone<T>(
        &self,
        statement: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        if self.as_is() {
            return statement.await;
        }
        let (begin, result, commit) = futures_util::join!(
            self.client.batch_execute(self.local.begin()),
            statement,
            self.client.batch_execute("COMMIT"),
        );
        begin?;
        let value = result?;
        commit?;
        Ok(value)
    }
}
