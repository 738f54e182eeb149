//! Counts shown beside lists and in the workspace's frame, counted only so far: past
//! [`CAP`] a count says "1000+" instead of reading every row. At a firm's volume an exact
//! count of every status would read the whole table on every page view (measured in
//! docs/PERFORMANCE.md); nobody triages by the thousand-and-first lead.

use std::fmt;

/// Counted up to this many; more show as `1000+`.
pub const CAP: i64 = 1_000;

/// A count, exact up to [`CAP`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    counted: i64,
}

impl Tally {
    /// From a count of at most `CAP + 1` rows (as [`capped`] makes them).
    pub fn of(counted: i64) -> Self {
        Self { counted }
    }

    /// Whether there are more than [`CAP`].
    pub fn is_capped(self) -> bool {
        self.counted > CAP
    }

    /// The count, at most [`CAP`] + 1.
    pub fn at_least(self) -> i64 {
        self.counted.min(CAP + 1)
    }

    pub fn is_zero(self) -> bool {
        self.counted == 0
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_capped() {
            write!(f, "{CAP}+")
        } else {
            write!(f, "{}", self.counted)
        }
    }
}

/// `SELECT COUNT(*)` of the rows `select` (a `SELECT 1 FROM … WHERE …`) finds, stopping at
/// [`CAP`] + 1.
pub(crate) fn capped(select: &str) -> String {
    format!("SELECT COUNT(*) FROM ({select} LIMIT {}) counted", CAP + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_past_the_cap_says_so() {
        assert_eq!(Tally::of(7).to_string(), "7");
        assert_eq!(Tally::of(CAP).to_string(), "1000");
        assert_eq!(Tally::of(CAP + 1).to_string(), "1000+");
        assert!(Tally::of(CAP + 1).is_capped() && !Tally::of(CAP).is_capped());
    }
}
