//! Visits: a visitor's events on one site until 30 minutes pass without one. A visit has an
//! entry page, an exit page, a duration and a number of page views; one page view and
//! nothing else is a bounce. Open visits are tracked in memory by the ingesting process,
//! which stores every visit an event changed (open or finished) at its next flush; time is
//! always passed in.

use std::collections::HashMap;
use std::time::Duration;

use leadvault_store::{SiteId, Timestamp};

use crate::hit::VisitFacts;
use crate::visitor::{VisitorId, VisitorIds};

/// Inactivity that ends a visit.
pub const VISIT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How a visit is told apart from every other of its site: a number drawn at random when
/// the ingesting process starts, counted up from there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisitId(i64);

impl VisitId {
    pub fn from_raw(raw: i64) -> Self {
        Self(raw)
    }

    pub fn as_i64(self) -> i64 {
        self.0
    }
}

/// A visit, open or finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: VisitId,
    pub site: SiteId,
    /// Its visitor under the salt of the day of its last event.
    pub visitor: VisitorId,
    pub started: Timestamp,
    pub last_seen: Timestamp,
    pub entry_page: String,
    pub exit_page: String,
    pub pageviews: u32,
    /// Events other than page views.
    pub other_events: u32,
    /// What its first event said.
    pub facts: VisitFacts,
    /// Changed since last taken with [`Visits::take_changed`].
    changed: bool,
}

impl Visit {
    /// One page view and nothing else.
    pub fn bounced(&self) -> bool {
        self.pageviews <= 1 && self.other_events == 0
    }

    pub fn duration(&self) -> Duration {
        let micros = self.last_seen.as_unix_micros() - self.started.as_unix_micros();
        Duration::from_micros(u64::try_from(micros).unwrap_or(0))
    }

    fn idle_at(&self, now: Timestamp) -> bool {
        now.as_unix_micros() - self.last_seen.as_unix_micros()
            >= i64::try_from(VISIT_TIMEOUT.as_micros()).unwrap_or(i64::MAX)
    }
}

/// What an event did to visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It began a visit.
    Began,
    /// It continued one (perhaps begun yesterday, under yesterday's visitor id).
    Continued,
}

/// An event as visits need it.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    pub site: SiteId,
    pub visitor: VisitorIds,
    /// The page's path.
    pub page: &'a str,
    pub pageview: bool,
    pub at: Timestamp,
    /// Kept if the event begins a visit.
    pub facts: &'a VisitFacts,
}

/// What [`Visits::record`] did, and to which visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub step: Step,
    pub visit: VisitId,
}

/// How often a full table may be swept for idle visits while new visitors arrive: a
/// flood of new visitors must not make every one of them scan every open visit.
const SWEEP_WHEN_FULL: Duration = Duration::from_secs(5);

/// The open visits, at most `limit` of them (a flood of new visitors cannot grow memory
/// without bound: past the limit, a new visitor's visit is finished at once, counted but
/// not followed).
#[derive(Debug)]
pub struct Visits {
    open: HashMap<(SiteId, VisitorId), Visit>,
    limit: usize,
    /// Visits finished and not yet taken.
    finished: Vec<Visit>,
    /// Keys of open visits changed since last taken (a key may be stale: it is checked).
    changed: Vec<(SiteId, VisitorId)>,
    next_id: i64,
    last_sweep: Option<Timestamp>,
}

impl Visits {
    /// At most `limit` open visits; ids are counted up from `first_id` (random, so that
    /// a restarted process does not reuse the last one's).
    pub fn new(limit: usize, first_id: i64) -> Self {
        Self {
            open: HashMap::new(),
            limit,
            finished: Vec::new(),
            changed: Vec::new(),
            next_id: first_id,
            last_sweep: None,
        }
    }

