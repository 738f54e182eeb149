//! Where a site's analytics definitions live: goals, share links and experiments are kept in
//! the main database, beside the audit log, so that each change is written in the same
//! transaction as its audit record. Events and visits stay in analytics' own store (on
//! SQLite a file of its own, so ingestion never waits for intake's write lock).
//!
//! Versions before this one kept the definitions in the SQLite analytics file; opening
//! analytics moves any such rows over ([`move_definitions`]).

use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Db, Engine, Migration, StoreError};

use crate::storage::AnalyticsDb;

/// The definitions' tables, in the main database's ledger (listed with every domain crate's
/// migrations). On PostgreSQL analytics' own migrations already made them there.
pub const DEFINITION_MIGRATIONS: &[Migration] = &[Migration {
    id: "analytics_definitions/0001_goals_shares_experiments",
    sqlite: include_str!("../migrations/main/sqlite/0001_definitions.sql"),
    postgres: include_str!("../migrations/main/postgres/0001_definitions.sql"),
}];

/// Moves goals, share links and experiments an earlier version kept in the SQLite analytics
/// file into the main database, and says how many rows moved. Nothing to do on PostgreSQL,
/// where both are one database. Safe to repeat: rows are copied (a row already there is
/// kept) and committed before they are deleted from the analytics file, so a crash in
/// between leaves them to be moved again, never lost.
pub async fn move_definitions(main: &Db, analytics: &AnalyticsDb) -> Result<u64, StoreError> {
    if main.engine() == Engine::Postgres || analytics.engine() == Engine::Postgres {
        return Ok(0);
    }
    let from = analytics.db();
    let goals = sqlx::query("SELECT id, site_id, kind, target, created_at FROM analytics_goals")
        .fetch_all(from.pool())
        .await?;
    let shares = sqlx::query("SELECT site_id, token_hash, created_at FROM analytics_shares")
        .fetch_all(from.pool())
        .await?;
    let experiments = sqlx::query(
        "SELECT id, site_id, seed, definition, state, shipped, created_at, updated_at \
         FROM analytics_experiments",
    )
    .fetch_all(from.pool())
    .await?;
    let moved = (goals.len() + shares.len() + experiments.len()) as u64;
    if moved == 0 {
        return Ok(0);
    }
    let mut tx = main.begin_write().await?;
    for row in &goals {
        sqlx::query(
            "INSERT INTO analytics_goals (id, site_id, kind, target, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0)?)
        .bind(row.try_get::<String, _>(1)?)
        .bind(row.try_get::<String, _>(2)?)
        .bind(row.try_get::<String, _>(3)?)
        .bind(row.try_get::<i64, _>(4)?)
        .execute(&mut *tx)
        .await?;
    }
    for row in &shares {
        sqlx::query(
            "INSERT INTO analytics_shares (site_id, token_hash, created_at) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0)?)
        .bind(row.try_get::<Vec<u8>, _>(1)?)
        .bind(row.try_get::<i64, _>(2)?)
        .execute(&mut *tx)
        .await?;
    }
    for row in &experiments {
        sqlx::query(
            "INSERT INTO analytics_experiments \
             (id, site_id, seed, definition, state, shipped, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(row.try_get::<String, _>(0)?)
        .bind(row.try_get::<String, _>(1)?)
        .bind(row.try_get::<String, _>(2)?)
        .bind(row.try_get::<String, _>(3)?)
        .bind(row.try_get::<String, _>(4)?)
        .bind(row.try_get::<Option<i64>, _>(5)?)
        .bind(row.try_get::<i64, _>(6)?)
        .bind(row.try_get::<i64, _>(7)?)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let mut tx = from.begin_write().await?;
    for table in [
        "analytics_goals",
        "analytics_shares",
        "analytics_experiments",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(moved)
}
