//! Re-authentication before a change to what protects an account (its second factor, its
//! e-mail address): the password again, and a code when the person has a second factor. A
//! stolen session alone cannot lock its owner out.

use std::fmt;

use leadvault_audit::Acting;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, TenantScope};

use crate::actions::AccountAction;
use crate::credentials::Credentials;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::Password;
use crate::role::Role;
use crate::second_factor::{has_second_factor, verify_second_factor};
use crate::trail::record_refusal;

/// What a person types to prove, again, that they are who the session says.
pub struct Proof<'a> {
    pub password: Password,
    /// A TOTP or recovery code; empty for a person without a second factor.
    pub code: &'a str,
}

impl fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Proof(<redacted>)")
    }
}

pub async fn reauthenticate(
    credentials: Credentials<'_>,
    user: UserId,
    proof: Proof<'_>,
    acting: &Acting,
) -> Result<(), AccountsError> {
    let Credentials {
        db,
        hasher,
        keyring,
    } = credentials;
    let (by, now) = (&acting.by, acting.now);
    let Proof { password, code } = proof;
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AccountsError::UnknownMember)?
        .try_get(0)?;
    if !hasher.verify(password, stored).await? {
        let event = by.event(AccountAction::ReauthPassword);
        record_refusal(db, user, by, event, now).await?;
        return Err(AccountsError::WrongPassword);
    }
    if has_second_factor(db, user).await? {
        if code.trim().is_empty() {
            return Err(AccountsError::SecondFactorRequired);
        }
        verify_second_factor(db, keyring, user, code, acting).await?;
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
