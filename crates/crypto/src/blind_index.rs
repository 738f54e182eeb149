//! Blind indexes: equality lookups (is this e-mail or phone already a lead?) without storing
//! the value in plaintext.
//!
//! index = first 16 bytes of HMAC-SHA-256(tenant index key, kind ‖ 0x00 ‖ normalized value).
//!
//! 128 bits keep accidental collisions out of reach for any realistic number of records,
//! while a stolen index without the tenant's key reveals nothing about the values. The kind
//! separates e-mail and phone indexes, so equal strings in different kinds never match.

use std::fmt;

use ring::hmac;

use crate::key::KeyBytes;

pub const BLIND_INDEX_LEN: usize = 16;

/// What kind of value is indexed; part of the HMAC input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Email,
    Phone,
}

impl IndexKind {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Email => b"email",
            Self::Phone => b"phone",
        }
    }
}

/// A truncated keyed hash of a normalized value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlindIndex([u8; BLIND_INDEX_LEN]);

impl BlindIndex {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndex(..)")
    }
}

/// A value could not be normalized, so it cannot be indexed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NormalizeError {
    #[error("not an e-mail address")]
    Email,
    #[error("not a phone number that can be written in international (E.164) form")]
    Phone,
}

/// E-mail addresses compare trimmed and lower-cased.
pub fn normalize_email(input: &str) -> Result<String, NormalizeError> {
    let value = input.trim().to_lowercase();
    match value.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(value),
        _ => Err(NormalizeError::Email),
    }
}

/// Phone numbers compare in E.164: `+`, country code, number, digits only. Separators
/// (spaces, dots, dashes, parentheses) are dropped; a leading `00` means `+`; a number
/// without either is taken to be in `default_country_code` (e.g. "1" for the US) after any
/// national trunk `0` is removed.
pub fn normalize_phone(input: &str, default_country_code: &str) -> Result<String, NormalizeError> {
    let trimmed = input.trim();
    let (international, rest) = if let Some(rest) = trimmed.strip_prefix('+') {
        (true, rest)
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        (true, rest)
    } else {
        (false, trimmed)
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' | '/' => {}
            _ => return Err(NormalizeError::Phone),
        }
    }
    let full = if international {
        digits
    } else {
        let national = match default_country_code {
            // NANP numbers may carry their country code "1" already.
            "1" if digits.len() == 11 && digits.starts_with('1') => digits[1..].to_owned(),
            _ => digits.trim_start_matches('0').to_owned(),
        };
        format!("{default_country_code}{national}")
    };
    // E.164: at most 15 digits; anything under 8 is not a dialable full number.
    if !(8..=15).contains(&full.len()) || full.starts_with('0') {
        return Err(NormalizeError::Phone);
    }
    Ok(format!("+{full}"))
}

/// The blind index of an already-normalized value under a tenant's index key.
pub fn blind_index(key: &KeyBytes, kind: IndexKind, normalized: &str) -> BlindIndex {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.expose());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(kind.label());
    ctx.update(&[0]);
    ctx.update(normalized.as_bytes());
    let tag = ctx.sign();
    let mut out = [0u8; BLIND_INDEX_LEN];
    out.copy_from_slice(&tag.as_ref()[..BLIND_INDEX_LEN]);
    BlindIndex(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_match_after_normalization() -> Result<(), Box<dyn std::error::Error>> {
        let key = KeyBytes::generate()?;
        let a = blind_index(&key, IndexKind::Email, &normalize_email("  Ana@Lima.LAW ")?);
        let b = blind_index(&key, IndexKind::Email, &normalize_email("ana@lima.law")?);
        assert_eq!(a, b);
        assert_ne!(
            a,
            blind_index(&key, IndexKind::Email, &normalize_email("ana2@lima.law")?)
        );
        assert_eq!(a.as_bytes().len(), 16);
        Ok(())
    }

    #[test]
    fn another_tenant_key_or_kind_gives_an_unrelated_index()
    -> Result<(), Box<dyn std::error::Error>> {
        let (k1, k2) = (KeyBytes::generate()?, KeyBytes::generate()?);
        let value = "+15551234567";
        assert_ne!(
            blind_index(&k1, IndexKind::Phone, value),
            blind_index(&k2, IndexKind::Phone, value)
        );
        assert_ne!(
            blind_index(&k1, IndexKind::Phone, value),
            blind_index(&k1, IndexKind::Email, value)
        );
        Ok(())
    }

    #[test]
    fn phone_numbers_normalize_to_e164() {
        for (input, cc, expected) in [
            ("(555) 123-4567", "1", "+15551234567"),
            ("1 555 123 4567", "1", "+15551234567"),
            ("+1 555.123.4567", "1", "+15551234567"),
            ("0044 20 7946 0958", "1", "+442079460958"),
            ("020 7946 0958", "44", "+442079460958"),
            (
                "+44 (0)20 7946 0958".replace("(0)", "").as_str(),
                "1",
                "+442079460958",
            ),
        ] {
            assert_eq!(
                normalize_phone(input, cc).as_deref(),
                Ok(expected),
                "{input}"
            );
        }
        for bad in [
            "",
            "12345",
            "call me",
            "+1 555 CALL NOW",
            "+1234567890123456",
        ] {
            assert_eq!(
                normalize_phone(bad, "1"),
                Err(NormalizeError::Phone),
                "{bad}"
            );
        }
        assert_eq!(normalize_email("nobody"), Err(NormalizeError::Email));
    }
}
