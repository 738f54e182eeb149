//! Where a visit came from, as a marketer sorts it: direct, organic or paid search, organic
//! or paid social, e-mail, AI assistants, or another site (referral). Told from the UTM
//! parameters and ad click ids of the landing page and the referrer's domain, looked up in
//! a table bundled with the program (`data/referrers.txt`); nothing is fetched at run time.

use std::collections::HashMap;

/// A visit's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Direct,
    OrganicSearch,
    PaidSearch,
    OrganicSocial,
    PaidSocial,
    Email,
    AiAssistant,
    Referral,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Self::Direct,
        Self::OrganicSearch,
        Self::PaidSearch,
        Self::OrganicSocial,
        Self::PaidSocial,
        Self::Email,
        Self::AiAssistant,
        Self::Referral,
    ];

    /// The channel stored as `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Direct => "Direct",
            Self::OrganicSearch => "Organic search",
            Self::PaidSearch => "Paid search",
            Self::OrganicSocial => "Organic social",
            Self::PaidSocial => "Paid social",
            Self::Email => "E-mail",
            Self::AiAssistant => "AI assistants",
            Self::Referral => "Referral",
        }
    }

    /// As stored and shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::OrganicSearch => "organic_search",
            Self::PaidSearch => "paid_search",
            Self::OrganicSocial => "organic_social",
            Self::PaidSocial => "paid_social",
            Self::Email => "email",
            Self::AiAssistant => "ai_assistant",
            Self::Referral => "referral",
        }
    }
}

/// How a visit arrived: what its first event says of its origin.
#[derive(Debug, Clone, Copy, Default)]
pub struct Arrival<'a> {
    /// The referrer's host name, if the browser sent a referrer.
    pub referrer_host: Option<&'a str>,
    /// The host name of the site visited: a referrer from the site itself is no origin.
    pub site_host: &'a str,
    pub utm_source: Option<&'a str>,
    pub utm_medium: Option<&'a str>,
    /// Whether the landing page carried an ad click id (`gclid`, `msclkid`, …).
    pub ad_click: bool,
}

/// What a referrer's domain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Search,
    Social,
    Email,
    Ai,
}

/// The bundled referrer table, read once.
#[derive(Debug)]
pub struct Referrers {
    /// Host names and the domains under them (`google.com` also covers `www.google.com`).
    domains: HashMap<String, Kind>,
    /// Names that count under any country suffix (`google` for `google.de`, `google.co.uk`).
    any_suffix: HashMap<String, Kind>,
}

const TABLE: &str = include_str!("../data/referrers.txt");

impl Referrers {
    /// The table bundled with the program. Lines it cannot read are skipped (a test checks
    /// that there are none).
    pub fn bundled() -> Self {
        let mut domains = HashMap::new();
        let mut any_suffix = HashMap::new();
        for (name, kind) in TABLE.lines().filter_map(parse_line) {
            match name.strip_suffix(".*") {
                Some(stem) => any_suffix.insert(stem.to_owned(), kind),
                None => domains.insert(name.to_owned(), kind),
            };
        }
        Self {
            domains,
            any_suffix,
        }
    }

    /// The channel of `visit`. Tagged campaigns and ad clicks decide first (the marketer
    /// said what they are); then the referrer's domain; no referrer, or one from the site
    /// itself, is direct.
    pub fn channel(&self, visit: &Arrival<'_>) -> Channel {
        let medium = visit.utm_medium.map(str::to_ascii_lowercase);
        let source = visit.utm_source.map(str::to_ascii_lowercase);
        let referrer = visit
            .referrer_host
            .map(str::to_ascii_lowercase)
            .filter(|host| !same_site(host, &visit.site_host.to_ascii_lowercase()));
        let kind_of_source = source.as_deref().and_then(|s| self.kind(s));
        let kind_of_referrer = referrer.as_deref().and_then(|r| self.kind(r));
        let social = kind_of_source == Some(Kind::Social) || kind_of_referrer == Some(Kind::Social);
        match medium.as_deref() {
            Some("cpc" | "ppc" | "paid" | "paidsearch" | "paid_search" | "display" | "cpm") => {
                return if social {
                    Channel::PaidSocial
                } else {
                    Channel::PaidSearch
                };
            }
            Some("paid_social" | "paidsocial" | "paid-social" | "social_paid") => {
                return Channel::PaidSocial;
            }
            Some("social" | "social-network" | "social_media" | "sm") => {
                return Channel::OrganicSocial;
            }
            Some("email" | "e-mail" | "e_mail" | "newsletter") => return Channel::Email,
            _ => {}
        }
        if visit.ad_click {
            return if social {
                Channel::PaidSocial
            } else {
                Channel::PaidSearch
            };
        }
        match kind_of_referrer.or(kind_of_source) {
            Some(Kind::Search) => Channel::OrganicSearch,
            Some(Kind::Social) => Channel::OrganicSocial,
            Some(Kind::Email) => Channel::Email,
            Some(Kind::Ai) => Channel::AiAssistant,
            None if referrer.is_some() || source.is_some() => Channel::Referral,
            None => Channel::Direct,
        }
    }

