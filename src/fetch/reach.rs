//! Which addresses a fetch may reach: the guard against a portal (or a
//! hostile page posing as one) leading tinkhac into the local network.
//!
//! Every address falls into one [`Class`]. A public address is always fine.
//! Any other class is reachable only when the source's own configured URL
//! names an address of that very class (or `localhost`, which is loopback by
//! definition): a loopback test portal and an intranet source given by its
//! address keep working, and may redirect within their class, while a public
//! host name can never resolve or redirect into loopback, private,
//! link-local or special addresses. An intranet source known by a name is
//! declared so in its configuration (`intranet = true`). The rule is checked where the address is
//! known: on every DNS answer at connect time ([`GuardedResolver`]) and on
//! every redirect to an address literal ([`Reach::check_url`]).
//!
//! It never decides by host name alone: names are checked by what they
//! resolve to.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// What an address is, as far as reaching it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Public,
    /// 127/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT),
    /// fc00::/7 (unique local), fec0::/10 (old site-local), 64:ff9b:1::/48.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// Everything that is no host on the internet: unspecified (0.0.0.0 and
    /// ::, which Linux connects to the local host), 0/8, multicast,
    /// broadcast, documentation, benchmarking, reserved and IETF blocks.
    Special,
}

impl Class {
    pub fn of(ip: IpAddr) -> Class {
        match ip {
            IpAddr::V4(v4) => class_v4(v4),
            IpAddr::V6(v6) => class_v6(v6),
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Class::Public => 0,
            Class::Loopback => 1,
            Class::Private => 2,
            Class::LinkLocal => 4,
            Class::Special => 8,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Class::Public => "a public",
            Class::Loopback => "a loopback",
            Class::Private => "a private",
            Class::LinkLocal => "a link-local",
            Class::Special => "a special-purpose (unspecified, multicast, broadcast or reserved)",
        }
    }
}

fn class_v4(ip: Ipv4Addr) -> Class {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (127, ..) => Class::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) | (100, 64..=127, _) => Class::Private,
        (169, 254, _) => Class::LinkLocal,
        (0, ..)                          // this network, unspecified
        | (192, 0, 0)                    // IETF protocol assignments
        | (192, 0, 2)                    // documentation
        | (198, 51, 100)
        | (203, 0, 113)
        | (198, 18..=19, _)              // benchmarking
        | (224..=255, ..) => Class::Special, // multicast, reserved, broadcast
        _ => Class::Public,
    }
}

fn class_v6(ip: Ipv6Addr) -> Class {
    let s = ip.segments();
    if ip.is_unspecified() {
        return Class::Special;
    }
    if ip.is_loopback() {
        return Class::Loopback;
    }
    // Forms that carry an IPv4 address are what that address is: mapped
    // (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and
    // 6to4 (2002:AABB:CCDD::/48).
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return class_v4(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return class_v4(tail);
    }
    if s[0] == 0x2002 {
        return class_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    match s[0] {
        0xfc00..=0xfdff | 0xfec0..=0xfeff => Class::Private,
        0xfe80..=0xfebf => Class::LinkLocal,
        0xff00..=0xffff => Class::Special, // multicast
        _ if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 => Class::Private,
        // Documentation, Teredo (its IPv4 part is obfuscated), discard.
        _ if s[0] == 0x2001 && (s[1] == 0xdb8 || s[1] == 0) => Class::Special,
        _ if s[..4] == [0x100, 0, 0, 0] => Class::Special,
        _ => Class::Public,
    }
}

/// What one source may reach: public addresses, the class of its own
/// configured URL's address if that names one, and every local class when
/// the source is declared `intranet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reach {
    /// One bit per [`Class`] allowed besides `Public`.
    also: u8,
}

impl Reach {
    /// Public addresses only.
    pub const PUBLIC: Reach = Reach { also: 0 };

