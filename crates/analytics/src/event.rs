//! An event as the tracking script sends it, checked before anything is done with it
//! ("parse, don't validate"): what passes is an [`IncomingEvent`] whose every part is within
//! bounds; what does not is refused with the reason, and nothing of it is kept.
//!
//! The script sends a small JSON object as `text/plain` (no CORS preflight), with short keys
//! to keep the script small:
//!
//! ```json
//! {"s": "5f0c…", "n": "pageview", "u": "https://lima.law/fees?utm_source=news",
//!  "r": "https://www.google.com/", "w": 1280, "p": {"plan": "pro"}, "$": {"amount": "19.99", "currency": "USD"}}
//! ```
//!
//! `s` the site's id, `n` the event's name, `u` the page's URL, `r` the referrer, `w` the screen width in CSS
//! pixels, `p` custom properties, `$` revenue; all but `s`, `n` and `u` may be left
//! out.

use std::collections::BTreeMap;

use leadvault_store::SiteId;
use serde::Deserialize;
use url::Url;

use crate::channel::same_site;

/// The longest event name, property key and property value, and the most properties.
pub const MAX_NAME: usize = 120;
pub const MAX_PROP_KEY: usize = 300;
pub const MAX_PROP_VALUE: usize = 2_000;
pub const MAX_PROPS: usize = 30;
/// Longer URLs and referrers are refused (a page) or dropped (a referrer): nobody's real
/// address is this long, and each is stored with every event.
pub const MAX_URL: usize = 2_000;

/// The name of an automatic page view.
pub const PAGEVIEW: &str = "pageview";

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventRefused {
    #[error("the body is not an event (JSON with at least \"s\", \"n\" and \"u\")")]
    Malformed,
    #[error("the site is not a site id")]
    Site,
    #[error("the event's name is empty, too long or holds control characters")]
    Name,
    #[error(
        "the page's address is not an http or https URL with a host, of at most {MAX_URL} characters"
    )]
    Page,
    #[error(
        "at most {MAX_PROPS} properties, keys of {MAX_PROP_KEY} and values of {MAX_PROP_VALUE} characters"
    )]
    Props,
    #[error("revenue is an amount with at most two decimals and a three-letter currency")]
    Revenue,
}

/// The screen a page was seen on, by width: the width itself is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Screen {
    Mobile,
    Tablet,
    Laptop,
    Desktop,
    /// No width, or one no screen has.
    Unknown,
}

impl Screen {
    fn of(width: Option<i64>) -> Self {
        match width {
            Some(1..576) => Self::Mobile,
            Some(576..992) => Self::Tablet,
            Some(992..1440) => Self::Laptop,
            Some(1440..=16_384) => Self::Desktop,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Tablet => "tablet",
            Self::Laptop => "laptop",
            Self::Desktop => "desktop",
            Self::Unknown => "unknown",
        }
    }
}

/// Revenue attached to an event, in the currency's minor unit (cents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revenue {
    pub minor_units: i64,
    /// ISO 4217, upper case.
    pub currency: String,
}

/// A checked event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEvent {
    /// The site the script was given (`data-site`); whether it exists is the caller's check.
    pub site: SiteId,
    pub name: String,
    pub page: Url,
    /// Kept only if it is an http or https URL of sensible length; otherwise as if none.
    pub referrer: Option<Url>,
    pub screen: Screen,
    pub props: BTreeMap<String, String>,
    pub revenue: Option<Revenue>,
}

#[derive(Deserialize)]
struct Wire {
    s: String,
    n: String,
    u: String,
    r: Option<String>,
    w: Option<serde_json::Value>,
    #[serde(default)]
    p: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "$")]
    revenue: Option<WireRevenue>,
}

#[derive(Deserialize)]
struct WireRevenue {
    amount: serde_json::Value,
    currency: String,
}

/// The UTM parameters a report breaks visits down by.
pub const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// Query parameters that say the visit came from an ad click.
const AD_CLICK_IDS: [&str; 6] = ["gclid", "gbraid", "wbraid", "msclkid", "fbclid", "ttclid"];

