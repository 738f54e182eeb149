//! Reports: a site's traffic over a period, beside the period before it, read from the
//! rollups (see `rollup`). Days are UTC days.

use std::time::Duration;

use leadvault_store::sqlx::any::AnyRow;
use leadvault_store::sqlx::{AssertSqlSafe, Row as _};
use leadvault_store::{Batch, SiteId, Slot, Statement, StoreError, TenantScope, Timestamp};

use crate::day::{Day, MICROS_PER_HOUR};
use crate::dimension::Dimension;
use crate::storage::{AnalyticsDb, SITE_IS_1};

/// The periods a report covers, as a marketer picks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Today,
    Yesterday,
    Last7Days,
    Last30Days,
    ThisMonth,
    LastMonth,
    Last12Months,
    /// From the first day to the last, both included.
    Custom {
        first: Day,
        last: Day,
    },
}

/// Why a period was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeRefused {
    #[error(
        "the period is one of today, yesterday, 7d, 30d, month, last_month, 12mo or custom (with from and to)"
    )]
    Unknown,
    #[error("a custom period needs from and to as YYYY-MM-DD, from not after to, at most 2 years")]
    Custom,
}

/// The longest custom period.
const MAX_DAYS: i64 = 731;

impl Range {
    /// `period` as the API and dashboard name it; `from` and `to` for a custom one.
    pub fn parse(period: &str, from: Option<&str>, to: Option<&str>) -> Result<Self, RangeRefused> {
        Ok(match period {
            "today" => Self::Today,
            "yesterday" => Self::Yesterday,
            "7d" => Self::Last7Days,
            "30d" => Self::Last30Days,
            "month" => Self::ThisMonth,
            "last_month" => Self::LastMonth,
            "12mo" => Self::Last12Months,
            "custom" => {
                let first = from.and_then(Day::parse).ok_or(RangeRefused::Custom)?;
                let last = to.and_then(Day::parse).ok_or(RangeRefused::Custom)?;
                if first > last || first.until(last) >= MAX_DAYS {
                    return Err(RangeRefused::Custom);
                }
                Self::Custom { first, last }
            }
            _ => return Err(RangeRefused::Unknown),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Today => "today",
            Self::Yesterday => "yesterday",
            Self::Last7Days => "7d",
            Self::Last30Days => "30d",
            Self::ThisMonth => "month",
            Self::LastMonth => "last_month",
            Self::Last12Months => "12mo",
            Self::Custom { .. } => "custom",
        }
    }

    /// The days it covers when `today` is today.
    pub fn period(self, today: Day) -> Period {
        let (first, end) = match self {
            Self::Today => (today, today.plus(1)),
            Self::Yesterday => (today.before(), today),
            Self::Last7Days => (today.plus(-6), today.plus(1)),
            Self::Last30Days => (today.plus(-29), today.plus(1)),
            Self::ThisMonth => (today.first_of_month(), today.plus(1)),
            Self::LastMonth => {
                let first_of_this = today.first_of_month();
                (first_of_this.before().first_of_month(), first_of_this)
            }
            Self::Last12Months => (today.plus(-364), today.plus(1)),
            Self::Custom { first, last } => (first, last.plus(1)),
        };
        Period { first, end }
    }
}

/// Whole UTC days: from `first` up to, not including, `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Day,
    pub end: Day,
}

impl Period {
    pub fn days(self) -> i64 {
        self.first.until(self.end)
    }

    /// The period of the same length just before, to compare with.
    pub fn previous(self) -> Self {
        Self {
            first: self.first.plus(-self.days()),
            end: self.first,
        }
    }

    /// The last day in it.
    pub fn last(self) -> Day {
        self.end.before()
    }
}

/// What was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Each day's distinct visitors, added up (a visitor's id lives one day).
    pub visitors: i64,
    pub visits: i64,
    pub pageviews: i64,
    pub bounces: i64,
    /// Time spent in visits, microseconds.
    pub duration_micros: i64,
    /// Events other than page views.
    pub events: i64,
}