    /// Records `seen`.
    pub fn record(&mut self, seen: &Seen<'_>) -> Recorded {
        let key = (seen.site, seen.visitor.today);
        // A visit begun before midnight goes on under today's id.
        if let Some(yesterday) = seen.visitor.yesterday
            && !self.open.contains_key(&key)
            && let Some(mut visit) = self.open.remove(&(seen.site, yesterday))
        {
            visit.visitor = seen.visitor.today;
            self.open.insert(key, visit);
        }
        if let Some(visit) = self.open.get_mut(&key) {
            if !visit.idle_at(seen.at) {
                visit.last_seen = seen.at.max(visit.last_seen);
                if seen.pageview {
                    visit.exit_page = seen.page.to_owned();
                    visit.pageviews += 1;
                } else {
                    visit.other_events += 1;
                }
                if !visit.changed {
                    visit.changed = true;
                    self.changed.push(key);
                }
                return Recorded {
                    step: Step::Continued,
                    visit: visit.id,
                };
            }
            if let Some(done) = self.open.remove(&key) {
                self.finished.push(done);
            }
        }
        let id = VisitId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        let visit = Visit {
            id,
            site: seen.site,
            visitor: seen.visitor.today,
            started: seen.at,
            last_seen: seen.at,
            entry_page: seen.page.to_owned(),
            exit_page: seen.page.to_owned(),
            pageviews: u32::from(seen.pageview),
            other_events: u32::from(!seen.pageview),
            facts: seen.facts.clone(),
            changed: true,
        };
        if self.open.len() >= self.limit
            && self.last_sweep.is_none_or(|last| {
                seen.at.as_unix_micros() - last.as_unix_micros()
                    >= i64::try_from(SWEEP_WHEN_FULL.as_micros()).unwrap_or(i64::MAX)
            })
        {
            self.close_idle(seen.at);
        }
        if self.open.len() >= self.limit {
            self.finished.push(visit);
        } else {
            self.open.insert(key, visit);
            self.changed.push(key);
        }
        Recorded {
            step: Step::Began,
            visit: id,
        }
    }

    /// Finishes the visits idle at `now`.
    pub fn close_idle(&mut self, now: Timestamp) {
        self.last_sweep = Some(now);
        let idle: Vec<(SiteId, VisitorId)> = self
            .open
            .iter()
            .filter(|(_, visit)| visit.idle_at(now))
            .map(|(key, _)| *key)
            .collect();
        for key in idle {
            if let Some(visit) = self.open.remove(&key) {
                self.finished.push(visit);
            }
        }
    }

    /// The visits finished so far, to store; they are forgotten here.
    pub fn take_finished(&mut self) -> Vec<Visit> {
        std::mem::take(&mut self.finished)
    }

    /// Every visit changed since the last call, to store: the finished ones (forgotten
    /// here) and the open ones as they are now.
    pub fn take_changed(&mut self) -> Vec<Visit> {
        let mut changed = self.take_finished();
        for key in std::mem::take(&mut self.changed) {
            if let Some(visit) = self.open.get_mut(&key)
                && visit.changed
            {
                visit.changed = false;
                changed.push(visit.clone());
            }
        }
        changed
    }

    /// Finishes every open visit, as at shutdown: what is stored of them is what they are.
    pub fn finish_all(&mut self) {
        self.finished
            .extend(self.open.drain().map(|(_, visit)| visit));
        self.changed.clear();
    }

    /// How many visits are open.
    pub fn open(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    fn ids(today: i64, yesterday: Option<i64>) -> VisitorIds {
        VisitorIds {
            today: VisitorId::from_raw(today),
            yesterday: yesterday.map(VisitorId::from_raw),
        }
    }

    fn seen(site: SiteId, visitor: VisitorIds, page: &str, minute: i64) -> Seen<'_> {
        Seen {
            site,
            visitor,
            page,
            pageview: true,
            at: Timestamp::from_unix_micros(1_000 * MINUTE + minute * MINUTE),
            facts: &FACTS,
        }
    }

