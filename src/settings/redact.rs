//! Showing connection strings and webhook URLs without their secrets.
//!
//! Redaction works on the parsed parameters, never on the text: libpq accepts `password = x`,
//! `password='a b'`, escapes, percent-encoding and `?password=` in URLs, and any text-based
//! masking misses one of them. A string that does not parse is not shown at all.

use crate::conninfo::{self, Params};

/// What a password is shown as.
pub const MASK: &str = "********";

/// Shown instead of a connection string that does not parse (it may hold a password anywhere).
pub const UNPARSEABLE: &str = "(unparseable connection string)";

/// A connection string (URL or key=value) with its password replaced by [`MASK`], in the same
/// form as the input. Everything else keeps its value.
pub fn conninfo(s: &str) -> String {
    let Ok(params) = conninfo::parse(s) else {
        return UNPARSEABLE.into();
    };
    if !plausible(s, &params) {
        return NOT_SHOWN.into();
    }
    let masked = masked(&params);
    if is_url(s) {
        // The URL form is nicer to read but cannot spell every combination (say, three hosts
        // and two ports); keep it only when it parses back to the same parameters.
        let url = url_form(&masked);
        if conninfo::parse(&url).is_ok_and(|p| same(&p, &masked)) {
            return url;
        }
    }
    keyword_form(&masked)
}

/// Shown instead of a string that parses only because a password was not written right.
pub const NOT_SHOWN: &str =
    "(connection string not shown: its host, port or credentials are malformed)";

/// A password with an unencoded '/' (`postgres://u:pa/ss@h`) or a URL cut before its '@'
/// (`postgres://u:pass`) parses with the password in the host, port or database name. Such a
/// string cannot connect anyway (libpq rejects the same ports and hosts), so it is not shown.
fn plausible(s: &str, params: &Params) -> bool {
    // Trimmed as `db::spec` trims them.
    let host_ok = |h: &str| {
        let h = h.trim();
        // A socket directory: printable ASCII only, or a password cut before its '@' with a
        // `%2F` in it (`postgresql://app:,%2Fé`) would pass as one.
        (h.starts_with('/') && h.chars().all(|c| c.is_ascii_graphic()))
            || h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '%'))
    };
    let port_ok = |p: &str| p.trim().chars().all(|c| c.is_ascii_digit());
    let hosts_ok = ["host", "hostaddr"]
        .iter()
        .all(|k| params.get(k).is_none_or(|v| v.split(',').all(host_ok)));
    let ports_ok = params.get("port").is_none_or(|v| v.split(',').all(port_ok));
    let credentials_ok = !is_url(s) || {
        let rest = s.trim().split_once("://").map_or("", |(_, r)| r);
        let before_query = rest.split('?').next().unwrap_or("");
        // The credentials end at the first '/': an '@' after it was meant to end them.
        before_query
            .split_once('/')
            .is_none_or(|(_, path)| !path.contains('@'))
    };
    hosts_ok && ports_ok && credentials_ok
}

fn is_url(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// The effective parameters with the password's value masked.
fn masked(params: &Params) -> Params {
    let mut out = Params::default();
    for (key, value) in params.iter() {
        out.set(key, if key == "password" { MASK } else { value });
    }
    out
}

/// The same effective parameters (each key once, so order does not matter).
fn same(a: &Params, b: &Params) -> bool {
    let set = |p: &Params| {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeSet<_>>()
    };
    set(a) == set(b)
}

/// `key=value …`, values quoted where libpq needs it.
fn keyword_form(params: &Params) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", quote_if_needed(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn quote_if_needed(v: &str) -> String {
    if v.is_empty()
        || v.chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\')
    {
        conninfo::quote(v)
    } else {
        v.to_string()
    }
}

