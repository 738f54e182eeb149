//! The status page behind a tracking code: where the request stands, never what it said.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, TenantScope, Timestamp};

use crate::error::IntakeError;
use crate::pipeline::Pipeline;
use crate::tracking::TrackingCode;

/// What `/track` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedStatus {
    pub org_name: String,
    pub status: String,
    /// The state as the organization names it.
    pub label: String,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The status of the lead a code belongs to, if any. The lookup crosses organizations (the
/// code is what names the organization) and reads no personal data.
pub async fn track(db: &Db, code: &TrackingCode) -> Result<Option<TrackedStatus>, IntakeError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let row = sqlx::query(
        "SELECT o.name, l.status, l.created_at, l.updated_at, p.label FROM leads l \
         JOIN organizations o ON o.id = l.org_id \
         LEFT JOIN pipeline_states p ON p.org_id = l.org_id AND p.name = l.status \
         WHERE l.tracking_hash = $1",
    )
    .bind(code.hash())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.map(|row| {
        let status: String = row.try_get(1)?;
        let label = match row.try_get::<Option<String>, _>(4)? {
            Some(label) => label,
            None => Pipeline::default_label(&status),
        };
        Ok(TrackedStatus {
            org_name: row.try_get(0)?,
            status,
            label,
            submitted_at: Timestamp::from_unix_micros(row.try_get(2)?),
            updated_at: Timestamp::from_unix_micros(row.try_get(3)?),
        })
    })
    .transpose()
}
