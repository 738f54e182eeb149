//! The hash chain: the canonical encoding of a record, appending in the caller's transaction,
//! and verification.
//!
//! Encoding, version 1 (documented in `docs/SECURITY.md` so it can be checked independently):
//! the bytes `leadvault-audit-v1`, then each of these as a 4-byte big-endian length and its
//! UTF-8 bytes: chain, seq (decimal), at (microseconds since the Unix epoch, decimal),
//! actor kind, actor id, action, target kind, target id, field names (sorted, comma-joined),
//! request id, outcome, and the previous record's hash in lower-case hex (64 zeros for the
//! first). A record's hash is the SHA-256 of that encoding.

use leadvault_crypto::to_hex;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, Done, Statement, StoreError, Timestamp, Turn, Tx};

use crate::error::AuditError;
use crate::record::{Chain, Event};

const DOMAIN: &[u8] = b"leadvault-audit-v1";
const GENESIS: [u8; 32] = [0; 32];

/// A record as stored: the encoded parts, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    chain: String,
    seq: i64,
    at: i64,
    actor_kind: String,
    actor_id: String,
    action: String,
    target_kind: String,
    target_id: String,
    fields: String,
    request_id: String,
    outcome: String,
}

fn hash_of(record: &Stored, prev: &[u8]) -> Vec<u8> {
    let parts: [&str; 12] = [
        &record.chain,
        &record.seq.to_string(),
        &record.at.to_string(),
        &record.actor_kind,
        &record.actor_id,
        &record.action,
        &record.target_kind,
        &record.target_id,
        &record.fields,
        &record.request_id,
        &record.outcome,
        &to_hex(prev),
    ];
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(DOMAIN);
    for part in parts {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        ctx.update(&len.to_be_bytes());
        ctx.update(part.as_bytes());
    }
    ctx.finish().as_ref().to_vec()
}

/// Where a record landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: i64,
    pub hash: Vec<u8>,
}

/// Appends `event` to `chain` inside the caller's transaction: if the transaction does not
/// commit, neither does the record, and an operation whose record cannot be written fails
/// with it. Appends to one chain are serialized by the lock on its head row. Two round
/// trips, the claim and the record; a caller with other statements to send folds them into
/// those through [`Claiming`] and [`Claim::record`].
pub async fn append(
    tx: &mut Tx,
    chain: Chain,
    event: &Event,
    now: Timestamp,
) -> Result<Appended, AuditError> {
    let claiming = Claiming::new(chain, 1);
    let mut first = Batch::new();
    let slot = first.push(claiming.statement());
    let claim = claiming.claimed(first.run(tx).await?.take(slot)?)?;
    let mut second = Batch::new();
    let mut appended = claim.record(&mut second, &[event], now)?;
    second.run(tx).await?;
    appended.pop().ok_or(AuditError::Store(StoreError::Batch(
        "an append recorded nothing",
    )))
}

/// The claiming of a chain's next places (as many as an operation may need), to run in a
/// write transaction (its statement in a [`Batch`]): the transaction then holds the head's
/// row lock until it ends, and a concurrent append to the same chain waits for it.
#[derive(Debug, Clone, Copy)]
pub struct Claiming {
    chain: Chain,
    count: i64,
}

/// Places claimed on a chain: the records of the claiming transaction go there, and the
/// places they do not fill are given back (the head's row lock makes that safe).
#[derive(Debug)]
#[must_use = "claimed places are filled, or given back, by Claim::record"]
pub struct Claim {
    chain: String,
    /// The first place's seq.
    first: i64,
    count: i64,
    prev: Vec<u8>,
}

impl Claiming {
    /// Claims `count` places (at least one); fewer may be used.
    pub fn new(chain: Chain, count: u16) -> Self {
        Self {
            chain,
            count: i64::from(count.max(1)),
        }
    }

    /// The statement that moves the head's seq on by `count` and returns the last claimed
    /// seq with the previous record's hash. A chain's first append creates its head.
    pub fn statement(&self) -> Statement {
        Statement::new(
            "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (chain) DO UPDATE SET seq = audit_heads.seq + $2 \
             RETURNING chain, seq, hash",
        )
        .bind(self.chain.name())
        .bind(self.count)
        .bind(GENESIS.to_vec())
    }

    /// The claim, without a statement, when an earlier writer of the same shared
    /// transaction appended to the chain ([`Claim::record_grouped`]) and so knows its head.
    pub fn recall(&self, turn: &Turn<'_>) -> Option<Claim> {
        let known = turn.recall(&memo_key(&self.chain.name()))?;
        let (seq, hash) = known.split_at_checked(8)?;
        let seq = i64::from_be_bytes(seq.try_into().ok()?);
        Some(Claim {
            chain: self.chain.name(),
            first: seq + 1,
            count: self.count,
            prev: hash.to_vec(),
        })
    }

