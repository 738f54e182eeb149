use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, UTC, in microseconds since the Unix epoch.
///
/// Stored as `BIGINT` on both engines so that timestamps compare, sort and round-trip
/// identically everywhere. Domain logic receives the current time as a parameter and never
/// reads the clock itself; only the edges (request handlers, commands) call [`Timestamp::now`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn now() -> Self {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        Self(micros)
    }

    pub const fn from_unix_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub const fn as_unix_micros(self) -> i64 {
        self.0
    }

    #[must_use]
    pub fn saturating_add(self, by: Duration) -> Self {
        let by = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(by))
    }

    #[must_use]
    pub fn saturating_sub(self, by: Duration) -> Self {
        let by = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(by))
    }

    /// Midnight UTC at the start of a `YYYY-MM-DD` date, if it is one.
    pub fn parse_date(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let mut next = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<i64>().ok())
        };
        let (year, month, day) = (next(4)?, next(2)?, next(2)?);
        let days = days_from_civil(year, month, day)?;
        Some(Self(days.checked_mul(86_400_000_000)?))
    }

    /// A `YYYY-MM-DDTHH:MM` date and time in UTC (as an HTML `datetime-local` field sends
    /// it; a space in place of the `T` is accepted too), if it is one.
    pub fn parse_date_time(text: &str) -> Option<Self> {
        let text = text.trim();
        let (date, time) = text.split_once('T').or_else(|| text.split_once(' '))?;
        let (hour, minute) = time.split_once(':')?;
        let two = |p: &str| {
            (p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<i64>().ok())
                .flatten()
        };
        let (hour, minute) = (two(hour)?, two(minute)?);
        if hour > 23 || minute > 59 {
            return None;
        }
        let day = Self::parse_date(date)?;
        Some(Self(day.0.checked_add((hour * 60 + minute) * 60_000_000)?))
    }

    /// To the minute, as people read it: `2026-11-23 14:05 UTC`.
    pub fn minute_utc(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            c.year, c.month, c.day, c.hour, c.minute
        )
    }

    /// The calendar date and time of day, UTC: (year, month, day, hour, minute, second,
    /// microsecond).
    pub fn civil(self) -> Civil {
        let micros = self.0.rem_euclid(1_000_000);
        let seconds = self.0.div_euclid(1_000_000);
        let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day % 3600 / 60,
            second: of_day % 60,
            micros,
        }
    }

    /// RFC 3339, UTC, to the microsecond: `2026-11-23T14:05:09.000123Z`.
    pub fn rfc3339(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second, c.micros
        )
    }
}

/// A timestamp's calendar parts, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub micros: i64,
}

/// The date `days` after 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a date, if the date exists (the inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // 31 February and the like come back as another date: refuse them.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_a_duration_moves_forward_in_microseconds() {
        let t = Timestamp::from_unix_micros(1_000);
        assert_eq!(
            t.saturating_add(Duration::from_millis(2)).as_unix_micros(),
            3_000
        );
        assert_eq!(
            Timestamp::from_unix_micros(i64::MAX).saturating_add(Duration::from_secs(1)),
            Timestamp::from_unix_micros(i64::MAX)
        );
    }

    #[test]
    fn dates_and_rfc3339_round_trip_through_the_calendar() {
        let leap = Timestamp::parse_date("2000-02-29").unwrap();
        assert_eq!(leap.as_unix_micros(), 951_782_400_000_000);
        assert_eq!(leap.rfc3339(), "2000-02-29T00:00:00.000000Z");
        assert_eq!(Timestamp::parse_date("1970-01-01"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::parse_date_time("1970-01-02T01:30"),
            Some(Timestamp((86_400 + 5_400) * 1_000_000))
        );
        for bad in [
            "1970-01-02T24:00",
            "1970-01-02T1:30",
            "1970-01-02",
            "T10:00",
            "x",
        ] {
            assert_eq!(Timestamp::parse_date_time(bad), None, "{bad}");
        }
        let t = Timestamp::from_unix_micros(1_795_446_309_000_123);
        assert_eq!(t.rfc3339(), "2026-11-23T15:05:09.000123Z");
        for bad in [
            "2001-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026-01-01x",
            "",
        ] {
            assert_eq!(Timestamp::parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn now_is_after_2020() {
        assert!(Timestamp::now().as_unix_micros() > 1_577_836_800_000_000);
    }
}
