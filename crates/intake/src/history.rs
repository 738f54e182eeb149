//! A lead's history: what happened to it, in order, by whom. Statuses and ids only, never
//! what the lead says.

use leadvault_audit::Actor;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp, Tx};

use crate::error::IntakeError;
use crate::ids::LeadId;

/// Appends a line to `lead`'s history inside the caller's transaction: `kind` is
/// `created`, `status` or `assigned`, `detail` the new status or the assignee's user id.
pub(crate) async fn record_event(
    tx: &mut Tx,
    org: OrgId,
    lead: LeadId,
    actor: Actor,
    kind: &str,
    detail: &str,
    now: Timestamp,
) -> Result<(), IntakeError> {
    let (actor_kind, actor_id) = actor.parts();
    sqlx::query(
        "INSERT INTO lead_events (lead_id, org_id, at, actor_kind, actor_id, kind, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(lead.to_string())
    .bind(org.to_string())
    .bind(now.as_unix_micros())
    .bind(actor_kind)
    .bind(actor_id)
    .bind(kind)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One line of a lead's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadEvent {
    pub at: Timestamp,
    /// `member`, `anonymous`, `system`.
    pub actor_kind: String,
    pub actor_id: String,
    /// `created`, `status`, `assigned`.
    pub kind: String,
    /// The new status, or the assignee's user id.
    pub detail: String,
}

/// A lead's history, oldest first (no personal data: statuses and ids).
pub async fn lead_history(
    db: &Db,
    org: OrgId,
    lead: LeadId,
) -> Result<Vec<LeadEvent>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT at, actor_kind, actor_id, kind, detail FROM lead_events \
         WHERE lead_id = $1 AND org_id = $2 ORDER BY at",
    )
    .bind(lead.to_string())
    .bind(org.to_string())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            Ok(LeadEvent {
                at: Timestamp::from_unix_micros(row.try_get(0)?),
                actor_kind: row.try_get(1)?,
                actor_id: row.try_get(2)?,
                kind: row.try_get(3)?,
                detail: row.try_get(4)?,
            })
        })
        .collect()
}
