//! What is waiting for staff, counted without reading a record: new leads and orders to
//! accept, each within the reader's access (the numbers a workspace's navigation shows).

use leadvault_store::sqlx;
use leadvault_store::{Db, OrgId, TenantScope};

use crate::access::{Condition, LeadAccess};
use crate::error::IntakeError;
use crate::order_access::OrderAccess;
use crate::order_status::OrderStatus;
use crate::pipeline::NEW;

/// New leads within `access`.
pub async fn new_leads(db: &Db, org: OrgId, access: &LeadAccess) -> Result<i64, IntakeError> {
    in_status(db, org, "leads l", NEW, access.condition("l", 3)).await
}

/// Work orders received and not yet accepted, within `access`.
pub async fn orders_to_accept(
    db: &Db,
    org: OrgId,
    access: &OrderAccess,
) -> Result<i64, IntakeError> {
    let received = OrderStatus::Received.name();
    in_status(db, org, "work_orders o", received, access.condition("o", 3)).await
}

/// The rows of `table` (ours, with its alias) of `org` in `status` that `reach` allows.
async fn in_status(
    db: &Db,
    org: OrgId,
    table: &'static str,
    status: &str,
    reach: Condition,
) -> Result<i64, IntakeError> {
    let alias = table.rsplit(' ').next().unwrap_or(table);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {table} WHERE {alias}.org_id = $1 AND {alias}.status = $2{}",
        reach.sql
    )))
    .bind(org.to_string())
    .bind(status.to_owned());
    let count: i64 = reach
        .binds
        .into_iter()
        .fold(query, |query, value| query.bind(value))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(count)
}
