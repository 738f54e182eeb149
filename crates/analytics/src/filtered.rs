//! Filtered reports: the same report as `report`, over only the visits whose dimensions have
//! the values asked for (`country = NL`, `channel = email`, a page viewed). Rollups hold no
//! combination of dimensions, so these read the visits and events themselves, by index
//! (site and time): slower than a rollup report, and exact in the same way (a period's
//! visitors are each day's distinct visitors, added up; visits count on the day they began,
//! events on theirs).

use std::collections::BTreeMap;

use leadvault_store::sqlx::{self, AssertSqlSafe, Row as _};
use leadvault_store::{SiteId, StoreError, Timestamp};

use crate::day::{MICROS_PER_DAY, MICROS_PER_HOUR};
use crate::dimension::Dimension;
use crate::event::PAGEVIEW;
use crate::report::{Breakdown, Metrics, Period, Point, Report, Row};
use crate::storage::{AnalyticsDb, SITE_IS_1};

/// Visits with this value of a dimension; for `Page`, visits that viewed that page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dimension: Dimension,
    pub value: String,
}

/// Filters a report takes at most.
pub const MAX_FILTERS: usize = 5;

const VISIT_SUMS: &str = "COUNT(DISTINCT v.visitor), COUNT(*), CAST(SUM(v.pageviews) AS BIGINT), \
     CAST(SUM(CASE WHEN v.pageviews <= 1 AND v.other_events = 0 THEN 1 ELSE 0 END) AS BIGINT), \
     CAST(SUM(v.last_seen - v.started) AS BIGINT), CAST(SUM(v.other_events) AS BIGINT)";

/// The conditions on `v` (a visit) that `filters` make, with their values to bind from `$4`.
fn conditions(filters: &[Filter]) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    for filter in filters.iter().take(MAX_FILTERS) {
        let n = values.len() + 4;
        match filter.dimension.visit_column() {
            Some(column) => sql.push_str(&format!(" AND v.{column} = ${n}")),
            None if filter.dimension == Dimension::Page => sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM analytics_events f WHERE f.site_key = v.site_key \
                 AND f.visit_id = v.visit_id AND f.name = '{PAGEVIEW}' AND f.path = ${n})"
            )),
            None => sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM analytics_events f WHERE f.site_key = v.site_key \
                 AND f.visit_id = v.visit_id AND f.name = ${n})"
            )),
        }
        values.push(filter.value.clone());
    }
    (sql, values)
}

/// Runs `sql` (selecting a value, a day, then the six sums) with the site, period and
/// filter values bound, and adds each value's days up.
async fn summed(
    db: &AnalyticsDb,
    sql: String,
    site: SiteId,
    (from, to): (i64, i64),
    values: &[String],
) -> Result<BTreeMap<String, Metrics>, StoreError> {
    // Column names come from the dimensions' own table, values are bound.
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(site.to_string())
        .bind(from)
        .bind(to);
    for value in values {
        query = query.bind(value.clone());
    }
    let mut sums: BTreeMap<String, Metrics> = BTreeMap::new();
    for row in query.fetch_all(db.db().pool()).await? {
        let value: String = row.try_get(0)?;
        *sums.entry(value).or_default() += Metrics::read(&row, 2)?;
    }
    Ok(sums)
}

/// The visits' figures over `period`, by `group` (an expression on `v`).
async fn by_visits(
    db: &AnalyticsDb,
    site: SiteId,
    period: Period,
    group: &str,
    bucket: i64,
    filters: &[Filter],
) -> Result<BTreeMap<String, Metrics>, StoreError> {
    let (extra, values) = conditions(filters);
    let sql = format!(
        "SELECT CAST({group} AS TEXT), v.started / {bucket}, {VISIT_SUMS} FROM analytics_visits v \
         WHERE v.{SITE_IS_1} AND v.started >= $2 AND v.started < $3{extra} \
         GROUP BY {group}, v.started / {bucket}"
    );
    summed(db, sql, site, micros(period), &values).await
}

