//! Shared fixtures for Leadvault's integration tests.
//!
//! - Sites, forms and leads to start intake tests from (`TestApp::site`, `form`, `lead`).
//! - [`TestDb`]: a fresh database per test on either engine (a temporary SQLite file, or a
//!   new PostgreSQL database, dropped afterwards), so tests run in parallel without sharing
//!   state.
//! - [`TestApp`]: the real router, served on a random loopback port over a [`TestDb`].
//! - [`both_engines`]: a test written once, run on SQLite and PostgreSQL.
//! - [`Browser`] and [`TestPerson`]: signing in as a browser does, with people to sign in as.
//! - [`Chromium`]: headless Chromium through WebDriver, with host names mapped to test
//!   servers ([`serve_site_page`] plays a firm's own site).
//! - [`Chromium::assert_accessible`]: axe-core's serious and critical rules on a page.
//! - [`TcpProxy`]: a link to the database that a test can cut and restore.
//! - [`StripeStandIn`]: Stripe's API, hosted checkout page and signed webhooks, on loopback.
//! - [`LeadvaultProcess`]: the real binary, run as an operator would.
//! - [`softhsm_token`]: a fresh SoftHSM2 token for a PKCS#11 test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analytics;
mod app;
mod audit;
mod axe;
mod backups;
mod browser;
mod certs;
mod chromium;
mod db;
pub mod forms;
mod http;
mod intake;
mod object_stores;
mod people;
mod planted;
mod postgres;
mod process;
mod proxy;
mod site;
mod smtp;
mod softhsm;
mod stripe;
mod throwaway;
mod webhook_receiver;

pub use analytics::{CHROME, IPHONE, StoredVisit, event_body};
pub use app::{TestApp, TestAppBuilder};
pub use audit::{AuditRow, acting_in};
pub use axe::Violation;
pub use backups::{AgeKeys, age_keys, known_schema, tamper_manifest, verify_server};
pub use browser::{Browser, Page, Part};
pub use certs::TestCert;
pub use chromium::{Chromium, Element};
pub use db::TestDb;
pub use http::{http_client, http_client_builder, install_crypto_provider};
pub use intake::site_in;
pub use leadvault_store::Engine;
pub use object_stores::{Azurite, Moto};
pub use people::{Enrolled, TEST_PASSWORD, TestPerson, fixture, next_code, owner_in};
pub use planted::{Haystack, files_under, planted_in, postgres_rows};
pub use postgres::{
    admin_url as postgres_admin_url, app_role as postgres_app_role, postgres_available,
};
pub use process::{Finished, LeadvaultProcess, run_leadvault};
pub use proxy::TcpProxy;
pub use site::serve_site_page;
pub use smtp::{ReceivedMail, SmtpSink};
pub use softhsm::{SoftHsmToken, softhsm_token};
pub use stripe::{
    PayingFirm, STRIPE_ACCOUNT, STRIPE_SIGNING_SECRET, STRIPE_TEST_KEY, StripeStandIn, unix_now,
};
pub use webhook_receiver::{ReceivedHook, WebhookReceiver};

/// Runs a test on both engines (see `leadvault_test_macros`): `#[both_engines] async fn
/// name(engine: Engine)` expands to a module with a `sqlite` and a `postgres` test. Where
/// PostgreSQL is missing outside CI the `postgres` test says so loudly and returns; in CI
/// (`CI=true`) it fails.
pub use leadvault_test_macros::both_engines;
