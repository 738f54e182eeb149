//! An organization's webhook endpoints: added by owners and admins (the signing secret shown
//! to them once, kept encrypted), listed, removed; every change audited in its transaction.

use leadvault_audit::{Acting, Chain, append};
use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref};
use leadvault_keys::{EncryptedColumn, KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};
use url::Url;

use crate::actions::WebhookAction;
use crate::error::WebhookError;
use crate::signature::SigningSecret;

const TABLE: &str = "webhook_endpoints";

/// The column of endpoint secrets, for re-encryption after a key rotation.
pub const SECRET_COLUMN: EncryptedColumn = EncryptedColumn {
    table: TABLE,
    id_column: "id",
    column: "secret",
};

/// The most endpoints an organization may have.
const MAX_ENDPOINTS: i64 = 10;

/// An endpoint as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub created_at: Timestamp,
}

fn context<T>(org: OrgId, id: &str, f: impl FnOnce(FieldContext<'_>) -> T) -> T {
    SECRET_COLUMN.in_context(org, id, f)
}

/// Adds an endpoint at `url` (already accepted by the client's rules), audited; its new
/// secret, to show once.
pub async fn add_endpoint(
    db: &Db,
    keyring: &Keyring,
    acting: &Acting,
    url: &Url,
) -> Result<(String, SigningSecret), WebhookError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    // The key first: making an organization's first data key writes, and SQLite has one
    // writer at a time.
    let key = keyring.current(org, KeyPurpose::Field, now).await?;
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(WebhookError::Invalid(format!(
            "an organization has at most {MAX_ENDPOINTS} endpoints"
        )));
    }
    let id = format!("ep_{}", uuid::Uuid::new_v4().simple());
    let secret = SigningSecret::generate()?;
    let sealed = context(org, &id, |ctx| {
        encrypt_field(&key.key, key.key_ref, ctx, secret.expose())
    })
    .map_err(|_| WebhookError::Corrupt("a webhook secret could not be encrypted"))?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, org_id, url, secret, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(org.to_string())
    .bind(url.as_str())
    .bind(sealed)
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = by
        .event(WebhookAction::WebhookEndpointAdded)
        .on("webhook_endpoint", &id)
        .touching(&["url", "secret"]);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Removes an endpoint and what was still waiting for it, audited; another organization's
/// or none is [`WebhookError::UnknownEndpoint`].
pub async fn remove_endpoint(db: &Db, acting: &Acting, id: &str) -> Result<(), WebhookError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND org_id = $2")
        .bind(id)
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Err(WebhookError::UnknownEndpoint);
    }
    let event = by
        .event(WebhookAction::WebhookEndpointRemoved)
        .on("webhook_endpoint", id);
    append(&mut tx, Chain::of(org), &event, now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_endpoints(db: &Db, org: OrgId) -> Result<Vec<Endpoint>, WebhookError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT id, url, created_at FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at",
    )
    .bind(org.to_string())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(Endpoint {
                id: row.try_get(0)?,
                url: row.try_get(1)?,
                created_at: Timestamp::from_unix_micros(row.try_get(2)?),
            })
        })
        .collect()
}

/// The secret of an endpoint, decrypted to sign with.
pub(crate) async fn secret_of(
    keyring: &Keyring,
    org: OrgId,
    id: &str,
    sealed: &[u8],
    now: Timestamp,
) -> Result<SigningSecret, WebhookError> {
    let corrupt = || WebhookError::Corrupt("a webhook secret");
    let key_ref = field_key_ref(sealed).map_err(|_| corrupt())?;
    let key = keyring.by_ref(org, key_ref, now).await?;
    let plain = context(org, id, |ctx| decrypt_field(&key, ctx, sealed)).map_err(|_| corrupt())?;
    Ok(SigningSecret::from_bytes(&plain))
}
