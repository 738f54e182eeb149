//! Rollups: a site's day summed up per dimension and value, and its hours in total, so that
//! a report over a month or a year reads a few thousand rows instead of millions of events.
//!
//! A day is rolled up again, whole, from its visits and events whenever something of it
//! changed (the ingester does this after it stores events, at most once a minute), so the
//! day's distinct visitors are exact; a past day no longer changes. Visits count on the day
//! (and hour) they began, events on the day they happened.

use leadvault_store::sqlx::{self, AssertSqlSafe};
use leadvault_store::{SiteId, StoreError};

use crate::day::{Day, MICROS_PER_HOUR};
use crate::dimension::Dimension;
use crate::event::PAGEVIEW;
use crate::storage::AnalyticsDb;

/// What a visit row adds to a rollup row: visitors, visits, page views, bounces, time and
/// other events.
const VISIT_SUMS: &str = "COUNT(DISTINCT visitor), COUNT(*), SUM(pageviews), \
     SUM(CASE WHEN pageviews <= 1 AND other_events = 0 THEN 1 ELSE 0 END), \
     SUM(last_seen - started), SUM(other_events)";

const INSERT: &str = "INSERT INTO analytics_rollups (site_id, grain, bucket, dimension, value, \
     visitors, visits, pageviews, bounces, duration, events)";

/// Makes the rollups of `site` for `day` again from its visits and events.
pub async fn roll_up_day(db: &AnalyticsDb, site: SiteId, day: Day) -> Result<(), StoreError> {
    let (from, to) = (
        day.start().as_unix_micros(),
        day.plus(1).start().as_unix_micros(),
    );
    let site = site.to_string();
    let mut statements: Vec<String> = vec![
        "DELETE FROM analytics_rollups WHERE site_id = $1 AND bucket >= $2 AND bucket < $3"
            .to_owned(),
        // The day's total.
        format!(
            "{INSERT} SELECT site_id, 'd', $2, '', '', {VISIT_SUMS} FROM analytics_visits \
             WHERE site_id = $1 AND started >= $2 AND started < $3 GROUP BY site_id"
        ),
        // Its hours' totals.
        format!(
            "{INSERT} SELECT site_id, 'h', started / {MICROS_PER_HOUR} * {MICROS_PER_HOUR}, '', '', \
             {VISIT_SUMS} FROM analytics_visits WHERE site_id = $1 AND started >= $2 AND started < $3 \
             GROUP BY site_id, started / {MICROS_PER_HOUR} * {MICROS_PER_HOUR}"
        ),
        // Pages viewed.
        format!(
            "{INSERT} SELECT site_id, 'd', $2, 'page', path, COUNT(DISTINCT visitor), \
             COUNT(DISTINCT visit_id), COUNT(*), 0, 0, 0 FROM analytics_events \
             WHERE site_id = $1 AND name = '{PAGEVIEW}' AND at >= $2 AND at < $3 \
             GROUP BY site_id, path"
        ),
        // Other events, by name.
        format!(
            "{INSERT} SELECT site_id, 'd', $2, 'event', name, COUNT(DISTINCT visitor), \
             COUNT(DISTINCT visit_id), 0, 0, 0, COUNT(*) FROM analytics_events \
             WHERE site_id = $1 AND name <> '{PAGEVIEW}' AND at >= $2 AND at < $3 \
             GROUP BY site_id, name"
        ),
    ];
    for dimension in Dimension::ALL {
        if let Some(column) = dimension.visit_column() {
            statements.push(format!(
                "{INSERT} SELECT site_id, 'd', $2, '{name}', {column}, {VISIT_SUMS} \
                 FROM analytics_visits WHERE site_id = $1 AND started >= $2 AND started < $3 \
                 GROUP BY site_id, {column}",
                name = dimension.name()
            ));
        }
    }
    let mut tx = db.db().begin_write().await?;
    for statement in statements {
        // Column and dimension names come from the constants above, never from input.
        sqlx::query(AssertSqlSafe(statement))
            .bind(site.clone())
            .bind(from)
            .bind(to)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
