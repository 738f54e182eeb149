//! The continuous export: every record, once, to a place outside the database, for a SIEM.
//!
//! Delivery is at least once: the position reached is saved after each batch is sent, so a
//! crash between the two sends that batch again. Each line names its chain and seq, which is
//! what a receiver deduplicates on.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};

use crate::chain::chains;
use crate::checkpoint::stored_checkpoints;
use crate::error::AuditError;
use crate::read::{Filter, records};
use crate::sink::Sink;

/// How many records go in one batch.
const BATCH: i64 = 500;

async fn position(db: &Db, target: &str, chain: &str) -> Result<i64, AuditError> {
    Ok(
        sqlx::query("SELECT seq FROM audit_exports WHERE target = $1 AND chain = $2")
            .bind(target)
            .bind(chain)
            .fetch_optional(db.pool())
            .await?
            .map(|row| row.try_get(0))
            .transpose()?
            .unwrap_or(0),
    )
}

async fn advance(db: &Db, target: &str, chain: &str, seq: i64) -> Result<(), AuditError> {
    sqlx::query(
        "INSERT INTO audit_exports (target, chain, seq) VALUES ($1, $2, $3) \
         ON CONFLICT (target, chain) DO UPDATE SET seq = excluded.seq",
    )
    .bind(target)
    .bind(chain)
    .bind(seq)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Sends every stored checkpoint not yet sent to `sink` (at least once, like records), and
/// returns how many were sent. A sink that was unreachable catches up on the next call.
pub async fn send_checkpoints(db: &Db, sink: &Sink, now: Timestamp) -> Result<u64, AuditError> {
    let target = format!("checkpoints {sink}");
    let mut sent = 0_u64;
    for chain in chains(db).await? {
        let name = chain.name();
        let after = position(db, &target, &name).await?;
        let due: Vec<_> = stored_checkpoints(db, chain)
            .await?
            .into_iter()
            .filter(|c| c.seq > after)
            .collect();
        let Some(last) = due.last().map(|c| c.seq) else {
            continue;
        };
        let lines: Vec<String> = due.iter().map(|c| c.to_line()).collect();
        sink.send(&lines, now).await?;
        advance(db, &target, &name, last).await?;
        sent += lines.len() as u64;
    }
    Ok(sent)
}

/// Sends every record not yet sent to `sink`, and returns how many were sent.
pub async fn export_new(db: &Db, sink: &Sink, now: Timestamp) -> Result<u64, AuditError> {
    let target = sink.to_string();
    let mut sent = 0_u64;
    for chain in chains(db).await? {
        let name = chain.name();
        let mut position = position(db, &target, &name).await?;
        loop {
            let batch = records(db, chain, &Filter::default(), position, BATCH).await?;
            let Some(last) = batch.last().map(|r| r.seq) else {
                break;
            };
            let lines: Vec<String> = batch.iter().map(|r| r.to_line()).collect();
            sink.send(&lines, now).await?;
            advance(db, &target, &name, last).await?;
            sent += batch.len() as u64;
            position = last;
        }
    }
    Ok(sent)
}
