//! Looking into a database the same way on both engines: its tables, their rows counted, the
//! migrations its ledgers remember, the documents it refers to. The snapshot records these in
//! the manifest; verification and restore compare a restored copy against them.

use std::collections::BTreeMap;

use leadvault_store::sqlx::{self, AnyConnection, Row};
use leadvault_store::{DatabaseUrl, Db, DbOptions, Engine, Ledger};

use crate::error::BackupError;

/// The ledger tables, which a restore rebuilds by applying migrations rather than copying.
pub(crate) const LEDGERS: [&str; 2] = ["lv_schema_migrations", "lv_analytics_migrations"];

pub(crate) fn ledger_table(ledger: Ledger) -> &'static str {
    if ledger == Ledger::ANALYTICS {
        LEDGERS[1]
    } else {
        LEDGERS[0]
    }
}

/// Opens a copy (a snapshot, a restored database) for the backup's own reads: one
/// connection and, on SQLite, reads through the page cache rather than the memory map
/// `serve` uses, so that reading a 10 GB file is cache the kernel may take back, not memory
/// of this process.
pub(crate) async fn open_copy(url: &DatabaseUrl) -> Result<Db, BackupError> {
    let db = Db::connect(
        url,
        &DbOptions {
            max_connections: 1,
            ..DbOptions::default()
        },
    )
    .await?;
    if db.engine() == Engine::Sqlite {
        sqlx::query("PRAGMA mmap_size = 0")
            .execute(db.pool())
            .await?;
    }
    Ok(db)
}

/// An identifier from the database's own catalogue, quoted for SQL.
pub(crate) fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of the connection's database (PostgreSQL: of its current schema), by name.
pub(crate) async fn table_names(
    conn: &mut AnyConnection,
    engine: Engine,
) -> Result<Vec<String>, BackupError> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Engine::Postgres => {
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
             ORDER BY c.relname"
        }
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(BackupError::from))
        .collect()
}

pub(crate) async fn count_rows(conn: &mut AnyConnection, table: &str) -> Result<u64, BackupError> {
    // The name comes from the catalogue, quoted; never from input.
    let count: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {}",
        quote(table)
    )))
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

/// Rows per table (ledgers included).
pub(crate) async fn counts(
    conn: &mut AnyConnection,
    engine: Engine,
) -> Result<BTreeMap<String, u64>, BackupError> {
    let mut counts = BTreeMap::new();
    for table in table_names(conn, engine).await? {
        let n = count_rows(conn, &table).await?;
        counts.insert(table, n);
    }
    Ok(counts)
}

/// The migrations a ledger remembers, in the order they were applied; none if it has no
/// ledger (a database made before that list existed).
pub(crate) async fn ledger_ids(
    conn: &mut AnyConnection,
    engine: Engine,
    ledger: Ledger,
) -> Result<Vec<String>, BackupError> {
    let table = ledger_table(ledger);
    if !table_names(conn, engine)
        .await?
        .iter()
        .any(|name| name == table)
    {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} ORDER BY applied_at, id"
    )))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(BackupError::from))
        .collect()
}

/// The stored names of the documents the database refers to.
pub(crate) async fn document_names(conn: &mut AnyConnection) -> Result<Vec<String>, BackupError> {
    let rows = sqlx::query("SELECT stored_name FROM documents ORDER BY stored_name")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String, _>(0).map_err(BackupError::from))
        .collect()
}