    /// The claim, from what [`Claiming::statement`] returned.
    pub fn claimed(self, done: Done) -> Result<Claim, AuditError> {
        let [head] = <[_; 1]>::try_from(done.rows)
            .map_err(|_| StoreError::Batch("claiming a chain's head returned no single row"))?;
        let chain: String = head.try_get(0)?;
        let last: i64 = head.try_get(1)?;
        if chain != self.chain.name() {
            return Err(StoreError::Batch("a claim answered for another chain").into());
        }
        Ok(Claim {
            chain,
            first: last - self.count + 1,
            count: self.count,
            prev: head.try_get(2)?,
        })
    }
}

impl Claim {
    /// Adds to `batch` the statements that write `events`, in order, in the claimed places
    /// and move the chain's head to the last of them, giving back the places left over.
    /// They exist once the batch has run in the claim's transaction and that transaction
    /// commits. There may not be more events than places.
    pub fn record(
        self,
        batch: &mut Batch,
        events: &[&Event],
        now: Timestamp,
    ) -> Result<Vec<Appended>, AuditError> {
        let used = i64::try_from(events.len()).unwrap_or(i64::MAX);
        if used > self.count {
            return Err(StoreError::Batch("more events than places claimed").into());
        }
        let mut prev = self.prev;
        let mut appended = Vec::with_capacity(events.len());
        for (seq, event) in (self.first..).zip(events) {
            let record = stored(&self.chain, seq, event, now);
            let hash = hash_of(&record, &prev);
            batch.push(
                Statement::new(
                    "INSERT INTO audit_records (chain, seq, at, actor_kind, actor_id, action, \
                     target_kind, target_id, fields, request_id, outcome, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(record.chain)
                .bind(record.seq)
                .bind(record.at)
                .bind(record.actor_kind)
                .bind(record.actor_id)
                .bind(record.action)
                .bind(record.target_kind)
                .bind(record.target_id)
                .bind(record.fields)
                .bind(record.request_id)
                .bind(record.outcome)
                .bind(prev)
                .bind(hash.clone()),
            );
            prev = hash.clone();
            appended.push(Appended { seq, hash });
        }
        batch.push(
            Statement::new("UPDATE audit_heads SET seq = $1, hash = $2 WHERE chain = $3")
                .bind(self.first - 1 + used)
                .bind(prev)
                .bind(self.chain),
        );
        Ok(appended)
    }

    /// [`Claim::record`] in a transaction that may be shared, leaving the chain's new head
    /// for the writers after this one in it ([`Claiming::recall`]).
    pub fn record_grouped(
        self,
        turn: &mut Turn<'_>,
        batch: &mut Batch,
        events: &[&Event],
        now: Timestamp,
    ) -> Result<Vec<Appended>, AuditError> {
        let key = memo_key(&self.chain);
        let (before, prev) = (self.first - 1, self.prev.clone());
        let appended = self.record(batch, events, now)?;
        let (seq, hash) = match appended.last() {
            Some(last) => (last.seq, last.hash.clone()),
            None => (before, prev),
        };
        let mut known = seq.to_be_bytes().to_vec();
        known.extend(hash);
        turn.remember(key, known);
        Ok(appended)
    }
}

/// Where a shared transaction keeps a chain's head for its later writers.
fn memo_key(chain: &str) -> String {
    format!("audit head {chain}")
}

/// `event` as the record at `seq` of `chain`.
fn stored(chain: &str, seq: i64, event: &Event, now: Timestamp) -> Stored {
    let (actor_kind, actor_id) = event.actor.parts();
    let (target_kind, target_id) = event
        .target
        .clone()
        .map_or((String::new(), String::new()), |(k, id)| (k.to_owned(), id));
    let mut fields = event.fields.clone();
    fields.sort_unstable();
    fields.dedup();
    Stored {
        chain: chain.to_owned(),
        seq,
        at: now.as_unix_micros(),
        actor_kind: actor_kind.to_owned(),
        actor_id,
        action: event.action.to_owned(),
        target_kind,
        target_id,
        fields: fields.join(","),
        request_id: event
            .request_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        outcome: event.outcome.as_str().to_owned(),
    }
}

/// Appends `event` to `chain` in a transaction of its own: for an event that changes nothing
/// else (a refusal, a look at the log, a read of personal data). A write transaction from
/// the start: on SQLite it takes the write lock at once, rather than failing to upgrade a
/// read lock while another writer commits.
pub async fn append_alone(
    db: &Db,
    chain: Chain,
    event: &Event,
    now: Timestamp,
) -> Result<Appended, AuditError> {
    let mut tx = db.begin_write().await?;
    let appended = append(&mut tx, chain, event, now).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(appended)
}

/// Every chain with records or a head, instance first, then organizations by id.
pub async fn chains(db: &Db) -> Result<Vec<Chain>, AuditError> {
    let rows = sqlx::query(
        "SELECT chain FROM audit_heads UNION SELECT DISTINCT chain FROM audit_records ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await?;
    let mut found: Vec<Chain> = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get(0)?;
        // A name this code could not have written is itself a sign of tampering.
        found.push(Chain::parse(&name).ok_or(AuditError::UnknownChain(name))?);
    }
    found.sort_by_key(|chain| match chain {
        Chain::Instance => (0, String::new()),
        Chain::Org(org) => (1, org.to_string()),
    });
    Ok(found)
}

/// A chain that checked out: how many records, and its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub records: i64,
    pub head: Vec<u8>,
}

