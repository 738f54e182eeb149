//! Writes that share a commit (`Db::write_grouped_in`): on SQLite, writers queued together
//! share one transaction and one commit, each in a savepoint of its own; on PostgreSQL each
//! is a transaction of its own. Either way, a write acknowledged is stored, and a write that
//! fails, gives up or panics leaves nothing, whoever it shared a commit with.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{
    Batch, Db, Engine, GroupedWrite, Outcomes, Statement, Step, StoreError, TenantScope, Timestamp,
    Turn, migrate,
};
use leadvault_test_support::{TestDb, both_engines};

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

/// What one writer does: insert `id`; then, when told to, insert it again (refused by the
/// database), give up with an error of its own, or panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    Commits,
    Fails,
    GivesUp,
    Panics,
}

struct Insert {
    id: String,
    writer: Writer,
    batches: usize,
}

impl GroupedWrite for Insert {
    type Output = ();
    type Error = StoreError;

    fn step(&mut self, _: &mut Turn<'_>, _: Option<Outcomes>) -> Result<Step<()>, StoreError> {
        self.batches += 1;
        match (self.batches, self.writer) {
            (1, _) | (2, Writer::Fails) => Ok(Step::Run(insert(&self.id))),
            (2, Writer::GivesUp) => Err(StoreError::Batch("given up")),
            (2, Writer::Panics) => panic!("a writer's bug"),
            _ => Ok(Step::Done(())),
        }
    }
}

async fn write(db: Db, id: String, writer: Writer) -> Result<(), String> {
    let work = Insert {
        id: id.clone(),
        writer,
        batches: 0,
    };
    db.write_grouped_in(TenantScope::AllOrganizations, work)
        .await
        .map_err(|e| e.to_string())?;
    // Committed is durable: visible to a reader on another connection.
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

#[both_engines]
async fn writers_that_share_a_commit_keep_each_others_writes_and_lose_none(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    let mut tasks = Vec::new();
    for n in 0..60 {
        let writer = match n % 8 {
            2 => Writer::Fails,
            4 => Writer::GivesUp,
            6 => Writer::Panics,
            _ => Writer::Commits,
        };
        let id = format!("w{n:02}");
        tasks.push((n, writer, tokio::spawn(write(db.clone(), id, writer))));
    }
    let mut committed = Vec::new();
    for (n, writer, task) in tasks {
        // A panic is its writer's own (in the committer on SQLite, which goes on).
        let outcome = task.await.unwrap_or_else(|_| Err("panicked".into()));
        match writer {
            Writer::Commits => {
                assert_eq!(outcome, Ok(()), "writer {n}");
                committed.push(format!("w{n:02}"));
            }
            Writer::Fails => {
                let err = outcome.unwrap_err();
                assert!(
                    err.contains("UNIQUE") || err.contains("unique"),
                    "writer {n}: {err}"
                );
            }
            Writer::GivesUp => assert_eq!(outcome, Err(StoreError::Batch("given up").to_string())),
            Writer::Panics => {
                let err = outcome.unwrap_err();
                assert!(err.contains("panicked"), "writer {n}: {err}");
            }
        }
    }
    assert_eq!(
        ids(&db).await,
        committed,
        "exactly the acknowledged writes are stored"
    );
}

#[both_engines]
async fn grouped_writers_and_plain_writers_take_turns(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    let mut tasks = Vec::new();
    for n in 0..20 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                write(db, format!("g{n:02}"), Writer::Commits).await
            } else {
                let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
                insert(&format!("p{n:02}"))
                    .run(&mut tx)
                    .await
                    .map_err(|e| e.to_string())?;
                tx.commit().await.map_err(|e| e.to_string())
            }
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(()));
    }
    assert_eq!(ids(&db).await.len(), 20);
}
