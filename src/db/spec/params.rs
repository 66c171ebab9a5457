//! A connection string's keys (and the `PG*` variables that fill in for them) into a
//! [`ConnSpec`], the way libpq reads them: hosts, addresses and ports paired up, the user and
//! database, timeouts, TLS, the keys tokio-postgres takes as they are, and the password or
//! password file. Every refusal names the key and where it came from (exit 2).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;

use super::{timeout_from_secs, ConnSpec, Endpoint, Host, Origins};
use crate::conninfo::{self, Params};
use crate::db::pgpass;
use crate::db::route::{Purpose, SessionAttrs, EXPECTED_ATTRS};
use crate::db::tls::{RootCert, SslMode, TlsSpec};
use crate::exit::usage;
use crate::platform::ProcessEnv;
use crate::settings::Settings;

impl ConnSpec {
    pub(super) fn from_params(
        params: &Params,
        origins: &Origins,
        settings: &Settings,
    ) -> Result<ConnSpec> {
        let endpoints = endpoints(params, origins)?;
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
        let connect_timeout = connect_timeout(params, origins, settings)?;
        let home = crate::platform::home(&ProcessEnv);
        let tls = tls(params, origins, &home)?;
        refuse_unsupported_modes(params, origins, &tls)?;
        let random_order = match params.get("load_balance_hosts") {
            None | Some("disable") => false,
            Some("random") => true,
            Some(_) => return Err(origins.bad("load_balance_hosts", "expected disable or random")),
        };
        let session_attrs = match params.get("target_session_attrs") {
            None => SessionAttrs::Any,
            Some(v) => SessionAttrs::parse(v).ok_or_else(|| {
                origins.bad("target_session_attrs", &format!("`{v}` ({EXPECTED_ATTRS})"))
            })?,
        };
        let base = passed_through(params, origins)?;
        let mut warnings = Vec::new();
        let (password, pass_file) = password(params, origins, &home, &mut warnings);
        Ok(ConnSpec {
            endpoints,
            user,
            dbname,
            password,
            pass_file,
            connect_timeout,
            tls,
            random_order,
            session_attrs,
            attrs_from: origins.of("target_session_attrs").to_string(),
            purpose: Purpose::Reads,
            base,
            warnings,
        })
    }
}

