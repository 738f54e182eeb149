//! Privacy-first analytics: what a firm's website tells us about its visitors, counted
//! without keeping anything that identifies one. No IP address and no raw user agent is ever
//! written anywhere; a visitor is a keyed hash under a salt that lives one day and is
//! forgotten the day after (see `visitor`). Knows nothing of HTTP.

mod agent;
mod channel;
mod country;
mod error;
mod event;
mod hit;
mod ingest;
mod storage;
mod visitor;
mod visits;

pub use agent::{Agent, Device, agent};
pub use channel::{Arrival, Channel, Referrers};
pub use country::{Countries, Country};
pub use error::AnalyticsError;
pub use event::{EventRefused, IncomingEvent, PAGEVIEW, Revenue, Screen, UTM};
pub use hit::{Client, Enricher, Hit, VisitFacts};
pub use ingest::{IngestOptions, Ingester, Ingesting, Overloaded, start};
pub use storage::{AnalyticsDb, MIGRATIONS, StoredEvent, analytics_url};
pub use visitor::{Day, Salts, VisitorId, VisitorIds};
pub use visits::{Recorded, Seen, Step, VISIT_TIMEOUT, Visit, VisitId, Visits};
