//! Schema migrations, owned by the domain crates and applied here.
//!
//! Each domain crate ships its own `Migration`s (one SQL text per engine); the application
//! hands the whole ordered list to [`migrate`]. All pending migrations run in **one**
//! transaction, so a failure anywhere leaves the database exactly as it was. Applied
//! migrations are remembered with a checksum: editing one after release, or running an
//! older binary against a newer schema, is refused rather than guessed at.
//!
//! A database may hold more than one list, each remembered in a ledger table of its own:
//! analytics keeps its tables apart from the intake data (on SQLite in a file of its own, on
//! PostgreSQL in the same database), and its migrations are applied and checked apart.

use sqlx::{Acquire, Row};

use crate::db::{Db, Engine};
use crate::error::StoreError;
use crate::time::Timestamp;

/// One step of schema change, written once per engine.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Stable, unique name, `crate/NNNN_what`, e.g. `accounts/0001_organizations`.
    pub id: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    fn sql(&self, engine: Engine) -> &'static str {
        match engine {
            Engine::Sqlite => self.sqlite,
            Engine::Postgres => self.postgres,
        }
    }

    fn checksum(&self, engine: Engine) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, self.sql(engine).as_bytes())
            .as_ref()
            .to_vec()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("migration {id} failed, so none was applied and the database is as it was: {source}")]
    Failed {
        id: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "migration {id} was changed after it was applied to this database; restore the released migration"
    )]
    Modified { id: String },
    #[error(
        "this database has migration {id}, which this version of Leadvault does not know; run the newer version, or restore a backup made by this one"
    )]
    Unknown { id: String },
}

/// Where a database stands against the migrations this binary knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaStatus {
    pub applied: usize,
    pub pending: Vec<&'static str>,
}

impl SchemaStatus {
    pub fn is_current(&self) -> bool {
        self.pending.is_empty()
    }
}

/// The table that remembers which migrations of one list were applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ledger(&'static str);

impl Ledger {
    /// The ledger of the application's main list.
    pub const MAIN: Self = Self("lv_schema_migrations");
    /// The ledger of the analytics list.
    pub const ANALYTICS: Self = Self("lv_analytics_migrations");

    fn create(self, engine: Engine) -> String {
        let blob = match engine {
            Engine::Sqlite => "BLOB",
            Engine::Postgres => "BYTEA",
        };
        format!(
            "CREATE TABLE IF NOT EXISTS {} (id TEXT PRIMARY KEY NOT NULL, checksum {blob} NOT NULL, applied_at BIGINT NOT NULL)",
            self.0
        )
    }
}

// An arbitrary constant naming Leadvault's migration lock among PostgreSQL advisory locks.
const POSTGRES_MIGRATION_LOCK: i64 = 0x4c56_4d49_4752;

/// Applies every pending migration, in order, in one transaction. Returns the ids applied.
/// Safe to call from several processes at once: they queue, and all but the first find
/// nothing to do.
pub async fn migrate(
    db: &Db,
    migrations: &[Migration],
    now: Timestamp,
) -> Result<Vec<&'static str>, MigrationError> {
    migrate_ledger(db, Ledger::MAIN, migrations, now).await
}

/// [`migrate`] for the list remembered in `ledger`.
pub async fn migrate_ledger(
    db: &Db,
    ledger: Ledger,
    migrations: &[Migration],
    now: Timestamp,
) -> Result<Vec<&'static str>, MigrationError> {
    let engine = db.engine();
    // The ledger's name is one of the constants above, never input.
    let create = ledger.create(engine);
    let mut conn = db.pool().acquire().await.map_err(StoreError::from)?;
    if engine == Engine::Sqlite {
        // Outside the transaction, so that the first statement inside it is a write and
        // SQLite takes the write lock up front instead of failing a read-to-write upgrade.
        sqlx::query(sqlx::AssertSqlSafe(create.clone()))
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from)?;
    }
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    match engine {
        Engine::Sqlite => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET applied_at = applied_at WHERE id = ''",
                ledger.0
            )))
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
        }
        Engine::Postgres => {
            sqlx::query("SELECT count(*) FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                .bind(POSTGRES_MIGRATION_LOCK)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from)?;
        }
    }

    let applied = applied_checksums(&mut tx, ledger).await?;
    let pending = compare(engine, migrations, &applied)?;
    for migration in &pending {
        sqlx::raw_sql(migration.sql(engine))
            .execute(&mut *tx)
            .await
            .map_err(|source| MigrationError::Failed {
                id: migration.id,
                source,
            })?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} (id, checksum, applied_at) VALUES ($1, $2, $3)",
            ledger.0
        )))
        .bind(migration.id)
        .bind(migration.checksum(engine))
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(pending.iter().map(|m| m.id).collect())
}

/// Reports applied and pending migrations without changing anything.
pub async fn schema_status(
    db: &Db,
    migrations: &[Migration],
) -> Result<SchemaStatus, MigrationError> {
    schema_status_ledger(db, Ledger::MAIN, migrations).await
}

/// [`schema_status`] for the list remembered in `ledger`.
pub async fn schema_status_ledger(
    db: &Db,
    ledger: Ledger,
    migrations: &[Migration],
) -> Result<SchemaStatus, MigrationError> {
    let mut conn = db.pool().acquire().await.map_err(StoreError::from)?;
    let exists = sqlx::query(match db.engine() {
        Engine::Sqlite => {
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
        }
        Engine::Postgres => {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        }
    })
    .bind(ledger.0)
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::from)?
    .try_get::<i64, _>(0)
    .map_err(StoreError::from)?;
    if exists == 0 {
        return Ok(SchemaStatus {
            applied: 0,
            pending: migrations.iter().map(|m| m.id).collect(),
        });
    }
    let applied = applied_checksums(&mut conn, ledger).await?;
    let pending = compare(db.engine(), migrations, &applied)?;
    Ok(SchemaStatus {
        applied: applied.len(),
        pending: pending.iter().map(|m| m.id).collect(),
    })
}

async fn applied_checksums(
    conn: &mut sqlx::AnyConnection,
    ledger: Ledger,
) -> Result<Vec<(String, Vec<u8>)>, MigrationError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, checksum FROM {}",
        ledger.0
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(StoreError::from)?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|e| StoreError::from(e).into())
}

/// The migrations still to apply, after checking that what was applied is what we ship.
fn compare<'m>(
    engine: Engine,
    migrations: &'m [Migration],
    applied: &[(String, Vec<u8>)],
) -> Result<Vec<&'m Migration>, MigrationError> {
    if let Some((id, _)) = applied
        .iter()
        .find(|(id, _)| !migrations.iter().any(|m| m.id == id))
    {
        return Err(MigrationError::Unknown { id: id.clone() });
    }
    let mut pending = Vec::new();
    for migration in migrations {
        match applied.iter().find(|(id, _)| id == migration.id) {
            Some((_, sum)) if *sum != migration.checksum(engine) => {
                return Err(MigrationError::Modified {
                    id: migration.id.to_owned(),
                });
            }
            Some(_) => {}
            None => pending.push(migration),
        }
    }
    Ok(pending)
}
