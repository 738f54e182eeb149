//! Identity document numbers: a passport or a driver's licence number, introduced by the words
//! people use for them. Without those words a string of letters and digits is just a
//! reference; with them, it is very likely the document's number.

use super::words::{has_word, near};

/// What introduces a document number, and what, said right after, means something else
/// (a licence plate is not a licence).
pub(crate) struct Document {
    pub introducers: &'static [&'static str],
    pub not_after: &'static [&'static str],
    pub not_before: &'static [&'static str],
}

pub(crate) const PASSPORT: Document = Document {
    introducers: &[
        "passport",
        "pasport",
        "passpoort",
        "reisepass",
        "pasaporte",
        "passeport",
    ],
    not_after: &[],
    not_before: &[],
};

pub(crate) const DRIVERS_LICENSE: Document = Document {
    introducers: &[
        "driver's license",
        "drivers license",
        "driver license",
        "driver's licence",
        "drivers licence",
        "driving licence",
        "driving license",
        "driver’s license",
        "driver’s licence",
        "driver's lic",
        "drivers lic",
        "driver lic",
        "lic. no",
        "lic no",
        "license number",
        "licence number",
        "license no",
        "licence no",
        "license #",
        "license#",
        "lic #",
        "lic#",
        "dl#",
        "dl #",
        "dl no",
        "dl number",
        "dl:",
        "dl ",
        "dl",
        "state id",
        "cdl",
        "cdl#",
        "id card",
        "licencia de conducir",
        "licencia de manejo",
        "licencia de manejar",
        "licencia para conducir",
        "número de licencia",
        "numero de licencia",
        "licencia",
        "identificación estatal",
        "identificacion estatal",
    ],
    not_after: &[
        "plate",
        "plates",
        "de contratista",
        "comercial",
        "de negocio",
        "de bienes",
        "de matrimonio",
        "de pesca",
        "de caza",
        "de licor",
        "profesional",
        "de placa",
    ],
    not_before: &[
        "business",
        "liquor",
        "contractor",
        "contractor's",
        "bar",
        "marriage",
        "professional",
        "real estate",
        "nursing",
        "medical",
        "law",
        "broker",
        "vendor",
        "dog",
        "fishing",
        "hvac",
        "plumber",
        "plumbing",
        "electrician",
        "electrical",
        "realtor",
        "insurance",
        "pharmacy",
        "cosmetology",
        "hunting",
    ],
};

/// How far after the introducer the number may start (it stops at the end of a sentence).
const REACH: usize = 64;
/// How far before the introducer a number may stand ("X1234567 is my passport number").
const REACH_BACK: usize = 24;

/// Whether `token` looks like a document number: 6 to 20 letters and digits (separators
/// aside), at least one a digit, and not shaped like a phone number, a date or an amount.
fn document_number(token: &str) -> bool {
    let plain: Vec<u8> = token
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .collect();
    let digits = plain.iter().filter(|b| b.is_ascii_digit()).count();
    (6..=20).contains(&plain.len()) && digits >= 1 && !phone_shaped(token)
}

/// `555-0132`, `415 555 0132`, `1-415-555-0132`: digit groups laid out like a phone number.
fn phone_shaped(token: &str) -> bool {
    let groups: Vec<&str> = token.split(['-', ' ', '.']).collect();
    let shape: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && matches!(shape.as_slice(), [3, 4] | [3, 3, 4] | [1, 3, 3, 4])
}

