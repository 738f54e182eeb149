//! Which backups retention keeps: the newest backup of each of the last `daily` days that
//! have one, of each of the last `weekly` ISO weeks, and of each of the last `monthly`
//! months; the union of the three, and always the newest. Pure: the list and the rules in,
//! the names to keep out. Applied only after a backup was uploaded (and verified).

use std::collections::BTreeSet;

use leadvault_config::Keep;
use leadvault_store::Timestamp;

/// The period (day, ISO week or month) a time falls in, as a number.
type PeriodOf = fn(Timestamp) -> i64;

/// The names of `backups` (name, when made) that `keep` keeps.
pub fn kept(backups: &[(String, Timestamp)], keep: Keep) -> BTreeSet<String> {
    let mut newest_first: Vec<&(String, Timestamp)> = backups.iter().collect();
    newest_first.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let mut kept = BTreeSet::new();
    if let Some((name, _)) = newest_first.first() {
        kept.insert(name.clone());
    }
    let periods: [(u32, PeriodOf); 3] = [
        (keep.daily, day_of),
        (keep.weekly, week_of),
        (keep.monthly, month_of),
    ];
    for (count, period_of) in periods {
        let mut seen = BTreeSet::new();
        for (name, at) in &newest_first {
            if seen.len() >= count as usize {
                break;
            }
            // The first (newest) backup met in a period is the one kept for it.
            if seen.insert(period_of(*at)) {
                kept.insert(name.clone());
            }
        }
    }
    kept
}

fn day_of(at: Timestamp) -> i64 {
    at.as_unix_micros().div_euclid(86_400_000_000)
}

/// ISO weeks begin on Monday; 1970-01-01 was a Thursday.
fn week_of(at: Timestamp) -> i64 {
    (day_of(at) + 3).div_euclid(7)
}

fn month_of(at: Timestamp) -> i64 {
    let civil = at.civil();
    civil.year * 12 + civil.month
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000_000;
    // 2026-12-07 02:30 UTC, a Monday.
    const MONDAY: i64 = 1_796_610_600_000_000;

    fn daily_for(days: i64) -> Vec<(String, Timestamp)> {
        (0..days)
            .map(|d| {
                let at = Timestamp::from_unix_micros(MONDAY - d * DAY);
                (format!("b{d:03}"), at)
            })
            .collect()
    }

    #[test]
    fn the_day_of_the_constant_is_a_monday() {
        // 1970-01-05 was the first Monday: day 4.
        assert_eq!((day_of(Timestamp::from_unix_micros(MONDAY)) - 4) % 7, 0);
    }

    #[test]
    fn a_year_of_daily_backups_keeps_seven_days_four_weeks_and_six_months() {
        let backups = daily_for(365);
        let kept = kept(&backups, Keep::default());
        // Days: b000..b006. Weeks (Monday-based): the newest of this week is b000, then the
        // Sundays b001, b008, b015. Months: the newest of December (b000), then the last
        // day of each earlier month.
        let mut expected: BTreeSet<String> = (0..7).map(|d| format!("b{d:03}")).collect();
        for d in [8, 15] {
            expected.insert(format!("b{d:03}"));
        }
        // The last days of November, October, September, August, July 2026: 7, 37, 68, 98,
        // 129 days before December 7.
        for d in [7, 37, 68, 98, 129] {
            expected.insert(format!("b{d:03}"));
        }
        assert_eq!(kept, expected);
    }

    #[test]
    fn several_backups_in_a_day_keep_the_newest_of_it() {
        let at = |micros| Timestamp::from_unix_micros(MONDAY + micros);
        let backups = vec![
            ("early".to_owned(), at(0)),
            ("late".to_owned(), at(3_600_000_000)),
        ];
        let keep = Keep {
            daily: 1,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(kept(&backups, keep), BTreeSet::from(["late".to_owned()]));
    }

    #[test]
    fn the_newest_is_kept_whatever_the_rules() {
        let backups = daily_for(3);
        let keep = Keep {
            daily: 0,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(kept(&backups, keep), BTreeSet::from(["b000".to_owned()]));
    }
}
