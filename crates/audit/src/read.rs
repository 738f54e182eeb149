//! Reading records back: for exports, reports and the review page.

use leadvault_crypto::to_hex;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};
use serde_json::json;

use crate::error::AuditError;
use crate::record::Chain;

/// A stored record, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub chain: Chain,
    pub seq: i64,
    pub at: Timestamp,
    /// `member`, `client`, `system` or `anonymous`.
    pub actor_kind: String,
    pub actor_id: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub fields: Vec<String>,
    pub request_id: String,
    /// `allowed` or `denied`.
    pub outcome: String,
    pub hash: Vec<u8>,
}

const LINE_KIND: &str = "leadvault.audit.record";

impl Record {
    /// The record as one line of JSON (no newline), for a SIEM.
    pub fn to_line(&self) -> String {
        let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        let line = json!({
            "type": LINE_KIND,
            "chain": self.chain.name(),
            "seq": self.seq,
            "at": self.at.rfc3339(),
            "actor": { "kind": self.actor_kind, "id": optional(&self.actor_id) },
            "action": self.action,
            "target": (!self.target_kind.is_empty())
                .then(|| json!({ "kind": self.target_kind, "id": self.target_id })),
            "fields": self.fields,
            "request_id": optional(&self.request_id),
            "outcome": self.outcome,
            "hash": to_hex(&self.hash),
        });
        line.to_string()
    }
}

/// Which records to read. Every part is optional; together they narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// At or after.
    pub since: Option<Timestamp>,
    /// Before.
    pub until: Option<Timestamp>,
    /// Done by this actor id (a member's or client's user id, a system job's name).
    pub actor_id: Option<String>,
    pub action: Option<String>,
}

/// Records of `chain` that match `filter`, in order, after `after_seq`, at most `limit`.
pub async fn records(
    db: &Db,
    chain: Chain,
    filter: &Filter,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Record>, AuditError> {
    read(db, chain, filter, after_seq, limit).await
}

async fn read(
    db: &Db,
    chain: Chain,
    filter: &Filter,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<Record>, AuditError> {
    // One fixed statement; absent filters are bound as NULL.
    let sql = "SELECT seq, at, actor_kind, actor_id, action, target_kind, target_id, fields, \
         request_id, outcome, hash FROM audit_records WHERE chain = $1 \
         AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3) \
         AND ($4 IS NULL OR actor_id = $4) AND ($5 IS NULL OR action = $5) \
         AND seq > $6 ORDER BY seq LIMIT $7";
    let rows = sqlx::query(sql)
        .bind(chain.name())
        .bind(filter.since.map(Timestamp::as_unix_micros))
        .bind(filter.until.map(Timestamp::as_unix_micros))
        .bind(filter.actor_id.clone())
        .bind(filter.action.clone())
        .bind(after_seq)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            let fields: String = row.try_get(7)?;
            Ok(Record {
                chain,
                seq: row.try_get(0)?,
                at: Timestamp::from_unix_micros(row.try_get(1)?),
                actor_kind: row.try_get(2)?,
                actor_id: row.try_get(3)?,
                action: row.try_get(4)?,
                target_kind: row.try_get(5)?,
                target_id: row.try_get(6)?,
                fields: fields
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
                request_id: row.try_get(8)?,
                outcome: row.try_get(9)?,
                hash: row.try_get(10)?,
            })
        })
        .collect()
}
