//! The database layer: connecting (URL or conninfo, TLS, failover, friendly errors) and, in
//! submodules, the queries of each table.
//!
//! Connecting works like libpq: the connection string (or the `PG*`/`DB_*` variables) is parsed
//! by [`conninfo`], `PG*` variables fill keys it leaves out, the password comes from the
//! string, `PGPASSWORD` or the password file ([`pgpass`]), TLS follows `sslmode` ([`tls`]);
//! `spec` resolves all that into a [`ConnSpec`] before any network traffic, and `connect` tries
//! the hosts in order until one accepts (and, with `target_session_attrs=read-write`, is
//! writable), turning each failure into one line with a hint.

pub mod backup;
pub mod bench;
pub mod cancel;
mod connect;
mod error;
pub mod listen;
pub mod maintain;
pub mod metrics;
pub mod migrations;
pub mod pgpass;
pub mod pgtools;
pub mod reconnect;
pub mod roles;
pub mod route;
pub mod session;
mod spec;
mod sql;
pub mod taskmaster;
pub mod tasks;
pub mod tls;
pub mod workflows;

use std::ops::Deref;
use std::time::Instant;

use anyhow::Result;

use crate::exit::usage;
use crate::output::Output;
pub use error::{
    connection_lost, db_error, error_line, explain_refusal, missing_schema, missing_schema_in,
    sqlstate,
};
pub use spec::{resolve, ConnSpec, Endpoint, Host};
pub use sql::{Db, Tx};

/// libpq variables a child process may inherit that would change where or how it connects;
/// remove them before applying [`ToolConn::libpq_env`].
pub const LIBPQ_CONNECTION_VARIABLES: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGDATABASE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGOPTIONS",
    "PGAPPNAME",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLMINPROTOCOLVERSION",
    "PGSSLMAXPROTOCOLVERSION",
    "PGCONNECT_TIMEOUT",
    "PGTARGETSESSIONATTRS",
    "PGREQUIRESSL",
    "PGGSSENCMODE",
];

/// Connect; the connection's transactions act as `actor` (for the audit trigger).
pub async fn connect(spec: &ConnSpec, actor: &str, out: &Output) -> Result<Db> {
    out.debug(
        1,
        format!(
            "connecting to {} as {} (database {}, sslmode={}{})",
            spec.endpoints
                .iter()
                .map(Endpoint::label)
                .collect::<Vec<_>>()
                .join(", "),
            spec.user,
            spec.dbname,
            spec.tls.mode.name(),
            route::attrs_note(spec),
        ),
    );
    open(spec, actor, out, 1).await
}

/// [`connect`] without its first `-v` line, the hosts passed over said at `-v` level
/// `level`: for the many connections of `taskdb bench`.
pub async fn open(spec: &ConnSpec, actor: &str, out: &Output, level: u8) -> Result<Db> {
    let started = Instant::now();
    let opened = spec.open_routed(|m| out.debug(level, m), None).await?;
    let connect_time = started.elapsed();
    // A command that writes is refused on a standby; -v says how far behind a standby is.
    route::settle(spec, &opened, out).await?;
    let (client, endpoint) = (opened.client, opened.endpoint);
    // Nothing is set on the session: the actor and the other settings travel with each
    // transaction (`sql`), so that they hold through a transaction pooler too.
    Ok(Db::new(
        client,
        actor,
        format!("{}@{}/{}", spec.user, endpoint.label(), spec.dbname),
        endpoint.host_text(),
        endpoint.port,
        connect_time,
    ))
}

/// How a libpq tool (pg_dump, pg_restore, psql) reaches the configured server: the
/// tokio-postgres config (hosts, database; derefs to it) plus the libpq variables that carry
/// what tokio-postgres cannot express — `sslmode=verify-ca|verify-full`, root and client
/// certificates — so a child tool verifies the server exactly as taskdb does.
#[derive(Clone)]
pub struct ToolConn {
    config: tokio_postgres::Config,
    env: Vec<(&'static str, String)>,
}

impl ToolConn {
    /// Variables (including `PGPASSWORD` when there is a password) that make a libpq tool
    /// connect to the first configured host with the same user, database, sslmode and
    /// certificates. Pass them in the child's environment, never on its command line.
    pub fn libpq_env(&self) -> &[(&'static str, String)] {
        &self.env
    }
}

impl Deref for ToolConn {
    type Target = tokio_postgres::Config;
    fn deref(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

impl std::ops::DerefMut for ToolConn {
    fn deref_mut(&mut self) -> &mut tokio_postgres::Config {
        &mut self.config
    }
}

impl ToolConn {
    /// How a libpq tool reaches the server `spec` names (its first host).
    pub fn from_spec(spec: &ConnSpec) -> Result<ToolConn> {
        let first = spec
            .endpoints
            .first()
            .ok_or_else(|| usage("the connection settings name no host"))?;
        Ok(ToolConn {
            env: spec.libpq_env(first),
            config: spec.tokio_config()?,
        })
    }

    /// How a libpq tool reaches the server `db` is connected to, and only that one: the host
    /// that accepted (with several hosts and `target_session_attrs=read-write`, the primary),
    /// not the first one listed, which after a failover may be a standby or down.
    pub fn reached(spec: &ConnSpec, db: &Db) -> Result<ToolConn> {
        let reached = spec
            .endpoints
            .iter()
            .find(|e| e.port == db.port && e.host_text() == db.host);
        match reached {
            Some(endpoint) => Ok(ToolConn {
                env: spec.libpq_env(endpoint),
                // One host: the tool gets it alone (PGHOST), never the whole list.
                config: spec.endpoint_config(
                    endpoint,
                    None,
                    tokio_postgres::config::SslMode::Prefer,
                ),
            }),
            None => ToolConn::from_spec(spec),
        }
    }
}