    /// What `host` (or a bare source name such as `facebook`) is, the most specific entry
    /// first: `gemini.google.com` is an AI assistant before `google.com` is a search engine.
    fn kind(&self, host: &str) -> Option<Kind> {
        let mut rest = host;
        loop {
            if let Some(kind) = self.domains.get(rest) {
                return Some(*kind);
            }
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => break,
            }
        }
        let labels: Vec<&str> = host.split('.').collect();
        labels.iter().enumerate().find_map(|(i, label)| {
            let suffix = &labels[i + 1..];
            let country_suffix = suffix.len() <= 2 && suffix.iter().all(|l| l.len() <= 3);
            country_suffix
                .then(|| self.any_suffix.get(*label).copied())
                .flatten()
        })
    }
}

/// Whether `referrer` is the site itself (or a subdomain of it, or it of the referrer).
pub(crate) fn same_site(referrer: &str, site: &str) -> bool {
    let bare = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_owned();
    let (referrer, site) = (bare(referrer), bare(site));
    referrer == site
        || referrer.ends_with(&format!(".{site}"))
        || site.ends_with(&format!(".{referrer}"))
}

/// `domain kind`, or nothing for a blank line or a comment.
fn parse_line(line: &str) -> Option<(&str, Kind)> {
    let line = line.split('#').next()?.trim();
    let (name, kind) = line.split_once(char::is_whitespace)?;
    let kind = match kind.trim() {
        "search" => Kind::Search,
        "social" => Kind::Social,
        "email" => Kind::Email,
        "ai" => Kind::Ai,
        _ => return None,
    };
    Some((name, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(referrer: Option<&str>) -> Channel {
        Referrers::bundled().channel(&Arrival {
            referrer_host: referrer,
            site_host: "www.lima.law",
            ..Arrival::default()
        })
    }

    fn tagged(source: &str, medium: &str) -> Channel {
        Referrers::bundled().channel(&Arrival {
            referrer_host: None,
            site_host: "www.lima.law",
            utm_source: Some(source),
            utm_medium: Some(medium),
            ad_click: false,
        })
    }

    #[test]
    fn every_line_of_the_bundled_table_is_read() {
        let unread: Vec<&str> = TABLE
            .lines()
            .filter(|line| {
                let content = line.split('#').next().unwrap_or("").trim();
                !content.is_empty() && parse_line(line).is_none()
            })
            .collect();
        assert!(unread.is_empty(), "{unread:?}");
        assert!(Referrers::bundled().domains.len() > 40);
    }

    #[test]
    fn referrers_are_sorted_by_their_domain() {
        assert_eq!(from(None), Channel::Direct);
        assert_eq!(from(Some("www.google.com")), Channel::OrganicSearch);
        assert_eq!(from(Some("www.google.co.uk")), Channel::OrganicSearch);
        assert_eq!(from(Some("duckduckgo.com")), Channel::OrganicSearch);
        assert_eq!(from(Some("www.bing.com")), Channel::OrganicSearch);
        assert_eq!(from(Some("l.facebook.com")), Channel::OrganicSocial);
        assert_eq!(from(Some("www.linkedin.com")), Channel::OrganicSocial);
        assert_eq!(from(Some("mail.google.com")), Channel::Email);
        assert_eq!(from(Some("gemini.google.com")), Channel::AiAssistant);
        assert_eq!(from(Some("chatgpt.com")), Channel::AiAssistant);
        assert_eq!(from(Some("www.perplexity.ai")), Channel::AiAssistant);
        assert_eq!(from(Some("www.avvo.com")), Channel::Referral);
        assert_eq!(from(Some("googleusercontent.example")), Channel::Referral);
    }

    #[test]
    fn a_referrer_from_the_site_itself_is_direct() {
        assert_eq!(from(Some("www.lima.law")), Channel::Direct);
        assert_eq!(from(Some("lima.law")), Channel::Direct);
        assert_eq!(from(Some("blog.lima.law")), Channel::Direct);
        assert_eq!(from(Some("notlima.law")), Channel::Referral);
    }

    #[test]
    fn campaign_tags_and_ad_clicks_come_first() {
        assert_eq!(tagged("google", "cpc"), Channel::PaidSearch);
        assert_eq!(tagged("facebook", "cpc"), Channel::PaidSocial);
        assert_eq!(tagged("linkedin", "paid_social"), Channel::PaidSocial);
        assert_eq!(tagged("facebook", "social"), Channel::OrganicSocial);
        assert_eq!(tagged("spring-newsletter", "email"), Channel::Email);
        assert_eq!(tagged("partner-site", "referral"), Channel::Referral);
        let clicked = |referrer| {
            Referrers::bundled().channel(&Arrival {
                referrer_host: Some(referrer),
                site_host: "lima.law",
                ad_click: true,
                ..Arrival::default()
            })
        };
        assert_eq!(clicked("www.google.com"), Channel::PaidSearch);
        assert_eq!(clicked("m.facebook.com"), Channel::PaidSocial);
    }
}
