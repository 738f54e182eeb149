//! The second factor: TOTP enrolment and verification, and single-use recovery codes.
//!
//! The TOTP secret is stored encrypted as a field under the installation's own key
//! ([`OrgId::INSTANCE`]), bound to the person's id, so a secret copied to another row does
//! not decrypt. The last accepted time step is stored beside it and advanced with a
//! compare-and-set, so one code cannot be accepted twice, not even by two requests racing.

use std::fmt;

use leadvault_audit::Acting;
use leadvault_crypto::{FieldContext, decrypt_field, encrypt_field, field_key_ref, random_bytes};
use leadvault_keys::{KeyPurpose, Keyring};
use leadvault_store::sqlx::{self, Row};
use leadvault_store::{Db, OrgId, Timestamp, Tx};
use zeroize::Zeroizing;

use crate::actions::AccountAction;
use crate::error::AccountsError;
use crate::ids::UserId;
use crate::reauth::second_factor_required;
use crate::totp::{TotpError, TotpSecret, base32};
use crate::trail::record_about;

/// How many recovery codes a person gets at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// 80 random bits each: far beyond guessing, so a plain SHA-256 is a sufficient hash.
const RECOVERY_CODE_BYTES: usize = 10;

const TABLE: &str = "totp_credentials";
const FIELD: &str = "secret";

/// The column that holds TOTP secrets, for re-encryption after a key rotation.
pub const TOTP_SECRET_COLUMN: leadvault_keys::EncryptedColumn = leadvault_keys::EncryptedColumn {
    table: TABLE,
    id_column: "user_id",
    column: FIELD,
};

/// Recovery codes, shown once at enrolment and never again.
pub struct RecoveryCodes(Vec<Zeroizing<String>>);

impl RecoveryCodes {
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|code| code.as_str())
    }
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryCodes({} codes, <redacted>)", self.0.len())
    }
}

