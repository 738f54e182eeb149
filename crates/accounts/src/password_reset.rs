//! Password reset by e-mail. A link is made only for an address that has an account, but
//! the caller answers the same either way (and does the work out of the request's sight).
//! Resetting the password does not bypass the second factor: a person who has one must give
//! a code (or a recovery code) along with the new password. A reset ends every session.

use std::time::Duration;

use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, Timestamp};

use crate::actions::AccountAction;
use crate::credentials::Credentials;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::Password;
use crate::second_factor::{has_second_factor, verify_second_factor};
use crate::session::end_all_sessions_in;
use crate::trail::record_about;

pub const RESET_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// A reset link for `email`'s account, or `None` when no account has that address.
/// `by` is whoever asked (anybody can): the request is recorded about the account.
pub async fn request_password_reset(
    db: &Db,
    acting: &Acting,
    email: &Email,
) -> Result<Option<SecretToken>, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let Some(row) = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let user: String = row.try_get(0)?;
    let user_id = UserId::parse(&user).ok_or(AccountsError::Corrupt("a user id"))?;
    let token = SecretToken::generate()?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(&user)
    .bind(now.as_unix_micros())
    .bind(now.saturating_add(RESET_LIFETIME).as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = by.event(AccountAction::PasswordResetRequested);
    record_about(&mut tx, user_id, by, event, now).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Whom a live reset link is for, and whether they must also give a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetView {
    pub user_id: UserId,
    pub needs_second_factor: bool,
}

pub async fn view_password_reset(
    db: &Db,
    token: &SecretToken,
    now: Timestamp,
) -> Result<Option<ResetView>, AccountsError> {
    let row = sqlx::query(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(now.as_unix_micros())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user_id =
        UserId::parse(&row.try_get::<String, _>(0)?).ok_or(AccountsError::Corrupt("a user id"))?;
    Ok(Some(ResetView {
        user_id,
        needs_second_factor: has_second_factor(db, user_id).await?,
    }))
}

/// Sets a new password through a reset link. `code` is required when the person has a
/// second factor. The link is used up, every other reset link of the person too, and every
/// session ends. `by` is whoever holds the link: Leadvault cannot know more.
#[allow(clippy::too_many_arguments)]
pub async fn complete_password_reset(
    credentials: Credentials<'_>,
    token: &SecretToken,
    new: Password,
    code: Option<&str>,
    acting: &Acting,
) -> Result<UserId, AccountsError> {
    let Credentials {
        db,
        hasher,
        keyring,
    } = credentials;
    let (by, now) = (&acting.by, acting.now);
    let view = view_password_reset(db, token, now)
        .await?
        .ok_or(AccountsError::ResetInvalid)?;
    if view.needs_second_factor {
        let code = code
            .filter(|c| !c.trim().is_empty())
            .ok_or(AccountsError::SecondFactorRequired)?;
        verify_second_factor(db, keyring, view.user_id, code, acting).await?;
    }
    let hash = hasher.hash(new).await?;
    let mut tx = db.begin().await?;
    // Deleting the link first makes it single-use even against a racing request.
    let used = sqlx::query("DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2")
        .bind(token.hash().as_bytes().to_vec())
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if used != 1 {
        return Err(AccountsError::ResetInvalid);
    }
    let user = view.user_id.to_string();
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(&user)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(&user)
        .execute(&mut *tx)
        .await?;
    end_all_sessions_in(&mut *tx, view.user_id).await?;
    let event = by
        .event(AccountAction::PasswordReset)
        .touching(&["password", "sessions"]);
    record_about(&mut tx, view.user_id, by, event, now).await?;
    tx.commit().await?;
    Ok(view.user_id)
}
