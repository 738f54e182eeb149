//! Made-up traffic, for benchmarks and demonstrations: visits with one to eight page views
//! over a few hundred pages (a few much more visited than the rest), channels, sources,
//! countries, browsers and devices in plausible shares, a form sent in some visits, spread
//! over the days asked for with more visits by day than by night. With an experiment, every
//! visit it runs on is exposed to the variation its visitor draws, and its variations send
//! forms a quarter more often than the control. Written as the ingester writes (visits and
//! events in batches), then rolled up.

use std::time::Duration;

use leadvault_store::{SiteId, StoreError, Timestamp};

use crate::agent::Device;
use crate::assignment::assign;
use crate::channel::Channel;
use crate::country::Country;
use crate::day::Day;
use crate::event::Screen;
use crate::experiments::Experiment;
use crate::hit::VisitFacts;
use crate::results::EXPOSURE;
use crate::rollup::roll_up_day;
use crate::storage::{AnalyticsDb, StoredEvent};
use crate::visitor::{VisitorId, VisitorIds};
use crate::visits::{Seen, Visits};

/// One visit's events as they are made: the visit's bookkeeping and the rows to write.
struct Visit<'a> {
    site: SiteId,
    visitor: VisitorIds,
    facts: &'a VisitFacts,
}

impl Visit<'_> {
    fn record(
        &self,
        visits: &mut Visits,
        pending: &mut Vec<StoredEvent>,
        at: Timestamp,
        (name, path, props): (&str, String, Option<String>),
    ) {
        let recorded = visits.record(&Seen {
            site: self.site,
            visitor: self.visitor,
            page: &path,
            pageview: name == "pageview",
            at,
            facts: self.facts,
        });
        pending.push(StoredEvent {
            site: self.site,
            at,
            visit: recorded.visit,
            visitor: self.visitor.today,
            name: name.to_owned(),
            path,
            props,
            revenue: None,
        });
    }
}

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

/// How much made-up traffic to make: about `events` events over the `days` days up to and
/// including `last`; `seed` chooses them.
#[derive(Debug, Clone, Copy)]
pub struct Traffic {
    pub events: u64,
    pub days: u32,
    pub last: Day,
    pub seed: u64,
}

/// `traffic` for `site`, written to `db` and rolled up, with exposures to `experiment` if
/// given.
pub async fn generate(
    db: &AnalyticsDb,
    site: SiteId,
    traffic: Traffic,
    experiment: Option<&Experiment>,
) -> Result<Generated, StoreError> {
    let Traffic {
        events,
        days,
        last,
        seed,
    } = traffic;
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
            let raw = i64::try_from(dice.next() >> 1).unwrap_or(0);
            let visitor = VisitorIds {
                today: VisitorId::from_raw(raw),
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
            let visit = Visit {
                site,
                visitor,
                facts: &facts,
            };
            let views = 1 + dice.below(4) + dice.below(5);
            let mut at = start;
            let mut variation = None;
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
                if let Some(experiment) = experiment
                    && view == 0
                    && experiment.definition.runs_on(&path)
                {
                    variation = exposure(experiment, raw);
                    if let Some(index) = variation {
                        let props = format!(
                            r#"{{"experiment":"{}","variation":"{index}"}}"#,
                            experiment.id
                        );
                        let exposed = (EXPOSURE, path.clone(), Some(props));
                        visit.record(&mut visits, &mut pending, at, exposed);
                    }
                }
                visit.record(&mut visits, &mut pending, at, ("pageview", path, None));
                at = at.saturating_add(Duration::from_secs(10 + dice.below(170)));
            }
            // One visit in fifty sends a form; in an experiment's variations, one in forty.
            let odds = if variation.is_some_and(|v| v > 0) {
                40
            } else {
                50
            };
            if dice.below(odds) == 0 {
                let form = Some(r#"{"form":"consultation"}"#.to_owned());
                let sent = ("Form submitted", "/contact".to_owned(), form);
                visit.record(&mut visits, &mut pending, at, sent);
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

/// The variation the visitor `raw` draws in `experiment`, as the script would for a cookie
/// holding that number.
fn exposure(experiment: &Experiment, raw: i64) -> Option<usize> {
    let weights: Vec<u32> = experiment
        .definition
        .variations
        .iter()
        .map(|v| v.weight)
        .collect();
    assign(
        &experiment.seed,
        &raw.to_string(),
        experiment.definition.traffic,
        &weights,
    )
}
