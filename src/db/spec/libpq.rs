//! The spec back out: the password for a host, a tokio-postgres config for one host or for all
//! of them, and the libpq variables that make pg_dump, pg_restore and psql connect exactly as
//! taskdb does.

use std::path::Path;

use anyhow::Result;
use tokio_postgres::config::{SslMode as PgSslMode, TargetSessionAttrs};

use super::{ConnSpec, Endpoint, Host};
use crate::db::route::SessionAttrs;
use crate::db::tls::{RootCert, SslMode};
use crate::exit::usage;

impl ConnSpec {
    /// The password for one host and where it came from.
    pub(in crate::db) fn password_for(&self, endpoint: &Endpoint) -> Option<(&str, String)> {
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

    pub(in crate::db) fn endpoint_config(
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

    /// All hosts as one tokio-postgres config (see [`crate::db::ToolConn`]).
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
        // The values tokio-postgres knows; the libpq tools get all of them (PGTARGETSESSIONATTRS).
        match self.session_attrs {
            SessionAttrs::ReadWrite => config.target_session_attrs(TargetSessionAttrs::ReadWrite),
            SessionAttrs::ReadOnly => config.target_session_attrs(TargetSessionAttrs::ReadOnly),
            _ => &mut config,
        };
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

    /// libpq variables that reproduce this spec for one host (see [`crate::db::ToolConn::libpq_env`]).
    pub(in crate::db) fn libpq_env(&self, endpoint: &Endpoint) -> Vec<(&'static str, String)> {
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
        // The same choice of server (libpq 14 and later know every value).
        if self.session_attrs != SessionAttrs::Any {
            env.push((
                "PGTARGETSESSIONATTRS",
                self.session_attrs.name().to_string(),
            ));
        }
        env
    }
}

fn is_default_socket_dir(dir: &Path) -> bool {
    ["/var/run/postgresql", "/run/postgresql", "/tmp"]
        .iter()
        .any(|d| dir == Path::new(d))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::test_support::spec;
    use super::*;

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
        assert!(
            !env.contains_key("PGTARGETSESSIONATTRS"),
            "any is libpq's default"
        );
        let s = spec("host=a,b user=u target_session_attrs=prefer-standby").unwrap();
        let with_attrs: BTreeMap<_, _> = s.libpq_env(&s.endpoints[0]).into_iter().collect();
        assert_eq!(with_attrs["PGTARGETSESSIONATTRS"], "prefer-standby");
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
