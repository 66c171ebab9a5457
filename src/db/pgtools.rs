//! PostgreSQL's client tools (pg_dump, pg_restore, psql): finding a set at least as new as the
//! server, pointing a child process at the database through its environment (never its command
//! line, so the password is not visible in `ps`), and reading what a failed one said.
//!
//! The directories to look in come from [`crate::local::bindir`], the one lookup of PostgreSQL
//! binaries (shared with the managed cluster).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::Result;

use crate::exit::failed;

/// The client programs used for backups, and their version.
#[derive(Debug, Clone)]
pub struct PgTools {
    pub pg_dump: PathBuf,
    pub pg_restore: PathBuf,
    pub psql: PathBuf,
    pub version: String,
    pub major: u32,
}

/// The major version in "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → (15, "15.18"):
/// the version word as [`crate::local::bindir::parse_version`] finds it, and its leading number.
pub fn parse_tool_version(text: &str) -> Option<(u32, String)> {
    let version = crate::local::bindir::parse_version(text)?;
    let major = version
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some((major, version.to_string()))
}

fn tool_version(pg_dump: &Path) -> Option<(u32, String)> {
    let out = std::process::Command::new(pg_dump)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_tool_version(&String::from_utf8_lossy(&out.stdout))
}

/// Every directory holding all three tools, with their version, in order of preference.
fn installed() -> Vec<PgTools> {
    let mut found: Vec<PgTools> = Vec::new();
    for dir in crate::local::bindir::client_dirs() {
        let pg_dump = dir.join("pg_dump");
        let pg_restore = dir.join("pg_restore");
        let psql = dir.join("psql");
        if !pg_dump.is_file() || !pg_restore.is_file() || !psql.is_file() {
            continue;
        }
        if found.iter().any(|t| t.pg_dump == pg_dump) {
            continue;
        }
        if let Some((major, version)) = tool_version(&pg_dump) {
            found.push(PgTools {
                pg_dump,
                pg_restore,
                psql,
                version,
                major,
            });
        }
    }
    found
}

/// Find pg_dump and pg_restore at least as new as the server (`server_major`), or the newest
/// available when there is no server to compare with.
pub fn find_tools(server_major: Option<u32>) -> Result<PgTools> {
    let found = installed();
    let Some(server) = server_major else {
        return found.into_iter().max_by_key(|t| t.major).ok_or_else(|| {
            failed("pg_restore was not found; install the PostgreSQL client tools (Debian/Ubuntu: postgresql-client)")
        });
    };
    if let Some(t) = found.iter().find(|t| t.major >= server) {
        return Ok(t.clone());
    }
    let have = found
        .iter()
        .map(|t| format!("{} ({})", t.version, t.pg_dump.display()))
        .collect::<Vec<_>>();
    if have.is_empty() {
        return Err(failed(format!(
            "pg_dump, pg_restore and psql were not found (server bindir, PATH, /usr/lib/postgresql); install postgresql-client-{server} (Debian/Ubuntu; elsewhere the PostgreSQL {server} client tools)"
        )));
    }
    Err(failed(format!(
        "the server is PostgreSQL {server} but only pg_dump {} was found, and an older pg_dump cannot back it up safely: install postgresql-client-{server} (Debian/Ubuntu; elsewhere the PostgreSQL {server} client tools)",
        have.join(", ")
    )))
}

/// PG* variables that make a libpq child connect where `conn` points, with the same TLS
/// verification as taskdb (sslmode, root and client certificates). Inherited connection
/// variables are removed first so they cannot redirect it; the password travels only in the
/// child's environment, never on its command line.
pub fn apply_connection_env(cmd: &mut tokio::process::Command, conn: &crate::db::ToolConn) {
    for var in crate::db::LIBPQ_CONNECTION_VARIABLES {
        cmd.env_remove(var);
    }
    for (key, value) in conn.libpq_env() {
        cmd.env(key, value);
    }
    // Every configured host (libpq fails over like taskdb), and the database the caller chose.
    let hosts: Vec<String> = conn
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(s) => s.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .collect();
    if hosts.len() > 1 {
        cmd.env_remove("PGHOSTADDR");
        cmd.env("PGHOST", hosts.join(","));
        let ports: Vec<String> = conn.get_ports().iter().map(u16::to_string).collect();
        cmd.env("PGPORT", ports.join(","));
    }
    if let Some(db) = conn.get_dbname() {
        cmd.env("PGDATABASE", db);
    }
    cmd.env("PGAPPNAME", "taskdb backup");
}

/// The first lines of a child's stderr, for an error message.
pub fn stderr_excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .collect();
    if lines.is_empty() {
        "no message".into()
    } else {
        lines.join(" / ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_versions_parse() {
        assert_eq!(
            parse_tool_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"),
            Some((15, "15.18".to_string()))
        );
        assert_eq!(
            parse_tool_version("pg_dump (PostgreSQL) 17beta1"),
            Some((17, "17beta1".to_string()))
        );
        assert_eq!(parse_tool_version("nonsense"), None);
    }
}
