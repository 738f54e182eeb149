//! What is waiting for staff, counted without reading a record: new leads and orders to
//! accept, each within the reader's access (the numbers a workspace's navigation shows).

use leadvault_store::sqlx;
use leadvault_store::{Db, OrgId, TenantScope};

use crate::access::LeadAccess;
use crate::error::IntakeError;
use crate::order_access::OrderAccess;
use crate::order_status::OrderStatus;
use crate::pipeline::NEW;

/// New leads within `access`.
pub async fn new_leads(db: &Db, org: OrgId, access: &LeadAccess) -> Result<i64, IntakeError> {
    let reach = access.condition("l", 3);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM leads l WHERE l.org_id = $1 AND l.status = $2{}",
        reach.sql
    )))
    .bind(org.to_string())
    .bind(NEW);
    let count: i64 = reach
        .binds
        .into_iter()
        .fold(query, |query, value| query.bind(value))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(count)
}

/// Work orders received and not yet accepted, within `access`.
pub async fn orders_to_accept(
    db: &Db,
    org: OrgId,
    access: &OrderAccess,
) -> Result<i64, IntakeError> {
    let reach = access.condition("o", 3);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM work_orders o WHERE o.org_id = $1 AND o.status = $2{}",
        reach.sql
    )))
    .bind(org.to_string())
    .bind(OrderStatus::Received.name());
    let count: i64 = reach
        .binds
        .into_iter()
        .fold(query, |query, value| query.bind(value))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(count)
}
