//! The storage conformance suite: the same assertions on SQLite and PostgreSQL.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{
    Batch, Db, Engine, Migration, MigrationError, Statement, Timestamp, migrate, schema_status,
};
use leadvault_test_support::{TestDb, both_engines};

pub(crate) const CREATE_THINGS: Migration = Migration {
    id: "test/0001_things",
    sqlite: "CREATE TABLE things (id TEXT PRIMARY KEY NOT NULL, at BIGINT NOT NULL, blob BLOB, note TEXT);",
    postgres: "CREATE TABLE things (id TEXT PRIMARY KEY NOT NULL, at BIGINT NOT NULL, blob BYTEA, note TEXT);",
};
const ADD_INDEX: Migration = Migration {
    id: "test/0002_index",
    sqlite: "CREATE INDEX things_at ON things (at);",
    postgres: "CREATE INDEX things_at ON things (at);",
};
const BROKEN: Migration = Migration {
    id: "test/0003_broken",
    sqlite: "CREATE TABLE more (x BIGINT); THIS IS NOT SQL;",
    postgres: "CREATE TABLE more (x BIGINT); THIS IS NOT SQL;",
};

pub(crate) async fn fresh(engine: Engine) -> (TestDb, Db) {
    let test_db = TestDb::new(engine).await;
    let db = test_db.connect().await;
    (test_db, db)
}

async fn table_exists(db: &Db, table: &str) -> bool {
    let sql = match db.engine() {
        Engine::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
        Engine::Postgres => {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let row = sqlx::query(sql)
        .bind(table)
        .fetch_one(db.pool())
        .await
        .unwrap();
    row.get::<i64, _>(0) == 1
}

#[both_engines]
async fn migrations_apply_once_and_report_status(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    let all = [CREATE_THINGS, ADD_INDEX];
    let before = schema_status(&db, &all).await.unwrap();
    assert_eq!(before.pending, vec!["test/0001_things", "test/0002_index"]);
    assert!(!before.is_current());

    let applied = migrate(&db, &all, Timestamp::now()).await.unwrap();
    assert_eq!(applied, vec!["test/0001_things", "test/0002_index"]);
    assert!(table_exists(&db, "things").await);
    assert!(schema_status(&db, &all).await.unwrap().is_current());

    let again = migrate(&db, &all, Timestamp::now()).await.unwrap();
    assert!(again.is_empty(), "a second run applies nothing");
}

#[both_engines]
async fn a_failing_migration_leaves_the_database_as_it_was(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();

    let err = migrate(&db, &[CREATE_THINGS, ADD_INDEX, BROKEN], Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrationError::Failed {
                id: "test/0003_broken",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("database is as it was"));
    // Neither the good migration before it in the same run, nor its own first statement.
    assert!(!table_exists(&db, "more").await);
    let status = schema_status(&db, &[CREATE_THINGS, ADD_INDEX])
        .await
        .unwrap();
    assert_eq!(status.applied, 1);
    assert_eq!(status.pending, vec!["test/0002_index"]);
}

#[both_engines]
async fn edited_or_unknown_migrations_are_refused(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS, ADD_INDEX], Timestamp::now())
        .await
        .unwrap();

    let edited = Migration {
        sqlite: "CREATE INDEX things_at2 ON things (at);",
        postgres: "CREATE INDEX things_at2 ON things (at);",
        ..ADD_INDEX
    };
    let err = migrate(&db, &[CREATE_THINGS, edited], Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrationError::Modified { ref id } if id == "test/0002_index"),
        "{err}"
    );

    // An older binary that does not know the newer migration.
    let err = migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, MigrationError::Unknown { ref id } if id == "test/0002_index"),
        "{err}"
    );
    let err = schema_status(&db, &[CREATE_THINGS]).await.unwrap_err();
    assert!(matches!(err, MigrationError::Unknown { .. }));
}

