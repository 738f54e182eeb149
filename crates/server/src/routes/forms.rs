//! Form bodies shared by several pages.

use serde::Deserialize;
use zeroize::Zeroizing;

/// A form whose only field is its anti-CSRF token (sign out, end a session).
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// A second-factor code (TOTP or recovery), typed by a person.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub code: Zeroizing<String>,
}

impl CodeForm {
    /// The code, cut to a length no real code exceeds, so nothing huge is processed.
    pub fn code(&self) -> String {
        self.code.chars().take(64).collect()
    }
}
