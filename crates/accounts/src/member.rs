//! People as members of one organization: who is signed in as what, and the management of
//! members (list, change role and scope, remove). Every change to what a member may do ends
//! all of that person's sessions, so the change takes effect at once.

use std::collections::{BTreeSet, HashMap};

use leadvault_audit::Acting;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Batch, Db, OrgId, Outcomes, Slot, Statement, TenantScope, Timestamp, Tx};

use crate::actions::AccountAction;
use crate::error::AccountsError;
use crate::ids::{SiteId, UserId};
use crate::policy::Scope;
use crate::role::Role;
use crate::session::end_all_sessions_in;
use crate::trail::record;

/// Who is signed in, where, in which role and over which sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub role: Role,
    pub scope: Scope,
    /// Shown to the person themself and to those who manage members; never logged.
    pub email: String,
    pub org_name: String,
}

/// The membership of `user` in `org`, if it still exists.
pub async fn find_member(
    db: &Db,
    user: UserId,
    org: OrgId,
) -> Result<Option<Member>, AccountsError> {
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let row = sqlx::query(
        "SELECT m.role, m.scope, u.email, o.name FROM memberships m \
         JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND m.org_id = $2",
    )
    .bind(user.to_string())
    .bind(org.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let scope = load_scope(&mut tx, org, user, &row.try_get::<String, _>(1)?).await?;
    tx.commit().await?;
    Ok(Some(Member {
        user_id: user,
        org_id: org,
        role: parse_role(&row.try_get::<String, _>(0)?)?,
        scope,
        email: row.try_get(2)?,
        org_name: row.try_get(3)?,
    }))
}

fn parse_role(text: &str) -> Result<Role, AccountsError> {
    text.parse().map_err(|_| AccountsError::Corrupt("a role"))
}

async fn load_scope(
    conn: &mut sqlx::AnyConnection,
    org: OrgId,
    user: UserId,
    kind: &str,
) -> Result<Scope, AccountsError> {
    match kind {
        "organization" => Ok(Scope::Organization),
        "sites" => {
            let rows = sqlx::query(
                "SELECT site_id FROM membership_sites WHERE org_id = $1 AND user_id = $2",
            )
            .bind(org.to_string())
            .bind(user.to_string())
            .fetch_all(&mut *conn)
            .await?;
            let sites = rows
                .iter()
                .map(|row| {
                    SiteId::parse(&row.try_get::<String, _>(0)?)
                        .ok_or(AccountsError::Corrupt("a site id"))
                })
                .collect::<Result<BTreeSet<_>, _>>()?;
            Ok(Scope::Sites(sites))
        }
        _ => Err(AccountsError::Corrupt("a membership scope")),
    }
}

/// A role with the scope it applies to; owners and admins always reach the whole
/// organization, so a site list for them is refused rather than ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    role: Role,
    scope: Scope,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("owners and admins always reach the whole organization; choose no sites for them")]
pub struct GrantError;

