//! A person as a member of one organization: what a signed-in request acts as.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId};

use crate::error::AccountsError;
use crate::ids::UserId;
use crate::role::Role;

/// Who is signed in, where, and in which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub role: Role,
    /// Shown to the person themself ("signed in as …"); never logged.
    pub email: String,
    pub org_name: String,
}

/// The membership of `user` in `org`, if it still exists.
pub async fn find_member(
    db: &Db,
    user: UserId,
    org: OrgId,
) -> Result<Option<Member>, AccountsError> {
    let row = sqlx::query(
        "SELECT m.role, u.email, o.name FROM memberships m \
         JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND m.org_id = $2",
    )
    .bind(user.to_string())
    .bind(org.to_string())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Member {
        user_id: user,
        org_id: org,
        role: row
            .try_get::<String, _>(0)?
            .parse()
            .map_err(|_| AccountsError::Corrupt("a role"))?,
        email: row.try_get(1)?,
        org_name: row.try_get(2)?,
    }))
}
