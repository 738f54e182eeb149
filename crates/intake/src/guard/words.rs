//! Words looked for in text as whole words: no letter on either side, so `ssn` is found in
//! "my ssn is" and not in "classnote".

use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Whether `haystack[at..end]` stands as a whole word: no letter, of any alphabet, on either
/// side ("lesion" is not found in "lesioné"; "cáncer" is found after "¿").
fn whole(haystack: &str, at: usize, end: usize) -> bool {
    let letter = |c: Option<char>| c.is_some_and(char::is_alphabetic);
    let before = haystack.get(..at).and_then(|h| h.chars().next_back());
    let after = haystack.get(end..).and_then(|h| h.chars().next());
    !letter(before) && !letter(after)
}

/// A long list of words, looked for together: one pass over the text for all of them
/// instead of one search each (which, for a list of hundreds, was the guard's main cost).
pub(crate) struct WordList {
    words: Vec<&'static str>,
    /// `None` only if the automaton could not be built (then each word is searched for).
    automaton: Option<AhoCorasick>,
}

impl WordList {
    pub(crate) fn new(words: impl IntoIterator<Item = &'static str>) -> Self {
        let words: Vec<&'static str> = words.into_iter().collect();
        // A DFA: the fastest to search, overlapping, and small enough for a word list.
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .ok();
        Self { words, automaton }
    }

    /// Whether `haystack` holds any of the words as a whole word at a place where `counts`
    /// (given the word and where it starts) says it counts.
    pub(crate) fn any_where(
        &self,
        haystack: &str,
        mut counts: impl FnMut(&'static str, usize) -> bool,
    ) -> bool {
        match &self.automaton {
            // Overlapping: a word inside a longer one must not hide another that stands
            // whole at the same place.
            Some(automaton) => automaton.find_overlapping_iter(haystack).any(|found| {
                whole(haystack, found.start(), found.end())
                    && self
                        .words
                        .get(found.pattern().as_usize())
                        .is_some_and(|word| counts(word, found.start()))
            }),
            None => self
                .words
                .iter()
                .any(|word| positions(haystack, word).any(|at| counts(word, at))),
        }
    }
}

/// Whether `haystack` holds `word` as a whole word (letters on neither side).
pub(crate) fn has_word(haystack: &str, word: &str) -> bool {
    positions(haystack, word).next().is_some()
}

/// Where `word` stands whole in `haystack`.
fn positions<'h>(haystack: &'h str, word: &'h str) -> impl Iterator<Item = usize> + 'h {
    haystack
        .match_indices(word)
        .map(|(at, _)| at)
        .filter(move |&at| !word.is_empty() && whole(haystack, at, at + word.len()))
}

/// Whether `a` and `b` differ by at most one letter inserted, removed or changed, or two
/// neighbouring letters swapped.
pub(crate) fn near(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let skip = |x: &[u8], n: usize| x.get(n..).unwrap_or_default().to_vec();
    let swapped = ra.len() >= 2
        && ra.len() == rb.len()
        && ra[0] == rb[1]
        && ra[1] == rb[0]
        && skip(ra, 2) == skip(rb, 2);
    ra.is_empty() && rb.len() <= 1
        || rb.is_empty() && ra.len() <= 1
        || skip(ra, 1) == skip(rb, 1)
        || skip(ra, 1) == rb
        || ra == skip(rb, 1)
        || swapped
}

/// Whether any word of `lower` is `label` or one typo away from it ([`near`]): "socail",
/// "rounting", "acount". Only labels of five letters or more are matched this way; shorter
/// ones are too close to ordinary words.
pub(crate) fn has_word_or_typo(lower: &str, labels: &[&str]) -> bool {
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| word.len() >= 5)
        .any(|word| labels.iter().any(|label| near(word, label)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(has_word("my ssn is", "ssn"));
        assert!(!has_word("classnote", "ssn"));
        assert!(has_word("ss# 1", "ss#"));
    }

    impl WordList {
        fn any_where_whole(&self, haystack: &str) -> bool {
            self.any_where(haystack, |_, _| true)
        }
    }

    #[test]
    fn a_word_list_finds_whole_words_only_even_inside_longer_matches() {
        let list = WordList::new(["ssn", "classnote", "note", "ss#"]);
        assert!(list.any_where_whole("my ssn is"));
        assert!(list.any_where_whole("a classnote"));
        assert!(!list.any_where_whole("classnotes"));
        assert!(list.any_where_whole("classnotes and a note"));
        assert!(list.any_where_whole("ss# 1"));
        assert!(!list.any_where_whole("passnote"));
        assert!(!list.any_where_whole(""));
    }
}
