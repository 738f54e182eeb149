//! The outbox: mail is written here first (encrypted), in the same request that decided to
//! send it, and a worker delivers it. A message is deleted only once the SMTP server has
//! accepted it; until then it is retried with growing pauses, so an SMTP outage delays mail
//! and loses none. Several `serve` processes may deliver at once: each claims a message by
//! moving its due time forward (compare-and-set) before sending it.

use std::time::Duration;

use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref};
use leadvault_keys::{EncryptedColumn, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Statement, Timestamp};
use uuid::Uuid;

use crate::error::MailError;
use crate::message::Mail;
use crate::smtp::SmtpSender;

const TABLE: &str = "outbox";
const FIELD: &str = "sealed";

/// The column of queued messages, for re-encryption after a rotation of the installation key.
pub const OUTBOX_COLUMN: EncryptedColumn = EncryptedColumn {
    table: TABLE,
    id_column: "id",
    column: FIELD,
};

/// How long a worker may take to deliver a message it claimed before another may try.
const LEASE: Duration = Duration::from_secs(5 * 60);
const FIRST_RETRY: Duration = Duration::from_secs(30);
const MAX_RETRY: Duration = Duration::from_secs(60 * 60);

fn with_context<T>(id: &str, f: impl FnOnce(FieldContext<'_>) -> T) -> T {
    OUTBOX_COLUMN.in_context(OrgId::INSTANCE, id, f)
}

/// A message encrypted for the outbox, to be queued inside another operation's transaction
/// ([`enqueue_sealed`]): sealing needs the keyring, which may write a key on first use, so it
/// happens before that transaction begins.
pub struct SealedMail {
    id: Uuid,
    sealed: Vec<u8>,
}

impl std::fmt::Debug for SealedMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedMail({})", self.id)
    }
}

/// Encrypts `mail` under the installation's key, bound to a new outbox id.
pub async fn seal(keyring: &Keyring, mail: &Mail, now: Timestamp) -> Result<SealedMail, MailError> {
    let id = Uuid::new_v4();
    let key = keyring
        .current(OrgId::INSTANCE, KeyPurpose::Field, now)
        .await?;
    let sealed = with_context(&id.to_string(), |ctx| {
        encrypt_field(&key.key, key.key_ref, ctx, &mail.encode())
    })
    .map_err(|_| MailError::Corrupt)?;
    Ok(SealedMail { id, sealed })
}

const INSERT: &str = "INSERT INTO outbox (id, org_id, sealed, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)";

/// Adds to `batch` the queueing of a sealed message, for the caller's transaction: it is
/// sent if, and only if, that transaction commits.
pub fn enqueue_sealed(batch: &mut Batch, mail: &SealedMail, now: Timestamp) -> Uuid {
    batch.push(
        Statement::new(INSERT)
            .bind(mail.id.to_string())
            .bind(OrgId::INSTANCE.to_string())
            .bind(mail.sealed.clone())
            .bind(now.as_unix_micros()),
    );
    mail.id
}

/// Queues `mail`. Returns its id.
pub async fn enqueue(
    db: &Db,
    keyring: &Keyring,
    mail: &Mail,
    now: Timestamp,
) -> Result<Uuid, MailError> {
    let sealed = seal(keyring, mail, now).await?;
    sqlx::query(INSERT)
        .bind(sealed.id.to_string())
        .bind(OrgId::INSTANCE.to_string())
        .bind(sealed.sealed)
        .bind(now.as_unix_micros())
        .execute(db.pool())
        .await?;
    Ok(sealed.id)
}

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub failed: u64,
}

/// Messages waiting, delivered or not yet due.
pub async fn queued(db: &Db) -> Result<i64, MailError> {
    Ok(sqlx::query("SELECT count(*) FROM outbox")
        .fetch_one(db.pool())
        .await?
        .try_get(0)?)
}

fn retry_delay(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    FIRST_RETRY.saturating_mul(1u32 << doublings).min(MAX_RETRY)
}

/// Sends up to `batch` messages that are due at `now`.
pub async fn deliver_due(
    db: &Db,
    keyring: &Keyring,
    sender: &SmtpSender,
    now: Timestamp,
    batch: u32,
) -> Result<Delivery, MailError> {
    let rows = sqlx::query(
        "SELECT id, sealed, attempts, next_attempt_at FROM outbox \
         WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
    )
    .bind(now.as_unix_micros())
    .bind(i64::from(batch))
    .fetch_all(db.pool())
    .await?;
    let mut delivery = Delivery::default();
    for row in rows {
        let id: String = row.try_get(0)?;
        let sealed: Vec<u8> = row.try_get(1)?;
        let attempts: i64 = row.try_get(2)?;
        let due: i64 = row.try_get(3)?;
        let claimed = sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3",
        )
        .bind(now.saturating_add(LEASE).as_unix_micros())
        .bind(&id)
        .bind(due)
        .execute(db.pool())
        .await?
        .rows_affected();
        if claimed != 1 {
            continue; // another worker has it
        }
        let key_ref = field_key_ref(&sealed).map_err(|_| MailError::Corrupt)?;
        let key = keyring.by_ref(OrgId::INSTANCE, key_ref, now).await?;
        let plain = with_context(&id, |ctx| decrypt_field(&key, ctx, &sealed))
            .map_err(|_| MailError::Corrupt)?;
        let mail = Mail::decode(&plain)?;
        match sender.send(&mail).await {
            Ok(()) => {
                sqlx::query("DELETE FROM outbox WHERE id = $1")
                    .bind(&id)
                    .execute(db.pool())
                    .await?;
                delivery.sent += 1;
            }
            Err(e) => {
                let attempts = attempts.saturating_add(1);
                tracing::warn!(message_id = %id, attempts, error = %e, "mail delivery failed; will retry");
                sqlx::query(
                    "UPDATE outbox SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
                )
                .bind(attempts)
                .bind(now.saturating_add(retry_delay(attempts)).as_unix_micros())
                .bind(e.to_string())
                .bind(&id)
                .execute(db.pool())
                .await?;
                delivery.failed += 1;
            }
        }
    }
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_slow_down_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::from_secs(30));
        assert_eq!(retry_delay(2), Duration::from_secs(60));
        assert_eq!(retry_delay(5), Duration::from_secs(480));
        assert_eq!(retry_delay(50), Duration::from_secs(3600));
    }
}
