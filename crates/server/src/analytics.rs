//! Analytics as the web layer holds it: the enricher, the ingester's queue, the analytics
//! database, and a short-lived cache of the sites events name (every event names one, and
//! a database read per event would cost more than the rest of its handling).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use leadvault_accounts::{PublicSite, public_site};
use leadvault_analytics::{AnalyticsDb, Enricher, Ingester};
use leadvault_store::{Db, SiteId};

use crate::error::AppError;

/// How long a site's settings (or its absence) are believed: a removed site stops
/// counting, and a changed Do-Not-Track setting applies, within this.
const SITE_TTL: Duration = Duration::from_secs(30);
/// Sites remembered at most; a flood of made-up site ids empties the cache rather than
/// growing it.
const MAX_SITES: usize = 10_000;

/// A site as last read (or that there is none), and when it was read.
type CachedSites = HashMap<SiteId, (Instant, Option<Arc<PublicSite>>)>;

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
    sites: Mutex<CachedSites>,
}

impl Analytics {
    pub fn new(enricher: Enricher, ingester: Ingester, db: AnalyticsDb) -> Self {
        Self {
            inner: Arc::new(Inner {
                enricher,
                ingester,
                db,
                sites: Mutex::new(HashMap::new()),
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
        if let Some((at, site)) = self.sites().get(&id)
            && now.duration_since(*at) < SITE_TTL
        {
            return Ok(site.clone());
        }
        let site = public_site(db, id).await?.map(Arc::new);
        let mut sites = self.sites();
        if sites.len() >= MAX_SITES {
            sites.clear();
        }
        sites.insert(id, (now, site.clone()));
        Ok(site)
    }

    fn sites(&self) -> std::sync::MutexGuard<'_, CachedSites> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half written.
        self.inner
            .sites
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
