//! The continuous export: every record, once, to a place outside the database, for a SIEM.
//!
//! Delivery is at least once: the position reached is saved after each batch is sent, so a
//! crash between the two sends that batch again. Each line names its chain and seq, which is
//! what a receiver deduplicates on.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};

use crate::chain::chains;
use crate::error::AuditError;
use crate::read::{Filter, records};
use crate::sink::Sink;

/// How many records go in one batch.
const BATCH: i64 = 500;

/// Sends every record not yet sent to `sink`, and returns how many were sent.
pub async fn export_new(db: &Db, sink: &Sink, now: Timestamp) -> Result<u64, AuditError> {
    let target = sink.to_string();
    let mut sent = 0_u64;
    for chain in chains(db).await? {
        let name = chain.name();
        let mut position: i64 =
            sqlx::query("SELECT seq FROM audit_exports WHERE target = $1 AND chain = $2")
                .bind(&target)
                .bind(&name)
                .fetch_optional(db.pool())
                .await?
                .map(|row| row.try_get(0))
                .transpose()?
                .unwrap_or(0);
        loop {
            let batch = records(db, chain, &Filter::default(), position, BATCH).await?;
            let Some(last) = batch.last().map(|r| r.seq) else {
                break;
            };
            let lines: Vec<String> = batch.iter().map(|r| r.to_line()).collect();
            sink.send(&lines, now).await?;
            sqlx::query(
                "INSERT INTO audit_exports (target, chain, seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (target, chain) DO UPDATE SET seq = excluded.seq",
            )
            .bind(&target)
            .bind(&name)
            .bind(last)
            .execute(db.pool())
            .await?;
            sent += batch.len() as u64;
            position = last;
        }
    }
    Ok(sent)
}
