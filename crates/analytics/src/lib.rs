//! Privacy-first analytics: what a firm's website tells us about its visitors, counted
//! without keeping anything that identifies one. No IP address and no raw user agent is ever
//! written anywhere; a visitor is a keyed hash under a salt that lives one day and is
//! forgotten the day after (see `visitor`). Knows nothing of HTTP.

mod agent;
mod channel;
mod error;
mod event;
mod visitor;
mod visits;

pub use agent::{Agent, Device, agent};
pub use channel::{Arrival, Channel, Referrers};
pub use error::AnalyticsError;
pub use event::{EventRefused, IncomingEvent, PAGEVIEW, Revenue, Screen, UTM};
pub use visitor::{Day, Salts, VisitorId, VisitorIds};
pub use visits::{Seen, Step, VISIT_TIMEOUT, Visit, Visits};