/// Runs `f` with the encryption context of `user`'s secret.
fn with_context<T>(user: UserId, f: impl FnOnce(FieldContext<'_>) -> T) -> T {
    let (org, record) = (OrgId::INSTANCE.to_string(), user.to_string());
    f(FieldContext {
        org_id: &org,
        table: TABLE,
        record_id: &record,
        field: FIELD,
    })
}

async fn seal(
    keyring: &Keyring,
    user: UserId,
    secret: &TotpSecret,
    now: Timestamp,
) -> Result<Vec<u8>, AccountsError> {
    let key = keyring
        .current(OrgId::INSTANCE, KeyPurpose::Field, now)
        .await?;
    with_context(user, |ctx| {
        encrypt_field(&key.key, key.key_ref, ctx, secret.expose())
    })
    .map_err(|_| AccountsError::Corrupt("a TOTP secret could not be encrypted"))
}

async fn open(
    keyring: &Keyring,
    user: UserId,
    sealed: &[u8],
    now: Timestamp,
) -> Result<TotpSecret, AccountsError> {
    let key_ref =
        field_key_ref(sealed).map_err(|_| AccountsError::Corrupt("a stored TOTP secret"))?;
    let key = keyring.by_ref(OrgId::INSTANCE, key_ref, now).await?;
    let plain = with_context(user, |ctx| decrypt_field(&key, ctx, sealed))
        .map_err(|_| AccountsError::Corrupt("a stored TOTP secret"))?;
    Ok(TotpSecret::from_bytes(&plain))
}

/// Whether the person has a confirmed second factor.
pub async fn has_second_factor(db: &Db, user: UserId) -> Result<bool, AccountsError> {
    Ok(sqlx::query(
        "SELECT count(*) FROM totp_credentials WHERE user_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(user.to_string())
    .fetch_one(db.pool())
    .await?
    .try_get::<i64, _>(0)?
        > 0)
}

/// The secret being enrolled: the one already waiting for its first code, or a new one.
/// Reusing the waiting secret means reloading the page does not invalidate a QR code the
/// person has just scanned.
pub async fn pending_enrolment(
    db: &Db,
    keyring: &Keyring,
    user: UserId,
    now: Timestamp,
) -> Result<TotpSecret, AccountsError> {
    let row = sqlx::query("SELECT secret, confirmed_at FROM totp_credentials WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?;
    if let Some(row) = row {
        if row.try_get::<Option<i64>, _>(1)?.is_some() {
            return Err(AccountsError::AlreadyEnrolled);
        }
        return open(keyring, user, &row.try_get::<Vec<u8>, _>(0)?, now).await;
    }
    let secret = TotpSecret::generate()?;
    let sealed = seal(keyring, user, &secret, now).await?;
    let inserted = sqlx::query(
        "INSERT INTO totp_credentials (user_id, org_id, secret, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user.to_string())
    .bind(OrgId::INSTANCE.to_string())
    .bind(sealed)
    .bind(now.as_unix_micros())
    .execute(db.pool())
    .await
    .map_err(leadvault_store::StoreError::from);
    match inserted {
        Ok(_) => Ok(secret),
        // Another tab of the same person got there first: use theirs.
        Err(e) if e.is_unique_violation() => {
            Box::pin(pending_enrolment(db, keyring, user, now)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Confirms enrolment with the first code from the app, and issues recovery codes.
pub async fn confirm_enrolment(
    db: &Db,
    keyring: &Keyring,
    user: UserId,
    code: &str,
    acting: &Acting,
) -> Result<RecoveryCodes, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let row = sqlx::query("SELECT secret, confirmed_at FROM totp_credentials WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_optional(db.pool())
        .await?
        .ok_or(AccountsError::NotEnrolled)?;
    if row.try_get::<Option<i64>, _>(1)?.is_some() {
        return Err(AccountsError::AlreadyEnrolled);
    }
    let secret = open(keyring, user, &row.try_get::<Vec<u8>, _>(0)?, now).await?;
    let step = secret.verify(code, now, None)?;

    let codes = generate_recovery_codes()?;
    let mut tx = db.begin().await?;
    let confirmed = sqlx::query(
        "UPDATE totp_credentials SET confirmed_at = $1, last_step = $2 \
         WHERE user_id = $3 AND confirmed_at IS NULL",
    )
    .bind(now.as_unix_micros())
    .bind(step)
    .bind(user.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if confirmed != 1 {
        return Err(AccountsError::AlreadyEnrolled);
    }
    store_recovery_codes(&mut tx, user, &codes).await?;
    let event = by
        .event(AccountAction::SecondFactorEnrolled)
        .touching(&["totp_secret", "recovery_codes"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a TOTP code or a recovery code. A TOTP code is good once; a recovery code too.
/// Every check is audited, refused ones as denied.
pub async fn verify_second_factor(
    db: &Db,
    keyring: &Keyring,
    user: UserId,
    code: &str,
    acting: &Acting,
) -> Result<(), AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    let recovery = normalize_recovery_code(code);
    let mut tx = db.begin_write().await?;
    let checked = match &recovery {
        Some(normalized) => use_recovery_code(&mut tx, user, normalized, now).await,
        None => use_totp_code(db, &mut tx, keyring, user, code, now).await,
    };
    let kind = if recovery.is_some() {
        "recovery_code"
    } else {
        "totp_code"
    };
    let event = by
        .event(AccountAction::SignInSecondFactor)
        .touching(&[kind]);
    let event = match &checked {
        Ok(()) => event,
        Err(AccountsError::Totp(_) | AccountsError::NotEnrolled) => event.denied(),
        // Nothing was decided: the transaction rolls back, and the caller sees the failure.
        Err(_) => return checked,
    };
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    checked
}

/// Accepts a TOTP code once: the step it matched becomes the last one used, inside `tx`.
async fn use_totp_code(
    db: &Db,
    tx: &mut Tx,
    keyring: &Keyring,
    user: UserId,
    code: &str,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let row = sqlx::query(
        "SELECT secret, last_step FROM totp_credentials WHERE user_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(user.to_string())
    .fetch_optional(db.pool())
    .await?
    .ok_or(AccountsError::NotEnrolled)?;
    let secret = open(keyring, user, &row.try_get::<Vec<u8>, _>(0)?, now).await?;
    let last: Option<i64> = row.try_get(1)?;
    let step = secret.verify(code, now, last)?;
    let advanced = sqlx::query(
        "UPDATE totp_credentials SET last_step = $1 \
         WHERE user_id = $2 AND (last_step IS NULL OR last_step < $1)",
    )
    .bind(step)
    .bind(user.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if advanced == 1 {
        Ok(())
    } else {
        // A concurrent request accepted this step (or a later one) first.
        Err(TotpError::Replayed.into())
    }
}

/// Replaces the person's recovery codes with ten new ones (after re-authentication).
pub async fn regenerate_recovery_codes(
    db: &Db,
    acting: &Acting,
    user: UserId,
) -> Result<RecoveryCodes, AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    if !has_second_factor(db, user).await? {
        return Err(AccountsError::NotEnrolled);
    }
    let codes = generate_recovery_codes()?;
    let mut tx = db.begin().await?;
    store_recovery_codes(&mut tx, user, &codes).await?;
    let event = by
        .event(AccountAction::SecondFactorRecoveryCodesReplaced)
        .touching(&["recovery_codes"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Removes the person's second factor (after re-authentication), unless a role of theirs
/// requires one.
pub async fn remove_second_factor(
    db: &Db,
    acting: &Acting,
    user: UserId,
) -> Result<(), AccountsError> {
    let (by, now) = (&acting.by, acting.now);
    if second_factor_required(db, user).await? {
        return Err(AccountsError::SecondFactorMandatory);
    }
    let mut tx = db.begin().await?;
    for table in ["totp_credentials", "recovery_codes"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE user_id = $1"
        )))
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
    }
    let event = by
        .event(AccountAction::SecondFactorRemoved)
        .touching(&["totp_secret", "recovery_codes"]);
    record_about(&mut tx, user, by, event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// How many unused recovery codes the person has left.
pub async fn recovery_codes_left(db: &Db, user: UserId) -> Result<i64, AccountsError> {
    Ok(
        sqlx::query("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.to_string())
            .fetch_one(db.pool())
            .await?
            .try_get(0)?,
    )
}

fn generate_recovery_codes() -> Result<RecoveryCodes, AccountsError> {
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let bytes = Zeroizing::new(random_bytes::<RECOVERY_CODE_BYTES>()?);
        let plain = Zeroizing::new(base32(bytes.as_ref()).to_lowercase());
        let grouped: Vec<&str> = (0..plain.len())
            .step_by(4)
            .filter_map(|i| plain.get(i..i + 4))
            .collect();
        codes.push(Zeroizing::new(grouped.join("-")));
    }
    Ok(RecoveryCodes(codes))
}

/// The canonical form of something typed as a recovery code (`abcd-efgh-ijkl-mnop`, in any
/// case, with or without separators), or `None` if it cannot be one.
fn normalize_recovery_code(typed: &str) -> Option<Zeroizing<String>> {
    let plain: Zeroizing<String> = Zeroizing::new(
        typed
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_lowercase())
            .collect(),
    );
    let base32_len = (RECOVERY_CODE_BYTES * 8).div_ceil(5);
    let valid = plain.len() == base32_len
        && plain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    valid.then_some(plain)
}

fn recovery_hash(normalized: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, normalized.as_bytes())
        .as_ref()
        .to_vec()
}

async fn store_recovery_codes(
    tx: &mut Tx,
    user: UserId,
    codes: &RecoveryCodes,
) -> Result<(), AccountsError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    for code in codes.iter() {
        let normalized =
            normalize_recovery_code(code).ok_or(AccountsError::Corrupt("a recovery code"))?;
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.to_string())
            .bind(recovery_hash(&normalized))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn use_recovery_code(
    tx: &mut Tx,
    user: UserId,
    normalized: &str,
    now: Timestamp,
) -> Result<(), AccountsError> {
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 \
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now.as_unix_micros())
    .bind(user.to_string())
    .bind(recovery_hash(normalized))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if used == 1 {
        Ok(())
    } else {
        Err(TotpError::Wrong.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_distinct_grouped_codes_that_normalize_back() {
        let codes = generate_recovery_codes().expect("codes");
        let list: Vec<&str> = codes.iter().collect();
        assert_eq!(list.len(), RECOVERY_CODES);
        let mut unique = list.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for code in list {
            assert_eq!(code.len(), 19, "{code}");
            let upper = code.to_uppercase().replace('-', " ");
            assert_eq!(
                normalize_recovery_code(&upper)
                    .as_deref()
                    .map(String::as_str),
                Some(code.replace('-', "").as_str())
            );
        }
        assert!(format!("{codes:?}").contains("<redacted>"));
    }

    #[test]
    fn a_totp_code_is_never_taken_for_a_recovery_code() {
        assert!(normalize_recovery_code("123456").is_none());
        assert!(normalize_recovery_code("123 456").is_none());
        assert!(normalize_recovery_code("abcd-efgh-ijkl-mnop").is_some());
        assert!(normalize_recovery_code("abcd-efgh-ijkl-mno1").is_none());
    }
}
