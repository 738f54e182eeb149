//! The checks a restored copy must pass, the same for a verification (into scratch) and a
//! restore (into the real target): the engine's integrity check, the schema against this
//! binary, the rows of every table against the manifest, every audit chain verified, and
//! every document the database names present.

use std::path::Path;

use leadvault_audit::{chains, verify};
use leadvault_store::{Db, Engine, Ledger, Migration, MigrationError, schema_status_ledger};

use crate::error::BackupError;
use crate::manifest::{Manifest, Schema};
use crate::tables;

/// The migrations this binary knows, per ledger.
#[derive(Debug, Clone)]
pub struct KnownSchema {
    pub main: Vec<Migration>,
    pub analytics: Vec<Migration>,
}

impl KnownSchema {
    /// Refuses a backup whose schema has a migration this binary does not know.
    pub(crate) fn admits(
        &self,
        name: &str,
        schema: &Schema,
        version: &str,
    ) -> Result<(), BackupError> {
        for (applied, known) in [
            (&schema.main, &self.main),
            (&schema.analytics, &self.analytics),
        ] {
            if let Some(unknown) = applied
                .iter()
                .find(|id| !known.iter().any(|m| m.id == id.as_str()))
            {
                return Err(BackupError::NewerSchema {
                    name: name.to_owned(),
                    migration: unknown.clone(),
                    version: version.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The binary's migrations that the backup had applied, in the binary's order.
    pub(crate) fn as_of(known: &[Migration], applied: &[String]) -> Vec<Migration> {
        known
            .iter()
            .filter(|m| applied.iter().any(|id| id == m.id))
            .copied()
            .collect()
    }
}

/// What the checks found, for the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub tables: usize,
    pub rows: u64,
    pub chains: usize,
    pub documents: usize,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} tables and {} rows as the manifest counts them, {} audit chains verified, {} documents present",
            self.tables, self.rows, self.chains, self.documents
        )
    }
}

/// Checks the restored databases (`main`, and `analytics`: the same on PostgreSQL) and
/// documents directory against `manifest`.
pub(crate) async fn check_restored(
    name: &str,
    main: &Db,
    analytics: &Db,
    documents_dir: &Path,
    manifest: &Manifest,
    known: &KnownSchema,
) -> Result<Checked, BackupError> {
    let problem = |problem: String| BackupError::Verification {
        name: name.to_owned(),
        problem,
    };
    let engine = main.engine();
    // The engine's own check of its pages and indexes (PostgreSQL's constraints were checked
    // as every row went in).
    if engine == Engine::Sqlite {
        for db in [main, analytics] {
            let result: String = leadvault_store::sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(db.pool())
                .await?;
            if result != "ok" {
                return Err(problem(format!("SQLite's integrity check says: {result}")));
            }
        }
    }
    // The schema against this binary: no unknown or changed migration.
    for (db, ledger, list) in [
        (main, Ledger::MAIN, &known.main),
        (analytics, Ledger::ANALYTICS, &known.analytics),
    ] {
        match schema_status_ledger(db, ledger, list).await {
            Ok(_) => {}
            Err(MigrationError::Modified { id } | MigrationError::Unknown { id }) => {
                return Err(problem(format!(
                    "its schema does not match this version of Leadvault at migration {id}"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Rows per table, against the manifest.
    let mut tables_seen = 0;
    let mut rows = 0;
    let databases: Vec<(&str, &Db)> = match engine {
        Engine::Sqlite => vec![("main", main), ("analytics", analytics)],
        Engine::Postgres => vec![("main", main)],
    };
    for (label, db) in databases {
        let mut tx = db
            .begin_in(leadvault_store::TenantScope::AllOrganizations)
            .await?;
        let found = tables::counts(&mut tx, engine).await?;
        tx.commit().await?;
        let expected = manifest.counts.get(label).cloned().unwrap_or_default();
        for (table, count) in &expected {
            match found.get(table) {
                Some(n) if n == count => {}
                Some(n) => {
                    return Err(problem(format!(
                        "table {table} has {n} rows, but the manifest says {count}"
                    )));
                }
                None => {
                    return Err(problem(format!(
                        "table {table} is missing from the restored {label} database"
                    )));
                }
            }
        }
        tables_seen += expected.len();
        rows += expected.values().sum::<u64>();
    }
    // Every audit chain, record by record.
    let all = chains(main).await?;
    for chain in &all {
        if let Err(broken) = verify(main, *chain).await? {
            return Err(problem(format!(
                "the audit chain {} does not verify: {broken}",
                chain.name()
            )));
        }
    }
    // Every document the database names is there.
    let mut tx = main
        .begin_in(leadvault_store::TenantScope::AllOrganizations)
        .await?;
    let documents = if tables::table_names(&mut tx, engine)
        .await?
        .iter()
        .any(|t| t == "documents")
    {
        tables::document_names(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    if let Some(missing) = documents.iter().find(|d| !documents_dir.join(d).is_file()) {
        return Err(problem(format!(
            "document file {missing} is named by the database but missing"
        )));
    }
    Ok(Checked {
        tables: tables_seen,
        rows,
        chains: all.len(),
        documents: documents.len(),
    })
}