    static FACTS: VisitFacts = VisitFacts {
        channel: crate::Channel::Direct,
        source: String::new(),
        utm: [
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        country: None,
        browser: String::new(),
        browser_version: String::new(),
        os: String::new(),
        device: crate::Device::Desktop,
        screen: crate::Screen::Unknown,
    };

    #[test]
    fn thirty_idle_minutes_end_a_visit() {
        let (site, mut visits) = (SiteId::random(), Visits::new(100, 1));
        let ana = ids(1, None);
        assert_eq!(visits.record(&seen(site, ana, "/", 0)).step, Step::Began);
        assert_eq!(
            visits.record(&seen(site, ana, "/fees", 10)).step,
            Step::Continued
        );
        assert_eq!(
            visits.record(&seen(site, ana, "/contact", 39)).step,
            Step::Continued
        );
        assert_eq!(
            visits.record(&seen(site, ana, "/", 69)).step,
            Step::Began,
            "30 minutes after the last"
        );
        let finished = visits.take_finished();
        assert_eq!(finished.len(), 1);
        let first = &finished[0];
        assert_eq!(
            (first.entry_page.as_str(), first.exit_page.as_str()),
            ("/", "/contact")
        );
        assert_eq!((first.pageviews, first.bounced()), (3, false));
        assert_eq!(first.duration(), Duration::from_secs(39 * 60));
        visits.close_idle(Timestamp::from_unix_micros(1_000 * MINUTE + 99 * MINUTE));
        let second = visits.take_finished();
        assert!(second.len() == 1 && second[0].bounced(), "{second:?}");
        assert_eq!(visits.open(), 0);
    }

    #[test]
    fn a_custom_event_is_no_bounce_and_sites_and_visitors_are_apart() {
        let (site, other_site, mut visits) =
            (SiteId::random(), SiteId::random(), Visits::new(100, 1));
        visits.record(&seen(site, ids(1, None), "/", 0));
        visits.record(&Seen {
            pageview: false,
            ..seen(site, ids(1, None), "/", 1)
        });
        assert_eq!(
            visits.record(&seen(other_site, ids(1, None), "/", 2)).step,
            Step::Began
        );
        assert_eq!(
            visits.record(&seen(site, ids(2, None), "/", 2)).step,
            Step::Began
        );
        visits.close_idle(Timestamp::from_unix_micros(1_000 * MINUTE + 60 * MINUTE));
        let finished = visits.take_finished();
        assert_eq!(finished.len(), 3);
        let with_event: Vec<_> = finished.iter().filter(|v| v.other_events == 1).collect();
        assert!(with_event.len() == 1 && !with_event[0].bounced());
    }

    #[test]
    fn a_visit_across_midnight_goes_on_under_todays_id() {
        let (site, mut visits) = (SiteId::random(), Visits::new(100, 1));
        visits.record(&seen(site, ids(7, None), "/", 0));
        assert_eq!(
            visits.record(&seen(site, ids(8, Some(7)), "/fees", 5)).step,
            Step::Continued
        );
        assert_eq!(
            visits
                .record(&seen(site, ids(8, Some(7)), "/contact", 10))
                .step,
            Step::Continued
        );
        visits.close_idle(Timestamp::from_unix_micros(1_000 * MINUTE + 60 * MINUTE));
        let finished = visits.take_finished();
        assert_eq!(finished.len(), 1);
        assert_eq!(
            (finished[0].pageviews, finished[0].visitor),
            (3, VisitorId::from_raw(8))
        );
    }

    #[test]
    fn past_the_limit_new_visits_are_counted_not_followed() {
        let (site, mut visits) = (SiteId::random(), Visits::new(2, 1));
        for visitor in 1..=5 {
            visits.record(&seen(site, ids(visitor, None), "/", 0));
        }
        assert_eq!(visits.open(), 2);
        assert_eq!(visits.take_finished().len(), 3);
        // Once the open ones are idle, room is made for new visitors.
        assert_eq!(
            visits.record(&seen(site, ids(9, None), "/", 45)).step,
            Step::Began
        );
        assert_eq!(visits.open(), 1);
        assert_eq!(visits.take_finished().len(), 2);
    }
    #[test]
    fn changed_visits_are_handed_over_once_each_open_or_finished() {
        let (site, mut visits) = (SiteId::random(), Visits::new(100, 40));
        let (ana, ben) = (ids(1, None), ids(2, None));
        let first = visits.record(&seen(site, ana, "/", 0)).visit;
        visits.record(&seen(site, ana, "/fees", 1));
        visits.record(&seen(site, ben, "/", 1));
        let changed = visits.take_changed();
        assert_eq!(changed.len(), 2, "each visit once, as it is now");
        assert!(changed.iter().any(|v| v.id == first && v.pageviews == 2));
        assert!(visits.take_changed().is_empty(), "nothing changed since");
        visits.record(&seen(site, ana, "/contact", 2));
        visits.close_idle(Timestamp::from_unix_micros(1_000 * MINUTE + 40 * MINUTE));
        let changed = visits.take_changed();
        assert_eq!(
            changed.len(),
            2,
            "ana's, changed, and ben's, finished: {changed:?}"
        );
        assert_eq!(visits.open(), 0);
        visits.record(&seen(site, ana, "/", 50));
        visits.finish_all();
        let last = visits.take_changed();
        assert_eq!(last.len(), 1);
        assert_ne!(last[0].id, first, "a new visit, a new id");
    }
}
