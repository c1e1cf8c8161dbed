//! The address policy: which hosts the probe may contact at all.
//!
//! A catalog is input we do not fully control; a URL in it (or a redirect
//! from a server it names) must never make the probe reach the machine it
//! runs on, the private network around it, or a cloud metadata service. This
//! module decides, without any I/O:
//!
//! - [`classify`]: is an IP address in a range the open internet never uses?
//! - [`AddressPolicy::check_ip`]: that, minus the explicit allow-list.
//! - [`AddressPolicy::check_url`]: scheme, userinfo, port, and the host when it
//!   is an IP literal. The decision is made on the parsed `Url::host()`, so
//!   every literal encoding (`2130706433`, `0x7f.1`, `127.1`, full-width
//!   digits) has already been canonicalised by the `url` crate.
//!
//! Names are checked after resolution by the engine's resolver, which calls
//! [`AddressPolicy::check_ip`] on every address it would connect to.
//!
//! This module must never be bypassed by a test: tests reach loopback through
//! the allow-list in configuration, like any user would.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use url::{Host, Url};

/// Why an address is not on the open internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    SharedAddressSpace,
    Multicast,
    Broadcast,
    Reserved,
    Documentation,
    Benchmarking,
    UniqueLocal,
    CloudMetadata,
    /// An IPv6 address that embeds an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo).
    EmbeddedIpv4,
}

impl Blocked {
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::Unspecified => "unspecified address",
            Blocked::Loopback => "loopback address",
            Blocked::Private => "private address",
            Blocked::LinkLocal => "link-local address",
            Blocked::SharedAddressSpace => "shared address space (100.64.0.0/10)",
            Blocked::Multicast => "multicast address",
            Blocked::Broadcast => "broadcast address",
            Blocked::Reserved => "reserved address",
            Blocked::Documentation => "documentation address",
            Blocked::Benchmarking => "benchmarking address",
            Blocked::UniqueLocal => "unique local address (fc00::/7)",
            Blocked::CloudMetadata => "cloud metadata address",
            Blocked::EmbeddedIpv4 => "IPv6 address embedding an IPv4 address",
        }
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The range an address belongs to when the open internet never routes it,
/// else `None`.
pub fn classify(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Blocked> {
    let [a, b, c, d] = ip.octets();
    let blocked = match (a, b, c, d) {
        (169, 254, 169, 254) | (168, 63, 129, 16) | (100, 100, 100, 200) => Blocked::CloudMetadata,
        (255, 255, 255, 255) => Blocked::Broadcast,
        (0, ..) => Blocked::Unspecified,
        (127, ..) => Blocked::Loopback,
        (10, ..) => Blocked::Private,
        (172, 16..=31, ..) => Blocked::Private,
        (192, 168, ..) => Blocked::Private,
        (169, 254, ..) => Blocked::LinkLocal,
        (100, 64..=127, ..) => Blocked::SharedAddressSpace,
        (192, 0, 0, _) => Blocked::Reserved,
        (192, 0, 2, _) | (198, 51, 100, _) | (203, 0, 113, _) => Blocked::Documentation,
        (198, 18..=19, ..) => Blocked::Benchmarking,
        (224..=239, ..) => Blocked::Multicast,
        (240..=255, ..) => Blocked::Reserved,
        _ => return None,
    };
    Some(blocked)
}

fn classify_v6(ip: Ipv6Addr) -> Option<Blocked> {
    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some(Blocked::CloudMetadata);
    }
    if ip.is_unspecified() {
        return Some(Blocked::Unspecified);
    }
    if ip.is_loopback() {
        return Some(Blocked::Loopback);
    }
    let s = ip.segments();
    let blocked = match s {
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated)
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0, 0, ..] | [0, 0, 0, 0, 0xffff, 0, ..] => {
            Blocked::EmbeddedIpv4
        }
        // NAT64, well-known and local-use prefixes
        [0x64, 0xff9b, 0, 0, 0, 0, ..] | [0x64, 0xff9b, 1, ..] => Blocked::EmbeddedIpv4,
        // 6to4: blocked when the IPv4 address it carries is
        [0x2002, hi, lo, ..] => {
            let embedded = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
            classify_v4(embedded)?;
            Blocked::EmbeddedIpv4
        }
        // Teredo tunnels reach arbitrary IPv4 hosts
        [0x2001, 0, ..] => Blocked::EmbeddedIpv4,
        [0x0100, 0, 0, 0, ..] => Blocked::Reserved,
        [0x2001, 0x0db8, ..] => Blocked::Documentation,
        [0x3fff, x, ..] if x <= 0x0fff => Blocked::Documentation,
        [0x2001, 0x0002, 0, ..] => Blocked::Benchmarking,
        [x, ..] if x & 0xfe00 == 0xfc00 => Blocked::UniqueLocal,
        [x, ..] if x & 0xffc0 == 0xfe80 => Blocked::LinkLocal,
        // deprecated site-local
        [x, ..] if x & 0xffc0 == 0xfec0 => Blocked::Private,
        [x, ..] if x & 0xff00 == 0xff00 => Blocked::Multicast,
        _ => return None,
    };
    Some(blocked)
}

