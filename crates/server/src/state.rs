use std::sync::Arc;

use leadvault_accounts::PasswordHasher;
use leadvault_config::IpRange;
use leadvault_keys::Keyring;
use leadvault_store::{Db, Migration};

use crate::rate_limit::RateLimits;

/// Facts about how browsers reach us that change what we send them.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Browsers reach this server over HTTPS (built-in TLS or a TLS proxy): cookies get the
    /// `__Host-` prefix and `Secure`, and HSTS is sent.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpRange>,
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
}

impl AppState {
    pub fn new(db: Db, hasher: PasswordHasher, keyring: Arc<Keyring>, options: WebOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                hasher,
                keyring,
                options,
                limits: RateLimits::default(),
                migrations: crate::migrations(),
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

    pub fn options(&self) -> &WebOptions {
        &self.inner.options
    }

    pub fn limits(&self) -> &RateLimits {
        &self.inner.limits
    }

    pub fn migrations(&self) -> &[Migration] {
        &self.inner.migrations
    }
}
