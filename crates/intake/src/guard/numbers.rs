//! Numbers as people type them: runs of digit groups joined by one kind of separator
//! (`4111 1111 1111 1111`, `512-43-8876`, `512.43.8876`, `021000021`).
//!
//! A run never touches a letter (so `1Z999AA10123456784` or `2:23-cv-01234` hold no run that
//! could pass for a card or an SSN by accident) and uses one separator throughout: when the
//! separator changes, a new run starts.

/// One run: its digit groups, in order, and where it lies in the text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run<'a> {
    pub groups: Vec<&'a str>,
    pub separator: Option<u8>,
    pub start: usize,
    pub end: usize,
}

impl Run<'_> {
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.len()).sum()
    }

    /// Every window of consecutive groups, as (first group, one past the last) indices.
    pub fn windows(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n = self.groups.len();
        (0..n).flat_map(move |i| (i + 1..=n).map(move |j| (i, j)))
    }

    pub fn window_digits(&self, (i, j): (usize, usize)) -> String {
        self.groups
            .get(i..j)
            .map(|g| g.concat())
            .unwrap_or_default()
    }
}

const SEPARATORS: &[u8] = b" -.";

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// The runs of `text`.
pub(crate) fn runs(text: &str) -> Vec<Run<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (is_word_byte(bytes[i - 1]) || bytes[i - 1].is_ascii_digit()))
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut groups = Vec::new();
        let mut separator: Option<u8> = None;
        let mut end;
        loop {
            let group_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            groups.push(&text[group_start..i]);
            end = i;
            // Another group follows only after exactly one separator of the run's kind.
            let next = bytes.get(i).copied();
            let after = bytes.get(i + 1).copied();
            match (next, after) {
                (Some(sep), Some(d))
                    if SEPARATORS.contains(&sep)
                        && d.is_ascii_digit()
                        && separator.is_none_or(|s| s == sep) =>
                {
                    separator = Some(sep);
                    i += 1;
                }
                _ => break,
            }
        }
        // A run glued to a letter is part of a code, not a number.
        let glued = bytes.get(end).is_some_and(|&b| is_word_byte(b));
        if !glued {
            found.push(Run {
                groups,
                separator,
                start,
                end,
            });
        }
        i = end.max(start + 1);
    }
    found
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(text: &str) -> Vec<Vec<&str>> {
        runs(text).into_iter().map(|r| r.groups).collect()
    }

    #[test]
    fn runs_keep_one_separator_and_never_touch_letters() {
        assert_eq!(
            shapes("call 415-555-0132 now"),
            vec![vec!["415", "555", "0132"]]
        );
        assert_eq!(
            shapes("4111 1111 1111 1111"),
            vec![vec!["4111", "1111", "1111", "1111"]]
        );
        assert_eq!(
            shapes("512-43-8876 5551234"),
            vec![vec!["512", "43", "8876"], vec!["5551234"]]
        );
        assert_eq!(
            shapes("1Z999AA10123456784 and 2:23-cv-01234"),
            vec![vec!["2"], vec!["23"], vec!["01234"]]
        );
        assert_eq!(
            shapes("$12,500 on 03/14/2023"),
            vec![
                vec!["12"],
                vec!["500"],
                vec!["03"],
                vec!["14"],
                vec!["2023"]
            ]
        );
        assert_eq!(shapes("A1234567"), Vec::<Vec<&str>>::new());
    }
}
