//! Numbers as people type them. A number is read as its **digit groups** and what joins each
//! group to the one before: one separator (`4111 1111`), several or mixed ones (`512-43 8876`,
//! `4111 / 1111`, a line break), a connecting word (`4111 and then 1111`), or a few other words
//! (`4532 0151 my card 1283 0366`). The detectors then try every window of neighbouring groups
//! ([`Window`]) and judge it by its digits (checksums, issuer prefixes, SSN rules), its shape
//! (how it is grouped) and how tightly it is joined; looser joins need the words around them
//! to say what the number is.
//!
//! A group glued to a letter (`1Z999AA10123456784`, `A1234567`, `2:23-cv-01234`'s `23-cv`) is
//! part of a code, not a number: it is no group, and nothing joins across it.

/// A maximal run of ASCII digits that touches no letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Group<'a> {
    pub digits: &'a str,
    pub start: usize,
    pub end: usize,
    /// What joins this group to the one before it.
    pub gap: Gap,
}

/// What stands between two digit groups, from tightest to loosest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// One separator character: how a number is normally grouped (`-`, ` `, `.`, `/`, `,`).
    Single(u8),
    /// Separators only, several or mixed (` - `, ` / `, `...`, a line break), or a dictated
    /// "dash".
    Separators,
    /// A connecting word or a comma and space (`and`, `then`, `y`, `&`, `, `).
    Connected,
    /// A few other words within reach ([`WORDS_REACH`] bytes, [`WORDS_MAX`] words).
    Words,
    /// Nothing joins them: the first group of the text, a sentence between, or a code.
    Apart,
}

impl Gap {
    /// Whether the join is made of separators alone (no word of any kind).
    pub fn is_tight(self) -> bool {
        matches!(self, Self::Single(_) | Self::Separators)
    }
}

/// Characters that separate the groups of one number.
const SEPARATOR_CHARS: &[char] = &[
    ' ', '\t', '\r', '\n', '-', '.', '/', '_', '–', '—', '*', '(', ')',
];
/// Words said between the groups of one number as if they were separators (dictation).
const DICTATED: &[&str] = &["dash", "hyphen", "guion", "guión", "slash", "space"];
/// Words that join the groups of one number when people split it.
const CONNECTING: &[&str] = &[
    "and", "then", "y", "e", "luego", "después", "despues", "next", "plus", "&", "+",
];
/// Words that name another number: said between two groups, they keep them apart ("4368,
/// zip 78495").
pub(crate) const OTHER_NUMBER: &[&str] = &[
    "zip",
    "zipcode",
    "postal",
    "phone",
    "tel",
    "cell",
    "call",
    "text",
    "fax",
    "claim",
    "case",
    "docket",
    "dob",
    "born",
    "apt",
    "apartment",
    "suite",
    "unit",
    "order",
    "invoice",
    "policy",
    "ein",
    "imei",
    "tracking",
    "ticket",
    "room",
    "código",
    "codigo",
    "teléfono",
    "telefono",
    "celular",
    "caso",
];
/// How long a join of separators may be (`" - "`, `" / "`, `"..."`, `"\n\n"`).
const SEPARATORS_REACH: usize = 6;
/// How long a join with a connecting word may be (`", and then "`).
const CONNECTED_REACH: usize = 16;
/// How far apart two groups joined by other words may be, and how many words at most.
const WORDS_REACH: usize = 32;
const WORDS_MAX: usize = 4;

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// The digit groups of `text`, in order.
pub(crate) fn groups(text: &str) -> Vec<Group<'_>> {
    let bytes = text.as_bytes();
    let mut found: Vec<Group<'_>> = Vec::new();
    // Where the last group ended (None after a code, which breaks the join).
    let mut joinable_from: Option<usize> = None;
    // Where the last code ended: digits tied to it by one `-`, `/` or `.` are the code's too
    // (`CV-2026-004512`, `2:23-cv-01234`).
    let mut code_end: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let end = i;
        let glued_before = text[..start].chars().next_back().is_some_and(is_word_char);
        let glued_after = text[end..].chars().next().is_some_and(is_word_char);
        let tied_to_code = code_end
            .is_some_and(|code| code + 1 == start && matches!(bytes[code], b'-' | b'/' | b'.'));
        let hyphenated_word =
            start >= 2 && bytes[start - 1] == b'-' && bytes[start - 2].is_ascii_alphabetic()
                || bytes.get(end) == Some(&b'-')
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_alphabetic);
        if glued_before || glued_after || tied_to_code || hyphenated_word {
            joinable_from = None;
            code_end = Some(end);
            continue;
        }
        let gap = match joinable_from {
            Some(from) => classify(&text[from..start]),
            None => Gap::Apart,
        };
        found.push(Group {
            digits: &text[start..end],
            start,
            end,
            gap,
        });
        joinable_from = Some(end);
    }
    found
}