impl IncomingEvent {
    /// Checks the body the script sent.
    pub fn parse(body: &[u8]) -> Result<Self, EventRefused> {
        let wire: Wire = serde_json::from_slice(body).map_err(|_| EventRefused::Malformed)?;
        let site = SiteId::parse(wire.s.trim()).ok_or(EventRefused::Site)?;
        let name = wire.n.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control)
        {
            return Err(EventRefused::Name);
        }
        let page = web_url(&wire.u).ok_or(EventRefused::Page)?;
        let referrer = wire.r.as_deref().and_then(web_url);
        let width = wire.w.as_ref().and_then(serde_json::Value::as_i64);
        if wire.p.len() > MAX_PROPS {
            return Err(EventRefused::Props);
        }
        let mut props = BTreeMap::new();
        for (key, value) in wire.p {
            let value = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => return Err(EventRefused::Props),
            };
            if key.is_empty()
                || key.chars().count() > MAX_PROP_KEY
                || value.chars().count() > MAX_PROP_VALUE
            {
                return Err(EventRefused::Props);
            }
            props.insert(key, value);
        }
        let revenue = wire.revenue.map(revenue).transpose()?;
        Ok(Self {
            site,
            name,
            page,
            referrer,
            screen: Screen::of(width),
            props,
            revenue,
        })
    }

    /// Whether the page is on `domain` (the site's, or a subdomain of it): events of pages
    /// elsewhere are not the site's to count.
    pub fn is_on(&self, domain: &str) -> bool {
        self.page
            .host_str()
            .is_some_and(|host| same_site(&host.to_ascii_lowercase(), &domain.to_ascii_lowercase()))
    }

    /// The page's UTM parameters, as given (those present).
    pub fn utm(&self) -> BTreeMap<&'static str, String> {
        self.page
            .query_pairs()
            .filter_map(|(key, value)| {
                UTM.iter()
                    .find(|utm| **utm == key)
                    .map(|utm| (*utm, value.chars().take(MAX_PROP_VALUE).collect()))
            })
            .collect()
    }

    /// Whether the page's address carries an ad click id.
    pub fn ad_click(&self) -> bool {
        self.page
            .query_pairs()
            .any(|(key, _)| AD_CLICK_IDS.contains(&key.as_ref()))
    }
}

fn web_url(text: &str) -> Option<Url> {
    if text.len() > MAX_URL {
        return None;
    }
    let url = Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then_some(url)
}

