//! Analytics as the web layer holds it: the enricher, the ingester's queue, the analytics
//! database, and short-lived caches of the sites events name (every event names one, and
//! a database read per event would cost more than the rest of its handling) and of each
//! site's script (loaded with every page of the site).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use leadvault_accounts::{PublicSite, Site, public_site};
use leadvault_analytics::{
    AnalyticsDb, Enricher, Ingester, OnSite, list_experiments, script_config,
};
use leadvault_store::{Db, SiteId};

use crate::analytics::site_script::SiteScript;
use crate::web::error::AppError;

/// How long a site's settings (or its absence) are believed: a removed site stops
/// counting, and a changed Do-Not-Track setting applies, within this.
const SITE_TTL: Duration = Duration::from_secs(30);
/// Sites remembered at most; a flood of made-up site ids empties the cache rather than
/// growing it.
const MAX_SITES: usize = 10_000;

/// What was last read of each site, and when.
#[derive(Debug)]
struct Expiring<V> {
    entries: Mutex<HashMap<SiteId, (Instant, V)>>,
}

impl<V: Clone> Expiring<V> {
    fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<SiteId, (Instant, V)>> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value read for `id` less than [`SITE_TTL`] before `now`.
    fn fresh(&self, id: SiteId, now: Instant) -> Option<V> {
        self.entries()
            .get(&id)
            .filter(|(at, _)| now.duration_since(*at) < SITE_TTL)
            .map(|(_, value)| value.clone())
    }

    fn remember(&self, id: SiteId, now: Instant, value: V) {
        let mut entries = self.entries();
        if entries.len() >= MAX_SITES {
            entries.clear();
        }
        entries.insert(id, (now, value));
    }

    fn forget(&self, id: SiteId) {
        self.entries().remove(&id);
    }
}

/// Everything analytics needs while serving. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Analytics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    enricher: Enricher,
    ingester: Ingester,
    db: AnalyticsDb,
    /// A site as last read, or that there is none.
    sites: Expiring<Option<Arc<PublicSite>>>,
    scripts: Expiring<Arc<SiteScript>>,
}

impl Analytics {
    pub fn new(enricher: Enricher, ingester: Ingester, db: AnalyticsDb) -> Self {
        Self {
            inner: Arc::new(Inner {
                enricher,
                ingester,
                db,
                sites: Expiring::new(),
                scripts: Expiring::new(),
            }),
        }
    }

    pub fn enricher(&self) -> &Enricher {
        &self.inner.enricher
    }

    pub fn ingester(&self) -> &Ingester {
        &self.inner.ingester
    }

    pub fn db(&self) -> &AnalyticsDb {
        &self.inner.db
    }

    /// The site `id`, from the cache or the main database `db`.
    pub async fn site(&self, db: &Db, id: SiteId) -> Result<Option<Arc<PublicSite>>, AppError> {
        let now = Instant::now();
        if let Some(site) = self.inner.sites.fresh(id, now) {
            return Ok(site);
        }
        let site = public_site(db, id).await?.map(Arc::new);
        self.inner.sites.remember(id, now, site.clone());
        Ok(site)
    }

    /// The script for the pages of site `id`: with the site's experiments, if it has any to
    /// send; the plain script for a site there is not.
    pub async fn script(&self, db: &Db, id: SiteId) -> Result<Arc<SiteScript>, AppError> {
        let now = Instant::now();
        if let Some(script) = self.inner.scripts.fresh(id, now) {
            return Ok(script);
        }
        // An unknown site is remembered in the site cache alone: made-up ids do not crowd
        // out real sites' scripts.
        let Some(site) = self.site(db, id).await? else {
            return Ok(SiteScript::plain());
        };
        let on = OnSite {
            site: id,
            domain: site.site.domain.as_str(),
        };
        let experiments = list_experiments(db, on).await?;
        let script = SiteScript::with(script_config(id, &experiments));
        self.inner.scripts.remember(id, now, script.clone());
        Ok(script)
    }

    /// Forgets the script of site `id`: its experiments changed, and the next page of the
    /// site gets them as they are now (from this server; others within [`SITE_TTL`]).
    pub fn experiments_changed(&self, id: SiteId) {
        self.inner.scripts.forget(id);
    }
}

/// A site as analytics' experiment functions name it: by id, with the domain its
/// experiments' pages and selectors are checked against.
pub(crate) fn on(site: &Site) -> OnSite<'_> {
    OnSite {
        site: site.id,
        domain: site.domain.as_str(),
    }
}
