//! Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 30-second steps, 6 digits, as every
//! authenticator app expects.
//!
//! Verification accepts the current step and one on either side (clock skew), and never a
//! step at or before the last one accepted for the same person: a code that was seen once,
//! over a shoulder or in a proxy log, cannot be used again. The caller stores the step that
//! [`TotpSecret::verify`] returns and passes it back next time.

use std::fmt;

use ring::hmac;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use leadvault_crypto::{RandomError, random_bytes};
use leadvault_store::Timestamp;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
/// 160 bits, the length RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;

/// A person's TOTP secret. Zeroized on drop; never printed. Stored encrypted.
pub struct TotpSecret(Zeroizing<Vec<u8>>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TotpError {
    #[error("enter the 6-digit code from your authenticator app")]
    Malformed,
    #[error("that code is not valid; codes change every 30 seconds")]
    Wrong,
    #[error("that code was already used; wait for the next one")]
    Replayed,
}

impl TotpSecret {
    pub fn generate() -> Result<Self, RandomError> {
        Ok(Self(Zeroizing::new(
            random_bytes::<SECRET_BYTES>()?.to_vec(),
        )))
    }

    /// A secret as typed or shown for typing ([`Self::for_typing`]): base32, spaces and case
    /// ignored. `None` unless it is whole base32.
    pub fn from_base32(text: &str) -> Option<Self> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
        let (mut buffer, mut bits) = (0u32, 0u32);
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let value = match c.to_ascii_uppercase() {
                c @ 'A'..='Z' => u32::from(c) - u32::from('A'),
                c @ '2'..='7' => u32::from(c) - u32::from('2') + 26,
                _ => return None,
            };
            buffer = (buffer << 5) | value;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((buffer >> bits) & 0xff) as u8);
            }
        }
        (!bytes.is_empty()).then(|| Self(bytes))
    }

    /// A secret read back (decrypted) from storage.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as people type it into an app that cannot scan: base32 in groups of four.
    pub fn for_typing(&self) -> Zeroizing<String> {
        let plain = Zeroizing::new(base32(&self.0));
        let mut out = Zeroizing::new(String::with_capacity(plain.len() + plain.len() / 4));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }

    /// The code an authenticator app shows at `now` (what a person would type).
    pub fn code_at(&self, now: Timestamp) -> String {
        hotp(&self.0, step_of(now), DIGITS)
    }

    /// The enrolment URI an authenticator app reads from a QR code.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let label = format!("{}:{}", percent(issuer), percent(account));
        let secret = Zeroizing::new(base32(&self.0));
        Zeroizing::new(format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            secret.as_str(),
            percent(issuer)
        ))
    }

    /// Checks `code` at time `now`. Returns the time step it matched, which the caller must
    /// store and pass as `last_used_step` on the next verification.
    pub fn verify(
        &self,
        code: &str,
        now: Timestamp,
        last_used_step: Option<i64>,
    ) -> Result<i64, TotpError> {
        let code = code.trim().replace(' ', "");
        if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TotpError::Malformed);
        }
        let current = step_of(now);
        let mut matched = None;
        // Every candidate is computed and compared, so timing does not tell which matched.
        for step in [current - 1, current, current + 1] {
            let expected = hotp(&self.0, step, DIGITS);
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                matched = Some(step);
            }
        }
        let step = matched.ok_or(TotpError::Wrong)?;
        if last_used_step.is_some_and(|last| step <= last) {
            return Err(TotpError::Replayed);
        }
        Ok(step)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

fn step_of(now: Timestamp) -> i64 {
    now.as_unix_micros()
        .div_euclid(1_000_000)
        .div_euclid(STEP_SECONDS)
}

/// RFC 4226 HOTP with dynamic truncation.
fn hotp(secret: &[u8], counter: i64, digits: u32) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = (u32::from(mac[offset] & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3]);
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// RFC 4648 base32, no padding: what authenticator apps expect in the URI.
pub(crate) fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000)
    }

    #[test]
    fn rfc_6238_test_vectors_for_sha1() {
        // RFC 6238 appendix B: the 20-byte ASCII key "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(key, time / 30, 8), expected, "T = {time}");
        }
    }

    #[test]
    fn a_code_is_accepted_within_one_step_either_side_and_only_once() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        let now = at(1_111_111_111);
        let step = 1_111_111_111 / 30;
        let code = hotp(secret.expose(), step, 6);
        assert_eq!(secret.verify(&code, now, None), Ok(step));
        assert_eq!(
            secret.verify(&code, now, Some(step)),
            Err(TotpError::Replayed),
            "replay refused"
        );
        assert_eq!(
            secret.verify(&format!("{} {}", &code[..3], &code[3..]), now, None),
            Ok(step),
            "spaces ignored"
        );
        assert_eq!(
            secret.verify(&code, at(1_111_111_111 + 30), None),
            Ok(step),
            "one step late is fine"
        );
        assert_eq!(
            secret.verify(&code, at(1_111_111_111 - 30), None),
            Ok(step),
            "one step early is fine"
        );
        assert_eq!(
            secret.verify(&code, at(1_111_111_111 + 90), None),
            Err(TotpError::Wrong),
            "three steps late is not"
        );
        let next = hotp(secret.expose(), step + 1, 6);
        assert_eq!(
            secret.verify(&next, at(1_111_111_111 + 30), Some(step)),
            Ok(step + 1),
            "a later code after use"
        );
        let earlier = hotp(secret.expose(), step - 1, 6);
        assert_eq!(
            secret.verify(&earlier, now, Some(step)),
            Err(TotpError::Replayed),
            "an older code after a newer one"
        );
    }

    #[test]
    fn malformed_codes_are_refused_before_any_check() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert_eq!(
                secret.verify(bad, at(0), None),
                Err(TotpError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_enrolment_uri_carries_the_base32_secret_and_the_parameters() -> Result<(), RandomError> {
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(base32(b"f"), "MY");
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        assert_eq!(
            secret.otpauth_uri("Leadvault", "ana@lima.law").as_str(),
            "otpauth://totp/Leadvault:ana@lima.law?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Leadvault&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(TotpSecret::generate()?.expose().len(), 20);
        assert_eq!(
            TotpSecret::from_base32(&secret.for_typing()).map(|s| s.expose().to_vec()),
            Some(b"12345678901234567890".to_vec())
        );
        assert!(TotpSecret::from_base32("GEZD 1").is_none());
        assert_eq!(
            secret.for_typing().as_str(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
        assert_eq!(
            format!("{:?}", TotpSecret::generate()?),
            "TotpSecret(<redacted>)"
        );
        Ok(())
    }
}
