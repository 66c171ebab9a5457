//! What to connect to: the connection settings resolved into hosts, user, database, password
//! source, TLS and timeouts, before any network traffic (so bad input exits 2 and changes
//! nothing).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;
use tokio_postgres::config::SslMode as PgSslMode;

use super::pgpass;
use super::tls::{RootCert, SslMode, TlsSpec};
use crate::conninfo::{self, Params};
use crate::exit::usage;
use crate::output::Output;
use crate::platform::ProcessEnv;
use crate::settings::{DatabaseTarget, Settings};

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
    /// Options handed to tokio-postgres as they are (application_name, options, keepalives,
    /// target_session_attrs, channel_binding, ...). Has no host, user or password.
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
        let home = crate::platform::home(&ProcessEnv);
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

        // libpq: direct TLS has no plain-text fallback, so it needs an sslmode that demands TLS.
        if params.get("sslnegotiation") == Some("direct")
            && !matches!(
                tls.mode,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
            )
        {
            return Err(bad(
                "sslnegotiation",
                &format!(
                    "sslnegotiation=direct needs sslmode=require or stronger (got {})",
                    tls.mode.name()
                ),
            ));
        }
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
    pub(super) fn password_for(&self, endpoint: &Endpoint) -> Option<(&str, String)> {
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

    pub(super) fn endpoint_config(
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

    /// All hosts as one tokio-postgres config (see [`super::tool_conn_for`]).
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

    /// libpq variables that reproduce this spec for one host (see [`super::ToolConn::libpq_env`]).
    pub(super) fn libpq_env(&self, endpoint: &Endpoint) -> Vec<(&'static str, String)> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Source, Sourced};

    fn settings() -> Settings {
        Settings::load_with(&crate::settings::test_global_opts(), &NoEnv).unwrap()
    }

    struct NoEnv;
    impl crate::platform::Env for NoEnv {
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
        assert!(spec("host=a sslnegotiation=direct user=u").is_err());
        assert!(spec("host=a sslnegotiation=direct sslmode=require user=u").is_ok());
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
            assert!(crate::db::LIBPQ_CONNECTION_VARIABLES.contains(key), "{key}");
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
}