impl Grant {
    pub fn new(role: Role, scope: Scope) -> Result<Self, GrantError> {
        if matches!(scope, Scope::Sites(_)) && !role.may_be_scoped_to_sites() {
            return Err(GrantError);
        }
        Ok(Self { role, scope })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// Writes the grant of `user` in `org`, inside the caller's transaction (scoped to `org`).
/// The sites must
/// belong to `org`; any that do not are refused as unknown.
pub(crate) async fn write_grant(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    grant: &Grant,
) -> Result<(), AccountsError> {
    sqlx::query("UPDATE memberships SET role = $1, scope = $2 WHERE org_id = $3 AND user_id = $4")
        .bind(grant.role.as_str())
        .bind(grant.scope.kind())
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM membership_sites WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    if let Scope::Sites(sites) = &grant.scope {
        for site in sites {
            let inserted = sqlx::query(
                "INSERT INTO membership_sites (org_id, user_id, site_id) \
                 SELECT $1, $2, id FROM sites WHERE id = $3 AND org_id = $1",
            )
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(site.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if inserted != 1 {
                return Err(AccountsError::UnknownSite);
            }
        }
    }
    Ok(())
}

/// One row of the members page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSummary {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    pub scope: Scope,
    pub since: Timestamp,
}

pub async fn list_members(db: &Db, org: OrgId) -> Result<Vec<MemberSummary>, AccountsError> {
    let mut batch = Batch::new();
    let members = MembersRead::push(&mut batch, org);
    let mut outcomes = db.read_batch_in(TenantScope::Org(org), batch).await?;
    members.take(&mut outcomes)
}

/// The statements that read an organization's members with the sites each one reaches, in
/// one batch (one round trip, however many members are limited to sites): on every public
/// submission (rules and notifications).
#[derive(Debug)]
pub(crate) struct MembersRead {
    members: Slot,
    sites: Slot,
}

impl MembersRead {
    pub(crate) fn push(batch: &mut Batch, org: OrgId) -> Self {
        Self {
            members: batch.push(
                Statement::new(
                    "SELECT m.user_id, u.email, m.role, m.scope, m.created_at FROM memberships m \
                     JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.email",
                )
                .bind(org.to_string()),
            ),
            sites: batch.push(
                Statement::new("SELECT user_id, site_id FROM membership_sites WHERE org_id = $1")
                    .bind(org.to_string()),
            ),
        }
    }

    pub(crate) fn take(self, outcomes: &mut Outcomes) -> Result<Vec<MemberSummary>, AccountsError> {
        let mut reach: HashMap<String, BTreeSet<SiteId>> = HashMap::new();
        for row in outcomes.take(self.sites)?.rows {
            let site = SiteId::parse(&row.try_get::<String, _>(1)?)
                .ok_or(AccountsError::Corrupt("a site id"))?;
            reach.entry(row.try_get(0)?).or_default().insert(site);
        }
        let rows = outcomes.take(self.members)?.rows;
        let mut members = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get(0)?;
            let user = UserId::parse(&id).ok_or(AccountsError::Corrupt("a user id"))?;
            let scope = match row.try_get::<String, _>(3)?.as_str() {
                "organization" => Scope::Organization,
                "sites" => Scope::Sites(reach.remove(&id).unwrap_or_default()),
                _ => return Err(AccountsError::Corrupt("a membership scope")),
            };
            members.push(MemberSummary {
                user_id: user,
                email: row.try_get(1)?,
                role: parse_role(&row.try_get::<String, _>(2)?)?,
                scope,
                since: Timestamp::from_unix_micros(row.try_get(4)?),
            });
        }
        Ok(members)
    }
}

/// Owners left in `org` after the change in this transaction; an organization must keep one.
async fn owners(tx: &mut Tx, org: OrgId) -> Result<i64, AccountsError> {
    Ok(
        sqlx::query("SELECT count(*) FROM memberships WHERE org_id = $1 AND role = $2")
            .bind(org.to_string())
            .bind(Role::Owner.as_str())
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?,
    )
}

/// Changes a member's role and scope, and signs them out everywhere.
pub async fn change_grant(
    db: &Db,
    acting: &Acting,
    user: UserId,
    grant: &Grant,
) -> Result<(), AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_write_in(TenantScope::Org(org)).await?;
    let exists = sqlx::query("SELECT count(*) FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?
        == 1;
    if !exists {
        return Err(AccountsError::UnknownMember);
    }
    write_grant(&mut tx, org, user, grant).await?;
    if owners(&mut tx, org).await? == 0 {
        return Err(AccountsError::LastOwner);
    }
    end_all_sessions_in(&mut *tx, user).await?;
    let event = by
        .event(AccountAction::MemberGrantChanged)
        .on("user", user)
        .touching(&["role", "scope", "sessions"]);
    record(&mut tx, org, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member from `org` and signs them out everywhere. The person's account stays
/// (they may belong to other organizations).
pub async fn remove_member(db: &Db, acting: &Acting, user: UserId) -> Result<(), AccountsError> {
    let (org, by, now) = (acting.org, &acting.by, acting.now);
    let mut tx = db.begin_in(TenantScope::Org(org)).await?;
    let removed = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed != 1 {
        return Err(AccountsError::UnknownMember);
    }
    if owners(&mut tx, org).await? == 0 {
        return Err(AccountsError::LastOwner);
    }
    end_all_sessions_in(&mut *tx, user).await?;
    let event = by
        .event(AccountAction::MemberRemoved)
        .on("user", user)
        .touching(&["role", "scope", "sessions"]);
    record(&mut tx, org, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_admins_cannot_be_narrowed_to_sites() {
        let some = Scope::Sites(BTreeSet::new());
        assert_eq!(Grant::new(Role::Owner, some.clone()), Err(GrantError));
        assert_eq!(Grant::new(Role::Admin, some.clone()), Err(GrantError));
        assert!(Grant::new(Role::Intake, some).is_ok());
        assert!(Grant::new(Role::Admin, Scope::Organization).is_ok());
    }
}
