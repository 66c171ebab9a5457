//! What to connect to: the connection settings resolved into hosts, user, database, password
//! source, TLS and timeouts, before any network traffic (so bad input exits 2 and changes
//! nothing).
//!
//! Here: the spec and where it comes from (a connection string, the environment, or the managed
//! local cluster). Beside it: `params` (a connection string's keys into a spec, checked key by
//! key) and `libpq` (the spec back out, as a tokio-postgres config per host or for all hosts,
//! and as the libpq variables of pg_dump/psql).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::pgpass;
use super::route::{Purpose, SessionAttrs};
use super::tls::{SslMode, TlsSpec};
use crate::conninfo::{self, Params};
use crate::exit::usage;
use crate::output::Output;
use crate::platform::ProcessEnv;
use crate::settings::{DatabaseTarget, Settings};

mod libpq;
mod params;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Tcp(String),
    /// A Unix socket directory.
    Unix(PathBuf),
}

/// One server to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    /// Connect to this address instead of resolving the host name (which is still used for TLS).
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
}

impl Endpoint {
    /// `host:port`, `[v6]:port` or the socket path, for messages.
    pub fn label(&self) -> String {
        match &self.host {
            Host::Unix(dir) => dir
                .join(format!(".s.PGSQL.{}", self.port))
                .display()
                .to_string(),
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{}", self.port),
            Host::Tcp(name) => format!("{name}:{}", self.port),
        }
    }

    pub(super) fn host_text(&self) -> String {
        match &self.host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(dir) => dir.display().to_string(),
        }
    }

    pub(super) fn is_tcp(&self) -> bool {
        matches!(self.host, Host::Tcp(_))
    }
}

/// Everything needed to connect, resolved from the settings; built before any network traffic
/// so bad input is reported (exit 2) without side effects.
#[derive(Debug, Clone)]
pub struct ConnSpec {
    pub endpoints: Vec<Endpoint>,
    pub user: String,
    pub dbname: String,
    /// The password and where it came from (for messages; the value is never shown).
    pub(super) password: Option<(String, String)>,
    pub(super) pass_file: Option<pgpass::PassFile>,
    pub connect_timeout: Option<Duration>,
    pub tls: TlsSpec,
    pub(super) random_order: bool,
    /// Which server a connection may use (`target_session_attrs`; `--read-only` makes it
    /// prefer-standby), and where that came from (for messages).
    pub session_attrs: SessionAttrs,
    pub(in crate::db) attrs_from: String,
    /// What the process's connections are for (`ConnSpec::route`): a command that writes is
    /// refused on a standby.
    pub(in crate::db) purpose: Purpose,
    /// Options handed to tokio-postgres as they are (application_name, options, keepalives,
    /// channel_binding, ...). Has no host, user or password.
    pub(super) base: tokio_postgres::Config,
    /// Warnings to show before connecting (e.g. an ignored password file).
    pub warnings: Vec<String>,
}

/// Where each key came from, for error messages ("… from env DATABASE_URL").
struct Origins {
    default: String,
    per_key: BTreeMap<String, String>,
}

impl Origins {
    fn of(&self, key: &str) -> &str {
        self.per_key.get(key).unwrap_or(&self.default)
    }

    /// A usage error (exit 2) naming the key and where it came from.
    fn bad(&self, key: &str, what: &str) -> anyhow::Error {
        usage(format!(
            "invalid {key} in the connection settings from {}: {what}",
            self.of(key)
        ))
    }
}

/// Build the connection spec from the effective settings (starting the local cluster when
/// nothing is configured). A process resolves it once (`Context::spec`); the client
/// connections and the libpq tools' environment ([`super::ToolConn`]) both derive from it.
pub async fn resolve(settings: &Settings, out: &Output) -> Result<ConnSpec> {
    let (params, origins) = match &settings.database {
        DatabaseTarget::Conninfo(s) => {
            let mut params = conninfo::parse(&s.value).map_err(|e| {
                usage(format!(
                    "the database URL from {} does not parse: {e}",
                    s.source
                ))
            })?;
            let mut per_key = BTreeMap::new();
            for (key, (value, var)) in &settings.libpq_defaults {
                if !params.contains(key) {
                    params.set(key, value.clone());
                    per_key.insert(key.to_string(), format!("env {var}"));
                }
            }
            let origins = Origins {
                default: s.source.to_string(),
                per_key,
            };
            (params, origins)
        }
        DatabaseTarget::Environment(vars) => {
            let mut params = Params::default();
            let mut per_key = BTreeMap::new();
            for (key, (value, var)) in vars {
                params.set(key, value.clone());
                per_key.insert(key.to_string(), format!("env {var}"));
            }
            let origins = Origins {
                default: "the environment".into(),
                per_key,
            };
            (params, origins)
        }
        DatabaseTarget::Local => {
            let config = crate::local::ensure_running(&settings.local_data_dir.value, out).await?;
            return Ok(ConnSpec::local(&config, settings));
        }
    };
    ConnSpec::from_params(&params, &origins, settings)
}

impl ConnSpec {
    /// The managed local cluster: its Unix socket, no password, no TLS.
    fn local(config: &tokio_postgres::Config, settings: &Settings) -> ConnSpec {
        let endpoints = config
            .get_hosts()
            .iter()
            .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
            .map(|(h, port)| Endpoint {
                host: match h {
                    tokio_postgres::config::Host::Tcp(s) => Host::Tcp(s.clone()),
                    tokio_postgres::config::Host::Unix(p) => Host::Unix(p.clone()),
                },
                hostaddr: None,
                port: *port,
            })
            .collect();
        let mut tls = TlsSpec::defaults(&crate::platform::home(&ProcessEnv));
        tls.mode = SslMode::Disable;
        let mut base = tokio_postgres::Config::new();
        base.application_name("taskdb");
        ConnSpec {
            endpoints,
            user: config.get_user().unwrap_or("postgres").to_string(),
            dbname: config.get_dbname().unwrap_or("taskdb").to_string(),
            password: None,
            pass_file: None,
            connect_timeout: timeout_from_secs(settings.connect_timeout.value),
            tls,
            random_order: false,
            session_attrs: SessionAttrs::Any,
            attrs_from: "the default".into(),
            purpose: Purpose::Reads,
            base,
            warnings: Vec::new(),
        }
    }
}

fn timeout_from_secs(secs: u64) -> Option<Duration> {
    // libpq: zero means wait forever.
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// What the tests of `params` and `libpq` build specs with.
#[cfg(test)]
mod test_support {
    use super::*;

    pub(super) fn settings() -> Settings {
        Settings::load_with(&crate::settings::test_global_opts(), &NoEnv).unwrap()
    }

    struct NoEnv;
    impl crate::platform::Env for NoEnv {
        fn get(&self, _: &str) -> Option<String> {
            None
        }
    }

    pub(super) fn origins() -> Origins {
        Origins {
            default: "test".into(),
            per_key: BTreeMap::new(),
        }
    }

    pub(super) fn spec(s: &str) -> Result<ConnSpec> {
        let params = conninfo::parse(s).map_err(|e| usage(e.0))?;
        ConnSpec::from_params(&params, &origins(), &settings())
    }
}
