//! The Leadvault web application: an axum router over the domain crates.
//!
//! Handlers are thin: they parse input into domain types, call one domain function, and
//! render. Errors become HTTP responses in exactly one place ([`error`]). Everything that
//! applies to every response (request ids, logging, security headers) is middleware.

mod actions;
mod analytics;
mod app;
mod auth;
mod client_ip;
mod csrf;
mod csrf_guard;
mod denial;
mod device;
mod error;
mod experiment_view;
mod form_token;
mod headers;
mod mails;
mod observe;
mod pages;
mod person;
mod rate_limit;
mod reach;
mod redirect;
mod registry;
mod report_view;
mod routes;
mod shutdown;
mod site_script;
mod state;
mod tls;

#[cfg(test)]
#[path = "../build/minify.rs"]
mod minify;
#[cfg(test)]
mod script_tests;

pub use actions::WebAction;
pub use analytics::Analytics;
pub use app::{App, Parts, build_app};
pub use client_ip::{ClientIp, Peer};
pub use csrf_guard::{Csrf, policy as csrf_policy};
pub use error::AppError;
pub use form_token::MIN_FILL as FORM_MIN_FILL;
pub use headers::FrameAncestors;
pub use rate_limit::{Limit, RateLimits};
pub use redirect::redirect_router;
pub use registry::{encrypted_columns, migrations};
pub use routes::{router, routes};
pub use shutdown::{ConnectionLimits, serve};
pub use state::{AppState, WebOptions};
pub use tls::{ReloadableCert, TlsError, acceptor as tls_acceptor};
