//! Parsing PostgreSQL connection strings the way libpq does: `postgres[ql]://` URLs (several
//! hosts, percent-encoding, query parameters) and `key=value` conninfo (quoting, escapes).
//!
//! We parse them ourselves because tokio-postgres' parser rejects the TLS keys libpq users rely
//! on (`sslmode=verify-full`, `sslrootcert`, `sslcert`, `sslkey`, ...). The result is a flat list
//! of (key, value) pairs; `db::spec` turns it into connection attempts.
//!
//! Error messages never contain values (a value may be a password).

use std::fmt;

/// How taskdb uses a connection key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// `db::spec` interprets it (hosts, user, database, TLS, password, timeouts, ...).
    Resolved,
    /// Handed to tokio-postgres as it is, which validates the value (`db::spec` may check it
    /// against other keys first).
    PassedThrough,
}

/// Every key taskdb understands, and how it uses it: the one list of libpq keywords. Anything
/// else is an error, as in libpq.
pub const KNOWN_KEYS: &[(&str, KeyUse)] = &[
    ("host", KeyUse::Resolved),
    ("hostaddr", KeyUse::Resolved),
    ("port", KeyUse::Resolved),
    ("user", KeyUse::Resolved),
    ("password", KeyUse::Resolved),
    ("passfile", KeyUse::Resolved),
    ("dbname", KeyUse::Resolved),
    ("options", KeyUse::PassedThrough),
    ("application_name", KeyUse::Resolved),
    ("fallback_application_name", KeyUse::Resolved),
    ("connect_timeout", KeyUse::Resolved),
    ("tcp_user_timeout", KeyUse::PassedThrough),
    ("keepalives", KeyUse::PassedThrough),
    ("keepalives_idle", KeyUse::PassedThrough),
    ("keepalives_interval", KeyUse::PassedThrough),
    ("keepalives_retries", KeyUse::PassedThrough),
    ("target_session_attrs", KeyUse::Resolved),
    ("load_balance_hosts", KeyUse::Resolved),
    ("channel_binding", KeyUse::PassedThrough),
    ("sslmode", KeyUse::Resolved),
    ("sslrootcert", KeyUse::Resolved),
    ("sslcert", KeyUse::Resolved),
    ("sslkey", KeyUse::Resolved),
    ("sslsni", KeyUse::Resolved),
    ("sslnegotiation", KeyUse::PassedThrough),
    ("ssl_min_protocol_version", KeyUse::Resolved),
    ("ssl_max_protocol_version", KeyUse::Resolved),
    ("gssencmode", KeyUse::Resolved),
];

/// Whether taskdb understands `key`.
pub fn is_known(key: &str) -> bool {
    KNOWN_KEYS.iter().any(|(k, _)| *k == key)
}

/// The keys handed to tokio-postgres as they are, in [`KNOWN_KEYS`] order.
pub fn passed_through_keys() -> impl Iterator<Item = &'static str> {
    KNOWN_KEYS
        .iter()
        .filter(|(_, u)| *u == KeyUse::PassedThrough)
        .map(|(k, _)| *k)
}

/// libpq keys we recognise but cannot honour; named in the error so it is not a mystery.
const UNSUPPORTED_KEYS: &[(&str, &str)] = &[
    (
        "sslpassword",
        "encrypted client keys are not supported; decrypt the key file (0600)",
    ),
    ("sslcrl", "certificate revocation lists are not supported"),
    (
        "sslcrldir",
        "certificate revocation lists are not supported",
    ),
    ("sslcompression", "TLS compression is not supported"),
    (
        "sslcertmode",
        "not supported; sslcert/sslkey are sent when given",
    ),
    (
        "service",
        "service files are not supported; use a URL or key=value conninfo",
    ),
    ("krbsrvname", "Kerberos/GSSAPI is not supported"),
    ("gsslib", "Kerberos/GSSAPI is not supported"),
    ("requirepeer", "not supported"),
    ("require_auth", "not supported"),
    ("replication", "replication connections are not supported"),
    ("client_encoding", "taskdb always uses UTF8"),
];

/// A parse failure; the text never includes a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(msg: impl Into<String>) -> ParseError {
    ParseError(msg.into())
}