/// The tokens that follow `from` in `text`, up to `REACH` bytes on: runs of letters, digits
/// and single inner separators.
fn tokens_after(text: &str, from: usize) -> Vec<String> {
    let bytes = text.as_bytes();
    let end = (from + REACH).min(bytes.len());
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut i = from;
    while i < bytes.len() && (i < end || !current.is_empty()) {
        let b = bytes[i];
        let sentence_end = matches!(b, b'.' | b'!' | b'?' | b';')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
            && !text[..i].ends_with("no")
            && !text[..i].ends_with("nr")
            && !text[..i].ends_with("lic");
        let inner_separator = matches!(b, b'-' | b' ' | b'.')
            && !current.is_empty()
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            && current.bytes().last().is_some_and(|c| c.is_ascii_digit());
        if b.is_ascii_alphanumeric() || inner_separator {
            current.push(char::from(b));
        } else {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if sentence_end {
                break;
            }
        }
        i += 1;
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// The token right before `at`, when the words between say it is the document's number:
/// `X1234567 is my passport`, `GB 828697105 is my passport number`.
fn token_before(text: &str, at: usize) -> Option<String> {
    let before = &text[..at];
    let linked = [
        " is my ", " is our ", " is his ", " is her ", " is the ", " was my ",
    ]
    .iter()
    .find_map(|link| before.strip_suffix(link))?;
    let from = linked.len().saturating_sub(REACH_BACK);
    let mut from = from;
    while !linked.is_char_boundary(from) {
        from += 1;
    }
    linked[from..]
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|t| !t.is_empty())
        .map(str::to_owned)
}

/// `text` with each word one typo away from a document word written correctly, so that
/// "pasport", "passprot", "licnse" and "pass port" introduce a number as surely as the
/// words spelt right.
fn spelled(text: &str) -> String {
    const WORDS: [&str; 3] = ["passport", "license", "licence"];
    let mut text = text.to_owned();
    for word in WORDS {
        for split in 2..word.len() - 1 {
            let apart = format!("{} {}", &word[..split], &word[split..]);
            if text.contains(&apart) {
                text = text.replace(&apart, word);
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let fixed = WORDS
            .iter()
            .find(|w| word.len() >= 6 && near(word, w))
            .map_or(word.as_str(), |w| *w);
        out.push_str(fixed);
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Words that name some other number: said between a document word and a number, the
/// number is theirs ("the Passport Parking app, transaction 9470662338").
const OTHER_NUMBERS: &[&str] = &[
    "transaction",
    "order",
    "confirmation",
    "ticket",
    "invoice",
    "receipt",
    "account",
    "case",
    "claim",
    "policy",
    "reference",
    "booking",
    "tracking",
    "citation",
    "docket",
    "member",
    "employee",
    "student",
];

/// How far back, within the sentence, a trade or profession makes a bare "license number"
/// that trade's licence ("our HVAC guy gave us license number …").
const TRADE_REACH: usize = 48;

/// Whether the introducer found at `at` in `lower` is the bare word licence (not naming a
/// driver's licence or an ID), which a trade or profession said shortly before claims.
fn bare_licence(introducer: &str) -> bool {
    ![
        "driv", "dl", "state id", "cdl", "id card", "conduc", "manej", "estatal",
    ]
    .iter()
    .any(|explicit| introducer.contains(explicit))
}

/// The part of `lower` before `at` that is in the same sentence, at most `TRADE_REACH` bytes.
fn sentence_before(lower: &str, at: usize) -> &str {
    let mut from = at.saturating_sub(TRADE_REACH);
    while !lower.is_char_boundary(from) {
        from += 1;
    }
    let window = &lower[from..at];
    window
        .rfind(['.', '!', '?', ';', '\n'])
        .map_or(window, |end| &window[end + 1..])
}

pub(crate) fn found(text: &str, document: &Document) -> bool {
    let lower = spelled(&text.to_lowercase());
    for introducer in document.introducers {
        let mut from = 0;
        while let Some(at) = lower[from..].find(introducer).map(|i| i + from) {
            from = at + introducer.len();
            let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphabetic();
            // A short introducer ("dl", "cdl") must be a word of its own.
            let after_ok = introducer.len() > 3
                || !introducer.ends_with(|c: char| c.is_ascii_alphanumeric())
                || lower
                    .as_bytes()
                    .get(from)
                    .is_none_or(|b| !b.is_ascii_alphanumeric());
            let before = lower[..at].trim_end();
            let excluded_before = document.not_before.iter().any(|w| before.ends_with(w))
                || (bare_licence(introducer)
                    && document
                        .not_before
                        .iter()
                        .any(|w| has_word(sentence_before(&lower, at), w)));
            let rest = lower[from..].trim_start();
            let excluded_after = document.not_after.iter().any(|w| rest.starts_with(w));
            if !before_ok || !after_ok || excluded_before || excluded_after {
                continue;
            }
            // "Passport number …" asks for the number that follows, whatever is said on
            // the way; a bare "passport" gives way to another number's name.
            let tokens = tokens_after(&lower, from);
            let asks_number = tokens
                .first()
                .is_some_and(|t| ["number", "no", "nr", "num"].contains(&t.as_str()));
            let after = tokens
                .iter()
                .take_while(|t| asks_number || !OTHER_NUMBERS.contains(&t.as_str()))
                .any(|t| document_number(t));
            if after || token_before(&lower, at).is_some_and(|t| document_number(&t)) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_licence_words_introduce_a_licence_number_but_not_a_trades() {
        assert!(found(
            "mi licencia de conducir es D1234567",
            &DRIVERS_LICENSE
        ));
        assert!(found("numero de licencia: F55512345", &DRIVERS_LICENSE));
        assert!(!found("licencia de contratista 1048823", &DRIVERS_LICENSE));
        assert!(!found("licencia comercial 55-1234567", &DRIVERS_LICENSE));
    }

    #[test]
    fn numbers_count_only_after_their_words() {
        assert!(found("My passport number is X12345678.", &PASSPORT));
        assert!(!found("My passport expired in 2019.", &PASSPORT));
        assert!(found(
            "Driver's license D123-4567-8901, California",
            &DRIVERS_LICENSE
        ));
        assert!(found("DL# S530 4608 1234", &DRIVERS_LICENSE));
        assert!(!found(
            "my license was suspended for 6 months",
            &DRIVERS_LICENSE
        ));
        assert!(!found("license plate 7ABC123", &DRIVERS_LICENSE));
        assert!(!found("business license #BL-2023-0456", &DRIVERS_LICENSE));
        assert!(!found("A1234567 alone", &DRIVERS_LICENSE));
        assert!(!found(
            "My passport expired, call me at 415-555-0132",
            &PASSPORT
        ));
        assert!(!found(
            "My passport expired. Case 2023-00451 is pending",
            &PASSPORT
        ));
        assert!(found("GB 828697105 is my passport number.", &PASSPORT));
        assert!(found("my pasport no. N50604469", &PASSPORT));
        assert!(found(
            "drivers licnse number D123-4567-8901",
            &DRIVERS_LICENSE
        ));
        assert!(near("passprt", "passport") && near("passsport", "passport"));
        assert!(near("passprot", "passport") && near("licnese", "license"));
        assert!(found("pass port number 730625740", &PASSPORT));
        assert!(found(
            "Y9459405 is my DL, the deputy wrote it wrong",
            &DRIVERS_LICENSE
        ));
        assert!(!found("the handle number 12345678", &DRIVERS_LICENSE));
        assert!(!found(
            "the Passport Parking app, transaction 9470662338",
            &PASSPORT
        ));
        assert!(!found(
            "our plumber gave us license number PLB883921",
            &DRIVERS_LICENSE
        ));
        assert!(found(
            "the plumber took a photo of my driver's license D1234567",
            &DRIVERS_LICENSE
        ));
        assert!(!near("passage", "passport") && !near("licensed", "licence"));
    }
}