/// The first thing wrong with a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("record {expected} is missing (the next one found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("record {seq} was altered: its content does not match its hash")]
    Altered { seq: i64 },
    #[error("record {seq} does not follow record {}: the chain was cut or reordered there", seq - 1)]
    Unlinked { seq: i64 },
    #[error(
        "the chain ends at record {last}, but its head says {head}: records were removed from the end"
    )]
    Truncated { last: i64, head: i64 },
    #[error("the chain's head does not match its last record {last}")]
    HeadMismatch { last: i64 },
}

/// Checks every record of `chain` in order against its hash and its predecessor, and the
/// end against the stored head.
pub async fn verify(db: &Db, chain: Chain) -> Result<Result<Verified, Broken>, AuditError> {
    let name = chain.name();
    let rows = sqlx::query(
        "SELECT seq, at, actor_kind, actor_id, action, target_kind, target_id, fields, \
         request_id, outcome, prev_hash, hash FROM audit_records WHERE chain = $1 ORDER BY seq",
    )
    .bind(&name)
    .fetch_all(db.pool())
    .await?;
    let mut prev = GENESIS.to_vec();
    let mut expected = 1_i64;
    for row in &rows {
        let record = Stored {
            chain: name.clone(),
            seq: row.try_get(0)?,
            at: row.try_get(1)?,
            actor_kind: row.try_get(2)?,
            actor_id: row.try_get(3)?,
            action: row.try_get(4)?,
            target_kind: row.try_get(5)?,
            target_id: row.try_get(6)?,
            fields: row.try_get(7)?,
            request_id: row.try_get(8)?,
            outcome: row.try_get(9)?,
        };
        let stored_prev: Vec<u8> = row.try_get(10)?;
        let stored_hash: Vec<u8> = row.try_get(11)?;
        if record.seq != expected {
            return Ok(Err(Broken::Missing {
                expected,
                found: record.seq,
            }));
        }
        if hash_of(&record, &stored_prev) != stored_hash {
            return Ok(Err(Broken::Altered { seq: record.seq }));
        }
        if stored_prev != prev {
            return Ok(Err(Broken::Unlinked { seq: record.seq }));
        }
        prev = stored_hash;
        expected += 1;
    }
    let last = expected - 1;
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE chain = $1")
        .bind(&name)
        .fetch_optional(db.pool())
        .await?;
    match head {
        None if last == 0 => {}
        None => return Ok(Err(Broken::HeadMismatch { last })),
        Some(head) => {
            let (seq, hash): (i64, Vec<u8>) = (head.try_get(0)?, head.try_get(1)?);
            if seq > last {
                return Ok(Err(Broken::Truncated { last, head: seq }));
            }
            if seq != last || hash != prev {
                return Ok(Err(Broken::HeadMismatch { last }));
            }
        }
    }
    Ok(Ok(Verified {
        records: last,
        head: prev,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Stored {
        Stored {
            chain: "org:x".into(),
            seq: 1,
            at: 5,
            actor_kind: "member".into(),
            actor_id: "u".into(),
            action: "lead.read".into(),
            target_kind: "lead".into(),
            target_id: "l".into(),
            fields: "email,name".into(),
            request_id: String::new(),
            outcome: "allowed".into(),
        }
    }

    #[test]
    fn every_part_and_the_predecessor_change_the_hash() {
        let base = hash_of(&record(), &GENESIS);
        assert_eq!(base.len(), 32);
        let mut other = record();
        other.fields = "email".into();
        assert_ne!(hash_of(&other, &GENESIS), base);
        let mut shifted = record();
        // Moving a byte between parts must not keep the hash (the lengths are encoded).
        shifted.actor_kind = "memberu".into();
        shifted.actor_id = String::new();
        assert_ne!(hash_of(&shifted, &GENESIS), base);
        assert_ne!(hash_of(&record(), &[1; 32]), base);
    }
}
