//! Visitor ids that identify nobody: HMAC-SHA256, under the day's salt, of the site, the IP
//! address and the user agent, cut to 64 bits. The salt is random, made for each UTC day,
//! kept one more day (so that a visit crossing midnight stays one visit) and then
//! forgotten, after which nobody, us included, can recompute or link the day's ids. The IP
//! and the user agent go into the hash and nowhere else.
//!
//! Salts live in memory only. Written down, a salt would let whoever reads it (in a backup,
//! say) test guesses of IP and user agent against the ids of its day; the price is that a
//! restart of the server starts a new salt, and a visitor seen before and after it counts
//! twice that day.

use std::fmt;
use std::net::IpAddr;

use leadvault_store::{SiteId, Timestamp};
use ring::hmac;
use ring::rand::SecureRandom;
use zeroize::Zeroizing;

use crate::day::Day;
use crate::error::AnalyticsError;

/// A visitor of one site on one day (and, through [`VisitorIds::yesterday`], across
/// midnight). Stored; it says nothing about who the visitor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisitorId(i64);

impl VisitorId {
    /// As stored.
    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// As read back from storage.
    pub fn from_raw(raw: i64) -> Self {
        Self(raw)
    }
}

/// An event's visitor under today's salt and, while it is kept, yesterday's: a visit that
/// began before midnight is found under `yesterday` and continued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitorIds {
    pub today: VisitorId,
    pub yesterday: Option<VisitorId>,
}

/// One day's salt: 32 random bytes, wiped from memory when dropped.
struct Salt {
    day: Day,
    bytes: Zeroizing<[u8; 32]>,
}

/// The salts of today and yesterday; older ones are forgotten.
#[derive(Default)]
pub struct Salts {
    /// At most two, newest last.
    kept: Vec<Salt>,
}

impl fmt::Debug for Salts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<Day> = self.kept.iter().map(|salt| salt.day).collect();
        f.debug_struct("Salts").field("days", &days).finish()
    }
}

impl Salts {
    pub fn new() -> Self {
        Self::default()
    }

    /// The visitor behind an event of `site` at `now` from `ip` with `user_agent`. Makes
    /// the day's salt when it is the first event of the day, and forgets salts older than
    /// yesterday.
    pub fn visitor(
        &mut self,
        now: Timestamp,
        site: SiteId,
        ip: IpAddr,
        user_agent: &str,
        random: &dyn SecureRandom,
    ) -> Result<VisitorIds, AnalyticsError> {
        let today = Day::of(now);
        self.rotate(today, random)?;
        let id_under = |day: Day| {
            self.kept
                .iter()
                .find(|salt| salt.day == day)
                .map(|salt| id(&salt.bytes, site, ip, user_agent))
        };
        Ok(VisitorIds {
            today: id_under(today).ok_or(AnalyticsError::Random)?,
            yesterday: id_under(today.before()),
        })
    }

    /// The days whose salts are kept, oldest first.
    pub fn days(&self) -> Vec<Day> {
        self.kept.iter().map(|salt| salt.day).collect()
    }

    fn rotate(&mut self, today: Day, random: &dyn SecureRandom) -> Result<(), AnalyticsError> {
        // A clock set back never brings a forgotten day back: only today and yesterday stay.
        self.kept
            .retain(|salt| salt.day == today || salt.day == today.before());
        if !self.kept.iter().any(|salt| salt.day == today) {
            let mut bytes = Zeroizing::new([0_u8; 32]);
            random
                .fill(bytes.as_mut())
                .map_err(|_| AnalyticsError::Random)?;
            self.kept.push(Salt { day: today, bytes });
            self.kept.sort_by_key(|salt| salt.day);
        }
        Ok(())
    }
}

