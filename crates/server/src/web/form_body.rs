//! Form bodies shared by several pages.

use serde::Deserialize;
use zeroize::Zeroizing;

/// The token of an e-mailed link (password reset, invitation, e-mail confirmation), as the
/// page's query string carries it.
#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

/// A second-factor code (TOTP or recovery), typed by a person.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    pub code: Zeroizing<String>,
}

impl CodeForm {
    /// The code, cut to a length no real code exceeds, so nothing huge is processed.
    pub fn code(&self) -> String {
        self.code.chars().take(64).collect()
    }
}

/// A form whose fields may repeat (checkbox lists, rows of a table), read from the raw body
/// as its ordered pairs. serde's url-encoded format cannot express a repeated key, so these
/// forms are read by name. The one reader of form values: every page that needs more than
/// serde gives uses it.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The same, from a body already read as text.
    pub fn parse_str(body: &str) -> Self {
        Self::parse(body.as_bytes())
    }

    /// Fields read some other way (the text parts of a multipart form).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `name`, or "" when absent.
    pub fn one(&self, name: &str) -> &str {
        self.nth(name, 0)
    }

    /// The `index`th value of `name`, or "" when absent.
    pub fn nth(&self, name: &str, index: usize) -> &str {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .nth(index)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether `name` was sent with `value` (a checked box, a chosen option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs().any(|(k, v)| k == name && v == value)
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
