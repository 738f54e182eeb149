//! What intake's records are kept in and opened with, handed to a domain call as one value
//! rather than three.

use leadvault_documents::DocumentStore;
use leadvault_keys::Keyring;
use leadvault_store::Db;

/// The database, the keyring whose keys seal answers, notes and documents, and the store
/// of uploaded documents. Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Vault<'a> {
    pub db: &'a Db,
    pub keyring: &'a Keyring,
    pub documents: &'a DocumentStore,
}
