//! The key hierarchy, kept in the database:
//!
//! ```text
//! root key (key provider: local file or HSM)
//!   └─ wraps one tenant key per organization and version   (table tenant_keys)
//!        └─ wraps data keys per purpose and version        (table data_keys)
//!             └─ encrypt fields, blind indexes, files       (ciphertexts name the data key)
//! ```
//!
//! Unwrapped keys live only in memory, in a bounded cache with a time to live. Deleting an
//! organization's rows here makes all of its encrypted data unreadable (crypto-shredding).

mod actions;
mod cache;
mod error;
mod keyring;
mod migrations;
mod reencrypt;
mod signing;

pub use actions::KeyAction;
pub use cache::CacheSettings;
pub use error::KeyError;
pub use keyring::{
    DataKey, DataKeyInfo, KeyPurpose, KeyStatus, Keyring, RootRotation, ShredReport,
};
pub use migrations::MIGRATIONS;
pub use reencrypt::{EncryptedColumn, Progress};
pub use signing::{SIGNING_KEY_COLUMN, checkpoint_public_keys};
