//! Privacy-first analytics: what a firm's website tells us about its visitors, counted
//! without keeping anything that identifies one. No IP address and no raw user agent is ever
//! written anywhere; a visitor is a keyed hash under a salt that lives one day and is
//! forgotten the day after (see `visitor`). Knows nothing of HTTP.

mod actions;
mod agent;
mod assignment;
mod change;
mod channel;
mod conversions;
mod country;
mod day;
mod definitions;
mod delivery;
mod dimension;
mod error;
mod event;
mod experiment;
mod experiment_days;
mod experiments;
mod filtered;
mod generate;
mod goals;
mod hit;
mod ingest;
mod overlap;
mod report;
mod results;
mod retention;
mod rollup;
mod selector;
mod shares;
mod stats;
mod storage;
mod visitor;
mod visits;

pub use actions::AnalyticsAction;
pub use agent::{Agent, Device, agent};
pub use assignment::{assign, fnv1a};
pub use change::{ATTRIBUTES, Change, Position, STYLE_PROPERTIES};
pub use channel::{Arrival, Channel, Referrers};
pub use conversions::{
    Conversion, ConversionRow, PropertyValue, conversions, event_properties, goal_by,
};
pub use country::{Countries, Country};
pub use day::Day;
pub use definitions::{DEFINITION_MIGRATIONS, move_definitions};
pub use delivery::script_config;
pub use dimension::Dimension;
pub use error::AnalyticsError;
pub use event::{EventRefused, IncomingEvent, PAGEVIEW, Revenue, Screen, UTM};
pub use experiment::{ANTI_FLICKER_MS, ExperimentDefinition, ExperimentRefused, Variation};
pub use experiments::{
    Experiment, ExperimentError, ExperimentState, OnSite, create_experiment, list_experiments,
    set_state,
};
pub use filtered::{Filter, MAX_FILTERS, filtered_report};
pub use generate::{Generated, Traffic, generate};
pub use goals::{
    FORM_SUBMITTED, Goal, GoalError, GoalKind, GoalRefused, MAX_GOALS, PathPattern, add_goal,
    list_goals, remove_goal,
};
pub use hit::{Client, Enricher, Hit, VisitFacts};
pub use ingest::{IngestOptions, Ingester, Ingesting, Overloaded, start};
pub use overlap::{Overlap, overlaps};
pub use report::{Breakdown, Metrics, Period, Point, Range, RangeRefused, Report, Row, report};
pub use results::{
    EXPOSURE, ExperimentReport, ReportScope, Results, VariationResult, experiment_report,
    experiment_results,
};
pub use retention::{DEFAULT_RETENTION, Purged, purge};
pub use rollup::roll_up_day;
pub use selector::{Selector, SelectorRefused};
pub use shares::{is_shared, share, shared_site, unshare};
pub use stats::{
    Arm, Comparison, chance_to_beat, chi_squared_sf, compare, ln_gamma, normal_cdf,
    normal_quantile, sample_ratio_p, sample_size, verdict,
};
pub use storage::{AnalyticsDb, MIGRATIONS, StoredEvent, analytics_url};
pub use visitor::{Salts, VisitorId, VisitorIds};
pub use visits::{Recorded, Seen, Step, VISIT_TIMEOUT, Visit, VisitId, Visits};
