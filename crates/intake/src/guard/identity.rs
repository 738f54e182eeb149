//! Identity document numbers: a passport or a driver's licence number, introduced by the words
//! people use for them. Without those words a string of letters and digits is just a
//! reference; with them, it is very likely the document's number.

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
        "state id",
        "cdl",
        "cdl#",
        "id card",
    ],
    not_after: &["plate", "plates"],
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

/// Whether `a` and `b` differ by at most one letter inserted, removed or changed.
fn near(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let skip = |x: &[u8], n: usize| x.get(n..).unwrap_or_default().to_vec();
    ra.is_empty() && rb.len() <= 1
        || rb.is_empty() && ra.len() <= 1
        || skip(ra, 1) == skip(rb, 1)
        || skip(ra, 1) == rb
        || ra == skip(rb, 1)
}

/// `text` with each word one typo away from a document word written correctly, so that
/// "pasport" and "licnse" introduce a number as surely as the words spelt right.
fn spelled(text: &str) -> String {
    const WORDS: [&str; 3] = ["passport", "license", "licence"];
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

pub(crate) fn found(text: &str, document: &Document) -> bool {
    let lower = spelled(&text.to_lowercase());
    for introducer in document.introducers {
        let mut from = 0;
        while let Some(at) = lower[from..].find(introducer).map(|i| i + from) {
            from = at + introducer.len();
            let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphabetic();
            let before = lower[..at].trim_end();
            let excluded_before = document.not_before.iter().any(|w| before.ends_with(w));
            let rest = lower[from..].trim_start();
            let excluded_after = document.not_after.iter().any(|w| rest.starts_with(w));
            if !before_ok || excluded_before || excluded_after {
                continue;
            }
            if tokens_after(&lower, from)
                .iter()
                .any(|t| document_number(t))
                || token_before(&lower, at).is_some_and(|t| document_number(&t))
            {
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
        assert!(!near("passage", "passport") && !near("licensed", "licence"));
    }
}