/// Parsed connection parameters in order; a later key overrides an earlier one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Set a key (checked against the known keys by the caller).
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.pairs.push((key.to_string(), value.into()));
    }

    /// Set a key unless the string already has it (how libpq applies environment defaults).
    pub fn set_default(&mut self, key: &str, value: impl Into<String>) {
        if !self.contains(key) {
            self.set(key, value);
        }
    }

    /// The effective (key, value) pairs, one per key, in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut seen: Vec<&str> = Vec::new();
        self.pairs.iter().filter_map(move |(k, _)| {
            if seen.contains(&k.as_str()) {
                return None;
            }
            seen.push(k);
            self.get(k).map(|v| (k.as_str(), v))
        })
    }
}

/// Parse a URL (`postgres://` or `postgresql://`) or `key=value` conninfo.
pub fn parse(s: &str) -> Result<Params, ParseError> {
    let trimmed = s.trim();
    let params = if let Some(rest) = trimmed
        .strip_prefix("postgresql://")
        .or_else(|| trimmed.strip_prefix("postgres://"))
    {
        parse_url(rest)?
    } else if trimmed.contains("://") {
        return Err(err("the URL scheme must be postgres:// or postgresql://"));
    } else {
        parse_keyword_value(trimmed)?
    };
    // A badly quoted password splits into words that look like keys (`password=a b=c`): such
    // a "key" is only named when there is no password it could be part of.
    let has_password = params.contains("password");
    for (key, _) in &params.pairs {
        check_key(key, has_password)?;
    }
    Ok(params)
}

fn check_key(key: &str, has_password: bool) -> Result<(), ParseError> {
    if is_known(key) {
        return Ok(());
    }
    if let Some((_, why)) = UNSUPPORTED_KEYS.iter().find(|(k, _)| *k == key) {
        return Err(err(format!(
            "connection option `{key}` is not supported: {why}"
        )));
    }
    if has_password {
        return Err(err(
            "unknown connection option (not named: it may be part of the password; quote values with spaces in '...')",
        ));
    }
    Err(err(format!("unknown connection option `{key}`")))
}

// ---- key=value ----------------------------------------------------------------------------------

fn parse_keyword_value(s: &str) -> Result<Params, ParseError> {
    let mut params = Params::default();
    let mut chars = s.chars().peekable();
    let mut word = 0;
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        word += 1;
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            // The word is not echoed: it may be part of an unquoted password.
            return Err(err(format!(
                "word {word} of the connection string has no \"=\" (expected key=value pairs or a postgres:// URL; quote values with spaces in '...')"
            )));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '\'' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(err(format!(
                    "unterminated quoted value of `{key}` in the connection string"
                )));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        params.set(&key, value);
    }
    Ok(params)
}

// ---- URLs ---------------------------------------------------------------------------------------

fn parse_url(rest: &str) -> Result<Params, ParseError> {
    let mut params = Params::default();
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => (&before_query[..i], Some(&before_query[i + 1..])),
        None => (before_query, None),
    };
    // Credentials end at the last '@' of the authority, so an unencoded '@' in a password works.
    let hostspec = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let (user, password) = match userinfo.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (userinfo, None),
            };
            if !user.is_empty() {
                params.set("user", decode(user, "user name")?);
            }
            if let Some(p) = password {
                params.set("password", decode(p, "password")?);
            }
            &authority[at + 1..]
        }
        None => authority,
    };
    if !hostspec.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for one in hostspec.split(',') {
            let (host, port) = split_host_port(one)?;
            hosts.push(decode(host, "host")?);
            ports.push(port.to_string());
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            params.set("host", hosts.join(","));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            params.set("port", ports.join(","));
        }
    }
    if let Some(db) = path.filter(|p| !p.is_empty()) {
        params.set("dbname", decode(db, "database name")?);
    }
    if let Some(query) = query {
        for part in query.split('&').filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(err(
                    "a URL query parameter has no \"=\" (expected ?key=value&key=value)",
                ));
            };
            let key = decode(key, "query parameter name")?;
            let value = decode(value, "query parameter value")?;
            // JDBC-style `ssl=true`, which libpq also accepts.
            if key == "ssl" {
                if value == "true" {
                    params.set("sslmode", "require");
                    continue;
                }
                return Err(err("URL parameter `ssl` only accepts `true`"));
            }
            params.set(&key, value);
        }
    }
    Ok(params)
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(s: &str) -> Result<(&str, &str), ParseError> {
    if let Some(rest) = s.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(err("unterminated [IPv6 address] in the URL"));
        };
        let host = &rest[..end];
        let after = &rest[end + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, port)),
            None if after.is_empty() => Ok((host, "")),
            None => Err(err("unexpected text after ]IPv6 address] in the URL")),
        };
    }
    Ok(match s.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None => (s, ""),
    })
}

