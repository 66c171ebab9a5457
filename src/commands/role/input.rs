//! What `role` commands read from the command line and files, checked before anything connects:
//! role names, kinds, `--valid-until`, password files.

use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};

use crate::db::roles::{Kind, ValidUntil};
use crate::exit::usage;

/// PostgreSQL's longest identifier (NAMEDATALEN - 1 bytes); a longer name would be cut short
/// silently, creating a role of another name.
const MAX_NAME_BYTES: usize = 63;

/// A name for a new login role: 1–63 bytes, no control characters, not reserved by PostgreSQL
/// (`pg_…`, `public`, …) nor one of taskdb's group roles. Spaces and quotes are fine: names
/// are quoted in every statement.
pub(super) fn new_role_name(name: &str) -> Result<&str> {
    if name.is_empty() {
        return Err(usage("a role name cannot be empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(usage(format!(
            "role name is {} bytes long: PostgreSQL keeps at most {MAX_NAME_BYTES}",
            name.len()
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(usage("a role name cannot contain control characters"));
    }
    if name.starts_with("pg_") {
        return Err(usage(format!(
            "role names beginning with pg_ are reserved by PostgreSQL ({name})"
        )));
    }
    let lower = name.to_ascii_lowercase();
    if [
        "public",
        "none",
        "current_user",
        "current_role",
        "session_user",
    ]
    .contains(&lower.as_str())
    {
        return Err(usage(format!("{name} is reserved by PostgreSQL")));
    }
    if Kind::ALL.iter().any(|k| k.group() == name) {
        return Err(usage(format!(
            "{name} is one of taskdb's group roles: a login role needs a name of its own"
        )));
    }
    Ok(name)
}

/// `--kind`: reader, agent or operator.
pub(super) fn kind(text: &str) -> Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.name() == text)
        .ok_or_else(|| {
            usage(format!(
                "unknown role kind {text:?}: reader, agent or operator"
            ))
        })
}

/// `--valid-until`: a date (`2027-01-31`: from midnight UTC), an RFC 3339 time, or `infinity`;
/// not in the past (`now` is the present).
pub(super) fn valid_until(text: &str, now: DateTime<Utc>) -> Result<ValidUntil> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("infinity") || t.eq_ignore_ascii_case("never") {
        return Ok(ValidUntil::Never);
    }
    let at = if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).map(|dt| dt.and_utc())
    } else {
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|dt| dt.with_timezone(&Utc))
    };
    let Some(at) = at else {
        return Err(usage(format!(
            "--valid-until {text:?}: expected a date (2027-01-31), an RFC 3339 time (2027-01-31T12:00:00Z) or infinity"
        )));
    };
    if at <= now {
        return Err(usage(format!(
            "--valid-until {text}: that is in the past; the password would never work"
        )));
    }
    Ok(ValidUntil::At(at))
}

/// The password in `path`: its text without one trailing line break; not empty, no NUL, at most
/// 1 KiB. An unreadable file is bad input (exit 2). The error never quotes the file's contents.
pub(super) fn password_file(path: &Path) -> Result<String> {
    let bytes = crate::limits::read(path, 1024, "password files").map_err(|e| {
        usage(format!(
            "cannot read the password file {}: {e}",
            path.display()
        ))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        usage(format!(
            "the password file {} is not UTF-8 text",
            path.display()
        ))
    })?;
    let password = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if password.is_empty() {
        return Err(usage(format!(
            "the password file {} is empty",
            path.display()
        )));
    }
    if password.contains(['\0', '\n', '\r']) {
        return Err(usage(format!(
            "the password file {} holds more than one line (or a NUL byte): a password is one line",
            path.display()
        )));
    }
    Ok(password.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn names_refused_and_kept() {
        for bad in [
            "",
            "pg_agent",
            "PUBLIC",
            "taskdb_agent",
            "a\nb",
            &"x".repeat(64),
        ] {
            assert!(new_role_name(bad).is_err(), "{bad:?}");
        }
        for good in ["agent-1", "o'brien agent", "\"quoted\"", &"x".repeat(63)] {
            assert_eq!(new_role_name(good).unwrap(), good);
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(kind("agent").unwrap(), Kind::Agent);
        assert!(kind("admin").is_err());
        assert!(kind("Agent").is_err());
    }

    #[test]
    fn valid_until_forms() {
        assert_eq!(valid_until("infinity", now()).unwrap(), ValidUntil::Never);
        assert_eq!(
            valid_until("2027-01-31", now()).unwrap(),
            ValidUntil::At(
                DateTime::parse_from_rfc3339("2027-01-31T00:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
        assert!(valid_until("2027-01-31T12:00:00+02:00", now()).is_ok());
        for bad in ["2027-02-30", "tomorrow", "", "2020-01-01", "2026-06-01"] {
            assert!(valid_until(bad, now()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_files() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        assert_eq!(password_file(&write("a", b"s3cret\n")).unwrap(), "s3cret");
        assert_eq!(password_file(&write("b", b"s3cret\r\n")).unwrap(), "s3cret");
        assert_eq!(password_file(&write("c", b"s3 cret")).unwrap(), "s3 cret");
        for (name, bytes) in [
            ("e", &b""[..]),
            ("n", b"\n"),
            ("two", b"zq9secret\nb\n"),
            ("nul", b"zq9secret\0b"),
            ("bin", b"zq9secret\xff\xfe"),
        ] {
            let err = password_file(&write(name, bytes)).unwrap_err().to_string();
            assert!(!err.contains("zq9secret"), "{err}");
        }
        assert!(password_file(&dir.path().join("missing")).is_err());
        assert!(password_file(&write("big", &[b'x'; 2000])).is_err());
    }
}
