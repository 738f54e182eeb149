//! Checking an e-mail address and password, and deciding how far that gets someone.
//!
//! Every refusal looks the same and takes as long: an unknown address, a malformed one, a
//! person with no organization and a wrong password all cost one Argon2 verification and
//! answer `None`. Which one it was is never told to the client.

use leadvault_audit::{Acting, Actor, By, Chain, Event, append_alone};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, TenantScope, Timestamp};
use uuid::Uuid;

use crate::actions::AccountAction;
use crate::customer::first_customer_org;
use crate::email::Email;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::password::{Password, PasswordHasher};
use crate::reauth::second_factor_required;
use crate::second_factor::has_second_factor;
use crate::session::SessionStage;
use crate::trail::record_about;

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

/// The audit action of a password check, allowed or denied.
const ACTION: AccountAction = AccountAction::SignInPassword;

/// Records a refused sign-in about nobody known, in the installation's chain.
async fn record_unknown(
    db: &Db,
    request_id: Option<Uuid>,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let event = Event::new(Actor::Anonymous, ACTION)
        .in_request(request_id)
        .denied();
    append_alone(db, Chain::Instance, &event, now).await?;
    Ok(())
}

/// Checks a password. `email` is the text as typed. Every attempt is audited: a refusal
/// as the anonymous actor's (in the chains of the account's organizations, or the
/// installation's for an unknown address), an acceptance as the person's own.
pub async fn check_password(
    db: &Db,
    hasher: &PasswordHasher,
    email: &str,
    password: Password,
    acting: &Acting,
) -> Result<Option<PasswordAccepted>, AccountsError> {
    let (request_id, now) = (acting.by.request_id, acting.now);
    let Ok(email) = Email::parse(email) else {
        hasher.verify_nobody(password).await?;
        record_unknown(db, request_id, now).await?;
        return Ok(None);
    };
    let Some(row) = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(db.pool())
        .await?
    else {
        hasher.verify_nobody(password).await?;
        record_unknown(db, request_id, now).await?;
        return Ok(None);
    };
    let user_text: String = row.try_get(0)?;
    let user_id = UserId::parse(&user_text).ok_or(AccountsError::Corrupt("a user id"))?;
    let right = hasher.verify(password, row.try_get(1)?).await?;
    let mut tx = db.begin_write().await?;
    let (by, event) = if right {
        let by = By::new(Actor::Member(user_id.as_uuid()), request_id);
        (by, by.event(ACTION))
    } else {
        let by = By::new(Actor::Anonymous, request_id);
        (by, by.event(ACTION).denied())
    };
    record_about(&mut tx, user_id, &by, event, now).await?;
    tx.commit().await?;
    if !right {
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