/// What the text between two groups makes of them.
fn classify(between: &str) -> Gap {
    let mut chars = between.chars();
    if let (Some(c @ ('-' | ' ' | '.' | '/' | ',')), None) = (chars.next(), chars.next()) {
        return Gap::Single(c as u8);
    }
    let mut words = 0;
    let mut connecting = false;
    let mut other = false;
    let mut sentence_end = false;
    for token in between.split(|c: char| SEPARATOR_CHARS.contains(&c) || c == ',') {
        if token.is_empty() {
            continue;
        }
        let lower = token.to_lowercase();
        if DICTATED.contains(&lower.as_str()) {
            continue;
        }
        words += 1;
        if CONNECTING.contains(&lower.as_str()) {
            connecting = true;
        } else if OTHER_NUMBER.contains(&lower.as_str()) {
            return Gap::Apart;
        } else {
            other = true;
            sentence_end |= token.contains(['!', '?', ';', ':', '"']);
        }
    }
    let comma = between.contains(',');
    if full_stop(between) || between.contains("\n\n\n") {
        Gap::Apart
    } else if words == 0 && !comma && between.len() <= SEPARATORS_REACH {
        Gap::Separators
    } else if !other && (connecting || comma) && between.len() <= CONNECTED_REACH {
        Gap::Connected
    } else if !sentence_end && words <= WORDS_MAX && between.len() <= WORDS_REACH {
        Gap::Words
    } else {
        Gap::Apart
    }
}

/// Whether `between` ends a sentence: a full stop followed by a space (an ellipsis, which
/// people type between a number's pieces, does not; nor does a line break).
fn full_stop(between: &str) -> bool {
    let bytes = between.as_bytes();
    bytes.windows(2).enumerate().any(|(i, pair)| {
        pair[0] == b'.' && pair[1].is_ascii_whitespace() && (i == 0 || bytes[i - 1] != b'.')
    })
}

/// The most digits a window holds (a card number's longest).
pub(crate) const MAX_DIGITS: usize = 19;

/// Neighbouring groups read as one number. Its digits are kept inline: the guard tries
/// every window of every answer, so none of them allocates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window<'g, 'a> {
    pub groups: &'g [Group<'a>],
    digits: [u8; MAX_DIGITS],
    len: usize,
}

impl<'g, 'a> Window<'g, 'a> {
    /// Its digits, run together.
    pub fn digits(&self) -> &str {
        self.digits
            .get(..self.len)
            .and_then(|d| std::str::from_utf8(d).ok())
            .unwrap_or_default()
    }

    pub fn start(&self) -> usize {
        self.groups.first().map_or(0, |g| g.start)
    }

    pub fn end(&self) -> usize {
        self.groups.last().map_or(0, |g| g.end)
    }

    /// The lengths of its groups, in order.
    pub fn lengths(&self) -> Vec<usize> {
        self.groups.iter().map(|g| g.digits.len()).collect()
    }

    /// The loosest join inside the window (`Single(b' ')` for one group).
    pub fn loosest(&self) -> Gap {
        self.groups
            .iter()
            .skip(1)
            .map(|g| g.gap)
            .max()
            .unwrap_or(Gap::Single(b' '))
    }

    /// Whether the window is one group, or groups joined by one and the same separator
    /// character throughout (`4111 1111 1111 1111`, `512-43-8876`).
    pub fn uniform(&self) -> bool {
        let mut joins = self.groups.iter().skip(1).map(|g| g.gap);
        match joins.next() {
            None => true,
            Some(first @ Gap::Single(_)) => joins.all(|g| g == first),
            Some(_) => false,
        }
    }
}

