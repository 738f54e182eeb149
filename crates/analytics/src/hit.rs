//! Enrichment: a checked event and the request it came in turned into a [`Hit`], what is
//! counted. The client's IP address and user agent go in and do not come out: the IP
//! becomes a country and, with the user agent, a visitor id under the day's salt; the user
//! agent becomes a browser, system and device class. Automated agents give no hit.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use leadvault_store::{SiteId, Timestamp};
use ring::rand::SystemRandom;

use crate::agent::{Agent, Device, agent};
use crate::channel::{Arrival, Channel, Referrers, same_site};
use crate::country::{Countries, Country};
use crate::error::AnalyticsError;
use crate::event::{IncomingEvent, PAGEVIEW, Revenue, Screen};
use crate::visitor::{Salts, VisitorIds};

/// What a visit is broken down by, fixed by its first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFacts {
    pub channel: Channel,
    /// The referrer's host (without `www.`), empty when there was none or it was the site.
    pub source: String,
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content` of the landing
    /// page, empty where absent.
    pub utm: [String; 5],
    pub country: Option<Country>,
    pub browser: String,
    /// The browser's major version, empty when unknown.
    pub browser_version: String,
    pub os: String,
    pub device: Device,
    pub screen: Screen,
}

/// An event ready to count. Holds nothing that identifies a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub site: SiteId,
    pub visitor: VisitorIds,
    pub at: Timestamp,
    pub name: String,
    /// The page's path; never its query, which may carry what a form put there.
    pub path: String,
    pub props: BTreeMap<String, String>,
    pub revenue: Option<Revenue>,
    /// The visit's facts as of this event (kept if it begins a visit).
    pub facts: VisitFacts,
}

impl Hit {
    pub fn is_pageview(&self) -> bool {
        self.name == PAGEVIEW
    }
}

/// The request an event arrived in, as far as enrichment reads it.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    pub ip: IpAddr,
    pub user_agent: &'a str,
}

/// Turns events into hits: the referrer table, the country database and the day's salts.
#[derive(Debug)]
pub struct Enricher {
    referrers: Referrers,
    countries: Countries,
    salts: Mutex<Salts>,
    random: SystemRandom,
    agents: AgentCache,
}

/// User agents already read: a site's visitors use a few thousand at most, and reading one
/// (woothee's regular expressions, the automated-agent rules) costs more than the rest of
/// an event. Keyed by a hash under a random key made at start, so the cache holds no user
/// agent; a collision (one in 2^64) would give a visitor another browser's name.
#[derive(Debug, Default)]
struct AgentCache {
    hasher: std::hash::RandomState,
    read: Mutex<HashMap<u64, Option<Agent>>>,
}

/// User agents remembered at most; past it the cache starts again.
const AGENTS_KEPT: usize = 10_000;

impl AgentCache {
    fn agent(&self, user_agent: &str) -> Option<Agent> {
        let key = self.hasher.hash_one(user_agent);
        let lock = || self.read.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = lock().get(&key) {
            return known.clone();
        }
        let read = agent(user_agent);
        let mut cache = lock();
        if cache.len() >= AGENTS_KEPT {
            cache.clear();
        }
        cache.insert(key, read.clone());
        read
    }
}

impl Enricher {
    pub fn new(countries: Countries) -> Self {
        Self {
            referrers: Referrers::bundled(),
            countries,
            salts: Mutex::new(Salts::new()),
            random: SystemRandom::new(),
            agents: AgentCache::default(),
        }
    }

    /// The channel of an arrival told apart from an event: a form's submission, which
    /// carries its page's campaign tags.
    pub fn channel(&self, arrival: &Arrival<'_>) -> Channel {
        self.referrers.channel(arrival)
    }

    /// The hit `event` of the site at `site_host` makes, or `None` if an automated agent
    /// sent it.
    pub fn enrich(
        &self,
        event: IncomingEvent,
        site_host: &str,
        client: Client<'_>,
        now: Timestamp,
    ) -> Result<Option<Hit>, AnalyticsError> {
        let Some(agent) = self.agents.agent(client.user_agent) else {
            return Ok(None);
        };
        let visitor = self
            .salts
            .lock()
            // Salts are replaced whole; a panic elsewhere cannot leave one half written.
            .unwrap_or_else(PoisonError::into_inner)
            .visitor(now, event.site, client.ip, client.user_agent, &self.random)?;
        let utm = event.utm();
        let referrer_host = event
            .referrer
            .as_ref()
            .and_then(|referrer| referrer.host_str())
            .map(str::to_ascii_lowercase);
        let channel = self.referrers.channel(&Arrival {
            referrer_host: referrer_host.as_deref(),
            site_host,
            utm_source: utm.get("utm_source").map(String::as_str),
            utm_medium: utm.get("utm_medium").map(String::as_str),
            ad_click: event.ad_click(),
        });
        let source = referrer_host
            .filter(|host| !same_site(host, site_host))
            .map(|host| host.strip_prefix("www.").unwrap_or(&host).to_owned())
            .unwrap_or_default();
        let utm_value = |key: &str| utm.get(key).cloned().unwrap_or_default();
        Ok(Some(Hit {
            site: event.site,
            visitor,
            at: now,
            path: event.page.path().to_owned(),
            props: event.props,
            revenue: event.revenue,
            facts: VisitFacts {
                channel,
                source,
                utm: [
                    utm_value("utm_source"),
                    utm_value("utm_medium"),
                    utm_value("utm_campaign"),
                    utm_value("utm_term"),
                    utm_value("utm_content"),
                ],
                country: self.countries.of(client.ip),
                browser: agent.browser,
                browser_version: agent.browser_version.unwrap_or_default(),
                os: agent.os,
                device: agent.device,
                screen: event.screen,
            },
            name: event.name,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36";

    fn event(json: &str) -> IncomingEvent {
        IncomingEvent::parse(json.as_bytes()).unwrap()
    }

    fn client(user_agent: &str) -> Client<'_> {
        Client {
            ip: "203.0.113.9".parse().unwrap(),
            user_agent,
        }
    }

    #[test]
    fn an_event_keeps_what_is_counted_and_nothing_of_the_request() {
        let enricher = Enricher::new(Countries::none());
        let now = Timestamp::from_unix_micros(1_765_000_000_000_000);
        let hit = enricher
            .enrich(
                event(
                    r#"{"s": "0d6f1c1e-8a43-4b4e-9a57-3c1d2b6e7f10", "n": "pageview",
                        "u": "https://lima.law/fees?email=ana%40mail.example&utm_source=news&utm_campaign=fall",
                        "r": "https://www.Google.com/search?q=divorce", "w": 390}"#,
                ),
                "lima.law",
                client(CHROME),
                now,
            )
            .unwrap()
            .unwrap();
        assert!(hit.is_pageview());
        assert_eq!(hit.path, "/fees", "the query is not kept");
        assert_eq!(hit.facts.source, "google.com");
        assert_eq!(hit.facts.utm[0], "news");
        assert_eq!(hit.facts.utm[2], "fall");
        assert_eq!(hit.facts.browser, "Chrome");
        assert_eq!(hit.facts.browser_version, "131");
        assert_eq!(hit.facts.screen, Screen::Mobile);
        let debug = format!("{hit:?}");
        for planted in ["203.0.113.9", "Mozilla", "ana", "divorce"] {
            assert!(!debug.contains(planted), "{planted} in {debug}");
        }
    }

    #[test]
    fn the_sites_own_referrer_is_no_source_and_bots_give_no_hit() {
        let enricher = Enricher::new(Countries::none());
        let now = Timestamp::from_unix_micros(1_765_000_000_000_000);
        let body = r#"{"s": "0d6f1c1e-8a43-4b4e-9a57-3c1d2b6e7f10", "n": "pageview",
                       "u": "https://lima.law/contact", "r": "https://www.lima.law/"}"#;
        let hit = enricher
            .enrich(event(body), "lima.law", client(CHROME), now)
            .unwrap()
            .unwrap();
        assert_eq!(
            (hit.facts.source.as_str(), hit.facts.channel),
            ("", Channel::Direct)
        );
        let bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        assert_eq!(
            enricher
                .enrich(event(body), "lima.law", client(bot), now)
                .unwrap(),
            None
        );
    }

    #[test]
    fn the_same_client_is_the_same_visitor_on_one_day_and_site_only() {
        let enricher = Enricher::new(Countries::none());
        let now = Timestamp::from_unix_micros(1_765_000_000_000_000);
        let body =
            |site: &str| format!(r#"{{"s": "{site}", "n": "pageview", "u": "https://lima.law/"}}"#);
        let visitor = |site: &str, user_agent: &str| {
            enricher
                .enrich(event(&body(site)), "lima.law", client(user_agent), now)
                .unwrap()
                .unwrap()
                .visitor
                .today
        };
        let site = "0d6f1c1e-8a43-4b4e-9a57-3c1d2b6e7f10";
        let other_site = "9b1e5a3c-2d4f-4a6b-8c7d-1e2f3a4b5c6d";
        assert_eq!(visitor(site, CHROME), visitor(site, CHROME));
        assert_ne!(visitor(site, CHROME), visitor(other_site, CHROME));
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_ne!(visitor(site, CHROME), visitor(site, firefox));
    }
}