/// `postgres://user:pw@host:port,…/dbname?key=value&…`.
fn url_form(params: &Params) -> String {
    let mut out = String::from("postgres://");
    if let Some(user) = params.get("user") {
        out.push_str(&encode(user));
        if params.contains("password") {
            out.push(':');
            out.push_str(MASK);
        }
        out.push('@');
    } else if params.contains("password") {
        out.push(':');
        out.push_str(MASK);
        out.push('@');
    }
    let hosts: Vec<&str> = params
        .get("host")
        .map(|h| h.split(',').collect())
        .unwrap_or_default();
    let ports: Vec<&str> = params
        .get("port")
        .map(|p| p.split(',').collect())
        .unwrap_or_default();
    // Hosts and ports go in the authority only when they pair up one to one.
    let in_authority = !hosts.is_empty() && (ports.is_empty() || ports.len() == hosts.len());
    if in_authority {
        let parts: Vec<String> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let host = if h.contains(':')
                    && h.chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
                {
                    format!("[{h}]")
                } else {
                    encode(h)
                };
                match ports.get(i).filter(|p| !p.is_empty()) {
                    Some(p) => format!("{host}:{}", encode(p)),
                    None => host,
                }
            })
            .collect();
        out.push_str(&parts.join(","));
    }
    out.push('/');
    if let Some(db) = params.get("dbname") {
        out.push_str(&encode(db));
    }
    let query: Vec<String> = params
        .iter()
        .filter(|(k, _)| match *k {
            "user" | "password" | "dbname" => false,
            "host" | "port" => !in_authority,
            _ => true,
        })
        .map(|(k, v)| format!("{k}={}", encode_query(v)))
        .collect();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

/// Percent-encode everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query value: ',', '/' and ':' need no encoding there and are easier to read plain.
fn encode_query(s: &str) -> String {
    encode(s)
        .replace("%2C", ",")
        .replace("%2F", "/")
        .replace("%3A", ":")
}

