//! Keeping bots out of public forms without a third party: each served page's token is good
//! for one submission (spent in the lead's own transaction, forgotten by a periodic job once
//! it has expired), and a form may also ask the browser for a small proof of work, bound to
//! that page's token.

use leadvault_store::sqlx;
use leadvault_store::{Db, Done, Statement, TenantScope, Timestamp};

use crate::error::IntakeError;

/// Leading zero bits the proof of work must find: about 65,000 SHA-256 computations, a
/// moment for a person's browser, a real cost for a bot sending thousands.
pub const POW_BITS: u32 = 16;

/// How long a spent page token is remembered: as long as a page's token is accepted.
const REMEMBER_MICROS: i64 = 24 * 60 * 60 * 1_000_000;

/// Whether `SHA-256(challenge ":" nonce)` starts with [`POW_BITS`] zero bits. The nonce is
/// what the browser found: decimal digits, at most 20.
pub fn proof_of_work_ok(challenge: &str, nonce: &str) -> bool {
    if nonce.is_empty() || nonce.len() > 20 || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{challenge}:{nonce}").as_bytes(),
    );
    leading_zero_bits(digest.as_ref()) >= POW_BITS
}

fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in bytes {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// The statement, for the lead's transaction, that marks the page a submission came from
/// as used; [`page_spent`] reads what it did.
pub(crate) fn spend_page(token: &str, now: Timestamp) -> Statement {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    Statement::new(
        "INSERT INTO spent_form_pages (digest, expires_at) VALUES ($1, $2) \
         ON CONFLICT (digest) DO NOTHING",
    )
    .bind(digest.as_ref().to_vec())
    .bind(now.as_unix_micros().saturating_add(REMEMBER_MICROS))
}

/// Whether [`spend_page`] spent the page: a second submission from the same page is
/// [`IntakeError::PageUsed`].
pub(crate) fn page_spent(done: &Done) -> Result<(), IntakeError> {
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(IntakeError::PageUsed)
    }
}

/// Forgets spent pages whose tokens have expired anyway (a periodic job of `serve`, so that
/// the purge stays out of every submission's write transaction); how many.
pub async fn forget_spent_pages(db: &Db, now: Timestamp) -> Result<u64, IntakeError> {
    let mut tx = db.begin_in(TenantScope::AllOrganizations).await?;
    let forgotten = sqlx::query("DELETE FROM spent_form_pages WHERE expires_at < $1")
        .bind(now.as_unix_micros())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(forgotten)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_nonce_is_accepted_and_others_are_not() {
        let challenge = "1795000000.abcdef";
        let nonce = (0u64..)
            .map(|n| n.to_string())
            .find(|n| proof_of_work_ok(challenge, n))
            .unwrap_or_default();
        assert!(proof_of_work_ok(challenge, &nonce));
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            format!("{challenge}:{nonce}").as_bytes(),
        );
        assert!(leading_zero_bits(digest.as_ref()) >= POW_BITS);
        assert!(!proof_of_work_ok("another page", &nonce) || POW_BITS == 0);
        for bad in ["", "12a", "-1", "123456789012345678901"] {
            assert!(!proof_of_work_ok(challenge, bad), "{bad}");
        }
    }

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0, 0, 0x1f]), 19);
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }
}
