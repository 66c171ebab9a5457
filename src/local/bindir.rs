//! Where PostgreSQL's programs are on this machine: the server programs (initdb, pg_ctl,
//! postgres) the managed cluster runs, and the directories that may hold the client tools
//! (pg_dump, pg_restore, psql) backups run. `TASKDB_PG_BINDIR` overrides both.
//!
//! The one lookup of PostgreSQL binaries. It lives in `local` because `local` needs it and
//! `db` already uses `local` (`db::spec` starts the managed cluster): `db::pgtools` asks here
//! for its candidate directories, and `local` never has to reach up into `db`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::exit::{failed, usage};

/// `TASKDB_PG_BINDIR`, when set and not empty: then the only place looked at.
fn explicit() -> Option<PathBuf> {
    std::env::var_os("TASKDB_PG_BINDIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// The directories of `PATH`, in order.
fn path_dirs() -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default()
}

/// Every `/usr/lib/postgresql/<major>/bin`, newest major first (Debian keeps one per major).
fn versioned_dirs() -> Vec<PathBuf> {
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versioned.sort_by(|a, b| b.cmp(a));
    versioned.into_iter().map(|(_, dir)| dir).collect()
}

/// Where the PostgreSQL server binaries are: `TASKDB_PG_BINDIR`, `initdb` on PATH,
/// `pg_config --bindir`, or the highest `/usr/lib/postgresql/*/bin`.
pub fn find_bindir() -> Result<PathBuf> {
    if let Some(dir) = explicit() {
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
        return Err(usage(format!(
            "TASKDB_PG_BINDIR={} has no initdb",
            dir.display()
        )));
    }
    if let Some(dir) = path_dirs()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    {
        return Ok(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").is_file() {
            return Ok(dir);
        }
    }
    versioned_dirs()
        .into_iter()
        .find(|dir| dir.join("initdb").is_file())
        .ok_or_else(|| {
            failed(
                "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH, via pg_config, or under /usr/lib/postgresql; install the server package (Debian: apt-get install postgresql; Fedora: dnf install postgresql-server; macOS: brew install postgresql) or run ./install.sh --with-postgres",
            )
        })
}

/// Directories that may hold the client tools, in order of preference: next to the server
/// binaries, PATH, then every `/usr/lib/postgresql/<major>/bin`, newest first. An explicit
/// `TASKDB_PG_BINDIR` is the only place looked at.
pub fn client_dirs() -> Vec<PathBuf> {
    if let Some(dir) = explicit() {
        return vec![dir];
    }
    let mut dirs = Vec::new();
    dirs.extend(find_bindir().ok());
    dirs.extend(path_dirs());
    dirs.extend(versioned_dirs());
    dirs
}

/// The version a PostgreSQL program's `--version` prints (postgres, pg_dump, …):
/// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" is 15.18, not the packager's suffix
/// (the last word, which this used to take).
pub fn parse_version(text: &str) -> Option<&str> {
    let line = text.lines().next()?;
    let after = line
        .split_once("(PostgreSQL)")
        .map_or(line, |(_, rest)| rest);
    after
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_come_from_the_version_word_not_the_packager_suffix() {
        for (text, want) in [
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n",
                "15.18",
            ),
            (
                "postgres (PostgreSQL) 16.4 (Ubuntu 16.4-1.pgdg22.04+2)\n",
                "16.4",
            ),
            ("postgres (PostgreSQL) 17.2\n", "17.2"),
            ("postgres (PostgreSQL) 14.5 (Homebrew)\n", "14.5"),
            ("postgres (PostgreSQL) 18devel\n", "18devel"),
            ("postgres (PostgreSQL) 16beta2\n", "16beta2"),
        ] {
            assert_eq!(super::parse_version(text), Some(want), "{text}");
        }
        assert_eq!(super::parse_version("not postgres\n"), None);
        assert_eq!(super::parse_version(""), None);
    }
}
