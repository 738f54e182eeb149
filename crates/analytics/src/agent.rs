//! What a user agent says, as reports show it: the browser (major version only), the
//! operating system and the device class. Read at ingestion with `woothee`; the raw text is
//! then dropped, never stored. Automated agents (crawlers, HTTP libraries, headless
//! browsers) are not visitors: they get no [`Agent`] and their events are not counted.

use woothee::parser::Parser;

/// The kind of device, as far as the user agent tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Device {
    Desktop,
    Mobile,
    Tablet,
    Other,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Desktop => "desktop",
            Self::Mobile => "mobile",
            Self::Tablet => "tablet",
            Self::Other => "other",
        }
    }
}

/// A visitor's browser, system and device, coarse enough to identify nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub browser: String,
    /// The major version (`131`, not `131.0.6778.85`), when known.
    pub browser_version: Option<String>,
    pub os: String,
    pub device: Device,
}

/// Marks of automated agents that the parser does not catch, lower case. Matched as
/// substrings, so each is written to catch no real browser (`cubot` phones are let through
/// below).
const AUTOMATED: &[&str] = &[
    "bot/",
    "bot;",
    "bot)",
    "bot ",
    "-bot",
    "_bot",
    "bot-",
    "spider",
    "crawl",
    "slurp",
    "headless",
    "lighthouse",
    "pagespeed",
    "phantomjs",
    "puppeteer",
    "playwright",
    "selenium",
    "webdriver",
    "electron/",
    "curl/",
    "wget/",
    "python-",
    "python/",
    "go-http-client",
    "java/",
    "okhttp",
    "axios/",
    "node-fetch",
    "undici",
    "libwww",
    "httpclient",
    "http_request",
    "facebookexternalhit",
    "preview",
    "scrapy",
    "feedfetcher",
    "monitor",
    "uptime",
    "pingdom",
    "gptbot",
    "chatgpt-user",
    "claudebot",
    "perplexitybot",
    "bytespider",
    "ccbot",
];

/// Phones whose names look like a bot's.
const NOT_AUTOMATED: &[&str] = &["cubot"];

/// Reads `user_agent`; `None` for an automated agent (or no agent at all).
pub fn agent(user_agent: &str) -> Option<Agent> {
    let lower = user_agent.to_ascii_lowercase();
    let trimmed = lower.trim();
    if trimmed.is_empty() || trimmed == "-" {
        return None;
    }
    let mut cleaned = trimmed.to_owned();
    for name in NOT_AUTOMATED {
        cleaned = cleaned.replace(name, "");
    }
    if AUTOMATED.iter().any(|mark| cleaned.contains(mark)) {
        return None;
    }
    let parsed = Parser::new().parse(user_agent)?;
    if parsed.category == "crawler" {
        return None;
    }
    let known = |text: &str| (!text.is_empty() && text != "UNKNOWN").then(|| text.to_owned());
    let tablet = lower.contains("ipad")
        || lower.contains("tablet")
        || (lower.contains("android") && !lower.contains("mobile"));
    let device = match parsed.category {
        "pc" => Device::Desktop,
        "smartphone" | "mobilephone" if tablet => Device::Tablet,
        "smartphone" | "mobilephone" => Device::Mobile,
        _ => Device::Other,
    };
    Some(Agent {
        browser: known(parsed.name).unwrap_or_else(|| "Other".to_owned()),
        browser_version: parsed
            .version
            .split('.')
            .next()
            .and_then(|major| known(major).filter(|m| m.bytes().all(|b| b.is_ascii_digit()))),
        os: known(parsed.os).unwrap_or_else(|| "Other".to_owned()),
        device,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_read_to_their_major_version() {
        let chrome = agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36").unwrap();
        assert_eq!(
            (chrome.browser.as_str(), chrome.browser_version.as_deref()),
            ("Chrome", Some("131"))
        );
        assert_eq!(chrome.device, Device::Desktop);
        assert!(chrome.os.starts_with("Windows"), "{chrome:?}");

        let iphone = agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1").unwrap();
        assert_eq!(iphone.device, Device::Mobile);
        assert_eq!(iphone.os, "iPhone");

        let ipad = agent("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1").unwrap();
        assert_eq!(ipad.device, Device::Tablet);

        let firefox =
            agent("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
                .unwrap();
        assert_eq!(
            (firefox.browser.as_str(), firefox.browser_version.as_deref()),
            ("Firefox", Some("133"))
        );
        assert_eq!(firefox.os, "Linux");

        let android = agent("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36").unwrap();
        assert_eq!(
            (android.os.as_str(), android.device),
            ("Android", Device::Mobile)
        );
    }

    #[test]
    fn automated_agents_are_not_visitors() {
        for automated in [
            "",
            "-",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "Go-http-client/2.0",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
        ] {
            assert_eq!(agent(automated), None, "{automated}");
        }
    }

    #[test]
    fn a_phone_named_like_a_bot_is_a_visitor() {
        let cubot = agent(
            "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        );
        assert_eq!(cubot.map(|a| a.device), Some(Device::Mobile));
    }
}
