//! US Social Security numbers, valid by the SSA's rules (area not 000, 666 or 900–999; group
//! not 00; serial not 0000), written as people write them:
//! - three groups, 3-2-4, joined by separators of any kind and mix (`512-43-8876`,
//!   `512 - 43 8876`, `512/43/8876`, "512 dash 43 dash 8876"): that shape is an SSN's;
//! - nine digits in any other grouping (`512438876`, `512 438 876`) when the words around say
//!   it is one, spelt right or not ("ssn", "SNN", "ss#", "socail", "seguro social", "... that's
//!   my social"). Nine digits alone are as likely a claim or order number.

use super::numbers::{Group, Window, context, windows, words_before};
use super::words::{has_word, has_word_or_typo};

/// Words that name an SSN, lower case, matched whole.
const WORDS: &[&str] = &[
    "ssn",
    "ssns",
    "snn",
    "ssn#",
    "ss#",
    "ss #",
    "ss no",
    "ss num",
    "s.s.n",
    "s.s.",
    "s s n",
    "soc",
    "soc sec",
    "socsec",
    "social",
    "sosh",
    "social security",
    "taxpayer id",
    "tin",
    "itin",
    "seguro social",
    "ssa number",
];
/// The same, one typo away: "socail", "scoial", "socal".
const WORDS_TYPED: &[&str] = &["social"];
/// "Social" followed by one of these is not a number's name ("social media", "the social
/// security office").
const NOT_SOCIAL: &[&str] = &[
    "media",
    "worker",
    "workers",
    "services",
    "service",
    "life",
    "club",
    "network",
    "networks",
    "event",
    "events",
    "skills",
    "anxiety",
    "security office",
    "security administration",
    "security benefits",
    "security disability",
    "security income",
    "security check",
    "security checks",
    "security payments",
    "security card office",
];

/// How far before and after a number its name may stand.
const BEFORE: usize = 48;
const AFTER: usize = 40;

pub(crate) fn is_valid(area: &str, group: &str, serial: &str) -> bool {
    let (Ok(a), Ok(g), Ok(s)) = (
        area.parse::<u32>(),
        group.parse::<u32>(),
        serial.parse::<u32>(),
    ) else {
        return false;
    };
    area.len() == 3
        && group.len() == 2
        && serial.len() == 4
        && a != 0
        && a != 666
        && a < 900
        && g != 0
        && s != 0
}

/// Words that name a nine-digit number as an employer's: an EIN is not an SSN.
const EMPLOYER: &[&str] = &["ein", "fein", "employer id", "employer identification"];

/// Whether the words around the number, and not those of another number, say an SSN is
/// meant.
fn named(text: &str, window: &Window<'_, '_>) -> bool {
    let before = words_before(text, window.start(), BEFORE);
    let after = context(text, window.end(), window.end(), 0, AFTER);
    if EMPLOYER.iter().any(|w| has_word(&before, w)) {
        return false;
    }
    let says_ssn = |words: &str| {
        let mut words = words.to_owned();
        for phrase in NOT_SOCIAL {
            words = words.replace(&format!("social {phrase}"), " ");
        }
        WORDS.iter().any(|w| has_word(&words, w)) || has_word_or_typo(&words, WORDS_TYPED)
    };
    // Named before ("my ssn is …"), or after ("… that's my social"), but not by words that
    // introduce the next number ("claim # … / ssn xxx-xx-…").
    says_ssn(&before) || says_ssn(own_words_after(&after))
}

/// The words after a number that still speak of it: up to where the next number (or a
/// masked one, `xxx-xx-…`) is introduced, less the clause that introduces it.
fn own_words_after(after: &str) -> &str {
    let next = ["xx", "**"]
        .iter()
        .filter_map(|mark| after.find(mark))
        .chain(after.find(|c: char| c.is_ascii_digit()))
        .min()
        .unwrap_or(after.len());
    if next == after.len() {
        return after;
    }
    let clause = [",", "/", ";", "(", " and ", " y ", " or ", ". ", "|"]
        .iter()
        .filter_map(|mark| after[..next].rfind(mark))
        .max()
        .unwrap_or(0);
    &after[..clause]
}

fn is_ssn(text: &str, window: &Window<'_, '_>) -> bool {
    let digits = window.digits();
    let (area, rest) = digits.split_at(3);
    let (group, serial) = rest.split_at(2);
    if !is_valid(area, group, serial) {
        return false;
    }
    if !window.loosest().is_tight() {
        return false;
    }
    // ZIP+4 (5-4) and an EIN (2-7) are other numbers' shapes, whatever is said near them.
    match window.lengths().as_slice() {
        [3, 2, 4] => true,
        [9] | [3, 3, 3] | [3, 6] | [6, 3] => named(text, window),
        _ => false,
    }
}

pub(crate) fn found(text: &str, groups: &[Group<'_>]) -> bool {
    windows(groups, 9, 9).any(|window| is_ssn(text, &window))
}
