//! Tracking codes: what a person who submitted a form keeps to check its status at `/track`.
//!
//! Sixteen Crockford base32 characters carry 80 random bits; a seventeenth is a check
//! character (Luhn mod 32), so a mistyped code is told apart from an unknown one without a
//! database lookup. Shown in groups, `7KQ2-MV9D-XH3R-TB4W-Z`; read back in any case, with or
//! without the dashes and spaces, and with the letters Crockford reads as digits (`O` as 0,
//! `I` and `L` as 1). Only the SHA-256 of the canonical sixteen characters is stored: 80 bits
//! cannot be guessed, so no slow hash is needed.

use std::fmt;

use leadvault_crypto::{RandomError, random_bytes};
use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_CHARS: usize = 16;

fn value_of(c: u8) -> Option<u32> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The Luhn mod 32 check character of `values`.
fn check_value(values: &[u32]) -> u32 {
    let mut sum = 0;
    for (i, v) in values.iter().rev().enumerate() {
        let addend = if i % 2 == 0 { v * 2 } else { *v };
        sum += addend / 32 + addend % 32;
    }
    (32 - sum % 32) % 32
}

/// A tracking code. Its text is a secret: shown once, never logged.
#[derive(Clone)]
pub struct TrackingCode(Zeroizing<String>);

/// Something that is not a tracking code (malformed or mistyped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this is not a tracking code: check it and type it again")]
pub struct NotATrackingCode;

impl TrackingCode {
    pub fn generate() -> Result<Self, RandomError> {
        let bytes = Zeroizing::new(random_bytes::<10>()?);
        let mut bits: u128 = 0;
        for b in bytes.iter() {
            bits = bits << 8 | u128::from(*b);
        }
        let mut canonical = String::with_capacity(DATA_CHARS);
        for i in (0..DATA_CHARS).rev() {
            let index = usize::try_from((bits >> (i * 5)) & 31).unwrap_or(0);
            canonical.push(char::from(ALPHABET[index]));
        }
        Ok(Self(Zeroizing::new(canonical)))
    }

    /// Reads a code as a person typed it.
    pub fn parse(typed: &str) -> Result<Self, NotATrackingCode> {
        let values: Vec<u32> = typed
            .bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .map(value_of)
            .collect::<Option<_>>()
            .ok_or(NotATrackingCode)?;
        let (data, check) = values
            .split_at_checked(DATA_CHARS)
            .ok_or(NotATrackingCode)?;
        if check.len() != 1 || check.first() != Some(&check_value(data)) {
            return Err(NotATrackingCode);
        }
        let canonical = data
            .iter()
            .map(|&v| char::from(ALPHABET[usize::try_from(v).unwrap_or(0)]))
            .collect();
        Ok(Self(Zeroizing::new(canonical)))
    }

    /// The code as shown: four groups of four and the check character.
    pub fn display(&self) -> String {
        let values: Vec<u32> = self.0.bytes().filter_map(value_of).collect();
        let check = char::from(ALPHABET[usize::try_from(check_value(&values)).unwrap_or(0)]);
        let groups: Vec<&str> = (0..DATA_CHARS)
            .step_by(4)
            .filter_map(|i| self.0.get(i..i + 4))
            .collect();
        format!("{}-{check}", groups.join("-"))
    }

    /// What is stored: the SHA-256 of the canonical characters.
    pub fn hash(&self) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, self.0.as_bytes())
            .as_ref()
            .to_vec()
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TrackingCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_however_it_is_typed() {
        let code = TrackingCode::generate().unwrap();
        let shown = code.display();
        assert_eq!(shown.len(), 16 + 4 + 1);
        assert_eq!(shown.matches('-').count(), 4);
        for typed in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', ""),
            shown.replace('-', " "),
            shown.replace('0', "o").replace('1', "l"),
        ] {
            let parsed = TrackingCode::parse(&typed).unwrap();
            assert_eq!(parsed.hash(), code.hash(), "{typed}");
        }
    }

    #[test]
    fn every_single_mistyped_character_and_swap_is_caught() {
        let code = TrackingCode::generate().unwrap();
        let plain: Vec<u8> = code.display().bytes().filter(|b| *b != b'-').collect();
        for i in 0..plain.len() {
            for &other in ALPHABET {
                if value_of(other) == value_of(plain[i]) {
                    continue;
                }
                let mut typo = plain.clone();
                typo[i] = other;
                let typo = String::from_utf8(typo).unwrap();
                assert!(TrackingCode::parse(&typo).is_err(), "{typo}");
            }
        }
        for i in 0..plain.len() - 1 {
            if plain[i] == plain[i + 1] {
                continue;
            }
            let mut swapped = plain.clone();
            swapped.swap(i, i + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            // Luhn mod 32 catches every swap of neighbours but one: 0 and Z (0 and 31).
            let pair = [value_of(plain[i]), value_of(plain[i + 1])];
            if pair == [Some(0), Some(31)] || pair == [Some(31), Some(0)] {
                continue;
            }
            assert!(TrackingCode::parse(&swapped).is_err(), "{swapped}");
        }
        for bad in [
            "",
            "ABCD",
            "7KQ2-MV9D-XH3R-TB4W-ZZ",
            "UUUU-UUUU-UUUU-UUUU-U",
            "7KQ2-MV9D-XH3R-TB4W-!",
        ] {
            assert!(TrackingCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_carry_eighty_random_bits() {
        let codes: std::collections::HashSet<String> = (0..1000)
            .map(|_| TrackingCode::generate().unwrap().display())
            .collect();
        assert_eq!(codes.len(), 1000);
    }
}