fn revenue(wire: WireRevenue) -> Result<Revenue, EventRefused> {
    let amount = match wire.amount {
        serde_json::Value::String(text) => text,
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err(EventRefused::Revenue),
    };
    let (whole, cents) = match amount.split_once('.') {
        Some((whole, cents)) if (1..=2).contains(&cents.len()) => (whole, cents),
        Some(_) => return Err(EventRefused::Revenue),
        None => (amount.as_str(), "0"),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(cents) {
        return Err(EventRefused::Revenue);
    }
    let whole: i64 = whole.parse().map_err(|_| EventRefused::Revenue)?;
    let cents: i64 = format!("{cents:0<2}")
        .parse()
        .map_err(|_| EventRefused::Revenue)?;
    let currency = wire.currency.to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(EventRefused::Revenue);
    }
    Ok(Revenue {
        minor_units: whole * 100 + cents,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "0d6f1c1e-8a43-4b4e-9a57-3c1d2b6e7f10";

    /// Parses `json` as sent for [`SITE`].
    fn parse(json: &str) -> Result<IncomingEvent, EventRefused> {
        let with_site = match json.strip_prefix('{') {
            Some(rest) => format!(r#"{{"s": "{SITE}", {rest}"#),
            None => json.to_owned(),
        };
        IncomingEvent::parse(with_site.as_bytes())
    }

    #[test]
    fn a_page_view_with_everything() {
        let event = parse(
            r#"{"n": "pageview", "u": "https://www.lima.law/fees?utm_source=news&utm_medium=email&gclid=x1",
                "r": "https://www.google.com/", "w": 1280}"#,
        )
        .unwrap();
        assert_eq!(event.name, PAGEVIEW);
        assert_eq!(event.site.to_string(), SITE);
        assert_eq!(event.page.path(), "/fees");
        assert_eq!(
            event.referrer.as_ref().and_then(Url::host_str),
            Some("www.google.com")
        );
        assert_eq!(event.screen, Screen::Laptop);
        assert_eq!(
            event.utm().get("utm_source").map(String::as_str),
            Some("news")
        );
        assert_eq!(
            event.utm().get("utm_medium").map(String::as_str),
            Some("email")
        );
        assert!(event.ad_click());
        assert!(event.is_on("lima.law"));
        assert!(!event.is_on("nyx.law"));
    }

    #[test]
    fn a_custom_event_with_properties_and_revenue() {
        let event = parse(
            r#"{"n": "Signup", "u": "https://lima.law/", "p": {"plan": "pro", "seats": 3, "trial": true},
                "$": {"amount": "19.9", "currency": "usd"}}"#,
        )
        .unwrap();
        assert_eq!(event.props.get("seats").map(String::as_str), Some("3"));
        assert_eq!(event.props.get("trial").map(String::as_str), Some("true"));
        assert_eq!(
            event.revenue,
            Some(Revenue {
                minor_units: 1990,
                currency: "USD".into()
            })
        );
        assert_eq!(event.screen, Screen::Unknown);
        assert!(!event.ad_click());
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        let long = "x".repeat(MAX_URL);
        let many: Vec<String> = (0..=MAX_PROPS).map(|i| format!(r#""k{i}": "v""#)).collect();
        let cases = [
            ("not json", EventRefused::Malformed),
            (r#"{"n": "pageview"}"#, EventRefused::Malformed),
            (
                r#"{"n": 5, "u": "https://lima.law/"}"#,
                EventRefused::Malformed,
            ),
            (r#"{"n": "", "u": "https://lima.law/"}"#, EventRefused::Name),
            (
                r#"{"n": "a\u0000b", "u": "https://lima.law/"}"#,
                EventRefused::Name,
            ),
            (
                &format!(
                    r#"{{"n": "{}", "u": "https://lima.law/"}}"#,
                    "n".repeat(MAX_NAME + 1)
                ),
                EventRefused::Name,
            ),
            (
                r#"{"n": "pageview", "u": "file:///etc/passwd"}"#,
                EventRefused::Page,
            ),
            (
                r#"{"n": "pageview", "u": "javascript:alert(1)"}"#,
                EventRefused::Page,
            ),
            (r#"{"n": "pageview", "u": "/relative"}"#, EventRefused::Page),
            (
                &format!(r#"{{"n": "pageview", "u": "https://lima.law/{long}"}}"#),
                EventRefused::Page,
            ),
            (
                &format!(
                    r#"{{"n": "e", "u": "https://lima.law/", "p": {{{}}}}}"#,
                    many.join(",")
                ),
                EventRefused::Props,
            ),
            (
                r#"{"n": "e", "u": "https://lima.law/", "p": {"a": {"nested": 1}}}"#,
                EventRefused::Props,
            ),
            (
                &format!(
                    r#"{{"n": "e", "u": "https://lima.law/", "p": {{"a": "{}"}}}}"#,
                    "v".repeat(MAX_PROP_VALUE + 1)
                ),
                EventRefused::Props,
            ),
            (
                r#"{"n": "e", "u": "https://lima.law/", "$": {"amount": "1.999", "currency": "USD"}}"#,
                EventRefused::Revenue,
            ),
            (
                r#"{"n": "e", "u": "https://lima.law/", "$": {"amount": "-5", "currency": "USD"}}"#,
                EventRefused::Revenue,
            ),
            (
                r#"{"n": "e", "u": "https://lima.law/", "$": {"amount": "5", "currency": "DOLLARS"}}"#,
                EventRefused::Revenue,
            ),
        ];
        for (body, reason) in cases {
            assert_eq!(parse(body).err(), Some(reason), "{body}");
        }
        assert_eq!(
            IncomingEvent::parse(b"\xff\xfe{}").err(),
            Some(EventRefused::Malformed)
        );
        for site in ["", "lima.law", "../etc", "0d6f1c1e"] {
            let body = format!(r#"{{"s": "{site}", "n": "pageview", "u": "https://lima.law/"}}"#);
            assert_eq!(
                IncomingEvent::parse(body.as_bytes()).err(),
                Some(EventRefused::Site),
                "{site}"
            );
        }
    }

    #[test]
    fn a_referrer_that_is_no_web_address_and_an_absurd_screen_are_dropped_not_refused() {
        let referrer = "r".repeat(10_000);
        let event = parse(&format!(
            r#"{{"n": "pageview", "u": "https://lima.law/", "r": "{referrer}", "w": 99999999}}"#
        ))
        .unwrap();
        assert_eq!(event.referrer, None);
        assert_eq!(event.screen, Screen::Unknown);
        let event = parse(
            r#"{"n": "pageview", "u": "https://lima.law/", "r": "android-app://x", "w": -3}"#,
        )
        .unwrap();
        assert_eq!((event.referrer, event.screen), (None, Screen::Unknown));
    }
}
