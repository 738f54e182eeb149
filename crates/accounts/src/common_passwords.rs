//! The bundled list of passwords known from breaches (see `data/README.md`).

use std::collections::HashSet;
use std::sync::LazyLock;

static LIST: &str = include_str!("../data/common-passwords.txt");

/// Built on first use (about 44,000 entries, a few milliseconds), then shared.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| LIST.lines().collect());

/// Whether `candidate`, ignoring case, is a password attackers try first.
pub fn is_common(candidate: &str) -> bool {
    COMMON.contains(candidate.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_breached_passwords_are_found_in_any_case() {
        assert!(is_common("qwertyuiopasdfghjkl") || is_common("1qaz2wsx3edc"));
        assert!(is_common("1Qaz2Wsx3Edc"));
        assert!(is_common("iloveyouforever") || is_common("123456789987654321"));
        assert!(!is_common("orchid lantern gravel seventy"));
    }

    #[test]
    fn the_list_is_loaded_whole() {
        assert!(COMMON.len() > 40_000, "{}", COMMON.len());
    }
}
