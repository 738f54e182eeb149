//! The figures an owner reads on the home page, over a period: leads per week, by form, by
//! site and by channel; how many were retained; and speed to lead (the median and 90th
//! percentile of the time from arrival to first contact, overall and per attorney). All from
//! plain columns: nothing is decrypted.

use std::collections::BTreeMap;
use std::time::Duration;

use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Db, OrgId, SiteId, TenantScope, Timestamp};
use uuid::Uuid;

use crate::error::IntakeError;
use crate::leads::site_of;

const DAY_MICROS: i64 = 24 * 60 * 60 * 1_000_000;
/// 1970-01-01 was a Thursday: three days after a Monday.
const EPOCH_AFTER_MONDAY: i64 = 3;

/// The state whose leads count as won, in the default pipeline and in any that keeps it.
pub const RETAINED: &str = "retained";

/// How long first contacts took: how many, the median and the 90th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Speed {
    pub contacted: usize,
    pub median: Duration,
    pub p90: Duration,
}

impl Speed {
    /// Of these times (in any order); `None` for none. Nearest-rank percentiles: the value
    /// below which that share of times fall, one of the times itself.
    pub fn of(mut times: Vec<Duration>) -> Option<Self> {
        if times.is_empty() {
            return None;
        }
        times.sort_unstable();
        let rank = |share: usize| {
            let at = (share * times.len()).div_ceil(100);
            times[at.clamp(1, times.len()) - 1]
        };
        Some(Self {
            contacted: times.len(),
            median: rank(50),
            p90: rank(90),
        })
    }
}

/// An owner's figures for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadFigures {
    /// Leads received in the period.
    pub total: i64,
    /// Of those, leads that have been retained at some point.
    pub retained: i64,
    /// Leads per week, by the Monday (UTC) that starts it, oldest first; weeks without
    /// leads included.
    pub weeks: Vec<(Timestamp, i64)>,
    /// Leads per form (by name), most first.
    pub by_form: Vec<(String, i64)>,
    /// Leads per site (none: a form of no site), most first.
    pub by_site: Vec<(Option<SiteId>, i64)>,
    /// Leads per channel (none: not known), most first.
    pub by_channel: Vec<(Option<String>, i64)>,
    pub speed: Option<Speed>,
    /// Speed to lead per assignee (leads nobody was given are in the overall figure only).
    pub speed_by_attorney: Vec<(Uuid, Speed)>,
    /// Leads of the period nobody has contacted yet.
    pub uncontacted: i64,
}

/// The Monday 00:00 UTC that starts `at`'s week.
pub fn week_of(at: Timestamp) -> Timestamp {
    let day = at.as_unix_micros().div_euclid(DAY_MICROS);
    let monday = day - (day + EPOCH_AFTER_MONDAY).rem_euclid(7);
    Timestamp::from_unix_micros(monday * DAY_MICROS)
}

