//! Re-authentication before a change to what protects an account (its second factor, its
//! e-mail address): the password again, and a code when the person has a second factor. A
//! stolen session alone cannot lock its owner out.

use leadvault_keys::Keyring;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, TenantScope, Timestamp};

use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::{Password, PasswordHasher};
use crate::role::Role;
use crate::second_factor::{has_second_factor, verify_second_factor};

pub async fn reauthenticate(
    db: &Db,
    hasher: &PasswordHasher,
    keyring: &Keyring,
    user: UserId,
    password: Password,
    code: &str,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AccountsError::UnknownMember)?
        .try_get(0)?;
    if !hasher.verify(password, stored).await? {
        return Err(AccountsError::WrongPassword);
    }
    if has_second_factor(db, user).await? {
        if code.trim().is_empty() {
            return Err(AccountsError::SecondFactorRequired);
        }
        verify_second_factor(db, keyring, user, code, now).await?;
    }
    Ok(())
}

/// Whether any of the person's roles, in any organization, requires a second factor.
pub async fn second_factor_required(db: &Db, user: UserId) -> Result<bool, AccountsError> {
    // A person's memberships, across organizations, as at sign-in.
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let roles = sqlx::query("SELECT role FROM memberships WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut required = false;
    for row in &roles {
        let role: Role = row
            .try_get::<String, _>(0)?
            .parse()
            .map_err(|_| AccountsError::Corrupt("a role"))?;
        required |= role.requires_second_factor();
    }
    Ok(required)
}