/// Every window of neighbouring groups (never across [`Gap::Apart`]) whose digits number
/// between `min` and `max` (at most [`MAX_DIGITS`]).
pub(crate) fn windows<'g, 'a>(
    groups: &'g [Group<'a>],
    min: usize,
    max: usize,
) -> impl Iterator<Item = Window<'g, 'a>> {
    let max = max.min(MAX_DIGITS);
    (0..groups.len()).flat_map(move |first| {
        let mut digits = [0u8; MAX_DIGITS];
        let mut len = 0;
        let mut last = first;
        std::iter::from_fn(move || {
            while let Some(group) = groups.get(last) {
                let joined = last == first || group.gap != Gap::Apart;
                let end = len + group.digits.len();
                if !joined || end > max {
                    return None;
                }
                digits
                    .get_mut(len..end)?
                    .copy_from_slice(group.digits.as_bytes());
                len = end;
                last += 1;
                if len >= min {
                    return Some(Window {
                        groups: groups.get(first..last)?,
                        digits,
                        len,
                    });
                }
            }
            None
        })
    })
}

/// The lower-cased text around `start..end`: `before` bytes before and `after` bytes after,
/// cut at character boundaries.
pub(crate) fn context(text: &str, start: usize, end: usize, before: usize, after: usize) -> String {
    let mut from = start.saturating_sub(before);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + after).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    text[from..to].to_lowercase()
}

/// The lower-cased words just before `start`: at most `reach` bytes, and none from before
/// the previous digit, so that they speak of this number and not of another.
pub(crate) fn words_before(text: &str, start: usize, reach: usize) -> String {
    let window = context(text, start, start, reach, 0);
    let cut = window
        .rfind(|c: char| c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    window[cut..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(text: &str) -> Vec<(&str, Gap)> {
        groups(text)
            .into_iter()
            .map(|g| (g.digits, g.gap))
            .collect()
    }

    #[test]
    fn groups_and_what_joins_them() {
        use Gap::*;
        assert_eq!(
            joined("call 415-555-0132 now"),
            vec![
                ("415", Apart),
                ("555", Single(b'-')),
                ("0132", Single(b'-'))
            ]
        );
        assert_eq!(
            joined("512 - 43 8876"),
            vec![("512", Apart), ("43", Separators), ("8876", Single(b' '))]
        );
        assert_eq!(
            joined("4111 1111 and then 1111\n1111"),
            vec![
                ("4111", Apart),
                ("1111", Single(b' ')),
                ("1111", Connected),
                ("1111", Separators)
            ]
        );
        assert_eq!(
            joined("4532 0151 on my visa 1283 0366"),
            vec![
                ("4532", Apart),
                ("0151", Single(b' ')),
                ("1283", Words),
                ("0366", Single(b' '))
            ]
        );
        assert_eq!(
            joined("512 dash 43 dash 8876"),
            vec![("512", Apart), ("43", Separators), ("8876", Separators)]
        );
    }

    #[test]
    fn codes_and_sentences_break_numbers_apart() {
        use Gap::*;
        assert_eq!(
            joined("1Z999AA10123456784 and 2:23-cv-01234"),
            vec![("2", Apart)]
        );
        assert_eq!(
            joined("case CV-2026-004512 and 4111"),
            vec![("4111", Apart)]
        );
        assert_eq!(joined("A1234567"), vec![]);
        assert_eq!(
            joined("It was 2019. In 2021 it happened again"),
            vec![("2019", Apart), ("2021", Apart)]
        );
        assert_eq!(
            joined("paid on 3/14 and a long way further on, the rest 2200"),
            vec![("3", Apart), ("14", Single(b'/')), ("2200", Apart)]
        );
    }

    #[test]
    fn windows_never_cross_what_keeps_groups_apart() {
        let text = "4111 1111 1111 1111. 5500 0000";
        let groups = groups(text);
        let all: Vec<String> = windows(&groups, 13, 19)
            .map(|w| w.digits().to_owned())
            .collect();
        assert_eq!(all, vec!["4111111111111111".to_owned()]);
        let one = windows(&groups, 16, 16)
            .next()
            .map(|w| (w.uniform(), w.lengths()));
        assert_eq!(one, Some((true, vec![4, 4, 4, 4])));
    }
}
