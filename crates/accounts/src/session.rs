//! Server-side sessions, kept in the database so that every `serve` process sees the same
//! ones. The browser holds a random 256-bit token; the table holds its SHA-256 only.
//!
//! A session ends when it has been idle for [`IDLE_TIMEOUT`], when it is older than
//! [`ABSOLUTE_TIMEOUT`], when its holder signs out, or when something about its person
//! changes (password, role, removal): see [`end_all_sessions_in`]. Each change of stage issues
//! a new token and destroys the old one, so a token seen before sign-in is worthless after.

use std::fmt;
use std::time::Duration;

use leadvault_audit::Acting;
use leadvault_crypto::{SecretToken, TokenHash, from_hex, to_hex};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, Timestamp};
use ring::hmac;
use zeroize::Zeroizing;

use crate::actions::AccountAction;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::trail::record_about;

/// OWASP ASVS 5.0 (7.3.1): re-authentication after inactivity.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// OWASP ASVS 5.0 (7.3.2): re-authentication after a working day at most.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);
/// `last_seen_at` is written at most this often, so reading pages does not mean writing rows.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Someone who typed the password must enter the code soon after, or start again.
const SECOND_FACTOR_WINDOW: Duration = Duration::from_secs(10 * 60);

/// A session about to start: whose, in which organization, how far sign-in has come, and
/// the few words naming the device it is on.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub user: UserId,
    pub org: OrgId,
    pub stage: SessionStage,
    pub device: &'a str,
}

/// How far sign-in has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; a TOTP or recovery code is awaited.
    SecondFactor,
    /// The password was right, and this person's role requires a second factor they have
    /// not set up yet: enrolment is the only thing they may do.
    Enrol,
    /// Fully signed in.
    Full,
}

impl SessionStage {
    fn as_str(self) -> &'static str {
        match self {
            Self::SecondFactor => "second_factor",
            Self::Enrol => "enrol",
            Self::Full => "full",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::SecondFactor, Self::Enrol, Self::Full]
            .into_iter()
            .find(|stage| stage.as_str() == text)
    }
}

/// The browser's session token. Never logged; the database sees only its hash.
pub struct SessionToken(SecretToken);

impl SessionToken {
    fn generate() -> Result<Self, AccountsError> {
        Ok(Self(SecretToken::generate()?))
    }

    /// Accepts a cookie value only if it has the shape of an issued token.
    pub fn parse(candidate: &str) -> Option<Self> {
        SecretToken::parse(candidate).ok().map(Self)
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    fn hash(&self) -> TokenHash {
        self.0.hash()
    }

    /// The stored form of this token, for queries in other modules of this crate.
    pub(crate) fn hash_bytes(&self) -> Vec<u8> {
        self.hash().as_bytes().to_vec()
    }

    /// The anti-CSRF token for this session's forms: an HMAC of a fixed label under the
    /// session token. Only the holder of the session cookie can know it, it changes when the
    /// session id does, and the server needs to store nothing more to check it.
    pub fn csrf_token(&self) -> Zeroizing<String> {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose().as_bytes());
        let tag = hmac::sign(&key, b"leadvault/csrf/v1");
        Zeroizing::new(to_hex(tag.as_ref()))
    }

    /// Whether `submitted` is this session's anti-CSRF token, compared in constant time.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        let Some(bytes) = decode_hex(submitted) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.expose().as_bytes());
        hmac::verify(&key, b"leadvault/csrf/v1", &bytes).is_ok()
    }
}

/// The bytes of a CSRF token or session id as submitted: hex of exactly 32 bytes.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    from_hex(text)
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A live session, as found by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub stage: SessionStage,
    pub created_at: Timestamp,
}

/// One of a person's sessions, for the page that lists them. `id` is the hash of the token
/// in hex: enough to name the session for revocation, useless for taking it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    pub id: String,
    pub device: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub current: bool,
}

/// Starts a session after a correct password.
pub async fn start_session(
    db: &Db,
    session: NewSession<'_>,
    now: Timestamp,
) -> Result<SessionToken, AccountsError> {
    let NewSession {
        user,
        org,
        stage,
        device,
    } = session;
    purge_expired_sessions(db, now).await?;
    let token = SessionToken::generate()?;
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, org_id, stage, device, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(token.hash().as_bytes().to_vec())
    .bind(user.to_string())
    .bind(org.to_string())
    .bind(stage.as_str())
    .bind(device)
    .bind(now.as_unix_micros())
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The live session this token opens, if any. An expired session is deleted on sight.
pub async fn find_session(
    db: &Db,
    token: &SessionToken,
    now: Timestamp,
) -> Result<Option<Session>, AccountsError> {
    let hash = token.hash().as_bytes().to_vec();
    let Some(row) = sqlx::query(
        "SELECT user_id, org_id, stage, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(None);
    };
    let (user, org, stage) = (
        UserId::parse(&row.try_get::<String, _>(0)?),
        OrgId::parse(&row.try_get::<String, _>(1)?),
        SessionStage::parse(&row.try_get::<String, _>(2)?),
    );
    let created_at = Timestamp::from_unix_micros(row.try_get(3)?);
    let last_seen_at = Timestamp::from_unix_micros(row.try_get(4)?);
    let (Some(user_id), Some(org_id), Some(stage)) = (user, org, stage) else {
        return Err(AccountsError::Corrupt("a session row"));
    };
    let idle_limit = match stage {
        SessionStage::Full => IDLE_TIMEOUT,
        SessionStage::SecondFactor | SessionStage::Enrol => SECOND_FACTOR_WINDOW,
    };
    if last_seen_at.saturating_add(idle_limit) <= now
        || created_at.saturating_add(ABSOLUTE_TIMEOUT) <= now
    {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(&hash)
            .execute(db.pool())
            .await?;
        return Ok(None);
    }
    if last_seen_at.saturating_add(TOUCH_EVERY) <= now {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now.as_unix_micros())
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(Session {
        user_id,
        org_id,
        stage,
        created_at,
    }))
}