/// An address range in CIDR notation (`127.0.0.0/8`, `::1/128`); a bare
/// address means just that address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let bad = || format!("{text:?} is not an IP address or CIDR range (like 127.0.0.0/8)");
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

/// Why the policy refused a URL or an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("scheme {0:?} is not http or https")]
    Scheme(String),
    #[error("URLs with a user name or password are not probed")]
    Userinfo,
    #[error("the URL has no host")]
    NoHost,
    #[error("port {0} is not in the allowed ports")]
    Port(u16),
    #[error("{ip} is a {why}")]
    Address { ip: IpAddr, why: Blocked },
}

/// The validated address policy of one run.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<Cidr>,
    allowed_ports: Vec<u16>,
}

impl AddressPolicy {
    /// `allow` holds addresses or CIDR ranges let through; `allowed_ports`,
    /// when non-empty, the only ports that may be contacted.
    pub fn new(allow: &[String], allowed_ports: &[u16]) -> Result<AddressPolicy, String> {
        Ok(AddressPolicy {
            allow: allow
                .iter()
                .map(|text| text.parse())
                .collect::<Result<_, _>>()?,
            allowed_ports: allowed_ports.to_vec(),
        })
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refusal> {
        if self.allow.iter().any(|range| range.contains(ip)) {
            return Ok(());
        }
        match classify(ip) {
            Some(why) => Err(Refusal::Address { ip, why }),
            None => Ok(()),
        }
    }

    /// Everything that can be decided from the URL alone, before connecting.
    pub fn check_url(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme(url.scheme().to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Userinfo);
        }
        let port = url.port_or_known_default().ok_or(Refusal::NoHost)?;
        if !self.allowed_ports.is_empty() && !self.allowed_ports.contains(&port) {
            return Err(Refusal::Port(port));
        }
        match url.host().ok_or(Refusal::NoHost)? {
            Host::Ipv4(ip) => self.check_ip(IpAddr::V4(ip)),
            Host::Ipv6(ip) => self.check_ip(IpAddr::V6(ip)),
            Host::Domain(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn blocked(text: &str) -> Option<Blocked> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn every_non_public_range_is_classified() {
        let table = [
            ("0.0.0.0", Blocked::Unspecified),
            ("0.1.2.3", Blocked::Unspecified),
            ("127.0.0.1", Blocked::Loopback),
            ("127.255.255.254", Blocked::Loopback),
            ("10.0.0.1", Blocked::Private),
            ("172.16.0.1", Blocked::Private),
            ("172.31.255.255", Blocked::Private),
            ("192.168.1.1", Blocked::Private),
            ("169.254.1.1", Blocked::LinkLocal),
            ("169.254.169.254", Blocked::CloudMetadata),
            ("168.63.129.16", Blocked::CloudMetadata),
            ("100.64.0.1", Blocked::SharedAddressSpace),
            ("100.127.255.255", Blocked::SharedAddressSpace),
            ("224.0.0.1", Blocked::Multicast),
            ("239.255.255.250", Blocked::Multicast),
            ("255.255.255.255", Blocked::Broadcast),
            ("240.0.0.1", Blocked::Reserved),
            ("192.0.2.7", Blocked::Documentation),
            ("198.51.100.7", Blocked::Documentation),
            ("203.0.113.7", Blocked::Documentation),
            ("198.18.0.1", Blocked::Benchmarking),
            ("::", Blocked::Unspecified),
            ("::1", Blocked::Loopback),
            ("fe80::1", Blocked::LinkLocal),
            ("febf::1", Blocked::LinkLocal),
            ("fc00::1", Blocked::UniqueLocal),
            ("fdff::1", Blocked::UniqueLocal),
            ("fd00:ec2::254", Blocked::CloudMetadata),
            ("ff02::1", Blocked::Multicast),
            ("::ffff:127.0.0.1", Blocked::EmbeddedIpv4),
            ("::ffff:8.8.8.8", Blocked::EmbeddedIpv4),
            ("::127.0.0.1", Blocked::EmbeddedIpv4),
            ("64:ff9b::7f00:1", Blocked::EmbeddedIpv4),
            ("64:ff9b::808:808", Blocked::EmbeddedIpv4),
            ("2002:7f00:1::", Blocked::EmbeddedIpv4),
            ("2002:a9fe:a9fe::1", Blocked::EmbeddedIpv4),
            ("2001:db8::1", Blocked::Documentation),
            ("2001:0:4136:e378::1", Blocked::EmbeddedIpv4),
        ];
        for (ip, expected) in table {
            assert_eq!(blocked(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "140.82.112.3",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "2002:808:808::1",
        ] {
            assert_eq!(blocked(ip), None, "{ip}");
        }
    }

    #[test]
    fn the_allow_list_lets_ranges_through() {
        let policy = AddressPolicy::new(&["127.0.0.0/8".into(), "::1".into()], &[]).unwrap();
        assert!(policy.check_ip("127.0.0.2".parse().unwrap()).is_ok());
        assert!(policy.check_ip("::1".parse().unwrap()).is_ok());
        assert!(policy.check_ip("10.0.0.1".parse().unwrap()).is_err());
        assert!(
            policy
                .check_ip("::ffff:127.0.0.1".parse().unwrap())
                .is_err()
        );
        let only_two = AddressPolicy::new(&["127.0.0.2/32".into()], &[]).unwrap();
        assert!(only_two.check_ip("127.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn bad_allow_entries_are_errors() {
        for text in ["localhost", "127.0.0.0/33", "::1/129", "1.2.3/8", ""] {
            assert!(text.parse::<Cidr>().is_err(), "{text}");
        }
        assert!(
            "0.0.0.0/0"
                .parse::<Cidr>()
                .unwrap()
                .contains("9.9.9.9".parse().unwrap())
        );
    }

    #[test]
    fn urls_are_checked_for_scheme_userinfo_port_and_literal_hosts() {
        let policy = AddressPolicy::new(&[], &[443, 80]).unwrap();
        let check = |text: &str| policy.check_url(&Url::parse(text).unwrap());
        assert_eq!(check("https://example.org/"), Ok(()));
        assert_eq!(
            check("ftp://example.org/"),
            Err(Refusal::Scheme("ftp".into()))
        );
        assert_eq!(
            check("file:///etc/passwd"),
            Err(Refusal::Scheme("file".into()))
        );
        assert_eq!(check("https://u:p@example.org/"), Err(Refusal::Userinfo));
        assert_eq!(
            check("https://api.github.com@127.0.0.1/"),
            Err(Refusal::Userinfo)
        );
        assert_eq!(check("https://example.org:8443/"), Err(Refusal::Port(8443)));
        for literal in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://017700000001/",
            "http://127.1/",
            "http://①②⑦.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://0/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
        ] {
            assert!(
                matches!(check(literal), Err(Refusal::Address { .. })),
                "{literal} must be refused, got {:?}",
                check(literal)
            );
        }
    }

    proptest! {
        #[test]
        fn every_encoding_of_a_loopback_address_is_refused(low in 0u32..(1 << 24), form in 0usize..4) {
            let value = (127u32 << 24) | low;
            let [a, b, c, d] = value.to_be_bytes();
            let host = match form {
                0 => value.to_string(),
                1 => format!("0x{value:x}"),
                2 => format!("0{value:o}"),
                _ => format!("{a}.{}", (u32::from(b) << 16) | (u32::from(c) << 8) | u32::from(d)),
            };
            let url = Url::parse(&format!("http://{host}/")).unwrap();
            let policy = AddressPolicy::default();
            prop_assert!(matches!(policy.check_url(&url), Err(Refusal::Address { why: Blocked::Loopback, .. })), "{}", url);
        }

        #[test]
        fn private_u32_values_are_refused_in_any_encoding(value in prop_oneof![
            (0x0a00_0000u32..0x0b00_0000),
            (0xac10_0000u32..0xac20_0000),
            (0xc0a8_0000u32..0xc0a9_0000),
            (0xa9fe_0000u32..0xa9ff_0000),
            (0x6440_0000u32..0x6480_0000),
        ], hex in any::<bool>()) {
            let host = if hex { format!("0x{value:x}") } else { value.to_string() };
            let url = Url::parse(&format!("http://{host}/")).unwrap();
            prop_assert!(AddressPolicy::default().check_url(&url).is_err(), "{}", url);
        }
    }
}
