//! The country of an address, from an IP-to-country database in the MaxMind DB format read
//! with `maxminddb`. The bundled one (`assets/geo/`, built into the binary) is the CC0
//! `geo-whois-asn-country` database of the ip-location-db project; an operator may point at
//! a newer file. The address is looked up and dropped: only the two-letter country is kept.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use maxminddb::{PathElement, Reader};

use crate::error::AnalyticsError;

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// Two ASCII letters, in either case.
    pub fn parse(code: &str) -> Option<Self> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        // Two ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IP-to-country database loaded in memory, or none (every country unknown).
pub struct Countries {
    reader: Option<Reader<Cow<'static, [u8]>>>,
}

/// The bundled database (see `assets/geo/README.md` for its version and licence).
static BUNDLED: &[u8] = include_bytes!("../../../assets/geo/geo-whois-asn-country.mmdb");

impl fmt::Debug for Countries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self
            .reader
            .as_ref()
            .map(|reader| reader.metadata.database_type.clone());
        f.debug_struct("Countries")
            .field("database", &kind)
            .finish()
    }
}

impl Countries {
    /// Loads the database at `path`; a file that is not a MaxMind DB is refused at start.
    pub fn open(path: &Path) -> Result<Self, AnalyticsError> {
        let bytes = std::fs::read(path).map_err(|source| AnalyticsError::CountryDatabase {
            path: path.display().to_string(),
            reason: source.to_string(),
        })?;
        let reader = Reader::from_source(Cow::Owned(bytes)).map_err(|source| {
            AnalyticsError::CountryDatabase {
                path: path.display().to_string(),
                reason: source.to_string(),
            }
        })?;
        Ok(Self {
            reader: Some(reader),
        })
    }

    /// The database built into the binary.
    pub fn bundled() -> Result<Self, AnalyticsError> {
        let reader = Reader::from_source(Cow::Borrowed(BUNDLED)).map_err(|source| {
            AnalyticsError::CountryDatabase {
                path: "(bundled)".to_owned(),
                reason: source.to_string(),
            }
        })?;
        Ok(Self {
            reader: Some(reader),
        })
    }

    /// No database: every country is unknown.
    pub fn none() -> Self {
        Self { reader: None }
    }

    /// The country `ip` is registered in, if the database knows it. Private, loopback and
    /// unallocated addresses have none.
    pub fn of(&self, ip: IpAddr) -> Option<Country> {
        let reader = self.reader.as_ref()?;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        // Asked first, not left to the database: the bundled one places 192.168.0.0/16 in
        // Australia.
        if !routable(ip) {
            return None;
        }
        let found = reader.lookup(ip).ok()?;
        let code: Option<String> = found
            .decode_path(&[PathElement::Key("country_code")])
            .ok()
            .flatten();
        code.as_deref().and_then(Country::parse)
    }
}

/// Whether `ip` can be a visitor's address on the internet: not private, loopback,
/// link-local, shared (carrier-grade NAT), documentation or otherwise reserved.
fn routable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a >= 240
                || a == 0)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Countries {
        Countries::bundled().unwrap()
    }

    #[test]
    fn a_database_file_reads_as_the_bundled_one() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets/geo/geo-whois-asn-country.mmdb");
        let countries = Countries::open(&path).unwrap();
        assert_eq!(country(&countries, "8.8.8.8").as_deref(), Some("US"));
    }

    fn country(countries: &Countries, ip: &str) -> Option<String> {
        countries
            .of(ip.parse().unwrap())
            .map(|country| country.to_string())
    }

    #[test]
    fn the_bundled_database_knows_well_known_networks() {
        let countries = bundled();
        // Networks registered long ago to organizations in these countries.
        assert_eq!(country(&countries, "8.8.8.8").as_deref(), Some("US"));
        assert_eq!(country(&countries, "193.0.6.139").as_deref(), Some("NL"));
        assert_eq!(
            country(&countries, "2001:67c:2e8::1").as_deref(),
            Some("NL")
        );
        assert_eq!(
            country(&countries, "::ffff:8.8.8.8").as_deref(),
            Some("US"),
            "an IPv4-mapped address is looked up as IPv4"
        );
    }

    #[test]
    fn private_and_loopback_addresses_have_no_country() {
        let countries = bundled();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.5.4",
            "192.168.0.1",
            "100.64.1.1",
            "192.0.2.7",
            "::1",
            "fe80::1",
            "fd00::7",
            "2001:db8::1",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(country(&countries, ip), None, "{ip}");
        }
        assert_eq!(country(&Countries::none(), "8.8.8.8"), None);
    }

    #[test]
    fn a_file_that_is_no_database_is_refused() {
        let dir = std::env::temp_dir().join(format!("lv-not-mmdb-{}", std::process::id()));
        std::fs::write(&dir, b"not a database").unwrap();
        assert!(Countries::open(&dir).is_err());
        let _ = std::fs::remove_file(&dir);
        assert!(Countries::open(Path::new("/nonexistent/geo.mmdb")).is_err());
    }

    #[test]
    fn codes_are_two_letters() {
        assert_eq!(
            Country::parse("us").map(|c| c.to_string()).as_deref(),
            Some("US")
        );
        for bad in ["", "U", "USA", "1A", "ü"] {
            assert_eq!(Country::parse(bad), None, "{bad}");
        }
    }
}