/// Moves a session to `stage` under a new token; the old token stops working. `None` if
/// the old session no longer exists (expired, or ended elsewhere meanwhile).
pub async fn advance_session(
    db: &Db,
    old: &SessionToken,
    stage: SessionStage,
    now: Timestamp,
) -> Result<Option<SessionToken>, AccountsError> {
    let fresh = SessionToken::generate()?;
    let moved = sqlx::query(
        "UPDATE sessions SET id_hash = $1, stage = $2, last_seen_at = $3 WHERE id_hash = $4",
    )
    .bind(fresh.hash().as_bytes().to_vec())
    .bind(stage.as_str())
    .bind(now.as_unix_micros())
    .bind(old.hash().as_bytes().to_vec())
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok((moved == 1).then_some(fresh))
}

/// Signs this one session out.
pub async fn end_session(
    db: &Db,
    acting: &Acting,
    token: &SessionToken,
) -> Result<(), AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let mut tx = db.begin().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id")
        .bind(token.hash().as_bytes().to_vec())
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = ended {
        let user = UserId::parse(&row.try_get::<String, _>(0)?)
            .ok_or(AccountsError::Corrupt("a user id"))?;
        record_about(
            &mut tx,
            user,
            by,
            by.event(AccountAction::SessionSignedOut),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Signs a person out everywhere, inside a caller's transaction, so that a change (password,
/// e-mail, role, removal) and the sign-out it requires commit together.
pub(crate) async fn end_all_sessions_in<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    user: UserId,
) -> Result<u64, AccountsError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.to_string())
        .execute(executor)
        .await?
        .rows_affected())
}

/// Signs a person out of every session but `keep` ("sign out everywhere else").
pub async fn end_other_sessions(
    db: &Db,
    acting: &Acting,
    user: UserId,
    keep: &SessionToken,
) -> Result<u64, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let mut tx = db.begin().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user.to_string())
        .bind(keep.hash().as_bytes().to_vec())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    record_about(
        &mut tx,
        user,
        by,
        by.event(AccountAction::SessionRevokedOthers),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Ends one of a person's own sessions, named as in [`SessionSummary::id`]. Another
/// person's session is never touched: `false`, as if it did not exist.
pub async fn end_session_by_id(
    db: &Db,
    acting: &Acting,
    user: UserId,
    id: &str,
) -> Result<bool, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let Some(hash) = decode_hex(id) else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
        .bind(user.to_string())
        .bind(hash)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if ended {
        record_about(
            &mut tx,
            user,
            by,
            by.event(AccountAction::SessionRevoked),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// A person's live sessions, most recently used first.
pub async fn list_sessions(
    db: &Db,
    user: UserId,
    current: &SessionToken,
    now: Timestamp,
) -> Result<Vec<SessionSummary>, AccountsError> {
    purge_expired_sessions(db, now).await?;
    let current = current.hash();
    let rows = sqlx::query(
        "SELECT id_hash, device, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND stage = $2 ORDER BY last_seen_at DESC",
    )
    .bind(user.to_string())
    .bind(SessionStage::Full.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let hash: Vec<u8> = row.try_get(0)?;
            Ok(SessionSummary {
                id: to_hex(&hash),
                current: hash.as_slice() == current.as_bytes(),
                device: row.try_get(1)?,
                created_at: Timestamp::from_unix_micros(row.try_get(2)?),
                last_seen_at: Timestamp::from_unix_micros(row.try_get(3)?),
            })
        })
        .collect()
}

/// Deletes every session past its idle or absolute limit.
pub async fn purge_expired_sessions(db: &Db, now: Timestamp) -> Result<u64, AccountsError> {
    let micros = |d: Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    let now = now.as_unix_micros();
    Ok(sqlx::query(
        "DELETE FROM sessions WHERE created_at <= $1 \
         OR (stage = $2 AND last_seen_at <= $3) OR (stage <> $2 AND last_seen_at <= $4)",
    )
    .bind(now.saturating_sub(micros(ABSOLUTE_TIMEOUT)))
    .bind(SessionStage::Full.as_str())
    .bind(now.saturating_sub(micros(IDLE_TIMEOUT)))
    .bind(now.saturating_sub(micros(SECOND_FACTOR_WINDOW)))
    .execute(db.pool())
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_belongs_to_one_session_only() -> Result<(), AccountsError> {
        let (a, b) = (SessionToken::generate()?, SessionToken::generate()?);
        let token = a.csrf_token();
        assert!(a.csrf_matches(&token));
        assert!(!b.csrf_matches(&token));
        assert!(!a.csrf_matches(""));
        assert!(!a.csrf_matches(&token[..63]));
        assert!(!a.csrf_matches(&"zz".repeat(32)));
        assert_ne!(token.as_str(), a.expose(), "never the cookie itself");
        Ok(())
    }

    #[test]
    fn stages_round_trip_through_their_stored_names() {
        for stage in [
            SessionStage::SecondFactor,
            SessionStage::Enrol,
            SessionStage::Full,
        ] {
            assert_eq!(SessionStage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(SessionStage::parse("admin"), None);
    }
}
