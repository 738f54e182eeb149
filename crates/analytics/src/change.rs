//! The changes a variation may make to a page, each checked once when the definition is
//! read: one of a few kinds, attributes and style properties from allow-lists, addresses
//! http(s) and on the site, selectors in our own small grammar. Nothing here can carry
//! markup or script to a visitor's browser.

use serde::Deserialize;
use url::Url;

use crate::selector::{Selector, SelectorRefused};

/// A checked change to the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The element's text (set as text, never parsed as markup).
    SetText {
        selector: Selector,
        text: String,
    },
    /// One of [`ATTRIBUTES`]; `href` and `src` only to http(s) addresses on the site.
    SetAttribute {
        selector: Selector,
        name: String,
        value: String,
    },
    AddClass {
        selector: Selector,
        class: String,
    },
    RemoveClass {
        selector: Selector,
        class: String,
    },
    /// One of [`STYLE_PROPERTIES`], with a value of plain characters.
    SetStyle {
        selector: Selector,
        property: String,
        value: String,
    },
    Hide {
        selector: Selector,
    },
    Show {
        selector: Selector,
    },
    /// Moves the element next to, or into, `target`.
    Move {
        selector: Selector,
        target: Selector,
        position: Position,
    },
    /// Sends the visitor to another address of the site.
    Redirect {
        url: Url,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Before,
    After,
    Prepend,
    Append,
}

/// Attributes a change may set.
pub const ATTRIBUTES: [&str; 7] = [
    "href",
    "src",
    "alt",
    "title",
    "aria-label",
    "placeholder",
    "target",
];

/// Style properties a change may set.
pub const STYLE_PROPERTIES: [&str; 14] = [
    "color",
    "background-color",
    "font-size",
    "font-weight",
    "font-style",
    "text-align",
    "text-decoration",
    "margin",
    "padding",
    "border",
    "border-radius",
    "width",
    "max-width",
    "opacity",
];

const MAX_TEXT: usize = 2_000;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum WireChange {
    SetText {
        selector: String,
        text: String,
    },
    SetAttribute {
        selector: String,
        name: String,
        value: String,
    },
    AddClass {
        selector: String,
        class: String,
    },
    RemoveClass {
        selector: String,
        class: String,
    },
    SetStyle {
        selector: String,
        property: String,
        value: String,
    },
    Hide {
        selector: String,
    },
    Show {
        selector: String,
    },
    Move {
        selector: String,
        target: String,
        position: Position,
    },
    Redirect {
        url: String,
    },
}

fn selector(text: &str) -> Result<Selector, String> {
    Selector::parse(text).map_err(|e: SelectorRefused| e.to_string())
}

/// Text a change writes: bounded, no control characters (it is set as text, never markup).
fn text(value: &str) -> Result<String, String> {
    if value.chars().count() > MAX_TEXT || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!(
            "text is at most {MAX_TEXT} characters, without control characters"
        ));
    }
    Ok(value.to_owned())
}

/// A class name: letters, digits, `-`, `_`.
fn class(value: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value.len() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err("a class name is letters, digits, - and _".to_owned())
    }
}

/// An http(s) address on the site (its domain or a subdomain).
fn site_url(value: &str, site_domain: &str) -> Result<Url, String> {
    let url =
        Url::parse(value.trim()).map_err(|_| "an address must be a full http(s) URL".to_owned())?;
    let on_site = url.host_str().is_some_and(|host| {
        let host = host.to_ascii_lowercase();
        let bare = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_owned();
        let (host, site) = (bare(&host), bare(&site_domain.to_ascii_lowercase()));
        host == site || host.ends_with(&format!(".{site}"))
    });
    if !matches!(url.scheme(), "http" | "https") || !on_site {
        return Err(format!("an address must be http(s) on {site_domain}"));
    }
    Ok(url)
}

pub(crate) fn check(change: WireChange, site_domain: &str) -> Result<Change, String> {
    Ok(match change {
        WireChange::SetText {
            selector: s,
            text: t,
        } => Change::SetText {
            selector: selector(&s)?,
            text: text(&t)?,
        },
        WireChange::SetAttribute {
            selector: s,
            name,
            value,
        } => {
            let name = name.trim().to_ascii_lowercase();
            if !ATTRIBUTES.contains(&name.as_str()) {
                return Err(format!(
                    "the attribute {name:?} may not be set (only {})",
                    ATTRIBUTES.join(", ")
                ));
            }
            let value = match name.as_str() {
                "href" | "src" => site_url(&value, site_domain)?.to_string(),
                "target" if !matches!(value.as_str(), "_blank" | "_self") => {
                    return Err("target is _blank or _self".to_owned());
                }
                _ => text(&value)?,
            };
            Change::SetAttribute {
                selector: selector(&s)?,
                name,
                value,
            }
        }
        WireChange::AddClass {
            selector: s,
            class: c,
        } => Change::AddClass {
            selector: selector(&s)?,
            class: class(&c)?,
        },
        WireChange::RemoveClass {
            selector: s,
            class: c,
        } => Change::RemoveClass {
            selector: selector(&s)?,
            class: class(&c)?,
        },
        WireChange::SetStyle {
            selector: s,
            property,
            value,
        } => {
            let property = property.trim().to_ascii_lowercase();
            if !STYLE_PROPERTIES.contains(&property.as_str()) {
                return Err(format!(
                    "the style property {property:?} may not be set (only {})",
                    STYLE_PROPERTIES.join(", ")
                ));
            }
            // Plain values only: no url(), expression(), escapes, quotes or a second rule.
            let plain = value.len() <= 100
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || " #.,%-()".contains(c))
                && !value.to_ascii_lowercase().contains("url(")
                && !value.to_ascii_lowercase().contains("expression(");
            if !plain {
                return Err("a style value is letters, digits, spaces and # . , % - ( ) only, without url()".to_owned());
            }
            Change::SetStyle {
                selector: selector(&s)?,
                property,
                value,
            }
        }
        WireChange::Hide { selector: s } => Change::Hide {
            selector: selector(&s)?,
        },
        WireChange::Show { selector: s } => Change::Show {
            selector: selector(&s)?,
        },
        WireChange::Move {
            selector: s,
            target,
            position,
        } => Change::Move {
            selector: selector(&s)?,
            target: selector(&target)?,
            position,
        },
        WireChange::Redirect { url } => {
            let url = site_url(&url, site_domain)?;
            if url.query().is_some() || url.fragment().is_some() {
                return Err(
                    "a redirect goes to a page without ? or #: the visitor's own query string is carried over"
                        .to_owned(),
                );
            }
            Change::Redirect { url }
        }
    })
}
