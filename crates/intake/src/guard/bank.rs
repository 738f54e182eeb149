//! US bank account details: a routing number (nine digits passing the ABA checksum, with a
//! Federal Reserve prefix, in a row or in threes) together with what makes it an account: the
//! words of banking, in English or Spanish, or another number that can be an account number
//! (unless the nine digits are named as something else: a claim, an order, a booking).

use super::numbers::{Group, Window, context, windows};
use super::words::{has_word, has_word_or_typo};

const WORDS: &[&str] = &[
    "routing",
    "aba",
    "rtn",
    "account",
    "acct",
    "acc",
    "checking",
    "savings",
    "bank",
    "wire",
    "direct deposit",
    "transit",
    "cuenta",
    "ruta",
    "banco",
    "bancaria",
    "bancario",
    "transferencia",
    "depósito directo",
    "deposito directo",
    "ahorros",
    "cheques",
];
/// The same, one typo away ("rounting", "acount", "cheking").
const TYPED: &[&str] = &["routing", "account", "checking", "savings"];

/// The ABA routing number checksum, and a prefix the Federal Reserve assigns.
pub(crate) fn is_routing(digits: &str) -> bool {
    if digits.len() != 9 {
        return false;
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let prefix = d[0] * 10 + d[1];
    let checksum = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8]);
    checksum.is_multiple_of(10) && matches!(prefix, 1..=12 | 21..=32 | 61..=72 | 80)
}

/// Words that name a nine-digit number as something other than a routing number.
const OTHER_NUMBERS: &[&str] = &[
    "claim",
    "case",
    "order",
    "booking",
    "confirmation",
    "tracking",
    "policy",
    "member",
    "student",
    "employee",
    "docket",
    "invoice",
    "reference",
    "ticket",
    "inmate",
    "patient",
    "file",
    "phone",
    "license",
    "permit",
];

/// Nine digits in a row, or in threes (`021 000 021`, `021-000-021`): how routing numbers are
/// written. A grouped nine in SSN shape (512-43-8876) is not one.
fn routing_window(window: &Window<'_, '_>) -> bool {
    is_routing(window.digits()) && {
        let lengths = window.lengths();
        lengths == [9] || lengths == [3, 3, 3] && window.loosest().is_tight()
    }
}

pub(crate) fn found(text: &str, groups: &[Group<'_>]) -> bool {
    // Read once, and only when there is a routing number to judge.
    let worded = std::cell::OnceCell::new();
    let worded = || {
        *worded.get_or_init(|| {
            let lower = text.to_lowercase();
            WORDS.iter().any(|w| has_word(&lower, w)) || has_word_or_typo(&lower, TYPED)
        })
    };
    windows(groups, 9, 9).filter(routing_window).any(|routing| {
        let before = context(text, routing.start(), routing.start(), 24, 0);
        let named_otherwise = OTHER_NUMBERS.iter().any(|w| has_word(&before, w));
        let account_beside = windows(groups, 4, 17).any(|other| {
            other.uniform() && (other.end() <= routing.start() || other.start() >= routing.end())
        });
        worded() || account_beside && !named_otherwise
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_numbers_check_out() {
        assert!(is_routing("021000021"));
        assert!(is_routing("011000015"));
        assert!(!is_routing("021000022"));
        assert!(!is_routing("991000021"));
    }
}