impl Metrics {
    /// The six sums a query selects from column `at` on, in the fields' order (a sum over
    /// no rows reads as zero).
    pub(crate) fn read(row: &AnyRow, at: usize) -> Result<Self, StoreError> {
        let sum = |i: usize| -> Result<i64, StoreError> {
            Ok(row.try_get::<Option<i64>, _>(at + i)?.unwrap_or(0))
        };
        Ok(Self {
            visitors: sum(0)?,
            visits: sum(1)?,
            pageviews: sum(2)?,
            bounces: sum(3)?,
            duration_micros: sum(4)?,
            events: sum(5)?,
        })
    }

    pub fn views_per_visit(&self) -> f64 {
        ratio(self.pageviews, self.visits)
    }

    /// Percent of visits that were one page view and nothing else.
    pub fn bounce_rate(&self) -> f64 {
        100.0 * ratio(self.bounces, self.visits)
    }

    /// The average visit's length.
    pub fn visit_duration(&self) -> Duration {
        let micros = ratio(self.duration_micros, self.visits);
        Duration::from_micros(micros.max(0.0) as u64)
    }
}

impl std::ops::AddAssign for Metrics {
    fn add_assign(&mut self, other: Self) {
        self.visitors += other.visitors;
        self.visits += other.visits;
        self.pageviews += other.pageviews;
        self.bounces += other.bounces;
        self.duration_micros += other.duration_micros;
        self.events += other.events;
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// One value of a dimension and its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub value: String,
    pub metrics: Metrics,
}

/// A point of the chart: an hour (for a one-day period) or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub start: Timestamp,
    pub visitors: i64,
    pub pageviews: i64,
}

/// A dimension's top values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub rows: Vec<Row>,
}

/// A site's report for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    pub totals: Metrics,
    /// The same figures for the period before, as long.
    pub previous: Metrics,
    /// Every hour (one-day periods) or day of the period, those without visits at zero.
    pub series: Vec<Point>,
    pub breakdowns: Vec<Breakdown>,
}

const SUMS: &str = "CAST(SUM(visitors) AS BIGINT), CAST(SUM(visits) AS BIGINT), \
     CAST(SUM(pageviews) AS BIGINT), CAST(SUM(bounces) AS BIGINT), \
     CAST(SUM(duration) AS BIGINT), CAST(SUM(events) AS BIGINT)";

