//! Where analytics is stored: on SQLite a database file of its own beside the main one, so
//! that analytics writes never hold the lock intake writes wait for; on PostgreSQL tables of
//! its own in the main database. Its migrations are remembered in a ledger of their own
//! ([`Ledger::ANALYTICS`]) either way.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use leadvault_store::sqlx::{self, AssertSqlSafe};
use leadvault_store::{
    DatabaseUrl, Db, Engine, Ledger, Migration, MigrationError, SchemaStatus, SiteId, StoreError,
    Timestamp, migrate_ledger, schema_status_ledger,
};

use crate::event::Revenue;
use crate::visitor::VisitorId;
use crate::visits::{Visit, VisitId};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "analytics/0001_events_and_visits",
        sqlite: include_str!("../migrations/sqlite/0001_events_and_visits.sql"),
        postgres: include_str!("../migrations/postgres/0001_events_and_visits.sql"),
    },
    Migration {
        id: "analytics/0002_goals",
        sqlite: include_str!("../migrations/sqlite/0002_goals.sql"),
        postgres: include_str!("../migrations/postgres/0002_goals.sql"),
    },
    Migration {
        id: "analytics/0003_shares",
        sqlite: include_str!("../migrations/sqlite/0003_shares.sql"),
        postgres: include_str!("../migrations/postgres/0003_shares.sql"),
    },
    Migration {
        id: "analytics/0004_experiments",
        sqlite: include_str!("../migrations/sqlite/0004_experiments.sql"),
        postgres: include_str!("../migrations/postgres/0004_experiments.sql"),
    },
    Migration {
        id: "analytics/0005_experiment_days",
        sqlite: include_str!("../migrations/sqlite/0005_experiment_days.sql"),
        postgres: include_str!("../migrations/postgres/0005_experiment_days.sql"),
    },
];

/// Where analytics lives for an installation whose main database is `main`: beside a SQLite
/// file, `NAME-analytics.db`; on PostgreSQL, the same database.
pub fn analytics_url(main: &DatabaseUrl) -> DatabaseUrl {
    match main.sqlite_path() {
        Some(path) => {
            let stem = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| "leadvault".to_owned());
            let mut sibling = PathBuf::from(&path);
            sibling.set_file_name(format!("{stem}-analytics.db"));
            DatabaseUrl::sqlite_file(&sibling)
        }
        None => main.clone(),
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub site: SiteId,
    pub at: Timestamp,
    pub visit: VisitId,
    /// The visitor, under the salt of the event's day.
    pub visitor: VisitorId,
    pub name: String,
    pub path: String,
    /// Custom properties as a JSON object, if any.
    pub props: Option<String>,
    pub revenue: Option<Revenue>,
}

/// The analytics database.
#[derive(Debug, Clone)]
pub struct AnalyticsDb {
    db: Db,
    /// Each site's number in `analytics_sites`, once known to be committed.
    keys: Arc<Mutex<HashMap<SiteId, i64>>>,
}

/// The condition that picks a site's rows by the site's id, bound as `$1`.
pub(crate) const SITE_IS_1: &str =
    "site_key = (SELECT site_key FROM analytics_sites WHERE site_id = $1)";

// Rows per INSERT: well under both engines' limits on bound values (SQLite 32,766,
// PostgreSQL 65,535), and enough that a second's events are a few statements.
const EVENT_ROWS: usize = 500;
const VISIT_ROWS: usize = 200;
const EVENT_COLUMNS: usize = 9;
const VISIT_COLUMNS: usize = 22;

