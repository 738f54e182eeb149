//! Writes that share a commit (`Db::begin_grouped_in`): on SQLite, writers queued together
//! share one transaction and one commit, each in a savepoint of its own; on PostgreSQL each
//! is a transaction of its own. Either way, a write acknowledged is stored, and a write that
//! fails or is abandoned leaves nothing, whoever it shared a commit with.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, Engine, Statement, TenantScope, Timestamp, migrate};
use leadvault_test_support::{TestDb, on_both_engines};

use crate::storage;

async fn fresh(engine: Engine) -> (TestDb, Db) {
    let (test_db, db) = storage::fresh(engine).await;
    migrate(&db, &[storage::CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    (test_db, db)
}

fn insert(id: &str) -> Batch {
    let mut batch = Batch::new();
    batch.push(
        Statement::new("INSERT INTO things (id, at) VALUES ($1, $2)")
            .bind(id)
            .bind(1_i64),
    );
    batch
}

async fn ids(db: &Db) -> Vec<String> {
    sqlx::query("SELECT id FROM things ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// What one writer does: insert `id`, twice when told to fail (the second is refused), or
/// stop without committing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    Commits,
    Fails,
    Abandons,
}

async fn write(db: Db, id: String, writer: Writer) -> Result<(), String> {
    let mut tx = db
        .begin_grouped_in(TenantScope::AllOrganizations)
        .await
        .map_err(|e| e.to_string())?;
    tx.run(insert(&id)).await.map_err(|e| e.to_string())?;
    match writer {
        Writer::Commits => {}
        Writer::Fails => {
            tx.run(insert(&id)).await.map_err(|e| e.to_string())?;
        }
        Writer::Abandons => {
            tokio::task::yield_now().await;
            return Err("abandoned".into());
        }
    }
    // Committed is durable: visible to a reader on another connection.
    tx.commit().await.map_err(|e| e.to_string())?;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM things WHERE id = $1")
        .bind(&id)
        .fetch_one(db.pool())
        .await
        .map_err(|e| e.to_string())?;
    if seen == 1 {
        Ok(())
    } else {
        Err(format!("{id} acknowledged but not stored"))
    }
}

on_both_engines! {
    async fn writers_that_share_a_commit_keep_each_others_writes_and_lose_none(engine) {
        let (_guard, db) = fresh(engine).await;
        let mut tasks = Vec::new();
        for n in 0..60 {
            let writer = match n % 6 {
                2 => Writer::Fails,
                4 => Writer::Abandons,
                _ => Writer::Commits,
            };
            let id = format!("w{n:02}");
            tasks.push((n, writer, tokio::spawn(write(db.clone(), id, writer))));
        }
        let mut committed = Vec::new();
        for (n, writer, task) in tasks {
            let outcome = task.await.unwrap();
            match writer {
                Writer::Commits => {
                    assert_eq!(outcome, Ok(()), "writer {n}");
                    committed.push(format!("w{n:02}"));
                }
                Writer::Fails => {
                    let err = outcome.unwrap_err();
                    assert!(err.contains("UNIQUE") || err.contains("unique"), "writer {n}: {err}");
                }
                Writer::Abandons => assert_eq!(outcome, Err("abandoned".into())),
            }
        }
        assert_eq!(ids(&db).await, committed, "exactly the acknowledged writes are stored");
    }
}

on_both_engines! {
    async fn grouped_writers_and_plain_writers_take_turns(engine) {
        let (_guard, db) = fresh(engine).await;
        let mut tasks = Vec::new();
        for n in 0..20 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                if n % 2 == 0 {
                    write(db, format!("g{n:02}"), Writer::Commits).await
                } else {
                    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
                    insert(&format!("p{n:02}")).run(&mut tx).await.map_err(|e| e.to_string())?;
                    tx.commit().await.map_err(|e| e.to_string())
                }
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(()));
        }
        assert_eq!(ids(&db).await.len(), 20);
    }
}
