//! First-run setup: while no owner exists, a one-time link lets whoever holds it found the
//! first organization. Several `serve` processes may each print a link; using any one of
//! them closes all of them.

use leadvault_audit::Acting;
use std::time::Duration;

use leadvault_crypto::SecretToken;
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, TenantScope, Timestamp};

use crate::error::AccountsError;
use crate::owner::{NewOwner, Owner, insert_owner, owner_count};
use crate::password::PasswordHasher;

pub const SETUP_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Issues a new setup link token. Only its hash is stored.
pub async fn issue_setup_token(db: &Db, now: Timestamp) -> Result<SecretToken, AccountsError> {
    let token = SecretToken::generate()?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM setup_tokens WHERE expires_at <= $1")
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(now.as_unix_micros())
    .bind(now.saturating_add(SETUP_TOKEN_LIFETIME).as_unix_micros())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Whether setup is still open (no owner exists) and this token would be accepted now: the
/// one question the setup pages ask before showing or accepting the form.
pub async fn setup_is_open(
    db: &Db,
    token: &SecretToken,
    now: Timestamp,
) -> Result<bool, AccountsError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let owners = owner_count(&mut *tx).await?;
    tx.commit().await?;
    Ok(owners == 0 && setup_token_is_valid(db, token, now).await?)
}

/// Whether the token would be accepted now (to decide whether to show the setup form).
pub async fn setup_token_is_valid(
    db: &Db,
    token: &SecretToken,
    now: Timestamp,
) -> Result<bool, AccountsError> {
    let row =
        sqlx::query("SELECT count(*) FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
            .bind(token.hash().as_bytes().to_vec())
            .bind(now.as_unix_micros())
            .fetch_one(db.pool())
            .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Founds the first organization with the holder of a valid setup token as its owner, and
/// closes every setup link. Of two concurrent attempts, exactly one succeeds.
pub async fn complete_setup(
    db: &Db,
    hasher: &PasswordHasher,
    token: &SecretToken,
    new: NewOwner,
    acting: &Acting,
) -> Result<Owner, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let new = new.hashed(hasher).await?;

    // Whether any organization has an owner is a question across organizations.
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    // Deleting every token both closes all links and serializes concurrent attempts: the
    // second one waits for the first to commit, then finds its own token already gone.
    let deleted = sqlx::query("DELETE FROM setup_tokens RETURNING token_hash, expires_at")
        .fetch_all(&mut *tx)
        .await?;
    let ours = deleted.iter().any(|row| {
        let hash: Result<Vec<u8>, _> = row.try_get(0);
        let expires: Result<i64, _> = row.try_get(1);
        matches!((hash, expires), (Ok(h), Ok(e)) if h == token.hash().as_bytes() && e > now.as_unix_micros())
    });
    if !ours {
        return Err(AccountsError::SetupTokenInvalid);
    }
    if owner_count(&mut *tx).await? > 0 {
        return Err(AccountsError::SetupAlreadyDone);
    }
    let owner = insert_owner(&mut tx, &new, by, now).await?;
    tx.commit().await?;
    Ok(owner)
}
