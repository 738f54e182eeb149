//! What a password or second-factor check needs, handed to a domain call as one value
//! rather than three.

use leadvault_keys::Keyring;
use leadvault_store::Db;

use crate::password::PasswordHasher;

/// The database, the password hasher, and the keyring that seals second-factor secrets.
/// Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub db: &'a Db,
    pub hasher: &'a PasswordHasher,
    pub keyring: &'a Keyring,
}
