//! The database layer: connecting (URL or conninfo, TLS, failover, friendly errors) and, in
//! submodules, the queries of each table.
//!
//! Connecting works like libpq: the connection string (or the `PG*`/`DB_*` variables) is parsed
//! by [`conninfo`], `PG*` variables fill keys it leaves out, the password comes from the
//! string, `PGPASSWORD` or the password file ([`pgpass`]), TLS follows `sslmode` ([`tls`]), and
//! the hosts are tried in order until one accepts (and, with `target_session_attrs=read-write`,
//! is writable). Each failure becomes one line with a hint.

pub mod backup;
pub mod conninfo;
pub mod migrations;
pub mod pgpass;
pub mod tls;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tokio_postgres::config::SslMode as PgSslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::context::Context;
use crate::exit::{failed, usage};
use crate::settings::{DatabaseTarget, ProcessEnv, Settings};
use conninfo::Params;
use tls::{RootCert, SslMode, TlsSpec};

/// An open connection. The driver task ends when this is dropped.
pub struct Db {
    pub client: Client,
    /// `user@host:port/db` of the server we reached (never the password), for messages.
    pub target: String,
    /// The host (or socket directory) and port we reached, for failover reports.
    pub host: String,
    pub port: u16,
    /// How long connecting took (TCP, TLS, authentication; all hosts tried).
    pub connect_time: Duration,
    /// The libpq variables for a tool (pg_dump, psql) to reach the same server the same way.
    libpq_env: Vec<(&'static str, String)>,
}

/// libpq variables a child process may inherit that would change where or how it connects;
/// remove them before applying [`Db::libpq_env`].
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

impl Db {
    /// Variables (including `PGPASSWORD` when there is a password) that make a libpq tool
    /// connect to the host this connection reached, with the same user, database, sslmode and
    /// certificates. Pass them in the child's environment, never on its command line.
    pub fn libpq_env(&self) -> &[(&'static str, String)] {
        &self.libpq_env
    }
}

impl Deref for Db {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Connect and prepare the session (actor for the audit trigger).
pub async fn connect(ctx: &Context) -> Result<Db> {
    let spec = spec_for(ctx).await?;
    for warning in &spec.warnings {
        ctx.out.warn(warning);
    }
    ctx.out.debug(
        1,
        format!(
            "connecting to {} as {} (database {}, sslmode={})",
            spec.endpoints
                .iter()
                .map(Endpoint::label)
                .collect::<Vec<_>>()
                .join(", "),
            spec.user,
            spec.dbname,
            spec.tls.mode.name()
        ),
    );
    let started = Instant::now();
    let (client, endpoint) = spec.open(|m| ctx.out.debug(1, m)).await?;
    let connect_time = started.elapsed();
    client
        .execute(
            "SELECT set_config('taskdb.actor', $1, false)",
            &[&ctx.actor()],
        )
        .await
        .context("cannot set the session actor")?;
    Ok(Db {
        client,
        target: format!("{}@{}/{}", spec.user, endpoint.label(), spec.dbname),
        host: endpoint.host_text(),
        port: endpoint.port,
        connect_time,
        libpq_env: spec.libpq_env(&endpoint),
    })
}

/// A tokio-postgres config for the configured hosts (password resolved from the string,
/// PGPASSWORD or the first host's password-file entry), for code that needs one. It cannot
/// express verify-ca/verify-full: connections should use [`connect`], and libpq tools
/// [`Db::libpq_env`].
pub async fn config_for(ctx: &Context) -> Result<tokio_postgres::Config> {
    spec_for(ctx).await?.tokio_config()
}

/// [`Db::libpq_env`] without connecting, for the first configured host.
pub async fn libpq_env_for(ctx: &Context) -> Result<Vec<(&'static str, String)>> {
    let spec = spec_for(ctx).await?;
    let first = spec
        .endpoints
        .first()
        .ok_or_else(|| usage("the connection settings name no host"))?;
    Ok(spec.libpq_env(first))
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

// ---- what to connect to ---------------------------------------------------------------------------

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

    fn host_text(&self) -> String {
        match &self.host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(dir) => dir.display().to_string(),
        }
    }