fn id(salt: &[u8; 32], site: SiteId, ip: IpAddr, user_agent: &str) -> VisitorId {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let mut context = hmac::Context::with_key(&key);
    // Each part length-prefixed, so that no two different inputs hash the same bytes.
    let site = site.to_string();
    let ip = match ip.to_canonical() {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    for part in [site.as_bytes(), &ip, user_agent.as_bytes()] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    let tag = context.sign();
    let mut first = [0_u8; 8];
    first.copy_from_slice(&tag.as_ref()[..8]);
    VisitorId(i64::from_be_bytes(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::MICROS_PER_DAY;
    use ring::rand::SystemRandom;

    const NOON: i64 = 20_000 * MICROS_PER_DAY + MICROS_PER_DAY / 2;
    const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0";

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_unix_micros(micros)
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn one_visitor_is_one_id_all_day_and_another_visitor_or_site_another() {
        let (random, mut salts, site) = (SystemRandom::new(), Salts::new(), SiteId::random());
        let morning = salts
            .visitor(
                at(NOON - 3_600_000_000),
                site,
                ip("203.0.113.9"),
                UA,
                &random,
            )
            .unwrap();
        let evening = salts
            .visitor(
                at(NOON + 3_600_000_000),
                site,
                ip("203.0.113.9"),
                UA,
                &random,
            )
            .unwrap();
        assert_eq!(morning, evening);
        let others = [
            salts
                .visitor(at(NOON), site, ip("203.0.113.10"), UA, &random)
                .unwrap(),
            salts
                .visitor(at(NOON), site, ip("203.0.113.9"), "curl/8.0", &random)
                .unwrap(),
            salts
                .visitor(at(NOON), SiteId::random(), ip("203.0.113.9"), UA, &random)
                .unwrap(),
        ];
        for other in others {
            assert_ne!(other.today, morning.today);
        }
    }

    #[test]
    fn an_ipv4_address_is_the_same_visitor_when_written_as_ipv6() {
        let (random, mut salts, site) = (SystemRandom::new(), Salts::new(), SiteId::random());
        let plain = salts
            .visitor(at(NOON), site, ip("203.0.113.9"), UA, &random)
            .unwrap();
        let mapped = salts
            .visitor(at(NOON), site, ip("::ffff:203.0.113.9"), UA, &random)
            .unwrap();
        assert_eq!(plain, mapped);
    }

    #[test]
    fn a_visit_across_midnight_is_found_under_yesterdays_salt_which_is_then_forgotten() {
        let (random, mut salts, site) = (SystemRandom::new(), Salts::new(), SiteId::random());
        let visit = |salts: &mut Salts, micros| {
            salts
                .visitor(at(micros), site, ip("198.51.100.7"), UA, &random)
                .unwrap()
        };
        let first_day = visit(&mut salts, NOON);
        assert_eq!(
            first_day.yesterday, None,
            "no salt of the day before was ever made"
        );
        let after_midnight = visit(&mut salts, NOON + MICROS_PER_DAY / 2 + 60_000_000);
        assert_ne!(after_midnight.today, first_day.today, "a new day, a new id");
        assert_eq!(after_midnight.yesterday, Some(first_day.today));
        let third_day = visit(&mut salts, NOON + 2 * MICROS_PER_DAY);
        assert_eq!(third_day.yesterday, Some(after_midnight.today));
        assert_ne!(third_day.yesterday, Some(first_day.today));
        assert_eq!(
            salts.days(),
            vec![
                Day::of(at(NOON + MICROS_PER_DAY)),
                Day::of(at(NOON + 2 * MICROS_PER_DAY))
            ]
        );
    }

    #[test]
    fn a_clock_set_back_does_not_revive_a_forgotten_day() {
        let (random, mut salts, site) = (SystemRandom::new(), Salts::new(), SiteId::random());
        let first = salts
            .visitor(at(NOON), site, ip("198.51.100.7"), UA, &random)
            .unwrap();
        salts
            .visitor(
                at(NOON + 3 * MICROS_PER_DAY),
                site,
                ip("198.51.100.7"),
                UA,
                &random,
            )
            .unwrap();
        let back = salts
            .visitor(at(NOON), site, ip("198.51.100.7"), UA, &random)
            .unwrap();
        assert_ne!(
            back.today, first.today,
            "the first day's salt is gone for good"
        );
    }

    #[test]
    fn salts_are_never_shown() {
        let (random, mut salts) = (SystemRandom::new(), Salts::new());
        salts
            .visitor(at(NOON), SiteId::random(), ip("198.51.100.7"), UA, &random)
            .unwrap();
        let shown = format!("{salts:?}");
        assert!(shown.starts_with("Salts { days: [Day("), "{shown}");
        assert!(!shown.contains("bytes"), "{shown}");
    }
}
