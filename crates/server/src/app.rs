//! The composition root: the one function that wires the web application from its parts.
//! `leadvault serve` and the tests' `TestApp` both build the application through it, so the
//! tests exercise the wiring that runs in production; only the parts differ (configuration
//! against a test's choices).

use std::sync::Arc;

use axum::Router;
use leadvault_accounts::PasswordHasher;
use leadvault_analytics::{
    AnalyticsDb, AnalyticsError, Countries, Enricher, IngestOptions, Ingester, Ingesting,
};
use leadvault_documents::DocumentStore;
use leadvault_keys::Keyring;
use leadvault_store::Db;
use tokio::sync::Notify;

use crate::analytics::Analytics;
use crate::routes::router;
use crate::state::{AppState, WebOptions};

/// What the application is made of.
#[derive(Debug)]
pub struct Parts {
    /// The main database, as the application's own role.
    pub db: Db,
    pub keyring: Arc<Keyring>,
    pub hasher: PasswordHasher,
    pub options: WebOptions,
    /// Wakes the e-mail worker when a message is queued; `None` without e-mail.
    pub mail_wake: Option<Arc<Notify>>,
    pub documents: DocumentStore,
    pub analytics_db: AnalyticsDb,
    /// The IP-to-country database the analytics enrichment reads.
    pub countries: Countries,
}

/// The application, wired: its state (for the workers that share it), its router, and the
/// analytics ingester with the task that writes what it buffers.
#[derive(Debug)]
pub struct App {
    pub state: AppState,
    pub router: Router,
    pub ingester: Ingester,
    pub ingesting: Ingesting,
}

/// Wires the application from `parts`: starts the analytics ingester, builds the state and
/// the router over it.
pub fn build_app(parts: Parts) -> Result<App, AnalyticsError> {
    let (ingester, ingesting) =
        leadvault_analytics::start(parts.analytics_db.clone(), IngestOptions::default())?;
    let analytics = Analytics::new(
        Enricher::new(parts.countries),
        ingester.clone(),
        parts.analytics_db,
    );
    let state = AppState::new(
        parts.db,
        parts.hasher,
        parts.keyring,
        parts.options,
        parts.mail_wake,
        parts.documents,
        analytics,
    );
    Ok(App {
        router: router(state.clone()),
        state,
        ingester,
        ingesting,
    })
}