/// A URL reduced to scheme, host and port: webhook paths and queries often carry tokens.
pub fn url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = authority.rsplit('@').next().unwrap_or(authority);
            if rest.len() > authority.len() {
                format!("{scheme}://{host}/…")
            } else {
                format!("{scheme}://{host}")
            }
        }
        None => "(not a URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issues_spellings_are_masked() {
        assert_eq!(
            conninfo("host=db user=app password = S3cret dbname=t"),
            "host=db user=app password=******** dbname=t"
        );
        assert_eq!(
            conninfo("host=db password='correct horse battery staple' user=bob"),
            "host=db password=******** user=bob"
        );
        assert_eq!(
            conninfo("host='db1, db2' password=x"),
            "host='db1, db2' password=********"
        );
        assert_eq!(
            conninfo("host=db password=it\\'s\\ secret"),
            "host=db password=********"
        );
    }

    #[test]
    fn urls_keep_their_form() {
        assert_eq!(
            conninfo("postgres://bob:s3cret@db:5432/x?sslmode=require&password=p"),
            "postgres://bob:********@db:5432/x?sslmode=require"
        );
        assert_eq!(
            conninfo("postgresql://bob:p%40ss@a:1,[::1]:2/app"),
            "postgres://bob:********@a:1,[::1]:2/app"
        );
        assert_eq!(conninfo("postgres://db/x"), "postgres://db/x");
        assert_eq!(
            conninfo("postgres://u@/db?host=/run/pg&password=s3cret"),
            "postgres://u:********@%2Frun%2Fpg/db"
        );
        // Three hosts, two ports: they stay in the query.
        assert_eq!(
            conninfo("postgres://:s3cret@/d?host=a,b,c&port=1,2"),
            "postgres://:********@/d?host=a,b,c&port=1,2"
        );
    }

    #[test]
    fn unparseable_strings_are_not_shown() {
        for bad in [
            "host=db password='s3cret",
            "host=db password s3cret",
            "postgres://u:s3%zzcret@h/d",
        ] {
            assert_eq!(conninfo(bad), UNPARSEABLE, "{bad}");
        }
        // Found by the property test: a URL cut inside its password, the rest read as hosts
        // (one of them a "socket directory" from `%2F`).
        assert_eq!(conninfo("postgresql://app:,%2Fé"), NOT_SHOWN);
        // These parse, with the password in the port, the host or the database name.
        for bad in [
            "postgres://u:s3/cret@h/db",
            "postgres://u:12/s3cret@h/db",
            "postgres://u:s3cret",
        ] {
            assert_eq!(conninfo(bad), NOT_SHOWN, "{bad}");
        }
    }

    #[test]
    fn webhook_urls_lose_path_query_and_credentials() {
        assert_eq!(
            url("https://u:tok@hooks.example:8443/services/T0/B0?token=x"),
            "https://hooks.example:8443/…"
        );
        assert_eq!(url("not a url"), "(not a URL)");
    }

    mod property {
        use super::super::*;
        use proptest::prelude::*;

        /// Non-ASCII characters only passwords contain: every run of at most two other
        /// characters is followed by one, so a leak of three or more characters of a password
        /// (raw or percent-encoded) shows as one of these or as their UTF-8 lead byte.
        const MARKERS: &[char] = &['é', 'Ж', 'ß', '😀'];
        const MARKER_BYTES: &[&str] = &["%C3", "%D0", "%F0"];

        fn password() -> impl Strategy<Value = String> {
            let filler = prop::collection::vec(
                prop::sample::select(" \t'\\@:/%=?&#,\"abcXYZ019*$;".chars().collect::<Vec<_>>()),
                0..=2,
            );
            let segment = (filler, prop::sample::select(MARKERS.to_vec()))
                .prop_map(|(f, m)| f.into_iter().chain([m]).collect::<String>());
            prop::collection::vec(segment, 1..6).prop_map(|v| v.concat())
        }

        /// Percent-encode `chars` (and '%' and anything non-ASCII when `all`).
        fn enc(s: &str, chars: &str, all: bool) -> String {
            let mut out = String::new();
            for c in s.chars() {
                if c == '%' || chars.contains(c) || (all && !c.is_ascii_alphanumeric()) {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }

        /// A connection string spelling `pw` in one of the ways libpq accepts.
        fn spelled(pw: &str, form: u8, pad: (&str, &str), all: bool, position: usize) -> String {
            let hosts = "h1.example:5432,[::1]:5433";
            match form {
                // key = value, quoted, with any spacing around '='.
                0 | 1 => {
                    let value = if form == 0 {
                        conninfo::quote(pw)
                    } else {
                        // Unquoted: backslash escapes whitespace, quotes and backslashes.
                        pw.chars()
                            .flat_map(|c| {
                                let esc = c.is_whitespace() || c == '\'' || c == '\\';
                                esc.then_some('\\').into_iter().chain([c])
                            })
                            .collect()
                    };
                    let mut words = vec![
                        "host=h1.example,/run/pg".to_string(),
                        "port = 5432,5433".to_string(),
                        "user='app'".to_string(),
                        "dbname=tasks".to_string(),
                    ];
                    let at = position % (words.len() + 1);
                    words.insert(at, format!("password{}={}{value}", pad.0, pad.1));
                    words.join(" ")
                }
                // URL userinfo; '@' and ':' may stay unencoded.
                2 => format!(
                    "postgresql://app:{}@{hosts}/tasks?sslmode=prefer",
                    enc(pw, "/?#&", all)
                ),
                // URL query parameter.
                _ => format!(
                    "postgres://app@{hosts}/tasks?sslmode=prefer&password={}&application_name=x",
                    enc(pw, "&#", all)
                ),
            }
        }

        fn without_password(p: &Params) -> Vec<(String, String)> {
            p.iter()
                .filter(|(k, _)| *k != "password")
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .collect()
        }

        fn leaks(shown: &str) -> bool {
            !shown.is_ascii()
                || MARKER_BYTES
                    .iter()
                    .any(|m| shown.to_ascii_uppercase().contains(m))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn the_password_never_shows_and_the_rest_is_kept(
                pw in password(),
                form in 0u8..4,
                pad in prop::sample::select(vec![("", ""), (" ", " "), ("  ", ""), ("", "\t")]),
                all in any::<bool>(),
                position in 0usize..5,
            ) {
                let s = spelled(&pw, form, pad, all, position);
                let parsed = conninfo::parse(&s).expect("the generated string parses");
                prop_assert_eq!(parsed.get("password"), Some(pw.as_str()), "{}", s);
                let shown = conninfo(&s);
                prop_assert!(!leaks(&shown), "{} shown as {}", s, shown);
                let reparsed = conninfo::parse(&shown).expect("the redaction parses");
                prop_assert_eq!(reparsed.get("password"), Some(MASK));
                prop_assert_eq!(without_password(&reparsed), without_password(&parsed));
            }

            #[test]
            fn broken_strings_and_their_errors_never_show_the_password(
                pw in password(),
                form in 0u8..4,
                all in any::<bool>(),
                cut in any::<prop::sample::Index>(),
                extra in prop::sample::select(vec!["", " bogus", " '", "&x=1", "\\"]),
            ) {
                let s = spelled(&pw, form, ("", ""), all, 4);
                let chars: Vec<char> = s.chars().collect();
                let broken: String = chars[..cut.index(chars.len() + 1)].iter().collect::<String>() + extra;
                prop_assert!(!leaks(&conninfo(&broken)), "{}", broken);
                if let Err(e) = conninfo::parse(&broken) {
                    prop_assert!(!leaks(&e.0), "{} gave {}", broken, e.0);
                }
            }
        }
    }
}
