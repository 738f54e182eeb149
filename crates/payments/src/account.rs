//! An organization's own Stripe account: connected by an owner (or any member with billing)
//! with a secret key and the webhook endpoint's signing secret, both sealed under the
//! organization's field key and never shown again. Only whether the key is a test key is
//! kept in the clear, for the "test mode" badge. Every change is audited in its transaction.

use leadvault_audit::{Acting, Chain, append};
use leadvault_crypto::{decrypt_field, encrypt_field, field_key_ref};
use leadvault_keys::{EncryptedColumn, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};

use crate::actions::PaymentAction;
use crate::error::PaymentError;
use crate::secrets::{Mode, SecretKey, SigningSecret};
use crate::stripe::Stripe;

/// The sealed secret keys, for re-encryption after a key rotation.
pub const KEY_COLUMN: EncryptedColumn = EncryptedColumn {
    table: "stripe_accounts",
    id_column: "org_id",
    column: "secret_key",
};

/// The sealed signing secrets.
pub const SIGNING_SECRET_COLUMN: EncryptedColumn = EncryptedColumn {
    table: "stripe_signing_secrets",
    id_column: "id",
    column: "secret",
};

/// How long a replaced signing secret is still accepted: Stripe keeps signing with the old
/// one for up to a day after it is rolled, and events already on their way carry it.
pub const ROTATION_GRACE_MICROS: i64 = 24 * 3600 * 1_000_000;

/// What the settings page shows of a connection (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeAccount {
    pub mode: Mode,
    pub connected_at: Timestamp,
    /// Signing secrets accepted now (two during a rotation).
    pub signing_secrets: usize,
}

/// What an owner typed to connect, or to change one part of a connection.
#[derive(Debug)]
pub struct Connect {
    /// Required for the first connection; later, a new key replaces the old.
    pub key: Option<SecretKey>,
    /// Required for the first connection; later, a new one is added and the old retires
    /// after [`ROTATION_GRACE_MICROS`].
    pub signing_secret: Option<SigningSecret>,
}

fn seal(
    key: &leadvault_keys::DataKey,
    org: OrgId,
    column: EncryptedColumn,
    record: &str,
    plain: &str,
) -> Result<Vec<u8>, PaymentError> {
    column
        .in_context(org, record, |context| {
            encrypt_field(&key.key, key.key_ref, context, plain.as_bytes())
        })
        .map_err(|_| PaymentError::Corrupt("a Stripe secret could not be encrypted"))
}

async fn open(
    keyring: &Keyring,
    org: OrgId,
    column: EncryptedColumn,
    record: &str,
    sealed: &[u8],
    now: Timestamp,
) -> Result<zeroize::Zeroizing<String>, PaymentError> {
    let corrupt = || PaymentError::Corrupt("a Stripe secret");
    let key_ref = field_key_ref(sealed).map_err(|_| corrupt())?;
    let key = keyring.by_ref(org, key_ref, now).await?;
    let plain = zeroize::Zeroizing::new(
        column
            .in_context(org, record, |context| decrypt_field(&key, context, sealed))
            .map_err(|_| corrupt())?,
    );
    String::from_utf8(plain.to_vec())
        .map(zeroize::Zeroizing::new)
        .map_err(|_| corrupt())
}