impl AnalyticsDb {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            keys: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn known_keys(&self) -> std::sync::MutexGuard<'_, HashMap<SiteId, i64>> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half written.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// Applies analytics' pending migrations.
    pub async fn migrate(&self, now: Timestamp) -> Result<Vec<&'static str>, MigrationError> {
        migrate_ledger(&self.db, Ledger::ANALYTICS, MIGRATIONS, now).await
    }

    pub async fn schema_status(&self) -> Result<SchemaStatus, MigrationError> {
        schema_status_ledger(&self.db, Ledger::ANALYTICS, MIGRATIONS).await
    }

    /// Stores `events` and the latest state of `visits` in one transaction: all or nothing.
    pub async fn write(&self, events: &[StoredEvent], visits: &[Visit]) -> Result<(), StoreError> {
        let mut tx = self.db.begin_write().await?;
        let mut keys = self.known_keys().clone();
        let mut new_keys = Vec::new();
        for site in events
            .iter()
            .map(|e| e.site)
            .chain(visits.iter().map(|v| v.site))
        {
            if keys.contains_key(&site) {
                continue;
            }
            sqlx::query("INSERT INTO analytics_sites (site_id) VALUES ($1) ON CONFLICT (site_id) DO NOTHING")
                .bind(site.to_string())
                .execute(&mut *tx)
                .await?;
            let key: i64 =
                sqlx::query_scalar("SELECT site_key FROM analytics_sites WHERE site_id = $1")
                    .bind(site.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
            keys.insert(site, key);
            new_keys.push((site, key));
        }
        let key = |site: &SiteId| keys.get(site).copied().unwrap_or_default();
        for chunk in events.chunks(EVENT_ROWS) {
            let sql = format!(
                "INSERT INTO analytics_events (site_key, at, visit_id, visitor, name, path, props, revenue_minor, revenue_currency) VALUES {}",
                placeholders(self.engine(), chunk.len(), EVENT_COLUMNS)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for event in chunk {
                query = query
                    .bind(key(&event.site))
                    .bind(event.at.as_unix_micros())
                    .bind(event.visit.as_i64())
                    .bind(event.visitor.as_i64())
                    .bind(event.name.clone())
                    .bind(event.path.clone())
                    .bind(event.props.clone())
                    .bind(event.revenue.as_ref().map(|r| r.minor_units))
                    .bind(event.revenue.as_ref().map(|r| r.currency.clone()));
            }
            query.execute(&mut *tx).await?;
        }
        for chunk in visits.chunks(VISIT_ROWS) {
            let sql = format!(
                "INSERT INTO analytics_visits (site_key, visit_id, visitor, started, last_seen, \
                 entry_page, exit_page, pageviews, other_events, channel, source, utm_source, \
                 utm_medium, utm_campaign, utm_term, utm_content, country, browser, \
                 browser_version, os, device, screen) VALUES {} \
                 ON CONFLICT (site_key, visit_id) DO UPDATE SET visitor = excluded.visitor, \
                 last_seen = excluded.last_seen, exit_page = excluded.exit_page, \
                 pageviews = excluded.pageviews, other_events = excluded.other_events",
                placeholders(self.engine(), chunk.len(), VISIT_COLUMNS)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for visit in chunk {
                let facts = &visit.facts;
                query = query
                    .bind(key(&visit.site))
                    .bind(visit.id.as_i64())
                    .bind(visit.visitor.as_i64())
                    .bind(visit.started.as_unix_micros())
                    .bind(visit.last_seen.as_unix_micros())
                    .bind(visit.entry_page.clone())
                    .bind(visit.exit_page.clone())
                    .bind(i64::from(visit.pageviews))
                    .bind(i64::from(visit.other_events))
                    .bind(facts.channel.as_str())
                    .bind(facts.source.clone());
                for utm in &facts.utm {
                    query = query.bind(utm.clone());
                }
                query = query
                    .bind(facts.country.map(|c| c.to_string()).unwrap_or_default())
                    .bind(facts.browser.clone())
                    .bind(facts.browser_version.clone())
                    .bind(facts.os.clone())
                    .bind(facts.device.as_str())
                    .bind(facts.screen.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        // Only a committed number is remembered: one rolled back may be given to another site.
        self.known_keys().extend(new_keys);
        Ok(())
    }
}

/// `(…), (…), …` for `rows` rows of `columns` values: `$1`, `$2`, … on PostgreSQL, `?` on
/// SQLite. SQLite looks a numbered parameter's name up by walking the statement's list of
/// names, and sqlx asks for every parameter's name: with numbered parameters, binding a
/// statement of n values costs n² (at 1,000 rows of 9 values, 78% of the writer's time).
/// Anonymous ones have no name to look up.
fn placeholders(engine: Engine, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match engine {
                Engine::Sqlite => sql.push('?'),
                Engine::Postgres => {
                    sql.push('$');
                    sql.push_str(&(row * columns + column + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(
            placeholders(Engine::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Engine::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn analytics_lives_beside_a_sqlite_file_and_in_a_postgres_database() {
        let sqlite = DatabaseUrl::sqlite_file(std::path::Path::new("/var/lib/lv/leadvault.db"));
        assert_eq!(
            analytics_url(&sqlite).sqlite_path(),
            Some(PathBuf::from("/var/lib/lv/leadvault-analytics.db"))
        );
        let postgres = DatabaseUrl::parse("postgres://lv@db:5432/leadvault").unwrap();
        assert_eq!(analytics_url(&postgres), postgres);
    }
}
