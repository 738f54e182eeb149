//! Payment card numbers: 13 to 19 digits in any grouping that pass the Luhn check and start
//! with a real issuer's prefix. Both conditions together keep phone, order and tracking
//! numbers out: a random number passes Luhn one time in ten, and few start like a card.

use super::numbers::Run;

/// The Luhn checksum (ISO/IEC 7812-1).
pub(crate) fn luhn(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
    }
    sum.is_multiple_of(10)
}

/// Whether `digits` starts like a card of a known issuer, with a length that issuer uses.
fn issuer(digits: &str) -> bool {
    let prefix = |n: usize| {
        digits
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let len = digits.len();
    match digits.as_bytes().first() {
        // Visa
        Some(b'4') => matches!(len, 13 | 16 | 19),
        // Mastercard (51–55, 2221–2720), Maestro and others starting 5 or 6 handled below
        Some(b'5') => (51..=55).contains(&prefix(2)) && len == 16,
        Some(b'2') => (2221..=2720).contains(&prefix(4)) && len == 16,
        // American Express, Diners Club, JCB
        Some(b'3') => {
            (matches!(prefix(2), 34 | 37) && len == 15)
                || ((300..=305).contains(&prefix(3)) && len == 14)
                || (matches!(prefix(2), 36 | 38) && len == 14)
                || ((3528..=3589).contains(&prefix(4)) && (16..=19).contains(&len))
        }
        // Discover, UnionPay
        Some(b'6') => {
            (prefix(4) == 6011 || prefix(2) == 65 || (644..=649).contains(&prefix(3)))
                && (16..=19).contains(&len)
                || prefix(2) == 62 && (16..=19).contains(&len)
        }
        _ => false,
    }
}

pub(crate) fn found(runs: &[Run<'_>]) -> bool {
    runs.iter().any(|run| {
        run.windows().any(|window| {
            let digits = run.window_digits(window);
            (13..=19).contains(&digits.len()) && issuer(&digits) && luhn(&digits)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_issuers() {
        assert!(luhn("4111111111111111"));
        assert!(!luhn("4111111111111112"));
        assert!(issuer("378282246310005") && luhn("378282246310005"));
        assert!(!issuer("1234567812345670"));
    }
}
