//! The libpq password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`), read like libpq reads it:
//! `hostname:port:database:username:password` lines, `*` matches anything in the first four
//! fields, `\:` and `\\` escape, `#` starts a comment, the first matching line wins, and a file
//! that the group or others can access is ignored with a warning.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    host: String,
    port: String,
    database: String,
    user: String,
    password: String,
}

/// A loaded password file.
#[derive(Debug, Clone, Default)]
pub struct PassFile {
    pub path: PathBuf,
    entries: Vec<Entry>,
}

/// The outcome of trying to load the file.
pub enum Loaded {
    /// No such file: nothing to do, nothing to say.
    Missing,
    /// The file was ignored; the text says why (printed as a warning).
    Ignored(String),
    Ok(PassFile),
}

/// Load `path` if it exists and is private enough.
pub fn load(path: &Path) -> Loaded {
    let Ok(meta) = std::fs::metadata(path) else {
        return Loaded::Missing;
    };
    if !meta.is_file() {
        return Loaded::Ignored(format!(
            "password file {} is not a plain file; ignoring it",
            path.display()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        return Loaded::Ignored(format!(
            "password file {} has group or world access; permissions should be u=rw (0600) or less; ignoring it",
            path.display()
        ));
    }
    match crate::limits::read_to_string(path, crate::limits::SMALL_FILE, "password files") {
        Ok(text) => Loaded::Ok(PassFile {
            path: path.to_path_buf(),
            entries: parse(&text),
        }),
        Err(e) => Loaded::Ignored(format!(
            "cannot read password file {}: {e}; ignoring it",
            path.display()
        )),
    }
}

/// Parse the file's text; malformed lines (fewer than five fields) are skipped, as in libpq.
pub fn parse(text: &str) -> Vec<Entry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let fields = split_fields(line.trim_end_matches('\r'));
            let [host, port, database, user, password]: [String; 5] = fields.try_into().ok()?;
            Some(Entry {
                host,
                port,
                database,
                user,
                password,
            })
        })
        .collect()
}

/// Split on unescaped ':' into at most five fields, the last one taking the rest.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    if let Some(f) = fields.last_mut() {
                        f.push(next);
                    }
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

impl PassFile {
    /// The password for a connection, if a line matches. `host` is what libpq would compare:
    /// the host name, or `localhost` for the default Unix socket directory.
    pub fn lookup(&self, host: &str, port: u16, database: &str, user: &str) -> Option<&str> {
        let port = port.to_string();
        let matches = |field: &str, value: &str| field == "*" || field == value;
        self.entries
            .iter()
            .find(|e| {
                matches(&e.host, host)
                    && matches(&e.port, &port)
                    && matches(&e.database, database)
                    && matches(&e.user, user)
            })
            .map(|e| e.password.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn wildcards_escapes_and_first_match() {
        let f = PassFile {
            path: PathBuf::new(),
            entries: parse(
                "# comment\n\
                 db.example:5432:app:bob:first\n\
                 db.example:*:*:bob:second\n\
                 h\\:x:5432:*:*:colon\\:in\\\\pw\n\
                 *:*:*:*:fallback:with:colons\n\
                 too:few\n",
            ),
        };
        assert_eq!(f.lookup("db.example", 5432, "app", "bob"), Some("first"));
        assert_eq!(f.lookup("db.example", 6000, "other", "bob"), Some("second"));
        assert_eq!(f.lookup("h:x", 5432, "d", "u"), Some("colon:in\\pw"));
        assert_eq!(
            f.lookup("elsewhere", 1, "d", "u"),
            Some("fallback:with:colons")
        );
    }

    #[test]
    fn group_readable_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:pw\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(load(&path), Loaded::Ignored(m) if m.contains("group or world")));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let Loaded::Ok(f) = load(&path) else {
            panic!("0600 file should load")
        };
        assert_eq!(f.lookup("h", 1, "d", "u"), Some("pw"));
        assert!(matches!(load(&dir.path().join("nope")), Loaded::Missing));
    }
}
