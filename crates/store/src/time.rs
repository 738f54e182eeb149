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
    fn now_is_after_2020() {
        assert!(Timestamp::now().as_unix_micros() > 1_577_836_800_000_000);
    }
}