    /// Public, loopback, private and link-local addresses: a source on the
    /// local network known by a name (`intranet = true`).
    pub const INTRANET: Reach = Reach {
        also: Class::Loopback.bit() | Class::Private.bit() | Class::LinkLocal.bit(),
    };

    /// The reach of a source configured with `url`.
    pub fn of(url: &Url) -> Reach {
        let class = match url.host() {
            Some(Host::Ipv4(v4)) => Class::of(v4.into()),
            Some(Host::Ipv6(v6)) => Class::of(v6.into()),
            Some(Host::Domain(d)) if is_localhost(d) => Class::Loopback,
            _ => Class::Public,
        };
        Reach { also: class.bit() }
    }

    /// The reach of a source: its URL's, widened to [`Reach::INTRANET`]
    /// when the admin declared it so.
    pub fn of_source(url: &Url, intranet: bool) -> Reach {
        let own = Reach::of(url);
        if intranet {
            Reach {
                also: own.also | Reach::INTRANET.also,
            }
        } else {
            own
        }
    }

    pub fn allows(self, ip: IpAddr) -> bool {
        let class = Class::of(ip);
        class == Class::Public || self.also & class.bit() != 0
    }

    /// Check a URL about to be fetched (a redirect's target): an address
    /// literal is checked here; a name is checked on what it resolves to.
    pub fn check_url(self, url: &Url) -> Result<(), Refused> {
        let ip: IpAddr = match url.host() {
            Some(Host::Ipv4(v4)) => v4.into(),
            Some(Host::Ipv6(v6)) => v6.into(),
            _ => return Ok(()),
        };
        if self.allows(ip) {
            Ok(())
        } else {
            Err(Refused {
                what: format!("a redirect to {}", url.host_str().unwrap_or_default()),
                class: Class::of(ip),
            })
        }
    }
}

/// `localhost` and `*.localhost` always mean the local host (RFC 6761).
fn is_localhost(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

/// A fetch that would have reached an address its source may not reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    what: String,
    class: Class,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} leads to {} address, which only a source whose own URL is such an address",
            self.what,
            self.class.describe()
        )?;
        if Reach::INTRANET.also & self.class.bit() != 0 {
            write!(f, ", or one with `intranet = true`,")?;
        }
        write!(f, " may reach")
    }
}

impl std::error::Error for Refused {}

/// Names answered from a fixed table instead of the system resolver, as
/// `/etc/hosts` would; their answers are checked like any other.
pub type StaticDns = BTreeMap<String, Vec<IpAddr>>;

