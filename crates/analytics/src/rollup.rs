//! Rollups: a site's day summed up per dimension and value, and its hours in total, so that
//! a report over a month or a year reads a few thousand rows instead of millions of events.
//!
//! A day is rolled up again, whole, from its visits and events whenever something of it
//! changed (a task of the ingester's does this at most once a minute, apart from storing),
//! so the day's distinct visitors are exact; a past day no longer changes. Visits count on the day
//! (and hour) they began, events on the day they happened.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use leadvault_store::sqlx::{self, AssertSqlSafe};
use leadvault_store::{SiteId, StoreError};

use crate::day::{Day, MICROS_PER_HOUR};
use crate::dimension::Dimension;
use crate::event::PAGEVIEW;
use crate::storage::{AnalyticsDb, SITE_IS_1};

/// What a visit row adds to a rollup row: visitors, visits, page views, bounces, time and
/// other events.
const VISIT_SUMS: &str = "COUNT(DISTINCT visitor), COUNT(*), SUM(pageviews), \
     SUM(CASE WHEN pageviews <= 1 AND other_events = 0 THEN 1 ELSE 0 END), \
     SUM(last_seen - started), SUM(other_events)";

const INSERT: &str = "INSERT INTO analytics_rollups (site_key, grain, bucket, dimension, value, \
     visitors, visits, pageviews, bounces, duration, events)";

/// One dimension's part of a day's rollup: what it replaces, and what replaces it.
struct Part {
    dimension: &'static str,
    inserts: Vec<String>,
}

/// Makes the rollups of `site` for `day` again from its visits and events. Each dimension is
/// replaced in a transaction of its own: a report never sees a dimension half made, and the
/// write lock (on SQLite, the ingester's too) is never held for the whole day's work.
pub async fn roll_up_day(db: &AnalyticsDb, site: SiteId, day: Day) -> Result<(), StoreError> {
    let (from, to) = (
        day.start().as_unix_micros(),
        day.plus(1).start().as_unix_micros(),
    );
    let site = site.to_string();
    let mut parts = vec![
        Part {
            dimension: "",
            inserts: vec![
                // The day's total.
                format!(
                    "{INSERT} SELECT site_key, 'd', $2, '', '', {VISIT_SUMS} FROM analytics_visits \
                     WHERE {SITE_IS_1} AND started >= $2 AND started < $3 GROUP BY site_key"
                ),
                // Its hours' totals.
                format!(
                    "{INSERT} SELECT site_key, 'h', started / {MICROS_PER_HOUR} * {MICROS_PER_HOUR}, \
                     '', '', {VISIT_SUMS} FROM analytics_visits WHERE {SITE_IS_1} \
                     AND started >= $2 AND started < $3 \
                     GROUP BY site_key, started / {MICROS_PER_HOUR} * {MICROS_PER_HOUR}"
                ),
            ],
        },
        Part {
            dimension: "page",
            inserts: vec![format!(
                "{INSERT} SELECT site_key, 'd', $2, 'page', path, COUNT(DISTINCT visitor), \
                 COUNT(DISTINCT visit_id), COUNT(*), 0, 0, 0 FROM analytics_events \
                 WHERE {SITE_IS_1} AND name = '{PAGEVIEW}' AND at >= $2 AND at < $3 \
                 GROUP BY site_key, path"
            )],
        },
        Part {
            dimension: "event",
            inserts: vec![format!(
                "{INSERT} SELECT site_key, 'd', $2, 'event', name, COUNT(DISTINCT visitor), \
                 COUNT(DISTINCT visit_id), 0, 0, 0, COUNT(*) FROM analytics_events \
                 WHERE {SITE_IS_1} AND name <> '{PAGEVIEW}' AND at >= $2 AND at < $3 \
                 GROUP BY site_key, name"
            )],
        },
    ];
    for dimension in Dimension::ALL {
        if let Some(column) = dimension.visit_column() {
            parts.push(Part {
                dimension: dimension.name(),
                inserts: vec![format!(
                    "{INSERT} SELECT site_key, 'd', $2, '{name}', {column}, {VISIT_SUMS} \
                     FROM analytics_visits WHERE {SITE_IS_1} AND started >= $2 AND started < $3 \
                     GROUP BY site_key, {column}",
                    name = dimension.name()
                )],
            });
        }
    }
    for part in parts {
        let mut tx = db.db().begin_write().await?;
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM analytics_rollups WHERE {SITE_IS_1} AND bucket >= $2 AND bucket < $3 \
             AND dimension = $4"
        )))
        .bind(site.clone())
        .bind(from)
        .bind(to)
        .bind(part.dimension)
        .execute(&mut *tx)
        .await?;
        for statement in part.inserts {
            // Column and dimension names come from the constants above, never from input.
            sqlx::query(AssertSqlSafe(statement))
                .bind(site.clone())
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The days waiting to be rolled up again: the ingester adds the days it stored to, and
/// whoever rolls up takes them. One roll-up runs at a time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending {
    days: Arc<Mutex<HashSet<(SiteId, Day)>>>,
    rolling: Arc<tokio::sync::Mutex<()>>,
}

impl Pending {
    fn days(&self) -> std::sync::MutexGuard<'_, HashSet<(SiteId, Day)>> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half written.
        self.days.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, days: impl IntoIterator<Item = (SiteId, Day)>) {
        self.days().extend(days);
    }

    /// Rolls up every pending day; a day that fails stays pending for the next time.
    pub(crate) async fn roll_up(&self, db: &AnalyticsDb) {
        let _alone = self.rolling.lock().await;
        let days: Vec<(SiteId, Day)> = self.days().drain().collect();
        for (site, day) in days {
            if let Err(error) = roll_up_day(db, site, day).await {
                tracing::error!(%error, "analytics rollup failed; trying again at the next round");
                self.add([(site, day)]);
            }
        }
    }
}