/// Connects (or changes) the organization's Stripe account. A new key is tried against
/// Stripe first: a key Stripe refuses, or a Stripe that cannot be reached, saves nothing.
pub async fn connect_stripe(
    db: &Db,
    keyring: &Keyring,
    stripe: &Stripe,
    acting: &Acting,
    connect: Connect,
) -> Result<StripeAccount, PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let existing = stripe_account(db, org, now).await?;
    if existing.is_none() && (connect.key.is_none() || connect.signing_secret.is_none()) {
        return Err(PaymentError::Invalid(
            "to connect Stripe, give both the secret key and the webhook signing secret".into(),
        ));
    }
    if connect.key.is_none() && connect.signing_secret.is_none() {
        return Err(PaymentError::Invalid("nothing to change".into()));
    }
    if let Some(key) = &connect.key {
        stripe.check_key(key).await?;
    }
    let field_key = keyring.current(org, KeyPurpose::Field, now).await?;
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let mut touched = Vec::new();
    if let Some(key) = &connect.key {
        let sealed = seal(&field_key, org, KEY_COLUMN, &org.to_string(), key.expose())?;
        sqlx::query(
            "INSERT INTO stripe_accounts (org_id, secret_key, mode, connected_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id) DO UPDATE SET secret_key = $2, mode = $3, connected_at = $4",
        )
        .bind(org.to_string())
        .bind(sealed)
        .bind(key.mode().name())
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
        touched.push("secret_key");
    }
    if let Some(secret) = &connect.signing_secret {
        sqlx::query(
            "UPDATE stripe_signing_secrets SET retires_at = $1 WHERE org_id = $2 AND retires_at IS NULL",
        )
        .bind(now.as_unix_micros().saturating_add(ROTATION_GRACE_MICROS))
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
        let id = format!("whs_{}", uuid::Uuid::new_v4().simple());
        let sealed = seal(&field_key, org, SIGNING_SECRET_COLUMN, &id, secret.expose())?;
        sqlx::query(
            "INSERT INTO stripe_signing_secrets (id, org_id, secret, added_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(org.to_string())
        .bind(sealed)
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
        touched.push("signing_secret");
    }
    let event = by
        .event(PaymentAction::StripeConnected)
        .on("stripe_account", org)
        .touching(&touched);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    stripe_account(db, org, now)
        .await?
        .ok_or(PaymentError::Corrupt("a Stripe account just connected"))
}

/// Forgets the organization's Stripe key and signing secrets. Payments already made stay
/// recorded; new ones cannot start until Stripe is connected again.
pub async fn disconnect_stripe(db: &Db, acting: &Acting) -> Result<(), PaymentError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let removed = sqlx::query("DELETE FROM stripe_accounts WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM stripe_signing_secrets WHERE org_id = $1")
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    if removed == 0 {
        return Err(PaymentError::NotConnected);
    }
    let event = by
        .event(PaymentAction::StripeDisconnected)
        .on("stripe_account", org)
        .touching(&["secret_key", "signing_secret"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The organization's connection, if any, as shown.
pub async fn stripe_account(
    db: &Db,
    org: OrgId,
    now: Timestamp,
) -> Result<Option<StripeAccount>, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query("SELECT mode, connected_at FROM stripe_accounts WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    let secrets: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stripe_signing_secrets WHERE org_id = $1 AND (retires_at IS NULL OR retires_at > $2)",
    )
    .bind(org.to_string())
    .bind(now.as_unix_micros())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(StripeAccount {
        mode: Mode::parse(&row.try_get::<String, _>(0)?)
            .ok_or(PaymentError::Corrupt("a Stripe account's mode"))?,
        connected_at: Timestamp::from_unix_micros(row.try_get(1)?),
        signing_secrets: usize::try_from(secrets).unwrap_or(0),
    }))
}

/// The organization's Stripe key, opened; [`PaymentError::NotConnected`] when it has none
/// (or is no organization at all).
pub(crate) async fn secret_key(
    db: &Db,
    keyring: &Keyring,
    org: OrgId,
    now: Timestamp,
) -> Result<SecretKey, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT secret_key FROM stripe_accounts WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    let sealed = sealed.ok_or(PaymentError::NotConnected)?;
    let key = open(keyring, org, KEY_COLUMN, &org.to_string(), &sealed, now).await?;
    SecretKey::parse(&key).map_err(|_| PaymentError::Corrupt("a Stripe key"))
}

/// The signing secrets accepted now (none for an organization without Stripe, so that
/// nothing it is sent verifies): all a webhook is checked with, before the key is opened.
pub(crate) async fn signing_secrets(
    db: &Db,
    keyring: &Keyring,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<SigningSecret>, PaymentError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT id, secret FROM stripe_signing_secrets WHERE org_id = $1 \
         AND (retires_at IS NULL OR retires_at > $2) ORDER BY added_at DESC",
    )
    .bind(org.to_string())
    .bind(now.as_unix_micros())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut secrets = Vec::new();
    for row in rows {
        let id: String = row.try_get(0)?;
        let sealed: Vec<u8> = row.try_get(1)?;
        let secret = open(keyring, org, SIGNING_SECRET_COLUMN, &id, &sealed, now).await?;
        secrets.push(
            SigningSecret::parse(&secret)
                .map_err(|_| PaymentError::Corrupt("a Stripe signing secret"))?,
        );
    }
    Ok(secrets)
}
