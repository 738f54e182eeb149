//! An organization's speed-to-lead target: a new lead is to be contacted within so many
//! minutes of office time (e.g. 15 minutes, Monday to Friday, 9:00 to 17:00 local time).
//! A lead that arrives at night is due the next morning, not at 00:15.
//!
//! Office hours are kept in local minutes with a fixed offset from UTC, which the owner sets;
//! no time-zone database is consulted, so a firm moves its offset itself when its clocks
//! change. [`ContactTarget::due`] is pure: the reminder job passes the time in.

use leadvault_audit::{Acting, Chain, append};
use leadvault_store::sqlx::any::AnyRow;
use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};

use crate::actions::IntakeAction;
use crate::error::IntakeError;

const MINUTE_MICROS: i64 = 60_000_000;
const DAY_MINUTES: i64 = 24 * 60;
/// 1970-01-01 was a Thursday: day 0 is weekday 3 counting Monday as 0.
const EPOCH_WEEKDAY: i64 = 3;
/// Longest target: a week of minutes.
const MAX_MINUTES: i64 = 7 * DAY_MINUTES;

/// The days of the week, Monday first, as the owner ticks them.
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Within how much office time a new lead is to be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactTarget {
    /// Minutes of office time.
    pub minutes: i64,
    /// Bit 0 Monday … bit 6 Sunday.
    pub weekdays: u8,
    /// Minutes after local midnight the office opens and closes (`opens < closes`).
    pub opens: i64,
    pub closes: i64,
    /// Local time minus UTC, in minutes.
    pub utc_offset: i64,
}

impl ContactTarget {
    /// A target as entered, checked: 1 minute to a week, at least one office day, an office
    /// that opens before it closes, an offset within ±14 hours.
    pub fn new(
        minutes: i64,
        weekdays: u8,
        opens: i64,
        closes: i64,
        utc_offset: i64,
    ) -> Result<Self, IntakeError> {
        let invalid = |why: &str| Err(IntakeError::Invalid(why.to_owned()));
        if !(1..=MAX_MINUTES).contains(&minutes) {
            return invalid("the target is 1 minute to a week");
        }
        if weekdays & 0x7f == 0 {
            return invalid("choose at least one office day");
        }
        if !(0 <= opens && opens < closes && closes <= DAY_MINUTES) {
            return invalid("the office opens before it closes, within one day");
        }
        if !(-14 * 60..=14 * 60).contains(&utc_offset) {
            return invalid("the offset from UTC is within 14 hours");
        }
        Ok(Self {
            minutes,
            weekdays: weekdays & 0x7f,
            opens,
            closes,
            utc_offset,
        })
    }

    /// When a lead that arrived at `arrived` is due its first contact: `minutes` of office
    /// time later. Time outside office hours does not count.
    pub fn due(&self, arrived: Timestamp) -> Timestamp {
        self.after_office_minutes(arrived, self.minutes)
    }

    /// `minutes` of office time after `from`.
    pub fn after_office_minutes(&self, from: Timestamp, minutes: i64) -> Timestamp {
        // Work in whole local minutes; seconds within the first minute carry over.
        let micros = from.as_unix_micros() + self.utc_offset * MINUTE_MICROS;
        let mut at = micros.div_euclid(MINUTE_MICROS);
        let spare = micros.rem_euclid(MINUTE_MICROS);
        let mut left = minutes;
        let week = i64::from(self.weekdays.count_ones()) * (self.closes - self.opens);
        // Past the first day, whole weeks of office time are skipped at once, so what is
        // left falls within the next eight days.
        for turn in 0..10 {
            let day = at.div_euclid(DAY_MINUTES);
            let minute = at.rem_euclid(DAY_MINUTES);
            let weekday = (day + EPOCH_WEEKDAY).rem_euclid(7);
            let office_day = self.weekdays & (1 << weekday) != 0;
            if office_day && minute < self.closes {
                let start = minute.max(self.opens);
                let open_left = self.closes - start;
                if left <= open_left {
                    let carried = if start == minute { spare } else { 0 };
                    let local = (day * DAY_MINUTES + start + left) * MINUTE_MICROS + carried;
                    return Timestamp::from_unix_micros(local - self.utc_offset * MINUTE_MICROS);
                }
                left -= open_left;
            }
            at = (day + 1) * DAY_MINUTES;
            if turn == 0 && week > 0 && left > week {
                let weeks = (left - 1) / week;
                at += weeks * 7 * DAY_MINUTES;
                left -= weeks * week;
            }
        }
        // Not reached for a checked target (it has an office day); never due is the safe
        // answer for one that is not.
        Timestamp::from_unix_micros(i64::MAX)
    }

    /// A stored target, from the row's columns `minutes, weekdays, opens, closes,
    /// utc_offset` starting at `first`.
    pub(crate) fn read(row: &AnyRow, first: usize) -> Result<Self, IntakeError> {
        let weekdays: i64 = row.try_get(first + 1)?;
        Self::new(
            row.try_get(first)?,
            u8::try_from(weekdays).map_err(|_| IntakeError::Corrupt("office days"))?,
            row.try_get(first + 2)?,
            row.try_get(first + 3)?,
            row.try_get(first + 4)?,
        )
        .map_err(|_| IntakeError::Corrupt("a contact target"))
    }