    fn is_tcp(&self) -> bool {
        matches!(self.host, Host::Tcp(_))
    }
}

/// Everything needed to connect, resolved from the settings; built before any network traffic
/// so bad input is reported (exit 2) without side effects.
#[derive(Debug)]
pub struct ConnSpec {
    pub endpoints: Vec<Endpoint>,
    pub user: String,
    pub dbname: String,
    /// The password and where it came from (for messages; the value is never shown).
    password: Option<(String, String)>,
    pass_file: Option<pgpass::PassFile>,
    pub connect_timeout: Option<Duration>,
    pub tls: TlsSpec,
    random_order: bool,
    /// Options handed to tokio-postgres as they are (application_name, options, keepalives,
    /// target_session_attrs, channel_binding, ...). Has no host, user or password.
    base: tokio_postgres::Config,
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
}

/// Build the connection spec from the effective settings (starting the local cluster when
/// nothing is configured).
pub async fn spec_for(ctx: &Context) -> Result<ConnSpec> {
    let (params, origins) = match &ctx.settings.database {
        DatabaseTarget::Conninfo(s) => {
            let mut params = conninfo::parse(&s.value).map_err(|e| {
                usage(format!(
                    "the database URL from {} does not parse: {e}",
                    s.source
                ))
            })?;
            let mut per_key = BTreeMap::new();
            for (key, (value, var)) in &ctx.settings.libpq_defaults {
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
            let config = crate::local::ensure_running(ctx).await?;
            return Ok(ConnSpec::local(&config, &ctx.settings));
        }
    };
    ConnSpec::from_params(&params, &origins, &ctx.settings)
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
        let mut tls = TlsSpec::defaults(&crate::settings::home(&ProcessEnv));
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
            base,
            warnings: Vec::new(),
        }
    }

    fn from_params(params: &Params, origins: &Origins, settings: &Settings) -> Result<ConnSpec> {
        let bad = |key: &str, what: &str| {
            usage(format!(
                "invalid {key} in the connection settings from {}: {what}",
                origins.of(key)
            ))
        };

        // Hosts, addresses and ports, matched up as libpq does.
        let split = |key: &str| -> Vec<String> {
            params
                .get(key)
                .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default()
        };
        let hosts = split("host");
        let hostaddrs = split("hostaddr");
        let ports = split("port");
        let count = hosts.len().max(hostaddrs.len()).max(1);
        if !hosts.is_empty() && !hostaddrs.is_empty() && hosts.len() != hostaddrs.len() {
            return Err(bad(
                "hostaddr",
                &format!(
                    "{} hosts but {} hostaddrs; give one address per host",
                    hosts.len(),
                    hostaddrs.len()
                ),
            ));
        }
        if ports.len() > 1 && ports.len() != count {
            return Err(bad(
                "port",
                &format!(
                    "{} ports for {count} hosts; give one port, or one per host",
                    ports.len()
                ),
            ));
        }
        let mut endpoints = Vec::with_capacity(count);
        for i in 0..count {
            let port_text = ports
                .get(i)
                .or_else(|| ports.first().filter(|_| ports.len() == 1))
                .map(String::as_str)
                .unwrap_or("");
            let port = if port_text.is_empty() {
                5432
            } else {
                match port_text.parse::<u16>() {
                    Ok(p) if p > 0 => p,
                    _ => return Err(bad("port", "expected a port number (1-65535)")),
                }
            };
            let hostaddr = match hostaddrs.get(i).filter(|s| !s.is_empty()) {
                Some(a) => Some(
                    a.parse::<IpAddr>()
                        .map_err(|_| bad("hostaddr", "expected an IP address"))?,
                ),
                None => None,
            };
            let host = match hosts.get(i).filter(|s| !s.is_empty()) {
                Some(h) if h.starts_with('/') => Host::Unix(PathBuf::from(h)),
                Some(h) => Host::Tcp(h.clone()),
                None => match hostaddr {
                    Some(addr) => Host::Tcp(addr.to_string()),
                    None => default_host(port),
                },
            };
            endpoints.push(Endpoint {
                host,
                hostaddr,
                port,
            });
        }

        let user = params
            .get("user")
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .unwrap_or_else(os_user);
        let dbname = params
            .get("dbname")
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| user.clone());

