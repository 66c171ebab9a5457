//! Who a `pg_hba.conf` rule lets in, judged from its connection type and address as
//! `pg_hba_file_rules` shows them: the Unix socket, this host's loopback, or other machines.
//! Pure functions, so that every address form is tested without a server.

use std::net::IpAddr;

use serde::Serialize;

/// Where the connections a rule matches can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// `local`: the Unix socket; who reaches it is decided by file permissions.
    Socket,
    /// A TCP rule for loopback (127.0.0.0/8, ::1, `localhost`) or `samehost`: this machine only.
    Loopback,
    /// A loopback rule while a Cloudflare Tunnel is deployed from this host: the connector
    /// forwards remote clients to the server from loopback (`tunnel deploy`'s default origin is
    /// tcp://127.0.0.1:5432), so they arrive through it.
    Tunnel,
    /// Any other TCP rule: `all`, `samenet`, a host name, a network that is not loopback.
    Network,
}

impl Reach {
    /// Whether machines other than this one can connect through the rule.
    pub fn off_host(self) -> bool {
        matches!(self, Reach::Tunnel | Reach::Network)
    }
}

/// The reach of a rule of type `kind` (`local`, `host`, `hostssl`, …) for `address`/`netmask`
/// (as `pg_hba_file_rules` shows them: the netmask is spelled out, a CIDR suffix never is).
pub fn reach(
    kind: &str,
    address: Option<&str>,
    netmask: Option<&str>,
    tunnel_deployed: bool,
) -> Reach {
    if kind == "local" {
        return Reach::Socket;
    }
    let on_host = match address.unwrap_or("all") {
        "samehost" | "localhost" => true,
        "all" | "samenet" => false,
        addr => match addr.parse::<IpAddr>() {
            Ok(ip) => is_loopback_network(ip, netmask),
            // A host name (or a `.domain` suffix) matches whatever resolves to it.
            Err(_) => false,
        },
    };
    match (on_host, tunnel_deployed) {
        (true, true) => Reach::Tunnel,
        (true, false) => Reach::Loopback,
        (false, _) => Reach::Network,
    }
}

/// Whether every address of `ip`/`netmask` is a loopback address.
fn is_loopback_network(ip: IpAddr, netmask: Option<&str>) -> bool {
    let bits = match netmask.and_then(|m| m.parse::<IpAddr>().ok()) {
        Some(IpAddr::V4(m)) => u32::from(m).count_ones(),
        Some(IpAddr::V6(m)) => u128::from(m).count_ones(),
        // No netmask: a single address.
        None => match ip {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        },
    };
    match ip {
        IpAddr::V4(v4) => bits >= 8 && v4.octets()[0] == 127,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            // ::ffff:127.x.y.z: the mapped prefix (96 bits) plus at least 127's 8.
            Some(v4) => bits >= 104 && v4.octets()[0] == 127,
            None => bits == 128 && v6.is_loopback(),
        },
    }
}

/// How a rule is shown: `host all all 0.0.0.0/0.0.0.0` becomes `host all all 0.0.0.0/0`.
pub fn describe(
    kind: &str,
    databases: &[String],
    users: &[String],
    address: Option<&str>,
    netmask: Option<&str>,
) -> String {
    let mut s = format!("{kind} {} {}", databases.join(","), users.join(","));
    if let Some(addr) = address {
        s.push(' ');
        s.push_str(addr);
        let prefix = netmask
            .and_then(|m| m.parse::<IpAddr>().ok())
            .map(|m| match m {
                IpAddr::V4(m) => u32::from(m).count_ones(),
                IpAddr::V6(m) => u128::from(m).count_ones(),
            });
        if let Some(p) = prefix {
            s.push_str(&format!("/{p}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(kind: &str, addr: Option<&str>, mask: Option<&str>) -> Reach {
        reach(kind, addr, mask, false)
    }

    #[test]
    fn addresses_are_placed_on_or_off_this_host() {
        assert_eq!(r("local", None, None), Reach::Socket);
        let loopback = [
            (Some("127.0.0.1"), Some("255.255.255.255")),
            (Some("127.0.0.0"), Some("255.0.0.0")),
            (Some("::1"), Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            (
                Some("::ffff:127.0.0.1"),
                Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ),
            (Some("localhost"), None),
            (Some("samehost"), None),
        ];
        for (addr, mask) in loopback {
            assert_eq!(r("host", addr, mask), Reach::Loopback, "{addr:?}/{mask:?}");
            assert_eq!(
                reach("hostssl", addr, mask, true),
                Reach::Tunnel,
                "{addr:?}"
            );
        }
        let network = [
            (Some("0.0.0.0"), Some("0.0.0.0")),
            // 127.0.0.0/7 reaches 126.x too.
            (Some("127.0.0.0"), Some("254.0.0.0")),
            (Some("10.0.0.0"), Some("255.0.0.0")),
            (Some("::"), Some("::")),
            (Some("::1"), Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0")),
            (Some("all"), None),
            (Some("samenet"), None),
            (Some("db.example.com"), None),
            (Some(".example.com"), None),
            (None, None),
        ];
        for (addr, mask) in network {
            assert_eq!(r("host", addr, mask), Reach::Network, "{addr:?}/{mask:?}");
            assert_eq!(reach("hostnossl", addr, mask, true), Reach::Network);
        }
        assert!(Reach::Tunnel.off_host() && Reach::Network.off_host());
        assert!(!Reach::Loopback.off_host() && !Reach::Socket.off_host());
    }

    #[test]
    fn rules_are_shown_in_cidr_form() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            describe(
                "host",
                &v(&["all"]),
                &v(&["all"]),
                Some("0.0.0.0"),
                Some("0.0.0.0")
            ),
            "host all all 0.0.0.0/0"
        );
        assert_eq!(
            describe(
                "hostssl",
                &v(&["db1", "db2"]),
                &v(&["+grp"]),
                Some("samenet"),
                None
            ),
            "hostssl db1,db2 +grp samenet"
        );
        assert_eq!(
            describe("local", &v(&["all"]), &v(&["bob"]), None, None),
            "local all bob"
        );
    }
}
