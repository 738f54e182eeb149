//! A consistent snapshot of everything that belongs together, taken while `serve` runs.
//!
//! - SQLite: `VACUUM INTO` a copy of the main and the analytics file. Each copy is one read
//!   transaction (WAL mode: writers carry on, nobody waits for a write lock).
//! - PostgreSQL: every table of Leadvault's schema exported in one `REPEATABLE READ READ
//!   ONLY` transaction, so all of them are as of one moment (`postgres.rs`).
//!
//! Documents: the snapshot's own `documents` table says which files belong to it. A document
//! is written to disk and renamed into place before its row commits, so every file the
//! snapshot names exists; one committed later is not named, and not taken.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use leadvault_store::{DatabaseUrl, Db, Engine, Ledger};
use tempfile::TempDir;

use crate::error::BackupError;
use crate::manifest::Schema;
use crate::tables;

/// What a backup is taken from.
#[derive(Debug, Clone)]
pub struct Source {
    pub db: Db,
    /// Analytics' database: a file of its own on SQLite, the main one on PostgreSQL.
    pub analytics: Db,
    pub documents_dir: PathBuf,
}

/// The snapshot, in a scratch directory removed when it is dropped.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub engine: Engine,
    /// Holds the snapshot's files until the archive is written; removed when dropped.
    pub _dir: TempDir,
    /// Archive path and local file of each database file (or table export).
    pub files: Vec<(String, PathBuf)>,
    /// The stored names of the documents the snapshot refers to.
    pub documents: Vec<String>,
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
    pub schema: Schema,
}

impl Snapshot {
    /// Every file the archive takes: the databases, then each document.
    pub(crate) fn sources(&self, documents_dir: &Path) -> Vec<(String, PathBuf)> {
        let mut all = self.files.clone();
        all.extend(
            self.documents
                .iter()
                .map(|name| (format!("documents/{name}"), documents_dir.join(name))),
        );
        all
    }
}

/// A scratch directory of our own under `scratch` (made readable by this user only).
pub(crate) fn scratch_dir(scratch: &Path, prefix: &str) -> Result<TempDir, BackupError> {
    std::fs::create_dir_all(scratch)
        .map_err(BackupError::io("making the scratch directory", scratch))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(scratch, std::fs::Permissions::from_mode(0o700))
            .map_err(BackupError::io("securing the scratch directory", scratch))?;
    }
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(scratch)
        .map_err(BackupError::io("making a scratch directory", scratch))
}

pub(crate) async fn take(source: &Source, scratch: &Path) -> Result<Snapshot, BackupError> {
    let dir = scratch_dir(scratch, "snapshot-")?;
    match source.db.engine() {
        Engine::Sqlite => sqlite(source, dir).await,
        Engine::Postgres => crate::postgres::export(&source.db, dir).await,
    }
}

pub(crate) const SQLITE_MAIN: &str = "sqlite/main.sqlite";
pub(crate) const SQLITE_ANALYTICS: &str = "sqlite/analytics.sqlite";

async fn sqlite(source: &Source, dir: TempDir) -> Result<Snapshot, BackupError> {
    let main = dir.path().join("main.sqlite");
    let analytics = dir.path().join("analytics.sqlite");
    for (db, path) in [(&source.db, &main), (&source.analytics, &analytics)] {
        let target = path.to_str().ok_or_else(|| {
            BackupError::Settings(format!(
                "the scratch directory's path is not UTF-8: {}",
                path.display()
            ))
        })?;
        // Through the page cache, not the memory map (see `tables::open_copy`), on a
        // connection closed afterwards rather than handed back with that setting.
        let mut conn = db.pool().acquire().await?;
        leadvault_store::sqlx::query("PRAGMA mmap_size = 0")
            .execute(&mut *conn)
            .await?;
        leadvault_store::sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&mut *conn)
            .await
            .map_err(|e| full_disk_or(e, path))?;
        conn.close().await?;
    }
    let main_view = inspect_sqlite(&main, Ledger::MAIN, true).await?;
    let analytics_view = inspect_sqlite(&analytics, Ledger::ANALYTICS, false).await?;
    Ok(Snapshot {
        engine: Engine::Sqlite,
        files: vec![
            (SQLITE_MAIN.to_owned(), main),
            (SQLITE_ANALYTICS.to_owned(), analytics),
        ],
        documents: main_view.documents,
        counts: BTreeMap::from([
            ("main".to_owned(), main_view.counts),
            ("analytics".to_owned(), analytics_view.counts),
        ]),
        schema: Schema {
            main: main_view.ledger,
            analytics: analytics_view.ledger,
        },
        _dir: dir,
    })
}

fn full_disk_or(e: leadvault_store::sqlx::Error, path: &Path) -> BackupError {
    let text = e.to_string();
    if text.contains("database or disk is full") || text.contains("SQLITE_FULL") {
        BackupError::DiskFull {
            doing: "copying the database".into(),
            path: path.display().to_string(),
        }
    } else {
        e.into()
    }
}

/// What a SQLite file holds: rows per table, its ledger, and (the main file) its documents.
struct SqliteView {
    pub counts: BTreeMap<String, u64>,
    pub ledger: Vec<String>,
    pub documents: Vec<String>,
}

/// Opens a copy (never the live file) and reads what the manifest records of it.
async fn inspect_sqlite(
    path: &Path,
    ledger: Ledger,
    with_documents: bool,
) -> Result<SqliteView, BackupError> {
    let db = tables::open_copy(&DatabaseUrl::sqlite_file(path)).await?;
    let view = async {
        let mut conn = db.pool().acquire().await?;
        let counts = tables::counts(&mut conn, Engine::Sqlite).await?;
        let ledger = tables::ledger_ids(&mut conn, Engine::Sqlite, ledger).await?;
        let documents = if with_documents && counts.contains_key("documents") {
            tables::document_names(&mut conn).await?
        } else {
            Vec::new()
        };
        Ok::<_, BackupError>(SqliteView {
            counts,
            ledger,
            documents,
        })
    }
    .await;
    db.close().await;
    view
}
