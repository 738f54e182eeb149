//! Signed checkpoints: the head of each chain at a moment, signed with an Ed25519 key.
//!
//! The hash chain alone shows an altered, removed or reordered record, but someone with
//! write access to the database could cut the tail and rewind the head to match, or rebuild
//! the whole chain. A checkpoint copied outside the database (a file, a syslog server)
//! defeats both: the chain must still contain the checkpointed record with the
//! checkpointed hash, and only the installation's key could have signed it.
//!
//! Signed message, version 1: the bytes `leadvault-audit-checkpoint-v1`, then each of chain,
//! seq (decimal), head hash (lower-case hex), at (microseconds since the Unix epoch,
//! decimal) and key id, as a 4-byte big-endian length and its UTF-8 bytes.

use std::fmt;

use leadvault_crypto::{from_hex, to_hex};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::chain::chains;
use crate::error::AuditError;
use crate::record::Chain;

const DOMAIN: &[u8] = b"leadvault-audit-checkpoint-v1";

/// The installation's checkpoint signing key. Made, sealed and kept by the keyring; this
/// type only signs.
pub struct SigningKey {
    id: String,
    pair: Ed25519KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, <private>)", self.id)
    }
}

impl SigningKey {
    /// A new key, as the PKCS#8 document to seal and store.
    pub fn generate() -> Result<Zeroizing<Vec<u8>>, AuditError> {
        let rng = ring::rand::SystemRandom::new();
        let document = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| AuditError::Signing)?;
        Ok(Zeroizing::new(document.as_ref().to_vec()))
    }

    /// The key stored as `pkcs8` under `id`.
    pub fn from_pkcs8(id: &str, pkcs8: &[u8]) -> Result<Self, AuditError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| AuditError::Signing)?;
        Ok(Self {
            id: id.to_owned(),
            pair,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

/// A public key that checkpoints may be signed with: one of the installation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub id: String,
    pub public_key: Vec<u8>,
}

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub chain: Chain,
    pub seq: i64,
    pub hash: Vec<u8>,
    pub at: Timestamp,
    pub key_id: String,
    pub public_key: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A checkpoint as one line of JSON, the form it leaves the database in.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    chain: String,
    seq: i64,
    hash: String,
    at: String,
    at_micros: i64,
    key_id: String,
    public_key: String,
    signature: String,
}

const LINE_KIND: &str = "leadvault.audit.checkpoint";

fn message(chain: Chain, seq: i64, hash: &[u8], at: Timestamp, key_id: &str) -> Vec<u8> {
    let parts = [
        chain.name(),
        seq.to_string(),
        to_hex(hash),
        at.as_unix_micros().to_string(),
        key_id.to_owned(),
    ];
    let mut out = DOMAIN.to_vec();
    for part in &parts {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

impl Checkpoint {
    fn sign(key: &SigningKey, chain: Chain, seq: i64, hash: Vec<u8>, at: Timestamp) -> Self {
        let signature = key
            .pair
            .sign(&message(chain, seq, &hash, at, &key.id))
            .as_ref()
            .to_vec();
        Self {
            chain,
            seq,
            hash,
            at,
            key_id: key.id.clone(),
            public_key: key.public_key(),
            signature,
        }
    }

    /// Whether the signature is good for the key the checkpoint names.
    pub fn signature_is_valid(&self) -> bool {
        let message = message(self.chain, self.seq, &self.hash, self.at, &self.key_id);
        UnparsedPublicKey::new(&ED25519, &self.public_key)
            .verify(&message, &self.signature)
            .is_ok()
    }

    /// The checkpoint as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        let line = Line {
            kind: LINE_KIND.to_owned(),
            chain: self.chain.name(),
            seq: self.seq,
            hash: to_hex(&self.hash),
            at: self.at.rfc3339(),
            at_micros: self.at.as_unix_micros(),
            key_id: self.key_id.clone(),
            public_key: to_hex(&self.public_key),
            signature: to_hex(&self.signature),
        };
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Reads a line written by [`Checkpoint::to_line`]; `None` for anything else.
    pub fn from_line(text: &str) -> Option<Self> {
        let line: Line = serde_json::from_str(text.trim()).ok()?;
        if line.kind != LINE_KIND {
            return None;
        }
        Some(Self {
            chain: Chain::parse(&line.chain)?,
            seq: line.seq,
            hash: from_hex(&line.hash)?,
            at: Timestamp::from_unix_micros(line.at_micros),
            key_id: line.key_id,
            public_key: from_hex(&line.public_key)?,
            signature: from_hex(&line.signature)?,
        })
    }
}

/// Signs the head of every chain that has moved since its last checkpoint, and stores the
/// checkpoints. Returns the new ones, to be copied outside the database.
pub async fn sign_heads(
    db: &Db,
    key: &SigningKey,
    now: Timestamp,
) -> Result<Vec<Checkpoint>, AuditError> {
    let mut made = Vec::new();
    for chain in chains(db).await? {
        let name = chain.name();
        let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE chain = $1")
            .bind(&name)
            .fetch_optional(db.pool())
            .await?;
        let Some(head) = head else { continue };
        let (seq, hash): (i64, Vec<u8>) = (head.try_get(0)?, head.try_get(1)?);
        let last: Option<i64> =
            sqlx::query("SELECT max(seq) FROM audit_checkpoints WHERE chain = $1")
                .bind(&name)
                .fetch_one(db.pool())
                .await?
                .try_get(0)?;
        if seq == 0 || last.is_some_and(|last| last >= seq) {
            continue;
        }
        let checkpoint = Checkpoint::sign(key, chain, seq, hash, now);
        let inserted = sqlx::query(
            "INSERT INTO audit_checkpoints (chain, seq, hash, at, key_id, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain, seq) DO NOTHING",
        )
        .bind(&name)
        .bind(checkpoint.seq)
        .bind(checkpoint.hash.clone())
        .bind(checkpoint.at.as_unix_micros())
        .bind(&checkpoint.key_id)
        .bind(checkpoint.public_key.clone())
        .bind(checkpoint.signature.clone())
        .execute(db.pool())
        .await?
        .rows_affected();
        // Another process signed this head meanwhile: theirs is the one on record.
        if inserted == 1 {
            made.push(checkpoint);
        }
    }
    Ok(made)
}

/// The checkpoints stored in the database for `chain`, oldest first.
pub async fn stored_checkpoints(db: &Db, chain: Chain) -> Result<Vec<Checkpoint>, AuditError> {
    let rows = sqlx::query(
        "SELECT seq, hash, at, key_id, public_key, signature FROM audit_checkpoints \
         WHERE chain = $1 ORDER BY seq",
    )
    .bind(chain.name())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Checkpoint {
                chain,
                seq: row.try_get(0)?,
                hash: row.try_get(1)?,
                at: Timestamp::from_unix_micros(row.try_get(2)?),
                key_id: row.try_get(3)?,
                public_key: row.try_get(4)?,
                signature: row.try_get(5)?,
            })
        })
        .collect()
}