/// Pages viewed (`pageviews`) or other events (`events`) by path or name, over `period`.
async fn by_events(
    db: &AnalyticsDb,
    site: SiteId,
    period: Period,
    pages: bool,
    filters: &[Filter],
) -> Result<BTreeMap<String, Metrics>, StoreError> {
    let (extra, values) = conditions(filters);
    // Page views count as page views, other events as events.
    let (value, which, counts) = if pages {
        ("e.path", "=", "COUNT(*), 0, 0, 0")
    } else {
        ("e.name", "<>", "0, 0, 0, COUNT(*)")
    };
    let sql = format!(
        "SELECT {value}, e.at / {MICROS_PER_DAY}, COUNT(DISTINCT e.visitor), \
         COUNT(DISTINCT e.visit_id), {counts} FROM analytics_events e JOIN analytics_visits v \
         ON v.site_key = e.site_key AND v.visit_id = e.visit_id \
         WHERE e.{SITE_IS_1} AND e.at >= $2 AND e.at < $3 AND e.name {which} '{PAGEVIEW}'{extra} \
         GROUP BY {value}, e.at / {MICROS_PER_DAY}"
    );
    summed(db, sql, site, micros(period), &values).await
}

fn micros(period: Period) -> (i64, i64) {
    (
        period.first.start().as_unix_micros(),
        period.end.start().as_unix_micros(),
    )
}

/// The report of `site` over `period` for the visits `filters` pick.
pub async fn filtered_report(
    db: &AnalyticsDb,
    site: SiteId,
    period: Period,
    filters: &[Filter],
    limit: usize,
) -> Result<Report, StoreError> {
    let total = |sums: BTreeMap<String, Metrics>| sums.into_values().next().unwrap_or_default();
    // Grouped by the site: one group, the whole.
    let totals = total(by_visits(db, site, period, "v.site_key", MICROS_PER_DAY, filters).await?);
    let previous = total(
        by_visits(
            db,
            site,
            period.previous(),
            "v.site_key",
            MICROS_PER_DAY,
            filters,
        )
        .await?,
    );
    let hourly = period.days() == 1;
    let step = if hourly {
        MICROS_PER_HOUR
    } else {
        MICROS_PER_DAY
    };
    let buckets = by_visits(
        db,
        site,
        period,
        &format!("v.started / {step} * {step}"),
        step,
        filters,
    )
    .await?;
    let points = if hourly { 24 } else { period.days() };
    let first = period.first.start().as_unix_micros();
    let series = (0..points)
        .map(|i| {
            let start = first + i * step;
            let found = buckets.get(&start.to_string());
            Point {
                start: Timestamp::from_unix_micros(start),
                visitors: found.map_or(0, |m| m.visitors),
                pageviews: found.map_or(0, |m| m.pageviews),
            }
        })
        .collect();
    let mut breakdowns = Vec::new();
    for dimension in Dimension::ALL {
        let sums = match (dimension, dimension.visit_column()) {
            (_, Some(column)) => {
                by_visits(
                    db,
                    site,
                    period,
                    &format!("v.{column}"),
                    MICROS_PER_DAY,
                    filters,
                )
                .await?
            }
            (Dimension::Page, None) => by_events(db, site, period, true, filters).await?,
            _ => by_events(db, site, period, false, filters).await?,
        };
        let mut rows: Vec<Row> = sums
            .into_iter()
            .map(|(value, metrics)| Row { value, metrics })
            .collect();
        rows.sort_by(|a, b| {
            b.metrics
                .visitors
                .cmp(&a.metrics.visitors)
                .then_with(|| a.value.cmp(&b.value))
        });
        rows.truncate(limit);
        breakdowns.push(Breakdown { dimension, rows });
    }
    Ok(Report {
        period,
        totals,
        previous,
        series,
        breakdowns,
    })
}
