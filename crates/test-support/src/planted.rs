//! Looking for planted values where they must not be: every file under a directory (a
//! SQLite database, its WAL and shared memory, documents, logs), every row of every table of
//! a PostgreSQL database, a process's output. Thousands of values are looked for at once
//! (Aho-Corasick), so a test can plant one per request.

use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use leadvault_store::Db;
use leadvault_store::sqlx::{self, Row};

/// Something searched: what to call it in a failure, and its bytes.
#[derive(Debug)]
pub struct Haystack {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file under `dir`, read whole.
pub fn files_under(dir: &Path) -> Vec<Haystack> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read directory") {
                pending.push(entry.expect("directory entry").path());
            }
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push(Haystack {
                name: path.display().to_string(),
                bytes,
            });
        }
    }
    found
}

/// Every row of every table of the (PostgreSQL) database `db`, as PostgreSQL prints rows.
pub async fn postgres_rows(db: &Db) -> Vec<Haystack> {
    let tables: Vec<String> = sqlx::query(
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(db.pool())
    .await
    .expect("tables")
    .iter()
    .map(|row| row.get(0))
    .collect();
    let mut found = Vec::new();
    for table in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(t.* AS TEXT) FROM \"{table}\" AS t"
        )))
        .fetch_all(db.pool())
        .await
        .expect("rows");
        let text: Vec<String> = rows.iter().map(|row| row.get::<String, _>(0)).collect();
        found.push(Haystack {
            name: format!("table {table}"),
            bytes: text.join("\n").into_bytes(),
        });
    }
    found
}

/// Which of `needles` occur in which haystack, as "needle in name" lines (empty: none).
pub fn planted_in(haystacks: &[Haystack], needles: &[String]) -> Vec<String> {
    let finder = AhoCorasick::new(needles).expect("needles");
    let mut hits = Vec::new();
    for haystack in haystacks {
        if let Some(hit) = finder.find(&haystack.bytes) {
            hits.push(format!(
                "{} in {}",
                needles[hit.pattern().as_usize()],
                haystack.name
            ));
        }
    }
    hits
}