#[both_engines]
async fn concurrent_migrations_apply_each_step_exactly_once(engine: Engine) {
    let (guard, db) = fresh(engine).await;
    let other = guard.connect().await;
    let all = [CREATE_THINGS, ADD_INDEX];
    let (a, b) = tokio::join!(
        migrate(&db, &all, Timestamp::now()),
        migrate(&other, &all, Timestamp::now())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.len() + b.len(),
        2,
        "one process applied both, the other none: {a:?} {b:?}"
    );
    assert!(schema_status(&db, &all).await.unwrap().is_current());
}

#[both_engines]
async fn timestamps_ids_blobs_and_nulls_round_trip_identically(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    let at = Timestamp::from_unix_micros(1_795_000_000_123_456);
    let id = "0b8f5a5e-2f8e-4d8e-9b1a-3c1d2e4f5a6b";
    let blob: Vec<u8> = (0..=255u8).collect();
    sqlx::query("INSERT INTO things (id, at, blob, note) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(at.as_unix_micros())
        .bind(blob.clone())
        .bind(Option::<String>::None)
        .execute(db.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO things (id, at, blob, note) VALUES ($1, $2, $3, $4)")
        .bind("second")
        .bind(i64::MIN)
        .bind(Vec::<u8>::new())
        .bind("ünïcödé ✓")
        .execute(db.pool())
        .await
        .unwrap();

    let row = sqlx::query("SELECT id, at, blob, note FROM things WHERE at > $1")
        .bind(0i64)
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), id);
    assert_eq!(Timestamp::from_unix_micros(row.get::<i64, _>(1)), at);
    assert_eq!(row.get::<Vec<u8>, _>(2), blob);
    assert_eq!(row.get::<Option<String>, _>(3), None);

    let row = sqlx::query("SELECT at, blob, note FROM things WHERE id = $1")
        .bind("second")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), i64::MIN);
    assert_eq!(row.get::<Vec<u8>, _>(1), Vec::<u8>::new());
    assert_eq!(row.get::<String, _>(2), "ünïcödé ✓");

    // Ordering by timestamp is numeric on both engines.
    let ids: Vec<String> = sqlx::query("SELECT id FROM things ORDER BY at")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, vec!["second".to_owned(), id.to_owned()]);
}

#[both_engines]
async fn a_unique_violation_is_told_apart_and_rolled_back(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    let insert = "INSERT INTO things (id, at) VALUES ($1, $2)";
    sqlx::query(insert)
        .bind("a")
        .bind(1i64)
        .execute(db.pool())
        .await
        .unwrap();

    let mut tx = db.begin().await.unwrap();
    sqlx::query(insert)
        .bind("b")
        .bind(2i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = leadvault_store::StoreError::from(
        sqlx::query(insert)
            .bind("a")
            .bind(3i64)
            .execute(&mut *tx)
            .await
            .unwrap_err(),
    );
    assert!(err.is_unique_violation(), "{err}");
    assert!(!err.is_unavailable());
    drop(tx);
    let count: i64 = sqlx::query("SELECT count(*) FROM things")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1, "the dropped transaction's insert was rolled back");
}

#[tokio::test]
async fn sqlite_databases_run_in_wal_mode_with_durable_commits_and_foreign_keys() {
    let (_guard, db) = fresh(Engine::Sqlite).await;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
    let mut tx = db.begin_write().await.unwrap();
    for connection in [db.pool().acquire().await.unwrap().as_mut(), tx.as_mut()] {
        let synchronous: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *connection)
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            synchronous, 2,
            "FULL: a commit is on disk before it is acknowledged"
        );
    }
    drop(tx);
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
}

