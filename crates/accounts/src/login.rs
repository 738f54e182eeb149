//! Checking an e-mail address and password, and deciding how far that gets someone.
//!
//! Every refusal looks the same and takes as long: an unknown address, a malformed one, a
//! person with no organization and a wrong password all cost one Argon2 verification and
//! answer `None`. Which one it was is never told to the client.

use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope};

use crate::customer::first_customer_org;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::{Password, PasswordHasher};
use crate::reauth::second_factor_required;
use crate::second_factor::has_second_factor;
use crate::session::SessionStage;

/// A person whose password was right, and where their session starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordAccepted {
    pub user_id: UserId,
    /// The organization the session opens in: the person's oldest membership.
    pub org_id: OrgId,
    pub stage: SessionStage,
}

/// What failed sign-ins are counted under: a hash of the address as typed, trimmed and
/// lower-cased, so that the count exists whether or not the account does and no address is
/// held in memory.
pub fn sign_in_key(typed_email: &str) -> [u8; 32] {
    let normalized = typed_email.trim().to_lowercase();
    let digest = ring::digest::digest(&ring::digest::SHA256, normalized.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(digest.as_ref());
    key
}

/// Checks a password. `email` is the text as typed.
pub async fn check_password(
    db: &Db,
    hasher: &PasswordHasher,
    email: &str,
    password: Password,
) -> Result<Option<PasswordAccepted>, AccountsError> {
    let Ok(email) = Email::parse(email) else {
        return hasher.verify_nobody(password).await.map(|_| None);
    };
    let Some(row) = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
    else {
        return hasher.verify_nobody(password).await.map(|_| None);
    };
    let user_text: String = row.try_get(0)?;
    let user_id = UserId::parse(&user_text).ok_or(AccountsError::Corrupt("a user id"))?;
    if !hasher.verify(password, row.try_get(1)?).await? {
        return Ok(None);
    }

    // A person's memberships, in whichever organizations: the one lookup sign-in makes
    // across organizations.
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let memberships = sqlx::query(
        "SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id",
    )
    .bind(&user_text)
    .fetch_all(&mut *tx)
    .await?;
    let Some(first) = memberships.first() else {
        // Not staff anywhere: perhaps a client of some organization (the client portal).
        let customer_of = first_customer_org(&mut tx, &user_text).await?;
        tx.commit().await?;
        let Some(org_id) = customer_of else {
            // Removed from every organization: nothing to sign in to.
            return Ok(None);
        };
        let stage = if has_second_factor(db, user_id).await? {
            SessionStage::SecondFactor
        } else {
            SessionStage::Full
        };
        return Ok(Some(PasswordAccepted {
            user_id,
            org_id,
            stage,
        }));
    };
    tx.commit().await?;
    let org_id = OrgId::parse(&first.try_get::<String, _>(0)?)
        .ok_or(AccountsError::Corrupt("an organization id"))?;
    let needs_second_factor = second_factor_required(db, user_id).await?;

    let enrolled = has_second_factor(db, user_id).await?;
    let stage = match (enrolled, needs_second_factor) {
        (true, _) => SessionStage::SecondFactor,
        (false, true) => SessionStage::Enrol,
        (false, false) => SessionStage::Full,
    };
    Ok(Some(PasswordAccepted {
        user_id,
        org_id,
        stage,
    }))
}

/// A person's e-mail address (the account name an authenticator app shows), whatever
/// organizations they belong to.
pub async fn user_email(db: &Db, user: UserId) -> Result<Option<String>, AccountsError> {
    let row = sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
}
