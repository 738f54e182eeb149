//! Changing one's e-mail address: asked for after re-authentication, confirmed from a link
//! sent to the new address (so nobody can move an account to a mailbox they do not hold),
//! and then every session ends.

use std::time::Duration;

use leadvault_audit::Acting;
use leadvault_crypto::SecretToken;
use leadvault_store::Db;
use leadvault_store::sqlx::{self, Row};

use crate::actions::AccountAction;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::session::end_all_sessions_in;
use crate::trail::record_about;

pub const EMAIL_CHANGE_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Records a pending change of `user`'s address to `new`; the token goes to `new`.
pub async fn request_email_change(
    db: &Db,
    acting: &Acting,
    user: UserId,
    new: &Email,
) -> Result<SecretToken, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let token = SecretToken::generate()?;
    let mut tx = db.begin().await?;
    // One pending change per person: a newer request replaces an older one.
    sqlx::query("DELETE FROM email_changes WHERE user_id = $1 OR expires_at <= $2")
        .bind(user.to_string())
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_changes (token_hash, user_id, new_email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(user.to_string())
    .bind(new.as_str())
    .bind(now.as_unix_micros())
    .bind(now.saturating_add(EMAIL_CHANGE_LIFETIME).as_unix_micros())
    .execute(&mut *tx)
    .await?;
    let event = by
        .event(AccountAction::EmailChangeRequested)
        .touching(&["email"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    Ok(token)
}

/// What a confirmed change did: whose address, from what, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChanged {
    pub user_id: UserId,
    pub old: String,
    pub new: String,
}

/// Applies the change a live token names, once, and ends every session of the person.
/// `by` is whoever holds the link.
pub async fn confirm_email_change(
    db: &Db,
    acting: &Acting,
    token: &SecretToken,
) -> Result<EmailChanged, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "DELETE FROM email_changes WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING user_id, new_email",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(now.as_unix_micros())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AccountsError::EmailChangeInvalid)?;
    let user_text: String = row.try_get(0)?;
    let new: String = row.try_get(1)?;
    let user = UserId::parse(&user_text).ok_or(AccountsError::Corrupt("a user id"))?;
    let old: String = sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(&user_text)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    let updated = sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(&new)
        .bind(&user_text)
        .execute(&mut *tx)
        .await
        .map_err(leadvault_store::StoreError::from);
    match updated {
        Err(e) if e.is_unique_violation() => return Err(AccountsError::EmailTaken),
        other => other?,
    };
    end_all_sessions_in(&mut *tx, user).await?;
    let event = by
        .event(AccountAction::EmailChanged)
        .touching(&["email", "sessions"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    Ok(EmailChanged {
        user_id: user,
        old,
        new,
    })
}