fn decode(s: &str, what: &str) -> Result<String, ParseError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => out.push(b),
                None => return Err(err(format!("invalid percent-encoding in the URL's {what}"))),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| err(format!("the URL's {what} is not valid UTF-8")))
}

/// Quote a value for a `key=value` conninfo string.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse(s)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn urls_with_several_hosts_and_tls_keys() {
        assert_eq!(
            pairs("postgres://bob:p%40ss@a:5432,b:5433/app?sslmode=verify-full&sslrootcert=/ca.pem&target_session_attrs=read-write"),
            vec![
                p("user", "bob"),
                p("password", "p@ss"),
                p("host", "a,b"),
                p("port", "5432,5433"),
                p("dbname", "app"),
                p("sslmode", "verify-full"),
                p("sslrootcert", "/ca.pem"),
                p("target_session_attrs", "read-write"),
            ]
        );
        assert_eq!(
            pairs("postgresql://[::1]:6000,other/db"),
            vec![
                p("host", "::1,other"),
                p("port", "6000,"),
                p("dbname", "db")
            ]
        );
        assert_eq!(
            pairs("postgresql://%2Ftmp%2Fsock/db?ssl=true"),
            vec![
                p("host", "/tmp/sock"),
                p("dbname", "db"),
                p("sslmode", "require")
            ]
        );
        assert_eq!(
            pairs("postgres://u@/db?host=/run/pg&port=5433"),
            vec![
                p("user", "u"),
                p("dbname", "db"),
                p("host", "/run/pg"),
                p("port", "5433")
            ]
        );
        // An unencoded '@' in the password: the last '@' ends the credentials.
        assert_eq!(pairs("postgres://u:a@b@h/d")[1], p("password", "a@b"));
    }

    #[test]
    fn keyword_value_with_quotes_and_escapes() {
        assert_eq!(
            pairs("host=a,b port = 1,2 password='it\\'s secret' sslkey=/k\\ ey dbname=x"),
            vec![
                p("host", "a,b"),
                p("port", "1,2"),
                p("password", "it's secret"),
                p("sslkey", "/k ey"),
                p("dbname", "x"),
            ]
        );
        // A later key wins.
        assert_eq!(pairs("dbname=a dbname=b"), vec![p("dbname", "b")]);
        assert_eq!(pairs("password=''"), vec![p("password", "")]);
    }

    #[test]
    fn errors_never_contain_values() {
        for bad in [
            "postgres://u:s3cr%zzet@h/db",
            "host=h password='s3cret",
            "host=h s3cret",
            "postgres://h/db?s3cret",
            "mysql://u:s3cret@h/db",
            "host=h password=ab s3cret=x",
            "postgres://h/db?password=ab&s3cret=x",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(!e.contains("s3cr"), "{bad}: {e}");
        }
        assert_eq!(
            parse("host=h foo=1").unwrap_err().to_string(),
            "unknown connection option `foo`"
        );
        assert!(parse("postgres://h/db?sslcrl=x")
            .unwrap_err()
            .to_string()
            .contains("not supported"));
    }

    #[test]
    fn passed_through_keys_keep_their_order() {
        let keys: Vec<&str> = passed_through_keys().collect();
        assert_eq!(
            keys,
            [
                "options",
                "tcp_user_timeout",
                "keepalives",
                "keepalives_idle",
                "keepalives_interval",
                "keepalives_retries",
                "channel_binding",
                "sslnegotiation",
            ]
        );
        assert!(is_known("sslmode") && !is_known("sslcrl"));
    }

    #[test]
    fn quoting_round_trips() {
        let v = "a 'quoted' \\ value";
        let parsed = parse(&format!("options={}", quote(v))).unwrap();
        assert_eq!(parsed.get("options"), Some(v));
    }
}
