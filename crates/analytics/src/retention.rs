//! Retention: raw events and visits are kept for a configurable time (13 months unless the
//! operator says otherwise) and then deleted. Rollups, which hold counts and nothing about
//! any visit, stay, so last year's totals still read.

use std::time::Duration;

use leadvault_store::sqlx::{self, AssertSqlSafe};
use leadvault_store::{StoreError, Timestamp};

use crate::day::{Day, MICROS_PER_DAY};
use crate::storage::AnalyticsDb;

/// How long raw events and visits are kept unless configured otherwise: 13 months (of 31
/// days, so never less).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(13 * 31 * 86_400);

/// What a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub events: u64,
    pub visits: u64,
}

/// Deletes the events and visits older than `retention` at `now`: each site's, a day at a
/// time from its oldest (short transactions, each found by index), up to the day the
/// retention ends on.
pub async fn purge(
    db: &AnalyticsDb,
    retention: Duration,
    now: Timestamp,
) -> Result<Purged, StoreError> {
    let cutoff = Day::of(now.saturating_sub(retention))
        .start()
        .as_unix_micros();
    let sites: Vec<(i64,)> = sqlx::query_as("SELECT site_key FROM analytics_sites")
        .fetch_all(db.db().pool())
        .await?;
    let mut purged = Purged::default();
    for (site,) in sites {
        let oldest: Option<i64> =
            sqlx::query_scalar("SELECT MIN(started) FROM analytics_visits WHERE site_key = $1")
                .bind(site)
                .fetch_one(db.db().pool())
                .await?;
        let oldest_event: Option<i64> =
            sqlx::query_scalar("SELECT MIN(at) FROM analytics_events WHERE site_key = $1")
                .bind(site)
                .fetch_one(db.db().pool())
                .await?;
        let Some(mut from) = [oldest, oldest_event].into_iter().flatten().min() else {
            continue;
        };
        while from < cutoff {
            let to = (from.div_euclid(MICROS_PER_DAY) + 1) * MICROS_PER_DAY;
            let to = to.min(cutoff);
            let mut tx = db.db().begin_write().await?;
            // Events by when they happened, visits by when they began.
            for (table, column) in [("analytics_events", "at"), ("analytics_visits", "started")] {
                let deleted = sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE site_key = $1 AND {column} >= $2 AND {column} < $3"
                )))
                .bind(site)
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if table == "analytics_events" {
                    purged.events += deleted;
                } else {
                    purged.visits += deleted;
                }
            }
            tx.commit().await?;
            from = to;
        }
    }
    Ok(purged)
}
