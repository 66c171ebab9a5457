//! The database layer: connecting (URL or conninfo, TLS, failover, friendly errors) and, in
//! submodules, the queries of each table.

pub mod backup;
pub mod metrics;
pub mod migrations;
pub mod taskmaster;
pub mod tasks;
pub mod workflows;

use std::ops::Deref;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio_postgres::{Client, NoTls};

use crate::context::Context;
use crate::exit::usage;
use crate::settings::DatabaseTarget;

/// An open connection. The driver task ends when this is dropped.
pub struct Db {
    pub client: Client,
    /// The connection string used (password redacted), for messages.
    pub target: String,
}

impl Deref for Db {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Build the tokio-postgres config for the configured target.
pub async fn config_for(ctx: &Context) -> Result<tokio_postgres::Config> {
    let mut config = match &ctx.settings.database {
        DatabaseTarget::Conninfo(s) => tokio_postgres::Config::from_str(&s.value).map_err(|e| {
            usage(format!(
                "database URL from {} does not parse: {e}",
                s.source
            ))
        })?,
        DatabaseTarget::Environment(vars) => {
            let mut c = tokio_postgres::Config::new();
            for (key, (value, var)) in vars {
                match *key {
                    "host" => {
                        c.host(value);
                    }
                    "port" => {
                        c.port(value.parse().map_err(|_| {
                            usage(format!("{var} must be a port number, got {value:?}"))
                        })?);
                    }
                    "user" => {
                        c.user(value);
                    }
                    "password" => {
                        c.password(value);
                    }
                    "dbname" => {
                        c.dbname(value);
                    }
                    _ => {}
                }
            }
            c
        }
        DatabaseTarget::Local => crate::local::ensure_running(ctx).await?,
    };
    if config.get_application_name().is_none() {
        config.application_name("taskdb");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(ctx.settings.connect_timeout.value));
    }
    Ok(config)
}

/// Connect and prepare the session (actor for the audit trigger).
pub async fn connect(ctx: &Context) -> Result<Db> {
    let config = config_for(ctx).await?;
    let target = describe(&config);
    let (client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to {target}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
        .execute(
            "SELECT set_config('taskdb.actor', $1, false)",
            &[&ctx.actor()],
        )
        .await
        .context("cannot set the session actor")?;
    Ok(Db { client, target })
}

/// Open a plain connection for an explicit config (the driver runs in the background).
pub async fn connect_config(config: &tokio_postgres::Config) -> Result<Client> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to {}", describe(config)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// `user@host:port/db` for messages; never includes the password.
pub fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{}:{}/{}",
        config.get_user().unwrap_or("postgres"),
        host,
        port,
        config.get_dbname().unwrap_or("postgres")
    )
}
