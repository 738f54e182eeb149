//! PostgreSQL: a logical export of Leadvault's tables, and loading one back.
//!
//! Export: one `REPEATABLE READ READ ONLY` transaction, every organization in scope (the
//! tenant walls are row-level security policies keyed on `leadvault.org_id`, and a backup
//! is of the whole installation), each table's rows as JSON lines (`row_to_json`: bytes as
//! `\x…` hex, numbers as PostgreSQL prints them, nothing parsed on the way). No `pg_dump`:
//! no client binary to match to the server's version, and the same role `serve` uses.
//!
//! Load: the schema comes from the migrations the backup was made with (the binary's own
//! text for each), the rows through `json_populate_recordset` in batches, parents before
//! children, all in one transaction; identity sequences are moved past the loaded rows.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use futures_util::TryStreamExt;
use leadvault_store::sqlx::{self, AnyConnection, Connection, Row};
use leadvault_store::{Db, Engine, Ledger};
use tempfile::TempDir;

use crate::error::BackupError;
use crate::manifest::Schema;
use crate::snapshot::Snapshot;
use crate::tables::{self, LEDGERS, quote};

/// Rows per `INSERT` when loading.
const LOAD_BATCH: usize = 500;

pub(crate) async fn export(db: &Db, dir: TempDir) -> Result<Snapshot, BackupError> {
    let mut conn = db.pool().acquire().await?;
    let mut tx = (*conn)
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await?;
    sqlx::query("SELECT set_config('leadvault.org_id', '*', true)")
        .execute(&mut *tx)
        .await?;
    let names = tables::table_names(&mut tx, Engine::Postgres).await?;
    let mut files = Vec::new();
    let mut counts = BTreeMap::new();
    for table in &names {
        let path = dir.path().join(format!("{table}.jsonl"));
        let rows = export_table(&mut tx, table, &path).await?;
        counts.insert(table.clone(), rows);
        files.push((format!("postgres/{table}.jsonl"), path));
    }
    let schema = Schema {
        main: tables::ledger_ids(&mut tx, Engine::Postgres, Ledger::MAIN).await?,
        analytics: tables::ledger_ids(&mut tx, Engine::Postgres, Ledger::ANALYTICS).await?,
    };
    let documents = if names.iter().any(|n| n == "documents") {
        tables::document_names(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok(Snapshot {
        engine: Engine::Postgres,
        _dir: dir,
        files,
        documents,
        counts: BTreeMap::from([("main".to_owned(), counts)]),
        schema,
    })
}

async fn export_table(
    conn: &mut AnyConnection,
    table: &str,
    path: &Path,
) -> Result<u64, BackupError> {
    let file = File::create(path).map_err(BackupError::io("exporting a table", path))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let sql = format!("SELECT row_to_json(t)::text FROM {} AS t", quote(table));
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        let line: String = row.try_get(0)?;
        out.write_all(line.as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .map_err(BackupError::io("exporting a table", path))?;
        count += 1;
    }
    drop(rows);
    let file = out
        .into_inner()
        .map_err(|e| BackupError::io("exporting a table", path)(e.into_error()))?;
    file.sync_all()
        .map_err(BackupError::io("exporting a table", path))?;
    Ok(count)
}

/// Whether the connection's schema holds any table at all.
pub(crate) async fn is_empty(db: &Db) -> Result<bool, BackupError> {
    let mut conn = db.pool().acquire().await?;
    Ok(tables::table_names(&mut conn, Engine::Postgres)
        .await?
        .is_empty())
}

/// Loads the exported tables in `dir` (`<table>.jsonl`) into `db`, whose schema the caller
/// has just created. One transaction: a failure leaves no rows behind.
pub(crate) async fn load(db: &Db, dir: &Path) -> Result<(), BackupError> {
    let mut conn = db.pool().acquire().await?;
    let mut tx = (*conn).begin().await?;
    sqlx::query("SELECT set_config('leadvault.org_id', '*', true)")
        .execute(&mut *tx)
        .await?;
    let names = tables::table_names(&mut tx, Engine::Postgres).await?;
    for table in parents_first(&mut tx, &names).await? {
        if LEDGERS.contains(&table.as_str()) {
            continue;
        }
        let path = dir.join(format!("{table}.jsonl"));
        if !path.exists() {
            continue;
        }
        load_table(&mut tx, &table, &path).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn load_table(conn: &mut AnyConnection, table: &str, path: &Path) -> Result<(), BackupError> {
    let columns = sqlx::query(
        "SELECT column_name::text, is_identity::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut names = Vec::new();
    let mut identities = Vec::new();
    for row in &columns {
        let name: String = row.try_get(0)?;
        if row.try_get::<String, _>(1)? == "YES" {
            identities.push(name.clone());
        }
        names.push(quote(&name));
    }
    let list = names.join(", ");
    let overriding = if identities.is_empty() {
        ""
    } else {
        " OVERRIDING SYSTEM VALUE"
    };
    let insert = format!(
        "INSERT INTO {t} ({list}){overriding} SELECT {list} FROM json_populate_recordset(NULL::{t}, $1::json)",
        t = quote(table)
    );
    let file = File::open(path).map_err(BackupError::io("loading a table", path))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    loop {
        let mut batch = String::from("[");
        let mut n = 0;
        while n < LOAD_BATCH {
            match lines.next() {
                None => break,
                Some(line) => {
                    let line = line.map_err(BackupError::io("loading a table", path))?;
                    if n > 0 {
                        batch.push(',');
                    }
                    batch.push_str(&line);
                    n += 1;
                }
            }
        }
        if n == 0 {
            break;
        }
        batch.push(']');
        sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
            .bind(batch)
            .execute(&mut *conn)
            .await?;
    }
    for column in identities {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
            c = quote(&column),
            t = quote(table)
        )))
        .bind(quote(table))
        .bind(column.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The tables in an order where every table comes after those its foreign keys point to.
async fn parents_first(
    conn: &mut AnyConnection,
    names: &[String],
) -> Result<Vec<String>, BackupError> {
    let edges = sqlx::query(
        "SELECT child.relname::text, parent.relname::text FROM pg_constraint c \
         JOIN pg_class child ON child.oid = c.conrelid \
         JOIN pg_class parent ON parent.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &edges {
        let (child, parent): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if child != parent {
            parents.entry(child).or_default().insert(parent);
        }
    }
    let mut ordered: Vec<String> = Vec::new();
    let mut placed = BTreeSet::new();
    while ordered.len() < names.len() {
        let before = ordered.len();
        for name in names {
            if placed.contains(name) {
                continue;
            }
            let ready = parents
                .get(name)
                .is_none_or(|ps| ps.iter().all(|p| placed.contains(p) || !names.contains(p)));
            if ready {
                placed.insert(name.clone());
                ordered.push(name.clone());
            }
        }
        if ordered.len() == before {
            // A cycle of foreign keys: the rest in name order (none exists today).
            ordered.extend(names.iter().filter(|n| !placed.contains(*n)).cloned());
            break;
        }
    }
    Ok(ordered)
}
