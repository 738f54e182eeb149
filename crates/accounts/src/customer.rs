//! Clients of an organization (legal-support customers), who sign in to the client portal
//! and see only their own work orders. They hold no role and reach none of the staff pages.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp, Tx};

use crate::error::AccountsError;
use crate::ids::UserId;

/// A signed-in client, and of which organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub user_id: UserId,
    pub org_id: OrgId,
    /// Shown to the person themself; never logged.
    pub email: String,
    pub org_name: String,
}

/// `user` as a client of `org`, if they are one.
pub async fn find_customer(
    db: &Db,
    user: UserId,
    org: OrgId,
) -> Result<Option<Customer>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT u.email, o.name FROM customers c \
         JOIN users u ON u.id = c.user_id JOIN organizations o ON o.id = c.org_id \
         WHERE c.user_id = $1 AND c.org_id = $2",
    )
    .bind(user.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Customer {
        user_id: user,
        org_id: org,
        email: row.try_get(0)?,
        org_name: row.try_get(1)?,
    }))
}

/// The clients of `org` (id and e-mail), by e-mail: whom staff filter work orders by.
pub async fn list_customers(db: &Db, org: OrgId) -> Result<Vec<(UserId, String)>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let rows = sqlx::query(
        "SELECT c.user_id, u.email FROM customers c JOIN users u ON u.id = c.user_id \
         WHERE c.org_id = $1 ORDER BY u.email",
    )
    .bind(org.to_string())
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter()
        .map(|row| {
            let id = UserId::parse(&row.try_get::<String, _>(0)?)
                .ok_or(AccountsError::Corrupt("a user id"))?;
            Ok((id, row.try_get(1)?))
        })
        .collect()
}

/// Makes `user` a client of `org`, inside the caller's transaction (scoped to `org`).
pub(crate) async fn insert_customer(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let inserted =
        sqlx::query("INSERT INTO customers (org_id, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(now.as_unix_micros())
            .execute(&mut **tx)
            .await
            .map_err(leadvault_store::StoreError::from);
    match inserted {
        Err(e) if e.is_unique_violation() => Err(AccountsError::AlreadyMember),
        other => other.map(drop).map_err(Into::into),
    }
}

/// The organization a person without any membership is a client of (their oldest), for
/// sign-in: a lookup across organizations, like the membership one.
pub(crate) async fn first_customer_org(
    tx: &mut Tx,
    user: &str,
) -> Result<Option<OrgId>, AccountsError> {
    let row = sqlx::query(
        "SELECT org_id FROM customers WHERE user_id = $1 ORDER BY created_at, org_id LIMIT 1",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        OrgId::parse(&r.try_get::<String, _>(0)?)
            .ok_or(AccountsError::Corrupt("an organization id"))
    })
    .transpose()
}
