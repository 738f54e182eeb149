//! Creating an organization together with its first owner.

use leadvault_audit::{Acting, By};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, TenantScope, Timestamp, Tx, set_tenant_scope};

use crate::actions::AccountAction;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::org_name::OrgName;
use crate::password::{Password, PasswordHasher};
use crate::role::Role;
use crate::trail::record;
use leadvault_store::OrgId;

/// Everything needed to found an organization.
#[derive(Debug)]
pub struct NewOwner {
    pub org_name: OrgName,
    pub email: Email,
    pub password: Password,
}

/// A [`NewOwner`] whose password has been hashed: ready to insert. Hashing is slow, so it
/// happens before any transaction begins and holds no lock meanwhile.
pub(crate) struct HashedOwner {
    org_name: OrgName,
    email: Email,
    password_hash: String,
}

impl NewOwner {
    pub(crate) async fn hashed(
        self,
        hasher: &PasswordHasher,
    ) -> Result<HashedOwner, AccountsError> {
        Ok(HashedOwner {
            password_hash: hasher.hash(self.password).await?,
            org_name: self.org_name,
            email: self.email,
        })
    }
}

/// The organization and person that were created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub org_id: OrgId,
    pub user_id: UserId,
}

/// Whether any organization has an owner yet; until one does, first-run setup is open.
pub async fn owner_exists(db: &Db) -> Result<bool, AccountsError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let count = owner_count(&mut *tx).await?;
    tx.commit().await?;
    Ok(count > 0)
}

pub(crate) async fn owner_count<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
) -> Result<i64, AccountsError> {
    let row = sqlx::query("SELECT count(*) FROM memberships WHERE role = $1")
        .bind(Role::Owner.as_str())
        .fetch_one(executor)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Creates an organization and its owner, for the operator's command line. Any open setup
/// links stop working, because an owner now exists.
pub async fn create_owner(
    db: &Db,
    acting: &Acting,
    hasher: &PasswordHasher,
    new: NewOwner,
) -> Result<Owner, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let new = new.hashed(hasher).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM setup_tokens")
        .execute(&mut *tx)
        .await?;
    let owner = insert_owner(&mut tx, &new, by, now).await?;
    tx.commit().await?;
    Ok(owner)
}

/// Inserts organization, user and owner membership inside the caller's transaction, which
/// from here on is scoped to the new organization.
pub(crate) async fn insert_owner(
    tx: &mut Tx,
    new: &HashedOwner,
    by: &By,
    now: Timestamp,
) -> Result<Owner, AccountsError> {
    let HashedOwner {
        org_name,
        email,
        password_hash,
    } = new;
    let owner = Owner {
        org_id: OrgId::random(),
        user_id: UserId::random(),
    };
    set_tenant_scope(tx, TenantScope::Org(owner.org_id)).await?;
    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(owner.org_id.to_string())
        .bind(org_name.as_str())
        .bind(now.as_unix_micros())
        .execute(&mut **tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(owner.user_id.to_string())
    .bind(email.as_str())
    .bind(password_hash)
    .bind(now.as_unix_micros())
    .execute(&mut **tx)
    .await
    .map_err(leadvault_store::StoreError::from);
    match inserted {
        Err(e) if e.is_unique_violation() => return Err(AccountsError::EmailTaken),
        other => other?,
    };
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(owner.org_id.to_string())
    .bind(owner.user_id.to_string())
    .bind(Role::Owner.as_str())
    .bind(now.as_unix_micros())
    .execute(&mut **tx)
    .await?;
    let event = by
        .event(AccountAction::OrganizationCreated)
        .on("organization", owner.org_id)
        .touching(&["name", "owner"]);
    record(tx, owner.org_id, &event, now).await?;
    Ok(owner)
}