        let connect_timeout = match params.get("connect_timeout") {
            Some(v) => {
                let secs: i64 = v
                    .trim()
                    .parse()
                    .map_err(|_| bad("connect_timeout", "expected whole seconds"))?;
                timeout_from_secs(secs.max(0) as u64)
            }
            None => timeout_from_secs(settings.connect_timeout.value),
        };

        // TLS.
        let home = crate::settings::home(&ProcessEnv);
        let mut tls = TlsSpec::defaults(&home);
        if let Some(mode) = params.get("sslmode") {
            tls.mode = SslMode::parse(mode).ok_or_else(|| {
                bad(
                    "sslmode",
                    &format!("`{mode}` (expected disable, allow, prefer, require, verify-ca or verify-full)"),
                )
            })?;
        }
        if let Some(root) = params.get("sslrootcert") {
            tls.root_cert = if root == "system" {
                RootCert::System
            } else {
                RootCert::File {
                    path: PathBuf::from(root),
                    explicit: true,
                }
            };
        }
        if let Some(cert) = params.get("sslcert") {
            tls.client_cert = PathBuf::from(cert);
            tls.client_cert_explicit = true;
        }
        if let Some(key) = params.get("sslkey") {
            tls.client_key = PathBuf::from(key);
        }
        if let Some(sni) = params.get("sslsni") {
            tls.sni = match sni {
                "1" => true,
                "0" => false,
                _ => return Err(bad("sslsni", "expected 0 or 1")),
            };
        }
        let tls_version = |key: &str| -> Result<Option<bool>> {
            match params.get(key) {
                None | Some("") => Ok(None),
                Some("TLSv1.2") => Ok(Some(false)),
                Some("TLSv1.3") => Ok(Some(true)),
                Some("TLSv1" | "TLSv1.1") => Err(bad(
                    key,
                    "TLS versions below 1.2 are not supported (use TLSv1.2 or TLSv1.3)",
                )),
                Some(_) => Err(bad(key, "expected TLSv1.2 or TLSv1.3")),
            }
        };
        tls.min_tls13 = tls_version("ssl_min_protocol_version")? == Some(true);
        tls.max_tls12 = tls_version("ssl_max_protocol_version")? == Some(false);
        tls.validate()?;

        match params.get("gssencmode") {
            None | Some("disable" | "prefer") => {}
            Some("require") => {
                return Err(bad(
                    "gssencmode",
                    "GSSAPI encryption is not supported; use TLS (sslmode)",
                ))
            }
            Some(_) => return Err(bad("gssencmode", "expected disable, prefer or require")),
        }
        let random_order = match params.get("load_balance_hosts") {
            None | Some("disable") => false,
            Some("random") => true,
            Some(_) => return Err(bad("load_balance_hosts", "expected disable or random")),
        };

        // The rest goes to tokio-postgres, which validates the values.
        let mut passthrough = String::new();
        for key in [
            "options",
            "tcp_user_timeout",
            "keepalives",
            "keepalives_idle",
            "keepalives_interval",
            "keepalives_retries",
            "target_session_attrs",
            "channel_binding",
            "sslnegotiation",
        ] {
            if let Some(v) = params.get(key) {
                passthrough.push_str(&format!("{key}={} ", conninfo::quote(v)));
            }
        }
        let mut base = tokio_postgres::Config::from_str(&passthrough).map_err(|e| {
            usage(format!(
                "the connection settings from {} are invalid: {e}",
                origins.default
            ))
        })?;
        let app = params
            .get("application_name")
            .or_else(|| params.get("fallback_application_name"))
            .unwrap_or("taskdb");
        base.application_name(app);