#[both_engines]
async fn a_batch_runs_its_statements_in_order_each_with_its_own_parameters(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    let mut batch = Batch::new();
    let first = batch.push(
        Statement::new("INSERT INTO things (id, at, note) VALUES ($1, $2, $3)")
            .bind("a")
            .bind(1_i64)
            .bind("it's $1, quoted"),
    );
    let second = batch.push(
        Statement::new("INSERT INTO things (id, at, blob, note) VALUES ($1, $2, $3, $4)")
            .bind("b")
            .bind(2_i64)
            .bind(vec![0_u8, 255])
            .bind(None::<String>),
    );
    let raised = batch.push(
        Statement::new("UPDATE things SET at = at + $1 WHERE at >= $2 RETURNING id")
            .bind(10_i64)
            .bind(2_i64),
    );
    let nothing = batch.push(Statement::new("DELETE FROM things WHERE id = $1").bind("z"));
    let mut tx = db.begin_write().await.unwrap();
    let mut outcomes = batch.run(&mut tx).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(outcomes.take(first).unwrap().rows_affected, 1);
    assert_eq!(outcomes.take(second).unwrap().rows_affected, 1);
    let raised = outcomes.take(raised).unwrap();
    let ids: Vec<String> = raised.rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        ids,
        ["b"],
        "rows come back with the statement that returned them"
    );
    assert_eq!(outcomes.take(nothing).unwrap().rows_affected, 0);
    assert!(outcomes.take(first).is_err(), "an outcome is taken once");

    let rows = sqlx::query("SELECT id, at, blob, note FROM things ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let a: (String, i64, Option<Vec<u8>>, Option<String>) = (
        rows[0].get(0),
        rows[0].get(1),
        rows[0].get(2),
        rows[0].get(3),
    );
    assert_eq!(a, ("a".into(), 1, None, Some("it's $1, quoted".into())));
    let b: (String, i64, Option<Vec<u8>>, Option<String>) = (
        rows[1].get(0),
        rows[1].get(1),
        rows[1].get(2),
        rows[1].get(3),
    );
    assert_eq!(b, ("b".into(), 12, Some(vec![0, 255]), None));
}

#[both_engines]
async fn a_failing_statement_stops_its_batch_and_the_transaction_undoes_the_rest(engine: Engine) {
    let (_guard, db) = fresh(engine).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    let mut batch = Batch::new();
    batch.push(
        Statement::new("INSERT INTO things (id, at) VALUES ($1, $2)")
            .bind("a")
            .bind(1_i64),
    );
    batch.push(
        Statement::new("INSERT INTO things (id, at) VALUES ($1, $2)")
            .bind("a")
            .bind(2_i64),
    );
    batch.push(
        Statement::new("INSERT INTO things (id, at) VALUES ($1, $2)")
            .bind("c")
            .bind(3_i64),
    );
    let mut tx = db.begin_write().await.unwrap();
    let failed = batch.run(&mut tx).await.unwrap_err();
    assert!(failed.is_unique_violation(), "{failed}");
    drop(tx);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM things")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn sqlite_writes_leave_checkpoints_to_the_checkpointer() {
    let (_guard, db) = fresh(Engine::Sqlite).await;
    migrate(&db, &[CREATE_THINGS], Timestamp::now())
        .await
        .unwrap();
    db.checkpoint().await.unwrap();
    // Past the 1,000 pages at which SQLite would checkpoint inside a commit by default.
    for round in 0..60 {
        let mut batch = Batch::new();
        for n in 0..20 {
            batch.push(
                Statement::new("INSERT INTO things (id, at, blob) VALUES ($1, $2, $3)")
                    .bind(format!("{round}-{n}"))
                    .bind(0_i64)
                    .bind(vec![7_u8; 4000]),
            );
        }
        let mut tx = db.begin_write().await.unwrap();
        batch.run(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let first = db.checkpoint().await.unwrap().unwrap();
    assert!(
        first.wal_pages > 1000,
        "the writer did not checkpoint: {first:?}"
    );
    assert_eq!(
        first.copied_pages, first.wal_pages,
        "nothing reads, so all is copied"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM things")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1200);
}
