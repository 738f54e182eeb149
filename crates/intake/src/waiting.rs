//! What is waiting for staff, counted without reading a record, each within the reader's
//! access: new leads and orders to accept (the numbers a workspace's navigation shows), and
//! a member's desk on the home page: leads nobody has been given, leads nobody has
//! contacted (and of those, the ones past the organization's target), follow-ups due, and
//! leads per status. Counted only so far ([`Tally`]): the frame is on every page.

use leadvault_store::sqlx::{self, Row as _};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};

use crate::access::{Condition, LeadAccess};
use crate::contact_target::ContactTarget;
use crate::error::IntakeError;
use crate::order_access::OrderAccess;
use crate::order_status::OrderStatus;
use crate::pipeline::NEW;
use crate::tally::{CAP, Tally, capped};

/// New leads within `access`.
pub async fn new_leads(db: &Db, org: OrgId, access: &LeadAccess) -> Result<Tally, IntakeError> {
    let reach = access.condition("l", 3);
    count(db, org, "leads l", "l.status = $2", NEW, reach).await
}

/// Work orders received and not yet accepted, within `access`.
pub async fn orders_to_accept(
    db: &Db,
    org: OrgId,
    access: &OrderAccess,
) -> Result<Tally, IntakeError> {
    let received = OrderStatus::Received.name();
    let reach = access.condition("o", 3);
    count(db, org, "work_orders o", "o.status = $2", received, reach).await
}

/// What needs doing among a member's leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desk {
    /// New leads nobody has been given.
    pub unassigned: Tally,
    /// New leads nobody has contacted yet.
    pub awaiting_contact: Tally,
    /// Of those, the ones past the organization's target (none: no target is set).
    pub past_target: Option<Tally>,
    /// Leads whose follow-up date has come.
    pub follow_ups_due: Tally,
}

/// The desk of a member with `access` at `now`, `target` being the organization's.
pub async fn desk(
    db: &Db,
    org: OrgId,
    access: &LeadAccess,
    target: Option<ContactTarget>,
    now: Timestamp,
) -> Result<Desk, IntakeError> {
    let unassigned = count(
        db,
        org,
        "leads l",
        "l.status = $2 AND l.assigned_to IS NULL",
        NEW,
        access.condition("l", 3),
    )
    .await?;
    let awaiting_contact = count(
        db,
        org,
        "leads l",
        "l.status = $2 AND l.first_contact_at IS NULL",
        NEW,
        access.condition("l", 3),
    )
    .await?;
    let follow_ups_due = follow_ups_due(db, org, access, now).await?;
    let past_target = match target {
        None => None,
        Some(target) => {
            let reach = access.condition("l", 4);
            let mut tx = db.begin_in(TenantScope::Org(org)).await?;
            let query = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT l.created_at FROM leads l WHERE l.org_id = $1 AND l.status = $2 \
                 AND l.first_contact_at IS NULL{} ORDER BY l.created_at LIMIT $3",
                reach.sql
            )))
            .bind(org.to_string())
            .bind(NEW)
            .bind(CAP + 1);
            let rows = reach.bind_to(query).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            // Oldest first, and a later arrival is never due sooner: those past the target
            // are the first ones, so counting within the first `CAP + 1` is exact so far.
            let mut past = 0;
            for row in &rows {
                if target.due(Timestamp::from_unix_micros(row.try_get(0)?)) <= now {
                    past += 1;
                }
            }
            Some(Tally::of(past))
        }
    };
    Ok(Desk {
        unassigned,
        awaiting_contact,
        past_target,
        follow_ups_due,
    })
}

/// Leads within `access` whose follow-up date has come by `now`.
pub async fn follow_ups_due(
    db: &Db,
    org: OrgId,
    access: &LeadAccess,
    now: Timestamp,
) -> Result<Tally, IntakeError> {
    let reach = access.condition("l", 3);
    count(
        db,
        org,
        "leads l",
        "l.follow_up_at <= $2",
        now.as_unix_micros(),
        reach,
    )
    .await
}

/// Leads within `access` per status (by stored name), in name order.
pub async fn leads_by_status(
    db: &Db,
    org: OrgId,
    access: &LeadAccess,
) -> Result<Vec<(String, i64)>, IntakeError> {
    let reach = access.condition("l", 2);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.status, COUNT(*) FROM leads l WHERE l.org_id = $1{} \
         GROUP BY l.status ORDER BY l.status",
        reach.sql
    )))
    .bind(org.to_string());
    let rows = reach.bind_to(query).fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// The rows of `table` (ours, with its alias) of `org` meeting `condition` (ours, with one
/// parameter, `$2`, bound to `value`) that `reach` allows, counted up to the cap.
async fn count(
    db: &Db,
    org: OrgId,
    table: &'static str,
    condition: &'static str,
    value: impl Into<CountValue>,
    reach: Condition,
) -> Result<Tally, IntakeError> {
    let alias = table.rsplit(' ').next().unwrap_or(table);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let query = sqlx::query_scalar(sqlx::AssertSqlSafe(capped(&format!(
        "SELECT 1 FROM {table} WHERE {alias}.org_id = $1 AND {condition}{}",
        reach.sql
    ))))
    .bind(org.to_string());
    let query = match value.into() {
        CountValue::Text(text) => query.bind(text),
        CountValue::Int(n) => query.bind(n),
    };
    let count: i64 = reach
        .binds
        .into_iter()
        .fold(query, |query, value| query.bind(value))
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Tally::of(count))
}

/// The one value a count's condition compares with.
enum CountValue {
    Text(String),
    Int(i64),
}

impl From<&str> for CountValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<i64> for CountValue {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}
