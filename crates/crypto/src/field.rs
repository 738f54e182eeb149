//! Field encryption: AES-256-GCM over one value, bound to where it belongs.
//!
//! Format, version 1 (all integers big-endian):
//!
//! | bytes  | content                                   |
//! |--------|-------------------------------------------|
//! | 0      | format version, `0x01`                    |
//! | 1..17  | data key id                               |
//! | 17..21 | data key version                          |
//! | 21..33 | random 96-bit nonce                       |
//! | 33..   | ciphertext, then the 128-bit GCM tag      |
//!
//! The associated data is a domain label, the 33-byte header, and the [`FieldContext`]
//! (organization, table, record id, field name), each length-prefixed. A ciphertext copied
//! to another field, record, table or organization, or re-labelled with another key id or
//! version, fails authentication.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::key::{KeyBytes, KeyRef};
use crate::random::{RandomError, random_bytes};

const VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + KeyRef::ENCODED_LEN + NONCE_LEN;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"leadvault/field/v1";

/// Where a value lives. Every part goes into the associated data.
#[derive(Debug, Clone, Copy)]
pub struct FieldContext<'a> {
    pub org_id: &'a str,
    pub table: &'a str,
    pub record_id: &'a str,
    pub field: &'a str,
}

impl FieldContext<'_> {
    fn aad(&self, header: &[u8]) -> Vec<u8> {
        let parts: [&[u8]; 6] = [
            DOMAIN,
            header,
            self.org_id.as_bytes(),
            self.table.as_bytes(),
            self.record_id.as_bytes(),
            self.field.as_bytes(),
        ];
        length_prefixed(&parts)
    }
}

/// Concatenates parts, each preceded by its length, so no two different lists encode alike.
pub(crate) fn length_prefixed(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for part in parts {
        // Parts are names and ids, far below 4 GiB; saturate rather than wrap regardless.
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FieldError {
    #[error("not a Leadvault field ciphertext (too short or unknown format version)")]
    Malformed,
    #[error(
        "field ciphertext failed authentication: wrong key, or it was altered or moved from another field, record or organization"
    )]
    Authentication,
    #[error("the key is not a valid AES-256 key")]
    InvalidKey,
    #[error("the system random number generator failed")]
    Random,
}

impl From<RandomError> for FieldError {
    fn from(_: RandomError) -> Self {
        Self::Random
    }
}

pub(crate) fn aead_key(key: &KeyBytes) -> Result<LessSafeKey, FieldError> {
    UnboundKey::new(&AES_256_GCM, key.expose())
        .map(LessSafeKey::new)
        .map_err(|_| FieldError::InvalidKey)
}

/// Encrypts one value under a data key.
pub fn encrypt_field(
    key: &KeyBytes,
    key_ref: KeyRef,
    context: FieldContext<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, FieldError> {
    let nonce = random_bytes::<NONCE_LEN>()?;
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
    out.push(VERSION);
    out.extend_from_slice(&key_ref.encode());
    out.extend_from_slice(&nonce);
    let aad = context.aad(&out);
    let mut body = plaintext.to_vec();
    aead_key(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_slice()),
            &mut body,
        )
        .map_err(|_| FieldError::Authentication)?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// The key a ciphertext names, so the caller can fetch it before decrypting.
pub fn field_key_ref(ciphertext: &[u8]) -> Result<KeyRef, FieldError> {
    if ciphertext.len() < HEADER_LEN + TAG_LEN || ciphertext[0] != VERSION {
        return Err(FieldError::Malformed);
    }
    KeyRef::decode(&ciphertext[1..]).ok_or(FieldError::Malformed)
}

/// Decrypts one value; fails unless key, header, context and bytes are all exactly right.
pub fn decrypt_field(
    key: &KeyBytes,
    context: FieldContext<'_>,
    ciphertext: &[u8],
) -> Result<zeroize::Zeroizing<Vec<u8>>, FieldError> {
    field_key_ref(ciphertext)?;
    let (header, body) = ciphertext.split_at(HEADER_LEN);
    let nonce = <[u8; NONCE_LEN]>::try_from(&header[1 + KeyRef::ENCODED_LEN..])
        .map_err(|_| FieldError::Malformed)?;
    let aad = context.aad(header);
    let mut buffer = zeroize::Zeroizing::new(body.to_vec());
    let plaintext_len = aead_key(key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_slice()),
            &mut buffer,
        )
        .map_err(|_| FieldError::Authentication)?
        .len();
    buffer.truncate(plaintext_len);
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const REF: KeyRef = KeyRef {
        id: [7; 16],
        version: 3,
    };

    fn ctx<'a>(org: &'a str, table: &'a str, record: &'a str, field: &'a str) -> FieldContext<'a> {
        FieldContext {
            org_id: org,
            table,
            record_id: record,
            field,
        }
    }

    #[test]
    fn a_value_round_trips_and_its_header_names_the_key() -> TestResult {
        let key = KeyBytes::generate()?;
        let here = ctx("org-a", "leads", "rec-1", "case_history");
        let sealed = encrypt_field(&key, REF, here, b"fell at work, 2024")?;
        assert_eq!(sealed[0], 1);
        assert_eq!(field_key_ref(&sealed)?, REF);
        assert_eq!(sealed.len(), 33 + 18 + 16);
        assert_eq!(
            decrypt_field(&key, here, &sealed)?.as_slice(),
            b"fell at work, 2024"
        );
        assert_ne!(
            encrypt_field(&key, REF, here, b"same")?,
            encrypt_field(&key, REF, here, b"same")?,
            "fresh nonce each time"
        );
        Ok(())
    }

    #[test]
    fn a_ciphertext_moved_anywhere_else_does_not_decrypt() -> TestResult {
        let key = KeyBytes::generate()?;
        let sealed = encrypt_field(
            &key,
            REF,
            ctx("org-a", "leads", "rec-1", "phone"),
            b"+15551234567",
        )?;
        let elsewhere = [
            ctx("org-b", "leads", "rec-1", "phone"),
            ctx("org-a", "orders", "rec-1", "phone"),
            ctx("org-a", "leads", "rec-2", "phone"),
            ctx("org-a", "leads", "rec-1", "email"),
            // Length prefixes keep shifted boundaries from colliding.
            ctx("org-a", "leads", "rec-1p", "hone"),
        ];
        for other in elsewhere {
            assert_eq!(
                decrypt_field(&key, other, &sealed).err(),
                Some(FieldError::Authentication),
                "{other:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn tampering_a_wrong_key_or_a_relabelled_version_is_detected() -> TestResult {
        let key = KeyBytes::generate()?;
        let here = ctx("o", "t", "r", "f");
        let sealed = encrypt_field(&key, REF, here, b"urgent")?;
        for i in 0..sealed.len() {
            let mut bent = sealed.clone();
            bent[i] ^= 0x01;
            assert!(
                decrypt_field(&key, here, &bent).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
        let other_key = KeyBytes::generate()?;
        assert_eq!(
            decrypt_field(&other_key, here, &sealed).err(),
            Some(FieldError::Authentication)
        );
        assert_eq!(
            decrypt_field(&key, here, &sealed[..40]).err(),
            Some(FieldError::Malformed)
        );
        assert_eq!(
            decrypt_field(&key, here, b"").err(),
            Some(FieldError::Malformed)
        );
        Ok(())
    }
}
