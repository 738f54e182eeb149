//! The token of a public form page: proof that a submission comes from a page we served, and
//! when. It replaces the double-submit cookie there, because a form embedded in a firm's site
//! lives in a third-party frame, where browsers send no SameSite cookie.
//!
//! `token = issued_at "." salt "." hex(crypto::mac(key, "leadvault/form-token/v2", form id ‖ 0 ‖
//! issued_at ‖ 0 ‖ salt))`, the salt 8 random bytes (hex) so that no two pages share a token:
//! each is good for one submission (intake spends it with the lead) and is the challenge of
//! the form's proof of work.
//! with the installation's blind-index data key (so every `serve` process shares it; the
//! label gives the token its own sub-key). It also tells the minimum fill time: a bot that posts at once is refused.

use std::time::Duration;

use leadvault_crypto::{KeyBytes, from_hex, mac, mac_matches, random_bytes, to_hex};
use leadvault_intake::FormId;
use leadvault_keys::{KeyPurpose, Keyring};
use leadvault_store::{OrgId, Timestamp};

use crate::web::error::AppError;

const DOMAIN: &[u8] = b"leadvault/form-token/v2";
/// Faster than a person can read a form and type.
pub const MIN_FILL: Duration = Duration::from_secs(3);
/// A page left open longer than this is reloaded.
pub const MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Missing, malformed, forged, or for another form.
    Invalid,
    /// Sent back faster than a person fills a form.
    TooFast,
    /// The page is older than [`MAX_AGE`].
    Expired,
}

/// The installation's key for tokens it hands out to browsers (each use its own label).
pub(crate) async fn key(keyring: &Keyring, now: Timestamp) -> Result<KeyBytes, AppError> {
    keyring
        .current(OrgId::INSTANCE, KeyPurpose::BlindIndex, now)
        .await
        .map(|data_key| data_key.key)
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn message(form: FormId, issued: i64, salt: &str) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(form.to_string().as_bytes());
    m.push(0);
    m.extend_from_slice(issued.to_string().as_bytes());
    m.push(0);
    m.extend_from_slice(salt.as_bytes());
    m
}

/// A token for a page of `form` served now.
pub async fn issue(keyring: &Keyring, form: FormId, now: Timestamp) -> Result<String, AppError> {
    let issued = now.as_unix_micros() / 1_000_000;
    let salt = to_hex(&random_bytes::<8>().map_err(|e| AppError::Internal(e.to_string()))?);
    let tag = mac(
        &key(keyring, now).await?,
        DOMAIN,
        &message(form, issued, &salt),
    );
    Ok(format!("{issued}.{salt}.{}", to_hex(&tag)))
}

/// Checks a token sent back with a submission of `form`, at least `min_fill` after it was
/// issued ([`MIN_FILL`] in production).
pub async fn check(
    keyring: &Keyring,
    form: FormId,
    token: &str,
    now: Timestamp,
    min_fill: Duration,
) -> Result<Result<(), TokenProblem>, AppError> {
    let mut parts = token.splitn(3, '.');
    let (Some(issued), Some(salt), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(Err(TokenProblem::Invalid));
    };
    let (Ok(issued), Some(tag)) = (issued.parse::<i64>(), from_hex(tag)) else {
        return Ok(Err(TokenProblem::Invalid));
    };
    if salt.len() > 32
        || !mac_matches(
            &key(keyring, now).await?,
            DOMAIN,
            &message(form, issued, salt),
            &tag,
        )
    {
        return Ok(Err(TokenProblem::Invalid));
    }
    let age = now.as_unix_micros() / 1_000_000 - issued;
    let (min, max) = (min_fill.as_secs() as i64, MAX_AGE.as_secs() as i64);
    Ok(if age < min {
        Err(TokenProblem::TooFast)
    } else if age > max {
        Err(TokenProblem::Expired)
    } else {
        Ok(())
    })
}
