//! Changing one's password: the current password must be typed again (re-authentication),
//! and every other session of the person ends with the change, so a thief's session does
//! not outlive the victim's new password.

use leadvault_audit::Acting;
use leadvault_store::sqlx::{self, Row};

use crate::actions::AccountAction;
use crate::credentials::Credentials;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::Password;
use crate::session::{SessionStage, SessionToken, advance_session};
use crate::trail::{record_about, record_refusal};

/// A change of password as asked for: the current one (proof) and the new one.
#[derive(Debug)]
pub struct PasswordChange {
    pub current: Password,
    pub new: Password,
}

/// Changes `user`'s password from `current` to `new`, ends their other sessions, and gives
/// the session `keep` a new id. Returns that new session token.
pub async fn change_password(
    credentials: Credentials<'_>,
    user: UserId,
    change: PasswordChange,
    keep: &SessionToken,
    acting: &Acting,
) -> Result<SessionToken, AccountsError> {
    let Credentials { db, hasher, .. } = credentials;
    let (by, now) = (&acting.by, acting.now);
    let PasswordChange { current, new } = change;
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AccountsError::UnknownMember)?
        .try_get(0)?;
    if !hasher.verify(current, stored.clone()).await? {
        let event = by.event(AccountAction::PasswordChanged);
        record_refusal(db, user, by, event, now).await?;
        return Err(AccountsError::WrongPassword);
    }
    let fresh_hash = hasher.hash(new).await?;

    let mut tx = db.begin().await?;
    // Compare-and-set on the old hash: of two concurrent changes, the second fails rather
    // than silently undoing the first.
    let changed =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
            .bind(&fresh_hash)
            .bind(user.to_string())
            .bind(&stored)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed != 1 {
        return Err(AccountsError::WrongPassword);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user.to_string())
        .bind(keep.hash_bytes())
        .execute(&mut *tx)
        .await?;
    let event = by
        .event(AccountAction::PasswordChanged)
        .touching(&["password", "sessions"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    advance_session(db, keep, SessionStage::Full, now)
        .await?
        .ok_or(AccountsError::UnknownMember)
}