/// Hosts, addresses and ports, matched up as libpq does.
fn endpoints(params: &Params, origins: &Origins) -> Result<Vec<Endpoint>> {
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
        return Err(origins.bad(
            "hostaddr",
            &format!(
                "{} hosts but {} hostaddrs; give one address per host",
                hosts.len(),
                hostaddrs.len()
            ),
        ));
    }
    if ports.len() > 1 && ports.len() != count {
        return Err(origins.bad(
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
                _ => return Err(origins.bad("port", "expected a port number (1-65535)")),
            }
        };
        let hostaddr = match hostaddrs.get(i).filter(|s| !s.is_empty()) {
            Some(a) => Some(
                a.parse::<IpAddr>()
                    .map_err(|_| origins.bad("hostaddr", "expected an IP address"))?,
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
    Ok(endpoints)
}

/// `connect_timeout` from the string, else the settings' (0: wait forever).
fn connect_timeout(
    params: &Params,
    origins: &Origins,
    settings: &Settings,
) -> Result<Option<Duration>> {
    match params.get("connect_timeout") {
        Some(v) => {
            let secs: i64 = v
                .trim()
                .parse()
                .map_err(|_| origins.bad("connect_timeout", "expected whole seconds"))?;
            Ok(timeout_from_secs(secs.max(0) as u64))
        }
        None => Ok(timeout_from_secs(settings.connect_timeout.value)),
    }
}

/// `sslmode`, root and client certificates, SNI and protocol versions.
fn tls(params: &Params, origins: &Origins, home: &Path) -> Result<TlsSpec> {
    let mut tls = TlsSpec::defaults(home);
    if let Some(mode) = params.get("sslmode") {
        tls.mode = SslMode::parse(mode).ok_or_else(|| {
            origins.bad(
                "sslmode",
                &format!(
                    "`{mode}` (expected disable, allow, prefer, require, verify-ca or verify-full)"
                ),
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
            _ => return Err(origins.bad("sslsni", "expected 0 or 1")),
        };
    }
    let tls_version = |key: &str| -> Result<Option<bool>> {
        match params.get(key) {
            None | Some("") => Ok(None),
            Some("TLSv1.2") => Ok(Some(false)),
            Some("TLSv1.3") => Ok(Some(true)),
            Some("TLSv1" | "TLSv1.1") => Err(origins.bad(
                key,
                "TLS versions below 1.2 are not supported (use TLSv1.2 or TLSv1.3)",
            )),
            Some(_) => Err(origins.bad(key, "expected TLSv1.2 or TLSv1.3")),
        }
    };
    tls.min_tls13 = tls_version("ssl_min_protocol_version")? == Some(true);
    tls.max_tls12 = tls_version("ssl_max_protocol_version")? == Some(false);
    tls.validate()?;
    Ok(tls)
}

/// Direct TLS without an sslmode that demands TLS, and GSSAPI encryption, are refused.
fn refuse_unsupported_modes(params: &Params, origins: &Origins, tls: &TlsSpec) -> Result<()> {
    // libpq: direct TLS has no plain-text fallback, so it needs an sslmode that demands TLS.
    if params.get("sslnegotiation") == Some("direct")
        && !matches!(
            tls.mode,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
        )
    {
        return Err(origins.bad(
            "sslnegotiation",
            &format!(
                "sslnegotiation=direct needs sslmode=require or stronger (got {})",
                tls.mode.name()
            ),
        ));
    }
    match params.get("gssencmode") {
        None | Some("disable" | "prefer") => Ok(()),
        Some("require") => Err(origins.bad(
            "gssencmode",
            "GSSAPI encryption is not supported; use TLS (sslmode)",
        )),
        Some(_) => Err(origins.bad("gssencmode", "expected disable, prefer or require")),
    }
}

/// The keys tokio-postgres takes as they are (it validates the values), and the application
/// name.
fn passed_through(params: &Params, origins: &Origins) -> Result<tokio_postgres::Config> {
    let mut passthrough = String::new();
    for key in conninfo::passed_through_keys() {
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
    Ok(base)
}

/// The password and where it came from (the connection string or PGPASSWORD), else the
/// password file (a warning in `warnings` when the file is ignored).
fn password(
    params: &Params,
    origins: &Origins,
    home: &Path,
    warnings: &mut Vec<String>,
) -> (Option<(String, String)>, Option<pgpass::PassFile>) {
    let password = params
        .get("password")
        .map(|p| (p.to_string(), origins.of("password").to_string()));
    if password.is_some() {
        return (password, None);
    }
    let path = params
        .get("passfile")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".pgpass"));
    let pass_file = match pgpass::load(&path) {
        pgpass::Loaded::Ok(f) => Some(f),
        pgpass::Loaded::Missing => None,
        pgpass::Loaded::Ignored(why) => {
            warnings.push(why);
            None
        }
    };
    (None, pass_file)
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
    use super::super::test_support::{origins, settings, spec};
    use super::*;
    use crate::settings::{Source, Sourced};

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
    fn routing_for_read_only_mode_and_for_writes() {
        let from = || Purpose::ReadOnly("flag --read-only".into());
        // Read-only mode prefers a standby, unless the string already asks for one.
        for (given, routed) in [
            ("read-write", SessionAttrs::PreferStandby),
            ("primary", SessionAttrs::PreferStandby),
            ("any", SessionAttrs::PreferStandby),
            ("standby", SessionAttrs::Standby),
            ("read-only", SessionAttrs::ReadOnly),
        ] {
            let mut s = spec(&format!("host=a,b user=u target_session_attrs={given}")).unwrap();
            s.route(from()).unwrap();
            assert_eq!(s.session_attrs, routed, "{given}");
        }
        // A command that writes is refused where the string seeks a standby, nowhere else.
        for (given, ok) in [
            ("read-write", true),
            ("primary", true),
            ("any", true),
            ("prefer-standby", false),
            ("standby", false),
            ("read-only", false),
        ] {
            let mut s = spec(&format!("host=a,b user=u target_session_attrs={given}")).unwrap();
            assert_eq!(
                s.route(Purpose::Writes("task create")).is_ok(),
                ok,
                "{given}"
            );
        }
    }

    #[test]
    fn settings_timeout_applies_when_the_string_has_none() {
        let mut s = settings();
        s.connect_timeout = Sourced {
            value: 0,
            source: Source::Default,
        };
        let params = conninfo::parse("host=a user=u").unwrap();
        let spec = ConnSpec::from_params(&params, &origins(), &s).unwrap();
        assert_eq!(spec.connect_timeout, None, "0 waits forever, as in libpq");
    }
}
