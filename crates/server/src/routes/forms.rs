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

/// A form whose fields may repeat (checkbox lists), read from the raw body. serde's
/// url-encoded format cannot express a repeated key, so these forms are read by name.
#[derive(Debug)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// Fields read some other way (the text parts of a multipart form).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`, or "" when absent.
    pub fn one(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every (name, value), in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