/// What is wrong between a checkpoint and the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointProblem {
    #[error(
        "the checkpoint of record {seq} is signed by key {key_id}, which is not one of this installation's keys"
    )]
    UnknownKey { seq: i64, key_id: String },
    #[error("the checkpoint of record {seq} has a bad signature: it was forged or altered")]
    BadSignature { seq: i64 },
    #[error(
        "record {seq} was checkpointed, but the chain ends at record {last}: records were removed from the end"
    )]
    Truncated { seq: i64, last: i64 },
    #[error(
        "record {seq} does not match its signed checkpoint: the chain was rewritten up to there"
    )]
    Rewritten { seq: i64 },
}

/// Checks `checkpoints` of `chain` against the records in the database: each must be signed
/// by one of `trusted`, and the chain must still hold the checkpointed record with the
/// checkpointed hash. Returns every problem found, in order. Run [`crate::verify`] too: it
/// checks the links between the checkpoints.
pub async fn check_checkpoints(
    db: &Db,
    chain: Chain,
    checkpoints: &[Checkpoint],
    trusted: &[TrustedKey],
) -> Result<Vec<CheckpointProblem>, AuditError> {
    let name = chain.name();
    let last: Option<i64> = sqlx::query("SELECT max(seq) FROM audit_records WHERE chain = $1")
        .bind(&name)
        .fetch_one(db.pool())
        .await?
        .try_get(0)?;
    let last = last.unwrap_or(0);
    let mut problems = Vec::new();
    for checkpoint in checkpoints.iter().filter(|c| c.chain == chain) {
        let seq = checkpoint.seq;
        let known = trusted
            .iter()
            .any(|k| k.id == checkpoint.key_id && k.public_key == checkpoint.public_key);
        if !known {
            problems.push(CheckpointProblem::UnknownKey {
                seq,
                key_id: checkpoint.key_id.clone(),
            });
            continue;
        }
        if !checkpoint.signature_is_valid() {
            problems.push(CheckpointProblem::BadSignature { seq });
            continue;
        }
        let stored = sqlx::query("SELECT hash FROM audit_records WHERE chain = $1 AND seq = $2")
            .bind(&name)
            .bind(seq)
            .fetch_optional(db.pool())
            .await?;
        match stored {
            None if seq > last => problems.push(CheckpointProblem::Truncated { seq, last }),
            None => problems.push(CheckpointProblem::Rewritten { seq }),
            Some(row) if row.try_get::<Vec<u8>, _>(0)? != checkpoint.hash => {
                problems.push(CheckpointProblem::Rewritten { seq });
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_pkcs8("k1", &SigningKey::generate().unwrap()).unwrap()
    }

    #[test]
    fn a_checkpoint_survives_its_line_and_any_change_breaks_its_signature() {
        let signer = key();
        let at = Timestamp::from_unix_micros(1_795_446_309_000_123);
        let checkpoint = Checkpoint::sign(&signer, Chain::Instance, 7, vec![9; 32], at);
        assert!(checkpoint.signature_is_valid());
        let line = checkpoint.to_line();
        assert!(!line.contains('\n'));
        assert_eq!(Checkpoint::from_line(&line), Some(checkpoint.clone()));

        let mut moved = checkpoint.clone();
        moved.seq = 6;
        assert!(!moved.signature_is_valid());
        let mut rehashed = checkpoint.clone();
        rehashed.hash[0] ^= 1;
        assert!(!rehashed.signature_is_valid());
        let mut other_key = checkpoint;
        other_key.public_key = key().public_key();
        assert!(!other_key.signature_is_valid());
        assert_eq!(Checkpoint::from_line("{\"type\":\"something else\"}"), None);
    }
}