/// The DNS resolver of a client that fetches for sources of one [`Reach`]:
/// looks a name up, and refuses it when no address it gives may be reached
/// (the others are dropped).
pub struct GuardedResolver {
    pub reach: Reach,
    pub table: Arc<StaticDns>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let reach = self.reach;
        let host = name.as_str().to_ascii_lowercase();
        let fixed = self.table.get(host.trim_end_matches('.')).cloned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = match fixed {
                Some(ips) => ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let (ok, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                found.into_iter().partition(|a| reach.allows(a.ip()));
            match (ok.is_empty(), refused.first()) {
                (true, Some(a)) => Err(Box::new(Refused {
                    what: format!("the host name {host} (it resolves to {})", a.ip()),
                    class: Class::of(a.ip()),
                }) as _),
                _ => Ok(Box::new(ok.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Class {
        Class::of(s.parse().unwrap())
    }

    #[test]
    fn ipv4_classes() {
        for (ip, want) in [
            ("8.8.8.8", Class::Public),
            ("203.113.131.1", Class::Public),
            ("1.1.1.1", Class::Public),
            ("172.15.255.255", Class::Public),
            ("172.32.0.1", Class::Public),
            ("100.63.255.255", Class::Public),
            ("100.128.0.0", Class::Public),
            ("169.253.1.1", Class::Public),
            ("223.255.255.255", Class::Public),
            ("127.0.0.1", Class::Loopback),
            ("127.255.255.254", Class::Loopback),
            ("10.0.0.1", Class::Private),
            ("172.16.0.1", Class::Private),
            ("172.31.255.255", Class::Private),
            ("192.168.1.1", Class::Private),
            ("100.64.0.1", Class::Private),
            ("100.127.255.255", Class::Private),
            ("169.254.169.254", Class::LinkLocal),
            ("0.0.0.0", Class::Special),
            ("0.1.2.3", Class::Special),
            ("224.0.0.1", Class::Special),
            ("239.255.255.250", Class::Special),
            ("240.0.0.1", Class::Special),
            ("255.255.255.255", Class::Special),
            ("192.0.2.1", Class::Special),
            ("198.51.100.7", Class::Special),
            ("203.0.113.9", Class::Special),
            ("198.18.0.1", Class::Special),
            ("192.0.0.8", Class::Special),
        ] {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    #[test]
    fn ipv6_classes_and_embedded_ipv4() {
        for (ip, want) in [
            ("2001:4860:4860::8888", Class::Public),
            ("2405:4800::1", Class::Public),
            ("::1", Class::Loopback),
            ("::", Class::Special),
            ("fe80::1", Class::LinkLocal),
            ("febf::1", Class::LinkLocal),
            ("fc00::1", Class::Private),
            ("fd12:3456::1", Class::Private),
            ("fec0::1", Class::Private),
            ("ff02::1", Class::Special),
            ("2001:db8::1", Class::Special),
            ("2001:0:4136:e378::1", Class::Special),
            ("100::1", Class::Special),
            ("64:ff9b:1::1", Class::Private),
            // IPv4-mapped, -compatible, NAT64 and 6to4 forms.
            ("::ffff:127.0.0.1", Class::Loopback),
            ("::ffff:10.1.2.3", Class::Private),
            ("::ffff:169.254.169.254", Class::LinkLocal),
            ("::ffff:8.8.8.8", Class::Public),
            ("::127.0.0.1", Class::Loopback),
            ("::192.168.0.1", Class::Private),
            ("64:ff9b::7f00:1", Class::Loopback),
            ("64:ff9b::808:808", Class::Public),
            ("2002:7f00:1::1", Class::Loopback),
            ("2002:c0a8:101::1", Class::Private),
            ("2002:808:808::1", Class::Public),
        ] {
            assert_eq!(class(ip), want, "{ip}");
        }
    }

    fn reach(url: &str) -> Reach {
        Reach::of(&Url::parse(url).unwrap())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_named_source_reaches_public_addresses_only() {
        let r = reach("https://haiphong.gov.vn/tin");
        assert_eq!(r, Reach::PUBLIC);
        assert!(r.allows(ip("203.113.131.1")));
        for bad in [
            "127.0.0.1",
            "10.0.0.5",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "::1",
            "::ffff:127.0.0.1",
            "fd00::1",
            "fe80::1",
            "0.0.0.0",
            "224.0.0.1",
        ] {
            assert!(!r.allows(ip(bad)), "{bad}");
        }
        // A public address literal is no different.
        assert_eq!(reach("http://8.8.8.8/"), Reach::PUBLIC);
    }

    #[test]
    fn a_source_at_a_local_address_reaches_its_own_class() {
        let lo = reach("http://127.0.0.1:8080/tin");
        assert!(lo.allows(ip("127.0.0.1")) && lo.allows(ip("127.0.0.2")));
        assert!(lo.allows(ip("::1")), "the same class in IPv6");
        assert!(lo.allows(ip("8.8.8.8")), "public is always fine");
        assert!(!lo.allows(ip("10.0.0.1")) && !lo.allows(ip("169.254.169.254")));
        for url in [
            "http://localhost:3000/",
            "http://portal.localhost/",
            "http://[::1]/",
        ] {
            assert_eq!(reach(url), lo, "{url}");
        }
        let intranet = reach("http://10.1.2.3/tin");
        assert!(intranet.allows(ip("192.168.5.5")) && intranet.allows(ip("fd00::7")));
        assert!(!intranet.allows(ip("127.0.0.1")));
        let mapped = reach("http://[::ffff:192.168.1.10]/");
        assert_eq!(mapped, intranet);
    }

    #[test]
    fn an_intranet_source_reaches_local_classes_but_not_special_ones() {
        let url = Url::parse("http://noi-bo.so-gd.vn/tin").unwrap();
        assert_eq!(Reach::of_source(&url, false), Reach::PUBLIC);
        let r = Reach::of_source(&url, true);
        for ok in ["10.1.2.3", "127.0.0.1", "169.254.1.1", "fd00::1", "8.8.8.8"] {
            assert!(r.allows(ip(ok)), "{ok}");
        }
        for bad in ["0.0.0.0", "224.0.0.1", "255.255.255.255", "ff02::1"] {
            assert!(!r.allows(ip(bad)), "{bad}");
        }
        let zero = Url::parse("http://0.0.0.0:8080/").unwrap();
        assert!(
            Reach::of_source(&zero, true).allows(ip("0.0.0.0")),
            "its own class"
        );
    }

    #[test]
    fn redirects_to_address_literals_are_checked_names_are_left_to_dns() {
        let public = Reach::PUBLIC;
        let url = |s: &str| Url::parse(s).unwrap();
        let e = public
            .check_url(&url("http://127.0.0.1:9/internal"))
            .unwrap_err();
        assert_eq!(e.class, Class::Loopback);
        assert!(
            e.to_string()
                .contains("a redirect to 127.0.0.1 leads to a loopback address"),
            "{e}"
        );
        for bad in [
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0:8080/",
            "http://10.0.0.1/",
            "http://[fd00::1]/",
        ] {
            assert!(public.check_url(&url(bad)).is_err(), "{bad}");
        }
        assert!(
            e.to_string()
                .ends_with("or one with `intranet = true`, may reach"),
            "{e}"
        );
        let special = public.check_url(&url("http://0.0.0.0/")).unwrap_err();
        assert!(!special.to_string().contains("intranet"), "{special}");
        assert!(public.check_url(&url("https://203.113.131.1/")).is_ok());
        assert!(public
            .check_url(&url("https://intranet.example.vn/"))
            .is_ok());
        let lo = reach("http://127.0.0.1:8080/");
        assert!(lo.check_url(&url("http://127.0.0.1:9000/x")).is_ok());
        assert!(lo.check_url(&url("http://192.168.0.1/")).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_that_resolve_only_to_unreachable_addresses() {
        use reqwest::dns::Resolve;
        let table: StaticDns = [
            ("news.example.vn".to_string(), vec![ip("127.0.0.1")]),
            (
                "mixed.example.vn".to_string(),
                vec![ip("10.0.0.1"), ip("8.8.8.8")],
            ),
        ]
        .into();
        let guard = GuardedResolver {
            reach: Reach::PUBLIC,
            table: Arc::new(table),
        };
        let err = match guard.resolve("news.example.vn".parse().unwrap()).await {
            Ok(_) => panic!("a public name resolving to loopback was allowed"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("news.example.vn (it resolves to 127.0.0.1) leads to a loopback address"),
            "{err}"
        );
        let addrs: Vec<SocketAddr> = guard
            .resolve("mixed.example.vn".parse().unwrap())
            .await
            .map_err(|e| e.to_string())
            .unwrap()
            .collect();
        assert_eq!(
            addrs,
            vec![SocketAddr::new(ip("8.8.8.8"), 0)],
            "the private answer is dropped"
        );
        let lo = GuardedResolver {
            reach: reach("http://127.0.0.1/"),
            table: guard.table.clone(),
        };
        assert!(lo.resolve("news.example.vn".parse().unwrap()).await.is_ok());
    }
}