        // The password: the connection string or PGPASSWORD, else the password file.
        let mut warnings = Vec::new();
        let password = params
            .get("password")
            .map(|p| (p.to_string(), origins.of("password").to_string()));
        let pass_file = if password.is_none() {
            let path = params
                .get("passfile")
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(".pgpass"));
            match pgpass::load(&path) {
                pgpass::Loaded::Ok(f) => Some(f),
                pgpass::Loaded::Missing => None,
                pgpass::Loaded::Ignored(why) => {
                    warnings.push(why);
                    None
                }
            }
        } else {
            None
        };

        Ok(ConnSpec {
            endpoints,
            user,
            dbname,
            password,
            pass_file,
            connect_timeout,
            tls,
            random_order,
            base,
            warnings,
        })
    }

    /// The password for one host and where it came from.
    fn password_for(&self, endpoint: &Endpoint) -> Option<(&str, String)> {
        if let Some((p, from)) = &self.password {
            return Some((p.as_str(), from.clone()));
        }
        let file = self.pass_file.as_ref()?;
        // libpq compares the host name; the default socket directory counts as localhost.
        let host = match &endpoint.host {
            Host::Tcp(name) => name.clone(),
            Host::Unix(dir) if is_default_socket_dir(dir) => "localhost".into(),
            Host::Unix(dir) => dir.display().to_string(),
        };
        file.lookup(&host, endpoint.port, &self.dbname, &self.user)
            .map(|p| (p, format!("password file {}", file.path.display())))
    }

    fn endpoint_config(
        &self,
        endpoint: &Endpoint,
        password: Option<&str>,
        mode: PgSslMode,
    ) -> tokio_postgres::Config {
        let mut c = self.base.clone();
        match &endpoint.host {
            Host::Tcp(name) => c.host(name),
            Host::Unix(dir) => c.host_path(dir),
        };
        if let Some(addr) = endpoint.hostaddr {
            c.hostaddr(addr);
        }
        c.port(endpoint.port)
            .user(&self.user)
            .dbname(&self.dbname)
            .ssl_mode(mode);
        if let Some(p) = password {
            c.password(p);
        }
        if let Some(t) = self.connect_timeout {
            c.connect_timeout(t);
        }
        c
    }

    /// All hosts as one tokio-postgres config (see [`config_for`]).
    pub fn tokio_config(&self) -> Result<tokio_postgres::Config> {
        let first = self
            .endpoints
            .first()
            .ok_or_else(|| usage("the connection settings name no host"))?;
        let password = self.password_for(first).map(|(p, _)| p.to_string());
        let mode = match (&first.host, self.tls.mode) {
            (Host::Unix(_), _) | (_, SslMode::Disable | SslMode::Allow) => PgSslMode::Disable,
            (_, SslMode::Prefer) => PgSslMode::Prefer,
            _ => PgSslMode::Require,
        };
        let mut config = self.base.clone();
        config.user(&self.user).dbname(&self.dbname).ssl_mode(mode);
        if let Some(p) = &password {
            config.password(p);
        }
        if let Some(t) = self.connect_timeout {
            config.connect_timeout(t);
        }
        // tokio-postgres wants a hostaddr for every host or none.
        let all_have_hostaddr = self.endpoints.iter().all(|e| e.hostaddr.is_some());
        for endpoint in &self.endpoints {
            match &endpoint.host {
                Host::Tcp(name) => config.host(name),
                Host::Unix(dir) => config.host_path(dir),
            };
            config.port(endpoint.port);
            if let (true, Some(addr)) = (all_have_hostaddr, endpoint.hostaddr) {
                config.hostaddr(addr);
            }
        }
        Ok(config)
    }

    /// libpq variables that reproduce this spec for one host (see [`Db::libpq_env`]).
    fn libpq_env(&self, endpoint: &Endpoint) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("PGHOST", endpoint.host_text()),
            ("PGPORT", endpoint.port.to_string()),
            ("PGUSER", self.user.clone()),
            ("PGDATABASE", self.dbname.clone()),
            ("PGSSLMODE", self.tls.mode.name().to_string()),
        ];
        if let Some(addr) = endpoint.hostaddr {
            env.push(("PGHOSTADDR", addr.to_string()));
        }
        if let Some((password, _)) = self.password_for(endpoint) {
            env.push(("PGPASSWORD", password.to_string()));
        }
        match &self.tls.root_cert {
            RootCert::System => env.push(("PGSSLROOTCERT", "system".into())),
            RootCert::File { path, .. } => env.push(("PGSSLROOTCERT", path.display().to_string())),
        }
        if self.tls.client_cert.exists() {
            env.push(("PGSSLCERT", self.tls.client_cert.display().to_string()));
            env.push(("PGSSLKEY", self.tls.client_key.display().to_string()));
        }
        if self.tls.min_tls13 {
            env.push(("PGSSLMINPROTOCOLVERSION", "TLSv1.3".into()));
        }
        if let Some(t) = self.connect_timeout {
            // libpq treats values below 2 as 2.
            env.push(("PGCONNECT_TIMEOUT", t.as_secs().max(2).to_string()));
        }
        if let Some(options) = self.base.get_options() {
            env.push(("PGOPTIONS", options.to_string()));
        }
        if let Some(app) = self.base.get_application_name() {
            env.push(("PGAPPNAME", app.to_string()));
        }
        env
    }

    /// Try the hosts in order; the first that accepts wins. `on_skip` hears about each host
    /// passed over (shown with `-v`).
    pub async fn open(&self, on_skip: impl Fn(String)) -> Result<(Client, Endpoint)> {
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
        for endpoint in order {
            match self.open_one(endpoint, tls.as_ref()).await {
                Ok(client) => return Ok((client, endpoint.clone())),
                Err(f) => {
                    on_skip(format!("skipped {}: {}", endpoint.label(), f.message));
                    failures.push(f);
                }
            }
        }
        Err(failed(summarize(&failures)))
    }

    async fn open_one(
        &self,
        endpoint: &Endpoint,
        tls: Option<&MakeRustlsConnect>,
    ) -> std::result::Result<Client, Failure> {
        let password = self.password_for(endpoint);
        let config = |mode| self.endpoint_config(endpoint, password.as_ref().map(|p| p.0), mode);
        let fail = |e: Attempt| self.classify(e, endpoint, password.as_ref().map(|p| p.1.as_str()));
        let tls = match (endpoint.is_tcp(), tls) {
            (true, Some(tls)) => tls,
            // No TLS over Unix sockets (libpq ignores sslmode there), or sslmode=disable.
            _ => {
                return self
                    .attempt(config(PgSslMode::Disable), None)
                    .await
                    .map_err(fail)
            }
        };
        match self.tls.mode {
            SslMode::Disable => self.attempt(config(PgSslMode::Disable), None).await,
            // allow: plain first; TLS only when the server turned the plain attempt down.
            SslMode::Allow => match self.attempt(config(PgSslMode::Disable), None).await {
                Err(Attempt::Pg(e)) if e.as_db_error().is_some() => {
                    self.attempt(config(PgSslMode::Require), Some(tls)).await
                }
                other => other,
            },
            // prefer: TLS when the server offers it; plain again if the handshake fails.
            SslMode::Prefer => match self.attempt(config(PgSslMode::Prefer), Some(tls)).await {
                Err(Attempt::Pg(e)) if is_tls_error(&e) => {
                    self.attempt(config(PgSslMode::Disable), None).await
                }
                other => other,
            },
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                self.attempt(config(PgSslMode::Require), Some(tls)).await
            }
        }
        .map_err(fail)
    }

    /// One connection attempt, bounded by connect_timeout as a whole (TCP, TLS and
    /// authentication; tokio-postgres alone bounds only the TCP connect).
    async fn attempt(
        &self,
        config: tokio_postgres::Config,
        tls: Option<&MakeRustlsConnect>,
    ) -> std::result::Result<Client, Attempt> {
        let connecting = async {
            match tls {
                Some(tls) => {
                    let (client, connection) = config.connect(tls.clone()).await?;
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok(client)
                }
                None => {
                    let (client, connection) = config.connect(NoTls).await?;
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    Ok(client)
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
        let timeout_failure = || {
            let secs = self.connect_timeout.map(|t| t.as_secs()).unwrap_or(0);
            Failure::new(
                format!("timed out after {secs} s connecting to {at}"),
                "the server did not answer: check the host, port and firewalls, or raise connect_timeout",
            )
        };
        let e = match e {
            Attempt::Timeout => return timeout_failure(),
            Attempt::Pg(e) => e,
        };
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            return if *code == SqlState::INVALID_PASSWORD {
                Failure::new(
                    format!("password authentication failed for user \"{user}\" at {at}"),
                    match password_from {
                        Some(from) => format!("the server rejected the password from {from}"),
                        None => "no password was given: put it in ~/.pgpass (0600), PGPASSWORD or the URL".into(),
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
            } else if *code == SqlState::TOO_MANY_CONNECTIONS {
                Failure::new(
                    format!(
                        "the server at {at} has too many connections: {}",
                        db.message()
                    ),
                    "close idle sessions, raise max_connections or use a pooler",
                )
            } else {
                Failure::new(
                    format!(
                        "the server at {at} refused the connection: {} (SQLSTATE {})",
                        db.message(),
                        code.code()
                    ),
                    "see the server log for details",
                )
            };
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
            use std::io::ErrorKind;
            match io.kind() {
                ErrorKind::ConnectionRefused => {
                    return Failure::new(
                        format!("connection refused by {at}"),
                        "is PostgreSQL running and listening there (listen_addresses, port)?",
                    )
                }
                ErrorKind::NotFound if !endpoint.is_tcp() => {
                    return Failure::new(
                        format!("no PostgreSQL socket at {at}"),
                        "is the server running? check host (the socket directory) and port",
                    )
                }
                ErrorKind::TimedOut => return timeout_failure(),
                ErrorKind::PermissionDenied if io.to_string().contains("does not allow writes") => {
                    return Failure::new(
                        format!("the server at {at} is read-only (a standby, or default_transaction_read_only=on)"),
                        "target_session_attrs=read-write needs a writable primary among the hosts",
                    )
                }
                _ if endpoint.is_tcp()
                    && endpoint.hostaddr.is_none()
                    && ["lookup", "resolve", "not known"]
                        .iter()
                        .any(|w| io.to_string().contains(w)) =>
                {
                    return Failure::new(
                        format!("cannot resolve host name {host_name}: {io}"),
                        "check the host name and DNS",
                    )
                }
                _ => {}
            }
        }
        Failure::new(
            format!("cannot connect to {at}: {text}"),
            "check the connection settings (`taskdb config show`)",
        )
    }
}

/// Why one host could not be used.
#[derive(Debug)]
struct Failure {
    message: String,
    hint: String,
}

impl Failure {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: hint.into(),
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
fn full_text(e: &tokio_postgres::Error) -> String {
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

fn timeout_from_secs(secs: u64) -> Option<Duration> {
    // libpq: zero means wait forever.
    (secs > 0).then(|| Duration::from_secs(secs))
}

/// libpq's default when no host is given: the Unix socket directory if there is one.
fn default_host(port: u16) -> Host {
    for dir in ["/var/run/postgresql", "/tmp"] {
        let dir = Path::new(dir);
        if dir.join(format!(".s.PGSQL.{port}")).exists() {
            return Host::Unix(dir.to_path_buf());
        }
    }
    Host::Tcp("localhost".into())
}

fn is_default_socket_dir(dir: &Path) -> bool {
    ["/var/run/postgresql", "/run/postgresql", "/tmp"]
        .iter()
        .any(|d| dir == Path::new(d))
}

/// libpq's default user: the operating-system user.
fn os_user() -> String {
    if let Ok(u) = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        if !u.is_empty() {
            return u;
        }
    }
    // SAFETY: getpwuid returns a pointer to static storage or null; we copy the name out
    // immediately on this (single) thread.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned();
        }
    }
    "postgres".into()
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
    use crate::settings::{Source, Sourced};

    fn settings() -> Settings {
        let global = crate::cli::GlobalOpts {
            database_url: None,
            config: Some(PathBuf::from("/dev/null")),
            format: None,
            quiet: false,
            verbose: 0,
            yes: false,
            color: crate::cli::ColorChoice::Never,
            actor: None,
        };
        Settings::load_with(&global, &NoEnv).unwrap()
    }

    struct NoEnv;
    impl crate::settings::Env for NoEnv {
        fn get(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn spec(s: &str) -> Result<ConnSpec> {
        let params = conninfo::parse(s).map_err(|e| usage(e.0))?;
        let origins = Origins {
            default: "test".into(),
            per_key: BTreeMap::new(),
        };
        ConnSpec::from_params(&params, &origins, &settings())
    }

    #[test]
    fn hosts_and_ports_pair_up_like_libpq() {
        let s = spec("postgres://u@a:1,b:2/db?connect_timeout=3").unwrap();
        assert_eq!(
            s.endpoints.iter().map(Endpoint::label).collect::<Vec<_>>(),
            vec!["a:1", "b:2"]
        );
        assert_eq!(s.connect_timeout, Some(Duration::from_secs(3)));
        let s = spec("host=a,b,/sock port=7 user=u").unwrap();
        assert_eq!(s.endpoints[1].port, 7);
        assert_eq!(s.endpoints[2].host, Host::Unix(PathBuf::from("/sock")));
        assert_eq!(s.dbname, "u", "dbname defaults to the user");
        assert!(spec("host=a,b,c port=1,2 user=u").is_err());
        assert!(spec("host=a port=99999 user=u").is_err());
        assert!(spec("host=a sslmode=verify-everything user=u").is_err());
        assert!(spec("host=a target_session_attrs=primary-ish user=u").is_err());
    }

    #[test]
    fn settings_timeout_applies_when_the_string_has_none() {
        let mut s = settings();
        s.connect_timeout = Sourced {
            value: 0,
            source: Source::Default,
        };
        let params = conninfo::parse("host=a user=u").unwrap();
        let origins = Origins {
            default: "test".into(),
            per_key: BTreeMap::new(),
        };
        let spec = ConnSpec::from_params(&params, &origins, &s).unwrap();
        assert_eq!(spec.connect_timeout, None, "0 waits forever, as in libpq");
    }

    #[test]
    fn libpq_env_reproduces_the_connection_for_the_host_reached() {
        let s = spec(
            "postgres://app:pw@a:1,b:2/db?sslmode=verify-full&sslrootcert=/ca.pem&connect_timeout=1&options=-c%20x%3Dy",
        )
        .unwrap();
        let env: BTreeMap<_, _> = s.libpq_env(&s.endpoints[1]).into_iter().collect();
        assert_eq!(env["PGHOST"], "b");
        assert_eq!(env["PGPORT"], "2");
        assert_eq!(env["PGUSER"], "app");
        assert_eq!(env["PGPASSWORD"], "pw");
        assert_eq!(env["PGDATABASE"], "db");
        assert_eq!(env["PGSSLMODE"], "verify-full");
        assert_eq!(env["PGSSLROOTCERT"], "/ca.pem");
        assert_eq!(env["PGCONNECT_TIMEOUT"], "2");
        assert_eq!(env["PGOPTIONS"], "-c x=y");
        assert_eq!(env["PGAPPNAME"], "taskdb");
        for key in env.keys() {
            assert!(LIBPQ_CONNECTION_VARIABLES.contains(key), "{key}");
        }
    }

    #[test]
    fn tokio_config_carries_every_host() {
        let c =
            spec("postgres://app:pw@a:1,b:2/db?sslmode=require&target_session_attrs=read-write")
                .unwrap()
                .tokio_config()
                .unwrap();
        assert_eq!(c.get_ports(), &[1, 2]);
        assert_eq!(c.get_hosts().len(), 2);
        assert_eq!(c.get_password(), Some(&b"pw"[..]));
        assert_eq!(c.get_ssl_mode(), PgSslMode::Require);
        assert_eq!(
            c.get_target_session_attrs(),
            tokio_postgres::config::TargetSessionAttrs::ReadWrite
        );
        // hostaddr only for some hosts: left out (tokio-postgres needs all or none).
        let c = spec("host=a,b hostaddr=127.0.0.1, user=u")
            .unwrap()
            .tokio_config()
            .unwrap();
        assert!(c.get_hostaddrs().is_empty());
    }

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