/// `org`'s figures for the `weeks` weeks up to `now` (the current one included).
pub async fn lead_figures(
    db: &Db,
    org: OrgId,
    weeks: u32,
    now: Timestamp,
) -> Result<LeadFigures, IntakeError> {
    let first_week = week_of(now).as_unix_micros() - i64::from(weeks.max(1) - 1) * 7 * DAY_MICROS;
    let week = 7 * DAY_MICROS;
    // Counted by the database, grouped by week, form, site and channel (a few rows however
    // many leads); only the contacted leads' two times come back one by one, for the
    // percentiles.
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let groups = sqlx::query(
        "SELECT (l.created_at - $2) / $3, f.name, l.site_id, l.channel, COUNT(*), \
         SUM(CASE WHEN l.first_contact_at IS NULL THEN 1 ELSE 0 END) \
         FROM leads l JOIN forms f ON f.id = l.form_id \
         WHERE l.org_id = $1 AND l.created_at >= $2 \
         GROUP BY 1, 2, 3, 4",
    )
    .bind(org.to_string())
    .bind(first_week)
    .bind(week)
    .fetch_all(&mut *tx)
    .await?;
    let retained: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT e.lead_id) FROM lead_events e JOIN leads l ON l.id = e.lead_id \
         WHERE e.org_id = $1 AND e.kind = 'status' AND e.detail = $3 AND l.created_at >= $2",
    )
    .bind(org.to_string())
    .bind(first_week)
    .bind(RETAINED)
    .fetch_one(&mut *tx)
    .await?;
    let contacted = sqlx::query(
        "SELECT l.assigned_to, l.first_contact_at - l.created_at FROM leads l \
         WHERE l.org_id = $1 AND l.created_at >= $2 AND l.first_contact_at IS NOT NULL",
    )
    .bind(org.to_string())
    .bind(first_week)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let mut weekly: BTreeMap<i64, i64> = (0..i64::from(weeks.max(1)))
        .map(|n| (first_week + n * week, 0))
        .collect();
    let (mut forms, mut sites, mut channels) = (
        BTreeMap::<String, i64>::new(),
        BTreeMap::<Option<SiteId>, i64>::new(),
        BTreeMap::<Option<String>, i64>::new(),
    );
    let (mut total, mut uncontacted) = (0, 0);
    for row in &groups {
        let n: i64 = row.try_get(4)?;
        let week_number: i64 = row.try_get(0)?;
        *weekly.entry(first_week + week_number * week).or_default() += n;
        *forms.entry(row.try_get(1)?).or_default() += n;
        *sites.entry(site_of(row.try_get(2)?)?).or_default() += n;
        *channels.entry(row.try_get(3)?).or_default() += n;
        total += n;
        uncontacted += row.try_get::<i64, _>(5)?;
    }
    let mut times = Vec::with_capacity(contacted.len());
    let mut per_attorney: BTreeMap<Uuid, Vec<Duration>> = BTreeMap::new();
    for row in &contacted {
        let took = Duration::from_micros(u64::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0));
        times.push(took);
        let assignee = row
            .try_get::<Option<String>, _>(0)?
            .and_then(|a| Uuid::try_parse(&a).ok());
        if let Some(attorney) = assignee {
            per_attorney.entry(attorney).or_default().push(took);
        }
    }
    Ok(LeadFigures {
        total,
        retained,
        weeks: weekly
            .into_iter()
            .map(|(week, count)| (Timestamp::from_unix_micros(week), count))
            .collect(),
        by_form: most_first(forms),
        by_site: most_first(sites),
        by_channel: most_first(channels),
        speed: Speed::of(times),
        speed_by_attorney: per_attorney
            .into_iter()
            .filter_map(|(attorney, times)| Speed::of(times).map(|speed| (attorney, speed)))
            .collect(),
        uncontacted,
    })
}

fn most_first<K>(counts: BTreeMap<K, i64>) -> Vec<(K, i64)> {
    let mut counts: Vec<(K, i64)> = counts.into_iter().collect();
    counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(list: &[u64]) -> Vec<Duration> {
        list.iter().map(|m| Duration::from_secs(m * 60)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let speed = Speed::of(minutes(&[30, 10, 20, 40, 50, 60, 70, 80, 90, 100])).unwrap();
        assert_eq!(speed.contacted, 10);
        assert_eq!(speed.median, Duration::from_secs(50 * 60));
        assert_eq!(speed.p90, Duration::from_secs(90 * 60));
        let one = Speed::of(minutes(&[7])).unwrap();
        assert_eq!(one.median, Duration::from_secs(7 * 60));
        assert_eq!(one.p90, Duration::from_secs(7 * 60));
        assert_eq!(Speed::of(Vec::new()), None);
    }

    #[test]
    fn weeks_start_on_monday() {
        // Wednesday 2026-12-09 15:00 UTC is in the week of Monday 2026-12-07.
        let wednesday = Timestamp::parse_date_time("2026-12-09T15:00").unwrap();
        assert_eq!(
            week_of(wednesday),
            Timestamp::parse_date("2026-12-07").unwrap()
        );
        let monday = Timestamp::parse_date("2026-12-07").unwrap();
        assert_eq!(week_of(monday), monday);
    }
}
