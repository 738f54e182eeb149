//! The periodic access review: owners are reminded, at most once every
//! [`REVIEW_EVERY`], of members whose access has gone unused for [`UNUSED_AFTER`], so that
//! access nobody needs is taken away (least privilege over time).
//!
//! "Used" means any allowed action of the member in the organization's audit chain (a
//! sign-in counts: it is recorded in every organization the person belongs to).

use std::collections::HashMap;
use std::time::Duration;

use leadvault_audit::{Acting, Chain};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};

use crate::actions::AccountAction;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::role::Role;
use crate::trail::record;

pub const UNUSED_AFTER: Duration = Duration::from_secs(90 * 24 * 60 * 60);
pub const REVIEW_EVERY: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A member whose access went unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnusedAccess {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// Their last allowed action, if they ever took one.
    pub last_used: Option<Timestamp>,
}

/// What one organization's owners are to be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessReview {
    pub org_id: OrgId,
    pub org_name: String,
    pub owner_emails: Vec<String>,
    pub unused: Vec<UnusedAccess>,
}

/// Every organization whose owners are due a reminder and have something to review.
pub async fn due_access_reviews(
    db: &Db,
    now: Timestamp,
) -> Result<Vec<AccessReview>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let recent = now.saturating_sub(REVIEW_EVERY).as_unix_micros();
    let orgs = sqlx::query(
        "SELECT o.id, o.name FROM organizations o LEFT JOIN access_reviews r ON r.org_id = o.id \
         WHERE r.reminded_at IS NULL OR r.reminded_at <= $1 ORDER BY o.id",
    )
    .bind(recent)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut due = Vec::new();
    for row in &orgs {
        let org_id = OrgId::parse(&row.try_get::<String, _>(0)?)
            .ok_or(AccountsError::Corrupt("an organization id"))?;
        let unused = unused_access(db, org_id, now).await?;
        if unused.is_empty() {
            continue;
        }
        due.push(AccessReview {
            org_id,
            org_name: row.try_get(1)?,
            owner_emails: owner_emails(db, org_id).await?,
            unused,
        });
    }
    Ok(due)
}

/// Members of `org` who joined before the review window and took no allowed action in it.
pub async fn unused_access(
    db: &Db,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<UnusedAccess>, AccountsError> {
    let cutoff = now.saturating_sub(UNUSED_AFTER).as_unix_micros();
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let members = sqlx::query(
        "SELECT m.user_id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.created_at <= $2 ORDER BY u.email",
    )
    .bind(org.to_string())
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    // Who acted within the window, in one pass over the organization's chain.
    let recent = sqlx::query(
        "SELECT actor_id, max(at) FROM audit_records WHERE chain = $1 AND actor_kind = 'member' \
         AND outcome = 'allowed' GROUP BY actor_id",
    )
    .bind(Chain::of(org).name())
    .fetch_all(db.pool())
    .await?;
    let mut last_used: HashMap<String, i64> = HashMap::with_capacity(recent.len());
    for row in &recent {
        last_used.insert(row.try_get(0)?, row.try_get(1)?);
    }
    let mut unused = Vec::new();
    for row in &members {
        let user: String = row.try_get(0)?;
        let last = last_used.get(&user).copied();
        if last.is_some_and(|at| at > cutoff) {
            continue;
        }
        unused.push(UnusedAccess {
            user_id: UserId::parse(&user).ok_or(AccountsError::Corrupt("a user id"))?,
            email: row.try_get(1)?,
            role: row
                .try_get::<String, _>(2)?
                .parse()
                .map_err(|_| AccountsError::Corrupt("a role"))?,
            last_used: last.map(Timestamp::from_unix_micros),
        });
    }
    Ok(unused)
}

async fn owner_emails(db: &Db, org: OrgId) -> Result<Vec<String>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.org_id = $1 AND m.role = $2 ORDER BY u.email",
    )
    .bind(org.to_string())
    .bind(Role::Owner.as_str())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| r.try_get(0).map_err(Into::into))
        .collect()
}

/// Notes that `org`'s owners were reminded now of `unused` (their e-mail is queued), and
/// records, for each member named, that the owners were told.
pub async fn mark_reminded(
    db: &Db,
    acting: &Acting,
    unused: &[UnusedAccess],
) -> Result<(), AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    sqlx::query(
        "INSERT INTO access_reviews (org_id, reminded_at) VALUES ($1, $2) \
         ON CONFLICT (org_id) DO UPDATE SET reminded_at = excluded.reminded_at",
    )
    .bind(org.to_string())
    .bind(now.as_unix_micros())
    .execute(&mut *tx)
    .await?;
    for member in unused {
        let event = by
            .event(AccountAction::AccessReviewReminded)
            .on("user", member.user_id);
        record(&mut tx, org, &event, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
