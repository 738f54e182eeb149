use std::sync::Arc;

use leadvault_accounts::{Credentials, PasswordHasher};
use leadvault_config::{IpRange, PublicUrl};
use leadvault_documents::DocumentStore;
use leadvault_mail::{Mail, MailError, enqueue};
use leadvault_payments::{OperatorBilling, Stripe};
use leadvault_store::Timestamp;
use leadvault_webhooks::WebhookClient;
use tokio::sync::Notify;

use crate::web::error::AppError;
use leadvault_intake::Vault;
use leadvault_keys::Keyring;
use leadvault_store::{Db, Migration};

use crate::analytics::Analytics;
use crate::web::rate_limit::RateLimits;

/// Facts about how browsers reach us that change what we send them.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Browsers reach this server over HTTPS (built-in TLS or a TLS proxy): cookies get the
    /// `__Host-` prefix and `Secure`, and HSTS is sent.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpRange>,
    /// The origin people open Leadvault at: links in e-mail point there.
    pub public_url: Option<PublicUrl>,
    /// How long a public form must have been open before it is sent: bots post at once.
    /// [`crate::intake::form_token::MIN_FILL`] when serving; tests that do not test it set zero.
    pub form_min_fill: std::time::Duration,
    /// Webhook endpoints may be plain HTTP and private addresses (development and tests).
    pub webhooks_allow_private_networks: bool,
    /// Where Stripe's API is, when not at Stripe (a stand-in in tests).
    pub stripe_api: Option<url::Url>,
    /// The plans the operator sells organizations, when it does.
    pub billing: Option<Arc<OperatorBilling>>,
    /// The daily backup, when one is configured.
    pub backups: Option<BackupsOnline>,
}

/// What the web layer knows of the daily backup: where it goes, when it runs, and how to ask
/// the job for one now.
#[derive(Debug, Clone)]
pub struct BackupsOnline {
    pub destination: String,
    /// Minutes after midnight, UTC.
    pub daily_at_minute: u32,
    pub back_up_now: Arc<Notify>,
}

/// What every handler can reach. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    hasher: PasswordHasher,
    keyring: Arc<Keyring>,
    options: WebOptions,
    limits: RateLimits,
    migrations: Vec<Migration>,
    /// Set when e-mail is configured: wakes the delivery worker after queueing.
    mail: Option<Arc<Notify>>,
    webhooks: WebhookClient,
    /// Wakes the webhook sender after something was queued.
    webhooks_wake: Arc<Notify>,
    /// Where uploaded documents go, and how large one may be.
    documents: DocumentStore,
    analytics: Analytics,
    /// Stripe's API, for the organizations that take payments.
    stripe: Stripe,
}

impl AppState {
    /// `mail` is the delivery worker's wake-up, when e-mail is configured (then
    /// `options.public_url` is set too).
    pub fn new(
        db: Db,
        hasher: PasswordHasher,
        keyring: Arc<Keyring>,
        options: WebOptions,
        mail: Option<Arc<Notify>>,
        documents: DocumentStore,
        analytics: Analytics,
    ) -> Self {
        let options_private = options.webhooks_allow_private_networks;
        let stripe = Stripe::new(options.stripe_api.clone());
        Self {
            inner: Arc::new(Inner {
                db,
                hasher,
                keyring,
                options,
                limits: RateLimits::default(),
                migrations: crate::migrations(),
                mail,
                webhooks: WebhookClient::new(options_private),
                webhooks_wake: Arc::new(Notify::new()),
                documents,
                analytics,
                stripe,
            }),
        }
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// The organization's data keys, for handlers that encrypt or decrypt personal data.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// Uploaded documents (encrypted on disk).
    pub fn documents(&self) -> &DocumentStore {
        &self.inner.documents
    }

    /// What a password or second-factor check needs, for a domain call.
    pub fn credentials(&self) -> Credentials<'_> {
        Credentials {
            db: self.db(),
            hasher: self.hasher(),
            keyring: self.keyring(),
        }
    }

    /// Intake's records and what opens them, for a domain call.
    pub fn vault(&self) -> Vault<'_> {
        Vault {
            db: self.db(),
            keyring: self.keyring(),
            documents: self.documents(),
        }
    }

    /// Analytics: the enricher, the ingester's queue, the analytics database.
    pub fn analytics(&self) -> &Analytics {
        &self.inner.analytics
    }

    /// Stripe's API.
    pub fn stripe(&self) -> &Stripe {
        &self.inner.stripe
    }

    /// The daily backup, when configured.
    pub fn backups(&self) -> Option<&BackupsOnline> {
        self.inner.options.backups.as_ref()
    }

    /// The operator's billing of organizations, when plans are sold.
    pub fn billing(&self) -> Option<&OperatorBilling> {
        self.inner.options.billing.as_deref()
    }

    pub fn options(&self) -> &WebOptions {
        &self.inner.options
    }

    pub fn limits(&self) -> &RateLimits {
        &self.inner.limits
    }

    /// The installation's public origin (`https://host`), for addresses shown to people and
    /// put in embed tags; empty when none is configured, which leaves them relative.
    pub fn public_origin(&self) -> String {
        self.inner
            .options
            .public_url
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The webhook client (which addresses it may reach is the installation's setting).
    pub fn webhooks(&self) -> &WebhookClient {
        &self.inner.webhooks
    }

    /// The webhook sender's wake-up, for `serve` (and tests) to run the sender with.
    pub fn webhooks_wake(&self) -> Arc<Notify> {
        self.inner.webhooks_wake.clone()
    }

    /// Tells the webhook sender that something was queued.
    pub fn wake_webhooks(&self) {
        self.inner.webhooks_wake.notify_one();
    }

    /// Where links in e-mail point, if e-mail can be sent at all.
    pub fn mail_links(&self) -> Option<&PublicUrl> {
        self.inner
            .mail
            .as_ref()
            .and(self.inner.options.public_url.as_ref())
    }

    /// Queues `mail` for delivery (encrypted, durable) and wakes the worker.
    pub async fn send_mail(&self, mail: &Mail) -> Result<(), AppError> {
        let wake = self
            .inner
            .mail
            .as_ref()
            .ok_or(AppError::Internal("e-mail is not configured".to_owned()))?;
        enqueue(self.db(), self.keyring(), mail, Timestamp::now())
            .await
            .map_err(|e| match e {
                MailError::Store(store) => AppError::from(store),
                other => AppError::Internal(other.to_string()),
            })?;
        wake.notify_one();
        Ok(())
    }

    /// Wakes the delivery worker after mail was queued inside another transaction.
    pub fn wake_mail(&self) {
        if let Some(wake) = &self.inner.mail {
            wake.notify_one();
        }
    }

    pub fn migrations(&self) -> &[Migration] {
        &self.inner.migrations
    }
}
