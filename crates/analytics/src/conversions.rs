//! Conversions: how many visitors reached each goal in a period, and, for one goal, by each
//! value of a dimension of their visits (which channel brings consultations).
//!
//! Totals come from the rollups. A page goal's visitors are the sum, over its matching
//! pages, of each page's daily visitors: exact for a goal of one page; a visitor who reached
//! two pages of one pattern on one day counts twice. The breakdown by dimension reads the
//! goal's events and their visits (an index finds a goal's events by name).

use std::collections::BTreeMap;

use futures_util::TryStreamExt as _;
use leadvault_store::sqlx::{self, AssertSqlSafe, Row as _};
use leadvault_store::{SiteId, StoreError};

use crate::day::MICROS_PER_DAY;
use crate::dimension::Dimension;
use crate::event::PAGEVIEW;
use crate::goals::{Goal, GoalKind};
use crate::report::Period;
use crate::storage::{AnalyticsDb, SITE_IS_1};

/// A goal's conversions in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    pub goal: Goal,
    /// Visitors who reached it (each day's, added up).
    pub visitors: i64,
    /// Times it was reached: events sent, or matching pages viewed.
    pub conversions: i64,
    /// Of all the period's visitors, percent.
    pub rate: f64,
    /// Revenue sent with an event goal's events, per currency: (ISO code, minor units).
    pub revenue: Vec<(String, i64)>,
}

/// One value of a dimension: its visitors and how many of them converted.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionRow {
    pub value: String,
    pub visitors: i64,
    pub converted: i64,
    pub conversions: i64,
    pub rate: f64,
}

/// Pages of a page goal looked at, at most (the most visited first).
const MAX_PAGES: i64 = 1_000;

fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Sums of a dimension's rollup rows over `period`: value → (visitors, page views, events).
async fn summed(
    db: &AnalyticsDb,
    site: SiteId,
    dimension: &str,
    period: Period,
) -> Result<BTreeMap<String, (i64, i64, i64)>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT value, CAST(SUM(visitors) AS BIGINT), CAST(SUM(pageviews) AS BIGINT), \
         CAST(SUM(events) AS BIGINT) FROM analytics_rollups WHERE {SITE_IS_1} AND grain = 'd' \
         AND dimension = $2 AND bucket >= $3 AND bucket < $4 GROUP BY value \
         ORDER BY 2 DESC LIMIT {MAX_PAGES}"
    )))
    .bind(site.to_string())
    .bind(dimension)
    .bind(period.first.start().as_unix_micros())
    .bind(period.end.start().as_unix_micros())
    .fetch_all(db.db().pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get(0)?,
                (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Each goal's conversions over `period`, against `visitors`, the period's visitors.
pub async fn conversions(
    db: &AnalyticsDb,
    site: SiteId,
    period: Period,
    goals: &[Goal],
    visitors: i64,
) -> Result<Vec<Conversion>, StoreError> {
    let events = summed(db, site, "event", period).await?;
    let pages = if goals.iter().any(|g| matches!(g.kind, GoalKind::Page(_))) {
        summed(db, site, "page", period).await?
    } else {
        BTreeMap::new()
    };
    let mut revenue = BTreeMap::new();
    for goal in goals {
        if let GoalKind::Event(name) = &goal.kind {
            revenue.insert(name.clone(), revenue_of(db, site, name, period).await?);
        }
    }
    Ok(goals
        .iter()
        .map(|goal| {
            let (reached, times) = match &goal.kind {
                GoalKind::Event(name) => events.get(name).map_or((0, 0), |s| (s.0, s.2)),
                GoalKind::Page(pattern) => pages
                    .iter()
                    .filter(|(path, _)| pattern.matches(path))
                    .fold((0, 0), |(v, c), (_, s)| (v + s.0, c + s.1)),
            };
            Conversion {
                goal: goal.clone(),
                visitors: reached,
                conversions: times,
                rate: rate(reached, visitors),
                revenue: match &goal.kind {
                    GoalKind::Event(name) => revenue.get(name).cloned().unwrap_or_default(),
                    GoalKind::Page(_) => Vec::new(),
                },
            }
        })
        .collect())
}

/// Reads `columns` of `site`'s events named `name` in `period`, `rest` added to the query
/// (both from this module's constants: the event's name and the period are bound).
pub(crate) async fn named_events(
    db: &AnalyticsDb,
    columns: &str,
    rest: &str,
    site: SiteId,
    name: &str,
    period: Period,
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    Ok(sqlx::query(AssertSqlSafe(format!(
        "SELECT {columns} FROM analytics_events \
         WHERE {SITE_IS_1} AND name = $2 AND at >= $3 AND at < $4 {rest}"
    )))
    .bind(site.to_string())
    .bind(name.to_owned())
    .bind(period.first.start().as_unix_micros())
    .bind(period.end.start().as_unix_micros())
    .fetch_all(db.db().pool())
    .await?)
}

/// As [`named_events`], but each row handed to `each` as it is read, none kept: for the
/// millions of rows an experiment's exposures or a site's page views may be.
pub(crate) async fn each_named_event(
    db: &AnalyticsDb,
    columns: &str,
    site: SiteId,
    name: &str,
    period: Period,
    mut each: impl FnMut(&sqlx::any::AnyRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT {columns} FROM analytics_events \
         WHERE {SITE_IS_1} AND name = $2 AND at >= $3 AND at < $4"
    );
    let mut rows = sqlx::query(AssertSqlSafe(sql))
        .bind(site.to_string())
        .bind(name.to_owned())
        .bind(period.first.start().as_unix_micros())
        .bind(period.end.start().as_unix_micros())
        .fetch(db.db().pool());
    while let Some(row) = rows.try_next().await? {
        each(&row)?;
    }
    Ok(())
}

/// The revenue sent with event `name` over `period`, per currency (the goal's events are
/// found by name through an index; revenue is rare among them all).
async fn revenue_of(
    db: &AnalyticsDb,
    site: SiteId,
    name: &str,
    period: Period,
) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = named_events(
        db,
        "revenue_currency, CAST(SUM(revenue_minor) AS BIGINT)",
        "AND revenue_minor IS NOT NULL GROUP BY revenue_currency ORDER BY revenue_currency",
        site,
        name,
        period,
    )
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// `goal`'s conversions over `period` by each value of `dimension` (one of a visit's).
pub async fn goal_by(
    db: &AnalyticsDb,
    site: SiteId,
    goal: &Goal,
    period: Period,
    dimension: Dimension,
) -> Result<Vec<ConversionRow>, StoreError> {
    let Some(column) = dimension.visit_column() else {
        return Ok(Vec::new());
    };
    let (from, to) = (
        period.first.start().as_unix_micros(),
        period.end.start().as_unix_micros(),
    );
    let (name, paths): (&str, Vec<String>) = match &goal.kind {
        GoalKind::Event(name) => (name, Vec::new()),
        GoalKind::Page(pattern) => {
            let pages = summed(db, site, "page", period).await?;
            let matching = pages.into_keys().filter(|p| pattern.matches(p)).collect();
            (PAGEVIEW, matching)
        }
    };
    if matches!(goal.kind, GoalKind::Page(_)) && paths.is_empty() {
        return Ok(Vec::new());
    }
    let path_filter = if paths.is_empty() {
        String::new()
    } else {
        let marks: Vec<String> = (0..paths.len()).map(|i| format!("${}", i + 5)).collect();
        format!(" AND e.path IN ({})", marks.join(", "))
    };
    // Per day and value, so that a visitor counts once a day, as everywhere else.
    let sql = format!(
        "SELECT v.{column}, e.at / {MICROS_PER_DAY}, COUNT(DISTINCT e.visitor), COUNT(*) \
         FROM analytics_events e JOIN analytics_visits v \
         ON v.site_key = e.site_key AND v.visit_id = e.visit_id \
         WHERE e.{SITE_IS_1} AND e.name = $2 AND e.at >= $3 AND e.at < $4{path_filter} \
         GROUP BY v.{column}, e.at / {MICROS_PER_DAY}"
    );
    // The column comes from the dimension's own table of names, never from input.
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(site.to_string())
        .bind(name.to_owned())
        .bind(from)
        .bind(to);
    for path in &paths {
        query = query.bind(path.clone());
    }
    let rows = query.fetch_all(db.db().pool()).await?;
    let mut by_value: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for row in rows {
        let value: String = row.try_get(0)?;
        let (visitors, times): (i64, i64) = (row.try_get(2)?, row.try_get(3)?);
        let entry = by_value.entry(value).or_default();
        entry.0 += visitors;
        entry.1 += times;
    }
    let totals = summed(db, site, dimension.name(), period).await?;
    let mut rows: Vec<ConversionRow> = by_value
        .into_iter()
        .map(|(value, (converted, conversions))| {
            let visitors = totals.get(&value).map_or(0, |t| t.0);
            ConversionRow {
                rate: rate(converted, visitors),
                value,
                visitors,
                converted,
                conversions,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.converted.cmp(&a.converted).then(a.value.cmp(&b.value)));
    Ok(rows)
}

/// A custom event's properties over a period: for each property, its values with how many
/// times each was sent and by how many visitors (each day's, added up), most sent first.
pub async fn event_properties(
    db: &AnalyticsDb,
    site: SiteId,
    name: &str,
    period: Period,
) -> Result<BTreeMap<String, Vec<PropertyValue>>, StoreError> {
    let rows = named_events(
        db,
        &format!("props, at / {MICROS_PER_DAY}, visitor"),
        "AND props IS NOT NULL",
        site,
        name,
        period,
    )
    .await?;
    // (property, value) → (times, distinct (day, visitor))
    type Seen = (i64, std::collections::BTreeSet<(i64, i64)>);
    let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
    for row in rows {
        let props: String = row.try_get(0)?;
        let (day, visitor): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
        // Stored by the ingester as a JSON object of strings; anything else is skipped.
        let Ok(props) = serde_json::from_str::<BTreeMap<String, String>>(&props) else {
            continue;
        };
        for (key, value) in props {
            let entry = seen.entry((key, value)).or_default();
            entry.0 += 1;
            entry.1.insert((day, visitor));
        }
    }
    let mut by_property: BTreeMap<String, Vec<PropertyValue>> = BTreeMap::new();
    for ((key, value), (times, visitors)) in seen {
        by_property.entry(key).or_default().push(PropertyValue {
            value,
            events: times,
            visitors: i64::try_from(visitors.len()).unwrap_or(i64::MAX),
        });
    }
    for values in by_property.values_mut() {
        values.sort_by(|a, b| b.events.cmp(&a.events).then(a.value.cmp(&b.value)));
        values.truncate(MAX_PROPERTY_VALUES);
    }
    Ok(by_property)
}

/// Values shown per property, at most.
const MAX_PROPERTY_VALUES: usize = 50;

/// One value of a custom event's property.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PropertyValue {
    pub value: String,
    pub events: i64,
    pub visitors: i64,
}
