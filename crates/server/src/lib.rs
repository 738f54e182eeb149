//! The Leadvault web application: an axum router over the domain crates.
//!
//! One module per feature (`account`, `team`, `intake`, `analytics`, `audit_review`, `ops`),
//! each holding its handlers, its view models and its slice of the route table; `web` holds
//! what they share (extractors, CSRF, errors, headers, bodies, serving). Handlers are thin:
//! they parse input, call one domain function, and render. Errors become HTTP responses in
//! exactly one place (`web::error`). The route table ([`routes`]) is the one list of every
//! route, read by the router and by the access-matrix test.

mod account;
mod actions;
mod analytics;
mod app;
mod audit_review;
mod intake;
mod mails;
mod ops;
mod payments;
mod registry;
mod routes;
mod state;
mod team;
mod web;

#[cfg(test)]
#[path = "../build/minify.rs"]
mod minify;

pub use actions::WebAction;
pub use analytics::Analytics;
pub use app::{App, Parts, build_app};
pub use intake::form_token::MIN_FILL as FORM_MIN_FILL;
pub use registry::{backup_schema, encrypted_columns, migrations};
pub use routes::{RouteInfo, router, routes};
pub use state::{AppState, BackupsOnline, WebOptions};
pub use web::client_ip::{ClientIp, Peer};
pub use web::csrf_guard::Csrf;
pub use web::error::AppError;
pub use web::headers::FrameAncestors;
pub use web::rate_limit::{Limit, RateLimits};
pub use web::redirect::redirect_router;
pub use web::shutdown::{ConnectionLimits, serve};
pub use web::tls::{ReloadableCert, TlsError, acceptor as tls_acceptor};
