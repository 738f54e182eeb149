use std::sync::Arc;

use leadvault_accounts::PasswordHasher;
use leadvault_keys::Keyring;
use leadvault_store::{Db, Migration};

/// Facts about how browsers reach us that change what we send them.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebOptions {
    /// Browsers reach this server over HTTPS (built-in TLS or a TLS proxy): cookies get the
    /// `__Host-` prefix and `Secure`, and HSTS is sent.
    pub https: bool,
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

    pub fn options(&self) -> WebOptions {
        self.inner.options
    }

    pub fn migrations(&self) -> &[Migration] {
        &self.inner.migrations
    }
}