/// The report of `site` for `period`, each dimension's `limit` top values (by visitors,
/// then by name).
pub async fn report(
    db: &AnalyticsDb,
    site: SiteId,
    period: Period,
    limit: usize,
) -> Result<Report, StoreError> {
    let site = site.to_string();
    let micros = |day: Day| day.start().as_unix_micros();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut batch = Batch::new();
    let totals_of = |batch: &mut Batch, period: Period| {
        batch.push(
            // The sums are the constant above.
            Statement::new(AssertSqlSafe(format!(
                "SELECT {SUMS} FROM analytics_rollups WHERE {SITE_IS_1} AND grain = 'd' \
                 AND dimension = '' AND bucket >= $2 AND bucket < $3"
            )))
            .bind(site.clone())
            .bind(micros(period.first))
            .bind(micros(period.end)),
        )
    };
    let totals = totals_of(&mut batch, period);
    let previous = totals_of(&mut batch, period.previous());
    let hourly = period.days() == 1;
    let series = batch.push(
        Statement::new(AssertSqlSafe(format!(
            "SELECT bucket, visitors, pageviews FROM analytics_rollups WHERE {SITE_IS_1} \
             AND grain = $2 AND dimension = '' AND bucket >= $3 AND bucket < $4 ORDER BY bucket"
        )))
        .bind(site.clone())
        .bind(if hourly { "h" } else { "d" })
        .bind(micros(period.first))
        .bind(micros(period.end)),
    );
    let breakdowns: Vec<(Dimension, Slot)> = Dimension::ALL
        .into_iter()
        .map(|dimension| {
            let slot = batch.push(
                Statement::new(AssertSqlSafe(format!(
                    "SELECT value, {SUMS} FROM analytics_rollups WHERE {SITE_IS_1} \
                     AND grain = 'd' AND dimension = $2 AND bucket >= $3 AND bucket < $4 \
                     GROUP BY value ORDER BY 2 DESC, value LIMIT $5"
                )))
                .bind(site.clone())
                .bind(dimension.name())
                .bind(micros(period.first))
                .bind(micros(period.end))
                .bind(limit),
            );
            (dimension, slot)
        })
        .collect();
    let mut outcomes = db
        .db()
        .read_batch_in(TenantScope::AllOrganizations, batch)
        .await?;
    let one = |rows: Vec<AnyRow>| -> Result<Metrics, StoreError> {
        rows.first()
            .map_or(Ok(Metrics::default()), |row| Metrics::read(row, 0))
    };
    let totals = one(outcomes.take(totals)?.rows)?;
    let previous = one(outcomes.take(previous)?.rows)?;
    let mut stored = Vec::new();
    for row in outcomes.take(series)?.rows {
        stored.push((
            row.try_get::<i64, _>(0)?,
            row.try_get::<i64, _>(1)?,
            row.try_get::<i64, _>(2)?,
        ));
    }
    let step = if hourly {
        MICROS_PER_HOUR
    } else {
        MICROS_PER_HOUR * 24
    };
    let points = if hourly { 24 } else { period.days() };
    let series = (0..points)
        .map(|i| {
            let start = micros(period.first) + i * step;
            let found = stored.iter().find(|(at, _, _)| *at == start);
            Point {
                start: Timestamp::from_unix_micros(start),
                visitors: found.map_or(0, |f| f.1),
                pageviews: found.map_or(0, |f| f.2),
            }
        })
        .collect();
    let mut tables = Vec::new();
    for (dimension, slot) in breakdowns {
        let rows = outcomes
            .take(slot)?
            .rows
            .iter()
            .map(|row| {
                Ok(Row {
                    value: row.try_get(0)?,
                    metrics: Metrics::read(row, 1)?,
                })
            })
            .collect::<Result<Vec<Row>, StoreError>>()?;
        tables.push(Breakdown { dimension, rows });
    }
    Ok(Report {
        period,
        totals,
        previous,
        series,
        breakdowns: tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_days_and_compare_with_as_many_before() {
        let today = Day::parse("2026-12-07").unwrap();
        let p = Range::Last7Days.period(today);
        assert_eq!(
            (p.first.to_string(), p.last().to_string()),
            ("2026-12-01".into(), "2026-12-07".into())
        );
        assert_eq!(p.previous().first.to_string(), "2026-11-24");
        assert_eq!(p.previous().last().to_string(), "2026-11-30");
        let month = Range::ThisMonth.period(today);
        assert_eq!(
            (month.first.to_string(), month.days()),
            ("2026-12-01".into(), 7)
        );
        let last = Range::LastMonth.period(today);
        assert_eq!(
            (last.first.to_string(), last.last().to_string()),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        assert_eq!(Range::Today.period(today).days(), 1);
        assert_eq!(Range::Last12Months.period(today).days(), 365);
    }

    #[test]
    fn custom_periods_are_checked() {
        let ok = Range::parse("custom", Some("2026-01-01"), Some("2026-01-31")).unwrap();
        assert_eq!(ok.period(Day::parse("2026-12-07").unwrap()).days(), 31);
        for (from, to) in [
            (Some("2026-02-01"), Some("2026-01-31")),
            (None, Some("2026-01-31")),
            (Some("2026-1-1"), Some("2026-01-31")),
            (Some("2020-01-01"), Some("2026-01-31")),
        ] {
            assert_eq!(
                Range::parse("custom", from, to),
                Err(RangeRefused::Custom),
                "{from:?} {to:?}"
            );
        }
        assert_eq!(
            Range::parse("forever", None, None),
            Err(RangeRefused::Unknown)
        );
    }

    #[test]
    fn derived_figures_never_divide_by_zero() {
        let none = Metrics::default();
        assert_eq!((none.views_per_visit(), none.bounce_rate()), (0.0, 0.0));
        let some = Metrics {
            visits: 4,
            pageviews: 10,
            bounces: 1,
            duration_micros: 8_000_000,
            ..Metrics::default()
        };
        assert_eq!((some.views_per_visit(), some.bounce_rate()), (2.5, 25.0));
        assert_eq!(some.visit_duration(), Duration::from_secs(2));
    }
}
