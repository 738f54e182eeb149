//! Payment card numbers: 13 to 19 digits that pass the Luhn check and start with a real
//! issuer's prefix, at a length that issuer uses. Both conditions together keep phone, order
//! and tracking numbers out: a random number passes Luhn one time in ten, and few start like a
//! card. Written in pieces ("4532 0151 / 1283 0366", "4532 0151 and then 1283 0366", "my visa
//! 4532 0151 exp 04/27 no wait 1283 0366"), the pieces must be grouped as cards are and, the
//! looser they are joined, the more the words around must say it is a card.

use super::numbers::{Gap, Group, Window, context, windows, words_before};
use super::words::{has_word, has_word_or_typo};

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

/// Words that say a number is a card's, in English and Spanish.
const WORDS: &[&str] = &[
    "card",
    "cards",
    "cc",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "master card",
    "mc",
    "amex",
    "american express",
    "discover",
    "jcb",
    "diners",
    "unionpay",
    "exp",
    "expires",
    "expiry",
    "expiration",
    "cvv",
    "cvv2",
    "cvc",
    "cvc2",
    "csc",
    "security code",
    "tarjeta",
    "crédito",
    "credito",
    "débito",
    "debito",
    "vence",
    "vencimiento",
    "código de seguridad",
    "codigo de seguridad",
];
/// The same words, one typo away ("crad" aside, which is too short to tell).
const WORDS_TYPED: &[&str] = &["mastercard", "tarjeta", "credit", "expiration", "security"];

/// Whether `lengths` is how card numbers are written: whole; in fours (the last group may be
/// shorter); American Express's 4-6-5 and Diners Club's 4-6-4; or two halves.
pub(crate) fn card_shaped(lengths: &[usize]) -> bool {
    match lengths {
        [_] | [4, 6, 5] | [4, 6, 4] => true,
        [a, b] => *a >= 6 && *b >= 6 && a.abs_diff(*b) <= 1,
        [init @ .., last] => init.iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// What, said just before a number, makes it a masked one ("card ending in 4242").
const MASKED: &[&str] = &[
    "ending in",
    "ending with",
    "ends in",
    "ends with",
    "ending",
    "last 4",
    "last four",
    "terminada en",
    "termina en",
    "últimos 4",
    "ultimos 4",
];

/// What introduces the first piece of a number given piece by piece.
const PIECES: &[&str] = &["first four", "first 4", "primeros cuatro", "primeros 4"];

/// Whether the window's digits are a card number, judged by how they are joined: one number
/// written the usual way needs nothing more; groups joined by mixed separators must be
/// grouped the way cards are; joined by words ("and then", "hold on"), they must be exact
/// fours (4-4-4-4, or Amex's 4-6-5) that are not amounts, or the words around must say it is
/// a card, and then any split at multiples of four will do.
fn is_card(text: &str, window: &Window<'_, '_>) -> bool {
    let digits = window.digits();
    if !(13..=19).contains(&digits.len()) || !issuer(digits) || !luhn(digits) {
        return false;
    }
    if window.uniform() {
        return true;
    }
    let lengths = window.lengths();
    let worded = || {
        let around = context(text, window.start(), window.end(), 64, 48);
        WORDS.iter().any(|w| has_word(&around, w)) || has_word_or_typo(&around, WORDS_TYPED)
    };
    // A group said to be the end of a number ("card ending in 4242") is that number, whole;
    // unless the number was given piece by piece ("first four 4706, ... last four 3494").
    let masked = || {
        let first = words_before(text, window.start(), 16);
        let piece_by_piece = PIECES.iter().any(|w| has_word(&first, w));
        window.groups.iter().any(|group| {
            let before = words_before(text, group.start, 16);
            MASKED.iter().any(|w| {
                before.trim_end().ends_with(w) && !(piece_by_piece && w.starts_with("last"))
            })
        })
    };
    let fours = match lengths.as_slice() {
        [4, 6, 5] => true,
        [init @ .., last] => init.iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    };
    // Split by hand, a card number comes apart at a multiple of four: "4978 and then
    // 856570253778", "5430 9875 and 21481264".
    let pieces = card_shaped(&lengths)
        || lengths
            .split_last()
            .is_some_and(|(_, init)| init.iter().all(|&l| l % 4 == 0));
    match window.loosest() {
        Gap::Single(_) | Gap::Separators => card_shaped(&lengths),
        Gap::Connected | Gap::Words => {
            !masked() && (fours && !money(text, window) || pieces && worded())
        }
        Gap::Apart => false,
    }
}

/// Whether any of the window's groups is written as an amount (`$4000`, `4000 dollars`): a
/// list of amounts is not a card number split up.
fn money(text: &str, window: &Window<'_, '_>) -> bool {
    window.groups.iter().any(|group| {
        let before = text[..group.start].trim_end().chars().next_back();
        let after = text[group.end..].trim_start().to_lowercase();
        matches!(before, Some('$' | '£' | '€'))
            || ["dollar", "usd", "buck", "peso", "dólar", "k "]
                .iter()
                .any(|unit| after.starts_with(unit))
    })
}

pub(crate) fn found(text: &str, groups: &[Group<'_>]) -> bool {
    windows(groups, 13, 19).any(|window| is_card(text, &window))
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
