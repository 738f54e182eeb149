//! Prints what auditing costs a write: a minimal write transaction (one insert) against the
//! same transaction with its audit record appended, on one task and on eight; asserts
//! nothing about time.
//!
//! SQLite always (a file in a temporary directory, as `serve` uses it); PostgreSQL too when
//! `LV_BENCH_POSTGRES_URL` names an empty database (`bench/audit.sh` makes one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use leadvault_audit::{Actor, Chain, Event, append};
use leadvault_store::{DatabaseUrl, Db, DbOptions, Migration, OrgId, Timestamp, migrate, sqlx};
use uuid::Uuid;

const RUN_FOR: Duration = Duration::from_secs(4);

const OPS_TABLE: Migration = Migration {
    id: "bench/0001_ops",
    sqlite: "CREATE TABLE bench_ops (id TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL);",
    postgres: "CREATE TABLE bench_ops (id TEXT PRIMARY KEY NOT NULL, payload TEXT NOT NULL);",
};

/// One operation: an insert, and with `audit`, its record in `chain`, in one transaction.
/// The record a public form's submission writes.
#[derive(Clone, Copy)]
struct LeadCreated;

impl leadvault_audit::Action for LeadCreated {
    fn name(self) -> &'static str {
        "lead.created"
    }
}

async fn operation(db: &Db, chain: Chain, audit: bool) {
    let mut tx = db.begin().await.unwrap();
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO bench_ops (id, payload) VALUES ($1, $2)")
        .bind(id.to_string())
        .bind("a lead's worth of ciphertext stands in here")
        .execute(&mut *tx)
        .await
        .unwrap();
    if audit {
        let event = Event::new(Actor::Anonymous, LeadCreated)
            .on("lead", id)
            .touching(&["name", "email", "phone"])
            .in_request(Some(Uuid::new_v4()));
        append(&mut tx, chain, &event, Timestamp::now())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Operations per second with `tasks` tasks, each on `chain_of(task)`.
async fn rate(db: &Db, tasks: usize, audit: bool, chain_of: fn(usize) -> Chain) -> f64 {
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let (db, done) = (db.clone(), done.clone());
        let chain = chain_of(task);
        handles.push(tokio::spawn(async move {
            while started.elapsed() < RUN_FOR {
                operation(&db, chain, audit).await;
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    done.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

static ORGS: std::sync::OnceLock<Vec<OrgId>> = std::sync::OnceLock::new();

fn one_chain(_: usize) -> Chain {
    Chain::Org(ORGS.get().unwrap()[0])
}

fn own_chain(task: usize) -> Chain {
    Chain::Org(ORGS.get().unwrap()[task])
}

async fn measure(engine: &str, db: &Db) {
    let migrations = [leadvault_audit::MIGRATIONS, &[OPS_TABLE]].concat();
    migrate(db, &migrations, Timestamp::now()).await.unwrap();
    for (tasks, label, chains) in [
        (1, "1 task", one_chain as fn(usize) -> Chain),
        (8, "8 tasks, one organization", one_chain),
        (8, "8 tasks, 8 organizations", own_chain),
    ] {
        let plain = rate(db, tasks, false, chains).await;
        let audited = rate(db, tasks, true, chains).await;
        println!(
            "{engine:<8} {label:<26} write tx {plain:>8.0} ops/s   with audit {audited:>8.0} ops/s   ({:.0}%)",
            100.0 * audited / plain
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    ORGS.set((0..8).map(|_| OrgId::random()).collect()).unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::sqlite_file(&dir.path().join("bench.db"));
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        measure("sqlite", &db).await;
        db.close().await;
        if let Ok(url) = std::env::var("LV_BENCH_POSTGRES_URL") {
            let db = Db::connect(&DatabaseUrl::parse(&url).unwrap(), &DbOptions::default())
                .await
                .unwrap();
            measure("postgres", &db).await;
            db.close().await;
        }
    });
}
