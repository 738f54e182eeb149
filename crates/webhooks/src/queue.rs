//! Deliveries: queued in the transaction of the event they report (so a webhook goes out if,
//! and only if, what it reports happened), then sent with retries. A body carries the event
//! type, its time and ids and statuses; never what a person wrote.

use std::time::Duration;

use leadvault_keys::Keyring;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Statement, TenantScope, Timestamp};
use serde_json::{Value, json};
use url::Url;

use crate::client::WebhookClient;
use crate::endpoint::secret_of;
use crate::error::WebhookError;

/// Attempts before a delivery is given up (about a day and a half of back-off).
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a sender holds a delivery it is sending, so another process does not send it too.
const LEASE: Duration = Duration::from_secs(60);

/// Adds to `batch` the queueing of `event_type` with `data` for every endpoint of `org`, for
/// the caller's transaction: one statement, whatever the number of endpoints (it sits in
/// every submission's write transaction). A delivery's id is the event's id and the
/// endpoint's.
pub fn enqueue(batch: &mut Batch, org: OrgId, event_type: &str, data: Value, now: Timestamp) {
    let body = json!({"type": event_type, "timestamp": now.rfc3339(), "data": data}).to_string();
    batch.push(
        Statement::new(
            "INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_type, body, \
             attempts, next_attempt_at, created_at) \
             SELECT $1 || '_' || e.id, e.org_id, e.id, $2, $3, 0, $4, $4 \
             FROM webhook_endpoints e WHERE e.org_id = $5",
        )
        .bind(format!("msg_{}", uuid::Uuid::new_v4().simple()))
        .bind(event_type)
        .bind(body)
        .bind(now.as_unix_micros())
        .bind(org.to_string()),
    );
}

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most 6 h.
fn backoff(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    Duration::from_secs(30u64.saturating_mul(1u64 << exponent)).min(Duration::from_secs(6 * 3600))
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: u64,
    pub retried: u64,
    pub given_up: u64,
}

/// Sends up to `batch` deliveries that are due, across organizations.
pub async fn deliver_due(
    db: &Db,
    keyring: &Keyring,
    client: &WebhookClient,
    now: Timestamp,
    batch: i64,
) -> Result<Round, WebhookError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.org_id, d.endpoint_id, d.body, d.attempts, d.next_attempt_at, e.url, e.secret \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1 \
         ORDER BY d.next_attempt_at LIMIT $2",
    )
    .bind(now.as_unix_micros())
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut round = Round::default();
    for row in &rows {
        let id: String = row.try_get(0)?;
        let org = OrgId::parse(&row.try_get::<String, _>(1)?)
            .ok_or(WebhookError::Corrupt("a delivery's organization"))?;
        let endpoint: String = row.try_get(2)?;
        let body: String = row.try_get(3)?;
        let attempts: i64 = row.try_get(4)?;
        let due: i64 = row.try_get(5)?;
        let url: String = row.try_get(6)?;
        let sealed: Vec<u8> = row.try_get(7)?;
        if !claim(db, org, &id, due, now).await? {
            continue;
        }
        let secret = secret_of(keyring, org, &endpoint, &sealed, now).await?;
        let timestamp = now.as_unix_micros() / 1_000_000;
        let headers = [
            ("webhook-id", id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", secret.sign(&id, timestamp, &body)),
        ];
        let result = match Url::parse(&url) {
            Ok(url) => client.post(&url, &headers, body).await,
            Err(_) => Err(crate::client::SendError::Refused(
                "the endpoint's address is not a URL",
            )),
        };
        let outcome = match result {
            Ok(status) if (200..300).contains(&status) => Ok(status),
            Ok(status) => Err(format!("HTTP {status}")),
            Err(e) => Err(e.to_string()),
        };
        let attempts = attempts + 1;
        let mut tx = db.begin_in(TenantScope::Org(org)).await?;
        match outcome {
            Ok(status) => {
                round.delivered += 1;
                sqlx::query(
                    "UPDATE webhook_deliveries SET delivered_at = $1, attempts = $2, last_result = $3 WHERE id = $4",
                )
                .bind(now.as_unix_micros())
                .bind(attempts)
                .bind(format!("HTTP {status}"))
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
            Err(problem) if attempts >= MAX_ATTEMPTS => {
                round.given_up += 1;
                tracing::warn!(delivery = %id, %problem, "webhook given up");
                sqlx::query(
                    "UPDATE webhook_deliveries SET failed_at = $1, attempts = $2, last_result = $3 WHERE id = $4",
                )
                .bind(now.as_unix_micros())
                .bind(attempts)
                .bind(problem)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
            Err(problem) => {
                round.retried += 1;
                let next = now.saturating_add(backoff(attempts - 1));
                sqlx::query(
                    "UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = $2, last_result = $3 WHERE id = $4",
                )
                .bind(next.as_unix_micros())
                .bind(attempts)
                .bind(problem)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(round)
}

/// Takes a delivery for sending: moves its next attempt past the lease, if nobody else did.
async fn claim(
    db: &Db,
    org: OrgId,
    id: &str,
    due: i64,
    now: Timestamp,
) -> Result<bool, WebhookError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let claimed = sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND next_attempt_at = $3",
    )
    .bind(now.saturating_add(LEASE).as_unix_micros())
    .bind(id)
    .bind(due)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(claimed == 1)
}

/// A delivery as shown to the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryView {
    pub id: String,
    pub event_type: String,
    pub attempts: i64,
    /// `delivered`, `failed` or `waiting`.
    pub state: &'static str,
    pub last_result: Option<String>,
    pub created_at: Timestamp,
}

/// The organization's latest deliveries, newest first.
pub async fn recent_deliveries(
    db: &Db,
    org: OrgId,
    limit: i64,
) -> Result<Vec<DeliveryView>, WebhookError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT id, event_type, attempts, delivered_at, failed_at, last_result, created_at \
         FROM webhook_deliveries WHERE org_id = $1 ORDER BY created_at DESC LIMIT $2",
    )
    .bind(org.to_string())
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            let state = if row.try_get::<Option<i64>, _>(3)?.is_some() {
                "delivered"
            } else if row.try_get::<Option<i64>, _>(4)?.is_some() {
                "failed"
            } else {
                "waiting"
            };
            Ok(DeliveryView {
                id: row.try_get(0)?,
                event_type: row.try_get(1)?,
                attempts: row.try_get(2)?,
                state,
                last_result: row.try_get(5)?,
                created_at: Timestamp::from_unix_micros(row.try_get(6)?),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_six_hours() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(240));
        assert_eq!(backoff(19), Duration::from_secs(6 * 3600));
    }
}
