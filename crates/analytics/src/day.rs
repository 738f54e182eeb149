//! UTC days: what visitor ids live for (a salt per day) and what reports count in.

use std::fmt;

use leadvault_store::Timestamp;

pub(crate) const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;
pub(crate) const MICROS_PER_HOUR: i64 = 3_600 * 1_000_000;

/// A UTC day, counted from the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i64);

impl Day {
    /// The UTC day `at` falls in.
    pub fn of(at: Timestamp) -> Self {
        Self(at.as_unix_micros().div_euclid(MICROS_PER_DAY))
    }

    /// A `YYYY-MM-DD` date.
    pub fn parse(text: &str) -> Option<Self> {
        Timestamp::parse_date(text).map(Self::of)
    }

    /// Midnight UTC at its start.
    pub fn start(self) -> Timestamp {
        Timestamp::from_unix_micros(self.0.saturating_mul(MICROS_PER_DAY))
    }

    /// `days` later (earlier, if negative).
    pub fn plus(self, days: i64) -> Self {
        Self(self.0.saturating_add(days))
    }

    /// Its number: days since 1970-01-01 (as stored).
    pub(crate) fn number(self) -> i64 {
        self.0
    }

    pub(crate) fn before(self) -> Self {
        self.plus(-1)
    }

    /// Days from `self` to `later`.
    pub fn until(self, later: Day) -> i64 {
        later.0 - self.0
    }

    /// The first day of its month.
    pub fn first_of_month(self) -> Self {
        let civil = self.start().civil();
        self.plus(1 - civil.day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let civil = self.start().civil();
        write!(f, "{:04}-{:02}-{:02}", civil.year, civil.month, civil.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_and_print_as_dates() {
        let day = Day::parse("2026-12-07").unwrap();
        assert_eq!(day.to_string(), "2026-12-07");
        assert_eq!(day.plus(25).to_string(), "2027-01-01");
        assert_eq!(day.first_of_month().to_string(), "2026-12-01");
        assert_eq!(
            Day::of(
                day.start()
                    .saturating_add(std::time::Duration::from_secs(86_399))
            ),
            day
        );
        assert_eq!(day.until(day.plus(30)), 30);
        assert_eq!(Day::parse("2026-13-01"), None);
    }
}
