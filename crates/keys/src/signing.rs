//! The audit checkpoint signing key (Ed25519): made on first use, its private half sealed
//! as a field under the installation's own data key ([`OrgId::INSTANCE`]), so that the root
//! key in the key provider (the HSM) protects it like every other secret, and rotation
//! re-encrypts it like every other field. Its public half is stored in the clear, for
//! verification by anyone.

use leadvault_audit::{SigningKey, TrustedKey};
use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, Timestamp};
use uuid::Uuid;

use crate::error::KeyError;
use crate::keyring::{KeyPurpose, Keyring};
use crate::reencrypt::EncryptedColumn;

const TABLE: &str = "signing_keys";
const FIELD: &str = "private_key";

/// The column that holds sealed signing keys, for re-encryption after a key rotation.
pub const SIGNING_KEY_COLUMN: EncryptedColumn = EncryptedColumn {
    table: TABLE,
    id_column: "id",
    column: FIELD,
};

fn with_context<T>(id: &str, f: impl FnOnce(FieldContext<'_>) -> T) -> T {
    SIGNING_KEY_COLUMN.in_context(OrgId::INSTANCE, id, f)
}

/// The public halves of every checkpoint key this installation has had. Needs no key
/// provider: anyone with a copy of the database can verify.
pub async fn checkpoint_public_keys(db: &Db) -> Result<Vec<TrustedKey>, KeyError> {
    let rows = sqlx::query("SELECT id, public_key FROM signing_keys ORDER BY created_at, id")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok(TrustedKey {
                id: row.try_get(0)?,
                public_key: row.try_get(1)?,
            })
        })
        .collect()
}

impl Keyring {
    /// The key that signs audit checkpoints, made on first use. Safe when several processes
    /// race to make it: one key wins, and every process uses it.
    pub async fn checkpoint_key(&self, now: Timestamp) -> Result<SigningKey, KeyError> {
        for _ in 0..3 {
            let row = sqlx::query(
                "SELECT id, private_key FROM signing_keys ORDER BY created_at DESC, id LIMIT 1",
            )
            .fetch_optional(self.db().pool())
            .await?;
            if let Some(row) = row {
                let (id, sealed): (String, Vec<u8>) = (row.try_get(0)?, row.try_get(1)?);
                return self.open_signing_key(&id, &sealed, now).await;
            }
            self.create_signing_key(now).await?;
        }
        Err(KeyError::Interrupted)
    }

    async fn open_signing_key(
        &self,
        id: &str,
        sealed: &[u8],
        now: Timestamp,
    ) -> Result<SigningKey, KeyError> {
        let corrupt = || KeyError::UnknownKey(format!("signing key {id} does not open"));
        let key_ref = field_key_ref(sealed).map_err(|_| corrupt())?;
        let key = self.by_ref(OrgId::INSTANCE, key_ref, now).await?;
        let pkcs8 =
            with_context(id, |ctx| decrypt_field(&key, ctx, sealed)).map_err(|_| corrupt())?;
        SigningKey::from_pkcs8(id, &pkcs8).map_err(|_| corrupt())
    }

    async fn create_signing_key(&self, now: Timestamp) -> Result<(), KeyError> {
        let id = Uuid::new_v4().to_string();
        let pkcs8 = SigningKey::generate().map_err(|_| KeyError::Random)?;
        let public = SigningKey::from_pkcs8(&id, &pkcs8)
            .map_err(|_| KeyError::Random)?
            .public_key();
        let key = self
            .current(OrgId::INSTANCE, KeyPurpose::Field, now)
            .await?;
        let sealed = with_context(&id, |ctx| encrypt_field(&key.key, key.key_ref, ctx, &pkcs8))
            .map_err(|_| KeyError::Random)?;
        // Only the first of racing processes makes the key: the others find it there.
        let mut tx = self.db().begin_write().await?;
        let exists: i64 = sqlx::query("SELECT count(*) FROM signing_keys")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if exists == 0 {
            sqlx::query(
                "INSERT INTO signing_keys (id, org_id, purpose, public_key, private_key, created_at) \
                 VALUES ($1, $2, 'audit_checkpoint', $3, $4, $5)",
            )
            .bind(&id)
            .bind(OrgId::INSTANCE.to_string())
            .bind(public)
            .bind(sealed)
            .bind(now.as_unix_micros())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