    /// The office days as names, Monday first.
    pub fn days(&self) -> Vec<&'static str> {
        WEEKDAYS
            .iter()
            .enumerate()
            .filter(|(n, _)| self.weekdays & (1 << n) != 0)
            .map(|(_, day)| *day)
            .collect()
    }
}

/// The organization's target, if it set one (without one, no contact reminder is sent).
pub async fn contact_target(db: &Db, org: OrgId) -> Result<Option<ContactTarget>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT minutes, weekdays, opens, closes, utc_offset FROM contact_targets \
         WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.map(|row| ContactTarget::read(&row, 0)).transpose()
}

/// Sets (or with `None`, removes) the organization's target, audited.
pub async fn set_contact_target(
    db: &Db,
    acting: &Acting,
    target: Option<ContactTarget>,
) -> Result<(), IntakeError> {
    let org = acting.org;
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    sqlx::query("DELETE FROM contact_targets WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    if let Some(t) = target {
        sqlx::query(
            "INSERT INTO contact_targets \
             (org_id, minutes, weekdays, opens, closes, utc_offset, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(t.minutes)
        .bind(i64::from(t.weekdays))
        .bind(t.opens)
        .bind(t.closes)
        .bind(t.utc_offset)
        .bind(acting.now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
    }
    let event = acting
        .by
        .event(IntakeAction::ContactTargetChanged)
        .on("organization", org);
    append(&mut tx, Chain::of(org), &event, acting.now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Weekdays 9:00–17:00 at UTC+1, 15 minutes.
    fn office() -> ContactTarget {
        ContactTarget::new(15, 0b001_1111, 9 * 60, 17 * 60, 60).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        // `YYYY-MM-DD HH:MM` in UTC.
        let (date, time) = text.split_once(' ').unwrap();
        let (h, m) = time.split_once(':').unwrap();
        let minutes: u64 = h.parse::<u64>().unwrap() * 60 + m.parse::<u64>().unwrap();
        Timestamp::parse_date(date)
            .unwrap()
            .saturating_add(Duration::from_secs(minutes * 60))
    }

    #[test]
    fn a_lead_in_office_hours_is_due_the_target_later() {
        // Tuesday 2026-12-08 10:00 UTC is 11:00 local.
        assert_eq!(office().due(at("2026-12-08 10:00")), at("2026-12-08 10:15"));
    }

    #[test]
    fn a_lead_near_closing_carries_over_to_the_next_morning() {
        // 16:50 local: 10 minutes today, 5 tomorrow from 9:00 local (08:00 UTC).
        assert_eq!(office().due(at("2026-12-08 15:50")), at("2026-12-09 08:05"));
    }

    #[test]
    fn a_lead_on_friday_night_is_due_on_monday_morning() {
        // Friday 2026-12-11 22:00 UTC; Monday 2026-12-14 opens 08:00 UTC.
        assert_eq!(office().due(at("2026-12-11 22:00")), at("2026-12-14 08:15"));
    }

    #[test]
    fn a_lead_before_opening_is_due_after_opening() {
        assert_eq!(office().due(at("2026-12-08 05:00")), at("2026-12-08 08:15"));
    }

    #[test]
    fn round_the_clock_every_day_is_plain_elapsed_time() {
        let always = ContactTarget::new(90, 0x7f, 0, DAY_MINUTES, 0).unwrap();
        assert_eq!(always.due(at("2026-12-12 23:00")), at("2026-12-13 00:30"));
    }

    #[test]
    fn a_target_longer_than_a_day_spans_office_days() {
        // 10 office hours from Tuesday 11:00 local: 6 on Tuesday, 4 on Wednesday.
        let long = ContactTarget::new(600, 0b001_1111, 9 * 60, 17 * 60, 60).unwrap();
        assert_eq!(long.due(at("2026-12-08 10:00")), at("2026-12-09 12:00"));
    }

    #[test]
    fn a_week_long_target_with_one_short_office_day_skips_whole_weeks() {
        // One office hour on Mondays (9:00–10:00 UTC); three hours from Monday 2026-12-07
        // 9:30 are half an hour then two whole Mondays then the rest of the third.
        let mondays = ContactTarget::new(180, 1, 9 * 60, 10 * 60, 0).unwrap();
        assert_eq!(mondays.due(at("2026-12-07 09:30")), at("2026-12-28 09:30"));
    }

    #[test]
    fn impossible_targets_are_refused() {
        assert!(ContactTarget::new(0, 1, 540, 1020, 0).is_err());
        assert!(ContactTarget::new(15, 0, 540, 1020, 0).is_err());
        assert!(ContactTarget::new(15, 1, 1020, 540, 0).is_err());
        assert!(ContactTarget::new(15, 1, 540, 1020, 15 * 60).is_err());
        assert!(ContactTarget::new(MAX_MINUTES + 1, 1, 540, 1020, 0).is_err());
    }
}
