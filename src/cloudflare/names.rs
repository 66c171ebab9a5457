//! Checks of the names taskdb sends to Cloudflare (hostnames, the tunnel's origin service,
//! tunnel names), shared by `tunnel`, `waf` policies and their tests. Each failure is one usage
//! line (exit 2) that names the flag.

use anyhow::Result;

use crate::exit::usage;

/// A DNS hostname with at least two labels, no port, no wildcard.
pub fn validate_hostname(host: &str) -> Result<String> {
    let h = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| usage(format!("--hostname {host:?}: {why}"));
    if h.len() > 253 || h.is_empty() {
        return Err(bad("not a hostname"));
    }
    let labels: Vec<&str> = h.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("needs a domain (e.g. db.example.com)"));
    }
    for l in &labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !ok {
            return Err(bad(
                "not a valid hostname (letters, digits, '-', dots; no port, no '*')",
            ));
        }
    }
    Ok(h)
}

/// `tcp://HOST:PORT` — cloudflared dials 7864 when the port is missing, and a path is rejected.
pub fn validate_service(service: &str) -> Result<String> {
    let bad = |why: &str| usage(format!("--service {service:?}: {why}"));
    let rest = service
        .strip_prefix("tcp://")
        .ok_or_else(|| bad("must be tcp://HOST:PORT (PostgreSQL is proxied as raw TCP)"))?;
    if rest.contains('/') || rest.contains('?') {
        return Err(bad("must not have a path"));
    }
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| bad("needs an explicit port (e.g. tcp://127.0.0.1:5432)"))?;
    if host.is_empty() {
        return Err(bad("needs a host"));
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(service.to_string()),
        _ => Err(bad("the port must be 1-65535")),
    }
}

pub fn validate_tunnel_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 {
        return Err(usage("--name must be 1-64 characters"));
    }
    if uuid::Uuid::parse_str(name).is_ok() {
        return Err(usage(
            "--name must not be a UUID (cloudflared would take it for an id)",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(usage(
            "--name may contain only letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_and_services_are_validated() {
        assert_eq!(
            validate_hostname("DB.Example.com.").unwrap(),
            "db.example.com"
        );
        for bad in [
            "localhost",
            "db.example.com:5432",
            "*.example.com",
            "a..b",
            "-a.b",
        ] {
            assert!(validate_hostname(bad).is_err(), "{bad}");
        }
        assert!(validate_service("tcp://127.0.0.1:5432").is_ok());
        for bad in [
            "postgresql://db:5432",
            "tcp://db",
            "tcp://db:5432/x",
            "tcp://:5432",
            "tcp://db:0",
        ] {
            assert!(validate_service(bad).is_err(), "{bad}");
        }
    }
}
