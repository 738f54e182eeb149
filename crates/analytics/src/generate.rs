//! Made-up traffic, for benchmarks and demonstrations: visits with one to eight page views
//! over a few hundred pages (a few much more visited than the rest), channels, sources,
//! countries, browsers and devices in plausible shares, a form sent in some visits, spread
//! over the days asked for with more visits by day than by night. Written as the ingester
//! writes (visits and events in batches), then rolled up.

use std::time::Duration;

use leadvault_store::{SiteId, StoreError, Timestamp};

use crate::agent::Device;
use crate::channel::Channel;
use crate::country::Country;
use crate::day::Day;
use crate::event::Screen;
use crate::hit::VisitFacts;
use crate::rollup::roll_up_day;
use crate::storage::{AnalyticsDb, StoredEvent};
use crate::visitor::{VisitorId, VisitorIds};
use crate::visits::{Seen, Visits};

/// What [`generate`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub events: u64,
    pub visits: u64,
}

/// A small deterministic generator (SplitMix64): the same seed makes the same traffic.
/// Not for anything secret.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < `below`.
    fn below(&mut self, below: u64) -> u64 {
        self.next() % below.max(1)
    }

    /// One of `choices` by weight.
    fn pick<'a, T>(&mut self, choices: &'a [(T, u64)]) -> &'a T {
        let total: u64 = choices.iter().map(|(_, weight)| weight).sum();
        let mut roll = self.below(total);
        for (choice, weight) in choices {
            if roll < *weight {
                return choice;
            }
            roll -= weight;
        }
        &choices[0].0
    }
}

const CHANNELS: &[((Channel, &str), u64)] = &[
    ((Channel::OrganicSearch, "google.com"), 40),
    ((Channel::Direct, ""), 25),
    ((Channel::Referral, "avvo.com"), 8),
    ((Channel::OrganicSocial, "facebook.com"), 7),
    ((Channel::PaidSearch, "google.com"), 8),
    ((Channel::Email, ""), 5),
    ((Channel::AiAssistant, "chatgpt.com"), 4),
    ((Channel::OrganicSearch, "bing.com"), 3),
];
const COUNTRIES: &[(&str, u64)] = &[
    ("US", 60),
    ("CA", 8),
    ("GB", 6),
    ("MX", 5),
    ("DE", 4),
    ("IN", 4),
    ("FR", 3),
    ("BR", 3),
    ("NL", 2),
    ("AU", 2),
];
/// Browser, major version, system, device and screen.
type Browser = (&'static str, &'static str, &'static str, Device, Screen);

const BROWSERS: &[(Browser, u64)] = &[
    (
        (
            "Chrome",
            "131",
            "Windows 10",
            Device::Desktop,
            Screen::Laptop,
        ),
        30,
    ),
    (
        ("Safari", "17", "iPhone", Device::Mobile, Screen::Mobile),
        25,
    ),
    (
        ("Chrome", "131", "Android", Device::Mobile, Screen::Mobile),
        18,
    ),
    (
        ("Safari", "17", "Mac OSX", Device::Desktop, Screen::Desktop),
        10,
    ),
    (
        (
            "Edge",
            "131",
            "Windows 10",
            Device::Desktop,
            Screen::Desktop,
        ),
        8,
    ),
    (
        ("Firefox", "133", "Linux", Device::Desktop, Screen::Laptop),
        5,
    ),
    (("Safari", "17", "iPad", Device::Tablet, Screen::Tablet), 4),
];

/// How many distinct pages the site has.
const PAGES: u64 = 300;
/// Events written per batch.
const BATCH: usize = 20_000;

/// The path of page `n` (0 is the home page).
fn page(n: u64) -> String {
    match n {
        0 => "/".to_owned(),
        1 => "/contact".to_owned(),
        2 => "/fees".to_owned(),
        n => format!("/practice/{n}"),
    }
}

/// About `events` events of `site` spread over the `days` days up to and including `last`,
/// written to `db` and rolled up. `seed` chooses the traffic.
pub async fn generate(
    db: &AnalyticsDb,
    site: SiteId,
    events: u64,
    days: u32,
    last: Day,
    seed: u64,
) -> Result<Generated, StoreError> {
    let mut dice = Dice(seed);
    let first = last.plus(1 - i64::from(days.max(1)));
    let per_day = events / u64::from(days.max(1));
    let mut made = Generated {
        events: 0,
        visits: 0,
    };
    let mut visits = Visits::new(1, i64::try_from(seed >> 2).unwrap_or(0));
    let mut pending = Vec::with_capacity(BATCH);
    for d in 0..i64::from(days.max(1)) {
        let day = first.plus(d);
        let mut today = 0;
        while today < per_day {
            let visitor = VisitorIds {
                today: VisitorId::from_raw(i64::try_from(dice.next() >> 1).unwrap_or(0)),
                yesterday: None,
            };
            // More visits by day than by night: an hour from two draws, bunched at noon.
            let hour = (dice.below(24) + dice.below(24)) / 2;
            let start = day
                .start()
                .saturating_add(Duration::from_secs(hour * 3_600 + dice.below(3_600)));
            let ((channel, source), browser) = (*dice.pick(CHANNELS), *dice.pick(BROWSERS));
            let facts = VisitFacts {
                channel,
                source: source.to_owned(),
                utm: Default::default(),
                country: Country::parse(dice.pick::<&str>(COUNTRIES)),
                browser: browser.0.to_owned(),
                browser_version: browser.1.to_owned(),
                os: browser.2.to_owned(),
                device: browser.3,
                screen: browser.4,
            };
            let views = 1 + dice.below(4) + dice.below(5);
            let mut at = start;
            for view in 0..views {
                // A few pages get most views: the lower of two draws, twice.
                let n = dice
                    .below(PAGES)
                    .min(dice.below(PAGES))
                    .min(dice.below(PAGES));
                let path = page(if view == 0 && dice.below(3) == 0 {
                    0
                } else {
                    n
                });
                let recorded = visits.record(&Seen {
                    site,
                    visitor,
                    page: &path,
                    pageview: true,
                    at,
                    facts: &facts,
                });
                pending.push(event(
                    site,
                    at,
                    recorded.visit,
                    visitor.today,
                    "pageview",
                    path,
                    None,
                ));
                at = at.saturating_add(Duration::from_secs(10 + dice.below(170)));
            }
            if dice.below(50) == 0 {
                let recorded = visits.record(&Seen {
                    site,
                    visitor,
                    page: "/contact",
                    pageview: false,
                    at,
                    facts: &facts,
                });
                pending.push(event(
                    site,
                    at,
                    recorded.visit,
                    visitor.today,
                    "Form submitted",
                    "/contact".to_owned(),
                    Some(r#"{"form":"consultation"}"#.to_owned()),
                ));
            }
            visits.finish_all();
            made.visits += 1;
            today += views;
            if pending.len() >= BATCH {
                made.events += pending.len() as u64;
                db.write(&pending, &visits.take_changed()).await?;
                pending.clear();
            }
        }
        made.events += pending.len() as u64;
        db.write(&pending, &visits.take_changed()).await?;
        pending.clear();
        roll_up_day(db, site, day).await?;
    }
    Ok(made)
}

fn event(
    site: SiteId,
    at: Timestamp,
    visit: crate::visits::VisitId,
    visitor: VisitorId,
    name: &str,
    path: String,
    props: Option<String>,
) -> StoredEvent {
    StoredEvent {
        site,
        at,
        visit,
        visitor,
        name: name.to_owned(),
        path,
        props,
        revenue: None,
    }
}
