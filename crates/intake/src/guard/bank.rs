//! US bank account details: a routing number (nine digits passing the ABA checksum, with a
//! Federal Reserve prefix) together with what makes it an account: the words around it, or
//! another number that can be an account number.

use super::numbers::Run;
use super::words::has_word;

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
];

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

pub(crate) fn found(text: &str, runs: &[Run<'_>]) -> bool {
    let lower = text.to_lowercase();
    let worded = WORDS.iter().any(|w| has_word(&lower, w));
    runs.iter().enumerate().any(|(i, run)| {
        // Routing numbers are written as nine digits in a row; a grouped nine (512-43-8876)
        // is the shape of an SSN, not of a routing number.
        let routing = run.groups.iter().any(|g| is_routing(g));
        let account_beside = runs
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && (4..=17).contains(&other.len()));
        routing && (worded || account_beside)
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
