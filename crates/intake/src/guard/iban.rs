//! International bank account numbers: two letters, two check digits and up to 30 letters and
//! digits, written whole or in groups of four, valid by the ISO 13616 mod-97 check.

fn mod97(iban: &str) -> bool {
    let Some((head, tail)) = iban.split_at_checked(4) else {
        return false;
    };
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        for digit in value.to_string().bytes() {
            remainder = (remainder * 10 + u32::from(digit - b'0')) % 97;
        }
    }
    remainder == 1
}

fn plausible(candidate: &str) -> bool {
    let bytes = candidate.as_bytes();
    (15..=34).contains(&candidate.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes[1].is_ascii_alphabetic()
        && bytes[2].is_ascii_digit()
        && bytes[3].is_ascii_digit()
        && mod97(candidate)
}

/// Characters people put between an IBAN's groups.
const SEPARATORS: &[u8] = b" -.";

pub(crate) fn found(text: &str) -> bool {
    let upper = text.to_uppercase();
    let bytes = upper.as_bytes();
    for start in 0..bytes.len() {
        let begins = (start == 0 || !bytes[start - 1].is_ascii_alphanumeric())
            && bytes[start].is_ascii_alphabetic()
            && bytes.get(start + 1).is_some_and(u8::is_ascii_alphabetic)
            && bytes.get(start + 2).is_some_and(u8::is_ascii_digit)
            && bytes.get(start + 3).is_some_and(u8::is_ascii_digit);
        if !begins {
            continue;
        }
        // Gather letters and digits, allowing one or two separators between groups; then try every length from the longest down (a
        // short word after the number may have been taken).
        let mut candidate = String::new();
        let mut cuts = Vec::new();
        let mut i = start;
        while i < bytes.len() && candidate.len() < 34 {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                candidate.push(char::from(b));
                i += 1;
                continue;
            }
            let gap = bytes[i..]
                .iter()
                .take_while(|b| SEPARATORS.contains(b))
                .count();
            if (1..=2).contains(&gap) && bytes.get(i + gap).is_some_and(u8::is_ascii_alphanumeric) {
                cuts.push(candidate.len());
                i += gap;
            } else {
                break;
            }
        }
        cuts.push(candidate.len());
        if cuts
            .iter()
            .rev()
            .any(|&cut| candidate.get(..cut).is_some_and(plausible))
        {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_decide() {
        assert!(found("IBAN DE89 3704 0044 0532 0130 00 please"));
        assert!(found("gb82west12345698765432"));
        assert!(!found("DE89 3704 0044 0532 0130 01"));
        assert!(!found("AB12 is a code"));
        assert!(found("iban: de89-3704-0044-0532-0130-00"));
        assert!(found("GB82 WEST 1234 5698 7654 32"));
    }
}
